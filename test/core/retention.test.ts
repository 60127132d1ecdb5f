/**
 * Issue 11, memory: after a burst of async Originates and `Hangup Channel: /.*\/`, nothing of the calls
 * stays reachable (no Channel, no Bridge): WeakRefs to every channel and bridge are cleared by a forced
 * garbage collection. Counts, not timings; bench/leak.ts measures the same at 10,000 calls.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawAmi } from '../../src/testing/raw-ami.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const CALLS = 150;
let s: CoreServer;
let c: RawAmi;
before(async () => {
  s = await startCoreServer({
    virtual: true,
    seed: 3,
    append: { 'extensions.conf': '\n[keep]\nexten => 1,1,Answer()\n same => n,Wait(600)\n' },
  });
  c = await s.login('admin', 'admin', [['Events', 'on']]);
});
after(async () => {
  await s.dispose();
});

/** Channels and bridges of the calls, counted as the collector frees them. */
let registered = 0;
let freed = 0;
const registry = new FinalizationRegistry<string>(() => void freed++);

/** Forces collections until every registered object is freed (at most 100 rounds); returns those left. */
async function collect(): Promise<number> {
  for (let i = 0; i < 100 && freed < registered; i++) {
    gc();
    // Finalization callbacks run in a later task.
    await new Promise((r) => setTimeout(r, 20));
  }
  return registered - freed;
}

/**
 * Registers every live channel and bridge; returns how many channels. A FinalizationRegistry, not
 * WeakRefs (a WeakRef keeps its target for the rest of the job), and in a function of its own: a
 * suspended async test function may keep its locals (the channel array) on its saved frame.
 */
function track(): number {
  const live = s.pbx.channels();
  for (const ch of live) registry.register(ch, ch.name);
  const bridges = s.pbx.bridges();
  for (const b of bridges) registry.register(b, b.uniqueid);
  registered += live.length + bridges.length;
  return live.length;
}

test(`${CALLS} async Originates, two rounds, then Hangup /.*/: no channel or bridge stays reachable`, async () => {
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < CALLS; i++) {
      // Half run an application, half are bridged to the dialplan through a Local pair.
      const r = await c.action('Originate', [
        ['Channel', 'Local/1@keep'],
        ...(i % 2
          ? ([
              ['Application', 'Wait'],
              ['Data', '600'],
            ] as Array<[string, string]>)
          : ([
              ['Context', 'keep'],
              ['Exten', '1'],
              ['Priority', '1'],
            ] as Array<[string, string]>)),
        ['Account', `acct${i % 7}`],
        ['Variable', `V${i}=x`],
        ['Async', 'true'],
      ]);
      assert.equal(r.get('Response'), 'Success');
    }
    await c.action('SimClock', [
      ['Operation', 'advance'],
      ['Milliseconds', '2000'],
    ]);
    const up = track();
    assert.ok(up >= CALLS * 2, `${up} channels up`);
    const h = await c.action('Hangup', [['Channel', '/.*/']]);
    assert.equal(h.get('Response'), 'Success');
    await c.action('SimClock', [['Operation', 'run']]);
    assert.equal(s.pbx.channels().length, 0);
  }
  assert.ok(registered >= CALLS * 4);
  assert.equal(s.pbx.bridges().length, 0);
  // The test client's message log holds text, never objects; drop it anyway to keep the heap small.
  c.msgs.length = 0;
  const left = await collect();
  assert.equal(left, 0, `${left} of ${registered} channels and bridges still reachable`);
});

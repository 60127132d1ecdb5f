import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RealClock, VirtualClock, sleep } from '../../src/pbx/clock.js';
import { Prng } from '../../src/pbx/prng.js';
import { IdAllocator } from '../../src/pbx/ids.js';
import { causeFromName, causeText } from '../../src/pbx/causes.js';

test('VirtualClock runs events in time order, equal times in insertion order', async () => {
  const c = new VirtualClock(1000);
  const seen: string[] = [];
  c.setTimer(20, () => seen.push('b'));
  c.setTimer(10, () => seen.push('a'));
  c.setTimer(20, () => seen.push('c'));
  const h = c.setTimer(15, () => seen.push('cancelled'));
  c.clearTimer(h);
  assert.equal(await c.runUntil(1015), 1);
  assert.equal(c.now(), 1015);
  await c.runAll();
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.equal(c.now(), 1020);
  assert.equal(c.pending(), 0);
});

test('VirtualClock lets awaiting code continue before time moves on', async () => {
  const c = new VirtualClock(0);
  const seen: number[] = [];
  void (async () => {
    for (let i = 0; i < 3; i++) {
      await sleep(c, 100).done;
      seen.push(c.now());
    }
  })();
  await c.runFor(1000);
  assert.deepEqual(seen, [100, 200, 300]);
  assert.equal(c.now(), 1000);
});

test('VirtualClock runAll respects its limit; sleep can be cancelled', async () => {
  const c = new VirtualClock(0);
  const tick = (): void => void c.setTimer(1, tick);
  tick();
  assert.equal(await c.runAll(50), 50);
  const s = sleep(c, 10);
  s.cancel();
  assert.equal(await s.done, false);
});

test('VirtualClock real-time mode follows wall time at speed x N', async () => {
  const c = new VirtualClock(0);
  let fired = 0;
  c.setTimer(1000, () => fired++);
  c.startRealtime(100);
  await new Promise((r) => setTimeout(r, 80));
  c.stopRealtime();
  assert.equal(fired, 1);
  assert.ok(c.now() >= 1000);
});

test('RealClock timers fire and can be cleared', async () => {
  const c = new RealClock();
  let n = 0;
  const h = c.setTimer(5, () => n++);
  c.clearTimer(h);
  await new Promise<void>((r) => c.setTimer(10, r));
  assert.equal(n, 0);
  assert.ok(Math.abs(c.now() - Date.now()) < 50);
});

test('Prng is deterministic per seed and in range', () => {
  const a = new Prng(7);
  const b = new Prng(7);
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => new Prng(8).next()),
  );
  for (let i = 0; i < 1000; i++) {
    const v = a.int(3, 5);
    assert.ok(v >= 3 && v <= 5);
  }
  assert.match(a.uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('ids: Uniqueid epoch.seq from 0, per-technology 8-hex suffixes', () => {
  const ids = new IdAllocator(() => 1795345815_123);
  assert.equal(ids.uniqueid(), '1795345815.0');
  assert.equal(ids.uniqueid(), '1795345815.1');
  assert.equal(ids.channelSuffix('Local'), '00000000');
  assert.equal(ids.channelSuffix('SIP'), '00000000');
  for (let i = 0; i < 9; i++) ids.channelSuffix('SIP');
  assert.equal(ids.channelSuffix('sip'), '0000000a');
});

test('causes: Asterisk cause texts', () => {
  assert.equal(causeText(16), 'Normal Clearing');
  assert.equal(causeText(17), 'User busy');
  assert.equal(causeText(19), 'User alerting, no answer');
  assert.equal(causeText(21), 'Call Rejected');
  assert.equal(causeText(1), 'Unallocated (unassigned) number');
  assert.equal(causeText(34), 'Circuit/channel congestion');
  assert.equal(causeText(38), 'Network out of order');
  assert.equal(causeText(127), 'Interworking, unspecified');
  assert.equal(causeText(0), 'Unknown');
  assert.equal(causeFromName('user_busy'), 17);
  assert.equal(causeFromName('nope'), -1);
});

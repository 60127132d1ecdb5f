/**
 * Our Sim* actions (class `test`) and call flows on a server whose PBX runs on the virtual clock:
 * an hour of dialplan in well under a second, a phone calling in, a sync Originate completed by
 * another session advancing the clock.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawMsg } from '../../src/testing/raw-ami.js';
import { VirtualClock } from '../../src/pbx/clock.js';

const LONG = `
[longcall]
exten => 1000,1,Answer()
 same => n,Wait(3600)
 same => n,Hangup()
`;

let s: CoreServer;
before(async () => {
  s = await startCoreServer({ virtual: true, seed: 7, append: { 'extensions.conf': LONG } });
});
after(async () => {
  await s.dispose();
});

const msg = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;

test('Sim* actions need the test class and are listed as such', async () => {
  const limited = await s.login('limited', 'limited');
  assert.equal(msg(await limited.action('SimStatus')), 'Error: Permission denied');
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const lc = await c.action('ListCommands');
  for (const name of ['SimCall', 'SimClock', 'SimEndpoint', 'SimEndpointList', 'SimStatus'])
    assert.match(lc.raw, new RegExp(`\\r\\n${name}: [^\\r]+ \\(Priv: test,all\\)\\r\\n`), name);
  const st = await c.action('SimStatus');
  assert.equal(st.get('Clock'), 'virtual');
  assert.equal(st.get('Seed'), '7');
  assert.equal(st.get('Channels'), '0');
  assert.equal(st.get('SipPeers'), '4');
});

test('SimEndpoint, SimEndpointList, `sim` CLI', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  assert.equal(msg(await c.action('SimEndpoint', [['Mode', 'busy']])), 'Error: Endpoint not specified');
  assert.match(
    msg(
      await c.action('SimEndpoint', [
        ['Endpoint', 'test-203'],
        ['Mode', 'sleepy'],
      ]),
    ),
    /^Error: Invalid Mode 'sleepy'/,
  );
  assert.match(
    msg(
      await c.action('SimEndpoint', [
        ['Endpoint', 'test-203'],
        ['AnswerAfter', '-1'],
      ]),
    ),
    /^Error: Invalid AnswerAfter/,
  );
  const r = await c.action('SimEndpoint', [
    ['Endpoint', 'test-203'],
    ['Mode', 'answer'],
    ['AnswerAfter', '1500'],
    ['TalkTime', '60000'],
  ]);
  assert.deepEqual(r.headers.slice(2), [
    ['Message', 'Endpoint updated'],
    ['Endpoint', 'SIP/test-203'],
    ['Mode', 'answer'],
    ['AnswerAfterMs', '1500'],
    ['TalkTimeMs', '60000'],
    ['Jitter', '0'],
  ]);
  const l = await c.action('SimEndpointList');
  assert.equal(l.get('EventList'), 'start');
  const done = await c.waitEvent('SimEndpointListComplete');
  assert.equal(done.get('ListItems'), '5');
  const items = c.seen((m) => m.event === 'SimEndpoint');
  assert.equal(items[0].get('Endpoint'), 'default');
  const i203 = items.find((m) => m.get('Endpoint') === 'SIP/test-203');
  assert.deepEqual([i203?.get('AnswerAfterMs'), i203?.get('Override')], ['1500', 'Yes']);
  const cmd = await c.action('Command', [['Command', 'sim endpoint test-204 busy 300']]);
  assert.deepEqual(cmd.all('Output'), ['Endpoint SIP/test-204 updated.']);
  const show = await c.action('Command', [['Command', 'sim show endpoints']]);
  assert.ok(
    show.all('Output').some((l2) => /^SIP\/test-204 +busy +300 +0$/.test(l2)),
    show.raw,
  );
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-204'],
    ['Reset', 'yes'],
  ]);
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-203'],
    ['Reset', 'yes'],
  ]);
});

test('an hour of dialplan runs in well under a second of real time', async () => {
  const c = await s.login();
  const t0 = Date.now();
  const r = await c.action('Originate', [
    ['Channel', 'Local/1000@longcall'],
    ['Application', 'Wait'],
    ['Data', '3600'],
    ['Async', 'true'],
  ]);
  assert.equal(msg(r), 'Success: Originate successfully queued');
  // Nothing moves until the clock does.
  assert.equal(s.pbx.channels().length, 2);
  const adv = await c.action(
    'SimClock',
    [
      ['Operation', 'advance'],
      ['Seconds', '3700'],
    ],
    10000,
  );
  assert.equal(adv.get('Message'), 'Clock advanced');
  assert.ok(Number(adv.get('Events')) > 5);
  const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'));
  assert.equal(o.get('Reason'), '4');
  await c.waitEvent('Hangup', (m) => (m.get('Channel') ?? '').endsWith(';2'));
  const cdr = await c.waitEvent('Cdr', (m) => (m.get('Channel') ?? '').endsWith(';2'));
  assert.ok(Number(cdr.get('Duration')) >= 3600, `Duration ${cdr.get('Duration')}`);
  assert.equal(cdr.get('LastApplication'), 'Wait');
  assert.equal(s.pbx.channels().length, 0);
  // An hour of PBX time in far less real time, even on a loaded machine (typically ~50 ms).
  assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
});

test('SimCall: a phone calls in; a sync Originate waits for another session to advance the clock', async () => {
  const c = await s.login();
  assert.equal(msg(await c.action('SimCall', [['Exten', '500']])), 'Error: From not specified');
  assert.equal(
    msg(
      await c.action('SimCall', [
        ['From', 'test-999'],
        ['Exten', '500'],
      ]),
    ),
    "Error: Unknown SIP peer 'test-999'",
  );
  const call = await c.action('SimCall', [
    ['From', 'test-201'],
    ['Exten', '500'],
    ['CallerID', '"Alice" <201>'],
  ]);
  assert.match(call.get('Channel') ?? '', /^SIP\/test-201-[0-9a-f]{8}$/);
  await c.action('SimClock', [['Operation', 'run']]);
  const h = await c.waitEvent('Hangup', (m) => m.get('Channel') === call.get('Channel'));
  assert.equal(h.get('CallerIDName'), 'Alice');
  assert.equal(h.get('Cause'), '16');

  // Session one blocks on a sync Originate (the phone answers after 2 s of PBX time) ...
  const one = await s.login('admin', 'admin', [['Events', 'off']]);
  one.write(
    'Action: Originate\r\nActionID: sync-v\r\nChannel: SIP/test-202\r\nApplication: Wait\r\nData: 1\r\n\r\n',
  );
  await new Promise((res) => setTimeout(res, 50));
  assert.equal(one.seen((m) => m.get('ActionID') === 'sync-v').length, 0, 'still waiting');
  // ... until session two moves the clock.
  const two = await s.login('admin', 'admin', [['Events', 'off']]);
  await two.action('SimClock', [
    ['Operation', 'advance'],
    ['Milliseconds', '2500'],
  ]);
  const resp = await one.waitFor((m) => m.get('ActionID') === 'sync-v');
  assert.equal(msg(resp), 'Success: Originate successfully queued');
  await two.action('SimClock', [['Operation', 'run']]);
  assert.equal(s.pbx.channels().length, 0);
  const st = await two.action('SimClock');
  assert.equal(st.get('Pending'), '0');
});

test('SimClock speed follows real time; the real clock refuses to be driven', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const before = Number((await c.action('SimClock')).get('Now'));
  const t0 = Date.now();
  const sp = await c.action('SimClock', [
    ['Operation', 'speed'],
    ['Speed', '100'],
  ]);
  assert.equal(sp.get('Speed'), '100');
  // Wait for the state (5 s of PBX time gone), not for a time that a loaded machine may not keep.
  let now = before;
  while (now - before < 5000) {
    assert.ok(Date.now() - t0 < 10_000, `the clock follows real time: ${now - before} ms in 10 s`);
    await new Promise((res) => setTimeout(res, 20));
    now = Number((await c.action('SimClock')).get('Now'));
  }
  const stop = await c.action('SimClock', [['Operation', 'stop']]);
  const wall = Date.now() - t0;
  assert.equal(stop.get('Speed'), '0');
  const advanced = Number(stop.get('Now')) - before;
  assert.ok(advanced >= 5000, `advanced ${advanced} ms`);
  assert.ok(advanced <= wall * 100 + 100, `${advanced} ms of PBX time in ${wall} ms at 100x: too fast`);
  // Stopped: the clock stays where it is.
  await new Promise((res) => setTimeout(res, 30));
  assert.equal((await c.action('SimClock')).get('Now'), stop.get('Now'));
  assert.match(msg(await c.action('SimClock', [['Operation', 'warp']])), /^Error: Unknown Operation 'warp'/);
  const real = await startCoreServer();
  try {
    const r = await real.login('admin', 'admin', [['Events', 'off']]);
    assert.equal(
      msg(
        await r.action('SimClock', [
          ['Operation', 'advance'],
          ['Seconds', '1'],
        ]),
      ),
      'Error: The server runs on the real clock',
    );
    assert.equal((await r.action('SimClock')).get('Clock'), 'real');
  } finally {
    await real.dispose();
  }
});

test("SimPeer drives chan_sip's simulated registrations when the SIP module is there", async () => {
  const calls: string[] = [];
  const ok = { ok: true } as const;
  const sipSim = {
    register: (p: string, o?: { host?: string; port?: number; expires?: number }) => {
      calls.push(`register ${p} ${o?.host ?? ''}:${o?.port ?? ''} ${o?.expires ?? ''}`);
      return p === 'nobody' ? ({ ok: false, error: "No such peer 'nobody'" } as const) : ok;
    },
    unregister: (p: string) => (calls.push(`unregister ${p}`), ok),
    unreachable: (p: string) => (calls.push(`unreachable ${p}`), ok),
    latency: (p: string, ms: number) => (calls.push(`latency ${p} ${ms}`), ok),
    reset: (p: string) => (calls.push(`reset ${p}`), ok),
  };
  const srv = await startCoreServer({ sipSim });
  try {
    const c = await srv.login('admin', 'admin', [['Events', 'off']]);
    assert.equal(msg(await c.action('SimPeer', [['Operation', 'register']])), 'Error: Peer not specified');
    const r = await c.action('SimPeer', [
      ['Peer', 'SIP/test-201'],
      ['Operation', 'register'],
      ['Host', '127.0.0.9'],
      ['Port', '5070'],
      ['Expires', '60'],
    ]);
    assert.deepEqual(r.headers.slice(2), [
      ['Message', 'Peer updated'],
      ['Peer', 'test-201'],
      ['Operation', 'register'],
    ]);
    assert.equal(
      msg(
        await c.action('SimPeer', [
          ['Peer', 'nobody'],
          ['Operation', 'register'],
        ]),
      ),
      "Error: No such peer 'nobody'",
    );
    await c.action('SimPeer', [
      ['Peer', 'test-202'],
      ['Operation', 'latency'],
      ['LatencyMs', '40'],
    ]);
    await c.action('SimPeer', [
      ['Peer', 'test-202'],
      ['Operation', 'unreachable'],
    ]);
    await c.action('SimPeer', [
      ['Peer', 'test-202'],
      ['Operation', 'reset'],
    ]);
    assert.match(
      msg(
        await c.action('SimPeer', [
          ['Peer', 'test-202'],
          ['Operation', 'fly'],
        ]),
      ),
      /^Error: Unknown Operation 'fly'/,
    );
    assert.deepEqual(calls, [
      'register test-201 127.0.0.9:5070 60',
      'register nobody : ',
      'latency test-202 40',
      'unreachable test-202',
      'reset test-202',
    ]);
  } finally {
    await srv.dispose();
  }
});

test('same seed, same virtual start: the same events on the wire, run after run', async () => {
  const run = async (): Promise<string[]> => {
    const srv = await startCoreServer({ clock: new VirtualClock(Date.UTC(2026, 10, 22, 11, 0, 0)), seed: 5 });
    try {
      const c = await srv.login();
      await c.action('SimEndpoint', [
        ['Endpoint', 'test-202'],
        ['AnswerAfter', '2000'],
        ['TalkTime', '5000'],
        ['Jitter', '0.5'],
      ]);
      await c.action('Originate', [
        ['Channel', 'SIP/test-202'],
        ['Application', 'Wait'],
        ['Data', '10'],
        ['Async', 'true'],
      ]);
      await c.action('SimCall', [
        ['From', 'test-201'],
        ['Exten', '300'],
        ['CallerID', '201'],
      ]);
      await c.action('SimClock', [['Operation', 'run']]);
      await c.action('Ping');
      return c
        .seen((m) => m.event !== undefined && !['FullyBooted', 'SuccessfulAuth'].includes(m.event))
        .map((m) =>
          m.headers
            .filter(([n]) => n !== 'ActionID')
            .map(([n, v]) => `${n}: ${v}`)
            .join('|'),
        );
    } finally {
      await srv.dispose();
    }
  };
  const a = await run();
  const b = await run();
  assert.ok(a.length > 20, `${a.length} events`);
  assert.ok(a.some((l) => l.startsWith('Event: Cdr|')));
  assert.deepEqual(b, a);
});

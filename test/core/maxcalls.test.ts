/**
 * asterisk.conf `[options] maxcalls` (pbx.c increase_call_count) and amikit's ceiling on channels
 * alive at once: past either, Originate and SimCall fail as Asterisk's would and leave no channel.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer, type CoreServer } from './helpers.js';
import { callLimitsFrom } from '../../src/modules/core/index.js';
import { Pbx, DEFAULT_MAX_CHANNELS } from '../../src/pbx/pbx.js';
import { Cause } from '../../src/pbx/causes.js';
import { VirtualClock } from '../../src/pbx/clock.js';

let s: CoreServer;
const logs: string[] = [];
before(async () => {
  s = await startCoreServer({ append: { 'asterisk.conf': '[options]\nmaxcalls = 3\n' } });
  s.pbx.events.on('Log', (l) => logs.push(`${l.level} ${l.message}`));
});
after(async () => {
  await s.dispose();
});

const originate = (async: boolean): Array<[string, string]> => [
  ['Channel', 'Local/100@default'],
  ['Application', 'Echo'],
  ...(async ? ([['Async', 'true']] as Array<[string, string]>) : []),
];

test('maxcalls=3: the 4th Originate fails as Asterisk does, a flood beyond the limit creates no lasting channel', async () => {
  assert.equal(s.pbx.maxCalls, 3);
  const c = await s.login('admin', 'admin');
  for (let i = 0; i < 3; i++) {
    const r = await c.action('Originate', originate(true));
    assert.equal(r.get('Message'), 'Originate successfully queued');
    const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'), 5000);
    assert.equal(o.get('Response'), 'Success');
  }
  // Three Local;2 halves run dialplan 100 (Answer, Wait(600)): the limit is reached.
  assert.equal(s.pbx.stats().activeChannels, 6);

  // local_call's ast_pbx_start fails, so the dial fails: a sync Originate answers "Originate failed".
  const sync = await c.action('Originate', originate(false), 5000);
  assert.equal(sync.get('Response'), 'Error');
  assert.equal(sync.get('Message'), 'Originate failed');
  assert.ok(
    logs.some((l) =>
      /^WARNING Maximum call limit of 3 calls exceeded by 'Local\/100@default-[0-9a-f]+;2'!$/.test(l),
    ),
    logs.join('\n'),
  );

  // A flood of async Originates and SimCalls beyond the limit.
  const N = 40;
  const sims: Array<Promise<unknown>> = [];
  for (let i = 0; i < N; i++) {
    c.write(
      `Action: Originate\r\nActionID: flood${i}\r\nChannel: Local/100@default\r\nApplication: Echo\r\nAsync: true\r\n\r\n`,
    );
    sims.push(
      c.action('SimCall', [
        ['From', 'test-201'],
        ['Exten', '100'],
      ]),
    );
  }
  const simReplies = (await Promise.all(sims)) as Array<{ get(n: string): string | undefined }>;
  for (const r of simReplies) {
    assert.equal(r.get('Response'), 'Error');
    assert.equal(r.get('Message'), 'Call refused: maximum call limit reached');
  }
  for (let i = 0; i < N; i++) {
    const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === `flood${i}`, 5000);
    assert.equal(o.get('Response'), 'Failure');
  }
  assert.equal(s.pbx.stats().activeChannels, 6, 'only the three calls within the limit remain');
  assert.ok(logs.some((l) => l === 'WARNING Failed to start PBX (call limit reached) '));

  // A call that ends frees its place.
  const one = s.pbx.channels().find((ch) => ch.name.endsWith(';2'));
  assert.ok(one);
  s.pbx.hangup(one, Cause.NORMAL_CLEARING);
  await c.until(() => s.pbx.stats().activeChannels === 4, 5000, 'the call to end');
  const again = await c.action('Originate', originate(true), 5000);
  assert.equal(again.get('Message'), 'Originate successfully queued');
  const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === again.get('ActionID'), 5000);
  assert.equal(o.get('Response'), 'Success');
  assert.equal(s.pbx.stats().activeChannels, 6);
});

test('asterisk.conf parsing: maxcalls as options.c reads it, maxchannels is amikit’s own', () => {
  assert.deepEqual(callLimitsFrom(undefined, undefined), { maxCalls: 0 });
  assert.deepEqual(callLimitsFrom('3', undefined), { maxCalls: 3 });
  assert.deepEqual(callLimitsFrom(' 12abc', '500'), { maxCalls: 12, maxChannels: 500 });
  assert.deepEqual(callLimitsFrom('-1', '0'), { maxCalls: 0 });
  assert.deepEqual(callLimitsFrom('many', 'x'), { maxCalls: 0 });
  assert.equal(new Pbx({ clock: new VirtualClock() }).maxChannels, DEFAULT_MAX_CHANNELS);
});

test('the channel ceiling: a request past it fails with congestion and creates nothing', () => {
  const pbx = new Pbx({ clock: new VirtualClock(), maxChannels: 3 });
  assert.ok('channel' in pbx.request('SIP', 'a'));
  assert.ok('channel' in pbx.request('Local', '100@default'));
  const sip = pbx.request('SIP', 'b');
  assert.ok('cause' in sip && sip.cause === Cause.CONGESTION, JSON.stringify(sip));
  assert.equal(pbx.stats().activeChannels, 3);
  const local = pbx.request('Local', '100@default');
  assert.ok('cause' in local);
  assert.equal(pbx.stats().activeChannels, 3);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfText } from '../../src/config/index.js';
import { EndpointRegistry } from '../../src/pbx/endpoints.js';
import {
  aggregateDeviceStates,
  deviceStateName,
  deviceStateText,
  deviceToExtensionState,
  extensionStateText,
  DeviceState,
} from '../../src/pbx/devicestate.js';
import { makePbx } from './helpers.js';

test('simulation.conf: [general] defaults, per-peer and Local sections, run-time changes', () => {
  const reg = EndpointRegistry.fromConf(
    parseConfText(
      '[general]\nmode=answer\nanswerafter=1.5\ntalktime=60\njitter=0.2\n[test-201]\nmode=busy\n[Local/200@agents]\nanswerafter=3\n[bad]\nmode=weird\ncolour=blue\n',
      'simulation.conf',
    ),
  );
  assert.deepEqual(reg.get('SIP/test-202'), {
    mode: 'answer',
    answerAfterMs: 1500,
    talkTimeMs: 60000,
    jitter: 0.2,
  });
  assert.equal(reg.get('test-201').mode, 'busy');
  assert.equal(reg.get('SIP/TEST-201').mode, 'busy');
  assert.equal(reg.get('Local/200@agents').answerAfterMs, 3000);
  assert.ok(reg.has('Local/200@agents'));
  assert.ok(!reg.has('Local/201@agents'));
  assert.equal(reg.warnings.length, 2);
  const changed: string[] = [];
  reg.onChange((d) => changed.push(d));
  assert.equal(reg.set('test-202', { mode: 'noanswer' }).mode, 'noanswer');
  reg.reset('test-202');
  assert.equal(reg.get('test-202').mode, 'answer');
  reg.setDefaults({ talkTimeMs: 5000 });
  assert.equal(reg.get('test-203').talkTimeMs, 5000);
  assert.deepEqual(changed, ['test-202', 'test-202', '*']);
  assert.equal(reg.list().length, 3);
});

test('device and extension state tables', () => {
  assert.equal(deviceStateName(DeviceState.NOT_INUSE), 'NOT_INUSE');
  assert.equal(deviceStateText(DeviceState.RINGINUSE), 'Ring+Inuse');
  assert.equal(aggregateDeviceStates([DeviceState.INUSE, DeviceState.RINGING]), DeviceState.RINGINUSE);
  assert.equal(aggregateDeviceStates([DeviceState.NOT_INUSE, DeviceState.INUSE]), DeviceState.INUSE);
  assert.equal(
    aggregateDeviceStates([DeviceState.UNAVAILABLE, DeviceState.NOT_INUSE]),
    DeviceState.NOT_INUSE,
  );
  assert.equal(aggregateDeviceStates([]), DeviceState.INVALID);
  assert.equal(deviceToExtensionState(DeviceState.RINGINUSE), 9);
  assert.equal(extensionStateText(9), 'InUse&Ringing');
  assert.equal(extensionStateText(0), 'Idle');
});

test('a Local destination with a simulation section rings, answers after its delay and hangs up after talk time', async () => {
  const h = makePbx({ simulation: '[Local/200@agents]\nanswerafter=4\ntalktime=10\n' });
  const p = h.pbx.originate({ channel: 'Local/200@agents', application: 'Wait', data: '600' });
  await h.clock.runFor(60_000);
  const out = await p;
  assert.equal(out.reason, 4);
  const ans = h.events.find((e) => e.name === 'DialEnd');
  assert.equal((ans?.at ?? 0) - h.events[0].at, 4000);
  const hup = h.events.filter((e) => e.name === 'Hangup');
  assert.equal(hup.length, 2);
  assert.equal(hup[0].at - (ans?.at ?? 0), 10_000);
  const busy = makePbx({ simulation: '[Local/200@agents]\nmode=busy\n' });
  const pb = busy.pbx.originate({ channel: 'Local/200@agents', application: 'Wait', data: '600' });
  await busy.clock.runFor(5000);
  // ;2 hangs up busy: the dial reads a hangup (DialEnd BUSY) but its own cause stays unset, so
  // pbx_dial_reason gives 0.
  assert.equal((await pb).reason, 0);
  h.pbx.close();
  busy.pbx.close();
});

test('same seed, same inputs: identical event streams (jittered phones)', async () => {
  const run = async (): Promise<string[]> => {
    const h = makePbx({
      extensions: '[default]\nexten => 1,1,Dial(SIP/test-201,60)\n',
      simulation: '[general]\nanswerafter=3\ntalktime=20\njitter=0.5\n',
    });
    for (let i = 0; i < 5; i++) h.pbx.incomingCall({ from: 'test-203', exten: '1' });
    await h.clock.runFor(120_000);
    h.pbx.close();
    return h.events.map((e) => `${e.at}:${e.name}`);
  };
  assert.deepEqual(await run(), await run());
});

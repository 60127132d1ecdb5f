import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePbx } from './helpers.js';

const EXT = `
[default]
exten => 100,1,Dial(SIP/test-201,20)
 same => n,Set(AFTER=\${DIALSTATUS})
 same => n,Hangup()
exten => 101,1,Dial(SIP/test-201&SIP/test-202,10,g)
 same => n,NoOp(\${DIALSTATUS})
exten => 102,1,Dial(SIP/test-204,10)
 same => n,Hangup()
exten => 103,1,Dial(Local/200@agents,10)
exten => 201,hint,SIP/test-201
[agents]
exten => 200,1,Answer()
 same => n,Wait(3)
 same => n,Hangup()
`;

const SIM = `
[general]
mode = answer
answerafter = 2
talktime = 30
[test-202]
mode = busy
[test-204]
mode = unreachable
`;

test('Dial SIP: ringing, answer, bridge, callee hangs up after its talk time', async () => {
  const { pbx, clock, events, names } = makePbx({ extensions: EXT, simulation: SIM });
  const caller = pbx.incomingCall({ from: 'test-203', exten: '100' });
  await clock.runFor(60_000);
  assert.equal(caller.dead, true);
  assert.deepEqual(names(), [
    'Newchannel(SIP/test-203)',
    'DeviceStateChange(SIP/test-203)',
    'Newexten(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'Newchannel(SIP/test-201)',
    'VarSet(SIP/test-201)',
    'Newexten(SIP/test-201)',
    'NewCallerid(SIP/test-201)',
    'NewConnectedLine(SIP/test-201)',
    'DialBegin(SIP/test-201)',
    'Newstate(SIP/test-201)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'DialState(SIP/test-201)',
    'DeviceStateChange(SIP/test-201)',
    'ExtensionStatus',
    'Newstate(SIP/test-201)',
    'DialEnd(SIP/test-201)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'Newstate(SIP/test-203)',
    'BridgeCreate',
    'BridgeEnter(SIP/test-201)',
    'BridgeEnter(SIP/test-203)',
    'VarSet(SIP/test-201)',
    'VarSet(SIP/test-203)',
    'DeviceStateChange(SIP/test-201)',
    'ExtensionStatus',
    'HangupRequest(SIP/test-201)',
    'VarSet(SIP/test-201)',
    'VarSet(SIP/test-203)',
    'BridgeLeave(SIP/test-201)',
    'BridgeLeave(SIP/test-203)',
    'BridgeDestroy',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'VarSet(SIP/test-203)',
    'Hangup(SIP/test-201)',
    'SoftHangupRequest(SIP/test-203)',
    'Hangup(SIP/test-203)',
    'DeviceStateChange(SIP/test-201)',
    'ExtensionStatus',
    'DeviceStateChange(SIP/test-203)',
    'Cdr',
  ]);
  const get = (n: string) =>
    events.filter((e) => e.name === n).map((e) => e.payload as unknown as Record<string, unknown>);
  assert.equal(get('DialBegin')[0].dialString, 'test-201');
  // app_dial: the callee's caller ID is the dialled extension, its connected line the caller.
  const dest = get('DialBegin')[0].dest as { callerIdNum: string; connectedLineNum: string; exten: string };
  assert.deepEqual([dest.callerIdNum, dest.connectedLineNum, dest.exten], ['100', 'test-203', '100']);
  assert.equal((get('DialBegin')[0].caller as { name: string }).name, caller.name);
  assert.equal(get('DialState')[0].dialStatus, 'RINGING');
  assert.equal(get('DialEnd')[0].dialStatus, 'ANSWER');
  assert.deepEqual(
    get('ExtensionStatus').map((e) => e.statusText),
    ['Ringing', 'InUse', 'Idle'],
  );
  const bridge = get('BridgeEnter')[1].bridge as { numChannels: number; technology: string; type: string };
  assert.equal(bridge.numChannels, 2);
  assert.equal(bridge.technology, 'simple_bridge');
  assert.equal(bridge.type, 'basic');
  const vars = Object.fromEntries(get('VarSet').map((v) => [v.variable, v.value]));
  assert.equal(vars.DIALSTATUS, 'ANSWER');
  assert.equal(vars.ANSWEREDTIME, '30');
  assert.equal(vars.DIALEDTIME, '32');
  assert.equal(vars.DIALEDPEERNUMBER, 'test-201');
  const cdr = get('Cdr')[0].cdr as Record<string, unknown>;
  assert.equal(cdr.channel, caller.name);
  assert.equal(cdr.destinationChannel, 'SIP/test-201-00000001');
  assert.equal(cdr.lastApplication, 'Dial');
  assert.equal(cdr.lastData, 'SIP/test-201,20');
  assert.equal(cdr.billableSeconds, 30);
  assert.equal(cdr.duration, 32);
  assert.equal(cdr.disposition, 'ANSWERED');
  assert.equal((get('Hangup')[0].channel as { name: string }).name, 'SIP/test-201-00000001');
  assert.equal(get('Hangup')[0].cause, 16);
  pbx.close();
});

test('Dial two phones with g: busy one, answered other; caller continues after callee hangs up', async () => {
  const { pbx, clock, events } = makePbx({ extensions: EXT, simulation: SIM });
  pbx.incomingCall({ from: 'test-203', exten: '101' });
  await clock.runFor(60_000);
  const dialEnds = events
    .filter((e) => e.name === 'DialEnd')
    .map((e) => (e.payload as unknown as { dialStatus: string }).dialStatus);
  assert.deepEqual(dialEnds, ['BUSY', 'ANSWER']);
  const noop = events.find(
    (e) => e.name === 'Newexten' && (e.payload as unknown as { application: string }).application === 'NoOp',
  );
  assert.equal((noop?.payload as unknown as { appData: string }).appData, 'ANSWER');
  assert.equal(pbx.channels().length, 0);
  pbx.close();
});

test('Dial outcomes: unreachable, timeout, caller hangup, Local destination', async () => {
  {
    const { pbx, clock, events } = makePbx({ extensions: EXT, simulation: SIM });
    pbx.incomingCall({ from: 'test-203', exten: '102' });
    await clock.runFor(5000);
    const v = events
      .filter((e) => e.name === 'VarSet')
      .map((e) => e.payload as unknown as { variable: string; value: string });
    // Dial blanks DIALSTATUS first, then sets the outcome.
    assert.equal(v.filter((x) => x.variable === 'DIALSTATUS').pop()?.value, 'CHANUNAVAIL');
    assert.equal(
      events.some((e) => e.name === 'DialBegin'),
      false,
    );
    pbx.close();
  }
  {
    const { pbx, clock, events } = makePbx({
      extensions: EXT,
      simulation: SIM + '\n[test-201]\nmode = noanswer\n',
    });
    pbx.incomingCall({ from: 'test-203', exten: '100' });
    await clock.runFor(30_000);
    const v = events
      .filter((e) => e.name === 'VarSet')
      .map((e) => e.payload as unknown as { variable: string; value: string });
    assert.equal(v.find((x) => x.variable === 'AFTER')?.value, 'NOANSWER');
    const end = events.find((e) => e.name === 'DialEnd');
    assert.equal((end?.payload as unknown as { dialStatus: string }).dialStatus, 'NOANSWER');
    assert.equal(end?.at, events[0].at + 20_000);
    pbx.close();
  }
  {
    const { pbx, clock, events } = makePbx({
      extensions: EXT,
      simulation: SIM + '\n[test-201]\nmode = noanswer\n',
    });
    pbx.incomingCall({ from: 'test-203', exten: '100', hangupAfterMs: 5000 });
    await clock.runFor(30_000);
    const end = events.find((e) => e.name === 'DialEnd');
    assert.equal((end?.payload as unknown as { dialStatus: string }).dialStatus, 'CANCEL');
    assert.equal(pbx.channels().length, 0);
    pbx.close();
  }
  {
    const { pbx, clock, events } = makePbx({ extensions: EXT, simulation: SIM });
    pbx.incomingCall({ from: 'test-203', exten: '103' });
    await clock.runFor(30_000);
    const ends = events
      .filter((e) => e.name === 'DialEnd')
      .map((e) => (e.payload as unknown as { dialStatus: string }).dialStatus);
    assert.deepEqual(ends, ['ANSWER']);
    assert.ok(events.some((e) => e.name === 'LocalBridge'));
    assert.equal(pbx.channels().length, 0);
    pbx.close();
  }
});

test('Dial of a Local channel whose ;2 dials a phone: the Local pair optimises itself away', async () => {
  const ext =
    EXT + '\n[default]\nexten => 950,1,Dial(SIP/test-201,30)\nexten => 951,1,Dial(Local/950@default/n,30)\n';
  const { pbx, clock, events } = makePbx({ extensions: ext, simulation: SIM });
  pbx.incomingCall({ from: 'test-203', exten: '951' });
  await clock.runFor(60_000);
  // With /n there is no optimisation.
  assert.equal(
    events.some((e) => e.name === 'LocalOptimizationBegin'),
    false,
  );
  assert.equal(pbx.channels().length, 0);
  pbx.close();

  const h = makePbx({
    extensions: ext.replace('Dial(Local/950@default/n,30)', 'Dial(Local/950@default,30)'),
    simulation: SIM,
  });
  const c2 = h.pbx.incomingCall({ from: 'test-203', exten: '951' });
  await h.clock.runFor(3000);
  assert.ok(h.events.some((e) => e.name === 'LocalOptimizationBegin'));
  const phone = h.pbx.channels().find((c) => c.name.startsWith('SIP/test-201'));
  assert.ok(phone);
  assert.equal(phone.bridgeId, c2.bridgeId);
  assert.equal(h.pbx.channels().length, 2);
  const seq = h.names().filter((n) => !n.startsWith('VarSet'));
  const begin = seq.indexOf('LocalOptimizationBegin');
  assert.deepEqual(seq.slice(begin, begin + 4), [
    'LocalOptimizationBegin',
    'BridgeLeave(SIP/test-201)',
    'BridgeEnter(SIP/test-201)',
    'BridgeLeave(;1)',
  ]);
  await h.clock.runFor(60_000);
  assert.equal(h.pbx.channels().length, 0);
  assert.equal(h.pbx.bridges().length, 0);
  h.pbx.close();
});

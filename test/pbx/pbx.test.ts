import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePbx } from './helpers.js';
import type { Channel } from '../../src/pbx/channel.js';

const EXT = `
[globals]
COUNTRY = fr
[default]
exten => 100,1,Answer()
 same => n,Wait(600)
exten => 600,1,Answer()
 same => n,Set(REDIRECTED=yes)
 same => n,Wait(600)
exten => 700,1,Answer()
 same => n,Set(I=0)
 same => n(loop),Set(I=$[\${I} + 1])
 same => n,Playback(demo-congrats)
 same => n,GotoIf($[\${I} < 171]?loop)
 same => n,UserEvent(Done,Count: \${I},Who: \${CHANNEL(name)})
 same => n,Hangup(USER_BUSY)
exten => 800,1,Answer()
 same => n,NoSuchApp(x)
exten => 801,1,Answer()
exten => 802,1,Busy()
exten => 803,1,Congestion(2)
exten => 804,1,Goto(default,100,1)
exten => 805,1,Answer()
 same => n,MusicOnHold(default,3)
 same => n,Echo()
exten => h,1,Set(HANGUP_RAN=\${HANGUPCAUSE})
exten => 806,1,Answer()
 same => n,Wait(100)
exten => T,1,Set(TIMED_OUT=yes)
 same => n,Hangup()
exten => 900,1,Dial(SIP/test-201,30)
exten => 901,1,Answer()
 same => n,Wait(1000)
`;

async function originateLocal(h: ReturnType<typeof makePbx>, exten: string): Promise<Channel[]> {
  await h.pbx
    .originate({ channel: `Local/${exten}@default`, application: 'Wait', data: '3600' })
    .catch(() => undefined);
  return h.pbx.channels();
}

test('a one-hour dialplan runs in well under a second of real time', async () => {
  const h = makePbx({ extensions: EXT });
  const t = Date.now();
  const p = h.pbx.originate({ channel: 'Local/700@default', application: 'Wait', data: '7200' });
  await h.clock.runFor(2 * 3600_000);
  assert.equal((await p).reason, 4);
  const ue = h.events.find((e) => e.name === 'UserEvent')?.payload as unknown as {
    userEvent: string;
    headers: Array<[string, string]>;
  };
  assert.equal(ue.userEvent, 'Done');
  assert.deepEqual(ue.headers, [
    ['Count', '171'],
    ['Who', 'Local/700@default-00000000;2'],
  ]);
  const hangups = h.events.filter((e) => e.name === 'Hangup');
  const two = hangups.find((e) =>
    (e.payload as unknown as { channel: { name: string } }).channel.name.endsWith(';2'),
  );
  assert.equal((two?.payload as unknown as { cause: number }).cause, 17);
  // 171 plays of a 21 s prompt + the 500 ms answer wait: a little over an hour of call time.
  assert.equal((two?.at ?? 0) - h.events[0].at, 171 * 21000 + 500);
  assert.ok(Date.now() - t < 1000, `took ${Date.now() - t} ms`);
  assert.equal(h.pbx.channels().length, 0);
  h.pbx.close();
});

test('hangup with cause, channel lookup by name and regex, stats', async () => {
  const h = makePbx({ extensions: EXT });
  void originateLocal(h, '100');
  await h.clock.runFor(1000);
  assert.equal(h.pbx.channels().length, 2);
  assert.deepEqual(h.pbx.stats(), { activeChannels: 2, activeCalls: 1, callsProcessed: 1 });
  const one = h.pbx.findChannel('local/100@default-00000000;1');
  assert.ok(one);
  assert.equal(h.pbx.findChannels(/^Local\/.*;2$/).length, 1);
  h.pbx.hangup(one, 21);
  await h.clock.runFor(1000);
  const hu = h.events
    .filter((e) => e.name === 'Hangup')
    .map((e) => e.payload as unknown as { cause: number; causeText: string });
  assert.deepEqual(hu[0], { ...hu[0], cause: 21, causeText: 'Call Rejected' });
  assert.equal(hu[1].cause, 21);
  assert.equal(h.pbx.channels().length, 0);
  h.pbx.close();
});

test('redirect with an extra channel; GotoIf/Set/getVar with functions and globals', async () => {
  const h = makePbx({ extensions: EXT });
  void originateLocal(h, '100');
  await h.clock.runFor(1000);
  const [one, two] = h.pbx.channels();
  assert.ok(h.pbx.redirect(two, 'default', '600', 1));
  assert.ok(h.pbx.redirect(one, 'default', '600', 1));
  await h.clock.runFor(2000);
  assert.equal(h.pbx.getVar(two, 'REDIRECTED'), 'yes');
  assert.equal(h.pbx.getVar(one, 'REDIRECTED'), 'yes');
  assert.equal(two.exten, '600');
  assert.equal(two.application, 'Wait');
  assert.equal(h.pbx.getVar(two, 'CHANNEL(state)'), 'Up');
  assert.equal(h.pbx.getVar(two, 'EXTEN'), '600');
  assert.equal(h.pbx.getVar(undefined, 'COUNTRY'), 'fr');
  assert.equal(h.pbx.getVar(two, 'COUNTRY'), 'fr');
  h.pbx.setVar(undefined, 'COUNTRY', 'de');
  assert.equal(h.pbx.getVar(undefined, 'GLOBAL(COUNTRY)'), 'de');
  h.pbx.setVar(two, 'CALLERID(all)', '"Bob" <2001>');
  assert.equal(h.pbx.getVar(two, 'CALLERID(name)'), 'Bob');
  assert.equal(h.pbx.getVar(two, 'CALLERID(num)'), '2001');
  h.pbx.setVar(two, 'DB(fam/key)', 'v1');
  assert.equal(h.pbx.getVar(two, 'DB(fam/key)'), 'v1');
  assert.equal(h.pbx.getVar(two, 'DB_EXISTS(fam/nokey)'), '0');
  h.pbx.setVar(two, 'LIST', 'a-b-c-d');
  assert.equal(h.pbx.getVar(two, 'CUT(LIST,-,2-3)'), 'b-c');
  assert.equal(h.pbx.getVar(two, 'LEN(hello)'), '5');
  assert.equal(h.pbx.getVar(two, 'IF($[1 = 1]?yes:no)'), 'yes');
  assert.equal(h.pbx.getVar(two, 'ISNULL()'), '1');
  assert.equal(h.pbx.getVar(two, 'REGEX("^a.c$" abc)'), '1');
  assert.equal(h.pbx.getVar(two, 'STRFTIME(0,,%Y-%m-%d %H:%M:%S)'), '1970-01-01 00:00:00');
  const r = Number(h.pbx.getVar(two, 'RAND(1,6)'));
  assert.ok(r >= 1 && r <= 6);
  assert.equal(h.pbx.getVar(two, 'NOSUCHFUNC(x)'), '');
  assert.equal(h.pbx.getVar(two, 'UNIQUEID'), two.uniqueid);
  assert.equal(h.pbx.substitute(two, '${CALLERID(num)}@${CONTEXT}'), '2001@default');
  const varsets = h.events.filter((e) => e.name === 'GlobalVarSet');
  assert.equal(varsets.length, 1);
  h.pbx.close();
});

test('unknown application hangs up; falling off the end is Normal Clearing; h extension runs', async () => {
  const h = makePbx({ extensions: EXT });
  const logs: string[] = [];
  h.pbx.on('Log', (l) => logs.push(l.message));
  void h.pbx.originate({ channel: 'Local/800@default', application: 'Wait', data: '10' });
  await h.clock.runFor(5000);
  assert.ok(logs.some((m) => m.startsWith("No application 'NoSuchApp' for extension (default, 800, 2)")));
  const vs = h.events
    .filter((e) => e.name === 'VarSet')
    .map((e) => e.payload as unknown as { variable: string; value: string });
  assert.deepEqual(
    vs.find((v) => v.variable === 'HANGUP_RAN'),
    { ...vs.find((v) => v.variable === 'HANGUP_RAN'), value: '0' },
  );
  void h.pbx.originate({ channel: 'Local/801@default', application: 'Wait', data: '10' });
  await h.clock.runFor(5000);
  const last = h.events
    .filter((e) => e.name === 'Hangup')
    .map((e) => e.payload as unknown as { cause: number; channel: { name: string } });
  const two = last.find((e) => e.channel.name === 'Local/801@default-00000001;2');
  assert.equal(two?.cause, 16);
  h.pbx.close();
});

test('originate outcome reasons: busy 5, congestion 8, SIP no answer 3, reject 0, unreachable 0, bad tech', async () => {
  const sim =
    '[test-202]\nmode=busy\n[test-203]\nmode=noanswer\n[test-204]\nmode=reject\n[test-201]\nmode=unreachable\n';
  const h = makePbx({ extensions: EXT, simulation: sim });
  const run = async (channel: string, timeout?: number) => {
    const p = h.pbx.originate({ channel, application: 'Wait', data: '1', timeout });
    await h.clock.runFor(40_000);
    return p;
  };
  assert.equal((await run('Local/802@default')).reason, 5);
  assert.equal((await run('Local/803@default')).reason, 8);
  assert.equal((await run('SIP/test-202')).reason, 5);
  const noans = await run('SIP/test-203', 5000);
  assert.equal(noans.reason, 3);
  assert.equal(noans.success, false);
  // A far-end hangup leaves the dial's cause unset: pbx_dial_reason gives 0 (DialEnd NOANSWER
  // from cause 21); the timeout hangs up with no DialEnd at all.
  assert.equal((await run('SIP/test-204')).reason, 0);
  const unreach = await run('SIP/test-201');
  assert.equal(unreach.reason, 0);
  assert.equal(unreach.channel, '');
  assert.equal((await run('Bogus/123')).reason, 0);
  assert.equal((await run('Local')).error, 'Invalid channel');
  assert.equal(h.pbx.channels().length, 0);
  const ends = h.events
    .filter((e) => e.name === 'DialEnd')
    .map((e) => (e.payload as unknown as { dialStatus: string }).dialStatus);
  assert.deepEqual(ends, ['BUSY', 'CONGESTION', 'BUSY', 'NOANSWER']);
  h.pbx.close();
});

test('originate SIP with exten: phone answers, dialplan runs on it; account code and ids', async () => {
  const h = makePbx({ extensions: EXT, simulation: '[general]\nanswerafter=1\n' });
  const p = h.pbx.originate({
    channel: 'SIP/test-201',
    context: 'default',
    exten: '100',
    priority: 1,
    account: 'acct1',
    channelId: 'my-id-1',
  });
  await h.clock.runFor(5000);
  const out = await p;
  assert.equal(out.reason, 4);
  assert.equal(out.uniqueid, 'my-id-1');
  assert.equal(out.channel, 'SIP/test-201-00000000');
  const ch = h.pbx.findChannel('SIP/test-201-00000000');
  assert.equal(ch?.accountCode, 'acct1');
  assert.equal(ch?.application, 'Wait');
  assert.ok(h.events.some((e) => e.name === 'NewAccountCode'));
  assert.equal(h.pbx.deviceState('SIP/test-201'), 2);
  h.pbx.hangup(ch as Channel);
  await h.clock.runFor(1000);
  assert.equal(h.pbx.deviceState('SIP/test-201'), 1);
  h.pbx.close();
});

test('bridge two channels, DTMF, SendText, hold, MOH, absolute timeout', async () => {
  const h = makePbx({ extensions: EXT });
  void originateLocal(h, '100');
  void originateLocal(h, '100');
  await h.clock.runFor(1000);
  const chans = h.pbx.channels();
  const a = chans[0];
  const b = chans[2];
  const br = h.pbx.bridgeChannels(a, b);
  assert.equal(a.bridgeId, br.uniqueid);
  assert.equal(h.pbx.bridges().length, 1);
  assert.equal(h.pbx.findBridge(br.uniqueid)?.snapshot().numChannels, 2);
  void h.pbx.playDtmf(a, '12', 100);
  await h.clock.runFor(150);
  const dt = h.events
    .filter((e) => e.name.startsWith('DTMF'))
    .map((e) => `${e.name}:${(e.payload as unknown as { digit: string }).digit}`);
  assert.deepEqual(dt, ['DTMFBegin:1', 'DTMFEnd:1', 'DTMFBegin:2']);
  await h.clock.runFor(1000);
  assert.ok(h.pbx.sendText(a, 'hi'));
  h.pbx.hold(a, 'default');
  assert.equal(h.pbx.deviceState('Local/100@default'), 2);
  h.pbx.unhold(a);
  h.pbx.absoluteTimeout(b, 2);
  assert.ok(b.hangupTime > 0);
  await h.clock.runFor(3000);
  // The timeout itself is silent (ast_check_hangup); b's dialplan then ends (APPUNLOAD, 16).
  const soft = h.events
    .filter((e) => e.name === 'SoftHangupRequest')
    .map((e) => (e.payload as unknown as { cause: number }).cause);
  assert.ok(!soft.includes(8));
  assert.equal(h.pbx.bridges().length, 0);
  assert.ok(h.events.some((e) => e.name === 'BridgeDestroy'));
  assert.equal(b.dead, true);
  h.pbx.close();
});

test('blind transfer sends the bridged peer to the new extension', async () => {
  const h = makePbx({ extensions: EXT, simulation: '[general]\nanswerafter=1\n' });
  h.pbx.incomingCall({ from: 'test-203', exten: '900' });
  await h.clock.runFor(3000);
  const caller = h.pbx.channels()[0];
  const peer = h.pbx.channels()[1];
  assert.ok(peer.bridgeId);
  assert.ok(h.pbx.blindTransfer(peer, 'default', '600'));
  await h.clock.runFor(2000);
  const bt = h.events.find((e) => e.name === 'BlindTransfer')?.payload as unknown as {
    result: string;
    extension: string;
  };
  assert.equal(bt.result, 'Success');
  assert.equal(bt.extension, '600');
  assert.equal(caller.exten, '600');
  assert.equal(h.pbx.getVar(caller, 'REDIRECTED'), 'yes');
  assert.equal(peer.dead, true);
  h.pbx.close();
});

test('Local channel optimisation away bridges the outer channels', async () => {
  const h = makePbx({
    extensions: EXT + '\nexten => 950,1,Dial(SIP/test-201,30)\n',
    simulation: '[general]\nanswerafter=1\n',
  });
  h.pbx.incomingCall({ from: 'test-203', exten: '900' });
  await h.clock.runFor(3000);
  const sip203 = h.pbx.channels()[0];
  const sip201 = h.pbx.channels()[1];
  // Build: X(test-202 via Local) ... simpler: a Local pair each half bridged with a SIP channel.
  const req = h.pbx.request('Local', '901@default');
  assert.ok('channel' in req);
  const one = req.channel;
  one.owners++;
  assert.ok(h.pbx.call(one));
  await h.clock.runFor(1000);
  const two = one.localPeer as Channel;
  h.pbx.bridgeChannels(sip203, one);
  h.pbx.bridgeChannels(sip201, two);
  assert.ok(h.pbx.localOptimizeAway(one));
  await h.clock.runFor(100);
  assert.equal(sip203.bridgeId, sip201.bridgeId);
  assert.ok(h.events.some((e) => e.name === 'LocalOptimizationBegin'));
  assert.ok(h.events.some((e) => e.name === 'LocalOptimizationEnd'));
  assert.equal(one.dead, true);
  h.pbx.close();
});

test('MusicOnHold app raises start/stop; extension and device state listings', async () => {
  const h = makePbx({ extensions: EXT + '\nexten => 201,hint,SIP/test-201\n' });
  void h.pbx.originate({ channel: 'Local/805@default', application: 'Wait', data: '10' });
  await h.clock.runFor(5000);
  const moh = h.events.filter((e) => e.name.startsWith('MusicOnHold'));
  assert.deepEqual(
    moh.map((e) => e.name),
    ['MusicOnHoldStart', 'MusicOnHoldStop'],
  );
  assert.equal(moh[1].at - moh[0].at, 3000);
  assert.deepEqual(h.pbx.extensionState('default', '201'), {
    status: 0,
    statusText: 'Idle',
    hint: 'SIP/test-201',
  });
  assert.equal(h.pbx.extensionState('default', '999').status, -1);
  h.pbx.endpoints.set('test-201', { mode: 'unreachable' });
  await h.clock.runFor(10);
  assert.deepEqual(h.pbx.extensionState('default', '201').statusText, 'Unavailable');
  const dsc = h.events
    .filter((e) => e.name === 'DeviceStateChange')
    .map((e) => e.payload as unknown as { device: string; state: string });
  assert.deepEqual(dsc.at(-1), { device: 'SIP/test-201', state: 'UNAVAILABLE' });
  const ext = h.events.filter((e) => e.name === 'ExtensionStatus').at(-1)?.payload as unknown as {
    status: number;
    statusText: string;
  };
  assert.equal(ext.status, 4);
  assert.ok(h.pbx.deviceStates().some((d) => d.device === 'SIP/test-201' && d.state === 'UNAVAILABLE'));
  h.pbx.setDeviceState('Queue:Camp200_avail', 1);
  await h.clock.runFor(10);
  assert.ok(
    h.events.some(
      (e) =>
        e.name === 'DeviceStateChange' &&
        (e.payload as unknown as { device: string }).device === 'Queue:Camp200_avail',
    ),
  );
  h.pbx.close();
});

test('attended transfer: target replaces the transferer in the held party bridge', async () => {
  const h = makePbx({ extensions: EXT, simulation: '[general]\nanswerafter=1\n' });
  h.pbx.incomingCall({ from: 'test-203', exten: '900' });
  await h.clock.runFor(3000);
  const [caller, agent] = h.pbx.channels();
  const done = h.pbx.attendedTransfer(agent, 'default', '100');
  await h.clock.runFor(2000);
  assert.ok(h.events.some((e) => e.name === 'Hold'));
  h.pbx.hangup(agent);
  await h.clock.runFor(1000);
  assert.equal(await done, true);
  const at = h.events.find((e) => e.name === 'AttendedTransfer');
  assert.ok(at);
  const target = h.pbx.channels().find((c) => c.name.endsWith(';1'));
  assert.ok(target);
  assert.equal(target.bridgeId, caller.bridgeId);
  assert.ok(h.events.some((e) => e.name === 'Unhold'));
  h.pbx.hangup(caller);
  await h.clock.runFor(1000);
  assert.equal(h.pbx.channels().length, 0);
  h.pbx.close();
});

test('inherited variables: _VAR one level, __VAR always', async () => {
  const h = makePbx({
    extensions:
      '[default]\nexten => 1,1,Set(_ONE=a)\n same => n,Set(__ALL=b)\n same => n,Dial(Local/2@default,10)\nexten => 2,1,Answer()\n same => n,UserEvent(Vars,One: ${ONE},All: ${ALL})\n',
  });
  h.pbx.incomingCall({ from: 'test-203', exten: '1', hangupAfterMs: 5000 });
  await h.clock.runFor(10_000);
  const ue = h.events.find((e) => e.name === 'UserEvent')?.payload as unknown as {
    headers: Array<[string, string]>;
  };
  assert.deepEqual(ue.headers, [
    ['One', 'a'],
    ['All', 'b'],
  ]);
  h.pbx.close();
});

test('channelvars are evaluated into every snapshot', async () => {
  const h = makePbx({ extensions: EXT, channelVars: ['REDIRECTED', 'CALLERID(num)'] });
  void h.pbx.originate({ channel: 'Local/600@default', application: 'Wait', data: '10', callerId: '555' });
  await h.clock.runFor(2000);
  const vs = h.events.filter((e) => e.name === 'VarSet').at(-1)?.payload as unknown as {
    channel: { chanVariables: Array<[string, string]> };
  };
  assert.deepEqual(vs.channel.chanVariables, [
    ['REDIRECTED', 'yes'],
    ['CALLERID(num)', '555'],
  ]);
  h.pbx.setChannelVars([]);
  assert.deepEqual(h.pbx.channels()[0].snapshot().chanVariables, []);
  h.pbx.close();
});

test('AbsoluteTimeout sends a channel in dialplan to the T extension', async () => {
  const h = makePbx({ extensions: EXT });
  void h.pbx.originate({ channel: 'Local/806@default', application: 'Wait', data: '100' });
  await h.clock.runFor(1000);
  const two = h.pbx.channels()[1];
  h.pbx.absoluteTimeout(two, 5);
  await h.clock.runFor(10_000);
  const v = h.events
    .filter((e) => e.name === 'VarSet')
    .map((e) => e.payload as unknown as { variable: string });
  assert.ok(v.some((x) => x.variable === 'TIMED_OUT'));
  assert.equal(h.pbx.channels().length, 0);
  h.pbx.close();
});

test('Redirect of both legs of a bridged Dial call (Redirect with ExtraChannel)', async () => {
  const h = makePbx({ extensions: EXT, simulation: '[general]\nanswerafter=1\n' });
  h.pbx.incomingCall({ from: 'test-203', exten: '900' });
  await h.clock.runFor(3000);
  const [caller, peer] = h.pbx.channels();
  assert.ok(caller.bridgeId && caller.bridgeId === peer.bridgeId);
  h.pbx.redirect(caller, 'default', '600', 1);
  h.pbx.redirect(peer, 'default', '600', 1);
  await h.clock.runFor(2000);
  assert.equal(caller.dead, false);
  assert.equal(peer.dead, false);
  assert.equal(caller.exten, '600');
  assert.equal(peer.exten, '600');
  assert.equal(h.pbx.getVar(peer, 'REDIRECTED'), 'yes');
  assert.equal(h.pbx.bridges().length, 0);
  h.pbx.hangup(caller);
  h.pbx.hangup(peer);
  await h.clock.runFor(1000);
  assert.equal(h.pbx.channels().length, 0);
  h.pbx.close();
});

test('hanging up the caller while the callee rings cancels the Dial', async () => {
  const h = makePbx({ extensions: EXT, simulation: '[general]\nanswerafter=20\n' });
  const caller = h.pbx.incomingCall({ from: 'test-203', exten: '900' });
  await h.clock.runFor(3000);
  h.pbx.hangup(caller, 16);
  await h.clock.runFor(1000);
  const end = h.events.find((e) => e.name === 'DialEnd')?.payload as unknown as { dialStatus: string };
  assert.equal(end.dialStatus, 'CANCEL');
  assert.equal(h.pbx.channels().length, 0);
  h.pbx.close();
});

test('Gosub/GosubIf/Return and dialplan reload', async () => {
  const ext = `
[default]
exten => 1,1,Answer()
 same => n,Gosub(sub,s,1(a,b))
 same => n,GosubIf($[1 = 0]?sub,s,1(x):sub,s,1(y))
 same => n,UserEvent(Back,Ret: \${GOSUB_RETVAL})
 same => n,Hangup()
[sub]
exten => s,1,UserEvent(Sub,A1: \${ARG1})
 same => n,Return(r-\${ARG1})
`;
  const h = makePbx({ extensions: ext });
  void h.pbx.originate({ channel: 'Local/1@default', application: 'Wait', data: '10' });
  await h.clock.runFor(5000);
  const ue = h.events
    .filter((e) => e.name === 'UserEvent')
    .map((e) => (e.payload as unknown as { headers: Array<[string, string]> }).headers[0].join('='));
  assert.deepEqual(ue, ['A1=a', 'A1=y', 'Ret=r-y']);
  const { parseConfText } = await import('../../src/config/index.js');
  h.pbx.setVar(undefined, 'RUNTIME', 'x');
  h.pbx.reloadDialplan(parseConfText('[globals]\nG=1\n[other]\nexten => 5,1,NoOp()\n', 'extensions.conf'));
  assert.ok(h.pbx.dialplan.exists('other', '5'));
  assert.ok(!h.pbx.dialplan.exists('default', '1'));
  assert.equal(h.pbx.getVar(undefined, 'G'), '1');
  assert.equal(h.pbx.getVar(undefined, 'RUNTIME'), 'x');
  h.pbx.close();
});

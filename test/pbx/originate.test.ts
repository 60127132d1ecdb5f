import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePbx, T0 } from './helpers.js';
import type { OriginateOutcome } from '../../src/pbx/originate.js';

test('async originate Local/200@agents Application Wait 5 replays transcript 11', async () => {
  const { pbx, clock, events, names } = makePbx();
  const outcomes: OriginateOutcome[] = [];
  const marks: string[] = [];
  pbx.onAny(() => undefined);
  const p = pbx.originate({
    channel: 'Local/200@agents',
    application: 'Wait',
    data: '5',
    onOutcome: (o) => {
      outcomes.push(o);
      events.push({
        name: 'Log',
        payload: { level: 'VERBOSE', message: 'OriginateResponse' },
        at: clock.now(),
      });
      marks.push('OriginateResponse');
    },
  });
  await clock.runFor(10_000);
  const out = await p;
  assert.equal(out.reason, 4);
  assert.equal(out.channel, 'Local/200@agents-00000000;1');
  assert.equal(out.uniqueid, `${T0 / 1000}.0`);
  assert.deepEqual(
    names().map((n) => (n === 'Log' ? 'OriginateResponse' : n)),
    [
      'Newchannel(;1)',
      'Newchannel(;2)',
      'Newexten(;1)',
      'LocalBridge',
      'DialBegin(;1)',
      'Newexten(;2)',
      'Newstate(;2)',
      'Newstate(;1)',
      'DialEnd(;1)',
      'OriginateResponse',
      'DeviceStateChange(Local/200@agents)',
      'DeviceStateChange(Local/200@agents)',
      'Newexten(;2)',
      'HangupRequest(;2)',
      'Hangup(;1)',
      'SoftHangupRequest(;2)',
      'Hangup(;2)',
      'DeviceStateChange(Local/200@agents)',
      'DeviceStateChange(Local/200@agents)',
      'Cdr',
      'Cdr',
    ],
  );
  const ev = (i: number) => events[i].payload as unknown as Record<string, unknown>;
  // Uniqueid/Linkedid numbering and names as the transcript.
  const nc2 = ev(1).channel as {
    name: string;
    uniqueid: string;
    linkedid: string;
    state: number;
    stateDesc: string;
  };
  assert.equal(nc2.name, 'Local/200@agents-00000000;2');
  assert.equal(nc2.uniqueid, `${T0 / 1000}.1`);
  assert.equal(nc2.linkedid, `${T0 / 1000}.0`);
  assert.equal(nc2.stateDesc, 'Ring');
  assert.equal(ev(2).application, 'AppDial2');
  assert.equal(ev(2).appData, '(Outgoing Line)');
  assert.equal(ev(4).dialString, '200@agents');
  assert.equal(ev(5).application, 'Answer');
  assert.equal(ev(12).application, 'Wait');
  assert.equal(ev(12).appData, '600');
  // Answer waits 500 ms for media before priority 2.
  assert.equal(events[12].at - events[5].at, 500);
  assert.equal(ev(13).cause, 0);
  assert.equal(ev(14).cause, 0);
  assert.equal(ev(14).causeText, 'Unknown');
  assert.equal(ev(15).cause, 16);
  assert.equal(ev(10).state, 'INUSE');
  assert.equal(ev(17).state, 'NOT_INUSE');
  const cdr1 = ev(19).cdr as Record<string, unknown>;
  assert.equal(cdr1.channel, 'Local/200@agents-00000000;1');
  assert.equal(cdr1.lastApplication, 'Wait');
  assert.equal(cdr1.lastData, '5');
  assert.equal(cdr1.destination, '200');
  assert.equal(cdr1.destinationContext, 'agents');
  assert.equal(cdr1.callerId, '"" <>');
  assert.equal(cdr1.duration, 5);
  assert.equal(cdr1.billableSeconds, 5);
  assert.equal(cdr1.disposition, 'ANSWERED');
  const cdr2 = ev(20).cdr as Record<string, unknown>;
  assert.equal(cdr2.lastData, '600');
  assert.equal(pbx.channels().length, 0);
  assert.deepEqual(marks, ['OriginateResponse']);
  pbx.close();
});

test('sync originate to a missing extension fails like transcript 12 (Reason 0, ;2 then ;1 hang up)', async () => {
  const { pbx, clock, names } = makePbx();
  const seen: string[] = [];
  pbx.onAny((n) => n === 'Hangup' && seen.push(n));
  const p = pbx.originate({
    channel: 'Local/999@default',
    application: 'Wait',
    data: '1',
    onOutcome: () => seen.push('Outcome'),
  });
  await clock.runFor(1000);
  const out = await p;
  assert.equal(out.success, false);
  assert.equal(out.reason, 0);
  assert.deepEqual(seen, ['Hangup', 'Outcome', 'Hangup']);
  assert.deepEqual(names(), [
    'Newchannel(;1)',
    'Newchannel(;2)',
    'Newexten(;1)',
    'Hangup(;2)',
    'Hangup(;1)',
    'DeviceStateChange(Local/999@default)',
    'DeviceStateChange(Local/999@default)',
  ]);
  pbx.close();
});

test('originate with context/exten, caller ID and variables (transcript 12 ctx-sync)', async () => {
  const { pbx, clock, events, names } = makePbx();
  await clock.runFor(4000);
  const p = pbx.originate({
    channel: 'Local/500@default',
    context: 'default',
    exten: '500',
    priority: 1,
    callerId: '"Ref Test" <5551234>',
    variables: [
      ['FOO', 'bar'],
      ['BAZ', 'qux'],
    ],
  });
  await clock.runFor(5000);
  assert.equal((await p).reason, 4);
  assert.deepEqual(names(), [
    'Newchannel(;1)',
    'Newchannel(;2)',
    'Newexten(;1)',
    'VarSet(;1)',
    'VarSet(;1)',
    'NewCallerid(;1)',
    'NewConnectedLine(;1)',
    'VarSet(;2)',
    'VarSet(;2)',
    'NewCallerid(;2)',
    'NewConnectedLine(;2)',
    'LocalBridge',
    'DialBegin(;1)',
    'Newexten(;2)',
    'Newstate(;2)',
    'Newstate(;1)',
    'DialEnd(;1)',
    'DeviceStateChange(Local/500@default)',
    'DeviceStateChange(Local/500@default)',
    'Newexten(;1)',
    'Newexten(;2)',
    'Newexten(;1)',
    'SoftHangupRequest(;1)',
    'HangupRequest(;2)',
    'Hangup(;1)',
    'SoftHangupRequest(;2)',
    'Hangup(;2)',
    'DeviceStateChange(Local/500@default)',
    'DeviceStateChange(Local/500@default)',
    'Cdr',
    'Cdr',
  ]);
  const p3 = (i: number) => events[i].payload as unknown as Record<string, unknown>;
  assert.deepEqual(
    [p3(3).variable, p3(4).variable, p3(7).variable, p3(8).variable],
    ['BAZ', 'FOO', 'FOO', 'BAZ'],
  );
  const cid = p3(5).channel as { callerIdNum: string; callerIdName: string; connectedLineNum: string };
  assert.equal(cid.callerIdNum, '5551234');
  assert.equal(cid.connectedLineNum, '');
  assert.equal(p3(5).cidCallingPres, '0 (Presentation Allowed, Not Screened)');
  // ;1 runs Answer silently (same CEP, already up), then Wait at priority 2, Hangup at 3.
  assert.equal(p3(19).application, 'Wait');
  assert.equal((p3(19).channel as { priority: number }).priority, 2);
  assert.equal(p3(21).application, 'Hangup');
  assert.equal(p3(22).cause, 16);
  assert.equal(p3(23).cause, 16);
  assert.equal(p3(24).causeText, 'Normal Clearing');
  assert.equal(p3(26).cause, 16);
  pbx.close();
});

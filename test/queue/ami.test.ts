/**
 * The Queue AMI surface on the wire with the core on the recorded configuration (real clock): a
 * caller in Queue(Camp200) seen by QueueStatus / QueueSummary / `queue show`, the caller events,
 * priority change and withdraw with Asterisk's texts, and an answered call's agent events.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startQueueServer, type QueueServer } from './helpers.js';
import type { QueueModule } from '../../src/modules/queue/index.js';
import type { RawMsg } from '../../src/testing/raw-ami.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFORMANCE_DIR } from '../helpers/fixtures.js';

let s: QueueServer;
let mod: QueueModule;
before(async () => {
  s = await startQueueServer();
  mod = s.module;
});
after(async () => {
  await s.dispose();
});

const CHAN = [
  'Channel',
  'ChannelState',
  'ChannelStateDesc',
  'CallerIDNum',
  'CallerIDName',
  'ConnectedLineNum',
  'ConnectedLineName',
  'Language',
  'AccountCode',
  'Context',
  'Exten',
  'Priority',
  'Uniqueid',
  'Linkedid',
];
const names = (m: RawMsg): string[] => m.names().filter((n) => n !== 'Event' && n !== 'Privilege');
const err = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;

test('a waiting caller: events, QueueStatus entry, summary, queue show, priority, withdraw', async () => {
  const c = await s.login();
  assert.equal(
    err(
      await c.action('QueuePause', [
        ['Interface', 'Local/200@agents'],
        ['Paused', 'yes'],
        ['Reason', 'coffee'],
      ]),
    ),
    'Success: Interface paused successfully',
  );
  const ch = s.pbx.incomingCall({ from: 'test-201', exten: '200', context: 'DialCamp', callerIdNum: '201' });
  const join = await c.waitEvent('QueueCallerJoin');
  assert.deepEqual(names(join), [...CHAN, 'Queue', 'Position', 'Count']);
  assert.equal(join.get('Privilege'), 'agent,all');
  assert.deepEqual(
    [join.get('Channel'), join.get('Queue'), join.get('Position'), join.get('Count')],
    [ch.name, 'Camp200', '1', '1'],
  );

  const st = await c.action('QueueStatus', [['Queue', 'Camp200']]);
  assert.equal(st.get('EventList'), 'start');
  const entry = await c.waitEvent('QueueEntry');
  assert.deepEqual(names(entry), [
    'Queue',
    'Position',
    'Channel',
    'Uniqueid',
    'CallerIDNum',
    'CallerIDName',
    'ConnectedLineNum',
    'ConnectedLineName',
    'Wait',
    'Priority',
    'ActionID',
  ]);
  assert.deepEqual(
    [
      entry.get('Position'),
      entry.get('Channel'),
      entry.get('Uniqueid'),
      entry.get('CallerIDNum'),
      entry.get('CallerIDName'),
      entry.get('ConnectedLineNum'),
      entry.get('Priority'),
    ],
    ['1', ch.name, ch.uniqueid, '201', 'unknown', 'unknown', '0'],
  );
  const done = await c.waitEvent('QueueStatusComplete');
  assert.equal(done.get('ListItems'), '3');

  await c.action('QueueSummary', [['Queue', 'Camp200']]);
  const sum = await c.waitEvent('QueueSummary');
  assert.deepEqual([sum.get('LoggedIn'), sum.get('Available'), sum.get('Callers')], ['1', '0', '1']);

  const show = await c.action('Command', [['Command', 'queue show Camp200']]);
  const out = show.all('Output');
  assert.match(
    out[0],
    /^Camp200 has 1 calls \(max unlimited\) in 'ringall' strategy \(0s holdtime, 0s talktime\), W:0, C:0, A:0, SL:0\.0%, SL2:0\.0% within 0s$/,
  );
  assert.equal(out[1], '   Members: ');
  assert.match(
    out[2],
    /^ {6}user1 \(Local\/200@agents\) \(ringinuse disabled\) \(paused:coffee was \d+ secs ago\) \(Not in use\) has taken no calls yet \(login was \d+ secs ago\)$/,
  );
  assert.equal(out[3], '   Callers: ');
  assert.match(
    out[4],
    new RegExp(`^ {6}1\\. ${ch.name.replace(/[/]/g, '\\/')} \\(wait: 0:0\\d, prio: 0\\)$`),
  );
  assert.equal(out[5], '');
  assert.equal(
    err(await c.action('Command', [['Command', 'queue show Nope']])),
    'Success: Command output follows',
  );

  assert.equal(err(await c.action('QueueChangePriorityCaller', [])), "Error: 'Queue' not specified.");
  assert.equal(
    err(await c.action('QueueChangePriorityCaller', [['Queue', 'Camp200']])),
    "Error: 'Caller' not specified.",
  );
  assert.equal(
    err(
      await c.action('QueueChangePriorityCaller', [
        ['Queue', 'Camp200'],
        ['Caller', ch.name],
      ]),
    ),
    "Error: 'Priority' not specified.",
  );
  assert.equal(
    err(
      await c.action('QueueChangePriorityCaller', [
        ['Queue', 'Camp200'],
        ['Caller', ch.name],
        ['Priority', 'x'],
      ]),
    ),
    "Error: 'Priority' need integer.",
  );
  assert.equal(
    err(
      await c.action('QueueChangePriorityCaller', [
        ['Queue', 'Nope'],
        ['Caller', ch.name],
        ['Priority', '3'],
      ]),
    ),
    'Error: Unable to change priority caller on queue: No such queue',
  );
  assert.equal(
    err(
      await c.action('QueueChangePriorityCaller', [
        ['Queue', 'Camp200'],
        ['Caller', 'SIP/x'],
        ['Priority', '3'],
      ]),
    ),
    'Error: Unable to change priority caller on queue: No such caller',
  );
  assert.equal(
    err(
      await c.action('QueueChangePriorityCaller', [
        ['Queue', 'Camp200'],
        ['Caller', ch.name],
        ['Priority', '3'],
      ]),
    ),
    'Success: Priority change for caller on queue',
  );
  assert.equal(mod.engine.get('Camp200')?.callers[0].prio, 3);

  assert.equal(
    err(await c.action('QueueWithdrawCaller', [['Queue', 'Camp200']])),
    "Error: 'Caller' not specified.",
  );
  assert.equal(
    err(
      await c.action('QueueWithdrawCaller', [
        ['Queue', 'Nope'],
        ['Caller', ch.name],
      ]),
    ),
    'Error: Unable to request withdraw from queue: No such queue',
  );
  assert.equal(
    err(
      await c.action('QueueWithdrawCaller', [
        ['Queue', 'Camp200'],
        ['Caller', 'SIP/x'],
      ]),
    ),
    'Error: Unable to request withdraw from queue: No such caller',
  );
  assert.equal(
    err(
      await c.action('QueueWithdrawCaller', [
        ['Queue', 'Camp200'],
        ['Caller', ch.name],
        ['WithdrawInfo', 'to-sales'],
      ]),
    ),
    'Success: Withdraw requested successfully',
  );
  const ab = await c.waitEvent('QueueCallerAbandon');
  assert.deepEqual(names(ab), [...CHAN, 'Queue', 'Position', 'OriginalPosition', 'HoldTime']);
  const leave = await c.waitEvent('QueueCallerLeave');
  assert.deepEqual(names(leave), [...CHAN, 'Queue', 'Position', 'Count']);
  assert.deepEqual([leave.get('Count'), leave.get('Position')], ['0', '1']);
  await c.until(() => ch.dead, 3000, 'caller hung up');
  assert.equal(ch.vars.get('QUEUE_WITHDRAW_INFO'), 'to-sales');
  assert.equal(mod.engine.get('Camp200')?.callsabandoned, 1);
  assert.equal(
    err(
      await c.action('QueuePause', [
        ['Interface', 'Local/200@agents'],
        ['Paused', 'no'],
      ]),
    ),
    'Success: Interface unpaused successfully',
  );
});

test('an answered call: AgentCalled, QueueMemberStatus, AgentConnect and AgentComplete headers', async () => {
  const c = await s.login();
  const ch = s.pbx.incomingCall({ from: 'test-202', exten: '200', context: 'DialCamp', callerIdNum: '202' });
  const called = await c.waitEvent('AgentCalled');
  const dest = CHAN.map((n) => 'Dest' + n);
  assert.deepEqual(names(called), [...CHAN, ...dest, 'Queue', 'Interface', 'MemberName']);
  assert.deepEqual(
    [called.get('Channel'), called.get('MemberName'), called.get('Interface')],
    [ch.name, 'user1', 'Local/200@agents'],
  );
  assert.match(called.get('DestChannel') ?? '', /^Local\/200@agents-[0-9a-f]{8};1$/);
  const connect = await c.waitEvent('AgentConnect');
  assert.deepEqual(names(connect), [
    ...CHAN,
    ...dest,
    'Queue',
    'Interface',
    'MemberName',
    'HoldTime',
    'RingTime',
  ]);
  const status = await c.waitEvent('QueueMemberStatus', (m) => m.get('Status') === '2');
  assert.deepEqual(names(status), [
    'Queue',
    'MemberName',
    'Interface',
    'StateInterface',
    'Membership',
    'Penalty',
    'CallsTaken',
    'LastCall',
    'LastPause',
    'LoginTime',
    'InCall',
    'Status',
    'Paused',
    'PausedReason',
    'Ringinuse',
    'Wrapuptime',
  ]);
  s.pbx.hangup(ch);
  const complete = await c.waitEvent('AgentComplete');
  assert.deepEqual(names(complete), [
    ...CHAN,
    ...dest,
    'Queue',
    'Interface',
    'MemberName',
    'HoldTime',
    'TalkTime',
    'Reason',
  ]);
  assert.equal(complete.get('Reason'), 'caller');
  const q = mod.engine.get('Camp200');
  assert.equal(q?.callscompleted, 1);
  assert.equal(q?.find('Local/200@agents')?.calls, 1);
  // Back to not in use: QueueMemberStatus with the call counted.
  const free = await c.waitEvent('QueueMemberStatus', (m) => m.get('Status') === '1');
  assert.equal(free.get('CallsTaken'), '1');
  assert.equal(free.get('InCall'), '0');
});

test('CLI: queue add/remove/pause member, queue reload, queue show rules', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const cmd = async (line: string): Promise<string[]> =>
    (await c.action('Command', [['Command', line]])).all('Output');
  assert.deepEqual(await cmd('queue add member SIP/test-203 to Sales penalty 2 as Three'), [
    "Added interface 'SIP/test-203' to queue 'Sales'",
  ]);
  assert.deepEqual(await cmd('queue add member SIP/test-203 to Sales'), [
    "Unable to add interface 'SIP/test-203' to queue 'Sales': Already there",
  ]);
  assert.deepEqual(await cmd('queue add member SIP/test-203 to Nope'), [
    "Unable to add interface to queue 'Nope': No such queue",
  ]);
  assert.deepEqual(await cmd('queue pause member SIP/test-203 queue Sales reason lunch'), [
    "paused interface 'SIP/test-203' in queue 'Sales' for reason 'lunch'",
  ]);
  assert.deepEqual(await cmd('queue unpause member SIP/test-203'), ["unpaused interface 'SIP/test-203'"]);
  assert.deepEqual(await cmd('queue pause member SIP/nobody'), ["Unable to pause interface 'SIP/nobody'"]);
  const show = await cmd('queue show Sales');
  assert.ok(
    show.some((l) =>
      /^ {6}Three \(SIP\/test-203\) with penalty 2 \(ringinuse enabled\) \(dynamic\) \(Not in use\) has taken no calls yet \(login was \d+ secs ago\)$/.test(
        l,
      ),
    ),
    show.join('\n'),
  );
  assert.deepEqual(await cmd('queue remove member SIP/test-203 from Sales'), [
    "Removed interface SIP/test-203 from queue 'Sales'",
  ]);
  assert.deepEqual(await cmd('queue remove member Local/201@agents from Sales'), [
    "Unable to remove interface 'Local/201@agents' from queue 'Sales': Member is not dynamic",
  ]);
  assert.equal(
    err(await c.action('Command', [['Command', 'queue reload all']])),
    'Success: Command output follows',
  );
  assert.deepEqual(await cmd('queue show rules'), [
    'Rule: myrule',
    '\tAfter 30 seconds, adjust QUEUE_MAX_PENALTY by 3, adjust QUEUE_MIN_PENALTY by 0 and adjust QUEUE_RAISE_PENALTY by 0',
    '\tAfter 60 seconds, adjust QUEUE_MAX_PENALTY to 10, adjust QUEUE_MIN_PENALTY to 5 and adjust QUEUE_RAISE_PENALTY by 0',
  ]);
  const all = await cmd('queue show');
  assert.match(all[0], /^Camp200 has 0 calls/);
  assert.ok(all.some((l) => l.startsWith('Sales has 0 calls')));
});

test('ListCommands lists the queue actions exactly as Asterisk (20_status_lists)', async () => {
  const recorded = readFileSync(join(CONFORMANCE_DIR, '20_status_lists.txt'), 'latin1');
  const asterisk = [...recorded.matchAll(/^(Queue[A-Za-z]*): (.*)\\r\\n$/gm)].map((m) => `${m[1]}: ${m[2]}`);
  assert.equal(asterisk.length, 13);
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const lc = await c.action('ListCommands');
  const ours = lc.headers.filter(([n]) => n.startsWith('Queue')).map(([n, v]) => `${n}: ${v}`);
  assert.deepEqual(ours.sort(), asterisk.sort());
});

test('queue_log: QUEUESTART at start; CONFIGRELOAD on a logger (or full) reload, not on a queue reload', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const events = (): string[] => mod.engine.logLines.map((l) => l.split('|').slice(2).join('|'));
  assert.ok(events().includes('NONE|NONE|QUEUESTART|'));
  const reloads = (): number => events().filter((e) => e === 'NONE|NONE|CONFIGRELOAD|').length;
  const before = reloads();
  await c.action('QueueReload', []);
  assert.equal(reloads(), before);
  assert.equal(err(await c.action('Reload', [['Module', 'logger']])), 'Success: Module Reloaded');
  assert.equal(reloads(), before + 1);
  await c.action('Reload', []);
  assert.equal(reloads(), before + 2);
});

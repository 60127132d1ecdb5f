/** Reloading queues.conf, QueueReset, and the dialplan side: AddQueueMember & co., QUEUE_* functions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeWorld, T0S } from './helpers.js';

test('reload: unchanged files change nothing; a changed file updates parameters and static members', async () => {
  const w = makeWorld(`[q]\nstrategy=rrmemory\nmember => SIP/a1\nmember => SIP/a2\n`);
  try {
    const q = w.engine.get('q');
    assert.ok(q);
    const a1 = q.find('SIP/a1');
    assert.ok(a1);
    a1.calls = 4;
    w.engine.addMember('q', 'SIP/dyn');
    await w.clock.runFor(60_000);
    w.module.reload?.(undefined as never);
    assert.equal(q.find('SIP/a1'), a1, 'same member object: the file did not change');
    writeFileSync(
      join(w.dir, 'queues.conf'),
      `[q]\nstrategy=leastrecent\ntimeout=7\nmember => SIP/a1,2\nmember => SIP/a3\n`,
    );
    w.module.reload?.(undefined as never);
    assert.equal(q.params.strategy, 'leastrecent');
    assert.equal(q.params.timeout, 7);
    assert.deepEqual(
      q.members.map((m) => m.interface).sort(),
      ['SIP/a1', 'SIP/a3', 'SIP/dyn'],
      'a2 gone, a3 new, the dynamic member kept',
    );
    const a1b = q.find('SIP/a1');
    assert.ok(a1b && a1b !== a1);
    // reload_single_member keeps calls and lastcall, takes the new penalty, logs in again.
    assert.deepEqual([a1b.calls, a1b.penalty, a1b.logintime], [4, 2, T0S + 60]);
    q.callscompleted = 3;
    w.engine.resetStats('q');
    assert.equal(q.callscompleted, 0);
    assert.equal(a1b.calls, 0);
  } finally {
    w.close();
  }
});

test('AddQueueMember / PauseQueueMember / RemoveQueueMember and QUEUE_* functions from the dialplan', async () => {
  const w = makeWorld(`[general]\nlog_membername_as_agent = yes\n[q]\nstrategy=ringall\nmember => SIP/a1\n`, {
    extensions: `[in]
exten => add,1,AddQueueMember(q,SIP/a5,3,,Five)
 same => n,Set(R1=\${AQMSTATUS})
 same => n,AddQueueMember(q,SIP/a5)
 same => n,Set(R2=\${AQMSTATUS})
 same => n,PauseQueueMember(q,SIP/a5,,break)
 same => n,Set(R3=\${PQMSTATUS})
 same => n,Set(COUNT=\${QUEUE_MEMBER(q,count)})
 same => n,Set(PAUSED=\${QUEUE_MEMBER(q,paused)})
 same => n,Set(PEN=\${QUEUE_MEMBER_PENALTY(q,SIP/a5)})
 same => n,Set(LIST=\${QUEUE_MEMBER_LIST(q)})
 same => n,Set(WAITING=\${QUEUE_WAITING_COUNT(q)})
 same => n,Set(EXISTS=\${QUEUE_EXISTS(q)}\${QUEUE_EXISTS(nope)})
 same => n,UnpauseQueueMember(q,SIP/a5)
 same => n,Set(R4=\${UPQMSTATUS})
 same => n,RemoveQueueMember(q,SIP/a5)
 same => n,Set(R5=\${RQMSTATUS})
 same => n,RemoveQueueMember(q,SIP/a1)
 same => n,Set(R6=\${RQMSTATUS})
 same => n,QueueLog(q,\${UNIQUEID},Five,CUSTOM,hello|world)
 same => n,Hangup()
`,
  });
  try {
    const ch = w.pbx.incomingCall({ from: 'x', exten: 'add', context: 'in' });
    await w.clock.runFor(1000);
    const v = (n: string): string | undefined => ch.vars.get(n);
    assert.deepEqual(
      ['R1', 'R2', 'R3', 'COUNT', 'PAUSED', 'PEN', 'WAITING', 'EXISTS', 'R4', 'R5', 'R6'].map(v),
      ['ADDED', 'MEMBERALREADY', 'PAUSED', '2', '1', '3', '0', '10', 'UNPAUSED', 'REMOVED', 'NOTDYNAMIC'],
    );
    assert.deepEqual(v('LIST')?.split(',').sort(), ['SIP/a1', 'SIP/a5']);
    const tail = w.engine.logLines.slice(1).map((l) => l.split('|').slice(2).join('|'));
    assert.deepEqual(tail, [
      'q|Five|ADDMEMBER|',
      'q|Five|PAUSE|break',
      'q|Five|UNPAUSE|',
      'q|Five|REMOVEMEMBER|',
      'q|Five|CUSTOM|hello|world',
    ]);
  } finally {
    w.close();
  }
});

test("Queue() options: 'c' continues after the agent hangs up, 'n' leaves after one cycle", async () => {
  const w = makeWorld(`[q]\nstrategy=linear\ntimeout=3\nretry=1\nmember => SIP/a1\nmember => SIP/a2\n`, {
    extensions: `[in]
exten => c,1,Queue(q,c)
 same => n,Set(AFTER=\${QUEUESTATUS})
 same => n,Hangup()
exten => n,1,Queue(q,n)
 same => n,Set(AFTER=\${QUEUESTATUS})
 same => n,Hangup()
`,
  });
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 500, talkTimeMs: 2000 });
    const c = w.pbx.incomingCall({ from: 'x', exten: 'c', context: 'in' });
    await w.clock.runFor(5000);
    assert.equal(c.vars.get('AFTER'), 'CONTINUE');
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    w.pbx.endpoints.set('SIP/a2', { mode: 'noanswer' });
    const n = w.pbx.incomingCall({ from: 'y', exten: 'n', context: 'in' });
    await w.clock.runFor(20000);
    // Two members: two rounds (a1 then a2), then EXITWITHTIMEOUT.
    assert.equal(n.vars.get('AFTER'), 'TIMEOUT');
    assert.match(w.engine.logLines[w.engine.logLines.length - 1], /\|q\|NONE\|EXITWITHTIMEOUT\|1\|1\|7$/);
  } finally {
    w.close();
  }
});

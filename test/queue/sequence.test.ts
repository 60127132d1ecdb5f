/**
 * The order in which a queue call's events come out, as try_calling / wait_for_answer /
 * hangupcalls raise them: members in try_calling's outgoing order (the reverse of member order),
 * AgentCalled before DialBegin; on a timeout AgentRingNoAnswer, then
 * DialEnd NOANSWER, then hangupcalls' DialEnd CANCEL; on an answer DialEnd ANSWER, the other
 * attempts cancelled, QueueCallerLeave, AgentConnect, then the bridge.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeWorld } from './helpers.js';

test('event sequence of a ringall call: one timeout round, then an answer', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\ntimeout=5\nretry=1\nringinuse=no\nmember => SIP/a1\nmember => SIP/a2\n`,
  );
  try {
    const timeline: string[] = [];
    const short = (name: string): string => name.replace(/-[0-9a-f]{8}$/, '');
    w.pbx.onAny((name, p) => {
      const x = p as unknown as { dest?: { name: string }; channel?: { name: string }; dialStatus?: string };
      if (name === 'DialBegin' || name === 'DialEnd' || name === 'DialState')
        timeline.push(`${name}(${short(x.dest?.name ?? '')}${x.dialStatus ? ' ' + x.dialStatus : ''})`);
      else if (name === 'Hangup' || name === 'BridgeEnter')
        timeline.push(`${name}(${short(x.channel?.name ?? '')})`);
    });
    w.engine.on((e) => {
      if (e.type === 'MemberStatus') return;
      timeline.push('agent' in e ? `${e.type}(${short(e.agent.name)})` : e.type);
    });
    // a1 does not answer in the first round (5 s), then answers in the second.
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    w.pbx.endpoints.set('SIP/a2', { mode: 'noanswer' });
    const ch = w.call('q', { talkMs: 3000 });
    await w.clock.runFor(5500);
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 1000 });
    await w.clock.runFor(10000);
    assert.ok(ch.dead);
    assert.deepEqual(timeline, [
      'CallerJoin',
      'AgentCalled(SIP/a1)',
      'DialBegin(SIP/a1)',
      'AgentCalled(SIP/a2)',
      'DialBegin(SIP/a2)',
      'DialState(SIP/a1 RINGING)',
      'DialState(SIP/a2 RINGING)',
      'AgentRingNoAnswer(SIP/a1)',
      'AgentRingNoAnswer(SIP/a2)',
      'DialEnd(SIP/a1 NOANSWER)',
      'DialEnd(SIP/a2 NOANSWER)',
      'DialEnd(SIP/a1 CANCEL)',
      'Hangup(SIP/a1)',
      'DialEnd(SIP/a2 CANCEL)',
      'Hangup(SIP/a2)',
      // retry 1 s, second round
      'AgentCalled(SIP/a1)',
      'DialBegin(SIP/a1)',
      'AgentCalled(SIP/a2)',
      'DialBegin(SIP/a2)',
      'DialState(SIP/a1 RINGING)',
      'DialState(SIP/a2 RINGING)',
      'DialEnd(SIP/a1 ANSWER)',
      // wait_for_answer cancels the others, then hangupcalls() cancels them again
      'DialEnd(SIP/a2 CANCEL)',
      'DialEnd(SIP/a2 CANCEL)',
      'Hangup(SIP/a2)',
      'CallerLeave',
      'AgentConnect(SIP/a1)',
      'BridgeEnter(SIP/a1)',
      'BridgeEnter(SIP/caller1)',
      // the caller's hangup request completes the call (handle_hangup)
      'AgentComplete(SIP/a1)',
      'Hangup(SIP/a1)',
      'Hangup(SIP/caller1)',
    ]);
    const hangups = w.events
      .filter((e) => e.type === 'AgentRingNoAnswer')
      .map((e) => ('ringTime' in e ? e.ringTime : 0));
    assert.deepEqual(hangups, [5000, 5000]);
    // The cancelled a2 of the answered round hangs up with cause 26 (answered elsewhere).
    assert.ok(
      w.engine.logLines.some((l) => /\|q\|SIP\/a1\|CONNECT\|7\|[\d.]+\|1$/.test(l)),
      w.engine.logLines.join('\n'),
    );
  } finally {
    w.close();
  }
});

test('a busy member: DialEnd BUSY, AgentRingNoAnswer in whole seconds, the next member rings at once', async () => {
  const w = makeWorld(`[q]\nstrategy=linear\ntimeout=10\nretry=1\nmember => SIP/a1\nmember => SIP/a2\n`);
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'busy', answerAfterMs: 50 });
    w.call('q', { talkMs: 1000 });
    await w.clock.runFor(8000);
    assert.deepEqual(w.called(), ['SIP/a1', 'SIP/a2']);
    const rna = w.events.find((e) => e.type === 'AgentRingNoAnswer');
    assert.ok(rna && rna.type === 'AgentRingNoAnswer');
    assert.equal(rna.ringTime, 0);
    assert.ok(w.engine.logLines.some((l) => l.endsWith('|q|SIP/a1|RINGNOANSWER|0')));
    assert.equal(w.engine.get('q')?.find('SIP/a2')?.calls, 1);
  } finally {
    w.close();
  }
});

test('the caller hangs up while members ring: DialEnd CANCEL, RINGCANCELED, ABANDON', async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\ntimeout=10\nretry=1\nmember => SIP/a1\n`);
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    const ch = w.call('q', { patienceMs: 3500 });
    await w.clock.runFor(5000);
    assert.ok(ch.dead);
    const tail = w.engine.logLines.slice(-2);
    assert.match(
      tail[0],
      new RegExp(`\\|${ch.uniqueid.replace('.', '\\.')}\\|q\\|SIP/a1\\|RINGCANCELED\\|3500$`),
    );
    assert.match(tail[1], /\|q\|NONE\|ABANDON\|1\|1\|3$/);
    assert.equal(w.engine.get('q')?.callsabandoned, 1);
  } finally {
    w.close();
  }
});

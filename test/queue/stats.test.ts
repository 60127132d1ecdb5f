/**
 * Statistics and queue_log under the virtual clock, checked against arithmetic done by hand.
 *
 * Queue `sl`: ringall, servicelevel 20 s, ringinuse off, one member SIP/a1 that answers 2 s
 * after it is rung. Times are seconds from T0:
 *   C1 joins at 0, a1 answers at 2 (hold 2, within SL), talks 40.5 s, C1 hangs up at 42.5.
 *   C2 joins at 1 and waits (a1 busy); its once-a-second check at 43 finds a1 free, a1 answers
 *      at 45 (hold 44, outside SL), C2 talks 10 s and hangs up at 55.
 *   C3 joins at 46 (a1 busy), gives up at 51: ABANDON, hold 5 (within SL).
 *   C4 joins at 47 with Queue(...,5): EXITWITHTIMEOUT at 52, hold 5 (counted abandoned, in SL).
 * Holdtime: 2 after C1; (2*3 + 44) >> 2 = 12 after C2. TalkTime: 40 (42 - 2) after C1;
 * (40*3 + 10) >> 2 = 32 after C2. Completed 2, one in SL: ServicelevelPerf 50.0. Abandoned 2,
 * both in SL: ServicelevelPerf2 = 100 * (1 + 2) / (2 + 2) = 75.0.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeWorld, T0, T0S } from './helpers.js';
import type { QueueEvent } from '../../src/modules/queue/engine.js';

const CONF = `[general]
persistentmembers = no

[sl]
strategy = ringall
servicelevel = 20
timeout = 15
retry = 5
ringinuse = no
member => SIP/a1,0,Agent One
`;

test('abandon, timeout and service level statistics as app_queue computes them', async () => {
  const w = makeWorld(CONF);
  try {
    const at = (s: number): Promise<number> => w.clock.runUntil(T0 + s * 1000);
    const c1 = w.call('sl', { talkMs: 40500 });
    await at(1);
    const c2 = w.call('sl', { talkMs: 10000 });
    await at(46);
    const c3 = w.call('sl', { patienceMs: 5000 });
    await at(47);
    const c4 = w.call('sl', { prefix: 't' });
    await at(60);
    const q = w.engine.get('sl');
    assert.ok(q);
    assert.equal(q.count, 0);
    assert.equal(q.holdtime, 12);
    assert.equal(q.talktime, 32);
    assert.equal(q.callscompleted, 2);
    assert.equal(q.callscompletedinsl, 1);
    assert.equal(q.callsabandoned, 2);
    assert.equal(q.callsabandonedinsl, 2);
    assert.equal(q.serviceLevelPerf().toFixed(1), '50.0');
    assert.equal(q.serviceLevelPerf2().toFixed(1), '75.0');
    const a1 = q.find('SIP/a1');
    assert.equal(a1?.calls, 2);
    assert.equal(a1?.lastcall, T0S + 55);
    assert.equal(c4.vars.get('RESULT'), 'TIMEOUT');
    assert.equal(c3.vars.get('ABANDONED'), 'TRUE');

    // The events of the four callers, in order.
    const kinds = w.events
      .filter((e) => e.type !== 'MemberStatus')
      .map((e: QueueEvent) => {
        const ch = 'caller' in e ? e.caller.name.replace(/-[0-9a-f]{8}$/, '') : '';
        return `${e.type}(${ch})`;
      });
    assert.deepEqual(kinds, [
      'CallerJoin(SIP/caller1)',
      'AgentCalled(SIP/caller1)',
      'CallerJoin(SIP/caller2)',
      'CallerLeave(SIP/caller1)',
      'AgentConnect(SIP/caller1)',
      'AgentComplete(SIP/caller1)',
      'AgentCalled(SIP/caller2)',
      'CallerLeave(SIP/caller2)',
      'AgentConnect(SIP/caller2)',
      'CallerJoin(SIP/caller3)',
      'CallerJoin(SIP/caller4)',
      'CallerAbandon(SIP/caller3)',
      'CallerLeave(SIP/caller3)',
      'CallerAbandon(SIP/caller4)',
      'CallerLeave(SIP/caller4)',
      'AgentComplete(SIP/caller2)',
    ]);
    const abandon = w.events.find((e) => e.type === 'CallerAbandon');
    assert.ok(abandon && abandon.type === 'CallerAbandon');
    assert.deepEqual([abandon.position, abandon.originalPosition, abandon.holdTime], [1, 1, 5]);
    const connect2 = w.events.filter((e) => e.type === 'AgentConnect')[1];
    assert.ok(connect2.type === 'AgentConnect');
    assert.deepEqual(
      [connect2.holdTime, connect2.ringTime, connect2.member.membername],
      [44, 2, 'Agent One'],
    );
    const complete = w.events.filter((e) => e.type === 'AgentComplete');
    assert.deepEqual(
      complete.map((e) => (e.type === 'AgentComplete' ? [e.holdTime, e.talkTime, e.reason] : [])),
      [
        [2, 40, 'caller'],
        [44, 10, 'caller'],
      ],
    );

    // queue_log, as Asterisk writes it: epoch|callid|queue|agent|event|data.
    const agents = w.events
      .filter((e) => e.type === 'AgentConnect')
      .map((e) => ('agent' in e ? e.agent.uniqueid : ''));
    const expected = [
      `${T0S}|NONE|NONE|NONE|QUEUESTART|`,
      `${T0S}|${c1.uniqueid}|sl|NONE|ENTERQUEUE||555001|1`,
      `${T0S + 1}|${c2.uniqueid}|sl|NONE|ENTERQUEUE||555002|2`,
      `${T0S + 2}|${c1.uniqueid}|sl|Agent One|CONNECT|2|${agents[0]}|2`,
      `${T0S + 42}|${c1.uniqueid}|sl|Agent One|COMPLETECALLER|2|40|1`,
      `${T0S + 45}|${c2.uniqueid}|sl|Agent One|CONNECT|44|${agents[1]}|2`,
      `${T0S + 46}|${c3.uniqueid}|sl|NONE|ENTERQUEUE||555003|1`,
      `${T0S + 47}|${c4.uniqueid}|sl|NONE|ENTERQUEUE||555004|2`,
      `${T0S + 51}|${c3.uniqueid}|sl|NONE|ABANDON|1|1|5`,
      `${T0S + 52}|${c4.uniqueid}|sl|NONE|EXITWITHTIMEOUT|1|2|5`,
      `${T0S + 55}|${c2.uniqueid}|sl|Agent One|COMPLETECALLER|44|10|2`,
    ];
    assert.deepEqual(w.engine.logLines, expected);
    assert.deepEqual(readFileSync(w.logPath, 'utf8').split('\n').slice(0, -1), expected);
    void c1;
  } finally {
    w.close();
  }
});

test('a member that hangs up first: COMPLETEAGENT; leaving when empty and joining when full', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\ntimeout=5\nretry=1\nmaxlen=1\nleavewhenempty=yes\nmember => SIP/a1\n`,
  );
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 1000, talkTimeMs: 7000 });
    const c1 = w.call('q', {});
    await w.clock.runFor(500);
    const full = w.call('q', { prefix: 't' });
    await w.clock.runFor(10000);
    assert.equal(full.vars.get('RESULT'), 'FULL');
    assert.ok(
      w.engine.logLines.some((l) => l === `${T0S + 8}|${c1.uniqueid}|q|SIP/a1|COMPLETEAGENT|1|7|1`),
      w.engine.logLines.join('\n'),
    );
    // The only member goes on pause: a waiting caller leaves (LEAVEEMPTY, EXITEMPTY logged).
    w.engine.setPaused('q', 'SIP/a1', '', true);
    const c3 = w.call('q', { prefix: 't' });
    await w.clock.runFor(3000);
    assert.equal(c3.vars.get('RESULT'), 'LEAVEEMPTY');
    assert.ok(
      w.engine.logLines.some((l) => l.endsWith(`|${c3.uniqueid}|q|NONE|EXITEMPTY|1|1|0`)),
      w.engine.logLines.join('\n'),
    );
  } finally {
    w.close();
  }
});

test('priorities order the callers; QueueChangePriorityCaller and withdraw', async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\ntimeout=5\nretry=1\nmember => SIP/a1\n`);
  try {
    w.engine.setPaused('q', 'SIP/a1', 'lunch', true);
    const a = w.call('q', {});
    const b = w.call('q', { vars: { QUEUE_PRIO: '5' } });
    const c = w.call('q', {});
    await w.clock.runFor(2000);
    const q = w.engine.get('q');
    assert.ok(q);
    assert.deepEqual(
      q.callers.map((x) => x.channel),
      [b, a, c],
    );
    assert.equal(w.engine.changePriority('q', c.name, 10, true), 'OK');
    assert.deepEqual(
      q.callers.map((x) => x.pos),
      [1, 2, 3],
    );
    assert.deepEqual(
      q.callers.map((x) => x.channel),
      [c, b, a],
    );
    assert.equal(w.engine.changePriority('q', 'SIP/nobody', 1, false), 'NOT_CALLER');
    assert.equal(w.engine.withdraw('q', a.name, 'moved'), 'OK');
    assert.equal(w.engine.withdraw('q', a.name, 'again'), 'EXISTS');
    await w.clock.runFor(100);
    assert.equal(q.count, 2);
    assert.equal(a.vars.get('QUEUE_WITHDRAW_INFO'), 'moved');
    assert.ok(
      w.engine.logLines.some((l) => l.endsWith(`|${a.uniqueid}|q|NONE|WITHDRAW|3|1|2|moved`)),
      w.engine.logLines.join('\n'),
    );
  } finally {
    w.close();
  }
});

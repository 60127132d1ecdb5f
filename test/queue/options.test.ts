/**
 * Queue() options beyond c/n/r, under the virtual clock: C (cancelled members answered
 * elsewhere), n with ringall (one round), m(class), the bridge feature letters (kept as
 * QUEUE_BRIDGE_FEATURES on each side), F (the member goes on in the dialplan), and the option
 * parser (arguments in parentheses).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bridgeFeatures, parseQueueOptions } from '../../src/modules/queue/engine.js';
import { makeWorld, T0 } from './helpers.js';

const EXT = `[in]
exten => _o.,1,Queue(q,\${EXTEN:1})
 same => n,Set(AFTER=\${QUEUESTATUS})
 same => n,Hangup()
[agents]
exten => after,1,Set(GONE_ON=yes)
 same => n,Wait(2)
 same => n,Hangup()
`;

test('the option parser: letters, and arguments for b, B, F and m', () => {
  const o = parseQueueOptions('tHm(jazz)F(agents^after^1)Cn');
  assert.deepEqual([...o.keys()], ['t', 'H', 'm', 'F', 'C', 'n']);
  assert.equal(o.get('m'), 'jazz');
  assert.equal(o.get('F'), 'agents^after^1');
  assert.equal(o.get('t'), undefined);
  assert.equal(parseQueueOptions('B(pre^s^1(a))r').get('B'), 'pre^s^1(a)');
  assert.ok(parseQueueOptions('B(pre^s^1(a))r').has('r'));
  assert.deepEqual(bridgeFeatures(parseQueueOptions('tThHkKwWxX')), {
    caller: 'REDIRECT,DISCONNECT,AUTOMON,PARKCALL,AUTOMIXMON',
    callee: 'REDIRECT,DISCONNECT,AUTOMON,PARKCALL,AUTOMIXMON',
  });
});

test("'n' with ringall leaves after one round; 'C' hangs the cancelled members up answered elsewhere", async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\ntimeout=3\nretry=1\nmember => SIP/a1\nmember => SIP/a2\n`, {
    extensions: EXT,
  });
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    w.pbx.endpoints.set('SIP/a2', { mode: 'noanswer' });
    const causes: number[] = [];
    w.pbx.on('Hangup', (e) => {
      const x = e as unknown as { channel: { name: string }; cause: number };
      if (x.channel.name.startsWith('SIP/a')) causes.push(x.cause);
    });
    const ch = w.pbx.incomingCall({ from: 'x', exten: 'onC', context: 'in' });
    await w.clock.runFor(10000);
    assert.equal(ch.vars.get('AFTER'), 'TIMEOUT');
    // One round of 3 s (both members), then EXITWITHTIMEOUT|1|1|3.
    assert.equal(w.called().length, 2);
    assert.match(w.engine.logLines[w.engine.logLines.length - 1], /\|q\|NONE\|EXITWITHTIMEOUT\|1\|1\|3$/);
    assert.deepEqual(causes, [26, 26]);
  } finally {
    w.close();
  }
});

test("m(class), the feature letters and 'F' (the member goes on in the dialplan)", async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\nmember => SIP/a1\n`, { extensions: EXT });
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 1000 });
    const classes: string[] = [];
    w.pbx.on('MusicOnHoldStart', (e) => classes.push((e as unknown as { mohClass: string }).mohClass));
    const ch = w.pbx.incomingCall({
      from: 'x',
      exten: 'otHm(jazz)F(agents^after^1)',
      context: 'in',
      talkTimeMs: 3000,
    });
    let peerName = '';
    w.engine.on((e) => {
      if (e.type === 'AgentConnect') peerName = e.agent.name;
    });
    await w.clock.runUntil(T0 + 2000);
    const peer = w.pbx.findChannel(peerName);
    assert.ok(peer);
    assert.equal(ch.vars.get('QUEUE_BRIDGE_FEATURES'), 'DISCONNECT');
    assert.equal(peer.vars.get('QUEUE_BRIDGE_FEATURES'), 'REDIRECT');
    assert.deepEqual(classes, ['jazz']);
    // The caller hangs up at 4; a1 runs agents,after,1 (Wait 2) and hangs up at 6.
    await w.clock.runUntil(T0 + 5000);
    assert.ok(ch.dead);
    assert.equal(peer.dead, false);
    assert.equal(peer.vars.get('GONE_ON'), 'yes');
    await w.clock.runUntil(T0 + 8000);
    assert.ok(peer.dead);
  } finally {
    w.close();
  }
});

test('the gosub argument runs on the member channel before CONNECT; its time is hold time', async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\nmembergosub=sub-agent,x\nmember => SIP/a1\n`, {
    extensions: `[in]
exten => g,1,Queue(q,,,,,,,sub-agent)
 same => n,Hangup()
exten => m,1,Queue(q)
 same => n,Hangup()
[sub-agent]
exten => s,1,Set(IN_SUB=in-\${ARG1})
 same => n,Wait(2)
 same => n,Return()
`,
  });
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 1000 });
    let peerName = '';
    const inSub: Array<string | undefined> = [];
    w.engine.on((e) => {
      if (e.type !== 'AgentConnect') return;
      peerName = e.agent.name;
      inSub.push(w.pbx.findChannel(peerName)?.vars.get('IN_SUB'));
    });
    const ch = w.pbx.incomingCall({ from: 'x', exten: 'g', context: 'in', talkTimeMs: 2000 });
    await w.clock.runUntil(T0 + 4000);
    const peer = w.pbx.findChannel(peerName);
    assert.ok(peer);
    // The Queue() argument wins over membergosub (no arguments: ARG1 empty).
    assert.equal(peer.vars.get('IN_SUB'), 'in-');
    assert.equal(ch.vars.get('IN_SUB'), undefined);
    // Answered at 1, the subroutine waits 2 s: CONNECT at 3 (hold 3, ring 1).
    assert.ok(
      w.engine.logLines.some((l) => /\|CONNECT\|3\|[^|]+\|1$/.test(l)),
      w.engine.logLines.join('\n'),
    );
    await w.clock.runUntil(T0 + 10000);
    assert.ok(ch.dead);
    assert.ok(
      w.engine.logLines.some((l) => /\|COMPLETECALLER\|3\|2\|1$/.test(l)),
      w.engine.logLines.join('\n'),
    );
    // Without the argument, membergosub with its arguments.
    w.pbx.incomingCall({ from: 'y', exten: 'm', context: 'in', talkTimeMs: 1000 });
    await w.clock.runUntil(T0 + 14000);
    assert.deepEqual(inSub, ['in-', 'in-x']);
  } finally {
    w.close();
  }
});

test('timeoutrestart: a busy member gives the next one the whole timeout again', async () => {
  for (const restart of [false, true]) {
    const w = makeWorld(
      `[q]\nstrategy=linear\ntimeout=10\ntimeoutrestart=${restart ? 'yes' : 'no'}\nmember => SIP/a1\nmember => SIP/a2\n`,
    );
    try {
      // a1 is busy (after the endpoint's short delay); a2 never answers.
      w.pbx.endpoints.set('SIP/a1', { mode: 'busy' });
      w.pbx.endpoints.set('SIP/a2', { mode: 'noanswer' });
      const noAnswerAt: Array<[string, number]> = [];
      w.engine.on((e) => {
        if (e.type === 'AgentRingNoAnswer') noAnswerAt.push([e.member.interface, w.clock.now() - T0]);
      });
      w.call('q', { patienceMs: 16000 });
      await w.clock.runUntil(T0 + 16000);
      const [[first, busyAt], [second, timeoutAt]] = noAnswerAt;
      assert.equal(first, 'SIP/a1');
      assert.equal(second, 'SIP/a2');
      assert.ok(busyAt > 0);
      // Without: the round ends 10 s after it began. With: 10 s after a1's refusal.
      assert.equal(timeoutAt, restart ? busyAt + 10000 : 10000);
    } finally {
      w.close();
    }
  }
});

test('B(...) runs a Gosub on the caller first; queue-callerannounce is heard before the bridge', async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\nqueue-callerannounce=hello-world\nmember => SIP/a1\n`, {
    extensions: `[in]
exten => b,1,Queue(q,B(pre^s^1(z)))
 same => n,Hangup()
[pre]
exten => s,1,Set(PRE=\${ARG1})
 same => n,Return()
`,
  });
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 1000 });
    const ch = w.pbx.incomingCall({ from: 'x', exten: 'b', context: 'in', talkTimeMs: 2000 });
    await w.clock.runUntil(T0 + 10000);
    assert.equal(ch.vars.get('PRE'), 'z');
    // Answered at 1; hello-world (1.2 s) to the caller: CONNECT at 2 (hold 2, ring 1).
    assert.ok(
      w.engine.logLines.some((l) => /\|CONNECT\|2\|[^|]+\|1$/.test(l)),
      w.engine.logLines.join('\n'),
    );
  } finally {
    w.close();
  }
});

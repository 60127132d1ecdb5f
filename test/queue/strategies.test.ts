/**
 * Distribution under the virtual clock: for each strategy, which members ring, in which order,
 * over a sequence of calls. Members a1, a2, a3 are configured in that order; where the strategy
 * uses app_queue's hash container (all but linear and rrordered) they are iterated in bucket
 * order of member_hash_fn: "/a2" (bucket 5), "/a1" (16), "/a3" (31). try_calling puts each attempt
 * at the head of its outgoing list, so ringall rings them in the reverse order (a3, a1, a2) and
 * of equal metrics the last in the container (a3) wins.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeWorld } from './helpers.js';
import { memberBucket } from '../../src/modules/queue/engine.js';

const MEMBERS = 'member => SIP/a1\nmember => SIP/a2\nmember => SIP/a3\n';

/** Five calls one after the other, each answered (2 s) and talking 10 s; the members rung per call. */
async function sequence(strategy: string, extra = '', seed = 7): Promise<string[][]> {
  const w = makeWorld(`[q]\nstrategy=${strategy}\ntimeout=5\nretry=1\nringinuse=no\n${extra}${MEMBERS}`, {
    seed,
  });
  try {
    const seq: string[][] = [];
    for (let i = 0; i < 5; i++) {
      const before = w.called().length;
      w.call('q', { talkMs: 10000 });
      await w.clock.runFor(30000);
      seq.push(
        w
          .called()
          .slice(before)
          .map((s) => s.slice(4)),
      );
    }
    return seq;
  } finally {
    w.close();
  }
}

test('member hash buckets as app_queue computes them', () => {
  assert.equal(memberBucket('SIP/a1'), 16);
  assert.equal(memberBucket('SIP/a2'), 5);
  assert.equal(memberBucket('SIP/a3'), 31);
  // Sales of the recording lists Local/202@agents before Local/201@agents.
  assert.ok(memberBucket('Local/202@agents') < memberBucket('Local/201@agents'));
});

test('ringall rings every member at once, in outgoing-list order; the first to answer wins', async () => {
  const seq = await sequence('ringall');
  for (const call of seq) assert.deepEqual(call, ['a3', 'a1', 'a2']);
});

test('linear always starts at the first configured member', async () => {
  assert.deepEqual(await sequence('linear'), [['a1'], ['a1'], ['a1'], ['a1'], ['a1']]);
});

test('rrmemory and rrordered remember their place (queue position = configuration order)', async () => {
  const expected = [['a1'], ['a2'], ['a3'], ['a1'], ['a2']];
  assert.deepEqual(await sequence('rrmemory'), expected);
  assert.deepEqual(await sequence('rrordered'), expected);
});

test('leastrecent and fewestcalls follow the statistics (ties: the last in the container)', async () => {
  // Call 1: nobody has a call, a3 is last in the container (first in the outgoing list); then
  // a1, a2 (still 0), then the one whose last call is oldest / who has fewest calls.
  const expected = [['a3'], ['a1'], ['a2'], ['a3'], ['a1']];
  assert.deepEqual(await sequence('leastrecent'), expected);
  assert.deepEqual(await sequence('fewestcalls'), expected);
});

test('random and wrandom follow the seeded PRNG: same seed, same calls', async () => {
  const a = await sequence('random', '', 7);
  const b = await sequence('random', '', 7);
  assert.deepEqual(a, b);
  assert.deepEqual(a, [['a2'], ['a2'], ['a2'], ['a2'], ['a1']]);
  // With every penalty 0, wrandom draws from the same range as random (ast_random() % 1000).
  assert.deepEqual(await sequence('wrandom', '', 7), a);
  const other = await sequence('random', '', 99);
  assert.notDeepEqual(other, a);
});

test('wrandom weights by penalty: a high penalty member rarely rings first', async () => {
  const w = makeWorld(
    `[q]\nstrategy=wrandom\ntimeout=5\nretry=1\nringinuse=no\nmember => SIP/a1,0\nmember => SIP/a2,9\n`,
    { seed: 3 },
  );
  try {
    for (let i = 0; i < 40; i++) {
      w.call('q', { talkMs: 1000 });
      await w.clock.runFor(10000);
    }
    const first = w.called();
    const a1 = first.filter((x) => x === 'SIP/a1').length;
    const a2 = first.filter((x) => x === 'SIP/a2').length;
    assert.equal(a1 + a2, 40);
    // P(a2 first) = P(U[0,10000) < U[0,1000)) = 0.05.
    assert.ok(a2 <= 8, `a2 rang first ${a2} times`);
    assert.ok(a2 >= 1, 'but not never');
  } finally {
    w.close();
  }
});

test('unanswered members: linear and rrmemory move on after timeout + retry', async () => {
  for (const strategy of ['linear', 'rrmemory']) {
    const w = makeWorld(`[q]\nstrategy=${strategy}\ntimeout=5\nretry=1\nringinuse=no\n${MEMBERS}`);
    try {
      w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
      w.pbx.endpoints.set('SIP/a2', { mode: 'noanswer' });
      w.call('q', { talkMs: 5000 });
      await w.clock.runFor(40000);
      assert.deepEqual(w.called(), ['SIP/a1', 'SIP/a2', 'SIP/a3'], strategy);
      const rna = w.events
        .filter((e) => e.type === 'AgentRingNoAnswer')
        .map((e) => ('ringTime' in e ? e.ringTime : 0));
      assert.deepEqual(rna, [5000, 5000], `${strategy}: RingTime in ms`);
      // The next caller: linear starts again at a1, rrmemory continues after a3 (wraps to a1).
      const before = w.called().length;
      w.pbx.endpoints.set('SIP/a1', { mode: 'answer' });
      w.call('q', { talkMs: 5000 });
      await w.clock.runFor(20000);
      assert.deepEqual(w.called().slice(before), ['SIP/a1'], strategy);
    } finally {
      w.close();
    }
  }
});

test('ringall rings only the lowest penalty; busy members are skipped; paused never ring', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\ntimeout=5\nretry=1\nringinuse=no\nmember => SIP/a1,0\nmember => SIP/a2,1\nmember => SIP/a3,1\n`,
  );
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    const ch = w.call('q', { talkMs: 5000, patienceMs: 14000 });
    await w.clock.runFor(15000);
    // Rounds at 0 s, 6 s and 12 s: only a1 (penalty 0) each time; the caller gives up at 14 s.
    assert.deepEqual(w.called(), ['SIP/a1', 'SIP/a1', 'SIP/a1']);
    assert.ok(ch.dead);
    w.engine.setPaused('q', 'SIP/a1', 'break', true);
    const before = w.called().length;
    w.call('q', { talkMs: 5000 });
    await w.clock.runFor(10000);
    assert.deepEqual(w.called().slice(before), ['SIP/a3', 'SIP/a2']);
  } finally {
    w.close();
  }
});

test('wrap-up time keeps a member out after a call; autopause pauses who does not answer', async () => {
  const w = makeWorld(
    `[q]\nstrategy=linear\ntimeout=5\nretry=1\nringinuse=no\nwrapuptime=30\nautopause=yes\n${MEMBERS}`,
  );
  try {
    w.call('q', { talkMs: 5000 });
    await w.clock.runFor(20000);
    assert.deepEqual(w.called(), ['SIP/a1']);
    // a1 is in wrap-up (30 s after the call ended at 7 s): the next call goes to a2.
    w.pbx.endpoints.set('SIP/a2', { mode: 'noanswer' });
    w.call('q', { talkMs: 5000 });
    await w.clock.runFor(20000);
    assert.deepEqual(w.called(), ['SIP/a1', 'SIP/a2', 'SIP/a3']);
    const a2 = w.engine.get('q')?.find('SIP/a2');
    assert.equal(a2?.paused, true);
    assert.equal(a2?.reasonPaused, 'Auto-Pause');
    assert.ok(w.engine.logLines.some((l) => l.endsWith('|q|SIP/a2|PAUSE|Auto-Pause')));
  } finally {
    w.close();
  }
});

test('penalty rules move the window over time (QUEUE_MAX_PENALTY / QUEUE_MIN_PENALTY)', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\ntimeout=3\nretry=1\nringinuse=no\ndefaultrule=shift\nmember => SIP/a1,0\nmember => SIP/a2,5\n`,
    {
      rules: '[shift]\npenaltychange => 10,+5,5\n',
    },
  );
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    const ch = w.call('q', { talkMs: 2000, vars: { QUEUE_MAX_PENALTY: '0', QUEUE_MIN_PENALTY: '0' } });
    await w.clock.runFor(30000);
    // Rounds at 0, 4 and 8 s ring a1 (window 0..0); the round at 12 s is past the rule's 10 s:
    // the window is 5..5 and only a2 rings (and answers).
    assert.deepEqual(w.called(), ['SIP/a1', 'SIP/a1', 'SIP/a1', 'SIP/a2']);
    assert.equal(ch.vars.get('QUEUE_MAX_PENALTY'), '5');
    assert.equal(ch.vars.get('QUEUE_MIN_PENALTY'), '5');
  } finally {
    w.close();
  }
});

test('weight: a member shared with a heavier queue serves that queue first', async () => {
  const w = makeWorld(
    `[light]\nstrategy=ringall\ntimeout=5\nretry=1\nweight=0\nringinuse=no\nmember => SIP/a1\n[heavy]\nstrategy=ringall\ntimeout=5\nretry=1\nweight=10\nringinuse=no\nmember => SIP/a1\n`,
  );
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'noanswer' });
    w.call('heavy', { patienceMs: 4000 });
    await w.clock.runFor(100);
    w.call('light', { patienceMs: 3000 });
    await w.clock.runFor(5000);
    const calledQueues = w.events.filter((e) => e.type === 'AgentCalled').map((e) => e.queue.name);
    assert.deepEqual(calledQueues, ['heavy']);
  } finally {
    w.close();
  }
});

test('autofill: with it, waiting callers are served in parallel; without it, one at a time from the head', async () => {
  for (const autofill of ['yes', 'no']) {
    const w = makeWorld(
      `[general]\nautofill=${autofill}\n[q]\nstrategy=rrmemory\ntimeout=5\nretry=1\nringinuse=no\n${MEMBERS}`,
    );
    try {
      w.call('q', { talkMs: 20000 });
      w.call('q', { talkMs: 20000 });
      await w.clock.runFor(10000);
      const holds = w.events
        .filter((e) => e.type === 'AgentConnect')
        .map((e) => (e.type === 'AgentConnect' ? e.holdTime : -1));
      // Members answer 2 s after they are rung. With autofill both callers ring at once; without,
      // the second waits until the first has left the queue (connected at 2 s): its once-a-second
      // check at 2 s runs just after that answer, so it rings then and is answered at 4 s.
      assert.deepEqual(holds, autofill === 'yes' ? [2, 2] : [2, 4], `autofill=${autofill}`);
      assert.deepEqual(w.called(), ['SIP/a1', 'SIP/a2'], `autofill=${autofill}`);
    } finally {
      w.close();
    }
  }
});

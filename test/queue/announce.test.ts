/**
 * Announcements under the virtual clock: a waiting caller hears position, hold time and periodic
 * announcements in wait_our_turn (each file takes its simulated length on the caller's channel and
 * nothing interrupts it); the member hears the queue `announce` (after `memberdelay`) before the
 * bridge, and hanging up then is an AgentDump. Sound lengths are set here, so the arithmetic in
 * each test is by hand: times are milliseconds from T0 (callers join at whole seconds).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setSoundLength } from '../../src/pbx/apps/sounds.js';
import { sayNumberFiles } from '../../src/modules/queue/engine.js';
import { parseQueuesConf } from '../../src/modules/queue/config.js';
import { parseConfText } from '../../src/config/index.js';
import { makeWorld, T0, type QueueWorld } from './helpers.js';

const LENGTHS: Record<string, number> = {
  'queue-youarenext': 1500,
  'queue-thereare': 1200,
  'queue-callswaiting': 1200,
  'queue-thankyou': 1500,
  'queue-holdtime': 1000,
  'queue-minutes': 1000,
  'queue-minute': 1000,
  'queue-seconds': 1000,
  'queue-reporthold': 1000,
  'digits/2': 500,
  'digits/3': 500,
  'digits/30': 500,
  pa1: 5000,
  pa2: 4000,
  pa3: 3000,
  'agent-intro': 4000,
};
for (const [f, ms] of Object.entries(LENGTHS)) setSoundLength(f, ms);

/** Music on hold stops and starts of one channel, in ms from T0. */
function mohTimeline(w: QueueWorld, name: () => string): string[] {
  const out: string[] = [];
  w.pbx.onAny((ev, p) => {
    if (ev !== 'MusicOnHoldStart' && ev !== 'MusicOnHoldStop') return;
    const x = p as unknown as { channel: { name: string } };
    if (x.channel.name === name())
      out.push(`${ev === 'MusicOnHoldStart' ? 'start' : 'stop'}@${w.clock.now() - T0}`);
  });
  return out;
}

test('queues.conf announce options are read as app_queue reads them', () => {
  const { queues } = parseQueuesConf(
    parseConfText(
      `[q]\nannounce-holdtime=once\nannounce-position=more\nannounce-position-limit=4\nannounce-round-seconds=7\n` +
        `periodic-announce=a,b|c\nrandom-periodic-announce=yes\nrelative-periodic-announce=yes\n` +
        `queue-youarenext=my-next\nqueue-thankyou=my-thanks\nannounce-to-first-user=yes\n`,
      'queues.conf',
    ),
  );
  const p = queues[0].params;
  assert.equal(p.announceholdtime, 'once');
  assert.equal(p.announceposition, 'more');
  assert.equal(p.announcepositionlimit, 4);
  assert.equal(p.roundingseconds, 0); // 7 is not a valid rounding
  assert.deepEqual(p.periodicannounce, ['a', 'b', 'c']);
  assert.equal(p.randomperiodicannounce, true);
  assert.equal(p.relativeperiodicannounce, true);
  assert.equal(p.announcetofirstuser, true);
  assert.equal(p.sounds.next, 'my-next');
  assert.equal(p.sounds.thanks, 'my-thanks');
  assert.equal(p.sounds.thereare, 'queue-thereare');
  assert.deepEqual(sayNumberFiles(125), ['digits/1', 'digits/hundred', 'digits/20', 'digits/5']);
  assert.deepEqual(sayNumberFiles(13), ['digits/13']);
});

test('position announcements take the waiting callers time; the next one comes after announce-frequency', async () => {
  // a1 is paused: both callers wait in wait_our_turn. announce-holdtime=no: position only.
  const w = makeWorld(
    `[q]\nstrategy=ringall\nannounce-frequency=30\nmin-announce-frequency=15\nannounce-holdtime=no\n` +
      `member => SIP/a1,0,,,,,yes\n`,
  );
  try {
    const c1 = w.call('q', { patienceMs: 40000 });
    const t1 = mohTimeline(w, () => c1.name);
    await w.clock.runUntil(T0 + 1000);
    const c2 = w.call('q', { patienceMs: 43000 });
    const t2 = mohTimeline(w, () => c2.name);
    await w.clock.runUntil(T0 + 45000);
    // c1 (position 1): "you are next" (1.5 s) then "thank you" (1.5 s) at 0; again at 30.
    assert.deepEqual(t1, ['start@0', 'stop@0', 'start@3000', 'stop@30000', 'start@33000', 'stop@40000']);
    // c2 (position 2): "there are" 1.2 + "2" 0.5 + "calls waiting" 1.2 + "thank you" 1.5 = 4.4 s
    // at 1; again 30 s later, position unchanged c1 leaves at 40 (ABANDON); c2, now
    // first, would hear its new position but min-announce-frequency holds it to 46; it leaves at 44.
    // (the once-a-second checks then fall at x.4 s: the second time is at 31.4).
    assert.deepEqual(t2, [
      'start@1000',
      'stop@1000',
      'start@5400',
      'stop@31400',
      'start@35800',
      'stop@44000',
    ]);
    const abandons = w.engine.logLines.filter((l) => l.includes('|ABANDON|'));
    assert.equal(abandons.length, 2);
  } finally {
    w.close();
  }
});

test('a caller busy with an announcement is not interrupted: ringing waits for its end', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\nannounce-frequency=30\nannounce-holdtime=no\nmember => SIP/a1,0,,,,,yes\n`,
  );
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 2000 });
    const c1 = w.call('q', { talkMs: 5000 });
    const t1 = mohTimeline(w, () => c1.name);
    await w.clock.runUntil(T0 + 1000);
    // a1 comes back in the middle of "you are next / thank you" (0 .. 3 s).
    w.engine.setPaused('q', 'SIP/a1', '', false);
    let calledAt = -1;
    w.engine.on((e) => {
      if (e.type === 'AgentCalled' && calledAt < 0) calledAt = w.clock.now() - T0;
    });
    await w.clock.runUntil(T0 + 20000);
    // The announcement ends at 3; the loop's one-second wait follows; the turn comes at 4.
    assert.equal(calledAt, 4000);
    assert.deepEqual(t1, ['start@0', 'stop@0', 'start@3000', 'stop@6000']);
    // CONNECT at 6: hold 6 s, ring 2 s.
    assert.ok(
      w.engine.logLines.some((l) => /\|q\|SIP\/a1\|CONNECT\|6\|[^|]+\|2$/.test(l)),
      w.engine.logLines.join('\n'),
    );
  } finally {
    w.close();
  }
});

test('hold time announcement: rounding, minutes and seconds, once', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\nannounce-frequency=30\nannounce-position=no\nannounce-holdtime=once\n` +
      `announce-round-seconds=30\nmember => SIP/a1,0,,,,,yes\n`,
  );
  try {
    const q = w.engine.get('q');
    assert.ok(q);
    // Average hold 125 s: (125 + 30 - 0) = 155 s -> 2 minutes, (155 - 120) / 30 * 30 = 30 seconds.
    q.holdtime = 125;
    const c1 = w.call('q', { patienceMs: 40000 });
    const t1 = mohTimeline(w, () => c1.name);
    await w.clock.runUntil(T0 + 45000);
    // holdtime 1 + "2" 0.5 + minutes 1 + "30" 0.5 + seconds 1 + thank you 1.5 = 5.5 s. The checks
    // then fall on the half second: the second time is at 30.5 and says nothing ("once"), but
    // the music still stops and starts again. The caller hangs up at 40.
    assert.deepEqual(t1, ['start@0', 'stop@0', 'start@5500', 'stop@30500', 'start@30500', 'stop@40000']);
  } finally {
    w.close();
  }
});

test('announce-position limit and more', async () => {
  const conf = (mode: string): string =>
    `[q]\nstrategy=ringall\nannounce-frequency=60\nannounce-holdtime=no\nannounce-position=${mode}\n` +
    `announce-position-limit=2\nmember => SIP/a1,0,,,,,yes\n`;
  for (const [mode, expected] of [
    // position 3 > limit 2: nothing said (no thanks), the music stops and starts at once.
    ['limit', ['start@2000', 'stop@2000', 'start@2000']],
    // more: quantity1 (3 s default) + "2" 0.5 + quantity2 (3 s) + thank you 1.5 = 8 s.
    ['more', ['start@2000', 'stop@2000', 'start@10000']],
  ] as const) {
    const w = makeWorld(conf(mode));
    try {
      w.call('q', { patienceMs: 20000 });
      await w.clock.runUntil(T0 + 1000);
      w.call('q', { patienceMs: 20000 });
      await w.clock.runUntil(T0 + 2000);
      const c3 = w.call('q', { patienceMs: 20000 });
      const t3 = mohTimeline(w, () => c3.name);
      await w.clock.runUntil(T0 + 15000);
      assert.deepEqual(t3.slice(0, 3), expected, mode);
    } finally {
      w.close();
    }
  }
});

test('periodic announcements: in turn, absolute or relative to the end of the last one', async () => {
  for (const [relative, expected] of [
    // pa1 at 20 (5 s), pa2 at 40 (4 s), pa3 at 60 (3 s).
    [
      'no',
      ['start@0', 'stop@20000', 'start@25000', 'stop@40000', 'start@44000', 'stop@60000', 'start@63000'],
    ],
    // relative: pa1 at 20 ends at 25; pa2 at 45 ends at 49; pa3 at 69.
    [
      'yes',
      ['start@0', 'stop@20000', 'start@25000', 'stop@45000', 'start@49000', 'stop@69000', 'start@72000'],
    ],
  ] as const) {
    const w = makeWorld(
      `[q]\nstrategy=ringall\nperiodic-announce=pa1,pa2,pa3\nperiodic-announce-frequency=20\n` +
        `relative-periodic-announce=${relative}\nmember => SIP/a1,0,,,,,yes\n`,
    );
    try {
      const c1 = w.call('q', { patienceMs: 75000 });
      const t1 = mohTimeline(w, () => c1.name);
      await w.clock.runUntil(T0 + 80000);
      assert.deepEqual(t1.slice(0, 7), expected, `relative=${relative}`);
      // The caller hung up at 75 while waiting: ABANDON with hold 75.
      assert.ok(
        w.engine.logLines.some((l) => /\|ABANDON\|1\|1\|75$/.test(l)),
        w.engine.logLines.join('\n'),
      );
    } finally {
      w.close();
    }
  }
});

test('a caller who hangs up during an announcement is an ABANDON at that moment', async () => {
  const w = makeWorld(
    `[q]\nstrategy=ringall\nannounce-frequency=30\nannounce-holdtime=no\nmember => SIP/a1,0,,,,,yes\n`,
  );
  try {
    const c1 = w.call('q', { patienceMs: 2000 });
    await w.clock.runUntil(T0 + 10000);
    assert.ok(c1.dead);
    assert.ok(
      w.engine.logLines.some((l) => /\|ABANDON\|1\|1\|2$/.test(l)),
      w.engine.logLines.join('\n'),
    );
    assert.equal(w.engine.get('q')?.callsabandoned, 1);
  } finally {
    w.close();
  }
});

test('the member hears `announce` (after memberdelay) before the bridge; hold time counts it', async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\nannounce=agent-intro\nmemberdelay=1\nmember => SIP/a1\n`);
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 2000 });
    w.call('q', { talkMs: 3000 });
    await w.clock.runUntil(T0 + 20000);
    // Answered at 2; memberdelay 1 s, agent-intro 4 s: connected at 7 (hold 7, ring 2).
    const connect = w.events.find((e) => e.type === 'AgentConnect');
    assert.ok(connect && connect.type === 'AgentConnect');
    assert.equal(connect.holdTime, 7);
    assert.equal(connect.ringTime, 2);
    assert.ok(
      w.engine.logLines.some((l) => /\|CONNECT\|7\|[^|]+\|2$/.test(l)),
      w.engine.logLines.join('\n'),
    );
    assert.ok(
      w.engine.logLines.some((l) => /\|COMPLETECALLER\|7\|3\|1$/.test(l)),
      w.engine.logLines.join('\n'),
    );
    // The queue's average hold time is taken at the answer (recalc_holdtime): 2.
    assert.equal(w.engine.get('q')?.holdtime, 2);
  } finally {
    w.close();
  }
});

test('AgentDump: the member hangs up during the announcement; the caller stays in the queue', async () => {
  const w = makeWorld(`[q]\nstrategy=ringall\nretry=1\nannounce=agent-intro\nmember => SIP/a1\n`);
  try {
    // a1 answers at 2 and hangs up 1 s later, in the middle of agent-intro.
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 2000, talkTimeMs: 1000 });
    const c1 = w.call('q', { talkMs: 3000 });
    await w.clock.runUntil(T0 + 3500);
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 2000, talkTimeMs: 0 });
    await w.clock.runUntil(T0 + 30000);
    const types = w.events.filter((e) => e.type !== 'MemberStatus').map((e) => e.type);
    assert.deepEqual(types, [
      'CallerJoin',
      'AgentCalled',
      'AgentDump',
      'AgentCalled',
      'CallerLeave',
      'AgentConnect',
      'AgentComplete',
    ]);
    const lines = w.engine.logLines.map((l) => l.split('|').slice(2).join('|'));
    assert.ok(lines.includes('q|SIP/a1|AGENTDUMP|'), lines.join('\n'));
    // The hangup at 3 cuts agent-intro short (play_file fails at once): dumped at 3; after the
    // retry (1 s) a1 is rung at 4, answers at 6, hears agent-intro to 10: CONNECT hold 10, ring 2.
    assert.ok(
      lines.some((l) => /^q\|SIP\/a1\|CONNECT\|10\|[^|]+\|2$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(c1.dead);
  } finally {
    w.close();
  }
});

test('AgentDump on the wire: caller and Dest channel groups, then Queue, Interface, MemberName', async () => {
  const { eventToAmi } = await import('../../src/modules/queue/index.js');
  const w = makeWorld(`[q]\nstrategy=ringall\nannounce=agent-intro\nmember => SIP/a1,0,Agent One\n`);
  try {
    w.pbx.endpoints.set('SIP/a1', { mode: 'answer', answerAfterMs: 1000, talkTimeMs: 500 });
    w.call('q', { patienceMs: 3000 });
    await w.clock.runUntil(T0 + 5000);
    const dump = w.events.find((e) => e.type === 'AgentDump');
    assert.ok(dump);
    const ami = eventToAmi(dump, (snap, prefix = '') => [[`${prefix}Channel`, snap.name]]);
    assert.equal(ami.name, 'AgentDump');
    assert.deepEqual(
      ami.headers.map(([n]) => n),
      ['Channel', 'DestChannel', 'Queue', 'Interface', 'MemberName'],
    );
    assert.deepEqual(ami.headers.slice(2), [
      ['Queue', 'q'],
      ['Interface', 'SIP/a1'],
      ['MemberName', 'Agent One'],
    ]);
    assert.ok(
      w.engine.logLines.some((l) => l.endsWith('|q|Agent One|AGENTDUMP|')),
      w.engine.logLines.join('\n'),
    );
  } finally {
    w.close();
  }
});

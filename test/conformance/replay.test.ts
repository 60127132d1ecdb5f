/**
 * The 26 conformance transcripts (test/fixtures/conformance) replayed against one amikit in the
 * order Asterisk recorded them, with every module the recording's Asterisk had (core, app_queue,
 * chan_sip with its stub, the HTTP manager), scored with the fidelity scorer: every message, in
 * order per connection, except where a race is declared (src/testing/fidelity/conformance.ts,
 * CONFORMANCE_RACES). `npm run -s fidelity -- --conformance` prints the same scores.
 *
 * A transcript below 100 % is listed in KNOWN_GAPS with the number of exact messages it reaches
 * and why it cannot reach all; raise an entry when amikit does better, never lower one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  conformanceTranscripts,
  startConformanceBench,
  type ConformanceBench,
  type ConformanceResult,
} from '../../src/testing/fidelity/conformance.js';
import type { Msg } from '../../src/testing/replay.js';

const KNOWN_GAPS: Record<string, { exact: number; why: string }> = {
  '14_queue_actions': {
    exact: 70,
    why:
      'Camp200 statistics (Abandoned: 2, user1 LastPause) come from 13_queue_wait_hangup, which is ' +
      'not in the set; test/queue/replay.test.ts replays 14 on that state, every message exact',
  },
  '20_status_lists': {
    exact: 52,
    why:
      "ListCommands lists every action of the recording's loaded modules (AGI, AOC, Bridge* ...); " +
      'amikit lists the ones it has (checked below: each one as Asterisk lists it)',
  },
  '28a_http_rawman': {
    exact: 41,
    why:
      "QueueStatus shows Camp200's completed call of 30_queue_call_connected, not in the set; " +
      'test/http/ajam-replay.test.ts replays 28a-28c on that state',
  },
  '28b_http_manager_html': { exact: 11, why: 'as 28a' },
  '28c_http_mxml': { exact: 15, why: 'as 28a' },
  '17_command': {
    exact: 17,
    why: '`queue show` shows the completed call of 30_queue_call_connected, as 28a',
  },
};

let bench: ConformanceBench;
const results = new Map<string, ConformanceResult>();

before(async () => {
  bench = await startConformanceBench();
});
after(async () => {
  await bench.dispose();
});

const names = conformanceTranscripts();

test('every checked-in transcript is replayed', () => {
  assert.equal(names.length, 26);
  for (const n of Object.keys(KNOWN_GAPS)) assert.ok(names.includes(n), `known gap ${n} is a transcript`);
});

// In recorded order, one after the other on the same server: state carries as it did in Asterisk.
for (const name of names) {
  test(`conformance ${name}`, { timeout: 60_000 }, async () => {
    const r = await bench.run(name);
    results.set(name, r);
    const gap = KNOWN_GAPS[name];
    const want = gap ? gap.exact : r.score.expected;
    assert.ok(
      r.score.exact >= want,
      `${name}: ${r.score.exact}/${r.score.expected} exact, at least ${want} expected` +
        `${gap ? ` (${gap.why})` : ''}\n${r.score.diffs.join('\n')}`,
    );
    const extra = r.conns.reduce((a, c) => a + c.extra, 0);
    assert.equal(extra, 0, `${name}: messages Asterisk did not send\n${r.score.diffs.join('\n')}`);
    if (!gap) assert.equal(r.score.score, 1, `${name}: ${r.score.diffs.join('\n')}`);
  });
}

test('ListCommands (20): every action amikit lists, Asterisk lists with the same synopsis and privilege', () => {
  const r = results.get('20_status_lists');
  assert.ok(r, '20 was replayed');
  const lines = (msgs: Msg[]): string[] =>
    (msgs.find((m) => m.headers.some(([n, v]) => n === 'ActionID' && v === 'lc-1'))?.headers ?? [])
      .filter(([n]) => n !== 'Response' && n !== 'ActionID')
      .map(([n, v]) => `${n}: ${v}`);
  const asterisk = new Set(r.messages.flatMap((c) => lines(c.expected)));
  const ours = r.messages.flatMap((c) => lines(c.got)).filter((l) => !l.startsWith('Sim'));
  assert.ok(ours.length > 50, `${ours.length} actions listed`);
  for (const l of ours) assert.ok(asterisk.has(l), `ListCommands line as Asterisk: ${l}`);
});

/**
 * Scores what a server sent on one connection against what Asterisk sent, in order. Messages are
 * aligned by their longest common subsequence; an expected message with no exact partner is paired
 * with the live message in its place and earns the share of its header lines that match (in
 * order); missing and extra messages earn nothing. The score is the credit over the number of
 * expected messages plus the extra ones, so a server that says more than Asterisk loses as much as
 * one that says less.
 *
 * Order is compared except where the scenario names a race (scenario.ts, RaceRule): a run of
 * consecutive messages that the rule covers may come in any order, or, when the rule has a key,
 * in any interleaving that keeps each source's (each channel's, each device's) own order; the
 * events a rule names as streams (raised by task processors of their own: device states, CDRs)
 * are compared apart, in their order per source only.
 */
import type { Msg } from '../replay.js';
import { globMatch, type RaceRule } from './scenario.js';

export interface ConnScore {
  expected: number;
  got: number;
  exact: number;
  /** Live messages with no expected partner. */
  extra: number;
  /** Sum of credits (exact = 1). */
  credit: number;
  /** credit / (expected + extra) */
  score: number;
  /** Readable differences (- expected, + got), at most `maxDiffs`. */
  diffs: string[];
}

/** Values that depend on timing Asterisk does not guarantee: compared with a tolerance. */
const TOLERANT = new Set([
  'holdtime',
  'talktime',
  'ringtime',
  'duration',
  'billableseconds',
  'seconds',
  'wait',
  'lastcall',
  'lastpause',
  'logintime',
  'wrapuptime',
]);

function header(m: Msg, name: string): string | undefined {
  const l = name.toLowerCase();
  return m.headers.find(([n]) => n.toLowerCase() === l)?.[1];
}

function kindOf(m: Msg): string {
  return header(m, 'Event') ?? (header(m, 'Response') !== undefined ? 'Response' : m.kind);
}

function lineEqual(a: [string, string], b: [string, string]): boolean {
  if (a[0] !== b[0]) return false;
  if (a[1] === b[1]) return true;
  // SIP qualify round trips (PeerStatus Time, `OK (3 ms)`) are the network's, not the server's.
  if (a[0] === 'Time' && /^\d+$/.test(a[1]) && /^\d+$/.test(b[1])) return true;
  if (/^OK \(\d+ ms\)$/.test(a[1]) && /^OK \(\d+ ms\)$/.test(b[1])) return true;
  if (TOLERANT.has(a[0].toLowerCase()) && /^\d+$/.test(a[1]) && /^\d+$/.test(b[1])) {
    const x = Number(a[1]);
    const y = Number(b[1]);
    // Seconds compare within one; epochs (LastCall, LoginTime...) within two.
    return Math.abs(x - y) <= (x > 1e9 ? 2 : 1);
  }
  return false;
}

export function messagesEqual(a: Msg, b: Msg): boolean {
  return a.headers.length === b.headers.length && a.headers.every((h, i) => lineEqual(h, b.headers[i]));
}

/** Share of a's header lines found in b in the same order (LCS over lines). */
function similarity(a: Msg, b: Msg): number {
  if (kindOf(a) !== kindOf(b)) return 0;
  const n = a.headers.length;
  const m = b.headers.length;
  const dp: number[] = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    let prev = 0;
    for (let j = 1; j <= m; j++) {
      const tmp = dp[j];
      dp[j] = lineEqual(a.headers[i - 1], b.headers[j - 1]) ? prev + 1 : Math.max(dp[j], dp[j - 1]);
      prev = tmp;
    }
  }
  return dp[m] / Math.max(n, m, 1);
}

function covered(m: Msg, rule: RaceRule): boolean {
  if (!rule.events.includes(kindOf(m))) return false;
  return Object.entries(rule.match ?? {}).every(([k, v]) => {
    const x = header(m, k);
    return x !== undefined && globMatch(v, x);
  });
}

/**
 * The source a message comes from: the value of the first of the key headers it has (a channel is
 * one source under any header), apart for each of the rule's streams.
 */
function sourceOf(m: Msg, key: string[], streams: string[] = []): string {
  let source = '';
  for (const k of key) {
    const v = header(m, k);
    if (v !== undefined) {
      source = v;
      break;
    }
  }
  // A stream's messages about one channel or device keep their order; the stream's thread does
  // not order them across channels or devices either.
  const kind = kindOf(m);
  return streams.includes(kind) ? `\u0001${kind}\u0000${source}` : source;
}

function renderMsg(m: Msg): string {
  return m.headers.map(([n, v]) => `${n}: ${v}`).join(' | ');
}

function isResponse(m: Msg): boolean {
  return header(m, 'Event') === undefined && header(m, 'Response') !== undefined;
}

/**
 * A floating rule: between two responses (or the ends), the covered messages leave their places and
 * follow the other messages, in a canonical order, on both sides alike.
 */
function floatOrder(msgs: Msg[], rule: RaceRule): Msg[] {
  const out: Msg[] = [];
  let floating: Msg[] = [];
  const flush = (): void => {
    out.push(
      ...floating
        .map((m) => [renderMsg(m), m] as const)
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
        .map((x) => x[1]),
    );
    floating = [];
  };
  for (const m of msgs) {
    if (isResponse(m) || m.kind === 'close') {
      flush();
      out.push(m);
    } else if (covered(m, rule)) floating.push(m);
    else out.push(m);
  }
  flush();
  return out;
}

/**
 * Puts each run of messages a race rule covers in a canonical order, on both sides alike, so that
 * the order inside the run no longer counts.
 */
export function canonicalOrder(msgs: Msg[], races: RaceRule[]): Msg[] {
  let out = msgs;
  for (const rule of races) {
    if (rule.floats) {
      out = floatOrder(out, rule);
      continue;
    }
    const next: Msg[] = [];
    let run: Msg[] = [];
    const flush = (): void => {
      // With a key, a stable sort by source keeps each source's own order; without, any order.
      const rank = (m: Msg): string => (rule.key ? sourceOf(m, rule.key, rule.streams) : renderMsg(m));
      next.push(
        ...run
          .map((m, i) => [rank(m), i, m] as const)
          .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))
          .map((x) => x[2]),
      );
      run = [];
    };
    for (const m of out) {
      if (covered(m, rule)) run.push(m);
      else {
        flush();
        next.push(m);
      }
    }
    flush();
    out = next;
  }
  return out;
}

/**
 * The messages of a rule's streams, taken out of the sequence: each stream's thread raises them
 * whenever it runs, so they keep their order per source only, not their place among the others.
 */
function splitStreams(msgs: Msg[], races: RaceRule[]): { main: Msg[]; streams: Msg[] } {
  const rules = races.filter((r) => r.key && r.streams?.length);
  if (!rules.length) return { main: msgs, streams: [] };
  const main: Msg[] = [];
  const streams: Array<[string, number, Msg]> = [];
  msgs.forEach((m, i) => {
    const rule = rules.find((r) => covered(m, r) && r.streams?.includes(kindOf(m)));
    if (rule) streams.push([sourceOf(m, rule.key ?? [], rule.streams), i, m]);
    else main.push(m);
  });
  streams.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  return { main, streams: streams.map((x) => x[2]) };
}

export function scoreConnection(
  expected: Msg[],
  got: Msg[],
  races: RaceRule[] = [],
  maxDiffs = 20,
): ConnScore {
  const e = splitStreams(expected, races);
  const g = splitStreams(got, races);
  const main = scoreSequence(canonicalOrder(e.main, races), canonicalOrder(g.main, races), maxDiffs);
  if (!e.streams.length && !g.streams.length) return main;
  const side = scoreSequence(e.streams, g.streams, Math.max(0, maxDiffs - main.diffs.length));
  const expectedN = main.expected + side.expected;
  const extra = main.extra + side.extra;
  const credit = main.credit + side.credit;
  return {
    expected: expectedN,
    got: main.got + side.got,
    exact: main.exact + side.exact,
    extra,
    credit,
    score: expectedN + extra ? credit / (expectedN + extra) : 1,
    diffs: [...main.diffs, ...side.diffs],
  };
}

/** Scores two sequences in their order (see the head of this file). */
function scoreSequence(e: Msg[], g: Msg[], maxDiffs: number): ConnScore {
  const n = e.length;
  const m = g.length;
  // LCS table of exact matches (sizes are a few hundred messages per connection).
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      dp[i][j] = messagesEqual(e[i], g[j]) ? dp[i + 1][j + 1] + 1 : Math.max(dp[i + 1][j], dp[i][j + 1]);
  let i = 0;
  let j = 0;
  let exact = 0;
  let credit = 0;
  let extra = 0;
  const diffs: string[] = [];
  const gapE: Msg[] = [];
  const gapG: Msg[] = [];
  const settleGap = (): void => {
    // Pair the unmatched messages of a gap in order, each with its most similar partner ahead.
    let k = 0;
    for (const x of gapE) {
      let best = -1;
      let bestSim = 0;
      for (let q = k; q < gapG.length; q++) {
        const s = similarity(x, gapG[q]);
        if (s > bestSim) {
          bestSim = s;
          best = q;
        }
      }
      if (best >= 0) {
        for (let q = k; q < best; q++) {
          extra++;
          if (diffs.length < maxDiffs) diffs.push(`+ ${renderMsg(gapG[q])}`);
        }
        credit += bestSim;
        if (diffs.length < maxDiffs) diffs.push(`- ${renderMsg(x)}\n+ ${renderMsg(gapG[best])}`);
        k = best + 1;
      } else if (diffs.length < maxDiffs) diffs.push(`- ${renderMsg(x)}`);
    }
    for (let q = k; q < gapG.length; q++) {
      extra++;
      if (diffs.length < maxDiffs) diffs.push(`+ ${renderMsg(gapG[q])}`);
    }
    gapE.length = 0;
    gapG.length = 0;
  };
  while (i < n || j < m) {
    if (i < n && j < m && messagesEqual(e[i], g[j]) && dp[i][j] === dp[i + 1][j + 1] + 1) {
      settleGap();
      exact++;
      credit++;
      i++;
      j++;
    } else if (j >= m || (i < n && dp[i + 1][j] >= dp[i][j + 1])) gapE.push(e[i++]);
    else gapG.push(g[j++]);
  }
  settleGap();
  const denom = n + extra;
  return { expected: n, got: m, exact, extra, credit, score: denom ? credit / denom : 1, diffs };
}

export interface ScenarioScore {
  name: string;
  expected: number;
  exact: number;
  score: number;
  diffs: string[];
}

/** A scenario's score: every connection's messages together (plus one for each close). */
export function combine(name: string, conns: ConnScore[]): ScenarioScore {
  let credit = 0;
  let denom = 0;
  let exact = 0;
  let expected = 0;
  for (const c of conns) {
    credit += c.credit;
    denom += c.expected + c.extra;
    exact += c.exact;
    expected += c.expected;
  }
  return {
    name,
    expected,
    exact,
    score: denom ? credit / denom : 1,
    diffs: conns.flatMap((c) => c.diffs),
  };
}

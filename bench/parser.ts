/**
 * Parser throughput: amikit's AmiParser against the npm AMI parsers and a naive split, on a synthetic
 * Asterisk 20 event stream (bench/lib/gen-stream.ts), fed in 64 KB chunks with a setImmediate between
 * chunks, each parser in a fresh child process per round (order rotated), median of the rounds.
 *
 *   node --import tsx bench/parser.ts [--size-mb 50] [--runs 5] [--chunk 65536] [--parsers a,b] [--no-check]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { busyFraction, cpuSnap, fmt, fmtRatio, loadavg, median, parseArgs, table } from './lib/common.js';
import { generate, type GenMeta } from './lib/gen-stream.js';
import { ALL_DRIVERS, OURS, PARSERS, PEERS } from './lib/parsers.js';

export interface ParserBenchOptions {
  sizeMb: number;
  runs: number;
  chunk: number;
  warmupMb: number;
  seed: number;
  parsers: string[];
  check: boolean;
  /** Write a CPU profile of each amikit worker's timed run into this directory. */
  cpuProfDir?: string;
  log?: (line: string) => void;
}

interface WorkerRun {
  name: string;
  ms: number;
  mbps: number;
  cpuMs: number;
  mbpsCpu: number;
  msgs: number;
  event: number;
  response: number;
  other: number;
  msgsPerS: number;
  rssMiB: number;
}

interface CheckPart {
  expected: number;
  produced: number;
  empty: number;
  compared: number;
  badMessages: number;
  categories: Record<string, number>;
  examples: Record<string, unknown>;
  repeatedExpected: number;
  repeatedKept: number;
}

export interface ParserRow {
  name: string;
  medianMbps: number;
  minMbps: number;
  maxMbps: number;
  medianMsgsPerS: number;
  /** Bytes per second of the worker's own CPU time (user+system): less sensitive to a busy machine. */
  medianMbpsCpu: number;
  /** Median over rounds of (this parser's MB/s / the fastest npm peer's MB/s in the same round). */
  ratioToFastestPeer: number | null;
  ratioToNaive: number | null;
  counts: number[];
  countOk: boolean;
  check: { stream: CheckPart; torture: CheckPart } | { error: string } | null;
  runs: WorkerRun[];
}

export interface ParserBenchResult {
  stream: GenMeta & { file: string; chunk: number };
  runs: number;
  machineBusy: number | null;
  loadavgBefore: string;
  loadavgAfter: string;
  fastestPeer: string | null;
  rows: ParserRow[];
}

const WORKER = join(import.meta.dirname, 'parser-worker.ts');
const ROOT = join(import.meta.dirname, '..');

function runWorker(
  o: ParserBenchOptions,
  name: string,
  file: string,
  extra: string[],
  nodeFlags: string[] = [],
): unknown {
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--expose-gc',
      ...nodeFlags,
      WORKER,
      '--parser',
      name,
      '--file',
      file,
      '--chunk',
      String(o.chunk),
      '--warmup-mb',
      String(o.warmupMb),
      '--size-mb',
      String(o.sizeMb),
      '--seed',
      String(o.seed),
      ...extra,
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0)
    return { error: `${r.error ? String(r.error) : `exit ${r.status}`} ${(r.stderr || '').slice(-400)}` };
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

/** The stream file for (size, seed), generated once and cached in the temp directory. */
export function streamFile(sizeMb: number, seed: number): { file: string; meta: GenMeta } {
  const file = join(tmpdir(), `amikit-bench-stream-v1-${sizeMb}MB-s${seed}.bin`);
  const metaFile = file + '.json';
  if (existsSync(file) && existsSync(metaFile)) {
    return { file, meta: JSON.parse(readFileSync(metaFile, 'utf8')) as GenMeta };
  }
  const g = generate({ targetBytes: sizeMb * 1024 * 1024, seed });
  writeFileSync(file, g.buf);
  writeFileSync(metaFile, JSON.stringify(g.meta));
  return { file, meta: g.meta };
}

export async function runParserBench(o: ParserBenchOptions): Promise<ParserBenchResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  for (const n of o.parsers) {
    if (!ALL_DRIVERS[n])
      throw new Error(`unknown parser ${n}; known: ${Object.keys(ALL_DRIVERS).join(', ')}`);
  }
  const { file, meta } = streamFile(o.sizeMb, o.seed);
  log(
    `parser: stream ${(meta.bytes / 1048576).toFixed(1)} MiB, ${fmt(meta.messages)} messages (${fmt(meta.events)} events, ` +
      `${fmt(meta.responses)} responses, ${meta.strayCrlf} stray CRLFs, ${meta.nonAscii} non-ASCII, ` +
      `${fmt(meta.repeatedHeaderMessages)} with repeated headers); ${o.chunk} B chunks; ${o.runs} rounds`,
  );

  const checks: Record<string, ParserRow['check']> = {};
  if (o.check) {
    for (const n of o.parsers) {
      const c = runWorker(o, n, file, ['--check']) as ParserRow['check'];
      checks[n] = c;
      if (c && 'error' in c) log(`  check ${n}: ERROR ${c.error}`);
      else if (c) {
        const f = (x: CheckPart): string =>
          `${x.produced - x.empty}/${x.expected} msgs${x.empty ? ` (+${x.empty} empty)` : ''}, ${x.badMessages} with differences` +
          (x.badMessages ? ` ${JSON.stringify(x.categories)}` : '') +
          `, repeated headers kept in ${x.repeatedKept}/${x.repeatedExpected}`;
        log(`  check ${n.padEnd(26)} 64K: ${f(c.stream)}; 97-byte chunks, 20% UTF-8: ${f(c.torture)}`);
      }
    }
  }

  const la0 = loadavg();
  const s0 = cpuSnap();
  const rounds: Array<Record<string, WorkerRun | { error: string }>> = [];
  for (let r = 0; r < o.runs; r++) {
    const order = o.parsers.map((_, i) => o.parsers[(i + r) % o.parsers.length]);
    const round: Record<string, WorkerRun | { error: string }> = {};
    for (const n of order) {
      const prof =
        o.cpuProfDir && n.startsWith('amikit')
          ? ['--cpu-prof', '--cpu-prof-dir', o.cpuProfDir, '--cpu-prof-name', `${n}-r${r + 1}.cpuprofile`]
          : [];
      const res = runWorker(o, n, file, [], prof) as WorkerRun | { error: string };
      round[n] = res;
      if ('error' in res) log(`  round ${r + 1} ${n}: ERROR ${res.error}`);
      else
        log(
          `  round ${r + 1} ${n.padEnd(26)} ${res.mbps.toFixed(1).padStart(7)} MB/s ${fmt(res.msgsPerS).padStart(9)} msg/s  ${res.msgs} msgs`,
        );
    }
    rounds.push(round);
  }
  const busy = busyFraction(s0, cpuSnap());

  const ok = (x: WorkerRun | { error: string } | undefined): x is WorkerRun =>
    x !== undefined && !('error' in x);
  const peers = o.parsers.filter((n) => PEERS.includes(n));
  const rows: ParserRow[] = [];
  for (const n of o.parsers) {
    const runs = rounds.map((r) => r[n]).filter(ok);
    if (!runs.length) continue;
    const mb = runs.map((x) => x.mbps);
    const ratioPeer: number[] = [];
    const ratioNaive: number[] = [];
    for (const r of rounds) {
      const me = r[n];
      if (!ok(me)) continue;
      const best = Math.max(
        ...peers
          .map((p) => r[p])
          .filter(ok)
          .map((x) => x.mbps),
      );
      if (Number.isFinite(best)) ratioPeer.push(me.mbps / best);
      const nv = r.naive;
      if (ok(nv)) ratioNaive.push(me.mbps / nv.mbps);
    }
    const counts = [...new Set(runs.map((x) => x.msgs))];
    rows.push({
      name: n,
      medianMbps: median(mb),
      minMbps: Math.min(...mb),
      maxMbps: Math.max(...mb),
      medianMsgsPerS: median(runs.map((x) => x.msgsPerS)),
      medianMbpsCpu: median(runs.map((x) => x.mbpsCpu)),
      ratioToFastestPeer: ratioPeer.length ? median(ratioPeer) : null,
      ratioToNaive: ratioNaive.length ? median(ratioNaive) : null,
      counts,
      countOk: counts.length === 1 && counts[0] === meta.messages,
      check: checks[n] ?? null,
      runs,
    });
  }
  const peerRows = rows.filter((r) => PEERS.includes(r.name)).sort((a, b) => b.medianMbps - a.medianMbps);
  const result: ParserBenchResult = {
    stream: { ...meta, file, chunk: o.chunk },
    runs: o.runs,
    machineBusy: busy,
    loadavgBefore: la0,
    loadavgAfter: loadavg(),
    fastestPeer: peerRows[0]?.name ?? null,
    rows,
  };
  return result;
}

/** Short text for the check column. */
function checkText(r: ParserRow, expected: number): string {
  const c = r.check;
  const count = r.countOk ? `${r.counts[0]} msgs ok` : `count ${r.counts.join('/')} of ${expected}`;
  if (!c) return count;
  if ('error' in c) return `${count}; check error`;
  const s = c.stream;
  const t = c.torture;
  const parts: string[] = [count];
  if (s.badMessages === 0 && t.badMessages === 0) parts.push('all fields exact');
  else {
    const cats = { ...s.categories };
    for (const [k, v] of Object.entries(t.categories)) cats[k] = (cats[k] ?? 0) + v;
    parts.push(
      `${s.badMessages + t.badMessages} msgs differ (${Object.entries(cats)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );
  }
  parts.push(`repeated kept ${s.repeatedKept + t.repeatedKept}/${s.repeatedExpected + t.repeatedExpected}`);
  return parts.join('; ');
}

export function parserTable(res: ParserBenchResult): string {
  const fastest = res.fastestPeer;
  const order = [
    ...OURS,
    ...Object.keys(ALL_DRIVERS).filter((n) => n.startsWith('proto:')),
    'naive',
    ...PEERS,
  ];
  const rows = [...res.rows].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
  return table(
    ['parser', '>MB/s', '>(min-max)', '>MB/CPU-s', '>msgs/s', `>x ${fastest ?? 'peer'}`, '>x naive', 'check'],
    rows.map((r) => [
      r.name,
      r.medianMbps.toFixed(1),
      `${r.minMbps.toFixed(0)}-${r.maxMbps.toFixed(0)}`,
      r.medianMbpsCpu.toFixed(1),
      fmt(r.medianMsgsPerS),
      fmtRatio(r.ratioToFastestPeer),
      fmtRatio(r.ratioToNaive),
      checkText(r, res.stream.messages),
    ]),
  );
}

export const PARSER_DEFAULTS = {
  'size-mb': 50,
  runs: 5,
  chunk: 65536,
  'warmup-mb': 5,
  seed: 20,
  parsers: Object.keys(PARSERS).join(','),
  'no-check': false,
  'cpu-prof-dir': '',
};

if (import.meta.filename === process.argv[1]) {
  const a = parseArgs(process.argv.slice(2), PARSER_DEFAULTS);
  const res = await runParserBench({
    sizeMb: a['size-mb'],
    runs: a.runs,
    chunk: a.chunk,
    warmupMb: a['warmup-mb'],
    seed: a.seed,
    parsers: a.parsers.split(','),
    check: !a['no-check'],
    cpuProfDir: a['cpu-prof-dir'] || undefined,
  });
  console.log('\n' + parserTable(res));
}

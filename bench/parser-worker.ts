/**
 * One parser, one fresh process: either a timed pass over the stream file (after a warm-up on its first
 * megabytes) or a field-by-field check against the generator's own reference. Prints one JSON line.
 * Started by bench/parser.ts; not meant to be run by hand (but it can be, with the same options).
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseArgs } from './lib/common.js';
import { generate, type Pair } from './lib/gen-stream.js';
import { ALL_DRIVERS as PARSERS, normalise, type Kind, type OnMsg } from './lib/parsers.js';

const opts = parseArgs(process.argv.slice(2), {
  parser: '',
  file: '',
  chunk: 65536,
  'warmup-mb': 5,
  check: false,
  'size-mb': 50,
  seed: 20,
});

const immediate = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Feeds `buf` (up to `limit` bytes) in chunks, yielding to the event loop after each as a socket would. */
async function feedAll(name: string, buf: Buffer, chunk: number, limit: number, onMsg: OnMsg): Promise<void> {
  const p = PARSERS[name](onMsg);
  const end = Math.min(limit, buf.length);
  for (let off = 0; off < end; off += chunk) {
    p.feed(buf.subarray(off, Math.min(off + chunk, end)));
    await immediate();
  }
  // asterisk-manager dispatches on process.nextTick; let everything settle
  await immediate();
  await immediate();
}

interface CheckResult {
  expected: number;
  produced: number;
  /** Messages that came out with no header at all (a stray CRLF taken for a message), not compared. */
  empty: number;
  compared: number;
  badMessages: number;
  categories: Record<string, number>;
  examples: Record<string, unknown>;
  /** Reference messages with a repeated header name, and how many of them came out with every value. */
  repeatedExpected: number;
  repeatedKept: number;
}

function refMap(pairs: Pair[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const [k, v] of pairs) {
    const key = k.toLowerCase();
    const cur = m.get(key);
    if (cur) cur.push(v);
    else m.set(key, [v]);
  }
  return m;
}

/** Parses `buf` and compares every produced message, as it arrives, with the reference. */
async function check(name: string, buf: Buffer, ref: Pair[][], chunk: number): Promise<CheckResult> {
  const res: CheckResult = {
    expected: ref.length,
    produced: 0,
    empty: 0,
    compared: 0,
    badMessages: 0,
    categories: {},
    examples: {},
    repeatedExpected: ref.filter((p) => refMap(p).size < p.length).length,
    repeatedKept: 0,
  };
  const cat = (c: string, ex: unknown): void => {
    res.categories[c] = (res.categories[c] ?? 0) + 1;
    if (!(c in res.examples)) res.examples[c] = ex;
  };
  await feedAll(name, buf, chunk, buf.length, (_kind, o) => {
    res.produced++;
    const gm = normalise(name, o);
    if (gm.size === 0) {
      res.empty++;
      return;
    }
    const i = res.compared;
    if (i >= ref.length) return;
    res.compared++;
    const rm = refMap(ref[i]);
    const seen = new Set<string>();
    let repeatedOk = true;
    for (const [k, rv] of rm) {
      const gv = gm.get(k);
      let c: string | null = null;
      if (!gv) c = 'key-missing';
      else if (gv.length === rv.length && gv.every((v, j) => v === rv[j])) c = null;
      else if (name === 'asterisk-manager' && (k === 'variable' || k === 'chanvariable'))
        c = `${k}-became-object`;
      else if (gv.length < rv.length) c = 'repeated-values-lost';
      else if (gv.length === rv.length && gv.every((v, j) => v.trim() === rv[j].trim()))
        c = 'whitespace-changed';
      else c = 'value-differs';
      if (c && rv.length > 1) repeatedOk = false;
      if (c && !seen.has(c)) {
        seen.add(c);
        cat(c, { msg: i, key: k, expected: rv, got: gv ?? null });
      }
    }
    for (const k of gm.keys()) {
      if (!rm.has(k) && !seen.has('extra-key')) {
        seen.add('extra-key');
        cat('extra-key', { msg: i, key: k, got: gm.get(k) });
      }
    }
    if (seen.size) res.badMessages++;
    if (rm.size < ref[i].length && repeatedOk) res.repeatedKept++;
  });
  return res;
}

const name = opts.parser;
if (!PARSERS[name]) {
  console.error(`unknown parser ${name}; known: ${Object.keys(PARSERS).join(', ')}`);
  process.exit(2);
}

if (opts.check) {
  const ref: Pair[][] = [];
  const g = generate({ targetBytes: opts['size-mb'] * 1024 * 1024, seed: opts.seed }, (p) => ref.push(p));
  const stream = await check(name, g.buf, ref, opts.chunk);
  // boundary torture: a small stream with 20% non-ASCII caller names fed in 97-byte chunks
  const ref2: Pair[][] = [];
  const t = generate({ targetBytes: 512 * 1024, seed: 7, utf8Share: 0.2 }, (p) => ref2.push(p));
  const torture = await check(name, t.buf, ref2, 97);
  process.stdout.write(JSON.stringify({ name, stream, torture }) + '\n');
} else {
  const buf = readFileSync(opts.file);
  const cnt: Record<Kind, number> = { event: 0, response: 0, other: 0 };
  await feedAll(name, buf, opts.chunk, opts['warmup-mb'] * 1024 * 1024, () => {});
  (globalThis as { gc?: () => void }).gc?.();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await feedAll(name, buf, opts.chunk, buf.length, (kind) => {
    cnt[kind]++;
  });
  const ms = performance.now() - t0;
  const cu = process.cpuUsage(c0);
  const cpuMs = (cu.user + cu.system) / 1000;
  const msgs = cnt.event + cnt.response + cnt.other;
  process.stdout.write(
    JSON.stringify({
      name,
      bytes: buf.length,
      ms,
      mbps: buf.length / 1048576 / (ms / 1000),
      cpuMs,
      mbpsCpu: buf.length / 1048576 / (cpuMs / 1000),
      msgs,
      ...cnt,
      msgsPerS: msgs / (ms / 1000),
      rssMiB: process.memoryUsage().rss / 1048576,
    }) + '\n',
  );
}
process.exit(0);

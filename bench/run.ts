/**
 * amikit's benchmark suite (loopback only, bounded, stops by itself).
 *
 *   npm run bench                         full run (parser 50 MB x 5 rounds; server sections x 3 runs)
 *   npm run bench -- --quick              short run (parser 16 MB x 3 rounds; server sections x 1 run)
 *   npm run bench -- --only parser,ping   sections: parser, ping, fanout, memory ('server' = these three), calls
 *   other options: --runs N  --size-mb N  --parsers a,b  --out FILE  --no-check  --cpu-prof-dir DIR
 *
 * Prints readable tables and writes bench/results.json (see docs/benchmarks.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fmt, loadavg, machine, parseArgs, table } from './lib/common.js';
import { PARSER_DEFAULTS, parserTable, runParserBench, type ParserBenchResult } from './parser.js';
import { fanoutTable, mib, pingTable, runServerBench, type ServerBenchResult } from './server.js';
import { CALL_DEFAULTS, callTables, runCallBench, type CallBenchResult } from './calls.js';

interface Baselines {
  source: string;
  asterisk: {
    version: string;
    ping: Array<{ conns: number; window: number; rate: number; p50Us: number; p99Us: number }>;
    fanout: Array<{
      subs: number;
      deliveredRate: number;
      perSubRate: number;
      latP50Ms: number;
      latP99Ms: number;
      lost: number;
    }>;
    memory: { idleMiB: number; sessions: number; loggedInMiB: number };
  };
}

const SECTIONS = ['parser', 'ping', 'fanout', 'memory', 'calls'];

let a: ReturnType<typeof parseOpts>;
function parseOpts() {
  return parseArgs(process.argv.slice(2), {
    quick: false,
    only: SECTIONS.join(','),
    runs: 0,
    'size-mb': 0,
    parsers: PARSER_DEFAULTS.parsers,
    out: join(import.meta.dirname, 'results.json'),
    'no-check': false,
    'cpu-prof-dir': '',
  });
}
try {
  a = parseOpts();
} catch (e) {
  console.error(String((e as Error).message));
  process.exit(2);
}

const sections = new Set(
  a.only
    .split(',')
    .flatMap((s) => (s === 'server' ? ['ping', 'fanout', 'memory'] : [s.trim()]))
    .filter(Boolean),
);
for (const s of sections) {
  if (!SECTIONS.includes(s)) {
    console.error(`unknown section ${s}; known: ${SECTIONS.join(', ')}, server`);
    process.exit(2);
  }
}
const baselines = JSON.parse(readFileSync(join(import.meta.dirname, 'baselines.json'), 'utf8')) as Baselines;
const started = new Date();
const t0 = performance.now();
const mode = a.quick ? 'quick' : 'full';
console.log(
  `amikit bench (${mode}) ${started.toISOString()} node ${process.version}, ${machine().cpus} CPUs, loadavg ${loadavg()}; sections: ${[...sections].join(', ')}`,
);

let parser: ParserBenchResult | undefined;
if (sections.has('parser')) {
  parser = await runParserBench({
    sizeMb: a['size-mb'] || (a.quick ? 16 : 50),
    runs: a.runs || (a.quick ? 3 : 5),
    chunk: 65536,
    warmupMb: a.quick ? 2 : 5,
    seed: 20,
    parsers: a.parsers.split(','),
    check: !a['no-check'],
    cpuProfDir: a['cpu-prof-dir'] || undefined,
  });
}

let server: ServerBenchResult | undefined;
const serverSections = new Set([...sections].filter((s) => s !== 'parser' && s !== 'calls'));
if (serverSections.size) {
  server = await runServerBench({
    sections: serverSections,
    quick: a.quick,
    runs: a.runs || (a.quick ? 1 : 3),
  });
}

let calls: CallBenchResult | undefined;
if (sections.has('calls')) {
  const d = a.quick ? CALL_DEFAULTS.quick : CALL_DEFAULTS.full;
  calls = await runCallBench({ ...d, ...CALL_DEFAULTS.common, phaseTimeoutS: a.quick ? 20 : 120 });
}

// ------------------------------------------------------------------ report
const out: string[] = [];
if (parser) {
  const ours = parser.rows.find((r) => r.name === 'amikit');
  out.push(
    `\n## Parser: ${(parser.stream.bytes / 1048576).toFixed(1)} MiB synthetic Asterisk 20 stream, ${fmt(parser.stream.messages)} messages, ` +
      `64 KB chunks, median of ${parser.runs} rounds (machine busy ${parser.machineBusy === null ? '?' : Math.round(parser.machineBusy * 100)}%)`,
    parserTable(parser),
  );
  if (ours && ours.ratioToFastestPeer !== null) {
    out.push(
      `amikit (lazy) is ${ours.ratioToFastestPeer.toFixed(2)}x the fastest npm peer (${parser.fastestPeer}); target >= 5x: ${ours.ratioToFastestPeer >= 5 ? 'met' : 'NOT met'}`,
    );
  }
}
if (server?.memory) {
  const m = server.memory;
  const b = baselines.asterisk.memory;
  out.push(
    `\n## Memory (server RSS; ${server.server.runtime})`,
    table(
      ['state', '>amikit', `>Asterisk ${baselines.asterisk.version}`, '>ratio'],
      [
        [
          'idle',
          mib(m.idleKiB),
          `${b.idleMiB} MiB`,
          m.idleKiB ? `${(m.idleKiB / 1024 / b.idleMiB).toFixed(2)}x` : '-',
        ],
        [
          `${m.sessions} sessions logged in`,
          mib(m.loggedInKiB),
          `${b.loggedInMiB} MiB`,
          m.loggedInKiB ? `${(m.loggedInKiB / 1024 / b.loggedInMiB).toFixed(2)}x` : '-',
        ],
        ['after logoff', mib(m.afterLogoffKiB), '-', '-'],
      ],
    ),
  );
}
if (server?.ping) {
  out.push(
    `\n## Pipelined Ping round trips (median of ${server.ping[0]?.runs.length ?? 0} run(s); ratio = amikit / Asterisk, higher is better)`,
    pingTable(server.ping, baselines.asterisk.ping),
  );
}
if (server?.fanout) {
  out.push(
    `\n## Event fan-out: 1 producer, UserEvent, 64 outstanding (ratio = delivered/s amikit / Asterisk)`,
    fanoutTable(server.fanout, baselines.asterisk.fanout),
  );
}
if (calls) {
  out.push(`\n## Calls (${calls.runtime}; real clock)`, callTables(calls));
}
const busyRuns = [
  parser?.machineBusy ?? null,
  ...(server?.ping ?? []).flatMap((p) => p.runs.map((r) => r.machineBusy)),
  ...(server?.fanout ?? []).map((f) => f.machineBusy),
  ...(calls?.scenarios ?? []).map((c) => c.setup.machineBusy),
].filter((x): x is number => x !== null);
const cores = machine().cpus;
const load1 = Number(loadavg().split(' ')[0]);
if (busyRuns.some((b) => b > 0.97) || load1 > cores * 1.5) {
  out.push(
    `\nWARNING: the machine was busy (load average ${loadavg()} on ${cores} CPUs): absolute figures are low and noisy; ` +
      'prefer same-run ratios and the MB/CPU-s column.',
  );
}
const elapsed = (performance.now() - t0) / 1000;
out.push(`\nloadavg at end ${loadavg()}; ${elapsed.toFixed(0)} s; results in ${a.out}`);
console.log(out.join('\n'));

const json = JSON.stringify(
  {
    tool: 'amikit bench',
    mode,
    date: started.toISOString(),
    elapsedS: elapsed,
    machine: machine(),
    argv: process.argv.slice(2),
    baselinesSource: baselines.source,
    parser,
    server,
    calls,
    baselines: baselines.asterisk,
  },
  null,
  2,
);
// Formatted as the repo's prettier config wants it, so that `npm run format:check` stays clean.
let text = json + '\n';
try {
  const prettier = await import('prettier');
  const cfg = (await prettier.resolveConfig(a.out)) ?? {};
  text = await prettier.format(json, { ...cfg, parser: 'json' });
} catch {
  // prettier is a devDependency; without it the plain JSON is written
}
writeFileSync(a.out, text);

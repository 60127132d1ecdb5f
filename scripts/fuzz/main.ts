/**
 * `npm run fuzz`: mutation fuzzing of every input surface, outside the test suite.
 *
 *   npm run fuzz -- [--inputs 10000000] [--targets parser,session,rawman,ws,sip]
 *                   [--share parser=0.9,session=0.04,rawman=0.02,ws=0.02,sip=0.02] [--seed N]
 *                   [--concurrency 4] [--out fuzz-report.json]
 *
 * One amikit runs in this process on the recorded conformance configuration (ephemeral loopback ports,
 * a temporary data directory). Inputs are recorded client messages, mutated (scripts/fuzz/corpus.ts).
 * A crash is an uncaught exception or unhandled rejection anywhere in the process, or a parser that
 * throws; a hang is a server that does not answer the liveness probe after an input (Ping over AMI or
 * WebSocket, a full HTTP response, OPTIONS over SIP). The run prints progress every 10 s and a summary
 * (inputs per target, crashes, hangs, peak RSS); the exit status is 1 if anything crashed or hung.
 */
import { fork } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmikit } from '../../src/server.js';
import { silentLogger } from '../../src/logger.js';
import {
  AmiSessionTarget,
  HangError,
  Rng,
  SipTarget,
  TARGETS,
  WsTarget,
  chunkSizes,
  fuzzHttpRequest,
  httpFromAmi,
  loadCorpus,
  mutatedInput,
  rawmanLogin,
  wsInput,
  stats,
  type TargetName,
} from './targets.js';
import { CONFORMANCE_DIR } from './corpus.js';

interface Options {
  inputs: number;
  targets: TargetName[];
  share: Record<TargetName, number>;
  seed: number;
  concurrency: number;
  out: string | undefined;
}

const DEFAULT_SHARE: Record<TargetName, number> = {
  parser: 0.9,
  session: 0.04,
  rawman: 0.02,
  ws: 0.02,
  sip: 0.02,
};

function parseArgs(argv: string[]): Options {
  const o: Options = {
    inputs: 1_000_000,
    targets: [...TARGETS],
    share: { ...DEFAULT_SHARE },
    seed: Date.now() >>> 0,
    concurrency: 4,
    out: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--inputs') o.inputs = Number(v().replace(/_/g, ''));
    else if (a === '--targets') {
      o.targets = v().split(',') as TargetName[];
      for (const t of o.targets) if (!TARGETS.includes(t)) throw new Error(`unknown target ${t}`);
    } else if (a === '--share')
      for (const kv of v().split(',')) {
        const [k, n] = kv.split('=');
        if (!TARGETS.includes(k as TargetName)) throw new Error(`unknown target ${k}`);
        o.share[k as TargetName] = Number(n);
      }
    else if (a === '--seed') o.seed = Number(v()) >>> 0;
    else if (a === '--concurrency') o.concurrency = Math.max(1, Number(v()));
    else if (a === '--out') o.out = v();
    else if (a === '--help' || a === '-h') {
      console.log(
        'usage: npm run fuzz -- [--inputs N] [--targets parser,session,rawman,ws,sip] [--share t=f,...] [--seed N] [--concurrency N] [--out file.json]',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isFinite(o.inputs) || o.inputs < 1) throw new Error('--inputs must be a positive number');
  return o;
}

/** Splits the total over the chosen targets in proportion to their shares. */
function quotas(o: Options): Record<TargetName, number> {
  const total = o.targets.reduce((s, t) => s + o.share[t], 0);
  const q = { parser: 0, session: 0, rawman: 0, ws: 0, sip: 0 };
  for (const t of o.targets) q[t] = Math.floor((o.inputs * o.share[t]) / total);
  q[o.targets[0]] += o.inputs - o.targets.reduce((s, t) => s + q[t], 0);
  return q;
}

interface Failure {
  target: string;
  kind: 'crash' | 'hang';
  message: string;
  input?: string;
}

const counts: Record<TargetName, number> = { parser: 0, session: 0, rawman: 0, ws: 0, sip: 0 };
const failures: Failure[] = [];
let lastInput: { target: string; input: Buffer } | undefined;

function record(f: Failure): void {
  failures.push(f);
  console.error(`[${f.kind}] ${f.target}: ${f.message}`);
}

process.on('uncaughtException', (e) =>
  record({
    target: lastInput?.target ?? '?',
    kind: 'crash',
    message: e.stack ?? String(e),
    input: lastInput?.input.toString('base64'),
  }),
);
process.on('unhandledRejection', (e) =>
  record({ target: lastInput?.target ?? '?', kind: 'crash', message: String((e as Error)?.stack ?? e) }),
);

const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const q = quotas(o);
  const corpus = loadCorpus();
  const configDir = mkdtempSync(join(tmpdir(), 'amikit-fuzz-conf-'));
  cpSync(join(CONFORMANCE_DIR, 'config'), configDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'amikit-fuzz-data-'));
  const srv = await startAmikit({
    configDir,
    dataDir,
    amiPort: 0,
    tlsPort: 0,
    httpPort: 0,
    sipPort: 0,
    bind: '127.0.0.1',
    logger: silentLogger(),
    staticRoot: false,
  });
  const amiPort = srv.amiAddress?.port ?? 0;
  const httpPort = srv.httpAddress?.port ?? 0;
  const sipPort = srv.sip?.address().port ?? 0;
  const admin = { username: 'admin', secret: 'admin' };
  console.log(
    `fuzz: seed ${o.seed}, ${o.inputs} inputs: ${o.targets.map((t) => `${t} ${q[t]}`).join(', ')}; AMI ${amiPort}, HTTP ${httpPort}, SIP ${sipPort}`,
  );
  const started = Date.now();
  const progress = setInterval(() => {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    console.log(
      `${Math.round((Date.now() - started) / 1000)} s: ${total} inputs (${TARGETS.map((t) => `${t} ${counts[t]}`).join(', ')}), ${failures.length} failures, ${JSON.stringify(stats)}, RSS ${Math.round(process.memoryUsage().rss / 1048576)} MB, peak ${peakRssMb()} MB, ${srv.manager.sessions.size} sessions`,
    );
  }, 10_000);

  /** Runs `quota` inputs over `workers` parallel loops; a hang is recorded and the loop goes on. */
  async function pool(
    target: TargetName,
    quota: number,
    workers: number,
    make: (w: number) => { run: (rng: Rng) => Promise<void>; close?: () => void },
  ): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: workers }, async (_, w) => {
        const rng = new Rng(o.seed ^ (w * 0x9e3779b1) ^ target.length);
        let worker = make(w);
        while (next < quota) {
          next++;
          try {
            await worker.run(rng);
          } catch (e) {
            record({
              target,
              kind: e instanceof HangError ? 'hang' : 'crash',
              message: (e as Error).stack ?? String(e),
              input: lastInput?.target === target ? lastInput.input.toString('base64') : undefined,
            });
            worker.close?.();
            worker = make(w);
          }
          counts[target]++;
        }
        worker.close?.();
      }),
    );
  }

  const jobs: Array<Promise<void>> = [];
  let parserChild = { crashes: 0, peakRssMb: 0, failures: [] as Failure[] };
  if (q.parser) {
    jobs.push(
      new Promise<void>((resolve) => {
        const child = fork(join(import.meta.dirname, 'parser-child.ts'), [String(q.parser), String(o.seed)], {
          execArgv: process.execArgv,
        });
        child.on(
          'message',
          (m: { count: number; crashes: number; peakRssMb: number; failures: Failure[] }) => {
            counts.parser = m.count;
            parserChild = m;
          },
        );
        child.on('exit', (code) => {
          if (code !== 0)
            record({ target: 'parser', kind: 'crash', message: `parser child exited with ${code}` });
          resolve();
        });
      }),
    );
  }
  if (q.session)
    jobs.push(
      pool('session', q.session, o.concurrency, (w) => {
        const t = new AmiSessionTarget(amiPort, w % 2 === 0 ? admin : undefined);
        return {
          run: async (rng) => {
            const input = mutatedInput(rng, corpus.ami);
            lastInput = { target: 'session', input };
            await t.run(input, chunkSizes(rng));
          },
          close: () => t.close(),
        };
      }),
    );
  if (q.rawman) {
    const cookie = await rawmanLogin(httpPort, admin);
    jobs.push(
      pool('rawman', q.rawman, o.concurrency, () => ({
        run: async (rng) => {
          const base = rng.chance(0.5)
            ? rng.pick(corpus.http)
            : httpFromAmi(rng, rng.pick(corpus.ami), rng.chance(0.7) ? cookie : undefined);
          const input = mutatedInput(rng, [base], 64 * 1024);
          lastInput = { target: 'rawman', input };
          await fuzzHttpRequest(httpPort, input, chunkSizes(rng));
        },
      })),
    );
  }
  if (q.ws)
    jobs.push(
      pool('ws', q.ws, o.concurrency, (w) => {
        const t = new WsTarget(httpPort, w % 2 === 1, w < 2 ? admin : undefined);
        return {
          run: async (rng) => {
            const input = wsInput(rng, corpus.ami, t.json);
            lastInput = { target: 'ws', input };
            await t.run(input, chunkSizes(rng));
          },
          close: () => t.close(),
        };
      }),
    );
  if (q.sip)
    jobs.push(
      pool('sip', q.sip, 1, () => {
        const t = new SipTarget(sipPort);
        return {
          run: async (rng) => {
            const input = mutatedInput(rng, corpus.sip, 65507);
            lastInput = { target: 'sip', input };
            await t.run(input);
          },
          close: () => t.close(),
        };
      }),
    );
  await Promise.all(jobs);
  clearInterval(progress);

  // The server must still serve every surface after the run.
  try {
    await new AmiSessionTarget(amiPort, admin).run(Buffer.from('Action: Ping\r\n\r\n'), []);
    await new SipTarget(sipPort).probe();
  } catch (e) {
    record({ target: 'final', kind: 'hang', message: String(e) });
  }
  const seconds = (Date.now() - started) / 1000;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const summary = {
    seed: o.seed,
    seconds: Math.round(seconds),
    inputs: total,
    perTarget: counts,
    crashes: failures.filter((f) => f.kind === 'crash').length + parserChild.crashes,
    hangs: failures.filter((f) => f.kind === 'hang').length,
    peakRssMb: peakRssMb(),
    parserPeakRssMb: parserChild.peakRssMb,
    notFailures: stats,
    sessionsLeft: srv.manager.sessions.size,
    failures: [...parserChild.failures, ...failures].slice(0, 20),
  };
  console.log(JSON.stringify({ ...summary, failures: summary.failures.length }, null, 2));
  if (o.out) writeFileSync(o.out, JSON.stringify(summary, null, 2) + '\n');
  await srv.close();
  rmSync(configDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(failures.length || parserChild.crashes ? 1 : 0);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(2);
});

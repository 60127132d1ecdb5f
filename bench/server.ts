/**
 * Server benchmarks against amikit running in a child process (bench/serve-child.ts, demo config):
 *   ping    pipelined Ping round trips/s with W actions outstanding per connection, p50/p99 latency
 *   fanout  one producer sends UserEvents (W outstanding) to S subscribers (events on): delivered events/s,
 *           per subscriber, p50/p99 delivery latency (send timestamp carried in the event), lost events
 *   memory  server RSS idle, with N logged-in sessions, after they log off
 * Measured the way the shared bench tools measured real Asterisk 20 (see docs/benchmarks.md).
 *
 *   node --import tsx bench/server.ts [--only ping,fanout,memory] [--quick] [--port P --user U --secret S]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  busyFraction,
  cpuSnap,
  fmt,
  fmtUs,
  loadavg,
  median,
  parseArgs,
  percentile,
  procCpuSeconds,
  procRssKiB,
  sleep,
  table,
} from './lib/common.js';
import { header, login, loginMany, logoffAll, type LoadConn, type Target } from './lib/ami-load.js';
import { childEntry } from './lib/child-entry.js';

const ROOT = join(import.meta.dirname, '..');

// ---------------------------------------------------------------- server process

export interface ServerHandle {
  target: Target;
  pid: number;
  /** How the child runs: plain node on an esbuild bundle of serve-child.ts, or through tsx. */
  runtime: string;
  stop(): Promise<void>;
}

/** Starts the server child and waits for its port. */
export async function startServerChild(): Promise<ServerHandle> {
  const entry = await childEntry('serve-child');
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, entry.args, {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const t = setTimeout(() => {
      child.kill('SIGTERM');
      reject(new Error('server child did not report its port within 30 s'));
    }, 30_000);
    child.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server child exited early (${code})`));
    });
    const rl = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.once('line', (line) => {
      clearTimeout(t);
      child.removeAllListeners('exit');
      const info = JSON.parse(line) as { port: number; pid: number };
      resolve({
        target: { host: '127.0.0.1', port: info.port, user: 'demo', secret: 'demo' },
        pid: info.pid,
        runtime: entry.runtime,
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null) return res();
            const k = setTimeout(() => child.kill('SIGKILL'), 5000);
            child.once('exit', () => {
              clearTimeout(k);
              res();
            });
            child.stdin?.end();
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

// ---------------------------------------------------------------- ping

export interface PingRun {
  completed: number;
  errors: number;
  elapsedS: number;
  rate: number;
  p50Us: number;
  p99Us: number;
  timedOut: boolean;
  serverCpuUsPerAction: number | null;
  machineBusy: number | null;
}

export interface PingResult {
  conns: number;
  window: number;
  count: number;
  runs: PingRun[];
  rate: number;
  p50Us: number;
  p99Us: number;
  serverCpuUsPerAction: number | null;
}

function pingRun(
  conns: LoadConn[],
  total: number,
  maxSeconds: number,
): Promise<Omit<PingRun, 'serverCpuUsPerAction' | 'machineBusy'>> {
  return new Promise((resolve) => {
    const perConn = Math.floor(total / conns.length);
    const lat = new Float64Array(perConn * conns.length);
    let latN = 0;
    let errors = 0;
    let done = 0;
    let finished = 0;
    let timedOut = false;
    const t0 = performance.now();
    const deadline = t0 + maxSeconds * 1000;
    const finish = (): void => {
      const t1 = performance.now();
      clearTimeout(guard);
      for (const c of conns) {
        c.onMessage = null;
        c.onChunkEnd = null;
      }
      const l = lat.subarray(0, latN).sort();
      resolve({
        completed: done,
        errors,
        elapsedS: (t1 - t0) / 1000,
        rate: done / ((t1 - t0) / 1000),
        p50Us: percentile(l, 50) * 1000,
        p99Us: percentile(l, 99) * 1000,
        timedOut,
      });
    };
    const guard = setTimeout(
      () => {
        timedOut = true;
        finish();
      },
      maxSeconds * 1000 + 100,
    );
    conns.forEach((c, ci) => {
      const sendT = new Float64Array(perConn);
      const pfx = `p${ci}-`;
      let next = 0;
      let got = 0;
      let out = '';
      const queue = (k: number): void => {
        const now = performance.now();
        for (let j = 0; j < k && next < perConn; j++, next++) {
          sendT[next] = now;
          out += `Action: Ping\r\nActionID: ${pfx}${next}\r\n\r\n`;
        }
      };
      c.onMessage = (msg) => {
        const id = header(msg, 'ActionID');
        if (id === null || !id.startsWith(pfx)) return;
        lat[latN++] = performance.now() - sendT[Number(id.slice(pfx.length))];
        if (!msg.startsWith('Response: Success')) errors++;
        got++;
        done++;
        if (got === perConn) {
          if (++finished === conns.length) finish();
          return;
        }
        if (performance.now() < deadline) queue(1);
      };
      c.onChunkEnd = () => {
        if (out) {
          c.write(out);
          out = '';
        }
      };
      queue(W(c));
      c.onChunkEnd();
    });
  });
}
/** The window of a connection (set per run). */
const windows = new WeakMap<LoadConn, number>();
const W = (c: LoadConn): number => windows.get(c) ?? 1;

export async function benchPing(
  t: Target,
  pid: number | null,
  o: { conns: number; window: number; count: number; runs: number; warmup: number; maxSeconds: number },
): Promise<PingResult> {
  const conns = await loginMany(t, o.conns, 'off');
  for (const c of conns) windows.set(c, o.window);
  try {
    if (o.warmup > 0) await pingRun(conns, Math.max(o.conns, Math.min(o.warmup, o.count)), 10);
    const runs: PingRun[] = [];
    for (let r = 0; r < o.runs; r++) {
      await sleep(200);
      const s0 = cpuSnap();
      const c0 = pid ? procCpuSeconds(pid) : null;
      const res = await pingRun(conns, o.count, o.maxSeconds);
      const c1 = pid ? procCpuSeconds(pid) : null;
      runs.push({
        ...res,
        serverCpuUsPerAction: c0 !== null && c1 !== null ? ((c1 - c0) / res.completed) * 1e6 : null,
        machineBusy: busyFraction(s0, cpuSnap()),
      });
    }
    const cpu = runs.map((r) => r.serverCpuUsPerAction).filter((x): x is number => x !== null);
    return {
      conns: o.conns,
      window: o.window,
      count: o.count,
      runs,
      rate: median(runs.map((r) => r.rate)),
      p50Us: median(runs.map((r) => r.p50Us)),
      p99Us: median(runs.map((r) => r.p99Us)),
      serverCpuUsPerAction: cpu.length ? median(cpu) : null,
    };
  } finally {
    await logoffAll(conns);
  }
}

// ---------------------------------------------------------------- fan-out

export interface FanoutResult {
  subs: number;
  window: number;
  requested: number;
  produced: number;
  producerErrors: number;
  producerRate: number;
  producerTimedOut: boolean;
  deliveredTotal: number;
  expectedTotal: number;
  deliveredRate: number;
  perSubRate: number;
  perSubRateMin: number;
  lost: number;
  subsWithLoss: number;
  gaps: number;
  dupsOrReorder: number;
  subsDisconnected: number;
  latP50Ms: number;
  latP99Ms: number;
  latMaxMs: number;
  serverCpuUsPerDelivery: number | null;
  serverRssPeakKiB: number | null;
  machineBusy: number | null;
}

export async function benchFanout(
  t: Target,
  pid: number | null,
  o: {
    subs: number;
    count: number;
    window: number;
    maxSeconds: number;
    drainSeconds: number;
    latEvery: number;
  },
): Promise<FanoutResult> {
  const subs = await loginMany(t, o.subs, 'on');
  const producer = await login(t, 'off');
  await sleep(300);
  const runId = `r${Date.now().toString(36)}`;
  interface SubState {
    c: LoadConn;
    next: number;
    got: number;
    gaps: number;
    dups: number;
    last: number;
    lat: number[];
  }
  const st: SubState[] = subs.map((c) => ({ c, next: 0, got: 0, gaps: 0, dups: 0, last: 0, lat: [] }));
  const t0 = performance.now();
  for (const s of st) {
    s.c.onMessage = (msg) => {
      if (!msg.startsWith('Event: UserEvent')) return;
      if (header(msg, 'Run') !== runId) return;
      const seq = Number(header(msg, 'Seq'));
      const now = performance.now();
      s.last = now;
      s.got++;
      if (seq === s.next) s.next++;
      else if (seq > s.next) {
        s.gaps += seq - s.next;
        s.next = seq + 1;
      } else s.dups++;
      if (seq % o.latEvery === 0) s.lat.push(now - Number(header(msg, 'T')) / 1000);
    };
  }
  const rss: number[] = [];
  const sampler = pid
    ? setInterval(() => {
        const r = procRssKiB(pid);
        if (r !== null) rss.push(r);
      }, 250)
    : null;
  const s0 = cpuSnap();
  const c0 = pid ? procCpuSeconds(pid) : null;

  const prod = await new Promise<{
    sent: number;
    acked: number;
    errs: number;
    t1: number;
    timedOut: boolean;
  }>((resolve) => {
    let sent = 0;
    let acked = 0;
    let errs = 0;
    let out = '';
    const deadline = t0 + o.maxSeconds * 1000;
    const queue = (k: number): void => {
      for (let j = 0; j < k && sent < o.count; j++, sent++) {
        out +=
          `Action: UserEvent\r\nActionID: u${sent}\r\nUserEvent: BenchFanout\r\nRun: ${runId}\r\n` +
          `Seq: ${sent}\r\nT: ${Math.round(performance.now() * 1000)}\r\n\r\n`;
      }
    };
    const done = (timedOut: boolean): void => {
      producer.onMessage = null;
      producer.onChunkEnd = null;
      clearTimeout(g);
      resolve({ sent, acked, errs, t1: performance.now(), timedOut });
    };
    producer.onMessage = (msg) => {
      if (!msg.startsWith('Response:')) return;
      const id = header(msg, 'ActionID');
      if (!id || id[0] !== 'u') return;
      if (!msg.startsWith('Response: Success')) errs++;
      acked++;
      if (acked === o.count) return done(false);
      if (performance.now() < deadline) queue(1);
      else if (acked === sent) return done(true);
    };
    producer.onChunkEnd = () => {
      if (out) {
        producer.write(out);
        out = '';
      }
    };
    const g = setTimeout(() => done(true), o.maxSeconds * 1000 + 5000);
    queue(o.window);
    producer.onChunkEnd();
  });
  const produced = prod.acked;
  // drain: until every open subscriber has seen everything, or no progress for 3 s
  const drainDeadline = performance.now() + o.drainSeconds * 1000;
  let lastTotal = -1;
  let lastChange = performance.now();
  for (;;) {
    const total = st.reduce((a, s) => a + s.got, 0);
    if (st.filter((s) => !s.c.closed).every((s) => s.got + s.gaps >= produced)) break;
    if (total !== lastTotal) {
      lastTotal = total;
      lastChange = performance.now();
    }
    if (performance.now() - lastChange > 3000 || performance.now() > drainDeadline) break;
    await sleep(20);
  }
  const c1 = pid ? procCpuSeconds(pid) : null;
  const busy = busyFraction(s0, cpuSnap());
  if (sampler) clearInterval(sampler);
  for (const s of st) s.c.onMessage = null;

  const prodElapsed = (prod.t1 - t0) / 1000;
  const lastAll = Math.max(...st.map((s) => s.last || t0));
  const totalGot = st.reduce((a, s) => a + s.got, 0);
  const perSub = st.map((s) => (s.got ? s.got / ((s.last - t0) / 1000) : 0)).sort((a, b) => a - b);
  const lat = st.flatMap((s) => s.lat).sort((a, b) => a - b);
  const missing = (s: SubState): number => Math.max(0, produced - s.got);
  await logoffAll([...subs, producer]);
  return {
    subs: o.subs,
    window: o.window,
    requested: o.count,
    produced,
    producerErrors: prod.errs,
    producerRate: produced / prodElapsed,
    producerTimedOut: prod.timedOut,
    deliveredTotal: totalGot,
    expectedTotal: produced * o.subs,
    deliveredRate: totalGot / ((lastAll - t0) / 1000),
    perSubRate: median(perSub),
    perSubRateMin: perSub[0],
    lost: st.reduce((a, s) => a + missing(s), 0),
    subsWithLoss: st.filter((s) => missing(s) > 0).length,
    gaps: st.reduce((a, s) => a + s.gaps, 0),
    dupsOrReorder: st.reduce((a, s) => a + s.dups, 0),
    subsDisconnected: st.filter((s) => s.c.closed).length,
    latP50Ms: percentile(lat, 50),
    latP99Ms: percentile(lat, 99),
    latMaxMs: lat.length ? lat[lat.length - 1] : NaN,
    serverCpuUsPerDelivery: c0 !== null && c1 !== null && totalGot ? ((c1 - c0) / totalGot) * 1e6 : null,
    serverRssPeakKiB: rss.length ? Math.max(...rss) : null,
    machineBusy: busy,
  };
}

// ---------------------------------------------------------------- memory

export interface MemoryResult {
  sessions: number;
  idleKiB: number | null;
  loggedInKiB: number | null;
  afterLogoffKiB: number | null;
  perSessionKiB: number | null;
  loginMs: number;
}

export async function benchMemory(
  t: Target,
  pid: number,
  o: { sessions: number; settleMs: number },
): Promise<MemoryResult> {
  await sleep(o.settleMs);
  const idle = procRssKiB(pid);
  const t0 = performance.now();
  const conns = await loginMany(t, o.sessions, 'on');
  const loginMs = performance.now() - t0;
  await sleep(o.settleMs);
  const logged = procRssKiB(pid);
  await logoffAll(conns);
  await sleep(o.settleMs);
  const after = procRssKiB(pid);
  return {
    sessions: o.sessions,
    idleKiB: idle,
    loggedInKiB: logged,
    afterLogoffKiB: after,
    perSessionKiB: idle !== null && logged !== null ? (logged - idle) / o.sessions : null,
    loginMs,
  };
}

// ---------------------------------------------------------------- orchestration

export interface ServerBenchOptions {
  sections: Set<string>;
  quick: boolean;
  runs: number;
  /** Use a running server instead of starting the child (its pid is optional: --pid). */
  external?: Target & { pid: number | null };
  log?: (line: string) => void;
}

export interface ServerBenchResult {
  server: { mode: 'child' | 'external'; pid: number | null; runtime: string };
  loadavgBefore: string;
  loadavgAfter: string;
  memory?: MemoryResult;
  ping?: PingResult[];
  fanout?: FanoutResult[];
}

export const PING_CONFIGS: Array<[conns: number, window: number]> = [
  [1, 1],
  [1, 16],
  [1, 256],
  [4, 16],
  [10, 1],
];
export const FANOUT_SUBS = [1, 10, 100];

export async function runServerBench(o: ServerBenchOptions): Promise<ServerBenchResult> {
  const log = o.log ?? ((l: string) => console.log(l));
  const res: ServerBenchResult = {
    server: { mode: o.external ? 'external' : 'child', pid: null, runtime: o.external ? 'external' : '' },
    loadavgBefore: loadavg(),
    loadavgAfter: '',
  };
  let handle: ServerHandle | null = null;
  const fresh = async (): Promise<{ t: Target; pid: number | null }> => {
    if (o.external) return { t: o.external, pid: o.external.pid };
    if (handle) await handle.stop();
    handle = await startServerChild();
    res.server.pid = handle.pid;
    res.server.runtime = handle.runtime;
    return { t: handle.target, pid: handle.pid };
  };
  try {
    if (o.sections.has('memory')) {
      const { t, pid } = await fresh();
      if (pid === null) log('memory: skipped (server pid unknown; give --pid)');
      else {
        res.memory = await benchMemory(t, pid, { sessions: 100, settleMs: o.quick ? 1000 : 2000 });
        const m = res.memory;
        log(
          `memory: RSS idle ${mib(m.idleKiB)}, ${m.sessions} sessions ${mib(m.loggedInKiB)}, after logoff ${mib(m.afterLogoffKiB)} ` +
            `(~${fmt(m.perSessionKiB)} KiB/session; login ${fmt(m.loginMs)} ms)`,
        );
      }
    }
    if (o.sections.has('ping')) {
      const { t, pid } = await fresh();
      res.ping = [];
      for (const [conns, window] of PING_CONFIGS) {
        const count = o.quick ? 5000 : 20000;
        const r = await benchPing(t, pid, {
          conns,
          window,
          count,
          runs: o.runs,
          warmup: o.quick ? 1000 : 2000,
          maxSeconds: 30,
        });
        res.ping.push(r);
        log(
          `ping: ${conns} conn x ${window} outstanding: ${fmt(r.rate)} rt/s, p50 ${fmtUs(r.p50Us)}, p99 ${fmtUs(r.p99Us)}` +
            (r.serverCpuUsPerAction !== null
              ? `, server CPU ${r.serverCpuUsPerAction.toFixed(1)} µs/action`
              : '') +
            (r.runs.some((x) => x.errors || x.timedOut) ? ' (ERRORS/TIMEOUT)' : ''),
        );
      }
    }
    if (o.sections.has('fanout')) {
      const { t, pid } = await fresh();
      res.fanout = [];
      // warm-up (JIT, buffers), not reported
      await benchFanout(t, pid, {
        subs: 10,
        count: o.quick ? 2000 : 5000,
        window: 64,
        maxSeconds: 20,
        drainSeconds: 10,
        latEvery: 10,
      });
      await sleep(500);
      for (const subs of FANOUT_SUBS) {
        const count = o.quick ? (subs >= 100 ? 2000 : 5000) : subs >= 100 ? 20000 : 50000;
        const runs: FanoutResult[] = [];
        for (let r = 0; r < o.runs; r++) {
          runs.push(
            await benchFanout(t, pid, {
              subs,
              count,
              window: 64,
              maxSeconds: 60,
              drainSeconds: 30,
              latEvery: subs >= 100 ? 10 : 1,
            }),
          );
          await sleep(500);
        }
        const f = medianRun(runs, (x) => x.deliveredRate);
        res.fanout.push(f);
        log(
          `fanout: ${subs} subscribers, ${f.produced} events: ${fmt(f.deliveredRate)} delivered/s total, ${fmt(f.perSubRate)}/s per subscriber, ` +
            `p50 ${f.latP50Ms.toFixed(1)} ms, p99 ${f.latP99Ms.toFixed(1)} ms, lost ${f.lost}, producer ${fmt(f.producerRate)}/s` +
            (f.serverCpuUsPerDelivery !== null
              ? `, server CPU ${f.serverCpuUsPerDelivery.toFixed(2)} µs/delivery`
              : '') +
            (f.serverRssPeakKiB !== null ? `, RSS peak ${mib(f.serverRssPeakKiB)}` : ''),
        );
      }
    }
  } finally {
    if (handle) await (handle as ServerHandle).stop();
    res.loadavgAfter = loadavg();
  }
  return res;
}

/** The run with the median value of `key` (keeps one run's figures consistent with each other). */
function medianRun<T>(runs: T[], key: (x: T) => number): T {
  const s = [...runs].sort((a, b) => key(a) - key(b));
  return s[(s.length - 1) >> 1];
}

export const mib = (kib: number | null): string => (kib === null ? '-' : `${(kib / 1024).toFixed(1)} MiB`);

export function pingTable(
  rows: PingResult[],
  base?: Array<{ conns: number; window: number; rate: number; p50Us: number; p99Us: number }>,
): string {
  return table(
    [
      '>conns',
      '>outstanding',
      '>round trips/s',
      '>p50',
      '>p99',
      '>srv CPU/action',
      '>Asterisk rt/s',
      '>ratio',
      '>Ast p50',
      '>Ast p99',
    ],
    rows.map((r) => {
      const b = base?.find((x) => x.conns === r.conns && x.window === r.window);
      return [
        String(r.conns),
        String(r.window),
        fmt(r.rate),
        fmtUs(r.p50Us),
        fmtUs(r.p99Us),
        r.serverCpuUsPerAction === null ? '-' : `${r.serverCpuUsPerAction.toFixed(1)} µs`,
        b ? fmt(b.rate) : '-',
        b ? `${(r.rate / b.rate).toFixed(2)}x` : '-',
        b ? fmtUs(b.p50Us) : '-',
        b ? fmtUs(b.p99Us) : '-',
      ];
    }),
  );
}

export function fanoutTable(
  rows: FanoutResult[],
  base?: Array<{
    subs: number;
    deliveredRate: number;
    perSubRate: number;
    latP50Ms: number;
    latP99Ms: number;
    lost: number;
  }>,
): string {
  return table(
    [
      '>subs',
      '>events',
      '>delivered/s',
      '>per sub/s',
      '>p50',
      '>p99',
      '>lost',
      '>Asterisk/s',
      '>ratio',
      '>Ast p50',
      '>Ast p99',
    ],
    rows.map((r) => {
      const b = base?.find((x) => x.subs === r.subs);
      return [
        String(r.subs),
        fmt(r.produced),
        fmt(r.deliveredRate),
        fmt(r.perSubRate),
        `${r.latP50Ms.toFixed(1)} ms`,
        `${r.latP99Ms.toFixed(1)} ms`,
        String(r.lost),
        b ? fmt(b.deliveredRate) : '-',
        b ? `${(r.deliveredRate / b.deliveredRate).toFixed(2)}x` : '-',
        b ? `${b.latP50Ms.toFixed(1)} ms` : '-',
        b ? `${b.latP99Ms.toFixed(1)} ms` : '-',
      ];
    }),
  );
}

if (import.meta.filename === process.argv[1]) {
  const a = parseArgs(process.argv.slice(2), {
    only: 'memory,ping,fanout',
    quick: false,
    runs: 0,
    port: 0,
    pid: 0,
    user: 'demo',
    secret: 'demo',
  });
  const res = await runServerBench({
    sections: new Set(a.only.split(',')),
    quick: a.quick,
    runs: a.runs || (a.quick ? 1 : 3),
    external: a.port
      ? { host: '127.0.0.1', port: a.port, user: a.user, secret: a.secret, pid: a.pid || null }
      : undefined,
  });
  if (res.ping) console.log('\n' + pingTable(res.ping));
  if (res.fanout) console.log('\n' + fanoutTable(res.fanout));
}

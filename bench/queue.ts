/**
 * Queue benchmark: 1,000 members across 50 queues and 5,000 waiting callers, under the virtual
 * clock (no real ringing time). Measures
 *   - QueueStatus: the reply body built by the module (all queues, and one queue), latency and size,
 *     and the same action over a real AMI TCP session (request to QueueStatusComplete);
 *   - one distribution round: every queue's head caller computes its attempts (calc_metric over the
 *     queue's members and choice of who rings), and a full round in which all 50 head callers ring
 *     their members (channels created, events raised) after the members are unpaused.
 *
 *   node --import tsx bench/queue.ts [--queues 50] [--members 1000] [--callers 5000] [--runs 20] [--strategy rrmemory]
 */
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmt, parseArgs, percentile, table } from './lib/common.js';
import { parseConfText } from '../src/config/index.js';
import { VirtualClock } from '../src/pbx/clock.js';
import { Pbx } from '../src/pbx/pbx.js';
import { silentLogger } from '../src/logger.js';
import { Manager } from '../src/manager/manager.js';
import { managerCoreModule } from '../src/manager/actions/core.js';
import { listenTcp } from '../src/manager/transports/listeners.js';
import { loadManagerConf } from '../src/config/manager-conf.js';
import { createQueueModule, queueStatusItems } from '../src/modules/queue/index.js';
import { createCoreModule } from '../src/modules/core/index.js';
import { DEFAULT_PROFILE } from '../src/profiles/index.js';

export interface QueueBenchOptions {
  queues: number;
  members: number;
  callers: number;
  runs: number;
  strategy: string;
  /** Also measure QueueStatus over a TCP AMI session (default true). */
  wire?: boolean;
  log?: (line: string) => void;
}

export interface LatencyStats {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface QueueBenchResult {
  queues: number;
  members: number;
  callers: number;
  strategy: string;
  setupMs: number;
  heapMiB: number;
  statusAll: LatencyStats & { bytes: number; items: number };
  statusOne: LatencyStats & { bytes: number; items: number };
  statusWire?: LatencyStats & { bytes: number };
  /** calc_metric + choice of who rings, for the head caller of every queue. */
  metricRound: LatencyStats & { perQueueUs: number };
  /** All head callers ring their members: channels, dial events, AgentCalled. */
  fullRound: { ms: number; agentCalled: number; channels: number };
}

function stats(samples: number[]): LatencyStats {
  const s = [...samples].sort((a, b) => a - b);
  return { p50Ms: percentile(s, 50), p99Ms: percentile(s, 99), maxMs: s[s.length - 1] };
}

function timeIt(runs: number, fn: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

const MANAGER_CONF = `[general]
enabled = yes
port = 0
bindaddr = 127.0.0.1

[bench]
secret = bench
read = all
write = all
`;

async function wireStatus(port: number, runs: number): Promise<{ samples: number[]; bytes: number }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  sock.setNoDelay(true);
  let buf = '';
  let waiter: (() => void) | null = null;
  sock.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    waiter?.();
  });
  const until = (pred: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (pred()) {
          waiter = null;
          resolve();
        }
      };
      waiter = check;
      check();
    });
  await until(() => buf.includes('\r\n'));
  sock.write('Action: Login\r\nUsername: bench\r\nSecret: bench\r\nEvents: off\r\n\r\n');
  await until(() => buf.includes('Authentication accepted'));
  const samples: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    buf = '';
    const t = process.hrtime.bigint();
    sock.write(`Action: QueueStatus\r\nActionID: qs-${i}\r\n\r\n`);
    await until(() => buf.includes('Event: QueueStatusComplete') && buf.endsWith('\r\n\r\n'));
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    bytes = buf.length;
  }
  sock.destroy();
  return { samples, bytes };
}

export async function runQueueBench(o: QueueBenchOptions): Promise<QueueBenchResult> {
  const log = o.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'amikit-qbench-'));
  const perQueue = Math.ceil(o.members / o.queues);
  let conf = '[general]\npersistentmembers = no\n\n';
  let agent = 0;
  for (let q = 0; q < o.queues; q++) {
    conf += `[q${q}]\nstrategy = ${o.strategy}\ntimeout = 15\nretry = 5\nringinuse = no\n`;
    for (let m = 0; m < perQueue && agent < o.members; m++)
      conf += `member => SIP/ag${String(agent++).padStart(4, '0')},${m % 3}\n`;
    conf += '\n';
  }
  writeFileSync(join(dir, 'queues.conf'), conf);
  writeFileSync(join(dir, 'manager.conf'), MANAGER_CONF);
  const t0 = performance.now();
  const clock = new VirtualClock(Date.UTC(2026, 10, 22, 11, 0, 0));
  const pbx = new Pbx({
    clock,
    seed: 1,
    dialplan: parseConfText(
      '[in]\nexten => _q.,1,Queue(${EXTEN:1})\n same => n,Hangup()\n',
      'extensions.conf',
    ),
  });
  // Nobody answers during the measurement: the callers wait.
  pbx.endpoints.setDefaults({ mode: 'noanswer' });
  const mod = createQueueModule(pbx, { configDir: dir, log: silentLogger() });
  const engine = mod.engine;
  engine.keepLogLines = false;
  for (const q of engine.list())
    for (const m of q.members) engine.setPaused(q.name, m.interface, 'bench', true);
  for (let i = 0; i < o.callers; i++)
    pbx.incomingCall({
      from: `c${i}`,
      exten: `qq${i % o.queues}`,
      context: 'in',
      callerIdNum: String(100000 + i),
    });
  await clock.runFor(1);
  const setupMs = performance.now() - t0;
  const waiting = engine.list().reduce((n, q) => n + q.count, 0);
  log(`set up ${o.queues} queues, ${o.members} members, ${waiting} waiting callers in ${fmt(setupMs)} ms`);
  if (waiting !== o.callers) throw new Error(`expected ${o.callers} waiting callers, have ${waiting}`);
  // Let the callers have waited a while.
  await clock.runFor(30_000);
  const heapMiB = process.memoryUsage().heapUsed / 1048576;

  let all = queueStatusItems(engine, { idLine: 'ActionID: x\r\n' });
  const allSamples = timeIt(o.runs, () => (all = queueStatusItems(engine, { idLine: 'ActionID: x\r\n' })));
  let one = queueStatusItems(engine, { queue: 'q7' });
  const oneSamples = timeIt(o.runs * 10, () => (one = queueStatusItems(engine, { queue: 'q7' })));

  let statusWire: QueueBenchResult['statusWire'];
  if (o.wire !== false) {
    const cfg = loadManagerConf(dir);
    const manager = new Manager({ config: cfg, log: silentLogger(), profile: DEFAULT_PROFILE });
    await manager.loadModules([managerCoreModule, createCoreModule(pbx), mod]);
    const { server, address } = await listenTcp(manager, { host: '127.0.0.1', port: 0 });
    const port = address.port;
    const w = await wireStatus(port, Math.max(3, Math.floor(o.runs / 2)));
    statusWire = { ...stats(w.samples), bytes: w.bytes };
    await manager.shutdown();
    await new Promise<void>((r) => server.close(() => r()));
  }

  // One distribution round, metric part: every queue's head caller, members unpaused.
  for (const q of engine.list()) for (const m of q.members) m.paused = false;
  const heads = engine.list().map((q) => q.callers[0]);
  const metricSamples = timeIt(o.runs, () => {
    for (const c of heads) {
      const attempts = engine.buildAttempts(c);
      engine.nextToRing(c, attempts);
    }
  });
  for (const q of engine.list()) for (const m of q.members) m.paused = true;

  // The full round: unpause everyone (events, device states), head callers ring at their next check.
  let agentCalled = 0;
  engine.on((e) => {
    if (e.type === 'AgentCalled') agentCalled++;
  });
  for (const q of engine.list()) for (const m of q.members) engine.setPaused(q.name, m.interface, '', false);
  const chans0 = pbx.channels().length;
  const tf = performance.now();
  await clock.runFor(1000);
  const fullMs = performance.now() - tf;
  const fullRound = { ms: fullMs, agentCalled, channels: pbx.channels().length - chans0 };

  for (const ch of pbx.channels()) pbx.hangupNow(ch);
  pbx.close();
  rmSync(dir, { recursive: true, force: true });
  const metric = stats(metricSamples);
  return {
    queues: o.queues,
    members: o.members,
    callers: o.callers,
    strategy: o.strategy,
    setupMs,
    heapMiB,
    statusAll: { ...stats(allSamples), bytes: all.text.length, items: all.items },
    statusOne: { ...stats(oneSamples), bytes: one.text.length, items: one.items },
    statusWire,
    metricRound: { ...metric, perQueueUs: (metric.p50Ms * 1000) / o.queues },
    fullRound,
  };
}

export function queueTable(r: QueueBenchResult): string {
  const kib = (b: number): string => fmt(b / 1024, 0) + ' KiB';
  const rows: string[][] = [
    [
      'QueueStatus (all, built)',
      fmt(r.statusAll.p50Ms, 2),
      fmt(r.statusAll.p99Ms, 2),
      kib(r.statusAll.bytes),
      String(r.statusAll.items),
    ],
    [
      'QueueStatus (one queue, built)',
      fmt(r.statusOne.p50Ms, 3),
      fmt(r.statusOne.p99Ms, 3),
      kib(r.statusOne.bytes),
      String(r.statusOne.items),
    ],
  ];
  if (r.statusWire)
    rows.push([
      'QueueStatus (all, over TCP)',
      fmt(r.statusWire.p50Ms, 2),
      fmt(r.statusWire.p99Ms, 2),
      kib(r.statusWire.bytes),
      '',
    ]);
  rows.push([
    `distribution round, metrics (${r.queues} heads)`,
    fmt(r.metricRound.p50Ms, 3),
    fmt(r.metricRound.p99Ms, 3),
    '',
    `${fmt(r.metricRound.perQueueUs, 1)} us/queue`,
  ]);
  rows.push([
    'distribution round, full (ringing)',
    fmt(r.fullRound.ms, 1),
    '',
    '',
    `${r.fullRound.agentCalled} AgentCalled`,
  ]);
  return (
    `${r.queues} queues (${r.strategy}), ${r.members} members, ${r.callers} waiting callers; set-up ${fmt(r.setupMs)} ms, heap ${fmt(r.heapMiB)} MiB\n` +
    table(['what', 'p50 ms', 'p99 ms', 'size', 'items / note'], rows)
  );
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const a = parseArgs(process.argv.slice(2), {
    queues: 50,
    members: 1000,
    callers: 5000,
    runs: 20,
    strategy: 'rrmemory',
  });
  const res = await runQueueBench({ ...a, log: (l) => console.log(l) });
  console.log(queueTable(res));
}

/**
 * Call benchmark (issue 4): concurrent channels held up, call set-ups per second with every event
 * delivered to one AMI subscriber over TCP, events per call, memory per channel.
 *
 * The server is amikit in its own process (bench/calls-child.ts: chan_sip, the telephony core on the
 * real clock, app_queue, AMI over TCP on loopback), bundled with esbuild and run by plain `node
 * --expose-gc` (tsx as a fallback). This process holds two AMI sessions of the minimal load client
 * (bench/lib/ami-load.ts):
 *   - a producer (`Events: off`) that starts the calls through the server's own AMI interface;
 *   - a subscriber (`Events: on`, read=all) that reads and counts every event. A call counts as set up
 *     only when the subscriber has received its "established" event, so the rate is end to end: action
 *     parsing, the PBX, event rendering and delivery over TCP.
 *
 * Scenarios (each in a fresh server, N calls = 2N channels, all held up at the end of the ramp):
 *   sip    `SimCall From: phone-XX Exten: 1YY`: a simulated phone calls in, the dialplan Dials
 *          SIP/agent-YY, which rings and answers after 20 ms; both channels are bridged. Established =
 *          the caller's BridgeEnter. Talk time is unlimited (the phones never hang up).
 *   local  `Originate Channel: Local/600@bench Application: Wait Data: 3600 Async: true`: a Local pair,
 *          `;2` in Answer + Echo, `;1` in Wait. Established = OriginateResponse (Response: Success).
 * Flow control: at most WINDOW actions outstanding on the producer, at most INFLIGHT calls started
 * but not yet established (seen by the subscriber). Before the measured ramp a warm-up of calls is set
 * up and hung up, then memory is taken as the baseline. After the ramp: quiescence, SimStatus channel
 * count, memory (after forced GC in the server) -> per channel; then every call is hung up with regex
 * `Hangup` actions, a few dozen calls each, 4 outstanding (`--teardown one`: a single action for all),
 * and the tear-down is timed the same way (until the subscriber has every Hangup event).
 * The real clock is used throughout (no virtual time): set-up figures are wall-clock figures; the
 * phones answer after 20 ms so that the ramp is bound by CPU, not by simulated ringing.
 * Events per call depend on the ratio of calls to phones (DeviceStateChange only on a change): 100
 * caller and 100 answering phones here, so most calls find their phones already in use.
 *
 *   npx tsx bench/calls.ts [--quick] [--calls N] [--warmup N] [--scenarios sip,local] [--window 32]
 *     [--inflight 500] [--answer-ms 20] [--writetimeout 100] [--teardown groups|one]
 * (AMIKIT_BENCH_LOG=warn shows the server's warnings.) Quick: 1,000 calls; full: 5,000 calls
 * (10,000 channels) per scenario.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import {
  busyFraction,
  cpuSnap,
  fmt,
  loadavg,
  machine,
  parseArgs,
  percentile,
  procCpuSeconds,
  procRssKiB,
  sleep,
  table,
} from './lib/common.js';
import { header, login, type LoadConn, type Target } from './lib/ami-load.js';
import { childEntry } from './lib/child-entry.js';
import { writeCallsConfig } from './lib/calls-config.js';
import { RealClock } from '../src/pbx/clock.js';
import { createPbxFromConfigDir } from '../src/pbx/load.js';

const ROOT = join(import.meta.dirname, '..');

export type CallScenario = 'sip' | 'local';

export interface CallBenchOptions {
  /** Calls per scenario (2 channels each). */
  calls: number;
  scenarios: CallScenario[];
  /** Producer actions outstanding at once. */
  window: number;
  /** Calls started but not yet established at once. */
  inflight: number;
  /** Warm-up calls (set up and hung up before the baseline). */
  warmup: number;
  /** Simulated phones' answer delay (ms), sip scenario. */
  answerMs: number;
  /**
   * Tear-down: `groups` (default) hangs calls up by regex in groups of a few dozen, 4 actions
   * outstanding; `one` sends one regex Hangup for every call at once.
   */
  teardown: 'groups' | 'one';
  /** manager.conf writetimeout of the bench user (ms; Asterisk's default 100). */
  writeTimeoutMs: number;
  /** Bound on every phase (seconds). */
  phaseTimeoutS: number;
  log?: (line: string) => void;
}

export const CALL_DEFAULTS = {
  full: { calls: 5000, warmup: 500 },
  quick: { calls: 1000, warmup: 200 },
  common: {
    scenarios: ['sip', 'local'] as CallScenario[],
    window: 32,
    inflight: 500,
    answerMs: 20,
    writeTimeoutMs: 100,
    teardown: 'groups' as 'groups' | 'one',
  },
};

export interface MemSnap {
  rssKiB: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  channels: number;
  gc: boolean;
}

export interface PhaseStats {
  calls: number;
  completed: number;
  elapsedS: number;
  /** Calls (set up or torn down) per second, end to end. */
  rate: number;
  /** Events the subscriber received in the phase (until quiescence), and per call. */
  events: number;
  eventsPerCall: number;
  /** Events per second delivered to the subscriber while the phase ran (first action to last event). */
  eventRate: number;
  bytes: number;
  /** Bytes per second delivered to the subscriber. */
  byteRate: number;
  /** Send of the action to the established event on the subscriber (set-up only). */
  latP50Ms: number | null;
  latP99Ms: number | null;
  serverCpuUsPerCall: number | null;
  machineBusy: number | null;
  timedOut: boolean;
  /** Event counts by name, most frequent first. */
  byName: Array<[string, number]>;
}

export interface ScenarioResult {
  scenario: CallScenario;
  calls: number;
  /** Channels the server reported (SimStatus Channels) with every call up. */
  channels: number;
  setup: PhaseStats;
  teardown: PhaseStats;
  /** Fresh server, sessions logged in, before any call. */
  memIdle: MemSnap;
  /** After the warm-up calls were set up and hung up (the baseline of the per-channel figures). */
  memBase: MemSnap;
  memHeld: MemSnap;
  memAfter: MemSnap;
  /** (held - baseline) / channels. */
  rssBytesPerChannel: number;
  heapBytesPerChannel: number;
  /** (held - idle) / channels: also counts what the first calls cost once (code, JIT, heap growth). */
  rssBytesPerChannelFromIdle: number;
  /** Channels the server still had after the tear-down (should be 0). */
  leftover: number;
  subscriberClosed: boolean;
}

/** The sip scenario on the PBX alone, in this process: no AMI, no sockets (a reference). */
export interface PbxOnlyResult {
  calls: number;
  completed: number;
  elapsedS: number;
  rate: number;
  /** PBX domain events per call (every one becomes one AMI event). */
  eventsPerCall: number;
  cpuUsPerCall: number;
  teardownEventsPerCall: number;
  teardownCpuUsPerCall: number;
}

export interface CallBenchResult {
  runtime: string;
  pbxOnly?: PbxOnlyResult;
  options: Omit<CallBenchOptions, 'log'>;
  loadavgStart: string;
  loadavgEnd: string;
  scenarios: ScenarioResult[];
}

// ---------------------------------------------------------------- server child

interface Child {
  target: Target;
  pid: number;
  mem(): Promise<MemSnap>;
  stop(): Promise<void>;
}

async function startChild(answerMs: number, writeTimeoutMs: number): Promise<Child & { runtime: string }> {
  const entry = await childEntry('calls-child', '--expose-gc');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--expose-gc', ...entry.args, '100', String(answerMs), String(writeTimeoutMs)],
    {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const rl: Interface = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const lines: string[] = [];
  let waiter: (() => void) | null = null;
  rl.on('line', (l) => {
    lines.push(l);
    waiter?.();
  });
  const nextLine = (timeoutMs: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        waiter = null;
        reject(new Error('server child did not answer in time'));
      }, timeoutMs);
      const check = (): void => {
        const l = lines.shift();
        if (l === undefined) return;
        clearTimeout(t);
        waiter = null;
        resolve(l);
      };
      waiter = check;
      check();
    });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`server child exited (${code})`))),
  );
  exited.catch(() => {});
  const info = JSON.parse(await Promise.race([nextLine(30_000), exited])) as { port: number; pid: number };
  return {
    runtime: entry.runtime,
    target: { host: '127.0.0.1', port: info.port, user: 'bench', secret: 'bench' },
    pid: info.pid,
    mem: async () => {
      child.stdin?.write('mem\n');
      return JSON.parse(await nextLine(30_000)) as MemSnap;
    },
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
  };
}

// ---------------------------------------------------------------- subscriber

/** Counts every event the subscriber session receives; phases read and reset the counters. */
class Subscriber {
  events = 0;
  bytes = 0;
  lastAt = performance.now();
  byName = new Map<string, number>();
  /** Called for each event (name, raw message). */
  onEvent: ((name: string, msg: string) => void) | null = null;
  onChunk: (() => void) | null = null;

  constructor(readonly conn: LoadConn) {
    conn.onMessage = (msg) => {
      this.bytes += msg.length + 4;
      if (!msg.startsWith('Event: ')) return;
      const e = msg.indexOf('\r\n');
      const name = e < 0 ? msg.slice(7) : msg.slice(7, e);
      this.events++;
      this.byName.set(name, (this.byName.get(name) ?? 0) + 1);
      this.onEvent?.(name, msg);
    };
    conn.onChunkEnd = () => {
      this.lastAt = performance.now();
      this.onChunk?.();
    };
  }

  reset(): void {
    this.events = 0;
    this.bytes = 0;
    this.byName = new Map();
  }

  /** Waits until no data arrived for `quietMs` (at most `maxMs`). */
  async quiesce(quietMs = 300, maxMs = 15_000): Promise<void> {
    const t0 = performance.now();
    while (performance.now() - t0 < maxMs) {
      const idle = performance.now() - this.lastAt;
      if (idle >= quietMs) return;
      await sleep(Math.max(10, quietMs - idle));
    }
  }
}

// ---------------------------------------------------------------- phases

interface CallDriver {
  /** The action that starts call i (without ActionID). */
  action(i: number): string;
  /** Key of call i as the established event shows it. */
  key(i: number, actionId: string): string;
  /** The key of the call an event establishes, or null. */
  established(name: string, msg: string): string | null;
  /** Regexes for the Hangup actions that end every call: all at once, or in groups. */
  hangupAll: string;
  hangupGroups: string[];
}

const DRIVERS: Record<CallScenario, CallDriver> = {
  sip: {
    // Caller ID number 9<i> identifies the call in the caller's BridgeEnter.
    action: (i) =>
      `Action: SimCall\r\nFrom: phone-${String(i % 100).padStart(2, '0')}\r\nExten: 1${String((i * 7) % 100).padStart(2, '0')}\r\nCallerID: 9${i}\r\n`,
    key: (i) => `9${i}`,
    established: (name, msg) =>
      name === 'BridgeEnter' && msg.includes('\r\nChannel: SIP/phone-') ? header(msg, 'CallerIDNum') : null,
    hangupAll: '/^SIP\\/phone-/',
    hangupGroups: Array.from({ length: 100 }, (_, i) => `/^SIP\\/phone-${String(i).padStart(2, '0')}-/`),
  },
  local: {
    action: () =>
      'Action: Originate\r\nChannel: Local/600@bench\r\nApplication: Wait\r\nData: 3600\r\nAsync: true\r\n',
    key: (_i, id) => id,
    established: (name, msg) =>
      name === 'OriginateResponse' && msg.includes('\r\nResponse: Success') ? header(msg, 'ActionID') : null,
    hangupAll: '/^Local\\/600@bench-.*;1$/',
    // By the last two hex digits of the channel suffix: 256 groups.
    hangupGroups: Array.from(
      { length: 256 },
      (_, i) => `/^Local\\/600@bench-.*${i.toString(16).padStart(2, '0')};1$/`,
    ),
  },
};

let runSeq = 0;

/** Starts `calls` calls with flow control; resolves when the subscriber has seen each established. */
function setupPhase(
  producer: LoadConn,
  sub: Subscriber,
  driver: CallDriver,
  calls: number,
  o: CallBenchOptions,
  pid: number,
): Promise<PhaseStats> {
  const run = ++runSeq;
  sub.reset();
  return new Promise((resolve) => {
    const sendT = new Map<string, number>();
    const lat: number[] = [];
    let sent = 0;
    let answered = 0;
    let errors = 0;
    let established = 0;
    let finished = false;
    let queued = '';
    const s0 = cpuSnap();
    const c0 = procCpuSeconds(pid);
    const t0 = performance.now();
    const pump = (): void => {
      while (sent < calls && sent - answered < o.window && sent - established < o.inflight) {
        const id = `c${run}-${sent}`;
        sendT.set(driver.key(sent, id), performance.now());
        queued += `${driver.action(sent)}ActionID: ${id}\r\n\r\n`;
        sent++;
      }
      if (queued) {
        producer.write(queued);
        queued = '';
      }
    };
    producer.onMessage = (msg) => {
      if (!msg.startsWith('Response: ')) return;
      answered++;
      if (!msg.startsWith('Response: Success')) {
        errors++;
        if (errors <= 3) o.log?.(`  action error: ${msg.split('\r\n').join(' | ')}`);
      }
    };
    producer.onChunkEnd = pump;
    sub.onEvent = (name, msg) => {
      const k = driver.established(name, msg);
      if (k === null) return;
      const t = sendT.get(k);
      if (t === undefined) return;
      sendT.delete(k);
      lat.push(performance.now() - t);
      established++;
    };
    sub.onChunk = () => {
      if (established >= calls || errors > 0) void finish(false);
      else pump();
    };
    const guard = setTimeout(() => void finish(true), o.phaseTimeoutS * 1000);
    // A subscriber the server dropped ends the phase (reported as timed out).
    const watch = setInterval(() => {
      if (sub.conn.closed) void finish(true);
    }, 100);
    const finish = async (timedOut: boolean): Promise<void> => {
      if (finished) return;
      finished = true;
      clearTimeout(guard);
      clearInterval(watch);
      const t1 = performance.now();
      const c1 = procCpuSeconds(pid);
      const busy = busyFraction(s0, cpuSnap());
      const eventsAtEnd = sub.events;
      const bytesAtEnd = sub.bytes;
      sub.onEvent = null;
      sub.onChunk = null;
      producer.onMessage = null;
      producer.onChunkEnd = null;
      await sub.quiesce();
      lat.sort((a, b) => a - b);
      const elapsedS = (t1 - t0) / 1000;
      resolve({
        calls,
        completed: established,
        elapsedS,
        rate: established / elapsedS,
        events: sub.events,
        eventsPerCall: sub.events / Math.max(1, established),
        eventRate: eventsAtEnd / elapsedS,
        bytes: sub.bytes,
        byteRate: bytesAtEnd / elapsedS,
        latP50Ms: lat.length ? percentile(lat, 50) : null,
        latP99Ms: lat.length ? percentile(lat, 99) : null,
        serverCpuUsPerCall:
          c0 !== null && c1 !== null && established ? ((c1 - c0) * 1e6) / established : null,
        machineBusy: busy,
        timedOut,
        byName: [...sub.byName].sort((a, b) => b[1] - a[1]),
      });
    };
    pump();
  });
}

/** Hangs every call up with regex Hangups; done when the subscriber saw `channels` Hangup events. */
async function teardownPhase(
  producer: LoadConn,
  sub: Subscriber,
  driver: CallDriver,
  calls: number,
  channels: number,
  o: CallBenchOptions,
  pid: number,
): Promise<PhaseStats> {
  sub.reset();
  const s0 = cpuSnap();
  const c0 = procCpuSeconds(pid);
  const t0 = performance.now();
  let hangups = 0;
  let timedOut = false;
  const done = new Promise<void>((resolve) => {
    const stop = (): void => {
      clearTimeout(guard);
      clearInterval(watch);
      resolve();
    };
    const guard = setTimeout(() => {
      timedOut = true;
      stop();
    }, o.phaseTimeoutS * 1000);
    const watch = setInterval(() => {
      if (!sub.conn.closed) return;
      timedOut = true;
      stop();
    }, 100);
    sub.onEvent = (name) => {
      if (name === 'Hangup') hangups++;
    };
    sub.onChunk = () => {
      if (hangups >= channels) stop();
    };
  });
  // Each reply is an event list (one item per channel) on the producer; its items are ignored.
  producer.onMessage = null;
  if (o.teardown === 'one') {
    producer.write(`Action: Hangup\r\nChannel: ${driver.hangupAll}\r\nActionID: hangup-all\r\n\r\n`);
  } else {
    // Groups of calls (a few dozen each), 4 actions outstanding: calls end in waves, not all at once.
    const groups = [...driver.hangupGroups];
    const worker = async (): Promise<void> => {
      for (let g; (g = groups.shift()) !== undefined;) {
        await producer.request({ Action: 'Hangup', Channel: g }, o.phaseTimeoutS * 1000).catch(() => {});
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }
  await done;
  const t1 = performance.now();
  const c1 = procCpuSeconds(pid);
  const busy = busyFraction(s0, cpuSnap());
  const eventsAtEnd = sub.events;
  const bytesAtEnd = sub.bytes;
  sub.onEvent = null;
  sub.onChunk = null;
  await sub.quiesce();
  const elapsedS = (t1 - t0) / 1000;
  const completed = Math.floor(hangups / Math.max(1, channels / calls));
  return {
    calls,
    completed,
    elapsedS,
    rate: completed / elapsedS,
    events: sub.events,
    eventsPerCall: sub.events / Math.max(1, calls),
    eventRate: eventsAtEnd / elapsedS,
    bytes: sub.bytes,
    byteRate: bytesAtEnd / elapsedS,
    latP50Ms: null,
    latP99Ms: null,
    serverCpuUsPerCall: c0 !== null && c1 !== null ? ((c1 - c0) * 1e6) / calls : null,
    machineBusy: busy,
    timedOut,
    byName: [...sub.byName].sort((a, b) => b[1] - a[1]),
  };
}

async function simChannels(producer: LoadConn): Promise<number> {
  const r = await producer.request({ Action: 'SimStatus' });
  return Number(header(r, 'Channels') ?? NaN);
}

async function runScenario(
  scenario: CallScenario,
  o: CallBenchOptions,
): Promise<{ result: ScenarioResult; runtime: string }> {
  const log = o.log ?? (() => {});
  const driver = DRIVERS[scenario];
  const child = await startChild(o.answerMs, o.writeTimeoutMs);
  try {
    const producer = await login(child.target, 'off');
    const subConn = await login(child.target, 'on');
    const sub = new Subscriber(subConn);
    let subscriberClosed = false;
    subConn.onClose = () => {
      subscriberClosed = true;
    };
    await sleep(300);
    await sub.quiesce();
    const memIdle = await child.mem();
    if (o.warmup > 0) {
      const w = await setupPhase(producer, sub, driver, o.warmup, o, child.pid);
      const ch = await simChannels(producer);
      await teardownPhase(producer, sub, driver, o.warmup, ch, o, child.pid);
      log(`  ${scenario}: warm-up ${o.warmup} calls, ${fmt(w.rate)} calls/s`);
    }
    await sleep(500);
    const memBase = await child.mem();
    log(`  ${scenario}: baseline RSS ${fmt(memBase.rssKiB / 1024, 1)} MiB, ${memBase.channels} channels`);

    const setup = await setupPhase(producer, sub, driver, o.calls, o, child.pid);
    const channels = await simChannels(producer);
    log(
      `  ${scenario}: ${fmt(setup.completed)}/${fmt(o.calls)} calls up in ${setup.elapsedS.toFixed(2)} s ` +
        `(${fmt(setup.rate)} calls/s, ${fmt(setup.eventsPerCall, 1)} events/call), ${fmt(channels)} channels`,
    );
    await sleep(500);
    const memHeld = await child.mem();
    const rssNow = procRssKiB(child.pid);
    log(
      `  ${scenario}: held RSS ${fmt(memHeld.rssKiB / 1024, 1)} MiB (proc ${fmt((rssNow ?? 0) / 1024, 1)}), heap ${fmt(memHeld.heapUsed / 1048576, 1)} MiB`,
    );

    const teardown = await teardownPhase(producer, sub, driver, o.calls, channels, o, child.pid);
    const leftover = await simChannels(producer);
    log(
      `  ${scenario}: torn down in ${teardown.elapsedS.toFixed(2)} s (${fmt(teardown.rate)} calls/s, ${fmt(teardown.eventsPerCall, 1)} events/call), ${leftover} channels left`,
    );
    await sleep(300);
    const memAfter = await child.mem();
    producer.close();
    subConn.close();
    const denom = Math.max(1, memHeld.channels - memBase.channels);
    return {
      runtime: child.runtime,
      result: {
        scenario,
        calls: o.calls,
        channels,
        setup,
        teardown,
        memIdle,
        memBase,
        memHeld,
        memAfter,
        rssBytesPerChannel: ((memHeld.rssKiB - memBase.rssKiB) * 1024) / denom,
        heapBytesPerChannel: (memHeld.heapUsed - memBase.heapUsed) / denom,
        rssBytesPerChannelFromIdle: ((memHeld.rssKiB - memIdle.rssKiB) * 1024) / denom,
        leftover,
        subscriberClosed,
      },
    };
  } finally {
    await child.stop();
  }
}

/**
 * The sip scenario driven through `pbx.incomingCall` on a PBX built from the same configuration, in
 * this process, with the same in-flight bound: what the telephony core costs without the AMI layer.
 */
async function runPbxOnly(o: CallBenchOptions): Promise<PbxOnlyResult> {
  const dir = writeCallsConfig({ peers: 100, answerMs: o.answerMs, writeTimeoutMs: o.writeTimeoutMs });
  const pbx = createPbxFromConfigDir(dir, { clock: new RealClock(), seed: 1 });
  let events = 0;
  let established = 0;
  let hangups = 0;
  let wake: (() => void) | null = null;
  const off = pbx.onAny((name, payload) => {
    events++;
    if (name === 'BridgeEnter') {
      const p = payload as { channel: { name: string } };
      if (p.channel.name.startsWith('SIP/phone-')) established++;
    } else if (name === 'Hangup') hangups++;
    if (wake) {
      const w = wake;
      wake = null;
      setImmediate(w);
    }
  });
  const until = (pred: () => boolean, timeoutS: number): Promise<boolean> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const check = (): void => {
        if (pred()) return resolve(true);
        if (performance.now() - t0 > timeoutS * 1000) return resolve(false);
        wake = check;
        setTimeout(() => {
          if (wake === check) {
            wake = null;
            check();
          }
        }, 50);
      };
      check();
    });
  const round = async (
    calls: number,
  ): Promise<{ setup: [number, number, number]; down: [number, number] }> => {
    events = 0;
    established = 0;
    hangups = 0;
    let sent = 0;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await until(() => {
      while (sent < calls && sent - established < o.inflight) {
        pbx.incomingCall({
          from: `phone-${String(sent % 100).padStart(2, '0')}`,
          exten: `1${String((sent * 7) % 100).padStart(2, '0')}`,
          callerIdNum: `9${sent}`,
        });
        sent++;
      }
      return established >= calls;
    }, o.phaseTimeoutS);
    const elapsed = (performance.now() - t0) / 1000;
    const c1 = process.cpuUsage(c0);
    await sleep(300);
    const setupEvents = events;
    events = 0;
    const d0 = process.cpuUsage();
    const chans = pbx.channels().filter((c) => c.name.startsWith('SIP/phone-'));
    for (const ch of chans) pbx.hangup(ch);
    await until(() => hangups >= 2 * chans.length, o.phaseTimeoutS);
    const d1 = process.cpuUsage(d0);
    await sleep(300);
    return {
      setup: [elapsed, setupEvents, (c1.user + c1.system) / established],
      down: [events, (d1.user + d1.system) / Math.max(1, chans.length)],
    };
  };
  try {
    if (o.warmup) await round(o.warmup);
    const done0 = o.calls;
    const r = await round(done0);
    const completed = Math.min(done0, established);
    return {
      calls: o.calls,
      completed,
      elapsedS: r.setup[0],
      rate: completed / r.setup[0],
      eventsPerCall: r.setup[1] / Math.max(1, completed),
      cpuUsPerCall: r.setup[2],
      teardownEventsPerCall: r.down[0] / Math.max(1, completed),
      teardownCpuUsPerCall: r.down[1],
    };
  } finally {
    off();
    pbx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runCallBench(o: CallBenchOptions): Promise<CallBenchResult> {
  const loadavgStart = loadavg();
  const scenarios: ScenarioResult[] = [];
  let runtime = '';
  for (const s of o.scenarios) {
    o.log?.(`calls: scenario ${s}, ${fmt(o.calls)} calls (${fmt(2 * o.calls)} channels)`);
    const r = await runScenario(s, o);
    runtime = r.runtime;
    scenarios.push(r.result);
  }
  let pbxOnly: PbxOnlyResult | undefined;
  if (o.scenarios.includes('sip')) {
    o.log?.(`calls: sip scenario on the PBX alone (in process, no AMI)`);
    pbxOnly = await runPbxOnly(o);
    o.log?.(
      `  pbx only: ${fmt(pbxOnly.completed)} calls up in ${pbxOnly.elapsedS.toFixed(2)} s (${fmt(pbxOnly.rate)} calls/s, ${fmt(pbxOnly.cpuUsPerCall)} µs CPU/call)`,
    );
  }
  const { log: _log, ...options } = o;
  void _log;
  return { runtime, pbxOnly, options, loadavgStart, loadavgEnd: loadavg(), scenarios };
}

// ---------------------------------------------------------------- report

const mibOf = (kib: number): string => `${(kib / 1024).toFixed(1)} MiB`;

export function callTables(r: CallBenchResult): string {
  const rows = r.scenarios;
  const setup = table(
    [
      'scenario',
      '>calls',
      '>channels',
      '>set-up s',
      '>calls/s',
      '>p50 ms',
      '>p99 ms',
      '>events/call',
      '>events/s to sub',
      '>MB/s to sub',
      '>srv CPU µs/call',
      '>busy',
    ],
    rows.map((s) => [
      s.scenario,
      `${fmt(s.setup.completed)}/${fmt(s.calls)}`,
      fmt(s.channels),
      s.setup.elapsedS.toFixed(2),
      fmt(s.setup.rate),
      fmt(s.setup.latP50Ms, 1),
      fmt(s.setup.latP99Ms, 1),
      fmt(s.setup.eventsPerCall, 1),
      fmt(s.setup.eventRate),
      (s.setup.byteRate / 1e6).toFixed(1),
      fmt(s.setup.serverCpuUsPerCall),
      s.setup.machineBusy === null ? '-' : `${Math.round(s.setup.machineBusy * 100)}%`,
    ]),
  );
  const down = table(
    ['scenario', '>tear-down s', '>calls/s', '>events/call', '>events/s to sub', '>srv CPU µs/call', '>left'],
    rows.map((s) => [
      s.scenario,
      s.teardown.elapsedS.toFixed(2),
      fmt(s.teardown.rate),
      fmt(s.teardown.eventsPerCall, 1),
      fmt(s.teardown.eventRate),
      fmt(s.teardown.serverCpuUsPerCall),
      String(s.leftover),
    ]),
  );
  const mem = table(
    [
      'scenario',
      '>channels held',
      '>RSS idle',
      '>RSS base',
      '>RSS held',
      '>RSS/channel',
      '>from idle',
      '>heap base',
      '>heap held',
      '>heap/channel',
      '>RSS after',
    ],
    rows.map((s) => [
      s.scenario,
      fmt(s.memHeld.channels),
      mibOf(s.memIdle.rssKiB),
      mibOf(s.memBase.rssKiB),
      mibOf(s.memHeld.rssKiB),
      `${(s.rssBytesPerChannel / 1024).toFixed(1)} KiB`,
      `${(s.rssBytesPerChannelFromIdle / 1024).toFixed(1)} KiB`,
      mibOf(s.memBase.heapUsed / 1024),
      mibOf(s.memHeld.heapUsed / 1024),
      `${(s.heapBytesPerChannel / 1024).toFixed(1)} KiB`,
      mibOf(s.memAfter.rssKiB),
    ]),
  );
  const kinds = rows.map(
    (s) =>
      `${s.scenario} set-up events: ${s.setup.byName.map(([n, c]) => `${n} ${fmt(c / Math.max(1, s.setup.completed), 1)}`).join(', ')}\n` +
      `${s.scenario} tear-down events: ${s.teardown.byName.map(([n, c]) => `${n} ${fmt(c / Math.max(1, s.calls), 1)}`).join(', ')}`,
  );
  const warn = rows
    .filter((s) => s.setup.timedOut || s.teardown.timedOut || s.subscriberClosed || s.leftover > 0)
    .map(
      (s) =>
        `WARNING: ${s.scenario}: ${s.setup.timedOut || s.teardown.timedOut ? 'a phase timed out; ' : ''}${s.subscriberClosed ? 'the subscriber was disconnected; ' : ''}${s.leftover} channels left`,
    );
  const p = r.pbxOnly;
  const ref = p
    ? `\nReference: the sip scenario on the PBX alone (pbx.incomingCall in the bench process, no AMI): ` +
      `${fmt(p.completed)} calls in ${p.elapsedS.toFixed(2)} s = ${fmt(p.rate)} calls/s, ${fmt(p.cpuUsPerCall)} µs CPU per set-up ` +
      `(${fmt(p.eventsPerCall, 1)} domain events), ${fmt(p.teardownCpuUsPerCall)} µs CPU per tear-down (${fmt(p.teardownEventsPerCall, 1)} events)`
    : '';
  return [
    `Call set-up, end to end (every event to one TCP subscriber; window ${r.options.window}, at most ${r.options.inflight} calls in flight)`,
    setup,
    `\nTear-down (regex Hangup ${r.options.teardown === 'one' ? 'of every call at once' : 'by groups of calls, 4 outstanding'}; until the subscriber saw every Hangup event)`,
    down,
    `\nMemory with every call up (server after forced GC; base = after the warm-up calls; per channel = (held - base) / channels; from idle = (held - idle) / channels)`,
    mem,
    '',
    ...kinds,
    ...(ref ? [ref] : []),
    ...warn,
  ].join('\n');
}

// ---------------------------------------------------------------- standalone

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  let a;
  try {
    a = parseArgs(process.argv.slice(2), {
      quick: false,
      calls: 0,
      warmup: -1,
      scenarios: CALL_DEFAULTS.common.scenarios.join(','),
      window: CALL_DEFAULTS.common.window,
      inflight: CALL_DEFAULTS.common.inflight,
      'answer-ms': CALL_DEFAULTS.common.answerMs,
      writetimeout: CALL_DEFAULTS.common.writeTimeoutMs,
      teardown: CALL_DEFAULTS.common.teardown as string,
    });
  } catch (e) {
    console.error(String((e as Error).message));
    process.exit(2);
  }
  const d = a.quick ? CALL_DEFAULTS.quick : CALL_DEFAULTS.full;
  const scenarios = a.scenarios.split(',').map((s) => s.trim()) as CallScenario[];
  for (const s of scenarios) {
    if (!(s in DRIVERS)) {
      console.error(`unknown scenario ${s}; known: ${Object.keys(DRIVERS).join(', ')}`);
      process.exit(2);
    }
  }
  console.log(
    `amikit call bench (${a.quick ? 'quick' : 'full'}) node ${process.version}, ${machine().cpus} CPUs, loadavg ${loadavg()}`,
  );
  const r = await runCallBench({
    calls: a.calls || d.calls,
    warmup: a.warmup >= 0 ? a.warmup : d.warmup,
    scenarios,
    window: a.window,
    inflight: a.inflight,
    answerMs: a['answer-ms'],
    writeTimeoutMs: a.writetimeout,
    teardown: a.teardown === 'one' ? 'one' : 'groups',
    phaseTimeoutS: a.quick ? 20 : 120,
    log: (l) => console.log(l),
  });
  console.log(`\nserver: ${r.runtime}\n` + callTables(r) + `\nloadavg ${r.loadavgStart} -> ${r.loadavgEnd}`);
}

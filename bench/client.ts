/**
 * Client receive benchmark: events/s (parse + dispatch to one listener) and memory while a local AMI
 * server floods events, for amikit's AmiClient and for asterisk-manager, asterisk-ami-client and yana
 * receiving the same flood. Each client runs in its own child process (so memory figures are its own);
 * the flood server runs here and respects TCP backpressure, so the rate is what the client can read.
 *
 *   npx tsx bench/client.ts [--events N] [--libs amikit,yana,...] [--json]
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';

export const LIBS = ['amikit', 'asterisk-manager', 'asterisk-ami-client', 'yana'] as const;
export type Lib = (typeof LIBS)[number];

export interface ClientBenchResult {
  lib: Lib;
  events: number;
  ms: number;
  eventsPerSec: number;
  /** Peak resident set size of the client process during the flood (MiB). */
  peakRssMiB: number;
  /** Peak V8 heap used during the flood (MiB). */
  peakHeapMiB: number;
  error?: string;
}

export interface ClientBenchOptions {
  events?: number;
  libs?: readonly Lib[];
  /** Per-library time limit. */
  timeoutMs?: number;
}

// ------------------------------------------------------------------------------------------ server

/** A representative mix of Asterisk 20 events (channel, dialplan, queue), ~300-600 bytes each. */
function eventBlock(i: number): string {
  const ch = `SIP/trunk-${(i % 100000).toString(16).padStart(8, '0')}`;
  const uid = `1700000000.${i}`;
  const common =
    `Channel: ${ch}\r\nChannelState: 6\r\nChannelStateDesc: Up\r\nCallerIDNum: 2015550${i % 1000}\r\n` +
    `CallerIDName: Caller ${i}\r\nConnectedLineNum: <unknown>\r\nConnectedLineName: <unknown>\r\nLanguage: en\r\n` +
    `AccountCode: \r\nContext: from-trunk\r\nExten: 200\r\nPriority: 1\r\nUniqueid: ${uid}\r\nLinkedid: ${uid}\r\n`;
  switch (i & 3) {
    case 0:
      return `Event: Newchannel\r\nPrivilege: call,all\r\n${common}\r\n`;
    case 1:
      return `Event: Newexten\r\nPrivilege: dialplan,all\r\n${common}Extension: 200\r\nApplication: Queue\r\nAppData: sales\r\n\r\n`;
    case 2:
      return `Event: VarSet\r\nPrivilege: dialplan,all\r\n${common}Variable: QUEUEPOSITION\r\nValue: ${i % 7}\r\n\r\n`;
    default:
      return (
        `Event: QueueMemberStatus\r\nPrivilege: agent,all\r\nQueue: sales\r\nMemberName: Agent ${i % 50}\r\n` +
        `Interface: Local/${100 + (i % 50)}@agents\r\nStateInterface: SIP/${100 + (i % 50)}\r\nMembership: dynamic\r\n` +
        `Penalty: 0\r\nCallsTaken: ${i}\r\nLastCall: 1700000000\r\nLastPause: 0\r\nLoginTime: 1700000000\r\nInCall: 1\r\n` +
        `Status: 2\r\nPaused: 0\r\nPausedReason: \r\nRinginuse: 0\r\nWrapuptime: 0\r\n\r\n`
      );
  }
}

/** Pre-built flood: N events in 256 KiB buffers, then `Event: FloodEnd`. */
export function buildFlood(n: number): Buffer[] {
  const out: Buffer[] = [];
  let cur = '';
  for (let i = 0; i < n; i++) {
    cur += eventBlock(i);
    if (cur.length > 256 * 1024) {
      out.push(Buffer.from(cur, 'latin1'));
      cur = '';
    }
  }
  cur += 'Event: FloodEnd\r\nPrivilege: user,all\r\n\r\n';
  out.push(Buffer.from(cur, 'latin1'));
  return out;
}

export interface FloodServer {
  port: number;
  close(): Promise<void>;
}

/** Banner, accepts any Login, answers other actions with Success; `Action: StartFlood` (or 100 ms after login) starts the flood. */
export async function floodServer(flood: Buffer[]): Promise<FloodServer> {
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => {});
    s.setNoDelay(true);
    s.write('Asterisk Call Manager/9.0.0\r\n');
    let buf = '';
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      let i = 0;
      const pump = (): void => {
        while (i < flood.length) if (!s.write(flood[i++])) return void s.once('drain', pump);
      };
      pump();
    };
    s.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const msg = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const id = /^ActionID:\s*(.*)$/im.exec(msg)?.[1];
        const action = /^Action:\s*(.*)$/im.exec(msg)?.[1]?.trim().toLowerCase();
        const idLine = id !== undefined ? `ActionID: ${id}\r\n` : '';
        if (action === 'login') {
          s.write(`Response: Success\r\n${idLine}Message: Authentication accepted\r\n\r\n`);
          setTimeout(start, 100);
        } else if (action === 'startflood') start();
        else s.write(`Response: Success\r\n${idLine}\r\n`);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of socks) s.destroy();
        srv.close(() => r());
      }),
  };
}

// ------------------------------------------------------------------------------------------ clients

type Connector = (port: number, onEvent: (name: string) => void, onReady: () => void) => Promise<() => void>;

const require = createRequire(import.meta.url);

const CONNECTORS: Record<Lib, Connector> = {
  async amikit(port, onEvent, onReady) {
    const { AmiClient } = await import('../src/client/index.js');
    const c = new AmiClient({ port, username: 'bench', secret: 'bench', keepaliveMs: 0, reconnect: false });
    c.on('event', (e) => onEvent(e.Event));
    await c.connect();
    onReady();
    return () => void c.close();
  },
  async 'asterisk-manager'(port, onEvent, onReady) {
    const Manager = require('asterisk-manager') as new (
      ...a: unknown[]
    ) => NodeJS.EventEmitter & { disconnect(): void };
    const m = new Manager(port, '127.0.0.1', 'bench', 'bench', true);
    m.on('managerevent', (e: { event: string }) => onEvent(e.event));
    m.on('error', () => {});
    m.once('connect', onReady);
    return () => m.disconnect();
  },
  async 'asterisk-ami-client'(port, onEvent, onReady) {
    const Client = require('asterisk-ami-client') as new (o: object) => NodeJS.EventEmitter & {
      connect(u: string, s: string, o: object): Promise<unknown>;
      disconnect(): void;
    };
    const c = new Client({ reconnect: false, keepAlive: false, emitEventsByTypes: false });
    c.on('event', (e: { Event: string }) => onEvent(e.Event));
    c.on('internalError', () => {});
    await c.connect('bench', 'bench', { host: '127.0.0.1', port });
    onReady();
    return () => c.disconnect();
  },
  async yana(port, onEvent, onReady) {
    const AMI = require('yana') as new (
      o: object,
    ) => NodeJS.EventEmitter & { connect(cb: () => void): void; disconnect?(): void };
    const a = new AMI({
      port,
      host: '127.0.0.1',
      login: 'bench',
      password: 'bench',
      events: true,
      reconnect: false,
    });
    a.on('event', (e: { Event: string }) => onEvent(e.Event));
    a.on('error', () => {});
    a.connect(onReady);
    return () => a.disconnect?.();
  },
};

/** Child side: connect, count events until FloodEnd, report JSON on stdout. */
async function worker(lib: Lib, port: number, expected: number): Promise<void> {
  let count = 0;
  let t0 = 0;
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
  };
  const sampler = setInterval(sample, 20);
  let stop: () => void = () => {};
  await new Promise<void>((resolve) => {
    const onEvent = (name: string): void => {
      if (name === 'FloodEnd') {
        const ms = performance.now() - t0;
        sample();
        clearInterval(sampler);
        const r: ClientBenchResult = {
          lib,
          events: count,
          ms,
          eventsPerSec: Math.round((count / ms) * 1000),
          peakRssMiB: +(peakRss / 1048576).toFixed(1),
          peakHeapMiB: +(peakHeap / 1048576).toFixed(1),
        };
        if (count !== expected) r.error = `received ${count} of ${expected} events`;
        process.stdout.write(JSON.stringify(r) + '\n');
        resolve();
        return;
      }
      if (count++ === 0) t0 = performance.now();
    };
    CONNECTORS[lib](port, onEvent, () => {}).then(
      (s) => (stop = s),
      (e: Error) => {
        process.stdout.write(JSON.stringify({ lib, error: e.message }) + '\n');
        resolve();
      },
    );
  });
  stop();
  setTimeout(() => process.exit(0), 50).unref();
}

function runWorker(lib: Lib, port: number, events: number, timeoutMs: number): Promise<ClientBenchResult> {
  return new Promise((resolve) => {
    const self = fileURLToPath(import.meta.url);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', self, '--worker', lib, String(port), String(events)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', () => {
      clearTimeout(kill);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ClientBenchResult);
      } catch {
        resolve({
          lib,
          events: 0,
          ms: 0,
          eventsPerSec: 0,
          peakRssMiB: 0,
          peakHeapMiB: 0,
          error: (err.trim().split('\n').pop() ?? '') || 'timed out',
        });
      }
    });
  });
}

/** Runs the flood once per library (same server, same bytes) and returns one result per library. */
export async function benchClient(options: ClientBenchOptions = {}): Promise<ClientBenchResult[]> {
  const events = options.events ?? 200_000;
  const libs = options.libs ?? LIBS;
  const server = await floodServer(buildFlood(events));
  const results: ClientBenchResult[] = [];
  try {
    for (const lib of libs)
      results.push(await runWorker(lib, server.port, events, options.timeoutMs ?? 120_000));
  } finally {
    await server.close();
  }
  return results;
}

export function formatResults(results: ClientBenchResult[]): string {
  const rows = [['client', 'events', 'ms', 'events/s', 'peak RSS MiB', 'peak heap MiB', 'note']];
  for (const r of results) {
    rows.push([
      r.lib,
      String(r.events ?? 0),
      (r.ms ?? 0).toFixed(0),
      String(r.eventsPerSec ?? 0),
      String(r.peakRssMiB ?? ''),
      String(r.peakHeapMiB ?? ''),
      r.error ?? '',
    ]);
  }
  const ours = results.find((r) => r.lib === 'amikit');
  const others = results.filter((r) => r.lib !== 'amikit' && !r.error && r.eventsPerSec > 0);
  const best = others.reduce<ClientBenchResult | undefined>(
    (b, r) => (!b || r.eventsPerSec > b.eventsPerSec ? r : b),
    undefined,
  );
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  let s = rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
  if (ours && best)
    s += `\namikit / fastest other (${best.lib}): ${(ours.eventsPerSec / best.eventsPerSec).toFixed(2)}x events/s`;
  return s;
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--worker') {
    void worker(argv[1] as Lib, Number(argv[2]), Number(argv[3]));
  } else {
    const get = (flag: string): string | undefined => {
      const i = argv.indexOf(flag);
      return i >= 0 ? argv[i + 1] : undefined;
    };
    const events = Number(get('--events') ?? 200_000);
    const libs = (get('--libs')?.split(',') as Lib[] | undefined) ?? LIBS;
    benchClient({ events, libs }).then((r) => {
      console.log(argv.includes('--json') ? JSON.stringify(r, null, 2) : formatResults(r));
    });
  }
}

/**
 * HTTP-side benchmark, each figure beside its TCP counterpart measured in the same run:
 *   - `/rawman?action=ping` round trips per second on one kept-alive HTTP connection (one request
 *     outstanding) vs `Action: Ping` round trips per second on one TCP session;
 *   - events per second delivered to one WebSocket subscriber (subprotocol ami, and ami-json) vs one
 *     TCP subscriber, for events published in the server process.
 * Starts its own amikit on loopback ephemeral ports. Standalone:
 *   node --import tsx bench/http.ts [--durationMs 3000] [--events 50000] [--runs 3]
 */
import net from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import { startAmikit, type RunningServer } from '../src/server.js';
import { silentLogger } from '../src/logger.js';
import { EVENT_FLAG } from '../src/config/permissions.js';
import { median, parseArgs } from './lib/common.js';

export interface HttpBenchOptions {
  /** How long each round-trip measurement runs. */
  durationMs?: number;
  /** Events published per fan-out measurement. */
  events?: number;
  /** Repetitions; the median is reported. */
  runs?: number;
}

const USER = 'bench';
const SECRET = 'bench';

function configDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-bench-http-'));
  writeFileSync(
    join(dir, 'manager.conf'),
    `[general]\nenabled = yes\nwebenabled = yes\nport = 5038\nbindaddr = 127.0.0.1\ndisplayconnects = no\n\n[${USER}]\nsecret = ${SECRET}\nread = all\nwrite = all\nwritetimeout = 5000\n`,
  );
  writeFileSync(join(dir, 'http.conf'), '[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = 8088\n');
  return dir;
}

/** A socket reader that resolves when `done(buffer)` says a reply is complete. */
class Conn {
  buf = '';
  private waiter: (() => void) | null = null;
  constructor(readonly sock: net.Socket) {
    sock.setNoDelay(true);
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.waiter?.();
    });
  }
  static async open(port: number): Promise<Conn> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => s.once('connect', () => r()));
    return new Conn(s);
  }
  /** Waits until `cut(buf)` returns the end offset of a complete reply, then drops it. */
  async take(cut: (b: string) => number): Promise<string> {
    for (;;) {
      const end = cut(this.buf);
      if (end > 0) {
        const out = this.buf.slice(0, end);
        this.buf = this.buf.slice(end);
        return out;
      }
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = null;
    }
  }
}

const amiCut = (b: string): number => {
  const i = b.indexOf('\r\n\r\n');
  return i < 0 ? -1 : i + 4;
};
const httpCut = (b: string): number => {
  const i = b.indexOf('\r\n\r\n');
  if (i < 0) return -1;
  const m = /\r\nContent-Length: (\d+)/i.exec(b.slice(0, i));
  const end = i + 4 + (m ? Number(m[1]) : 0);
  return b.length >= end ? end : -1;
};

async function tcpPing(port: number, ms: number): Promise<number> {
  const c = await Conn.open(port);
  await c.take((b) => (b.indexOf('\r\n') < 0 ? -1 : b.indexOf('\r\n') + 2));
  c.sock.write(`Action: Login\r\nUsername: ${USER}\r\nSecret: ${SECRET}\r\nEvents: off\r\n\r\n`);
  await c.take(amiCut);
  const end = performance.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    c.sock.write('Action: Ping\r\n\r\n');
    await c.take(amiCut);
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  c.sock.destroy();
  return rate;
}

async function httpPing(port: number, ms: number): Promise<number> {
  const c = await Conn.open(port);
  c.sock.write(`GET /rawman?action=login&username=${USER}&secret=${SECRET} HTTP/1.1\r\nHost: bench\r\n\r\n`);
  const login = await c.take(httpCut);
  const cookie = /mansession_id="([0-9a-f]+)"/.exec(login)?.[1];
  if (!cookie) throw new Error('HTTP login failed: ' + login);
  const req = `GET /rawman?action=ping HTTP/1.1\r\nHost: bench\r\nCookie: mansession_id="${cookie}"\r\n\r\n`;
  const end = performance.now() + ms;
  let n = 0;
  const t0 = performance.now();
  while (performance.now() < end) {
    c.sock.write(req);
    const r = await c.take(httpCut);
    if (n === 0 && !r.includes('Ping: Pong')) throw new Error('unexpected reply: ' + r);
    n++;
  }
  const rate = n / ((performance.now() - t0) / 1000);
  c.sock.destroy();
  return rate;
}

/** Publishes `count` events in the server and times their arrival at one subscriber. */
async function fanout(
  srv: RunningServer,
  count: number,
  subscribe: () => Promise<{ received: () => number; close: () => void }>,
): Promise<number> {
  const sub = await subscribe();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    srv.manager.publish('UserEvent', EVENT_FLAG.USER, [
      ['UserEvent', 'Bench'],
      ['Seq', String(i)],
    ]);
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  while (sub.received() < count) await new Promise((r) => setTimeout(r, 1));
  const rate = count / ((performance.now() - t0) / 1000);
  sub.close();
  return rate;
}

function countEvents(text: string): number {
  let n = 0;
  let i = -1;
  while ((i = text.indexOf('UserEvent: Bench', i + 1)) >= 0) n++;
  return n;
}

async function tcpSubscriber(port: number): Promise<{ received: () => number; close: () => void }> {
  const c = await Conn.open(port);
  await c.take((b) => (b.indexOf('\r\n') < 0 ? -1 : b.indexOf('\r\n') + 2));
  c.sock.write(`Action: Login\r\nUsername: ${USER}\r\nSecret: ${SECRET}\r\nEvents: user\r\n\r\n`);
  await c.take(amiCut);
  let n = 0;
  c.sock.removeAllListeners('data');
  let tail = '';
  c.sock.on('data', (d: Buffer) => {
    const text = tail + d.toString('latin1');
    n += countEvents(text);
    tail = text.slice(Math.max(0, text.length - 20));
    n -= countEvents(tail);
  });
  return { received: () => n, close: () => c.sock.destroy() };
}

async function wsSubscriber(
  port: number,
  protocol: 'ami' | 'ami-json',
): Promise<{ received: () => number; close: () => void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, [protocol]);
  await new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  let n = 0;
  let loggedIn = false;
  await new Promise<void>((resolve) => {
    ws.on('message', (d: Buffer) => {
      if (!loggedIn) {
        if (d.includes('Authentication accepted')) {
          loggedIn = true;
          resolve();
        }
        return;
      }
      if (d.includes('Bench')) n++;
    });
    const login = { Action: 'Login', Username: USER, Secret: SECRET, Events: 'user' };
    ws.send(
      protocol === 'ami'
        ? `Action: Login\r\nUsername: ${USER}\r\nSecret: ${SECRET}\r\nEvents: user\r\n\r\n`
        : JSON.stringify(login),
    );
  });
  return { received: () => n, close: () => ws.terminate() };
}

export async function runHttpBench(opts: HttpBenchOptions = {}): Promise<Record<string, number>> {
  const durationMs = opts.durationMs ?? 3000;
  const events = opts.events ?? 50_000;
  const runs = opts.runs ?? 3;
  const dir = configDir();
  const srv = await startAmikit({ configDir: dir, amiPort: 0, httpPort: 0, logger: silentLogger() });
  try {
    const amiPort = srv.amiAddress?.port ?? 0;
    const httpPort = srv.httpAddress?.port ?? 0;
    const series: Record<string, number[]> = {
      tcp_ping_rps: [],
      http_rawman_ping_rps: [],
      tcp_events_per_s: [],
      ws_ami_events_per_s: [],
      ws_json_events_per_s: [],
    };
    for (let r = 0; r < runs; r++) {
      series.tcp_ping_rps.push(await tcpPing(amiPort, durationMs));
      series.http_rawman_ping_rps.push(await httpPing(httpPort, durationMs));
      series.tcp_events_per_s.push(await fanout(srv, events, () => tcpSubscriber(amiPort)));
      series.ws_ami_events_per_s.push(await fanout(srv, events, () => wsSubscriber(httpPort, 'ami')));
      series.ws_json_events_per_s.push(await fanout(srv, events, () => wsSubscriber(httpPort, 'ami-json')));
    }
    const out: Record<string, number> = {};
    for (const [k, xs] of Object.entries(series)) out[k] = Math.round(median(xs));
    out.http_vs_tcp_ping_ratio = Number((out.http_rawman_ping_rps / out.tcp_ping_rps).toFixed(3));
    out.ws_vs_tcp_events_ratio = Number((out.ws_ami_events_per_s / out.tcp_events_per_s).toFixed(3));
    out.ws_json_vs_tcp_events_ratio = Number((out.ws_json_events_per_s / out.tcp_events_per_s).toFixed(3));
    return out;
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const o = parseArgs(process.argv.slice(2), { durationMs: 3000, events: 50_000, runs: 3 });
  runHttpBench(o).then(
    (r) => {
      for (const [k, v] of Object.entries(r)) console.log(`${k.padEnd(30)} ${v}`);
    },
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

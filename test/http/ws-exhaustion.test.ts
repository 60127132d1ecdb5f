/**
 * Issue 11, finding 2: a WebSocket client that never reads and sends a stream of tiny frames (invalid
 * ones, each earning an error reply, or pings, each earning a pong), or a TCP client doing the same
 * with tiny messages, is dropped, and the server's memory stays bounded; an unauthenticated WebSocket session counts against authlimit and ends
 * after authtimeout like a TCP one; an oversized frame closes the socket with 1009.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir, startChildServer, type ChildServer } from '../helpers/fixtures.js';
import { WS_MAX_PAYLOAD } from '../../src/manager/transports/http/ws.js';

/** A WebSocket opened by hand, so that the test decides exactly what is read and written. */
function rawWebSocket(port: number, protocol: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      sock.pause();
      if (!head.startsWith('HTTP/1.1 101 ')) reject(new Error(head.slice(0, end)));
      else resolve(sock);
    };
    sock.on('data', onData);
    sock.once('error', reject);
    sock.write(
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
    );
  });
}

/** A TCP AMI connection that has read its banner and reads nothing more. */
function rawTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('data', () => {
      sock.pause();
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

/** One masked client frame (payload under 126 bytes). */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const out = Buffer.alloc(6 + payload.length);
  out[0] = 0x80 | opcode;
  out[1] = 0x80 | payload.length;
  mask.copy(out, 2);
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i % 4];
  return out;
}

/** The server's peak RSS may grow by less than this during one flood (the old code: +470 MB in 12 s). */
const RSS_BOUND_MB = 64;
/** What the server still references after FLOOD_MS may grow by less than this (queued replies). */
const RETAINED_BOUND_MB = 16;
const FLOOD_MS = 4000;

interface FloodResult {
  dropped: boolean;
  error: string;
  sent: number;
  ms: number;
  rssGrowthMb: number;
  retainedGrowthMb: number;
}

/**
 * Sends `unit` over and over without ever reading, honouring only the kernel's backpressure, for
 * FLOOD_MS or until the server closes the connection; then measures what the server still holds,
 * and waits for it to drop the client. Samples the server's RSS all along.
 */
async function flood(srv: ChildServer, protocol: string, unit: Buffer): Promise<FloodResult> {
  const baseRetained = await srv.retained();
  const base = await srv.rss();
  let peak = base;
  const sock = protocol === 'tcp' ? await rawTcp(srv.amiPort) : await rawWebSocket(srv.httpPort, protocol);
  let dropped = false;
  const gone = new Promise<void>((r) =>
    sock.once('close', () => {
      dropped = true;
      r();
    }),
  );
  let error = '';
  sock.on('error', (e) => (error = e.message));
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, await srv.rss());
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const batch = Buffer.concat(Array.from({ length: 8192 }, () => unit));
  const start = Date.now();
  const windowEnd = start + FLOOD_MS;
  let sent = 0;
  while (!dropped && Date.now() < windowEnd) {
    sent += batch.length;
    if (!sock.write(batch)) {
      await Promise.race([
        new Promise<void>((r) => sock.once('drain', () => r())),
        gone,
        new Promise((r) => setTimeout(r, Math.max(0, windowEnd - Date.now())).unref()),
      ]);
    }
  }
  const retained = await srv.retained();
  // Once the client stops sending, the server's own rule must still end it.
  await Promise.race([gone, new Promise((r) => setTimeout(r, 15_000).unref())]);
  const ms = Date.now() - start;
  sampling = false;
  await sampler;
  peak = Math.max(peak, await srv.rss());
  sock.destroy();
  return {
    dropped,
    error,
    sent,
    ms,
    rssGrowthMb: (peak - base) / 1048576,
    retainedGrowthMb: (retained - baseRetained) / 1048576,
  };
}

describe('a client that never reads and floods', { timeout: 120_000 }, () => {
  let srv: ChildServer;
  before(async () => {
    srv = await startChildServer(conformanceConfigDir());
  });
  after(async () => {
    await srv.stop();
  });

  const cases: Array<[string, string, Buffer]> = [
    ['ami-json, invalid JSON frames', 'ami-json', frame(0x1, Buffer.from('x'))],
    ['ami, frames that are no action', 'ami', frame(0x1, Buffer.from('x'))],
    ['ami-json, pings', 'ami-json', frame(0x9, Buffer.alloc(125, 0x61))],
    ['TCP, messages that are no action', 'tcp', Buffer.from('x\r\n\r\n')],
  ];
  for (const [name, protocol, unit] of cases) {
    test(`${name}: nothing piles up, dropped, server RSS grows < ${RSS_BOUND_MB} MB`, async (t) => {
      const r = await flood(srv, protocol, unit);
      t.diagnostic(
        `${name}: sent ${(r.sent / 1048576).toFixed(1)} MB; dropped ${r.dropped} after ${r.ms} ms (${r.error || 'closed'}); ` +
          `retained +${r.retainedGrowthMb.toFixed(1)} MB; peak RSS +${r.rssGrowthMb.toFixed(1)} MB`,
      );
      assert.ok(
        r.retainedGrowthMb < RETAINED_BOUND_MB,
        `the server holds ${r.retainedGrowthMb.toFixed(1)} MB more after ${FLOOD_MS} ms of flood`,
      );
      assert.ok(r.dropped, `the server dropped the client (after ${r.ms} ms)`);
      assert.ok(r.rssGrowthMb < RSS_BOUND_MB, `server RSS grew by ${r.rssGrowthMb.toFixed(1)} MB`);
    });
  }
});

/** A WebSocket client that keeps what it receives and how it was closed. */
class WsPeer {
  readonly msgs: string[] = [];
  closed: Promise<{ code: number; at: number }>;
  readonly opened = Date.now();
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => this.msgs.push(d.toString('latin1')));
    ws.on('error', () => {});
    this.closed = new Promise((r) => ws.once('close', (code: number) => r({ code, at: Date.now() })));
  }
  static async open(port: number, protocol = 'ami'): Promise<WsPeer> {
    const p = new WsPeer(new WebSocket(`ws://127.0.0.1:${port}/ws`, [protocol]));
    await new Promise<void>((resolve, reject) => {
      p.ws.once('open', () => resolve());
      p.ws.once('error', reject);
    });
    return p;
  }
  async first(): Promise<string> {
    while (this.msgs.length === 0) {
      const closed = await Promise.race([this.closed, new Promise((r) => setTimeout(r, 20))]);
      if (closed && this.msgs.length === 0) throw new Error('closed before any message');
    }
    return this.msgs[0];
  }
}

/** Resolves with true when the TCP AMI greets, false when it closes without a banner. */
function tcpGreets(port: number): Promise<{ greeted: boolean; sock: net.Socket }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => {});
    sock.once('data', () => resolve({ greeted: true, sock }));
    sock.once('close', () => resolve({ greeted: false, sock }));
  });
}

describe('unauthenticated WebSocket sessions: authlimit and authtimeout', () => {
  let srv: TestServer;
  let port = 0;
  before(async () => {
    const dir = conformanceConfigDir((t) =>
      t.replace(/^authtimeout = .*$/m, 'authtimeout = 1').replace(/^authlimit = .*$/m, 'authlimit = 2'),
    );
    srv = await startTestServer({ configDir: dir, httpPort: 0 });
    port = srv.httpAddress?.port ?? 0;
  });
  after(async () => {
    await srv.dispose();
  });

  test('two waiting WebSockets fill authlimit = 2 (a third and a TCP client are refused); authtimeout = 1 ends them', async () => {
    const a = await WsPeer.open(port);
    const b = await WsPeer.open(port, 'ami-json');
    assert.equal(await a.first(), 'Asterisk Call Manager/9.0.0\r\n');
    assert.equal(await b.first(), '{"Banner":"Asterisk Call Manager/9.0.0"}');

    const c = await WsPeer.open(port);
    assert.equal((await c.closed).code, 1013, 'a third unauthenticated WebSocket is refused');
    assert.deepEqual(c.msgs, [], 'no banner for the refused one');
    const tcp = await tcpGreets(srv.port);
    assert.equal(tcp.greeted, false, 'a TCP client is refused too, without a banner');

    // authtimeout = 1: closed once time() - authstart > 1, i.e. between 1 and 2 s after the banner.
    for (const p of [a, b]) {
      const { code, at } = await p.closed;
      assert.equal(code, 1000);
      assert.ok(at - p.opened >= 900 && at - p.opened < 4000, `closed after ${at - p.opened} ms`);
    }

    // The slots are free again: a WebSocket logs in, and then no longer counts.
    const d = await WsPeer.open(port);
    await d.first();
    d.ws.send('Action: Login\r\nUsername: admin\r\nSecret: admin\r\n\r\n');
    while (!d.msgs.some((m) => m.startsWith('Response: Success')))
      await new Promise((r) => setTimeout(r, 20));
    const e = await WsPeer.open(port);
    const f = await WsPeer.open(port);
    await e.first();
    await f.first();
    const g = await WsPeer.open(port);
    assert.equal((await g.closed).code, 1013, 'the two new unauthenticated ones fill the limit again');
    // The logged-in one outlives authtimeout; the others do not.
    await e.closed;
    await f.closed;
    assert.equal(d.ws.readyState, WebSocket.OPEN, 'the authenticated session stays');
    d.ws.close();
  });

  test('a frame over the size limit closes the socket with 1009', async () => {
    const p = await WsPeer.open(port);
    await p.first();
    p.ws.send('Action: Ping\r\nX: ' + 'y'.repeat(WS_MAX_PAYLOAD) + '\r\n\r\n');
    assert.equal((await p.closed).code, 1009);
  });

  test('an ami-json message of more than 128 headers is refused as on TCP', async () => {
    const p = await WsPeer.open(port, 'ami-json');
    await p.first();
    const o: Record<string, string> = { Action: 'Ping' };
    for (let i = 0; i < 200; i++) o[`H${i}`] = 'v';
    p.ws.send(JSON.stringify(o));
    while (p.msgs.length < 2) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(JSON.parse(p.msgs[1]), {
      Response: 'Error',
      Message: 'Too many lines in message or allocation failure',
    });
    p.ws.close();
  });
});

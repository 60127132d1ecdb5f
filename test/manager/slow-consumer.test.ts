/**
 * Slow consumers: a session that stops reading is disconnected after its writetimeout, as Asterisk
 * does, and never slows the others: while 100k UserEvents flood the bus, another session's Pings stay
 * prompt, a fast subscriber gets every event in order, and the server's memory stays bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { loggedIn, sleep } from '../../src/testing/raw-ami.js';

const TOTAL = 100_000;
const BATCH = 1_000;

/** Adds a user that stops reading; writetimeout set explicitly to the default (100 ms). */
function withSlowUser(conf: string): string {
  return conf + '\n[slow]\nsecret = slow\nread = all\nwrite = all\nwritetimeout = 100\n';
}

/** A logged-in raw socket that only counts: responses to UserEvent and Flood events by sequence. */
class Counter {
  responses = 0;
  nextSeq = 0;
  outOfOrder = 0;
  closed = false;
  private tail = '';
  private waiters: Array<() => void> = [];

  constructor(readonly sock: net.Socket) {
    sock.removeAllListeners('data');
    sock.on('data', (d: Buffer) => this.feed(d.toString('latin1')));
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private feed(s: string): void {
    const text = this.tail + s;
    const end = text.lastIndexOf('\r\n\r\n');
    if (end < 0) {
      this.tail = text;
      return;
    }
    const done = text.slice(0, end + 4);
    this.tail = text.slice(end + 4);
    let i = -1;
    while ((i = done.indexOf('Message: Event Sent\r\n', i + 1)) >= 0) this.responses++;
    for (const m of done.matchAll(/\r\nUserEvent: Flood\r\nSeq: (\d+)\r\n/g)) {
      const n = Number(m[1]);
      if (n !== this.nextSeq) this.outOfOrder++;
      this.nextSeq = n + 1;
    }
    this.wake();
  }

  async until(cond: () => boolean, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      if (this.closed) throw new Error(`connection closed while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 100));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

test(
  'a session that stops reading is dropped; pings stay prompt, a fast subscriber gets all 100k events, memory bounded',
  { timeout: 90_000 },
  async (t) => {
    const srv = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir(withSlowUser) });
    const sockets: net.Socket[] = [];
    let pingTimer: NodeJS.Timeout | null = null;
    try {
      const rssBefore = process.memoryUsage().rss;

      // The slow one: events on, then never reads again.
      const slow = await loggedIn(srv.port, 'slow', 'slow');
      sockets.push(slow.sock);
      slow.sock.pause();
      const slowSession = [...srv.manager.sessions].find((s) => s.username === 'slow');
      assert.ok(slowSession, 'slow session exists on the server');
      let slowGoneAt = 0;
      slowSession.onClose.push(() => (slowGoneAt = Date.now()));

      // The fast subscriber: only user events.
      const subRaw = await loggedIn(srv.port, 'hello', 'world', [['Events', 'user']]);
      sockets.push(subRaw.sock);
      const sub = new Counter(subRaw.sock);

      // The pinger: no events at all, a Ping every 50 ms, each must come back within 1 s.
      const pinger = await loggedIn(srv.port, 'admin', 'admin', [['Events', 'off']]);
      sockets.push(pinger.sock);
      const rtts: number[] = [];
      let pingSeq = 0;
      let maxOutstanding = 0;
      const outstanding = new Map<string, number>();
      const ping = (): void => {
        const now = Date.now();
        for (const [, sent] of outstanding) maxOutstanding = Math.max(maxOutstanding, now - sent);
        const id = `p${++pingSeq}`;
        outstanding.set(id, now);
        pinger.write(`Action: Ping\r\nActionID: ${id}\r\n\r\n`);
      };
      pinger.sock.on('data', () => {
        for (const m of pinger.msgs) {
          const id = m.get('ActionID');
          if (id !== undefined && outstanding.has(id)) {
            rtts.push(Date.now() - (outstanding.get(id) as number));
            outstanding.delete(id);
          }
        }
        pinger.msgs.length = 0;
      });
      pingTimer = setInterval(ping, 50);

      // The producer: no events, UserEvents pipelined in batches, every response read.
      const prodRaw = await loggedIn(srv.port, 'admin', 'admin', [['Events', 'off']]);
      sockets.push(prodRaw.sock);
      const prod = new Counter(prodRaw.sock);

      const floodStart = Date.now();
      let peakRss = 0;
      for (let b = 0; b < TOTAL; b += BATCH) {
        let chunk = '';
        for (let i = b; i < b + BATCH; i++)
          chunk += `Action: UserEvent\r\nUserEvent: Flood\r\nSeq: ${i}\r\n\r\n`;
        prodRaw.sock.write(chunk);
        await prod.until(() => prod.responses >= b + BATCH, 10_000, `responses to batch ${b / BATCH}`);
        peakRss = Math.max(peakRss, process.memoryUsage().rss);
      }
      const floodEnd = Date.now();
      await sub.until(() => sub.nextSeq >= TOTAL, 15_000, 'all events at the fast subscriber');
      // The server drops a reader once its output made no progress for writetimeout (at least 500 ms).
      for (let waited = 0; slowGoneAt === 0 && waited < 5000; waited += 50) await sleep(50);
      clearInterval(pingTimer);
      ping();
      await sleep(300);
      pingTimer = null;
      const rssAfter = process.memoryUsage().rss;

      t.diagnostic(
        `flood ${floodEnd - floodStart} ms; slow dropped after ${slowGoneAt - floodStart} ms; ${rtts.length} pings, worst ${Math.max(...rtts)} ms; ` +
          `RSS before ${(rssBefore / 1048576).toFixed(0)} MB, peak ${(peakRss / 1048576).toFixed(0)} MB, after ${(rssAfter / 1048576).toFixed(0)} MB`,
      );
      assert.equal(prod.responses, TOTAL, 'every UserEvent answered');
      assert.equal(sub.nextSeq, TOTAL, 'fast subscriber got the last event');
      assert.equal(sub.outOfOrder, 0, 'fast subscriber got every event, in order');
      assert.equal(sub.closed, false, 'fast subscriber kept');

      assert.ok(
        rtts.length >= 3,
        `pings answered during the flood (${rtts.length}, flood took ${floodEnd - floodStart} ms)`,
      );
      assert.equal(outstanding.size, 0, 'no ping left unanswered');
      const maxRtt = Math.max(...rtts, maxOutstanding);
      assert.ok(maxRtt < 1000, `every Ping answered within 1 s (worst ${maxRtt} ms)`);

      assert.ok(slowGoneAt > 0, 'the slow session was disconnected by the server');
      assert.ok(
        slowGoneAt - floodStart < 10_000,
        `slow session dropped ${slowGoneAt - floodStart} ms after the flood began (flood took ${floodEnd - floodStart} ms)`,
      );
      assert.ok(!srv.manager.sessions.has(slowSession), 'slow session removed');
      assert.equal(slowSession.kicked, true, 'slow session marked as kicked');

      const growth = (Math.max(peakRss, rssAfter) - rssBefore) / 1024 / 1024;
      assert.ok(growth < 200, `RSS grew by ${growth.toFixed(1)} MB`);

      // Once it reads again, the client drains what the kernel held and sees the end of the stream.
      slow.sock.resume();
      await slow.waitClose(5000);
    } finally {
      if (pingTimer) clearInterval(pingTimer);
      for (const s of sockets) s.destroy();
      await srv.dispose();
    }
  },
);

test(
  'a session that stops reading its own responses is dropped too; others unaffected',
  { timeout: 30_000 },
  async () => {
    const srv = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir(withSlowUser) });
    const sockets: net.Socket[] = [];
    try {
      const slow = await loggedIn(srv.port, 'slow', 'slow', [['Events', 'off']]);
      sockets.push(slow.sock);
      slow.sock.pause();
      const slowSession = [...srv.manager.sessions].find((s) => s.username === 'slow');
      assert.ok(slowSession);
      const other = await loggedIn(srv.port, 'admin', 'admin', [['Events', 'off']]);
      sockets.push(other.sock);

      // Many Commands whose long answers it never reads (manager show commands is a few KB each).
      const t0 = Date.now();
      const one = 'Action: Command\r\nCommand: manager show commands\r\n\r\n';
      let gone = false;
      slowSession.onClose.push(() => (gone = true));
      for (let i = 0; i < 200 && !gone; i++) {
        slow.sock.write(one.repeat(50));
        await sleep(20);
        const r = await other.action('Ping', [], 1000);
        assert.equal(r.get('Ping'), 'Pong');
      }
      await other.until(() => gone, 5000, 'slow session dropped');
      assert.ok(Date.now() - t0 < 20_000);
      const r = await other.action('Ping');
      assert.equal(r.get('Response'), 'Success');
    } finally {
      for (const s of sockets) s.destroy();
      await srv.dispose();
    }
  },
);

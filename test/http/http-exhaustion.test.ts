/**
 * Issue 11, finding 3, and the HTTP limits around it: http.conf session_inactivity,
 * session_keep_alive and sessionlimit as main/http.c applies them, the request head and body limits,
 * and unauthenticated HTTP sessions counting against manager.conf authlimit / authtimeout.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { ajam, cookieOf, parseReply, request, type RawReply } from '../../src/testing/raw-http.js';

const INACTIVITY_MS = 1000;
const KEEP_ALIVE_MS = 500;

function httpConf(dir: string, extra: string): void {
  writeFileSync(
    join(dir, 'http.conf'),
    `[general]\nenabled = yes\nbindaddr = 127.0.0.1\nbindport = 18088\n${extra}`,
  );
}

/** A raw connection: what it received, and when it closed (0 while open). */
class Raw {
  data = '';
  closedAt = 0;
  lastWrite = 0;
  readonly closed: Promise<void>;
  readonly connected: Promise<void>;
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => (this.data += d.toString('latin1')));
    sock.on('error', () => {});
    this.closed = new Promise((r) =>
      sock.once('close', () => {
        this.closedAt = Date.now();
        r();
      }),
    );
    this.connected = new Promise((r) => sock.once('connect', () => r()));
  }
  static open(port: number): Raw {
    return new Raw(net.connect(port, '127.0.0.1'));
  }
  write(text: string): void {
    this.lastWrite = Date.now();
    this.sock.write(text, 'latin1');
  }
  reply(): RawReply {
    return parseReply(this.data);
  }
  /** Resolves once `pred` holds for what was received, or the connection closed. */
  async until(pred: (data: string) => boolean): Promise<void> {
    while (!pred(this.data) && this.closedAt === 0) {
      await Promise.race([this.closed, new Promise((r) => setTimeout(r, 20))]);
    }
  }
}

const STALLED_POST =
  'POST /rawman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
  'Content-Length: 40000\r\n\r\naction=ping&';

describe('session_inactivity, session_keep_alive, sessionlimit', { timeout: 60_000 }, () => {
  let srv: TestServer;
  let port = 0;
  before(async () => {
    const dir = conformanceConfigDir();
    httpConf(dir, `session_inactivity = ${INACTIVITY_MS}\nsession_keep_alive = ${KEEP_ALIVE_MS}\n`);
    srv = await startTestServer({ configDir: dir, httpPort: 0 });
    port = srv.httpAddress?.port ?? 0;
  });
  after(async () => {
    await srv.dispose();
  });

  test(
    '100 stalled POST bodies fill sessionlimit; each gets 400 after session_inactivity; then a new client is served',
    { timeout: 30_000 },
    async () => {
      const stalled = Array.from({ length: 100 }, () => Raw.open(port));
      await Promise.all(stalled.map((c) => c.connected));
      for (const c of stalled) c.write(STALLED_POST);
      // While the 100 are open, a 101st connection is closed without an answer (httpd_helper_thread).
      const refused = Raw.open(port);
      await refused.closed;
      assert.equal(refused.data, '', 'over sessionlimit: closed without a word');

      await Promise.all(stalled.map((c) => c.closed));
      for (const c of stalled) {
        const r = c.reply();
        assert.equal(r.status, 400, c.data.slice(0, 200));
        assert.match(r.body, /<p>Error parsing request body<\/p>/);
        assert.equal(r.header('Connection'), 'close');
        const silence = c.closedAt - c.lastWrite;
        assert.ok(silence >= INACTIVITY_MS - 50, `closed after ${silence} ms of silence`);
        assert.ok(silence < INACTIVITY_MS + 8000, `closed after ${silence} ms of silence`);
      }
      const r = await ajam(port, 'action=ping');
      assert.equal(r.status, 200);
      assert.match(r.body, /^Response: Error\r\nMessage: Permission denied\r\n/);
    },
  );

  test('headers that stop coming: 400 Timeout after session_inactivity', { timeout: 20_000 }, async () => {
    const c = Raw.open(port);
    await c.connected;
    c.write('GET /rawman?action=ping HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await c.closed;
    const r = c.reply();
    assert.equal(r.status, 400);
    assert.match(r.body, /<p>Timeout<\/p>/);
    assert.ok(c.closedAt - c.lastWrite >= INACTIVITY_MS - 50);
  });

  test('a kept-alive connection serves requests, then closes after session_keep_alive of idleness', async () => {
    const c = Raw.open(port);
    await c.connected;
    for (let i = 1; i <= 2; i++) {
      const before = c.data.length;
      c.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      await c.until((d) => d.length > before && d.endsWith('ok'));
      assert.equal(c.closedAt, 0, `still open after request ${i}`);
    }
    const idleFrom = Date.now();
    await c.closed;
    const idle = c.closedAt - idleFrom;
    // The server's clock starts when it finished the answer, a little before this client read it.
    assert.ok(idle >= KEEP_ALIVE_MS / 2 && idle < KEEP_ALIVE_MS + 5000, `closed after ${idle} ms idle`);
  });

  test('a WaitEvent that outlasts session_inactivity is not cut: the wait is the server’s', async () => {
    const login = await ajam(port, 'action=login&username=admin&secret=admin');
    const cookie = cookieOf(login);
    const c = Raw.open(port);
    await c.connected;
    // An event may end a wait early (WaitEvent returns on any event): wait again until one lasts.
    let longest = 0;
    for (let i = 0; i < 5 && longest < 1900; i++) {
      const before = c.data.length;
      const started = Date.now();
      c.write(
        `GET /rawman?action=waitevent&timeout=2 HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: mansession_id="${cookie}"\r\n\r\n`,
      );
      await c.until((d) => d.slice(before).includes('Event: WaitEventComplete\r\n'));
      assert.equal(c.closedAt, 0, `the connection stays open through wait ${i + 1}`);
      longest = Math.max(longest, Date.now() - started);
    }
    assert.ok(longest >= 1900, `a wait lasted its 2 s (longest ${longest} ms)`);
    c.sock.destroy();
  });
});

describe('sessionlimit counts HTTP connections, not WebSockets', () => {
  let srv: TestServer;
  let port = 0;
  before(async () => {
    const dir = conformanceConfigDir();
    httpConf(dir, 'sessionlimit = 2\n');
    srv = await startTestServer({ configDir: dir, httpPort: 0 });
    port = srv.httpAddress?.port ?? 0;
  });
  after(async () => {
    await srv.dispose();
  });

  test('two open connections fill sessionlimit = 2; one that becomes a WebSocket frees its place', async () => {
    const a = Raw.open(port);
    const b = Raw.open(port);
    await Promise.all([a.connected, b.connected]);
    const over = Raw.open(port);
    await over.closed;
    assert.equal(over.data, '', 'the third is closed without an answer');
    b.sock.destroy();
    await b.closed;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, ['ami']);
    ws.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      ws.once('message', () => resolve());
      ws.once('close', () => reject(new Error('WebSocket refused')));
    });
    const r = await request(port, 'GET', '/healthz');
    assert.equal(r.status, 200, 'served while a connection and a WebSocket are open');
    ws.close();
    a.sock.destroy();
  });
});

describe('request head, body and parameter limits', () => {
  let srv: TestServer;
  let port = 0;
  before(async () => {
    srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0 });
    port = srv.httpAddress?.port ?? 0;
  });
  after(async () => {
    await srv.dispose();
  });

  const page = (r: RawReply, status: number, text: string): void => {
    assert.equal(r.status, status, r.head);
    assert.ok(r.body.includes(`<p>${text}</p>`), r.body);
    assert.equal(r.header('Connection'), 'close');
  };

  test('more than 100 headers: 413 Too many headers', async () => {
    const extra: Record<string, string> = {};
    for (let i = 0; i < 101; i++) extra[`X-H${i}`] = 'v';
    page(await request(port, 'GET', '/rawman?action=ping', extra), 413, 'Too many headers');
    const ok: Record<string, string> = {};
    for (let i = 0; i < 90; i++) ok[`X-H${i}`] = 'v';
    assert.equal((await request(port, 'GET', '/rawman?action=ping', ok)).status, 200);
  });

  test('a header line or request line of 4 KiB: 400', async () => {
    page(
      await request(port, 'GET', '/rawman?action=ping', { 'X-Long': 'a'.repeat(4100) }),
      400,
      'Header line too long',
    );
    page(
      await request(port, 'GET', '/rawman?action=ping&x=' + 'a'.repeat(4100)),
      400,
      'Request line too long',
    );
  });

  test('a request head over 64 KiB: 400 Request header too large', async () => {
    const extra: Record<string, string> = {};
    for (let i = 0; i < 20; i++) extra[`X-H${i}`] = 'a'.repeat(4000);
    page(await request(port, 'GET', '/rawman?action=ping', extra), 400, 'Request header too large');
  });

  test('a form body over 40960 bytes, declared or chunked: 413 Body too large, connection closed', async () => {
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const big = 'action=ping&x=' + 'a'.repeat(41_000);
    page(await request(port, 'POST', '/rawman', form, big), 413, 'Body too large');
    const c = Raw.open(port);
    await c.connected;
    let text =
      'POST /rawman HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
      'Transfer-Encoding: chunked\r\n\r\n';
    for (let i = 0; i < 11; i++) text += `1000\r\n${'a'.repeat(4096)}\r\n`;
    c.write(text);
    await c.closed;
    page(c.reply(), 413, 'Body too large');
    const fits = 'action=ping&x=' + 'a'.repeat(40_000);
    assert.equal((await request(port, 'POST', '/rawman', form, fits)).status, 200);
  });

  test('more than 128 parameters: the TCP error for too many lines, nothing run', async () => {
    let q = 'action=UserEvent&UserEvent=TooMany';
    for (let i = 0; i < 130; i++) q += `&h${i}=v`;
    const r = await ajam(port, q);
    assert.equal(r.status, 200);
    assert.equal(
      r.body,
      'Response: Error\r\nMessage: Too many lines in message or allocation failure\r\n\r\n',
    );
  });

  test('a request Node cannot parse: 400 Invalid Request', async () => {
    const c = Raw.open(port);
    await c.connected;
    c.write('GARBAGE\r\n\r\n');
    await c.closed;
    page(c.reply(), 400, 'Invalid Request');
  });
});

describe('unauthenticated HTTP sessions count against authlimit and end after authtimeout', () => {
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

  const httpSessions = (): number =>
    [...srv.manager.sessions].filter((s) => s.transport.kind === 'HTTP').length;

  test('two cookie-less requests fill authlimit = 2: a third gets 503, TCP is refused; authtimeout frees them', async () => {
    const a = await ajam(port, 'action=ping');
    const b = await ajam(port, 'action=ping');
    assert.notEqual(cookieOf(a), cookieOf(b));
    assert.equal(httpSessions(), 2);
    const c = await ajam(port, 'action=ping');
    assert.equal(c.status, 503);
    assert.match(c.body, /<p>Too many unauthenticated sessions<\/p>/);
    const tcp = Raw.open(srv.port);
    await tcp.closed;
    assert.equal(tcp.data, '', 'a TCP client is closed before the banner');

    // A session that keeps polling without logging in is ended by authtimeout (1 s) all the same:
    // its cookie stops being recognised (the answer sets a new one).
    const first = cookieOf(a);
    const pollUntil = Date.now() + 5000;
    let renamed = false;
    while (!renamed && Date.now() < pollUntil) {
      const r = await ajam(port, 'action=ping', first);
      renamed = r.status === 200 && cookieOf(r) !== first;
      if (!renamed) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(renamed, 'the polled session was ended by authtimeout');
    const emptyUntil = Date.now() + 8000;
    while (httpSessions() > 0 && Date.now() < emptyUntil) await new Promise((r) => setTimeout(r, 50));
    assert.equal(httpSessions(), 0, 'every unauthenticated HTTP session ended');

    const login = await ajam(port, 'action=login&username=admin&secret=admin');
    assert.match(login.body, /^Response: Success\r\n/);
    const after = await ajam(port, 'action=ping', cookieOf(login));
    assert.match(after.body, /^Response: Success\r\nPing: Pong\r\n/);
    assert.equal(httpSessions(), 1, 'the logged-in session stays past authtimeout');
  });
});

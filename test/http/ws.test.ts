/**
 * AMI over WebSocket (/ws): both subprotocols (login, ping, events, repeated headers), the TCP
 * permission checks, and a client that stops reading being dropped without slowing the others.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import type { Socket } from 'node:net';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { EVENT_FLAG } from '../../src/config/permissions.js';
import { TcpAmi, request } from '../../src/testing/raw-http.js';

/** A WebSocket client that queues what it receives. */
class WsClient {
  readonly msgs: string[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: Array<() => void> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d: Buffer) => {
      this.msgs.push(d.toString('utf8'));
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
    ws.on('error', () => {});
  }
  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
  static open(port: number, protocol?: string): Promise<WsClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, protocol ? [protocol] : []);
    const c = new WsClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(c));
      ws.once('error', reject);
    });
  }
  /** Waits for and removes the first message matching `pred`. */
  async next(pred: (m: string) => boolean = () => true, ms = 5000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      const i = this.msgs.findIndex(pred);
      if (i >= 0) return this.msgs.splice(i, 1)[0];
      if (Date.now() > end || this.closed)
        throw new Error(`no matching message; have ${JSON.stringify(this.msgs.slice(0, 5))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
  async json(pred: (o: Record<string, unknown>) => boolean = () => true): Promise<Record<string, unknown>> {
    return JSON.parse(await this.next((m) => pred(JSON.parse(m) as Record<string, unknown>))) as Record<
      string,
      unknown
    >;
  }
  send(x: string | object): void {
    this.ws.send(typeof x === 'string' ? x : JSON.stringify(x));
  }
}

let srv: TestServer;
let port = 0;
before(async () => {
  // `flood` has a writetimeout long enough that a reader sharing this busy process is never taken for a slow one.
  const dir = conformanceConfigDir(
    (t) => t + '\n[flood]\nsecret = flood\nread = all\nwrite = all\nwritetimeout = 1500\n',
  );
  srv = await startTestServer({ configDir: dir, httpPort: 0, sip: false });
  port = srv.httpAddress?.port ?? 0;
});
after(async () => {
  await srv.dispose();
});

describe('subprotocol ami', () => {
  test('banner, login, ping without the blank line, events', async () => {
    const c = await WsClient.open(port, 'ami');
    assert.equal(c.ws.protocol, 'ami');
    assert.equal(await c.next(), 'Asterisk Call Manager/9.0.0\r\n');
    c.send('Action: Login\r\nUsername: admin\r\nSecret: admin\r\nActionID: L\r\n\r\n');
    assert.equal(
      await c.next(),
      'Response: Success\r\nActionID: L\r\nMessage: Authentication accepted\r\n\r\n',
    );
    assert.match(await c.next(), /^Event: FullyBooted\r\nPrivilege: system,all\r\n/);
    c.send('Action: Ping\nActionID: 7');
    assert.match(
      await c.next((m) => m.startsWith('Response:')),
      /^Response: Success\r\nActionID: 7\r\nPing: Pong\r\nTimestamp: \d+\.\d{6}\r\n\r\n$/,
    );
    const tcp = await TcpAmi.connect(srv.port);
    await tcp.send('Action: Login\r\nUsername: hello\r\nSecret: world\r\n\r\n', 2);
    await tcp.send('Action: UserEvent\r\nUserEvent: FromTcp\r\nA: 1\r\n\r\n');
    assert.equal(
      await c.next((m) => m.includes('FromTcp')),
      'Event: UserEvent\r\nPrivilege: user,all\r\nUserEvent: FromTcp\r\nA: 1\r\n\r\n',
    );
    // The WebSocket session's own security events name its transport.
    c.send('Action: Logoff\r\n\r\n');
    assert.equal(
      await c.next((m) => m.startsWith('Response:')),
      'Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n',
    );
    await c.next(() => false, 2000).catch(() => undefined);
    assert.equal(c.closed?.code, 1000);
    tcp.close();
  });

  test('the same permission checks as TCP; a failed login closes', async () => {
    const c = await WsClient.open(port, 'ami');
    await c.next();
    const tcp = await TcpAmi.connect(srv.port);
    const steps = [
      'Action: Ping\r\nActionID: 0\r\n\r\n',
      'Action: Login\r\nUsername: limited\r\nSecret: limited\r\nActionID: 1\r\n\r\n',
      'Action: Command\r\nCommand: core show version\r\nActionID: 2\r\n\r\n',
      'Action: UserEvent\r\nUserEvent: X\r\nActionID: 3\r\n\r\n',
      'Action: Nosuch\r\nActionID: 4\r\n\r\n',
    ];
    for (const s of steps) {
      const viaTcp = await tcp.send(s);
      c.send(s);
      assert.equal(await c.next((m) => m.startsWith('Response:')), viaTcp, s);
    }
    tcp.close();
    const bad = await WsClient.open(port, 'ami');
    await bad.next();
    bad.send('Action: Login\r\nUsername: admin\r\nSecret: wrong\r\n\r\n');
    assert.equal(await bad.next(), 'Response: Error\r\nMessage: Authentication failed\r\n\r\n');
    await bad.next(() => false, 3000).catch(() => undefined);
    assert.ok(bad.closed, 'closed after a failed login');
    c.ws.close();
  });

  test('security events carry the WS transport', async () => {
    const tcp = await TcpAmi.connect(srv.port);
    await tcp.send('Action: Login\r\nUsername: admin\r\nSecret: admin\r\n\r\n', 2);
    const c = await WsClient.open(port);
    assert.equal(c.ws.protocol, '', 'no subprotocol asked, none named: ami framing');
    assert.equal(await c.next(), 'Asterisk Call Manager/9.0.0\r\n');
    c.send('Action: Login\r\nUsername: hello\r\nSecret: world\r\n\r\n');
    assert.match(await c.next(), /^Response: Success\r\n/);
    const text = await tcp.waitFor('AccountID: hello');
    assert.match(
      text,
      /Event: SuccessfulAuth\r\n[^]*AccountID: hello\r\n[^]*LocalAddress: IPV4\/WS\/127\.0\.0\.1\/\d+\r\nRemoteAddress: IPV4\/WS\/127\.0\.0\.1\/\d+\r\n/,
    );
    tcp.close();
    c.ws.close();
  });
});

describe('subprotocol ami-json', () => {
  test('objects both ways, repeated headers as arrays in order', async () => {
    const c = await WsClient.open(port, 'ami-json');
    assert.equal(c.ws.protocol, 'ami-json');
    assert.deepEqual(await c.json(), { Banner: 'Asterisk Call Manager/9.0.0' });
    c.send({ Action: 'Login', Username: 'admin', Secret: 'admin', ActionID: 'j1', Events: 'user' });
    assert.deepEqual(await c.json(), {
      Response: 'Success',
      ActionID: 'j1',
      Message: 'Authentication accepted',
    });
    c.send({ action: 'Ping', actionid: 2 });
    const pong = await c.json((o) => o.Response !== undefined);
    assert.deepEqual(Object.keys(pong), ['Response', 'ActionID', 'Ping', 'Timestamp']);
    assert.equal(pong.ActionID, '2');
    c.send({ Action: 'UserEvent', UserEvent: 'Rep', X: ['1', '2'], Y: 'é', Z: ['3'] });
    assert.deepEqual(await c.json((o) => o.Response !== undefined), {
      Response: 'Success',
      Message: 'Event Sent',
    });
    const ev = await c.json((o) => o.Event === 'UserEvent');
    assert.deepEqual(ev, {
      Event: 'UserEvent',
      Privilege: 'user,all',
      UserEvent: 'Rep',
      X: ['1', '2'],
      Y: 'é',
      Z: '3',
    });
    assert.deepEqual(Object.keys(ev), ['Event', 'Privilege', 'UserEvent', 'X', 'Y', 'Z']);
    c.send('{not json');
    assert.deepEqual(await c.json(), { Response: 'Error', Message: 'Failed to parse message: invalid JSON' });
    c.send({ Action: 'Ping', Nested: { a: 1 } });
    assert.equal((await c.json()).Response, 'Error');
    c.ws.close();
  });

  test('permission denied for a limited user', async () => {
    const c = await WsClient.open(port, 'ami-json');
    await c.json();
    c.send({ Action: 'Login', Username: 'limited', Secret: 'limited' });
    assert.equal((await c.json()).Response, 'Success');
    c.send({ Action: 'Command', Command: 'core show version', ActionID: 'c' });
    assert.deepEqual(await c.json((o) => o.Response !== undefined), {
      Response: 'Error',
      ActionID: 'c',
      Message: 'Permission denied',
    });
    c.ws.close();
  });

  test('an unknown subprotocol is not accepted', async () => {
    await assert.rejects(WsClient.open(port, 'sip'));
  });
});

describe('slow consumer', () => {
  test('a client that stops reading is dropped (1008); the others get every event', async () => {
    const slow = await WsClient.open(port, 'ami');
    const fast = await WsClient.open(port, 'ami');
    for (const c of [slow, fast]) {
      await c.next();
      c.send('Action: Login\r\nUsername: flood\r\nSecret: flood\r\nEvents: user\r\n\r\n');
      await c.next((m) => m.startsWith('Response: Success'));
    }
    slow.ws.pause();
    const N = 6000;
    const pad = 'x'.repeat(3000);
    for (let i = 0; i < N; i++) {
      srv.manager.publish('UserEvent', EVENT_FLAG.USER, [
        ['UserEvent', 'Flood'],
        ['Seq', String(i)],
        ['Pad', pad],
      ]);
      if (i % 100 === 99) {
        // Paced by the reader that keeps up, so that on a loaded machine it is never the one behind;
        // the paused one falls further behind with every batch.
        const want = `Seq: ${i}\r\n`;
        const end = Date.now() + 20_000;
        while (!fast.msgs.some((m) => m.includes(want))) {
          assert.ok(Date.now() < end, `the fast client got event ${i}`);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    }
    await fast.next((m) => m.includes(`Seq: ${N - 1}\r\n`), 20_000);
    const flood = fast.msgs.filter((m) => m.includes('UserEvent: Flood')).length;
    assert.ok(flood >= N - 1, `fast client got ${flood + 1} of ${N}`);
    const end = Date.now() + 10_000;
    let text = '';
    while (Date.now() < end) {
      text = (await request(port, 'GET', '/metrics')).body;
      if (/amikit_slow_consumer_disconnects_total\{transport="WS"\} 1/.test(text)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(text, /amikit_slow_consumer_disconnects_total\{transport="WS"\} 1/);
    const portOf = (c: WsClient): number => (c.ws as unknown as { _socket: Socket })._socket.localPort ?? 0;
    const alive = (c: WsClient): boolean =>
      [...srv.manager.sessions].some(
        (s) => s.transport.kind === 'WS' && s.transport.remotePort === portOf(c),
      );
    assert.equal(alive(slow), false, 'the slow client was dropped');
    assert.equal(alive(fast), true, 'the fast client stays');
    fast.ws.close();
    slow.ws.terminate();
  });
});

/**
 * A scripted fake AMI server for client tests: speaks the banner, handles Login (plain and MD5), Challenge,
 * Ping, Events, Filter, Logoff and Command, and lets a test answer other actions, push events, stop
 * answering, close connections and restart on the same port. 127.0.0.1 only.
 */
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { AmiParser, type AmiMessage } from '../protocol/index.js';

export type Pairs = Array<[string, string]> | Record<string, string>;

export function wire(pairs: Pairs): string {
  const list = Array.isArray(pairs) ? pairs : Object.entries(pairs);
  return list.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n';
}

export class FakeConn {
  authed = false;
  challenge: string | undefined;
  eventMask = 'on';
  readonly filters: string[] = [];
  readonly actions: AmiMessage[] = [];
  constructor(
    readonly server: FakeAmiServer,
    readonly socket: net.Socket,
  ) {}

  /** Writes raw text (or pairs as one message). Returns socket.write's result. */
  send(data: string | Pairs): boolean {
    if (this.socket.destroyed) return false;
    return this.socket.write(typeof data === 'string' ? data : wire(data), 'latin1');
  }

  /** Replies to `action` echoing its ActionID. */
  reply(action: AmiMessage, pairs: Array<[string, string]>, echoId = true): void {
    const id = action.get('ActionID');
    const out: Array<[string, string]> = [];
    if (pairs.length > 0) out.push(pairs[0]);
    if (echoId && id !== undefined) out.push(['ActionID', id]);
    out.push(...pairs.slice(1));
    this.send(out);
  }
}

export type ActionHandler = (action: AmiMessage, conn: FakeConn) => boolean | void;

export interface FakeServerOptions {
  banner?: string;
  users?: Record<string, string>;
  /** Called for every action after the built-in ones are skipped; return true when handled. */
  onAction?: ActionHandler;
  /** Answer Ping (false: swallow it, to simulate a dead peer). */
  answerPing?: boolean;
  /** Do not echo ActionID (a non-conforming server). */
  noActionIdEcho?: boolean;
  /** Old `Response: Follows` Command form instead of Asterisk 14+ `Output:`. */
  oldCommand?: boolean;
  commands?: Record<string, string[]>;
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export class FakeAmiServer {
  readonly conns = new Set<FakeConn>();
  /** Every action received on every connection, in order. */
  readonly actions: AmiMessage[] = [];
  logins = 0;
  port = 0;
  private server: net.Server | null = null;
  readonly opts: FakeServerOptions;

  constructor(opts: FakeServerOptions = {}) {
    this.opts = { answerPing: true, ...opts };
  }

  async listen(port = this.port): Promise<number> {
    const onConn = (socket: net.Socket): void => this.accept(socket);
    const srv = this.opts.tls ? tls.createServer({ ...this.opts.tls }, onConn) : net.createServer(onConn);
    this.server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        srv.off('error', reject);
        resolve();
      });
    });
    this.port = (srv.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    const srv = this.server;
    this.server = null;
    for (const c of this.conns) c.socket.destroy();
    this.conns.clear();
    if (srv) await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  /** Sends an event to every logged-in connection whose event mask is on. */
  push(pairs: Pairs): void {
    const text = wire(pairs);
    for (const c of this.conns) if (c.authed && c.eventMask !== 'off') c.send(text);
  }

  /** Resolves once `n` actions named `name` have been received. */
  async waitFor(name: string, n = 1, timeoutMs = 5000): Promise<AmiMessage[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.actions.filter((a) => a.get('Action')?.toLowerCase() === name.toLowerCase());
      if (got.length >= n) return got;
      if (Date.now() > deadline) throw new Error(`fake server: waited ${timeoutMs} ms for ${n} ${name}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  private accept(socket: net.Socket): void {
    const conn = new FakeConn(this, socket);
    this.conns.add(conn);
    socket.on('error', () => {});
    socket.on('close', () => this.conns.delete(conn));
    const parser = AmiParser.forServer((m) => {
      if (m.size === 0) return;
      this.actions.push(m);
      conn.actions.push(m);
      this.handle(m, conn);
    });
    socket.on('data', (d: Buffer) => parser.feed(d));
    socket.write((this.opts.banner ?? 'Asterisk Call Manager/9.0.0') + '\r\n');
  }

  private handle(m: AmiMessage, c: FakeConn): void {
    const action = (m.get('Action') ?? '').toLowerCase();
    const r = (pairs: Array<[string, string]>): void => c.reply(m, pairs, !this.opts.noActionIdEcho);
    const users = this.opts.users ?? { admin: 'secret' };
    if (action === 'challenge') {
      c.challenge = String(Math.floor(Math.random() * 1e9));
      r([
        ['Response', 'Success'],
        ['Challenge', c.challenge],
      ]);
      return;
    }
    if (action === 'login') {
      const u = m.get('Username') ?? '';
      const want = users[u];
      let ok = false;
      if (want !== undefined) {
        if ((m.get('AuthType') ?? '').toLowerCase() === 'md5') {
          ok =
            c.challenge !== undefined &&
            m.get('Key') ===
              createHash('md5')
                .update(c.challenge + want)
                .digest('hex');
        } else ok = m.get('Secret') === want;
      }
      if (!ok) {
        r([
          ['Response', 'Error'],
          ['Message', 'Authentication failed'],
        ]);
        c.socket.end();
        return;
      }
      c.authed = true;
      this.logins++;
      const ev = m.get('Events');
      if (ev !== undefined) c.eventMask = ev;
      r([
        ['Response', 'Success'],
        ['Message', 'Authentication accepted'],
      ]);
      return;
    }
    if (!c.authed) {
      r([
        ['Response', 'Error'],
        ['Message', 'Permission denied'],
      ]);
      return;
    }
    if (this.opts.onAction?.(m, c)) return;
    switch (action) {
      case 'ping':
        if (this.opts.answerPing)
          r([
            ['Response', 'Success'],
            ['Ping', 'Pong'],
            ['Timestamp', (Date.now() / 1000).toFixed(6)],
          ]);
        return;
      case 'events':
        c.eventMask = m.get('EventMask') ?? 'on';
        r([
          ['Response', 'Success'],
          ['Events', c.eventMask === 'off' ? 'Off' : 'On'],
        ]);
        return;
      case 'filter':
        c.filters.push(m.get('Filter') ?? '');
        r([
          ['Response', 'Success'],
          ['Message', 'Filter Added Successfully'],
        ]);
        return;
      case 'logoff':
        r([
          ['Response', 'Goodbye'],
          ['Message', 'Thanks for all the fish.'],
        ]);
        c.socket.end();
        return;
      case 'command': {
        const cmd = m.get('Command') ?? '';
        const out = this.opts.commands?.[cmd];
        const id = m.get('ActionID');
        if (out === undefined) {
          r([
            ['Response', 'Error'],
            ['Message', 'Command output follows'],
            ['Output', `No such command '${cmd}' (type 'core show help ${cmd}' for other possible commands)`],
          ]);
        } else if (this.opts.oldCommand) {
          c.send(
            'Response: Follows\r\nPrivilege: Command\r\n' +
              (id !== undefined ? `ActionID: ${id}\r\n` : '') +
              out.map((l) => l + '\n').join('') +
              '--END COMMAND--\r\n\r\n',
          );
        } else {
          r([
            ['Response', 'Success'],
            ['Message', 'Command output follows'],
            ...out.map((l): [string, string] => ['Output', l]),
          ]);
        }
        return;
      }
      default:
        r([
          ['Response', 'Error'],
          [
            'Message',
            'Invalid/unknown command: ' +
              (m.get('Action') ?? '') +
              '. Use Action: ListCommands to show available commands.',
          ],
        ]);
    }
  }
}

/** Starts a fake server on an ephemeral 127.0.0.1 port. */
export async function startFake(opts: FakeServerOptions = {}): Promise<FakeAmiServer> {
  const s = new FakeAmiServer(opts);
  await s.listen(0);
  return s;
}

/** Waits until `cond()` is true (polling), or fails after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

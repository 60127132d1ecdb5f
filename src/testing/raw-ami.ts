/**
 * A raw AMI connection for tests: bytes in, messages out, nothing clever. Keeps every message the
 * server sent (split on the blank line, headers split at the first `: `) so a test can wait for one,
 * and records when the server closed the connection. Every wait is bounded.
 */
import net from 'node:net';
import { createHash } from 'node:crypto';

export class RawMsg {
  readonly headers: Array<[string, string]>;
  readonly raw: string;

  constructor(raw: string) {
    this.raw = raw;
    this.headers = [];
    for (const line of raw.split('\r\n')) {
      if (line === '') continue;
      const c = line.indexOf(':');
      if (c < 0) this.headers.push(['', line]);
      else this.headers.push([line.slice(0, c), line.slice(c + 1).replace(/^ /, '')]);
    }
  }

  /** First value of a header (case-insensitive name), undefined when absent. */
  get(name: string): string | undefined {
    const l = name.toLowerCase();
    return this.headers.find(([n]) => n.toLowerCase() === l)?.[1];
  }

  all(name: string): string[] {
    const l = name.toLowerCase();
    return this.headers.filter(([n]) => n.toLowerCase() === l).map(([, v]) => v);
  }

  names(): string[] {
    return this.headers.map(([n]) => n);
  }

  get event(): string | undefined {
    return this.get('Event');
  }
}

export interface ConnectOptions {
  localAddress?: string;
  /** Wait for the banner line before resolving (default true). */
  banner?: boolean;
  timeoutMs?: number;
}

let idSeq = 0;

export class RawAmi {
  readonly sock: net.Socket;
  banner: string | null = null;
  /** Everything received, latin1. */
  text = '';
  readonly msgs: RawMsg[] = [];
  private readonly taken = new Set<RawMsg>();
  private buf = '';
  private bannerDone = false;
  closed = false;
  closedAt = 0;
  readonly openedAt = Date.now();
  /** Our side's port (kept: the socket forgets it once closed). */
  localPort = 0;
  private waiters: Array<() => void> = [];

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => this.onData(d.toString('latin1')));
    sock.on('error', () => {});
    sock.on('close', () => {
      this.closed = true;
      this.closedAt = Date.now();
      this.notify();
    });
  }

  static async connect(port: number, opts: ConnectOptions = {}): Promise<RawAmi> {
    const sock = net.connect({ host: '127.0.0.1', port, localAddress: opts.localAddress });
    sock.setNoDelay(true);
    const c = new RawAmi(sock);
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('connect timeout')), opts.timeoutMs ?? 3000);
      sock.once('connect', () => {
        clearTimeout(t);
        c.localPort = sock.localPort ?? 0;
        resolve();
      });
      sock.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
    if (opts.banner ?? true) await c.until(() => c.banner !== null, opts.timeoutMs ?? 3000, 'banner');
    return c;
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private onData(s: string): void {
    this.text += s;
    this.buf += s;
    if (!this.bannerDone) {
      const nl = this.buf.indexOf('\r\n');
      if (nl < 0) {
        this.notify();
        return;
      }
      this.bannerDone = true;
      this.banner = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 2);
    }
    for (;;) {
      const i = this.buf.indexOf('\r\n\r\n');
      if (i < 0) break;
      let block = this.buf.slice(0, i);
      this.buf = this.buf.slice(i + 4);
      block = block.replace(/^(\r\n)+/, '');
      if (block.length > 0) this.msgs.push(new RawMsg(block));
    }
    this.notify();
  }

  /** Resolves when cond() holds; rejects after timeoutMs. */
  async until(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; received:\n${this.text.slice(-2000)}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** The first message not yet taken that matches; marks it taken. */
  async waitFor(pred: (m: RawMsg) => boolean, timeoutMs = 3000, what = 'message'): Promise<RawMsg> {
    let found: RawMsg | undefined;
    await this.until(
      () => {
        found = this.msgs.find((m) => !this.taken.has(m) && pred(m));
        return found !== undefined;
      },
      timeoutMs,
      what,
    );
    this.taken.add(found as RawMsg);
    return found as RawMsg;
  }

  waitEvent(name: string, pred: (m: RawMsg) => boolean = () => true, timeoutMs = 3000): Promise<RawMsg> {
    return this.waitFor((m) => m.event === name && pred(m), timeoutMs, `event ${name}`);
  }

  /** Messages received so far that match (taken or not). */
  seen(pred: (m: RawMsg) => boolean): RawMsg[] {
    return this.msgs.filter(pred);
  }

  write(data: string | Buffer): void {
    if (typeof data === 'string') this.sock.write(Buffer.from(data, 'latin1'));
    else this.sock.write(data);
  }

  /** Sends an action with a fresh ActionID and waits for its Response. */
  async action(name: string, headers: Array<[string, string]> = [], timeoutMs = 3000): Promise<RawMsg> {
    const id = `t-${++idSeq}`;
    let s = `Action: ${name}\r\nActionID: ${id}\r\n`;
    for (const [n, v] of headers) s += `${n}: ${v}\r\n`;
    this.write(s + '\r\n');
    return this.waitFor(
      (m) => m.get('Response') !== undefined && m.get('ActionID') === id,
      timeoutMs,
      `response to ${name}`,
    );
  }

  async login(username: string, secret: string, extra: Array<[string, string]> = []): Promise<RawMsg> {
    return this.action('Login', [['Username', username], ['Secret', secret], ...extra]);
  }

  async md5Login(username: string, secret: string, extra: Array<[string, string]> = []): Promise<RawMsg> {
    const ch = await this.action('Challenge', [['AuthType', 'MD5']]);
    const challenge = ch.get('Challenge') ?? '';
    const key = createHash('md5')
      .update(challenge + secret)
      .digest('hex');
    return this.action('Login', [['AuthType', 'MD5'], ['Username', username], ['Key', key], ...extra]);
  }

  /** Waits for the server to close; returns ms since connect. */
  async waitClose(timeoutMs = 3000): Promise<number> {
    await this.until(() => this.closed, timeoutMs, 'server close');
    return this.closedAt - this.openedAt;
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** Connects and logs in; throws unless `Authentication accepted`. */
export async function loggedIn(
  port: number,
  username: string,
  secret: string,
  extra: Array<[string, string]> = [],
): Promise<RawAmi> {
  const c = await RawAmi.connect(port);
  const r = await c.login(username, secret, extra);
  if (r.get('Response') !== 'Success') {
    c.destroy();
    throw new Error(`login as ${username} failed: ${r.raw}`);
  }
  return c;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

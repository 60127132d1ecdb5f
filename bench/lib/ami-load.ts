/**
 * A minimal AMI load client for the server benchmarks. It is deliberately not amikit's AmiClient (nor
 * any npm client): the point is to make the server, not the client, the bottleneck. Frames are found in
 * a latin1 string by CRLF CRLF; writes queued while handling one incoming chunk go out as one write.
 * Loopback only.
 */
import net from 'node:net';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1)$/;

export class LoadConn {
  readonly sock: net.Socket;
  private buf = '';
  banner: string | null = null;
  closed = false;
  /** Called with each message (without its final blank line). */
  onMessage: ((msg: string) => void) | null = null;
  /** Called after all messages of one incoming chunk were handled (flush queued writes here). */
  onChunkEnd: (() => void) | null = null;
  onClose: (() => void) | null = null;
  private onBanner: (() => void) | null = null;
  private readonly waiting = new Map<string, (msg: string) => void>();
  private seq = 0;

  constructor(sock: net.Socket) {
    this.sock = sock;
    sock.setNoDelay(true);
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => this.data(d));
    sock.on('close', () => {
      this.closed = true;
      this.onClose?.();
    });
    sock.on('error', () => {});
  }

  private data(d: string): void {
    const buf = this.buf.length ? this.buf + d : d;
    let pos = 0;
    if (this.banner === null) {
      const nl = buf.indexOf('\r\n');
      if (nl < 0) {
        this.buf = buf;
        return;
      }
      this.banner = buf.slice(0, nl);
      pos = nl + 2;
      this.onBanner?.();
    }
    for (let e; (e = buf.indexOf('\r\n\r\n', pos)) >= 0; pos = e + 4) {
      const msg = buf.charCodeAt(pos) === 13 ? buf.slice(pos + 2, e) : buf.slice(pos, e);
      if (this.waiting.size && msg.startsWith('Response:')) {
        const id = header(msg, 'ActionID');
        const w = id !== null ? this.waiting.get(id) : undefined;
        if (w && id !== null) {
          this.waiting.delete(id);
          w(msg);
          continue;
        }
      }
      this.onMessage?.(msg);
    }
    this.buf = pos === 0 ? buf : buf.slice(pos);
    this.onChunkEnd?.();
  }

  write(s: string): void {
    this.sock.write(s, 'latin1');
  }

  /** Sends an action and resolves with its response (matched by ActionID). */
  request(headers: Record<string, string>, timeoutMs = 10_000): Promise<string> {
    const id = headers.ActionID ?? `req-${++this.seq}`;
    let s = '';
    for (const [k, v] of Object.entries({ ...headers, ActionID: id })) s += `${k}: ${v}\r\n`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`timeout waiting for the response to ${headers.Action}`));
      }, timeoutMs);
      this.waiting.set(id, (m) => {
        clearTimeout(t);
        resolve(m);
      });
      this.write(s + '\r\n');
    });
  }

  close(): void {
    if (!this.closed) this.sock.destroy();
  }

  static connect(host: string, port: number, timeoutMs = 5000): Promise<LoadConn> {
    if (!LOOPBACK.test(host)) return Promise.reject(new Error(`refusing non-loopback host ${host}`));
    return new Promise((resolve, reject) => {
      const sock = net.createConnection({ host, port });
      const c = new LoadConn(sock);
      const t = setTimeout(() => {
        sock.destroy();
        reject(new Error('connect/banner timeout'));
      }, timeoutMs);
      c.onBanner = () => {
        clearTimeout(t);
        resolve(c);
      };
      sock.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }
}

/** Exact-case value of the first `name` header of a message string, or null. */
export function header(msg: string, name: string): string | null {
  let i = msg.startsWith(name + ': ') ? 0 : msg.indexOf('\r\n' + name + ': ');
  if (i < 0) return null;
  if (i > 0) i += 2;
  const s = i + name.length + 2;
  const e = msg.indexOf('\r\n', s);
  return e < 0 ? msg.slice(s) : msg.slice(s, e);
}

export interface Target {
  host: string;
  port: number;
  user: string;
  secret: string;
}

export async function login(t: Target, events: 'on' | 'off'): Promise<LoadConn> {
  const c = await LoadConn.connect(t.host, t.port);
  const r = await c.request({ Action: 'Login', Username: t.user, Secret: t.secret, Events: events });
  if (!r.startsWith('Response: Success')) {
    c.close();
    throw new Error(`login failed: ${r.split('\r\n').join(' | ')}`);
  }
  return c;
}

/** Logs in n sessions, at most `batch` unauthenticated at once (Asterisk's authlimit defaults to 50). */
export async function loginMany(t: Target, n: number, events: 'on' | 'off', batch = 20): Promise<LoadConn[]> {
  const out: LoadConn[] = [];
  for (let i = 0; i < n; i += batch) {
    const k = Math.min(batch, n - i);
    out.push(...(await Promise.all(Array.from({ length: k }, () => login(t, events)))));
  }
  return out;
}

export async function logoffAll(conns: LoadConn[]): Promise<void> {
  await Promise.all(
    conns.map(async (c) => {
      if (c.closed) return;
      try {
        await c.request({ Action: 'Logoff' }, 2000);
      } catch {
        // closing anyway
      }
      c.close();
    }),
  );
}

/** Small HTTP / AMI clients over raw sockets for the HTTP-side tests. */
import net from 'node:net';
import { createHash } from 'node:crypto';

export interface RawReply {
  status: number;
  head: string;
  headers: Array<[string, string]>;
  body: string;
  header(name: string): string | undefined;
}

/** One request on a fresh connection (`Connection: close`); returns the parsed response. */
export function request(
  port: number,
  method: string,
  target: string,
  extra: Record<string, string> = {},
  body = '',
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let buf = '';
    s.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    s.on('error', reject);
    s.on('close', () => resolve(parseReply(buf)));
    let req = `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`;
    for (const [n, v] of Object.entries(extra)) req += `${n}: ${v}\r\n`;
    if (body) req += `Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n`;
    s.write(req + 'Connection: close\r\n\r\n' + body, 'latin1');
  });
}

export function parseReply(buf: string): RawReply {
  const i = buf.indexOf('\r\n\r\n');
  const head = i < 0 ? buf : buf.slice(0, i);
  const lines = head.split('\r\n');
  const headers = lines.slice(1).map((l): [string, string] => {
    const c = l.indexOf(': ');
    return [l.slice(0, c), l.slice(c + 2)];
  });
  return {
    status: Number(lines[0].split(' ')[1]),
    head,
    headers,
    body: i < 0 ? '' : buf.slice(i + 4),
    header: (name) => headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1],
  };
}

export function cookieOf(r: RawReply): string {
  const m = /mansession_id="([0-9a-f]{8})"/.exec(r.header('Set-Cookie') ?? '');
  if (!m) throw new Error('no cookie in ' + r.head);
  return m[1];
}

/** GET /rawman (or another AJAM path) with the session cookie. */
export function ajam(port: number, query: string, cookie?: string, path = '/rawman'): Promise<RawReply> {
  return request(port, 'GET', `${path}?${query}`, cookie ? { Cookie: `mansession_id="${cookie}"` } : {});
}

export const md5 = (s: string): string => createHash('md5').update(s, 'latin1').digest('hex');

/** An Authorization header answering a digest challenge. */
export function digestHeader(o: {
  user: string;
  secret: string;
  realm?: string;
  nonce: string;
  method: string;
  uri: string;
  nc: number;
  cnonce?: string;
}): string {
  const realm = o.realm ?? 'asterisk';
  const nc = o.nc.toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? 'abcdef0123';
  const ha1 = md5(`${o.user}:${realm}:${o.secret}`);
  const ha2 = md5(`${o.method}:${o.uri}`);
  const response = md5(`${ha1}:${o.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${o.user}", realm="${realm}", nonce="${o.nonce}", uri="${o.uri}", algorithm=MD5, response="${response}", opaque="${o.nonce}", qop=auth, nc=${nc}, cnonce="${cnonce}"`;
}

export function nonceOf(r: RawReply): string {
  const m = /nonce="([0-9a-f]+)"/.exec(r.header('WWW-authenticate') ?? '');
  if (!m) throw new Error('no challenge in ' + r.head);
  return m[1];
}

/** A TCP AMI session: sends actions, returns the messages of each answer. */
export class TcpAmi {
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
    sock.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(port: number): Promise<TcpAmi> {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const c = new TcpAmi(sock);
    await c.until(() => c.buf.includes('\r\n'));
    c.buf = c.buf.slice(c.buf.indexOf('\r\n') + 2);
    return c;
  }

  private async until(ok: () => boolean, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!ok() && !this.closed && Date.now() < end) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 25);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  /** Sends `text` and returns everything received until `count` messages are in. */
  async send(text: string, count = 1): Promise<string> {
    this.sock.write(text, 'latin1');
    await this.until(() => this.buf.split('\r\n\r\n').length - 1 >= count);
    const parts = this.buf.split('\r\n\r\n');
    const out = parts.slice(0, count).join('\r\n\r\n') + '\r\n\r\n';
    this.buf = parts.slice(count).join('\r\n\r\n');
    return out;
  }

  /** Waits for a message containing `needle` (events). */
  async waitFor(needle: string, ms = 3000): Promise<string> {
    await this.until(() => this.buf.includes(needle), ms);
    return this.buf;
  }

  close(): void {
    this.sock.destroy();
  }
}

/**
 * Replays a recorded HTTP manager transcript (28a-28d) against a server and returns, per request, the
 * recorded and the live response as normalized text, to be compared byte for byte. As
 * the shared conformance scorer (conform.py) does: cookies, digest nonces, Date, timestamps, session ids, addresses, challenges
 * and epochs become tokens (numbered by first appearance on each side), a cookie the recording sent is
 * replaced by the live cookie the server set in the same position, the Host header names the live
 * server, and unsolicited `Registry` events (a SIP registration of the recording machine) are dropped
 * from WaitEvent bodies. Content-Length becomes `<matches body>` when it is the body's length.
 */
import net from 'node:net';
import { readFileSync } from 'node:fs';
import { Normalizer } from './replay.js';

interface Entry {
  t: number;
  conn: string;
  dir: 'send' | 'recv' | 'event';
  data: string;
}

interface RefConn {
  label: string;
  sends: string[];
  recv: string;
  eof: boolean;
}

export interface HttpExchange {
  /** Connection label and request index (`keepalive#2`). */
  label: string;
  /** The request as sent to the live server. */
  request: string;
  expected: string;
  got: string;
}

export interface HttpConnResult {
  label: string;
  exchanges: HttpExchange[];
  expectServerClose: boolean;
  serverClosed: boolean;
}

function loadScenario(path: string): RefConn[] {
  const conns = new Map<string, RefConn>();
  for (const raw of readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .slice(1)) {
    const e = JSON.parse(raw) as Entry;
    if (e.conn === '-') continue;
    let c = conns.get(e.conn);
    if (!c) conns.set(e.conn, (c = { label: e.conn, sends: [], recv: '', eof: false }));
    if (e.dir === 'send') c.sends.push(e.data);
    else if (e.dir === 'recv') c.recv += e.data;
    else if (e.data.startsWith('EOF (peer closed')) c.eof = true;
  }
  return [...conns.values()];
}

export interface RawResponse {
  head: string;
  body: string;
}

/** Cuts complete responses off a byte stream; `methods[k]` is the method of the k-th request. */
export function splitResponses(text: string, methods: string[]): { responses: RawResponse[]; rest: string } {
  const responses: RawResponse[] = [];
  let pos = 0;
  for (;;) {
    const i = text.indexOf('\r\n\r\n', pos);
    if (i < 0) break;
    const head = text.slice(pos, i);
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const len = methods[responses.length] === 'HEAD' || !cl ? 0 : Number(cl[1]);
    if (text.length < i + 4 + len) break;
    responses.push({ head, body: text.slice(i + 4, i + 4 + len) });
    pos = i + 4 + len;
  }
  return { responses, rest: text.slice(pos) };
}

const RX_COOKIE = /mansession_id="([^"]*)"/;

/** Normalizes one side's responses (one instance per side, fed in recorded order). */
class HttpNormalizer {
  private readonly ami = new Normalizer();
  private readonly tokens = new Map<string, Map<string, string>>();

  private tok(cls: string, raw: string): string {
    let m = this.tokens.get(cls);
    if (!m) this.tokens.set(cls, (m = new Map()));
    let t = m.get(raw);
    if (!t) m.set(raw, (t = `<${cls}${m.size + 1}>`));
    return t;
  }

  value(name: string, v: string): string {
    const ln = name.toLowerCase();
    if ((ln === 'logintime' || ln === 'lastcall' || ln === 'lastpause') && /^1\d{9}$/.test(v))
      return '<epoch>';
    return this.ami.value(name, v);
  }

  private rawBody(body: string): string {
    return body
      .split('\r\n\r\n')
      .filter((block) => !(/^Event: Registry\r\n/.test(block) && !/\r\nActionID:/i.test(block)))
      .map((block) =>
        block
          .split('\r\n')
          .map((line) => {
            const c = line.indexOf(': ');
            return c < 0 ? line : line.slice(0, c + 2) + this.value(line.slice(0, c), line.slice(c + 2));
          })
          .join('\r\n'),
      )
      .join('\r\n\r\n');
  }

  private xmlBody(body: string): string {
    return body
      .split('\n')
      .filter((l) => !(/ event='Registry'/.test(l) && !/ actionid='/.test(l)))
      .map((l) =>
        l.replace(
          / ([A-Za-z0-9_-]+)='([^']*)'/g,
          (_m, n: string, v: string) => ` ${n}='${this.value(n, v)}'`,
        ),
      )
      .join('\n');
  }

  private htmlBody(body: string): string {
    const hr = '<tr><td colspan="2"><hr></td></tr>\r\n';
    return body
      .split(hr)
      .filter(
        (block) =>
          !(
            block.includes('<tr><td>Event</td><td>Registry</td></tr>') &&
            !block.includes('<tr><td>ActionID</td>')
          ),
      )
      .map((block) =>
        block.replace(
          /<tr><td>([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g,
          (_m, n: string, v: string) => `<tr><td>${n}</td><td>${this.value(n, v)}</td></tr>`,
        ),
      )
      .join(hr);
  }

  response(r: RawResponse, method: string): string {
    const ctype = (/\r\ncontent-type:\s*([^\r]*)/i.exec(r.head)?.[1] ?? '').toLowerCase();
    let body = r.body;
    if (ctype.includes('xml')) body = this.xmlBody(body);
    else if (ctype.includes('html') && body.includes('<tr><td>')) body = this.htmlBody(body);
    else if (ctype.includes('plain')) body = this.rawBody(body);
    const head = r.head
      .split('\r\n')
      .map((line) => {
        const c = line.indexOf(': ');
        if (c < 0) return line;
        const n = line.slice(0, c);
        let v = line.slice(c + 2);
        const ln = n.toLowerCase();
        if (ln === 'date' && /^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/.test(v))
          v = '<http-date>';
        else if (ln === 'set-cookie')
          v = v.replace(RX_COOKIE, (_m, x: string) => `mansession_id="${this.tok('COOKIE', x)}"`);
        else if (ln === 'www-authenticate')
          v = v.replace(
            /((?:nonce|opaque)=")([^"]*)(")/g,
            (_m, a: string, x: string, b: string) => a + this.tok('NONCE', x) + b,
          );
        else if (
          ln === 'content-length' &&
          method !== 'HEAD' &&
          Number(v) === Buffer.byteLength(r.body, 'latin1')
        )
          v = '<matches body>';
        return n + ': ' + v;
      })
      .join('\r\n');
    return head + '\r\n\r\n' + body;
  }
}

function cookiesIn(responses: RawResponse[]): string[] {
  const out: string[] = [];
  for (const r of responses) {
    const m = /\r\nSet-Cookie: mansession_id="([^"]*)"/i.exec(r.head);
    if (m && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** Replays every connection of a scenario in recorded order (they are sequential in 28a-28d). */
export async function replayHttp(
  path: string,
  target: { host: string; port: number; timeoutMs?: number },
): Promise<HttpConnResult[]> {
  const refs = loadScenario(path);
  const refNorm = new HttpNormalizer();
  const liveNorm = new HttpNormalizer();
  const refSeen: RawResponse[] = [];
  const liveSeen: RawResponse[] = [];
  const results: HttpConnResult[] = [];
  const timeoutMs = target.timeoutMs ?? 10_000;
  for (const ref of refs) {
    const methods = ref.sends.map((s) => s.slice(0, s.indexOf(' ')));
    const refResponses = splitResponses(ref.recv, methods).responses;
    const sock = net.connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    let buf = '';
    let eof = false;
    let wake: (() => void) | null = null;
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      wake?.();
    });
    sock.on('close', () => {
      eof = true;
      wake?.();
    });
    sock.on('error', () => {});
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const waitFor = async (ok: () => boolean, ms: number): Promise<void> => {
      const end = Date.now() + ms;
      while (!ok() && Date.now() < end) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, 20);
          wake = () => {
            clearTimeout(t);
            r();
          };
        });
        wake = null;
      }
    };
    const exchanges: HttpExchange[] = [];
    for (let k = 0; k < ref.sends.length; k++) {
      // The k-th cookie the recording had been given becomes the k-th cookie this server gave.
      const refCookies = cookiesIn(refSeen);
      const liveCookies = cookiesIn(liveSeen);
      const data = ref.sends[k]
        .replace(/(Cookie: mansession_id=")([^"]*)(")/i, (m, a: string, v: string, b: string) => {
          const i = refCookies.indexOf(v);
          return i >= 0 && i < liveCookies.length ? a + liveCookies[i] + b : m;
        })
        .replace(/^(Host:[ \t]*)[^\r\n]*/im, `$1${target.host}:${target.port}`);
      sock.write(Buffer.from(data, 'latin1'));
      await waitFor(() => eof || splitResponses(buf, methods).responses.length > k, timeoutMs);
      const live = splitResponses(buf, methods).responses[k];
      const refR = refResponses[k];
      if (refR) refSeen.push(refR);
      if (live) liveSeen.push(live);
      exchanges.push({
        label: `${ref.label}#${k + 1}`,
        request: data,
        expected: refR ? refNorm.response(refR, methods[k]) : '(no response recorded)',
        got: live ? liveNorm.response(live, methods[k]) : `(no response; received ${JSON.stringify(buf)})`,
      });
    }
    if (ref.eof) await waitFor(() => eof, 3000);
    else await new Promise((r) => setTimeout(r, 50));
    results.push({ label: ref.label, exchanges, expectServerClose: ref.eof, serverClosed: eof });
    sock.destroy();
  }
  return results;
}

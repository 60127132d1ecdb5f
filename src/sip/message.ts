/**
 * A small, strict SIP message model (RFC 3261 §7, §20, §25): parse one UDP datagram into a request
 * or a response, build messages, and read the header forms a registrar and a client side need
 * (name-addr, URIs, Via). Anything that does not parse throws SipParseError; the transport drops
 * such datagrams with a log line. No other exception escapes from here. Shared by every SIP channel
 * driver: it knows nothing of AMI nor of chan_sip.
 */
import { randomBytes } from 'node:crypto';

export class SipParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SipParseError';
  }
}

/** Largest datagram accepted (a UDP datagram cannot be larger). */
export const MAX_DATAGRAM = 65535;
/** Most header lines accepted in one message. */
export const MAX_HEADERS = 200;
/** Longest header line (after unfolding). */
export const MAX_HEADER_LINE = 8192;

/** Compact header forms (RFC 3261 §7.3.3 and extensions) to their full names. */
const COMPACT: Record<string, string> = {
  i: 'Call-ID',
  m: 'Contact',
  e: 'Content-Encoding',
  l: 'Content-Length',
  c: 'Content-Type',
  f: 'From',
  s: 'Subject',
  k: 'Supported',
  t: 'To',
  v: 'Via',
  o: 'Event',
  u: 'Allow-Events',
  r: 'Refer-To',
  b: 'Referred-By',
  x: 'Session-Expires',
};

/** Canonical spelling of a few headers we write (others keep the spelling they came with). */
const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'content-length': 'Content-Length',
  'max-forwards': 'Max-Forwards',
};

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

export type SipHeaders = Array<[string, string]>;

interface Common {
  headers: SipHeaders;
  body: Buffer;
}

export interface SipRequest extends Common {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends Common {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

function headerKey(name: string): string {
  const l = name.toLowerCase();
  return COMPACT[l]?.toLowerCase() ?? l;
}

/** First value of a header (compact forms match their full names), or undefined. */
export function getHeader(m: Common, name: string): string | undefined {
  const k = headerKey(name);
  for (const [n, v] of m.headers) if (headerKey(n) === k) return v;
  return undefined;
}

/** Every value of a header, comma lists split into their elements, in order. */
export function getHeaderList(m: Common, name: string): string[] {
  const k = headerKey(name);
  const out: string[] = [];
  for (const [n, v] of m.headers) if (headerKey(n) === k) out.push(...splitList(v));
  return out;
}

/** Every header line of that name as written (Via lines are copied into responses this way). */
export function getHeaderLines(m: Common, name: string): string[] {
  const k = headerKey(name);
  return m.headers.filter(([n]) => headerKey(n) === k).map(([, v]) => v);
}

/** Splits a header value on commas outside quotes and angle brackets. */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let angle = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quoted) {
      cur += c;
      if (c === '\\' && i + 1 < value.length) cur += value[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      cur += c;
    } else if (c === '<') {
      angle++;
      cur += c;
    } else if (c === '>') {
      if (angle > 0) angle--;
      cur += c;
    } else if (c === ',' && angle === 0) {
      if (cur.trim()) out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/**
 * Parses one datagram. Strict about what matters for safety and meaning: a well-formed start line,
 * `name: value` headers (folded lines joined), the mandatory headers of a request, a CSeq whose
 * method matches, and a Content-Length that the body honours.
 */
export function parseMessage(data: Buffer): SipMessage {
  if (data.length === 0) throw new SipParseError('empty datagram');
  if (data.length > MAX_DATAGRAM) throw new SipParseError('datagram too large');
  let end = data.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (end < 0) {
    const lf = data.indexOf('\n\n');
    if (lf < 0) throw new SipParseError('no end of headers');
    end = lf;
    sepLen = 2;
  }
  const head = data.subarray(0, end).toString('latin1');
  if (/[\x00]/.test(head)) throw new SipParseError('NUL byte in headers');
  const rawLines = head.split(/\r?\n/);
  const startLine = rawLines[0];
  const lines: string[] = [];
  for (const l of rawLines.slice(1)) {
    if (l.length === 0) throw new SipParseError('empty header line');
    if (l[0] === ' ' || l[0] === '\t') {
      if (lines.length === 0) throw new SipParseError('continuation without header');
      lines[lines.length - 1] += ' ' + l.trim();
    } else lines.push(l);
    if (lines.length > MAX_HEADERS) throw new SipParseError('too many headers');
    if (lines[lines.length - 1].length > MAX_HEADER_LINE) throw new SipParseError('header line too long');
  }
  const headers: SipHeaders = [];
  for (const l of lines) {
    const c = l.indexOf(':');
    if (c <= 0) throw new SipParseError('header without colon');
    const name = l.slice(0, c).trim();
    if (!TOKEN.test(name)) throw new SipParseError('bad header name');
    headers.push([name, l.slice(c + 1).trim()]);
  }
  let body = data.subarray(end + sepLen);
  const msgBase = { headers, body };
  const cl = getHeader(msgBase, 'Content-Length');
  if (cl !== undefined) {
    if (!/^\d{1,6}$/.test(cl)) throw new SipParseError('bad Content-Length');
    const n = Number(cl);
    if (n > body.length) throw new SipParseError('body shorter than Content-Length');
    body = body.subarray(0, n);
  }
  const cseq = getHeader(msgBase, 'CSeq');
  const cseqParsed = cseq === undefined ? undefined : parseCSeq(cseq);
  if (cseq !== undefined && !cseqParsed) throw new SipParseError('bad CSeq');

  if (startLine.startsWith('SIP/2.0 ')) {
    const m = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/.exec(startLine);
    if (!m) throw new SipParseError('bad status line');
    if (!getHeader(msgBase, 'Via') || !cseqParsed || !getHeader(msgBase, 'Call-ID')) {
      throw new SipParseError('response lacks Via, CSeq or Call-ID');
    }
    return { kind: 'response', status: Number(m[1]), reason: m[2], headers, body };
  }
  const m = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) SIP\/2\.0$/.exec(startLine);
  if (!m) throw new SipParseError('bad request line');
  const method = m[1].toUpperCase();
  for (const h of ['Via', 'From', 'To', 'Call-ID']) {
    if (!getHeader(msgBase, h)) throw new SipParseError(`request lacks ${h}`);
  }
  if (!cseqParsed) throw new SipParseError('request lacks CSeq');
  if (cseqParsed.method !== method) throw new SipParseError('CSeq method differs from request method');
  if (!parseUri(m[2]) && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(m[2])) throw new SipParseError('bad Request-URI');
  return { kind: 'request', method, uri: m[2], headers, body };
}

export function parseCSeq(v: string): { seq: number; method: string } | undefined {
  const m = /^(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)$/.exec(v.trim());
  if (!m) return undefined;
  const seq = Number(m[1]);
  if (seq > 0xffffffff) return undefined;
  return { seq, method: m[2].toUpperCase() };
}

/** Serializes a message; Content-Length is always written last among the headers, from the body. */
export function serialize(m: SipMessage): Buffer {
  let s = m.kind === 'request' ? `${m.method} ${m.uri} SIP/2.0\r\n` : `SIP/2.0 ${m.status} ${m.reason}\r\n`;
  for (const [n, v] of m.headers) {
    if (headerKey(n) === 'content-length') continue;
    s += `${CANONICAL[n.toLowerCase()] ?? n}: ${v.replace(/[\r\n]+/g, ' ')}\r\n`;
  }
  s += `Content-Length: ${m.body.length}\r\n\r\n`;
  return Buffer.concat([Buffer.from(s, 'latin1'), m.body]);
}

// ---- URIs and addresses ------------------------------------------------------------------------

export interface SipUri {
  scheme: 'sip' | 'sips';
  user: string;
  password?: string;
  host: string;
  port: number | undefined;
  params: Map<string, string>;
}

/** Parses `sip:user:pw@host:port;params?headers`; undefined when it is not a usable sip/sips URI. */
export function parseUri(text: string): SipUri | undefined {
  const m = /^(sips?):(.*)$/i.exec(text.trim());
  if (!m) return undefined;
  let rest = m[2];
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  const parts = rest.split(';');
  const hostpart0 = parts[0];
  const params = new Map<string, string>();
  for (const p of parts.slice(1)) {
    if (!p) continue;
    const eq = p.indexOf('=');
    params.set((eq < 0 ? p : p.slice(0, eq)).toLowerCase(), eq < 0 ? '' : p.slice(eq + 1));
  }
  let user = '';
  let password: string | undefined;
  let hostport = hostpart0;
  const at = hostpart0.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = hostpart0.slice(0, at);
    hostport = hostpart0.slice(at + 1);
    const colon = userinfo.indexOf(':');
    user = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (colon >= 0) password = userinfo.slice(colon + 1);
    user = safeDecode(user);
  }
  const hp = parseHostPort(hostport);
  if (!hp) return undefined;
  return {
    scheme: m[1].toLowerCase() as 'sip' | 'sips',
    user,
    password,
    host: hp.host,
    port: hp.port,
    params,
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; the host must look like a host name or an address. */
export function parseHostPort(text: string): { host: string; port: number | undefined } | undefined {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after) {
      if (!after.startsWith(':')) return undefined;
      portText = after.slice(1);
    }
    if (!/^[0-9a-fA-F:.]+$/.test(host)) return undefined;
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    if (colon >= 0) portText = text.slice(colon + 1);
    if (!/^[A-Za-z0-9._-]+$/.test(host)) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { host, port };
}

export interface NameAddr {
  display: string;
  uri: string;
  params: Map<string, string>;
}

/** `"Name" <uri>;tag=x` or `uri;tag=x` (header parameters after the URI). */
export function parseNameAddr(value: string): NameAddr | undefined {
  const v = value.trim();
  let display = '';
  let uri: string;
  let rest: string;
  const lt = indexOutsideQuotes(v, '<');
  if (lt >= 0) {
    const gt = v.indexOf('>', lt);
    if (gt < 0) return undefined;
    display = v.slice(0, lt).trim();
    if (display.startsWith('"') && display.endsWith('"') && display.length >= 2)
      display = display.slice(1, -1);
    uri = v.slice(lt + 1, gt).trim();
    rest = v.slice(gt + 1);
  } else {
    const semi = v.indexOf(';');
    uri = semi < 0 ? v : v.slice(0, semi);
    rest = semi < 0 ? '' : v.slice(semi);
  }
  if (!uri) return undefined;
  const params = new Map<string, string>();
  for (const p of rest.split(';')) {
    const t = p.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    params.set(
      (eq < 0 ? t : t.slice(0, eq)).trim().toLowerCase(),
      eq < 0
        ? ''
        : t
            .slice(eq + 1)
            .trim()
            .replace(/^"(.*)"$/, '$1'),
    );
  }
  return { display, uri, params };
}

function indexOutsideQuotes(s: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && quoted) i++;
    else if (s[i] === '"') quoted = !quoted;
    else if (!quoted && s[i] === ch) return i;
  }
  return -1;
}

export interface Via {
  transport: string;
  host: string;
  port: number | undefined;
  params: Map<string, string>;
}

/** `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`. */
export function parseVia(value: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+([^;\s]+)\s*(.*)$/i.exec(value.trim());
  if (!m) return undefined;
  const hp = parseHostPort(m[2]);
  if (!hp) return undefined;
  const params = new Map<string, string>();
  for (const p of m[3].split(';')) {
    const t = p.trim();
    if (!t) continue;
    const eq = t.indexOf('=');
    params.set((eq < 0 ? t : t.slice(0, eq)).trim().toLowerCase(), eq < 0 ? '' : t.slice(eq + 1).trim());
  }
  return { transport: m[1].toUpperCase(), host: hp.host, port: hp.port, params };
}

// ---- identifiers -------------------------------------------------------------------------------

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A new RFC 3261 branch (magic cookie first). */
export function newBranch(): string {
  return 'z9hG4bK' + randomHex(8);
}

/** Builds a response to a request: Vias, From, To (a tag added when asked), Call-ID and CSeq copied. */
export function buildResponse(
  req: SipRequest,
  status: number,
  reason: string,
  opts: { toTag?: string; headers?: SipHeaders; body?: Buffer; via?: string[] } = {},
): SipResponse {
  const headers: SipHeaders = [];
  for (const v of opts.via ?? getHeaderLines(req, 'Via')) headers.push(['Via', v]);
  headers.push(['From', getHeader(req, 'From') ?? '']);
  let to = getHeader(req, 'To') ?? '';
  if (opts.toTag && !/;\s*tag=/i.test(to)) to += `;tag=${opts.toTag}`;
  headers.push(['To', to]);
  headers.push(['Call-ID', getHeader(req, 'Call-ID') ?? '']);
  headers.push(['CSeq', getHeader(req, 'CSeq') ?? '']);
  headers.push(...(opts.headers ?? []));
  return { kind: 'response', status, reason, headers, body: opts.body ?? Buffer.alloc(0) };
}

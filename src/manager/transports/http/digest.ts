/**
 * HTTP Digest authentication (RFC 2617 MD5, qop=auth; RFC 2069 without qop) as main/utils.c
 * ast_parse_digest() reads the Authorization header and manager.c auth_http_callback() checks it:
 * A1 = MD5(user:realm:secret), A2 = MD5(method:uri), response = MD5(A1:%08lx nonce:nc:cnonce:auth:A2).
 */
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../../actions/auth.js';

export interface DigestFields {
  username: string;
  realm: string;
  nonce: string;
  uri: string;
  response: string;
  cnonce: string;
  opaque: string;
  nc: string;
  qop: boolean;
}

const KEYS = [
  'username',
  'realm',
  'nonce',
  'uri',
  'domain',
  'response',
  'cnonce',
  'opaque',
  'algorithm',
  'qop',
  'nc',
];

/** ast_unescape_c() for the escapes a quoted value may carry. */
function unescapeC(s: string): string {
  return s.replace(
    /\\(.)/g,
    (_m, c: string) => ({ n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' })[c] ?? c,
  );
}

/** ast_parse_digest(header, d, request=0, pedantic=1); undefined when the header is unusable. */
export function parseDigest(header: string): DigestFields | undefined {
  const d: DigestFields = {
    username: '',
    realm: '',
    nonce: '',
    uri: '',
    response: '',
    cnonce: '',
    opaque: '',
    nc: '',
    qop: false,
  };
  let c = header.replace(/^[\x00-\x20]+/, '');
  if (c.slice(0, 7).toLowerCase() !== 'digest ') return undefined;
  c = c.slice(7);
  let rest: string | null = c;
  while (rest !== null && rest.length > 0) {
    rest = rest.replace(/^[\x00-\x20]+/, '');
    if (rest.length === 0) break;
    const lower = rest.toLowerCase();
    const key = KEYS.find((k) => lower.startsWith(k + '='));
    if (key === undefined) {
      const comma = rest.indexOf(',');
      rest = comma < 0 ? null : rest.slice(comma + 1);
      continue;
    }
    rest = rest.slice(key.length + 1);
    let value: string;
    if (rest.startsWith('"')) {
      const q = rest.indexOf('"', 1);
      value = unescapeC(q < 0 ? rest.slice(1) : rest.slice(1, q));
      rest = q < 0 ? null : rest.slice(q + 1);
    } else {
      const comma = rest.indexOf(',');
      value = comma < 0 ? rest : rest.slice(0, comma);
      rest = comma < 0 ? null : rest.slice(comma + 1);
    }
    if (key === 'algorithm') {
      if (value.toLowerCase() !== 'md5') return undefined;
    } else if (key === 'qop') {
      if (value.toLowerCase() === 'auth') d.qop = true;
    } else if (key === 'nc') {
      if (!/^\s*[0-9a-fA-F]/.test(value)) return undefined;
      d.nc = value;
    } else if (key !== 'domain') {
      (d as unknown as Record<string, string>)[key] = value;
    }
  }
  if (!d.realm || !d.nonce) return undefined;
  if (!d.username || !d.uri || !d.response) return undefined;
  if (d.qop && (!d.cnonce || !d.nc)) return undefined;
  return d;
}

/** sscanf("%30lx") of a nonce or nonce count; undefined when no hex digit leads. */
export function parseHex(s: string): number | undefined {
  const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(s);
  if (!m) return undefined;
  const digits = m[1].replace(/^0+/, '') || '0';
  if (digits.length > 13) return undefined;
  return Number.parseInt(digits, 16);
}

export function md5hex(s: string): string {
  return createHash('md5').update(s, 'latin1').digest('hex');
}

/** The response the client must have sent; `nonce` as the server read it, printed %08lx. */
export function expectedResponse(a1: string, method: string, d: DigestFields, nonce: number): string {
  const a2 = md5hex(`${method}:${d.uri}`);
  const n = nonce.toString(16).padStart(8, '0');
  return d.qop ? md5hex(`${a1}:${n}:${d.nc}:${d.cnonce}:auth:${a2}`) : md5hex(`${a1}:${n}:${a2}`);
}

/** strncasecmp(d.response, expected, 32) == 0, in constant time. */
export function responseMatches(got: string, expected: string): boolean {
  return constantTimeEqual(got.slice(0, expected.length).toLowerCase(), expected);
}

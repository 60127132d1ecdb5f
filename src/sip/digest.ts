/**
 * HTTP digest authentication as SIP uses it (RFC 2617, MD5, qop=auth or none): parse credentials
 * and challenges, compute a response, build the client's Authorization value, and check a
 * client's response in constant time. Knows nothing of peers nor of AMI.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** `Digest a=b, c="d"` into a lower-cased key map; undefined when it is not a Digest header. */
export function parseDigest(value: string): Map<string, string> | undefined {
  const m = /^\s*Digest\s+(.*)$/is.exec(value);
  if (!m) return undefined;
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/gy;
  const text = m[1];
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const r = re.exec(text);
    if (!r || r[0].length === 0) return out.size ? out : undefined;
    out.set(r[1].toLowerCase(), r[2] !== undefined ? r[2].replace(/\\(.)/g, '$1') : (r[3] ?? ''));
    pos = re.lastIndex;
  }
  return out;
}

export function md5hex(s: string): string {
  return createHash('md5').update(s, 'latin1').digest('hex');
}

export interface DigestInput {
  username: string;
  realm: string;
  /** The secret, or md5secret (an MD5 of user:realm:secret) when `ha1` is true. */
  secret: string;
  ha1?: boolean;
  method: string;
  uri: string;
  nonce: string;
  qop?: string;
  nc?: string;
  cnonce?: string;
}

/** RFC 2617 response (qop=auth or none), as build_reply_digest / check_auth compute it. */
export function digestResponse(d: DigestInput): string {
  const ha1 = d.ha1 ? d.secret : md5hex(`${d.username}:${d.realm}:${d.secret}`);
  const ha2 = md5hex(`${d.method}:${d.uri}`);
  if (d.qop) return md5hex(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:${d.qop}:${ha2}`);
  return md5hex(`${ha1}:${d.nonce}:${ha2}`);
}

/**
 * Whether a client's `response=` matches the expected hex digest. Like check_auth's
 * strncasecmp(response, expected, strlen(expected)): case-insensitive, extra trailing characters
 * tolerated, empty never matches; compared in constant time.
 */
export function digestMatches(got: string, expected: string): boolean {
  const head = got.toLowerCase().slice(0, expected.length);
  if (!got || head.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(head, 'latin1'), Buffer.from(expected.toLowerCase(), 'latin1'));
}

/** A challenge as the client side reads it from WWW-Authenticate / Proxy-Authenticate. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string;
  /** 'auth' when the server offers it, else ''. */
  qop: string;
}

export function readChallenge(keys: Map<string, string>): DigestChallenge {
  return {
    realm: keys.get('realm') ?? '',
    nonce: keys.get('nonce') ?? '',
    opaque: keys.get('opaque') ?? '',
    qop: (keys.get('qop') ?? '')
      .split(',')
      .map((s) => s.trim())
      .includes('auth')
      ? 'auth'
      : '',
  };
}

/** The Authorization value a client sends back (build_reply_digest's layout). */
export function authorizationValue(
  ch: DigestChallenge,
  cred: { username: string; secret: string; method: string; uri: string; cnonce: string; nc: string },
): string {
  const response = digestResponse({
    username: cred.username,
    realm: ch.realm,
    secret: cred.secret,
    method: cred.method,
    uri: cred.uri,
    nonce: ch.nonce,
    qop: ch.qop || undefined,
    nc: cred.nc,
    cnonce: cred.cnonce,
  });
  let value = `Digest username="${cred.username}", realm="${ch.realm}", algorithm=MD5, uri="${cred.uri}", nonce="${ch.nonce}", response="${response}"`;
  if (ch.opaque) value += `, opaque="${ch.opaque}"`;
  if (ch.qop) value += `, qop=auth, cnonce="${cred.cnonce}", nc=${cred.nc}`;
  return value;
}

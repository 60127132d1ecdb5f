/**
 * Request parameters as main/http.c reads them: query strings and form bodies split with strsep()
 * semantics and decoded by ast_uri_decode(legacy) ('+' is a space, %XX a byte), cookies as
 * parse_cookies() reads them, and the AMI message astman_append_headers() builds from them.
 * Strings here are byte strings (latin1): one char per byte, as the TCP side keeps them.
 */
import { AmiMessage } from '../../../protocol/message.js';
import { ASTERISK_MAX_HEADERS } from '../../../protocol/parser.js';

export type Param = readonly [name: string, value: string];

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** ast_uri_decode(s, ast_uri_http_legacy): `+` -> space, `%XX` -> byte (`%X?` takes the one digit). */
export function uriDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  let out = '';
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 43) out += ' ';
    else if (c === 37 && i + 2 < n && hexVal(s.charCodeAt(i + 1)) >= 0) {
      // sscanf("%2x") reads one or two hex digits; the pointer moves past two characters either way.
      const hi = hexVal(s.charCodeAt(i + 1));
      const lo = hexVal(s.charCodeAt(i + 2));
      out += String.fromCharCode(lo >= 0 ? hi * 16 + lo : hi);
      i += 2;
    } else out += s[i];
  }
  return out;
}

/** `a=1&b&c=%41` -> [['a','1'],['b',''],['c','A']] (every piece kept, empty names too, as Asterisk does). */
export function parseUrlEncoded(text: string): Param[] {
  const out: Param[] = [];
  for (const piece of text.split('&')) {
    const eq = piece.indexOf('=');
    if (eq < 0) out.push([uriDecode(piece), '']);
    else out.push([uriDecode(piece.slice(0, eq)), uriDecode(piece.slice(eq + 1))]);
  }
  return out;
}

/** Splits a request target into its path and its query parameters (none when there is no `?`). */
export function splitTarget(target: string): { path: string; params: Param[] } {
  const q = target.indexOf('?');
  if (q < 0) return { path: target, params: [] };
  return { path: target.slice(0, q), params: parseUrlEncoded(target.slice(q + 1)) };
}

/** Trims bytes below 33 at both ends. */
function strip(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) < 33) a++;
  while (b > a && s.charCodeAt(b - 1) < 33) b--;
  return s.slice(a, b);
}

/**
 * ast_http_get_cookies(): the last `Cookie:` header wins; `name=value` pairs split on `;`, blanks
 * trimmed, one pair of double quotes removed.
 */
export function parseCookies(header: string | string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const text = Array.isArray(header) ? header[header.length - 1] : header;
  if (!text) return out;
  // parse_cookies() prepends each cookie to its list and lookups take the first match: the last one wins.
  for (const cur of text.split(';')) {
    const eq = cur.indexOf('=');
    if (eq < 0) continue;
    const name = strip(cur.slice(0, eq));
    let val = strip(cur.slice(eq + 1));
    if (val.length >= 2 && val.startsWith('"') && val.endsWith('"')) val = val.slice(1, -1);
    if (!name || !val) continue;
    out.set(name.toLowerCase(), val);
  }
  return out;
}

/** ast_http_manid_from_vars(): the `mansession_id` cookie read with sscanf("%x"); 0 when absent. */
export function managerIdFromCookies(cookies: Map<string, string>): number {
  const v = cookies.get('mansession_id');
  if (!v) return 0;
  const m = /^\s*(?:0[xX])?([0-9a-fA-F]+)/.exec(v);
  if (!m) return 0;
  // %x stores into a uint32_t: keep the low 32 bits of what was read.
  const digits = m[1].replace(/^0+/, '') || '0';
  return Number.parseInt(digits.slice(-8), 16) >>> 0;
}

/** A value from a URL or form must stay on its header line: CR and LF become spaces. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

/**
 * astman_append_headers(): `name: value` per parameter, in order, at most 128. Asterisk drops the
 * rest silently; we answer as its TCP side does for a message of too many lines, so that a cut
 * request is never run as if it were whole.
 */
export function messageFromParams(params: readonly Param[]): AmiMessage {
  const lines: string[] = [];
  for (const [n, v] of params) {
    if (lines.length >= ASTERISK_MAX_HEADERS) break;
    lines.push(oneLine(n) + ': ' + oneLine(v));
  }
  const m = new AmiMessage(lines);
  if (params.length > ASTERISK_MAX_HEADERS) m.tooManyLines = true;
  return m;
}

/** The value of the first parameter named `name` (case-insensitive), or undefined. */
export function paramValue(params: readonly Param[], name: string): string | undefined {
  const l = name.toLowerCase();
  for (const [n, v] of params) if (n.toLowerCase() === l) return v;
  return undefined;
}

/**
 * Numeric IP addresses as Asterisk's ast_sockaddr_parse sees them (getaddrinfo with AI_NUMERICHOST:
 * no host names), kept as bytes so ACL masks can be applied with plain bit math.
 */
import { isIPv4 } from 'node:net';

export interface IpAddr {
  v4: boolean;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
}

function parseV4(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split('.').map((p) => Number(p)));
}

function parseV6(text: string): Uint8Array | undefined {
  // A zone id (fe80::1%eth0) names an interface; it plays no part in matching.
  const pct = text.indexOf('%');
  if (pct >= 0) {
    if (pct === text.length - 1) return undefined;
    text = text.slice(0, pct);
  }
  const groups: number[] = [];
  let tail = text;
  // An embedded dotted quad (::ffff:1.2.3.4) fills the last two groups.
  let v4tail: Uint8Array | undefined;
  const lastColon = text.lastIndexOf(':');
  if (lastColon >= 0 && text.includes('.', lastColon)) {
    v4tail = parseV4(text.slice(lastColon + 1));
    if (!v4tail) return undefined;
    tail = text.slice(0, lastColon + 1);
    if (tail.endsWith(':') && !tail.endsWith('::')) tail = tail.slice(0, -1);
  }
  const halves = tail.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  if (!head || !rest) return undefined;
  const want = v4tail ? 6 : 8;
  if (halves.length === 2) {
    const fill = want - head.length - rest.length;
    if (fill < 1) return undefined;
    groups.push(...head, ...new Array<number>(fill).fill(0), ...rest);
  } else {
    if (head.length !== want) return undefined;
    groups.push(...head);
  }
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    bytes[i * 2] = g >> 8;
    bytes[i * 2 + 1] = g & 0xff;
  });
  if (v4tail) bytes.set(v4tail, 12);
  return bytes;
}

/** A numeric IPv4 or IPv6 address (no brackets, no port), or undefined. */
export function parseIp(text: string): IpAddr | undefined {
  const v4 = parseV4(text);
  if (v4) return { v4: true, bytes: v4 };
  if (!text.includes(':')) return undefined;
  const v6 = parseV6(text);
  return v6 ? { v4: false, bytes: v6 } : undefined;
}

/** `::ffff:a.b.c.d` as the IPv4 address it carries; anything else unchanged (ast_sockaddr_ipv4_mapped). */
export function unmapV4(a: IpAddr): IpAddr {
  if (a.v4) return a;
  for (let i = 0; i < 10; i++) if (a.bytes[i] !== 0) return a;
  if (a.bytes[10] !== 0xff || a.bytes[11] !== 0xff) return a;
  return { v4: true, bytes: a.bytes.slice(12) };
}

/** Canonical text: dotted quad, or RFC 5952 compressed lower-case IPv6. */
export function formatIp(a: IpAddr): string {
  if (a.v4) return Array.from(a.bytes).join('.');
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((a.bytes[i] << 8) | a.bytes[i + 1]);
  // Longest run of two or more zero groups (first one on ties) becomes '::'.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]) => xs.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(g);
  return `${hex(g.slice(0, best))}::${hex(g.slice(best + bestLen))}`;
}

/** Number of leading one bits if `mask` is contiguous ones then zeros, else undefined. */
export function maskToPrefix(mask: IpAddr): number | undefined {
  let n = 0;
  let seenZero = false;
  for (const byte of mask.bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      if (byte & (1 << bit)) {
        if (seenZero) return undefined;
        n++;
      } else seenZero = true;
    }
  }
  return n;
}

/** The address with every bit past `prefix` cleared. */
export function applyPrefix(a: IpAddr, prefix: number): IpAddr {
  const bytes = a.bytes.slice();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    bytes[i] &= keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
  }
  return { v4: a.v4, bytes };
}

export type PortMode = 'ignore' | 'forbid' | 'optional';

/**
 * ast_sockaddr_parse: `addr`, `addr:port`, `[v6]`, `[v6]:port` or a bare IPv6 (more than one colon means
 * no port). Returns undefined when Asterisk would reject it; the port is dropped in 'ignore' mode.
 */
export function parseSockAddr(
  text: string,
  mode: PortMode,
): { addr: IpAddr; host: string; port: number | undefined } | undefined {
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return undefined;
    host = text.slice(1, close);
    const after = text.slice(close + 1);
    if (after.startsWith(':')) portText = after.slice(1);
    else if (after !== '') return undefined;
  } else {
    const first = text.indexOf(':');
    if (first >= 0 && first === text.lastIndexOf(':')) {
      host = text.slice(0, first);
      portText = text.slice(first + 1);
    } else host = text;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (mode === 'forbid') return undefined;
    if (mode === 'optional') {
      if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return undefined;
      port = Number(portText);
    }
  }
  const addr = parseIp(host);
  if (!addr) return undefined;
  return { addr, host: formatIp(addr), port };
}

/**
 * amikit's failed-authentication limit (not in Asterisk; off unless configured): counts failed
 * authentications per source address, and once `limit` of them fall within one window of
 * `windowSec` (a window opens at the first failure), refuses
 * every further attempt from that address for `blockSec` (the right password included). Used by
 * the manager's Login and by chan_sip's registrar; the tripping is announced by the
 * `AuthFailureLimit` security event built here. Memory is bounded: at most MAX_SOURCES addresses
 * are tracked, the least recently failing forgotten first.
 */
import { formatEventTV } from './events.js';
import type { AuthFailLimitSettings } from '../config/authfail.js';

export type { AuthFailLimitSettings } from '../config/authfail.js';

const MAX_SOURCES = 10_000;

interface Source {
  /** When the current window of failures began (ms). */
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

export class AuthFailureLimiter {
  private readonly sources = new Map<string, Source>();

  constructor(
    readonly settings: AuthFailLimitSettings,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.settings.limit > 0;
  }

  /** Whether attempts from `addr` are refused now. */
  blocked(addr: string): boolean {
    if (!this.enabled) return false;
    const s = this.sources.get(addr);
    if (!s || !s.blockedUntil) return false;
    if (this.now() < s.blockedUntil) return true;
    this.sources.delete(addr);
    return false;
  }

  /** Counts a failure; returns true when this one trips the limit (the address is now refused). */
  fail(addr: string): boolean {
    if (!this.enabled) return false;
    const { limit, windowSec, blockSec } = this.settings;
    const now = this.now();
    let s = this.sources.get(addr);
    if (s) this.sources.delete(addr);
    else {
      if (this.sources.size >= MAX_SOURCES) {
        const oldest = this.sources.keys().next().value;
        if (oldest !== undefined) this.sources.delete(oldest);
      }
      s = { windowStart: now, failures: 0, blockedUntil: 0 };
    }
    // Re-inserted so that the map stays ordered by last failure.
    this.sources.set(addr, s);
    if (s.blockedUntil) {
      if (now < s.blockedUntil) return false;
      s.blockedUntil = 0;
      s.failures = 0;
    }
    if (s.failures === 0 || now - s.windowStart >= windowSec * 1000) {
      s.windowStart = now;
      s.failures = 0;
    }
    if (++s.failures < limit) return false;
    s.blockedUntil = now + blockSec * 1000;
    s.failures = 0;
    return true;
  }

  /** A successful authentication forgets the address's failures. */
  succeed(addr: string): void {
    if (!this.enabled) return;
    const s = this.sources.get(addr);
    if (s && !s.blockedUntil) this.sources.delete(addr);
  }

  /** Addresses tracked (tests, introspection). */
  get size(): number {
    return this.sources.size;
  }
}

/** `IPV4/UDP/127.0.0.1/5060`: ast_json_ipaddr()'s form, as security events print addresses. */
export function securityAddress(transport: string, host: string, port: number): string {
  return `${host.includes(':') ? 'IPV6' : 'IPV4'}/${transport}/${host}/${port}`;
}

/**
 * The headers of amikit's `AuthFailureLimit` event (class security), laid out like Asterisk's
 * security events: EventTV, Severity, Service, EventVersion, AccountID (of the attempt that
 * tripped it), LocalAddress, RemoteAddress, then the limit that tripped.
 */
export function authFailureLimitHeaders(opts: {
  service: string;
  accountId: string;
  localAddress: string;
  remoteAddress: string;
  settings: AuthFailLimitSettings;
}): Array<[string, string]> {
  const s = opts.settings;
  return [
    ['EventTV', formatEventTV(Date.now())],
    ['Severity', 'Error'],
    ['Service', opts.service],
    ['EventVersion', '1'],
    ['AccountID', opts.accountId],
    ['LocalAddress', opts.localAddress],
    ['RemoteAddress', opts.remoteAddress],
    ['Failures', String(s.limit)],
    ['Window', String(s.windowSec)],
    ['BlockedFor', String(s.blockSec)],
  ];
}

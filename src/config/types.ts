/**
 * Shapes shared by the configuration parser and its typed loaders. Asterisk's .conf format: sections,
 * `key = value` / `key => value` / `key += value`, `;` comments (`\;` is a literal semicolon),
 * `#include` / `#tryinclude` (globs allowed), templates `[name](!)` and `[name](tpl1,tpl2)`.
 */

import type { AuthFailLimitSettings } from './authfail.js';

export interface ConfEntry {
  /** Key as written (case kept; loaders compare case-insensitively as Asterisk does). */
  key: string;
  value: string;
  /** `=`, `=>` (object form, e.g. `exten =>`, `member =>`), or `+=` (append to the previous value). */
  op: '=' | '=>' | '+=';
  /** File and 1-based line the entry came from (an included file names itself). */
  file: string;
  line: number;
  /** True when the entry came from a template rather than from the section itself. */
  inherited?: boolean;
}

export interface ConfSection {
  name: string;
  file: string;
  line: number;
  /** `[name](!)`: a template, not a real section. */
  isTemplate: boolean;
  /** Templates this section inherits from, in order. */
  templates: string[];
  /** Entries in order: inherited template entries first, then the section's own. */
  entries: ConfEntry[];
}

export interface ConfWarning {
  file: string;
  line: number;
  message: string;
}

/** `file:line: message`, or `file: message` for a warning about a file as a whole (line 0). */
export function formatWarning(w: ConfWarning): string {
  return w.line > 0 ? `${w.file}:${w.line}: ${w.message}` : `${w.file}: ${w.message}`;
}

export interface ConfDocument {
  /** The top-level file that was parsed. */
  file: string;
  /** Non-template sections in file order; the same name may appear twice (Asterisk keeps both). */
  sections: ConfSection[];
  /** Template sections by name. */
  templates: Map<string, ConfSection>;
  /** Entries before the first section header. */
  preamble: ConfEntry[];
  warnings: ConfWarning[];
}

/** A syntax error: the server must not start; the message names file, line and reason. */
export class ConfSyntaxError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ConfSyntaxError';
  }
}

/** One `eventfilter...` line of a manager.conf user, unparsed (the manager compiles it). */
export interface EventFilterLine {
  /** The key as written: `eventfilter` or `eventfilter(action(exclude),name(X),header(Y),method(Z))`. */
  criteria: string;
  pattern: string;
  file: string;
  line: number;
}

/** TLS listener settings as main/tcptls.c ast_tls_read_conf reads them (manager.conf and http.conf). */
export interface ManagerTlsConfig {
  enabled: boolean;
  bindaddr: string;
  port: number;
  certfile: string;
  privatekey: string;
  cipher: string;
  servercipherorder: boolean;
  disablev1: boolean;
  disablev11: boolean;
  disablev12: boolean;
}

export interface ManagerGeneralConfig {
  enabled: boolean;
  webenabled: boolean;
  port: number;
  /** Address only (no port). '::' means every IPv4 and IPv6 address. */
  bindaddr: string;
  /**
   * Whether manager.conf names the addresses (bindaddr; tlsbindaddr for TLS). `amikit serve` listens on
   * loopback only when it does not, where Asterisk would take every address.
   */
  bindaddrGiven?: { plain: boolean; tls: boolean };
  brokeneventsaction: boolean;
  allowmultiplelogin: boolean;
  displayconnects: boolean;
  timestampevents: boolean;
  debug: boolean;
  /** Seconds. */
  httptimeout: number;
  /** Seconds. */
  authtimeout: number;
  authlimit: number;
  /** amikit's failed-authentication limit per source address (authfaillimit=0: off). */
  authFail: AuthFailLimitSettings;
  channelvars: string[];
  disabledevents: string[];
  tls: ManagerTlsConfig;
}

/** One permit/deny rule in order; the last matching rule decides (Asterisk's ast_apply_ha). */
export interface AclRule {
  sense: 'permit' | 'deny';
  /** Address in CIDR form, e.g. '127.0.0.2/32' or '::1/128'. */
  cidr: string;
  /**
   * Which ACL the rule belongs to: undefined (or '') for the user's own permit/deny lines, else the
   * `acl =` name it was expanded from. Asterisk evaluates each ACL on its own (last match wins inside
   * it) and an address must pass every one of them (ast_apply_acl), so grouping is kept.
   */
  list?: string;
}

export interface ManagerUserConfig {
  /** The section name as written; logins match it case-insensitively. */
  name: string;
  /** Undefined: the user can never log in. */
  secret: string | undefined;
  /** Masks from read= / write= (see manager/permissions getPerm). */
  read: number;
  write: number;
  /** Permit/deny rules in order (named `acl =` entries are expanded from acl.conf if present). */
  acl: AclRule[];
  displayconnects: boolean;
  allowmultiplelogin: boolean;
  /** Milliseconds. */
  writetimeout: number;
  setvars: Array<[string, string]>;
  eventfilters: EventFilterLine[];
  file: string;
  line: number;
}

export interface ManagerConfig {
  general: ManagerGeneralConfig;
  /** Users by lower-cased name, in file order. */
  users: Map<string, ManagerUserConfig>;
  warnings: ConfWarning[];
}

/** TLS settings shared by manager.conf and http.conf. */
export type TlsConfig = ManagerTlsConfig;

/** http.conf [general] as main/http.c __ast_http_load reads it. */
export interface HttpConfig {
  enabled: boolean;
  /**
   * Address only (no port): numeric addresses canonical, host names as written. Undefined when not set:
   * Asterisk has no default and then starts no HTTP server.
   */
  bindaddr: string | undefined;
  /** From bindport (default 8088), or from a port written in bindaddr (Asterisk prefers that one). */
  bindport: number;
  /** '' or '/' + the configured prefix (Asterisk prepends the slash itself). */
  prefix: string;
  sessionlimit: number;
  /** Milliseconds (session_inactivity, default 30000). */
  sessionInactivity: number;
  /** Milliseconds (session_keep_alive, default 15000). */
  sessionKeepAlive: number;
  /** `Server:` header text; '' means no header. */
  servername: string;
  enablestatic: boolean;
  enablestatus: boolean;
  /** `redirect = /from /to` lines, raw. */
  redirects: Array<[from: string, to: string]>;
  /** TLS listener; tls.port defaults to 8089 and tls.bindaddr to bindaddr ('' when neither is set). */
  tls: TlsConfig;
  warnings: ConfWarning[];
}

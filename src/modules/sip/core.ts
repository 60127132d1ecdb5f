/**
 * The SIP side of amikit, after chan_sip: peers with their registrations and qualify state, a
 * registrar with digest authentication on UDP, OPTIONS qualify, outbound registrations
 * (`register =>`), NOTIFY, and simulated peers driven by the telephony core. It knows nothing of
 * AMI: the module (index.ts) turns its callbacks into PeerStatus / Registry events.
 */
import { RealClock } from '../../pbx/clock.js';
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../logger.js';
import {
  type SipConfig,
  type PeerConfig,
  type RegistryConfig,
  DEFAULT_FREQ_NOTOK,
  STANDARD_SIP_PORT,
} from './config.js';
import {
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type SipHeaders,
  SipParseError,
  parseMessage,
  serialize,
  getHeader,
  getHeaderList,
  getHeaderLines,
  parseNameAddr,
  parseUri,
  parseVia,
  parseDigest,
  parseCSeq,
  digestResponse,
  buildResponse,
  newBranch,
  randomHex,
} from './message.js';

/** What the SIP module needs from the telephony core for `SIP/<peer>` device states. */
export interface DeviceStateSink {
  /** `state` is Asterisk's name: NOT_INUSE, UNAVAILABLE, ... */
  setDeviceState(device: string, state: string): void;
}

/** Timers for qualify, registration expiry and re-registration (pbx/clock's Clock fits). */
export interface SipClock {
  now(): number;
  setTimer(ms: number, fn: () => void): { readonly id: number };
  clearTimer(handle: { readonly id: number }): void;
}

type Timer = { readonly id: number };

export type PeerStatusName =
  'Registered' | 'Unregistered' | 'Reachable' | 'Lagged' | 'Unreachable' | 'Rejected';

export interface SipCoreEvents {
  /** PeerStatus: extra headers in chan_sip's order (Cause, Address, Port, Time). */
  peerStatus(peer: string, status: PeerStatusName, extra: Array<[string, string]>): void;
  /** Registry: outbound registration state changes. */
  registry(username: string, domain: string, status: string, cause?: string): void;
}

export interface Addr {
  host: string;
  port: number;
}

export interface SimState {
  /** Whether the simulated phone answers OPTIONS. */
  answer: boolean;
  latencyMs: number;
}

export interface Peer {
  cfg: PeerConfig;
  /** Load order (ties in hash order). */
  order: number;
  addr: Addr | null;
  fullcontact: string;
  useragent: string;
  /** Epoch ms when the registration expires (0 = no timer). */
  regExpireAt: number;
  expireTimer?: Timer;
  /** chan_sip's lastms: 0 unknown, -1 unreachable, else the last round trip in ms. */
  lastms: number;
  pokeTimer?: Timer;
  noanswerTimer?: Timer;
  pokeBranch?: string;
  pokeSimTimer?: Timer;
  sim: SimState | null;
  devstate: string;
}

export type RegState =
  | 'Unregistered'
  | 'Request Sent'
  | 'Auth. Sent'
  | 'Registered'
  | 'Rejected'
  | 'Timeout'
  | 'No Authentication'
  | 'Failed';

export interface Registry {
  cfg: RegistryConfig;
  state: RegState;
  /** Epoch seconds of the last successful registration (0 = never). */
  regtime: number;
  refresh: number;
  expiry: number;
  callId: string;
  localTag: string;
  cseq: number;
  regattempts: number;
  authtries: number;
  timeoutTimer?: Timer;
  reregTimer?: Timer;
  branch?: string;
  /** The URI of the REGISTER (digest uri). */
  uri: string;
}

interface ClientTxn {
  branch: string;
  method: string;
  dest: Addr;
  data: Buffer;
  interval: number;
  started: number;
  timer?: ReturnType<typeof setTimeout>;
  onResponse: (res: SipResponse) => void;
  onTimeout: () => void;
  onSendError?: () => void;
}

interface AuthDialog {
  nonce: string;
  stale: boolean;
  tag: string;
  at: number;
}

const T1 = 500;
const T2 = 4000;
const TIMER_F = 64 * T1;
const MAX_AUTHTRIES = 3;
const ALLOWED_METHODS = 'INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE';
const SUPPORTED = 'replaces, timer';
const MAX_SERVER_TXNS = 4096;
const MAX_AUTH_DIALOGS = 4096;
const HASH_PEER_SIZE = 563;
const DROP_LOG_WINDOW = 10_000;
const DROP_LOG_BURST = 20;
export const DEV_NOT_INUSE = 'NOT_INUSE';
export const DEV_UNAVAILABLE = 'UNAVAILABLE';

/** ast_str_case_hash: djb2 over lower-cased bytes, masked to INT_MAX. */
export function astStrCaseHash(s: string): number {
  let h = 5381;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) & 0xff;
    const lc = c >= 65 && c <= 90 ? c + 32 : c;
    h = (Math.imul(h, 33) ^ lc) >>> 0;
  }
  return h & 0x7fffffff;
}

/** peer_status(): the text chan_sip prints, and 1 online / 0 offline / -1 unmonitored. */
export function peerStatusText(p: Peer): { text: string; code: 1 | 0 | -1 } {
  const { maxms } = p.cfg;
  if (maxms) {
    if (p.lastms < 0) return { text: 'UNREACHABLE', code: 0 };
    if (p.lastms > maxms) return { text: `LAGGED (${p.lastms} ms)`, code: 1 };
    if (p.lastms) return { text: `OK (${p.lastms} ms)`, code: 1 };
    return { text: 'UNKNOWN', code: 0 };
  }
  return { text: 'Unmonitored', code: -1 };
}

function fmtAddr(a: Addr): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

function isNumericHost(h: string): boolean {
  return isIP(h) !== 0;
}

export interface SipCoreOptions {
  config: SipConfig;
  log: Logger;
  events: SipCoreEvents;
  deviceState?: DeviceStateSink;
  clock?: SipClock;
  /** Where to listen instead of sip.conf's udpbindaddr/bindport. */
  bind?: { host?: string; port?: number };
  /**
   * A socket that cannot bind is recorded in `bindFailure` and not logged: the caller stops the start
   * (`amikit serve`). Otherwise it is logged and SIP runs on without a socket, as chan_sip does.
   */
  strictBind?: boolean;
  /** The address to bind when sip.conf names none (Asterisk: every address). */
  defaultBindHost?: string;
}

export class SipCore {
  config: SipConfig;
  readonly peers = new Map<string, Peer>();
  registries: Registry[] = [];
  private readonly log: Logger;
  private readonly events: SipCoreEvents;
  private readonly sink?: DeviceStateSink;
  private readonly clock: SipClock;
  private readonly ownClock: RealClock | null;
  private readonly bindOverride?: { host?: string; port?: number };
  /** Host names of peers and registrars resolved at start/reload (numeric hosts need none). */
  private readonly resolved = new Map<string, string>();
  private socket: dgram.Socket | null = null;
  private local: Addr = { host: '127.0.0.1', port: 0 };
  private readonly clientTxns = new Map<string, ClientTxn>();
  private readonly serverTxns = new Map<string, { data: Buffer; dest: Addr; at: number }>();
  private readonly authDialogs = new Map<string, AuthDialog>();
  private notifyCseq = 102;
  private stopped = false;
  private started = false;
  private dropWindow = { start: 0, count: 0, suppressed: 0 };
  private readonly strictBind: boolean;
  private readonly defaultBindHost: string | undefined;
  /** The bind that failed at start (null when the socket is open or start has not run). */
  bindFailure: { host: string; port: number; error: Error } | null = null;
  /** Counters for tests and `sip show settings`-like introspection. */
  readonly stats = { received: 0, dropped: 0, sent: 0, handlerErrors: 0 };

  constructor(opts: SipCoreOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.events = opts.events;
    this.sink = opts.deviceState;
    this.ownClock = opts.clock ? null : new RealClock();
    this.clock = opts.clock ?? (this.ownClock as RealClock);
    this.bindOverride = opts.bind;
    this.strictBind = opts.strictBind === true;
    this.defaultBindHost = opts.defaultBindHost;
    for (const w of opts.config.warnings) this.log.warn(`sip.conf: ${w}`);
    this.buildState(opts.config, new Map());
  }

  // ---- life cycle -------------------------------------------------------------------------------

  /** Opens the UDP socket, starts qualify and outbound registrations. */
  async start(): Promise<void> {
    const g = this.config.general;
    const host =
      this.bindOverride?.host ?? (g.bindHostGiven ? g.bindHost : (this.defaultBindHost ?? g.bindHost));
    const port = this.bindOverride?.port ?? g.bindPort;
    const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    sock.on('message', (data, rinfo) => this.onDatagram(data, { host: rinfo.address, port: rinfo.port }));
    let bound = false;
    const ok = await new Promise<boolean>((resolve) => {
      sock.once('error', (e) => {
        if (bound) return;
        this.bindFailure = { host, port, error: e };
        // chan_sip logs the failure and runs on without a socket (simulated peers work); amikit serve
        // stops instead (strictBind).
        if (!this.strictBind)
          this.log.error(
            `SIP: failed to bind to ${fmtAddr({ host, port })}: ${e.message}; SIP over UDP is off`,
          );
        resolve(false);
      });
      sock.bind(port, host, () => {
        bound = true;
        resolve(true);
      });
    });
    if (ok) {
      sock.on('error', (err) => this.log.warn(`SIP socket error: ${err.message}`));
      this.socket = sock;
      const a = sock.address();
      this.local = { host: a.address, port: a.port };
      this.log.info(`SIP listening on UDP ${fmtAddr(this.local)}`);
    } else {
      sock.close();
      this.local = { host, port: 0 };
    }
    this.started = true;
    await this.resolveNames();
    this.startPeers();
    this.startRegistrations();
  }

  address(): Addr {
    return { ...this.local };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.clientTxns.values()) if (t.timer) clearTimeout(t.timer);
    this.clientTxns.clear();
    for (const p of this.peers.values()) this.clearPeerTimers(p, true);
    for (const r of this.registries) this.clearRegTimers(r);
    this.ownClock?.clearAll();
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** Applies a new sip.conf: registrations of peers that stay dynamic are kept. */
  async reload(config: SipConfig): Promise<void> {
    for (const w of config.warnings) this.log.warn(`sip.conf: ${w}`);
    const old = new Map(this.peers);
    for (const p of old.values()) this.clearPeerTimers(p, true);
    for (const r of this.registries) this.clearRegTimers(r);
    this.config = config;
    this.buildState(config, old);
    if (this.started && !this.stopped) {
      await this.resolveNames();
      this.startPeers();
      this.startRegistrations();
    }
  }

  /** Looks up the host names of static peers and registrars (bounded; failures are logged). */
  private async resolveNames(): Promise<void> {
    const names = new Set<string>();
    for (const p of this.peers.values())
      if (!p.cfg.hostDynamic && p.cfg.host && !p.addr) names.add(p.cfg.host);
    for (const r of this.registries) if (!isNumericHost(r.cfg.hostname)) names.add(r.cfg.hostname);
    await Promise.all(
      [...names].map(async (name) => {
        if (name.toLowerCase() === 'localhost') {
          this.resolved.set(name.toLowerCase(), '127.0.0.1');
          return;
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        try {
          const r = await Promise.race([
            dns.lookup(name, { family: 4 }),
            new Promise<never>((_, j) => {
              timer = setTimeout(() => j(new Error('timeout')), 2000);
            }),
          ]);
          this.resolved.set(name.toLowerCase(), r.address);
        } catch (e) {
          this.log.warn(`SIP: cannot resolve '${name}': ${(e as Error).message}`);
        } finally {
          if (timer) clearTimeout(timer);
        }
      }),
    );
    for (const p of this.peers.values()) {
      if (p.cfg.hostDynamic || p.addr || !p.cfg.host) continue;
      const ip = this.resolved.get(p.cfg.host.toLowerCase());
      if (ip) p.addr = { host: ip, port: p.cfg.port || STANDARD_SIP_PORT };
    }
  }

  private buildState(config: SipConfig, old: Map<string, Peer>): void {
    this.peers.clear();
    let order = 0;
    for (const cfg of config.peers) {
      const key = cfg.name.toLowerCase();
      const prev = old.get(key);
      const p: Peer = {
        cfg,
        order: order++,
        addr: null,
        fullcontact: '',
        useragent: '',
        regExpireAt: 0,
        lastms: 0,
        sim: prev?.sim ?? null,
        devstate: prev?.devstate ?? '',
      };
      if (cfg.hostDynamic) {
        if (prev && prev.cfg.hostDynamic && prev.addr) {
          p.addr = prev.addr;
          p.fullcontact = prev.fullcontact;
          p.useragent = prev.useragent;
          p.regExpireAt = prev.regExpireAt;
          p.lastms = prev.lastms;
        }
      } else if (isNumericHost(cfg.host)) {
        p.addr = { host: cfg.host, port: cfg.port || STANDARD_SIP_PORT };
      } else if (cfg.host.toLowerCase() === 'localhost') {
        p.addr = { host: '127.0.0.1', port: cfg.port || STANDARD_SIP_PORT };
      } else if (prev?.addr && prev.cfg.host === cfg.host) {
        // Resolved before; resolveNames() looks it up again only when unknown.
        p.addr = { host: prev.addr.host, port: cfg.port || STANDARD_SIP_PORT };
      }
      if (
        prev &&
        prev.cfg.maxms === cfg.maxms &&
        p.addr &&
        prev.addr &&
        fmtAddr(prev.addr) === fmtAddr(p.addr)
      ) {
        p.lastms = prev.lastms;
      }
      this.peers.set(key, p);
    }
    const oldRegs = new Map(this.registries.map((r) => [r.cfg.line, r]));
    this.registries = config.registrations.map((cfg) => {
      const prev = oldRegs.get(cfg.line);
      return {
        cfg,
        state: prev?.state === 'Registered' ? 'Registered' : 'Unregistered',
        regtime: prev?.regtime ?? 0,
        refresh: prev?.refresh ?? cfg.expiry,
        expiry: cfg.expiry,
        callId: prev?.callId ?? `${randomHex(16)}@${this.local.host}`,
        localTag: prev?.localTag ?? 'as' + randomHex(4),
        cseq: prev?.cseq ?? 101,
        regattempts: 0,
        authtries: 0,
        uri: '',
      };
    });
  }

  private startPeers(): void {
    let i = 0;
    for (const p of this.peers.values()) {
      if (p.regExpireAt) {
        const left = p.regExpireAt - this.clock.now();
        if (left <= 0) this.expireRegister(p);
        else p.expireTimer = this.clock.setTimer(left, () => this.expireRegister(p));
      }
      this.updateDeviceState(p);
      if (p.cfg.maxms && p.addr) {
        // sip_poke_all_peers spaces the first pokes out a little.
        p.pokeTimer = this.clock.setTimer(i++ * 5, () => {
          p.pokeTimer = undefined;
          this.pokePeer(p, false);
        });
      }
    }
  }

  private startRegistrations(): void {
    this.registries.forEach((r, i) => {
      r.reregTimer = this.clock.setTimer(100 * (i + 1), () => {
        r.reregTimer = undefined;
        if (r.state === 'Registered') r.state = 'Timeout';
        this.transmitRegister(r, undefined);
      });
    });
  }

  private clearPeerTimers(p: Peer, all: boolean): void {
    for (const k of ['pokeTimer', 'noanswerTimer', 'pokeSimTimer'] as const) {
      const t = p[k];
      if (t) this.clock.clearTimer(t);
      p[k] = undefined;
    }
    if (p.pokeBranch) this.cancelTxn(p.pokeBranch);
    p.pokeBranch = undefined;
    if (all && p.expireTimer) {
      this.clock.clearTimer(p.expireTimer);
      p.expireTimer = undefined;
    }
  }

  private clearRegTimers(r: Registry): void {
    if (r.timeoutTimer) this.clock.clearTimer(r.timeoutTimer);
    if (r.reregTimer) this.clock.clearTimer(r.reregTimer);
    r.timeoutTimer = undefined;
    r.reregTimer = undefined;
    if (r.branch) this.cancelTxn(r.branch);
    r.branch = undefined;
  }

  // ---- lookups ----------------------------------------------------------------------------------

  /** sip_find_peer(FINDPEERS): case-insensitive, peers and friends only. */
  findPeer(name: string): Peer | undefined {
    const p = this.peers.get(name.toLowerCase());
    return p && p.cfg.isPeer ? p : undefined;
  }

  /** Peers sorted as `sip show peers` lists them (strcmp on names). */
  sortedPeers(): Peer[] {
    return [...this.peers.values()]
      .filter((p) => p.cfg.isPeer)
      .sort((a, b) => (a.cfg.name < b.cfg.name ? -1 : a.cfg.name > b.cfg.name ? 1 : 0));
  }

  /** Peers (and users) in the order chan_sip's hash container iterates them (SIPpeerstatus). */
  hashOrderPeers(): Peer[] {
    return [...this.peers.values()].sort((a, b) => {
      const ha = astStrCaseHash(a.cfg.name) % HASH_PEER_SIZE;
      const hb = astStrCaseHash(b.cfg.name) % HASH_PEER_SIZE;
      return ha - hb || a.order - b.order;
    });
  }

  /** Seconds until the registration expires, or -1 (ast_sched_when of no entry). */
  regExpireIn(p: Peer): number {
    if (!p.regExpireAt) return -1;
    return Math.max(0, Math.round((p.regExpireAt - this.clock.now()) / 1000));
  }

  /** sip_devicestate() without calls: UNAVAILABLE with no address or when qualify fails. */
  deviceStateOf(p: Peer): string {
    if (!p.addr) return DEV_UNAVAILABLE;
    if (p.cfg.maxms && (p.lastms > p.cfg.maxms || p.lastms < 0)) return DEV_UNAVAILABLE;
    return DEV_NOT_INUSE;
  }

  private updateDeviceState(p: Peer): void {
    if (!p.cfg.isPeer) return;
    const s = this.deviceStateOf(p);
    if (s === p.devstate) return;
    p.devstate = s;
    try {
      this.sink?.setDeviceState(`SIP/${p.cfg.name}`, s);
    } catch (e) {
      this.log.error(`device state sink failed for SIP/${p.cfg.name}: ${(e as Error).message}`);
    }
  }

  // ---- transport --------------------------------------------------------------------------------

  private ourHostFor(dest: Addr): string {
    const h = this.local.host;
    if (h !== '0.0.0.0' && h !== '::') return h;
    if (dest.host.startsWith('127.') || dest.host === '::1') return '127.0.0.1';
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
    }
    return '127.0.0.1';
  }

  private ourHostPort(dest: Addr): string {
    return fmtAddr({ host: this.ourHostFor(dest), port: this.local.port });
  }

  private sendRaw(data: Buffer, dest: Addr, onError?: () => void): void {
    const s = this.socket;
    if (!s || this.stopped) return;
    this.stats.sent++;
    try {
      s.send(data, dest.port, dest.host, (err) => {
        if (err) {
          this.log.warn(`SIP send to ${fmtAddr(dest)} failed: ${err.message}`);
          onError?.();
        }
      });
    } catch (e) {
      this.log.warn(`SIP send to ${fmtAddr(dest)} failed: ${(e as Error).message}`);
      queueMicrotask(() => onError?.());
    }
  }

  /** A request with RFC 3261 retransmissions (Timer E/F for non-INVITE). */
  private sendRequest(
    req: SipRequest,
    dest: Addr,
    onResponse: (res: SipResponse) => void,
    onTimeout: () => void,
    onSendError?: () => void,
  ): string {
    const via = getHeaderLines(req, 'Via')[0] ?? '';
    const branch = parseVia(via)?.params.get('branch') ?? newBranch();
    const txn: ClientTxn = {
      branch,
      method: req.method,
      dest,
      data: serialize(req),
      interval: T1,
      started: Date.now(),
      onResponse,
      onTimeout,
      onSendError,
    };
    this.clientTxns.set(branch, txn);
    this.sendRaw(txn.data, dest, () => {
      if (this.clientTxns.get(branch) === txn) {
        this.cancelTxn(branch);
        onSendError?.();
      }
    });
    this.armTxn(txn);
    return branch;
  }

  private armTxn(txn: ClientTxn): void {
    const wait = Math.min(txn.interval, Math.max(0, txn.started + TIMER_F - Date.now()));
    txn.timer = setTimeout(() => {
      if (this.clientTxns.get(txn.branch) !== txn) return;
      if (Date.now() - txn.started >= TIMER_F) {
        this.clientTxns.delete(txn.branch);
        txn.onTimeout();
        return;
      }
      this.sendRaw(txn.data, txn.dest);
      txn.interval = Math.min(txn.interval * 2, T2);
      this.armTxn(txn);
    }, wait);
    txn.timer.unref?.();
  }

  private cancelTxn(branch: string): void {
    const t = this.clientTxns.get(branch);
    if (t?.timer) clearTimeout(t.timer);
    this.clientTxns.delete(branch);
  }

  private onDatagram(data: Buffer, src: Addr): void {
    this.stats.received++;
    if (this.stopped) return;
    // Keep-alives (CRLF, CRLFCRLF) are answered by nothing and logged by nobody.
    if (data.length <= 4 && /^[\r\n]*$/.test(data.toString('latin1'))) return;
    let msg: SipMessage;
    try {
      msg = parseMessage(data);
    } catch (e) {
      this.stats.dropped++;
      const why = e instanceof SipParseError ? e.message : String(e);
      this.logDrop(`SIP: dropped a malformed datagram (${data.length} bytes) from ${fmtAddr(src)}: ${why}`);
      return;
    }
    try {
      if (msg.kind === 'response') this.onResponse(msg);
      else this.onRequest(msg, src);
    } catch (e) {
      this.stats.handlerErrors++;
      this.log.error(`SIP: failed to handle a message from ${fmtAddr(src)}: ${(e as Error).message}`);
    }
  }

  /** Drop notices, at most DROP_LOG_BURST per DROP_LOG_WINDOW ms (a flood must not flood the log). */
  private logDrop(line: string): void {
    const now = Date.now();
    if (now - this.dropWindow.start >= DROP_LOG_WINDOW) {
      if (this.dropWindow.suppressed)
        this.log.warn(`SIP: ${this.dropWindow.suppressed} more malformed datagrams dropped`);
      this.dropWindow = { start: now, count: 0, suppressed: 0 };
    }
    if (this.dropWindow.count++ < DROP_LOG_BURST) this.log.warn(line);
    else this.dropWindow.suppressed++;
  }

  private onResponse(res: SipResponse): void {
    const via = parseVia(getHeaderLines(res, 'Via')[0] ?? '');
    const branch = via?.params.get('branch');
    const txn = branch ? this.clientTxns.get(branch) : undefined;
    if (!txn) return;
    const cseq = parseCSeq(getHeader(res, 'CSeq') ?? '');
    if (!cseq || cseq.method !== txn.method) return;
    if (res.status < 200) {
      if (txn.timer) clearTimeout(txn.timer);
      txn.interval = T2;
      this.armTxn(txn);
      return;
    }
    this.cancelTxn(txn.branch);
    txn.onResponse(res);
  }

  private respond(req: SipRequest, src: Addr, res: SipResponse): void {
    const data = serialize(res);
    this.sendRaw(data, src);
    if (req.method === 'ACK') return;
    const key = this.serverKey(req, src);
    if (!key) return;
    if (this.serverTxns.size >= MAX_SERVER_TXNS) {
      const cutoff = Date.now() - TIMER_F;
      for (const [k, v] of this.serverTxns)
        if (v.at < cutoff || this.serverTxns.size >= MAX_SERVER_TXNS) this.serverTxns.delete(k);
    }
    this.serverTxns.set(key, { data, dest: src, at: Date.now() });
  }

  private serverKey(req: SipRequest, src: Addr): string | undefined {
    const branch = parseVia(getHeaderLines(req, 'Via')[0] ?? '')?.params.get('branch');
    if (!branch) return undefined;
    return `${branch}|${req.method}|${fmtAddr(src)}`;
  }

  /** Standard headers of our responses (respprep). */
  private stdHeaders(): SipHeaders {
    return [
      ['Server', this.config.general.useragent],
      ['Allow', ALLOWED_METHODS],
      ['Supported', SUPPORTED],
    ];
  }

  /** Vias of a request with received/rport filled in (RFC 3261 §18.2.1, RFC 3581). */
  private responseVias(req: SipRequest, src: Addr): string[] {
    const lines = getHeaderLines(req, 'Via');
    if (!lines.length) return lines;
    const all = lines.flatMap((l) => getHeaderList({ headers: [['Via', l]], body: Buffer.alloc(0) }, 'Via'));
    const top = all[0];
    const v = parseVia(top);
    if (!v) return all;
    let out = top;
    if (v.params.has('rport'))
      out = out.replace(/;\s*rport(=[^;]*)?/i, `;received=${src.host};rport=${src.port}`);
    else if (v.host !== src.host) out += `;received=${src.host}`;
    return [out, ...all.slice(1)];
  }

  private reply(
    req: SipRequest,
    src: Addr,
    status: number,
    reason: string,
    extra: SipHeaders = [],
    toTag?: string,
  ): void {
    const res = buildResponse(req, status, reason, {
      via: this.responseVias(req, src),
      toTag: status === 100 ? undefined : (toTag ?? 'as' + randomHex(4)),
      headers: [...this.stdHeaders(), ...extra],
    });
    this.respond(req, src, res);
  }

  private onRequest(req: SipRequest, src: Addr): void {
    if (req.method !== 'ACK') {
      const key = this.serverKey(req, src);
      const prev = key ? this.serverTxns.get(key) : undefined;
      if (prev && Date.now() - prev.at < TIMER_F) {
        this.sendRaw(prev.data, src);
        return;
      }
    }
    switch (req.method) {
      case 'REGISTER':
        this.handleRegister(req, src);
        break;
      case 'OPTIONS':
        this.reply(req, src, 200, 'OK', [
          ['Accept', 'application/sdp'],
          ['Content-Length', '0'],
        ]);
        break;
      case 'INVITE':
        this.log.info(
          `SIP: INVITE from ${fmtAddr(src)} declined (amikit simulates calls; it carries no media)`,
        );
        this.reply(req, src, 603, 'Decline', [
          ['Warning', `399 amikit "Calls are simulated by amikit; SIP calls from devices are not supported"`],
        ]);
        break;
      case 'ACK':
        break;
      case 'CANCEL':
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
      case 'PRACK':
      case 'REFER':
        this.reply(req, src, 481, 'Call leg/transaction does not exist');
        break;
      case 'SUBSCRIBE':
      case 'PUBLISH':
        this.reply(req, src, 489, 'Bad event');
        break;
      case 'NOTIFY':
      case 'MESSAGE':
        this.reply(req, src, 200, 'OK');
        break;
      default:
        this.reply(req, src, 501, 'Method Not Implemented');
    }
  }

  // ---- registrar (register_verify, check_auth, parse_register_contact) ---------------------------

  private authDialog(callId: string): AuthDialog {
    let d = this.authDialogs.get(callId);
    if (!d) {
      if (this.authDialogs.size >= MAX_AUTH_DIALOGS) {
        const oldest = this.authDialogs.keys().next().value;
        if (oldest !== undefined) this.authDialogs.delete(oldest);
      }
      d = { nonce: '', stale: false, tag: 'as' + randomHex(4), at: Date.now() };
      this.authDialogs.set(callId, d);
    }
    return d;
  }

  private challenge(req: SipRequest, src: Addr, d: AuthDialog, stale: boolean): void {
    d.nonce = randomHex(4);
    d.stale = false;
    const realm = this.config.general.realm;
    this.reply(
      req,
      src,
      401,
      'Unauthorized',
      [
        [
          'WWW-Authenticate',
          `Digest algorithm=MD5, realm="${realm}", nonce="${d.nonce}"${stale ? ', stale=true' : ''}`,
        ],
      ],
      d.tag,
    );
  }

  private handleRegister(req: SipRequest, src: Addr): void {
    const g = this.config.general;
    const callId = getHeader(req, 'Call-ID') ?? '';
    const d = this.authDialog(callId);
    const to = parseNameAddr(getHeader(req, 'To') ?? '');
    const toUri = to ? parseUri(to.uri) : undefined;
    if (!toUri) {
      this.log.info(`SIP: invalid To address in REGISTER from ${fmtAddr(src)}`);
      this.reply(req, src, 400, 'Bad Request', [], d.tag);
      return;
    }
    if (!toUri.host) {
      this.reply(req, src, 404, 'Not found', [], d.tag);
      return;
    }
    const name = toUri.user || toUri.host;
    const found = this.findPeer(name);
    let peer: Peer | undefined = found;
    let bogus = false;
    let res: 'ok' | 'not-found' | 'acl' | 'not-dynamic' | 'mismatch' | 'secret' | 'sent' = 'ok';
    if (peer && peer.cfg.acl && !peer.cfg.acl.allows(src.host)) {
      peer = undefined;
      res = 'acl';
    } else if (!peer) {
      if (g.alwaysAuthReject) bogus = true;
      else res = 'not-found';
    }
    if (peer && !peer.cfg.hostDynamic) {
      this.log.error(`Peer '${peer.cfg.name}' is trying to register, but not configured as host=dynamic`);
      res = 'not-dynamic';
    } else if (peer || bogus) {
      res = this.checkAuth(
        req,
        src,
        d,
        peer ? peer.cfg.name : name,
        peer ? peer.cfg.secret : 'x',
        peer ? peer.cfg.md5secret : '',
        bogus,
      );
    }
    if (res === 'sent') return;
    if (res === 'ok' && peer) {
      this.registerContact(req, src, peer, d);
      return;
    }
    const rejected = (cause: string): void => {
      if (g.authFailureEvents && found) {
        this.events.peerStatus(found.cfg.name, 'Rejected', [
          ['Cause', cause],
          ['Address', src.host],
          ['Port', String(src.port)],
        ]);
      }
    };
    switch (res) {
      case 'secret':
        this.reply(req, src, 403, 'Forbidden', [], d.tag);
        rejected('AUTH_SECRET_FAILED');
        break;
      case 'mismatch':
      case 'not-found':
      case 'not-dynamic':
      case 'acl':
        if (g.alwaysAuthReject) {
          this.challenge(req, src, d, false);
          rejected(res === 'not-dynamic' ? 'AUTH_PEER_NOT_DYNAMIC' : 'URI_NOT_FOUND');
        } else if (res === 'not-dynamic') {
          this.reply(req, src, 403, 'Forbidden', [], d.tag);
          rejected('AUTH_PEER_NOT_DYNAMIC');
        } else {
          this.reply(req, src, 404, 'Not found', [], d.tag);
          rejected(res === 'mismatch' ? 'AUTH_USERNAME_MISMATCH' : 'URI_NOT_FOUND');
        }
        break;
      default:
        break;
    }
  }

  private checkAuth(
    req: SipRequest,
    src: Addr,
    d: AuthDialog,
    username: string,
    secret: string,
    md5secret: string,
    bogus: boolean,
  ): 'ok' | 'sent' | 'mismatch' | 'secret' {
    if (!secret && !md5secret) return 'ok';
    const token = getHeader(req, 'Authorization');
    if (!d.nonce || !token) {
      this.challenge(req, src, d, false);
      return 'sent';
    }
    const keys = parseDigest(token) ?? new Map<string, string>();
    if ((keys.get('username') ?? '') !== username && !bogus) {
      this.log.warn(`username mismatch, have <${username}>, digest has <${keys.get('username') ?? ''}>`);
      return 'mismatch';
    }
    const theirNonce = keys.get('nonce') ?? '';
    let wrongNonce = false;
    let usedNonce = d.nonce;
    if (d.nonce.toLowerCase() !== theirNonce.toLowerCase() || d.stale) {
      wrongNonce = true;
      usedNonce = theirNonce;
    } else d.stale = true;
    const qop = keys.get('qop');
    const expected = digestResponse({
      username,
      realm: this.config.general.realm,
      secret: md5secret || secret,
      ha1: !!md5secret,
      method: 'REGISTER',
      uri: keys.get('uri') || req.uri,
      nonce: usedNonce,
      qop: qop || undefined,
      nc: keys.get('nc'),
      cnonce: keys.get('cnonce'),
    });
    const got = (keys.get('response') ?? '').toLowerCase();
    const good = got.length > 0 && got.startsWith(expected) && !bogus;
    if (wrongNonce) {
      this.challenge(req, src, d, good);
      return 'sent';
    }
    return good ? 'ok' : 'secret';
  }

  private registerContact(req: SipRequest, src: Addr, peer: Peer, d: AuthDialog): void {
    const g = this.config.general;
    const expiresHdr = getHeader(req, 'Expires');
    const contacts = getHeaderList(req, 'Contact');
    let expire: number;
    if (expiresHdr !== undefined && expiresHdr !== '') expire = Number.parseInt(expiresHdr, 10) || 0;
    else {
      const m = /;\s*expires=\s*(\d+)/i.exec(contacts[0] ?? '');
      expire = m ? Number(m[1]) : g.defaultExpiry;
    }
    if (expire > g.maxExpiry) expire = g.maxExpiry;
    if (expire < g.minExpiry && expire !== 0) expire = g.minExpiry;
    const dateHdr: [string, string] = ['Date', new Date().toUTCString()];
    const uris = contacts.map((c) => {
      const t = c.trim();
      if (t === '*') return '*';
      return parseNameAddr(t)?.uri ?? '';
    });
    const wildcard = uris.includes('*');
    if (wildcard && (expiresHdr === undefined || expire !== 0 || uris.length > 1)) {
      this.reply(req, src, 400, 'Bad Request', [dateHdr], d.tag);
      return;
    }
    const curi = uris[0] ?? '';
    if (!curi && (expiresHdr === undefined || expiresHdr === '')) {
      // A query: tell them what we have.
      const left = this.regExpireIn(peer);
      const extra: SipHeaders = [dateHdr, ['Expires', String(left < 0 ? expire : left)]];
      if (peer.fullcontact)
        extra.push(['Contact', `<${peer.fullcontact}>;expires=${left < 0 ? expire : left}`]);
      this.reply(req, src, 200, 'OK', extra, d.tag);
      return;
    }
    if (wildcard || expire === 0) {
      this.log.info(`Unregistered SIP '${peer.cfg.name}'`);
      this.expireRegister(peer);
      this.reply(req, src, 200, 'OK', [dateHdr, ['Expires', '0']], d.tag);
      return;
    }
    const uri = parseUri(curi);
    if (!uri) {
      this.log.warn('Failed to parse contact info');
      this.reply(req, src, 400, 'Bad Request', [dateHdr], d.tag);
      return;
    }
    const via = parseVia(getHeaderLines(req, 'Via')[0] ?? '');
    const f = peer.cfg.flags;
    const natDetected = !!via && (via.host !== src.host || (via.port ?? STANDARD_SIP_PORT) !== src.port);
    const useSource =
      f.forceRport || via?.params.has('rport') || (f.autoRport && natDetected) || !isNumericHost(uri.host);
    const addr: Addr = useSource ? { ...src } : { host: uri.host, port: uri.port ?? STANDARD_SIP_PORT };
    const old = peer.addr;
    this.clearPeerTimers(peer, true);
    peer.addr = addr;
    peer.fullcontact = curi;
    peer.useragent = getHeader(req, 'User-Agent') ?? '';
    peer.regExpireAt = this.clock.now() + (expire + 10) * 1000;
    peer.expireTimer = this.clock.setTimer((expire + 10) * 1000, () => this.expireRegister(peer));
    this.reply(
      req,
      src,
      200,
      'OK',
      [dateHdr, ['Expires', String(expire)], ['Contact', `<${curi}>;expires=${expire}`]],
      d.tag,
    );
    this.events.peerStatus(peer.cfg.name, 'Registered', [['Address', fmtAddr(addr)]]);
    if (!old || fmtAddr(old) !== fmtAddr(addr))
      this.log.info(`Registered SIP '${peer.cfg.name}' at ${fmtAddr(addr)}`);
    this.pokePeer(peer, false);
    this.updateDeviceState(peer);
  }

  /** expire_register(): the registration is gone (expired or removed). */
  expireRegister(peer: Peer): void {
    this.clearPeerTimers(peer, true);
    peer.regExpireAt = 0;
    if (peer.cfg.hostDynamic) {
      peer.addr = null;
      peer.fullcontact = '';
    }
    peer.lastms = 0;
    this.events.peerStatus(peer.cfg.name, 'Unregistered', [['Cause', 'Expired']]);
    this.updateDeviceState(peer);
  }

  // ---- qualify (sip_poke_peer, handle_response_peerpoke, sip_poke_noanswer) ------------------

  /** Sends OPTIONS (or asks the simulated phone); `force` is SIPqualifypeer / `sip qualify peer`. */
  pokePeer(peer: Peer, force: boolean): void {
    if ((!peer.cfg.maxms && !force) || !peer.addr) {
      this.clearPeerTimers(peer, false);
      peer.lastms = 0;
      return;
    }
    this.clearPeerTimers(peer, false);
    const sentAt = performance.now();
    if (peer.sim) {
      if (peer.sim.answer) {
        const lat = Math.max(0, peer.sim.latencyMs);
        peer.pokeSimTimer = this.clock.setTimer(lat, () => {
          peer.pokeSimTimer = undefined;
          this.pokeAnswered(peer, Math.floor(lat));
        });
      }
    } else {
      const dest = peer.addr;
      const req = this.buildOptions(peer, dest);
      const branch = this.sendRequest(
        req,
        dest,
        () => {
          if (peer.pokeBranch !== branch) return;
          peer.pokeBranch = undefined;
          this.pokeAnswered(peer, Math.floor(performance.now() - sentAt));
        },
        () => undefined,
        () => {
          if (peer.pokeBranch === branch) this.pokeNoAnswer(peer);
        },
      );
      peer.pokeBranch = branch;
    }
    // chan_sip arms the no-answer timer only for scheduled pokes; a forced poke of a qualified peer
    // gets one too here, so that a peer that stops answering is not left without pokes.
    if (peer.cfg.maxms) {
      peer.noanswerTimer = this.clock.setTimer(peer.cfg.maxms * 2, () => {
        peer.noanswerTimer = undefined;
        this.pokeNoAnswer(peer);
      });
    }
  }

  private buildOptions(peer: Peer, dest: Addr): SipRequest {
    const us = this.ourHostPort(dest);
    const tohost = peer.cfg.tohost || dest.host;
    const hostPart = dest.port === STANDARD_SIP_PORT ? tohost : `${tohost}:${dest.port}`;
    const uri =
      peer.fullcontact || `sip:${peer.cfg.defaultuser ? peer.cfg.defaultuser + '@' : ''}${hostPart}`;
    const fromUser = peer.cfg.fromuser || 'asterisk';
    return {
      kind: 'request',
      method: 'OPTIONS',
      uri,
      headers: [
        ['Via', `SIP/2.0/UDP ${us};branch=${newBranch()};rport`],
        ['Max-Forwards', '70'],
        ['From', `"asterisk" <sip:${fromUser}@${this.ourHostFor(dest)}>;tag=as${randomHex(4)}`],
        ['To', `<sip:${peer.cfg.name}@${hostPart}>`],
        ['Contact', `<sip:${fromUser}@${us}>`],
        ['Call-ID', `${randomHex(16)}@${this.ourHostFor(dest)}`],
        ['CSeq', '102 OPTIONS'],
        ['User-Agent', this.config.general.useragent],
        ['Date', new Date().toUTCString()],
        ['Allow', ALLOWED_METHODS],
        ['Supported', SUPPORTED],
      ],
      body: Buffer.alloc(0),
    };
  }

  private pokeAnswered(peer: Peer, ms: number): void {
    if (this.stopped) return;
    let pingtime = ms;
    if (pingtime < 1) pingtime = 1;
    if (peer.noanswerTimer) this.clock.clearTimer(peer.noanswerTimer);
    peer.noanswerTimer = undefined;
    const maxms = peer.cfg.maxms;
    if (!maxms) return;
    const wasReachable = peer.lastms > 0 && peer.lastms <= maxms;
    const isReachable = pingtime <= maxms;
    const changed = peer.lastms === 0 || wasReachable !== isReachable;
    peer.lastms = pingtime;
    if (changed) {
      const s = isReachable ? 'Reachable' : 'Lagged';
      this.log.info(`Peer '${peer.cfg.name}' is now ${s}. (${pingtime}ms / ${maxms}ms)`);
      this.events.peerStatus(peer.cfg.name, s, [['Time', String(pingtime)]]);
      this.updateDeviceState(peer);
    }
    if (peer.pokeTimer) this.clock.clearTimer(peer.pokeTimer);
    peer.pokeTimer = this.clock.setTimer(isReachable ? peer.cfg.qualifyFreq : DEFAULT_FREQ_NOTOK, () => {
      peer.pokeTimer = undefined;
      this.pokePeer(peer, false);
    });
  }

  private pokeNoAnswer(peer: Peer): void {
    if (this.stopped) return;
    if (peer.noanswerTimer) this.clock.clearTimer(peer.noanswerTimer);
    peer.noanswerTimer = undefined;
    if (peer.pokeBranch) this.cancelTxn(peer.pokeBranch);
    peer.pokeBranch = undefined;
    if (peer.pokeSimTimer) this.clock.clearTimer(peer.pokeSimTimer);
    peer.pokeSimTimer = undefined;
    if (peer.lastms > -1) {
      this.log.info(`Peer '${peer.cfg.name}' is now UNREACHABLE!  Last qualify: ${peer.lastms}`);
      this.events.peerStatus(peer.cfg.name, 'Unreachable', [['Time', '-1']]);
      peer.lastms = -1;
      this.updateDeviceState(peer);
    }
    if (peer.pokeTimer) this.clock.clearTimer(peer.pokeTimer);
    peer.pokeTimer = this.clock.setTimer(DEFAULT_FREQ_NOTOK, () => {
      peer.pokeTimer = undefined;
      this.pokePeer(peer, false);
    });
  }

  // ---- outbound registrations (transmit_register, handle_response_register) ----------------------

  private regDest(r: Registry): Addr | undefined {
    const peer = r.cfg.peername ? this.findPeer(r.cfg.peername) : this.findPeer(r.cfg.hostname);
    if (peer?.addr) return peer.addr;
    const h = r.cfg.hostname;
    if (isNumericHost(h)) return { host: h, port: r.cfg.portno };
    const ip = this.resolved.get(h.toLowerCase());
    return ip ? { host: ip, port: r.cfg.portno } : undefined;
  }

  private transmitRegister(r: Registry, auth: { header: string; value: string } | undefined): void {
    if (this.stopped) return;
    if (!auth && (r.state === 'Request Sent' || r.state === 'Auth. Sent')) {
      this.log.info(
        `Strange, trying to register ${r.cfg.username}@${r.cfg.hostname} when registration already pending`,
      );
      return;
    }
    const dest = this.regDest(r);
    if (!dest) {
      this.log.warn(
        `Probably a DNS error for registration to ${r.cfg.username}@${r.cfg.hostname}, trying REGISTER again (after ${this.config.general.registerTimeout} seconds)`,
      );
      this.startRegTimeout(r);
      r.regattempts++;
      return;
    }
    if (!auth) {
      r.authtries = 0;
      this.startRegTimeout(r);
    }
    const c = r.cfg;
    const domain = c.regdomain || c.hostname;
    const portno = c.regdomain ? c.regdomainport || STANDARD_SIP_PORT : dest.port;
    const addrUri = portno && portno !== STANDARD_SIP_PORT ? `sip:${domain}:${portno}` : `sip:${domain}`;
    r.uri = addrUri;
    const us = this.ourHostPort(dest);
    r.cseq++;
    const headers: SipHeaders = [
      ['Via', `SIP/2.0/UDP ${us};branch=${newBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:${c.username}@${domain}>;tag=${r.localTag}`],
      ['To', `<sip:${c.username}@${domain}>`],
      ['Call-ID', r.callId],
      ['CSeq', `${r.cseq} REGISTER`],
      ['Supported', SUPPORTED],
      ['User-Agent', this.config.general.useragent],
    ];
    if (auth) headers.push([auth.header, auth.value]);
    headers.push(['Expires', String(r.expiry)]);
    headers.push(['Contact', `<sip:${c.callback}@${us}>`]);
    const req: SipRequest = {
      kind: 'request',
      method: 'REGISTER',
      uri: addrUri,
      headers,
      body: Buffer.alloc(0),
    };
    r.state = auth ? 'Auth. Sent' : 'Request Sent';
    r.regattempts++;
    if (r.branch) this.cancelTxn(r.branch);
    const branch = this.sendRequest(
      req,
      dest,
      (res) => {
        if (r.branch !== branch) return;
        r.branch = undefined;
        this.registerResponse(r, res);
      },
      () => undefined,
    );
    r.branch = branch;
  }

  private startRegTimeout(r: Registry): void {
    if (r.timeoutTimer) this.clock.clearTimer(r.timeoutTimer);
    r.timeoutTimer = this.clock.setTimer(this.config.general.registerTimeout * 1000, () => {
      r.timeoutTimer = undefined;
      this.regTimeout(r);
    });
  }

  private stopRegTimeout(r: Registry): void {
    if (r.timeoutTimer) this.clock.clearTimer(r.timeoutTimer);
    r.timeoutTimer = undefined;
  }

  /** sip_reg_timeout(). */
  private regTimeout(r: Registry): void {
    if (!['Unregistered', 'Request Sent', 'Auth. Sent', 'Timeout'].includes(r.state)) return;
    if (r.branch) this.cancelTxn(r.branch);
    r.branch = undefined;
    const max = this.config.general.registerAttempts;
    if (max && r.regattempts >= max) {
      this.log.info(
        `   -- Last Registration Attempt #${r.regattempts} failed, Giving up forever trying to register '${r.cfg.username}@${r.cfg.hostname}'`,
      );
      r.state = 'Failed';
    } else {
      r.state = 'Unregistered';
      this.transmitRegister(r, undefined);
      this.log.info(
        `   -- Registration for '${r.cfg.username}@${r.cfg.hostname}' timed out, trying again (Attempt #${r.regattempts})`,
      );
    }
    this.publishRegistry(r);
  }

  private publishRegistry(r: Registry): void {
    this.events.registry(r.cfg.username, r.cfg.hostname, regStateText(r.state));
  }

  private registerResponse(r: Registry, res: SipResponse): void {
    const c = r.cfg;
    switch (res.status) {
      case 401:
      case 407: {
        const hdr = getHeader(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
        const ch = hdr ? parseDigest(hdr) : undefined;
        const user = c.authuser || c.username;
        if (r.authtries === MAX_AUTHTRIES || !ch || !user) {
          this.log.info(
            `Failed to authenticate on REGISTER to '${c.username}@${c.hostname}' (Tries ${r.authtries})`,
          );
          return;
        }
        r.authtries++;
        const realm = ch.get('realm') ?? '';
        const nonce = ch.get('nonce') ?? '';
        const opaque = ch.get('opaque') ?? '';
        const qop = (ch.get('qop') ?? '')
          .split(',')
          .map((s) => s.trim())
          .includes('auth')
          ? 'auth'
          : '';
        const cnonce = randomHex(4);
        const nc = '00000001';
        const response = digestResponse({
          username: user,
          realm,
          secret: c.secret,
          method: 'REGISTER',
          uri: r.uri,
          nonce,
          qop: qop || undefined,
          nc,
          cnonce,
        });
        let value = `Digest username="${user}", realm="${realm}", algorithm=MD5, uri="${r.uri}", nonce="${nonce}", response="${response}"`;
        if (opaque) value += `, opaque="${opaque}"`;
        if (qop) value += `, qop=auth, cnonce="${cnonce}", nc=${nc}`;
        this.transmitRegister(r, {
          header: res.status === 401 ? 'Authorization' : 'Proxy-Authorization',
          value,
        });
        return;
      }
      case 403:
        this.log.warn(
          `Forbidden - wrong password on authentication for REGISTER for '${c.username}' to '${c.hostname}'`,
        );
        r.state = 'No Authentication';
        this.stopRegTimeout(r);
        this.publishRegistry(r);
        return;
      case 404:
      case 400:
      case 414:
      case 493:
      case 479:
        this.log.warn(
          `Got error ${res.status} on register to ${c.username}@${c.hostname}, giving up (check config)`,
        );
        r.state = 'Rejected';
        this.stopRegTimeout(r);
        this.publishRegistry(r);
        return;
      case 408:
        r.regattempts = 0;
        return;
      case 423: {
        const min = Number.parseInt(getHeader(res, 'Min-Expires') ?? '', 10) || 0;
        r.expiry = min;
        if (r.expiry > this.config.general.maxExpiry) {
          r.expiry = c.expiry;
          r.state = 'Rejected';
          this.stopRegTimeout(r);
        } else {
          r.state = 'Unregistered';
          this.transmitRegister(r, undefined);
        }
        this.publishRegistry(r);
        return;
      }
      default:
        break;
    }
    if (res.status >= 200 && res.status < 300) {
      r.state = 'Registered';
      this.stopRegTimeout(r);
      r.regtime = Math.floor(this.clock.now() / 1000);
      this.publishRegistry(r);
      r.regattempts = 0;
      let expires = 0;
      const ours = `sip:${c.callback}@`;
      const contacts = getHeaderList(res, 'Contact');
      const mine = contacts.find((x) => x.includes(ours)) ?? contacts[0];
      const m = mine ? /expires=\s*(\d+)/i.exec(mine) : null;
      if (m) expires = Number(m[1]);
      if (!expires) expires = Number.parseInt(getHeader(res, 'Expires') ?? '', 10) || 0;
      if (!expires) expires = this.config.general.defaultExpiry;
      let ms = expires * 1000;
      if (expires <= 30) ms -= Math.max(ms * 0.2, 500);
      else ms -= 15_000;
      r.refresh = Math.trunc(ms / 1000);
      if (r.reregTimer) this.clock.clearTimer(r.reregTimer);
      r.reregTimer = this.clock.setTimer(ms, () => {
        r.reregTimer = undefined;
        r.expiry = c.expiry;
        if (r.state === 'Registered') r.state = 'Timeout';
        else if (['Rejected', 'No Authentication', 'Failed'].includes(r.state)) r.state = 'Unregistered';
        this.transmitRegister(r, undefined);
      });
      return;
    }
    // Other failures: the registration timeout retries.
    this.log.warn(`Got SIP response ${res.status} "${res.reason}" back from ${c.hostname}`);
  }

  // ---- NOTIFY (SIPnotify) ---------------------------------------------------------------------

  /**
   * create_addr() for a NOTIFY target: a peer with a usable address, or a numeric host[:port].
   * Returns undefined as chan_sip fails ("Could not create address").
   */
  notifyTarget(name: string): { dest: Addr; uri: string; toUser: string } | undefined {
    const peer = this.findPeer(name);
    if (peer) {
      const ok = peer.addr && (!peer.cfg.maxms || (peer.lastms >= 0 && peer.lastms <= peer.cfg.maxms));
      if (!ok || !peer.addr) return undefined;
      const dest = peer.addr;
      const tohost = peer.cfg.tohost || dest.host;
      const hostPart = dest.port === STANDARD_SIP_PORT ? tohost : `${tohost}:${dest.port}`;
      const uri =
        peer.fullcontact || `sip:${peer.cfg.defaultuser ? peer.cfg.defaultuser + '@' : ''}${hostPart}`;
      return { dest, uri, toUser: peer.cfg.defaultuser || peer.cfg.name };
    }
    if (/^\d+$/.test(name)) return undefined;
    const colon = name.lastIndexOf(':');
    const host = colon > 0 && !name.includes('::') ? name.slice(0, colon) : name;
    const portText = colon > 0 && !name.includes('::') ? name.slice(colon + 1) : '';
    const port = portText ? Number(portText) : STANDARD_SIP_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    const h = host.toLowerCase() === 'localhost' ? '127.0.0.1' : host;
    if (!isNumericHost(h)) return undefined;
    return { dest: { host: h, port }, uri: `sip:${name}`, toUser: '' };
  }

  /** Sends a NOTIFY with Subscription-State: terminated, the given headers and body lines. */
  sendNotify(
    target: { dest: Addr; uri: string; toUser: string },
    headers: Array<[string, string]>,
    content: string[],
  ): void {
    const dest = target.dest;
    const us = this.ourHostPort(dest);
    const callId = `${randomHex(16)}@${this.ourHostFor(dest)}`;
    const hs: SipHeaders = [
      ['Via', `SIP/2.0/UDP ${us};branch=${newBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', `"asterisk" <sip:asterisk@${this.ourHostFor(dest)}>;tag=as${randomHex(4)}`],
      ['To', `<${target.uri}>`],
      ['Contact', `<sip:asterisk@${us}>`],
      ['Call-ID', callId],
      ['CSeq', `${this.notifyCseq} NOTIFY`],
      ['User-Agent', this.config.general.useragent],
      ['Date', new Date().toUTCString()],
      ['Allow', ALLOWED_METHODS],
      ['Supported', SUPPORTED],
      ['Subscription-State', 'terminated'],
      ...headers,
    ];
    const body = content.length ? Buffer.from(content.join('\r\n') + '\r\n', 'latin1') : Buffer.alloc(0);
    const req: SipRequest = { kind: 'request', method: 'NOTIFY', uri: target.uri, headers: hs, body };
    this.sendRequest(
      req,
      dest,
      (res) => this.log.debug?.(`SIP: NOTIFY to ${fmtAddr(dest)} answered ${res.status} ${res.reason}`),
      () => this.log.info(`SIP: NOTIFY to ${fmtAddr(dest)} got no answer`),
    );
  }

  // ---- simulated peers --------------------------------------------------------------------------

  /** A simulated phone registers (dynamic peers): same events as a real REGISTER. */
  simRegister(
    name: string,
    opts: { host?: string; port?: number; expires?: number; useragent?: string; latencyMs?: number } = {},
  ): SimResult {
    const peer = this.findPeer(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!peer.cfg.hostDynamic)
      return { ok: false, error: `Peer '${peer.cfg.name}' is not dynamic (host=${peer.cfg.host})` };
    const addr: Addr = {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 5060 + 1000 + (peer.order % 1000),
    };
    this.clearPeerTimers(peer, true);
    peer.sim = { answer: true, latencyMs: opts.latencyMs ?? peer.sim?.latencyMs ?? 1 };
    const old = peer.addr;
    peer.addr = addr;
    peer.fullcontact = `sip:${peer.cfg.name}@${fmtAddr(addr)}`;
    peer.useragent = opts.useragent ?? 'amikit simulated phone';
    if (opts.expires && opts.expires > 0) {
      peer.regExpireAt = this.clock.now() + opts.expires * 1000;
      peer.expireTimer = this.clock.setTimer(opts.expires * 1000, () => this.expireRegister(peer));
    } else peer.regExpireAt = 0;
    this.events.peerStatus(peer.cfg.name, 'Registered', [['Address', fmtAddr(addr)]]);
    if (!old || fmtAddr(old) !== fmtAddr(addr))
      this.log.info(`Registered SIP '${peer.cfg.name}' at ${fmtAddr(addr)} (simulated)`);
    this.pokePeer(peer, false);
    this.updateDeviceState(peer);
    return { ok: true };
  }

  /** A registration is removed (explicit unregister): PeerStatus Unregistered. */
  simUnregister(name: string): SimResult {
    const peer = this.findPeer(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!peer.cfg.hostDynamic)
      return { ok: false, error: `Peer '${peer.cfg.name}' is not dynamic (host=${peer.cfg.host})` };
    if (!peer.addr) return { ok: false, error: `Peer '${peer.cfg.name}' is not registered` };
    this.expireRegister(peer);
    return { ok: true };
  }

  /** The phone stops answering qualify: PeerStatus Unreachable now (a qualified peer is needed). */
  simUnreachable(name: string): SimResult {
    const peer = this.findPeer(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!peer.cfg.maxms) {
      if (peer.cfg.hostDynamic && peer.addr) {
        peer.sim = { answer: false, latencyMs: peer.sim?.latencyMs ?? 1 };
        this.expireRegister(peer);
        return { ok: true };
      }
      return {
        ok: false,
        error: `Peer '${peer.cfg.name}' is not qualified (qualify=no): it cannot become unreachable`,
      };
    }
    peer.sim = { answer: false, latencyMs: peer.sim?.latencyMs ?? 1 };
    if (!peer.addr) return { ok: true };
    this.clearPeerTimers(peer, false);
    this.pokeNoAnswer(peer);
    return { ok: true };
  }

  /** The phone answers qualify after `ms`: Reachable, or Lagged above maxms. */
  simLatency(name: string, ms: number): SimResult {
    const peer = this.findPeer(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!Number.isFinite(ms) || ms < 0) return { ok: false, error: `Invalid latency '${ms}'` };
    peer.sim = { answer: true, latencyMs: ms };
    if (peer.addr && peer.cfg.maxms) this.pokePeer(peer, false);
    return { ok: true };
  }

  /** Back to real network behaviour (OPTIONS over UDP). */
  simReset(name: string): SimResult {
    const peer = this.findPeer(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    peer.sim = null;
    if (peer.addr && peer.cfg.maxms) this.pokePeer(peer, false);
    return { ok: true };
  }
}

export type SimResult = { ok: true } | { ok: false; error: string };

/** regstate2str(). */
export function regStateText(s: RegState): string {
  return s === 'Timeout' ? 'Registered' : s;
}

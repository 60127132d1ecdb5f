/**
 * chan_sip's house: holds the running sip.conf, the SIP layer (src/sip: UDP transport and
 * transactions) and the peer table, and wires the rooms on top of them: registrar, qualify,
 * outbound registrations, NOTIFY and simulated peers. Incoming requests are dispatched here. It
 * knows nothing of AMI: the module (index.ts, events.ts) turns its callbacks into AMI events.
 */
import dns from 'node:dns/promises';
import { RealClock } from '../../pbx/clock.js';
import type { Logger } from '../../logger.js';
import {
  type Addr,
  type SipHeaders,
  type SipMessage,
  type SipRequest,
  TransactionLayer,
  UdpTransport,
  buildResponse,
  fmtAddr,
  isNumericHost,
  randomHex,
  responseVias,
} from '../../sip/index.js';
import { type SipConfig, STANDARD_SIP_PORT } from './config.js';
import type { ChanSipContext, DeviceStateSink, SipClock, SipEvents } from './context.js';
import { type Peer, PeerTable, deviceStateOf } from './peers.js';
import { Qualify } from './qualify.js';
import { Registrar } from './registrar.js';
import { type Registry, Registrations } from './registry.js';
import { type NotifyTarget, Notifier } from './notify.js';
import { type SimRegisterOptions, type SimResult, Simulation } from './simulation.js';
import { SipSecurity } from './security.js';
import { ALLOWED_METHODS, SUPPORTED } from './texts.js';

export type { DeviceStateSink, SipClock } from './context.js';
/** The events interface under its former name. */
export type SipCoreEvents = SipEvents;
export type { Addr } from '../../sip/index.js';
export {
  type Peer,
  type PeerStatusName,
  type SimState,
  DEV_NOT_INUSE,
  DEV_UNAVAILABLE,
  astStrCaseHash,
  peerStatusText,
} from './peers.js';
export { type Registry, type RegState, regStateText } from './registry.js';
export type { SimResult } from './simulation.js';

export interface SipCoreOptions {
  config: SipConfig;
  log: Logger;
  events: SipEvents;
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

export class SipCore implements ChanSipContext {
  config: SipConfig;
  readonly log: Logger;
  readonly events: SipEvents;
  readonly clock: SipClock;
  readonly transport: UdpTransport;
  readonly txns: TransactionLayer;
  readonly peerTable: PeerTable;
  stopped = false;
  private readonly ownClock: RealClock | null;
  private readonly bindOverride?: { host?: string; port?: number };
  /** Host names of peers and registrars resolved at start/reload (numeric hosts need none). */
  private readonly resolved = new Map<string, string>();
  private started = false;
  private readonly qualify: Qualify;
  private readonly security: SipSecurity;
  private readonly registrar: Registrar;
  private readonly registrations: Registrations;
  private readonly notifier: Notifier;
  private readonly simulation: Simulation;
  private readonly strictBind: boolean;
  private readonly defaultBindHost: string | undefined;
  /** The bind that failed at start (null when the socket is open or start has not run). */
  bindFailure: { host: string; port: number; error: Error } | null = null;

  constructor(opts: SipCoreOptions) {
    this.config = opts.config;
    this.log = opts.log;
    this.events = opts.events;
    this.ownClock = opts.clock ? null : new RealClock();
    this.clock = opts.clock ?? (this.ownClock as RealClock);
    this.bindOverride = opts.bind;
    this.transport = new UdpTransport(this.log, (msg, src) => this.onMessage(msg, src));
    this.txns = new TransactionLayer(this.transport, (req, src) => this.onRequest(req, src));
    this.peerTable = new PeerTable(this.log, opts.deviceState);
    this.qualify = new Qualify(this);
    this.security = new SipSecurity(this);
    this.registrar = new Registrar(this, this.qualify, this.security);
    this.registrations = new Registrations(this, this.resolved);
    this.notifier = new Notifier(this);
    this.simulation = new Simulation(this, this.registrar, this.qualify);
    this.strictBind = opts.strictBind === true;
    this.defaultBindHost = opts.defaultBindHost;
    for (const w of opts.config.warnings) this.log.warn(`sip.conf: ${w}`);
    this.buildState(opts.config, new Map());
  }

  /** Counters for tests and `sip show settings`-like introspection. */
  get stats(): UdpTransport['stats'] {
    return this.transport.stats;
  }

  /** Peers by lower-cased name, in configuration order. */
  get peers(): Map<string, Peer> {
    return this.peerTable.map;
  }

  /** Outbound registrations (`register =>`), in configuration order. */
  get registries(): Registry[] {
    return this.registrations.list;
  }

  // ---- life cycle -------------------------------------------------------------------------------

  /** Opens the UDP socket, starts qualify and outbound registrations. */
  async start(): Promise<void> {
    const g = this.config.general;
    const host =
      this.bindOverride?.host ?? (g.bindHostGiven ? g.bindHost : (this.defaultBindHost ?? g.bindHost));
    const port = this.bindOverride?.port ?? g.bindPort;
    const bound = await this.transport.bind(host, port, { quiet: this.strictBind });
    if (!bound.ok) this.bindFailure = { host, port, error: bound.error };
    this.started = true;
    await this.resolveNames();
    this.startPeers();
    this.registrations.startAll();
  }

  address(): Addr {
    return this.transport.address();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.txns.cancelAll();
    for (const p of this.peerTable.map.values()) this.clearPeerTimers(p, true);
    for (const r of this.registries) this.registrations.clearTimers(r);
    this.ownClock?.clearAll();
    await this.transport.close();
  }

  /** Applies a new sip.conf: registrations of peers that stay dynamic are kept. */
  async reload(config: SipConfig): Promise<void> {
    for (const w of config.warnings) this.log.warn(`sip.conf: ${w}`);
    const old = new Map(this.peerTable.map);
    for (const p of old.values()) this.clearPeerTimers(p, true);
    for (const r of this.registries) this.registrations.clearTimers(r);
    this.config = config;
    this.security.reconfigure();
    this.buildState(config, old);
    if (this.started && !this.stopped) {
      await this.resolveNames();
      this.startPeers();
      this.registrations.startAll();
    }
  }

  /** Looks up the host names of static peers and registrars (bounded; failures are logged). */
  private async resolveNames(): Promise<void> {
    const names = new Set<string>();
    for (const p of this.peerTable.map.values())
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
    for (const p of this.peerTable.map.values()) {
      if (p.cfg.hostDynamic || p.addr || !p.cfg.host) continue;
      const ip = this.resolved.get(p.cfg.host.toLowerCase());
      if (ip) p.addr = { host: ip, port: p.cfg.port || STANDARD_SIP_PORT };
    }
  }

  private buildState(config: SipConfig, old: Map<string, Peer>): void {
    this.peerTable.build(config, old);
    this.registrations.build(config, this.transport.address().host);
  }

  private startPeers(): void {
    let i = 0;
    for (const p of this.peerTable.map.values()) {
      this.registrar.resumeExpiry(p);
      this.peerTable.updateDeviceState(p, true);
      if (this.qualify.scheduleFirst(p, i)) i++;
    }
  }

  clearPeerTimers(p: Peer, all: boolean): void {
    for (const k of ['pokeTimer', 'noanswerTimer', 'pokeSimTimer'] as const) {
      const t = p[k];
      if (t) this.clock.clearTimer(t);
      p[k] = undefined;
    }
    if (p.pokeBranch) this.txns.cancel(p.pokeBranch);
    p.pokeBranch = undefined;
    if (all && p.expireTimer) {
      this.clock.clearTimer(p.expireTimer);
      p.expireTimer = undefined;
    }
  }

  // ---- lookups ----------------------------------------------------------------------------------

  /** sip_find_peer(FINDPEERS): case-insensitive, peers and friends only. */
  findPeer(name: string): Peer | undefined {
    return this.peerTable.find(name);
  }

  /** Peers sorted as `sip show peers` lists them (strcmp on names). */
  sortedPeers(): Peer[] {
    return this.peerTable.sorted();
  }

  /** Peers (and users) in the order chan_sip's hash container iterates them (SIPpeerstatus). */
  hashOrderPeers(): Peer[] {
    return this.peerTable.hashOrder();
  }

  /** Seconds until the registration expires, or -1 (ast_sched_when of no entry). */
  regExpireIn(p: Peer): number {
    return this.registrar.expireIn(p);
  }

  /** sip_devicestate() without calls: UNAVAILABLE with no address or when qualify fails. */
  deviceStateOf(p: Peer): string {
    return deviceStateOf(p);
  }

  // ---- requests ---------------------------------------------------------------------------------

  private onMessage(msg: SipMessage, src: Addr): void {
    if (this.stopped) return;
    this.txns.receive(msg, src);
  }

  /** Standard headers of our responses (respprep). */
  private stdHeaders(): SipHeaders {
    return [
      ['Server', this.config.general.useragent],
      ['Allow', ALLOWED_METHODS],
      ['Supported', SUPPORTED],
    ];
  }

  reply(
    req: SipRequest,
    src: Addr,
    status: number,
    reason: string,
    extra: SipHeaders = [],
    toTag?: string,
  ): void {
    const res = buildResponse(req, status, reason, {
      via: responseVias(req, src),
      toTag: status === 100 ? undefined : (toTag ?? 'as' + randomHex(4)),
      headers: [...this.stdHeaders(), ...extra],
    });
    this.txns.respond(req, src, res);
  }

  private onRequest(req: SipRequest, src: Addr): void {
    switch (req.method) {
      case 'REGISTER':
        this.registrar.handleRegister(req, src);
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

  // ---- rooms' public faces ----------------------------------------------------------------------

  /** Sends OPTIONS (or asks the simulated phone); `force` is SIPqualifypeer / `sip qualify peer`. */
  pokePeer(peer: Peer, force: boolean): void {
    this.qualify.poke(peer, force);
  }

  /** expire_register(): the registration is gone (expired or removed). */
  expireRegister(peer: Peer): void {
    this.registrar.expire(peer);
  }

  /** create_addr() for a NOTIFY target (undefined: "Could not create address"). */
  notifyTarget(name: string): NotifyTarget | undefined {
    return this.notifier.target(name);
  }

  /** Sends a NOTIFY with Subscription-State: terminated, the given headers and body lines. */
  sendNotify(target: NotifyTarget, headers: Array<[string, string]>, content: string[]): void {
    this.notifier.send(target, headers, content);
  }

  simRegister(name: string, opts: SimRegisterOptions = {}): SimResult {
    return this.simulation.register(name, opts);
  }

  simUnregister(name: string): SimResult {
    return this.simulation.unregister(name);
  }

  simUnreachable(name: string): SimResult {
    return this.simulation.unreachable(name);
  }

  simLatency(name: string, ms: number): SimResult {
    return this.simulation.latency(name, ms);
  }

  simReset(name: string): SimResult {
    return this.simulation.reset(name);
  }
}

/**
 * The PJSIP module (res_pjsip + chan_pjsip's AMI and CLI surface), the wiring of its rooms:
 * pjsip.conf's sorcery objects (config.ts, options.ts), their run-time state (state.ts), SIP over real
 * UDP on the transport's address on the shared src/sip layer (registrar.ts, qualify.ts,
 * registration.ts, NOTIFY from notify.ts), the AMI actions (ami.ts) and CLI (cli.ts) laid out by
 * format.ts, and the events: ContactStatus, PeerStatus, Registry and the security events.
 *
 * Loaded on releases whose profile names `chan_pjsip`; tests may start it on any server.
 */
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import { defineEvent } from '../../manager/event-def.js';
import { SECURITY_EVENTS } from '../../manager/manager-events.js';
import { formatEventTV } from '../../manager/events.js';
import { securityAddress } from '../../manager/auth-failures.js';
import { listenError } from '../../manager/transports/listen-error.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_PROFILE, type ReleaseProfile } from '../../profiles/index.js';
import { UdpTransport } from '../../sip/transport.js';
import { TransactionLayer, responseVias } from '../../sip/transaction.js';
import { buildResponse, newBranch, randomHex, type SipRequest } from '../../sip/message.js';
import type { Addr } from '../../sip/transport.js';
import { formatDiagnostic, loadPjsipConf, num, val, type PjsipConfig } from './config.js';
import { PjsipState, type Contact } from './state.js';
import { Qualifier, contactAddr } from './qualify.js';
import { pjsipActions } from './ami.js';
import { registerPjsipCli } from './cli.js';
import { loadNotifyConf, type NotifyContent } from './notify.js';
import { Registrar, type RegistrarContext } from './registrar.js';
import { OutboundRegistrations } from './registration.js';
import { bindAddress } from './format.js';

export {
  loadPjsipConf,
  parsePjsipConf,
  formatDiagnostic,
  type PjsipConfig,
  type Diagnostic,
} from './config.js';

/** A contact's reachability changed (main/stasis_endpoints.c contactstatus_to_ami). */
export const CONTACT_STATUS = defineEvent<{ c: Contact; endpoint: string }>(
  'ContactStatus',
  'system',
  ({ c, endpoint }) => [
    ['URI', c.uri],
    ['ContactStatus', c.status],
    ['AOR', c.aor],
    ['EndpointName', endpoint],
    ['RoundtripUsec', String(c.rtt)],
  ],
);

/** An outbound registration was answered (ast_system_publish_registry, channel type PJSIP). */
export const PJSIP_REGISTRY = defineEvent<{ username: string; domain: string; status: string }>(
  'Registry',
  'system',
  (p) => [
    ['ChannelType', 'PJSIP'],
    ['Username', p.username],
    ['Domain', p.domain],
    ['Status', p.status],
  ],
);

/** The endpoint's state as a peer (peerstatus_to_ami): ChannelType PJSIP. */
export const PJSIP_PEER_STATUS = defineEvent<{ endpoint: string; status: string }>(
  'PeerStatus',
  'system',
  (p) => [
    ['ChannelType', 'PJSIP'],
    ['Peer', `PJSIP/${p.endpoint}`],
    ['PeerStatus', p.status],
  ],
);

export interface PjsipModuleOptions {
  /** Directory holding pjsip.conf (a missing file: no objects). */
  configDir: string;
  /** Listen here instead of the first UDP transport's bind (tests: port 0). */
  bindOverride?: { host?: string; port?: number };
  /** A socket that cannot bind stops the start (the server's rule for every listener). */
  strictBind?: boolean;
  log: Logger;
  /** The release (its version is the default User-Agent). */
  profile?: ReleaseProfile;
  /** Read pjsip.conf from here instead (tests). */
  loadConfig?: () => PjsipConfig;
  /** Seeded randomness for the initial qualify spread; Math.random by default. */
  random?: () => number;
}

export interface PjsipModule extends AmiModule {
  readonly state: PjsipState;
  /** Where SIP listens (after start). */
  address(): { host: string; port: number };
  /** Sends OPTIONS to every contact of the endpoint's aors now. */
  qualifyEndpoint(name: string): boolean;
}

export function createPjsipModule(opts: PjsipModuleOptions): PjsipModule {
  const profile = opts.profile ?? DEFAULT_PROFILE;
  const load = opts.loadConfig ?? ((): PjsipConfig => loadPjsipConf(opts.configDir));
  const cfg = load();
  for (const d of cfg.diagnostics) {
    if (d.level === 'error') opts.log.error(formatDiagnostic(d));
    else opts.log.warn(formatDiagnostic(d));
  }
  const state = new PjsipState(cfg);
  const global = state.find('global', 'global');
  let userAgent = (global && val(global, 'user_agent')) || `Asterisk PBX ${profile.asteriskVersion}`;
  let manager: Manager | null = null;

  const transport = new UdpTransport(opts.log, (msg, src) => txns.receive(msg, src));
  const txns = new TransactionLayer(transport, (req, src) => onRequest(req, src));

  /** Endpoints whose `aors` name this aor (each publishes the contact's state). */
  const endpointsOfAor = (aorId: string): string[] =>
    state
      .list('endpoint')
      .filter((ep) => state.aorsOf(ep).some((a) => a.id === aorId))
      .map((ep) => ep.id);

  // ast_endpoint state per endpoint: PeerStatus is published when it changes.
  const online = new Map<string, boolean>();
  for (const ep of state.list('endpoint')) online.set(ep.id, state.deviceState(ep) !== 'Unavailable');

  const publishContact = (c: Contact): void => {
    for (const name of endpointsOfAor(c.aor)) {
      manager?.raise(CONTACT_STATUS, { c, endpoint: name });
      const ep = state.find('endpoint', name);
      if (!ep) continue;
      const now = state.deviceState(ep) !== 'Unavailable';
      if (online.get(name) !== now) {
        online.set(name, now);
        opts.log.info(`Endpoint ${name} is now ${now ? 'Reachable' : 'Unreachable'}`);
        manager?.raise(PJSIP_PEER_STATUS, { endpoint: name, status: now ? 'Reachable' : 'Unreachable' });
      }
    }
  };

  const qualifyCtx = {
    state,
    transport,
    txns,
    userAgent,
    maxInitial: global ? num(global, 'max_initial_qualify_time') : 0,
    random: opts.random ?? Math.random,
    changed: (c: Contact) => publishContact(c),
  };
  const qualifier = new Qualifier(qualifyCtx);

  const registrarCtx: RegistrarContext = {
    state,
    txns,
    log: opts.log,
    userAgent,
    realm: (global && val(global, 'default_realm')) || 'asterisk',
    identifierOrder: ((global && val(global, 'endpoint_identifier_order')) || 'ip,username,anonymous')
      .split(',')
      .map((x) => x.trim()),
    security: (ev) => {
      const local = { host: transport.ourHostFor(ev.remote), port: transport.address().port };
      const informational = ev.name === 'SuccessfulAuth' || ev.name === 'ChallengeSent';
      manager?.raise(SECURITY_EVENTS[ev.name], [
        ['EventTV', formatEventTV(Date.now())],
        ['Severity', informational ? 'Informational' : 'Error'],
        ['Service', 'PJSIP'],
        ['EventVersion', '1'],
        ['AccountID', ev.accountId],
        ['SessionID', ev.sessionId],
        ['LocalAddress', securityAddress('UDP', local.host, local.port)],
        ['RemoteAddress', securityAddress('UDP', ev.remote.host, ev.remote.port)],
        ...ev.fields,
      ]);
    },
    contactAdded: (c) => {
      publishContact(c);
      if (c.qualifyFrequency > 0) qualifier.schedule(c, 0);
    },
    contactUpdated: () => undefined,
    contactRemoved: (c) => {
      qualifier.forget(c);
      c.status = 'Removed';
      c.rtt = 0;
      publishContact(c);
    },
  };
  const registrar = new Registrar(registrarCtx);

  const outboundCtx = {
    state,
    transport,
    txns,
    userAgent,
    log: opts.log,
    random: opts.random ?? Math.random,
    registry: (username: string, domain: string, status: string) =>
      manager?.raise(PJSIP_REGISTRY, { username, domain, status }),
  };
  const outbound = new OutboundRegistrations(outboundCtx);

  /**
   * `module reload res_pjsip.so` / Reload: pjsip.conf again. A file that does not parse keeps the
   * running configuration (as Asterisk keeps it); registered contacts of aors that are gone are
   * removed; qualify and outbound registrations start again; the UDP socket stays where it is
   * (Asterisk does not rebind a transport without allow_reload).
   */
  async function reload(): Promise<void> {
    let next: PjsipConfig;
    try {
      next = load();
    } catch (e) {
      opts.log.error(`pjsip.conf not reloaded, the running configuration stays: ${(e as Error).message}`);
      return;
    }
    for (const d of next.diagnostics) {
      if (d.level === 'error') opts.log.error(formatDiagnostic(d));
      else opts.log.warn(formatDiagnostic(d));
    }
    const aors = new Set((next.objects.get('aor') ?? []).map((a) => a.id));
    for (const c of state.allContacts()) if (!c.permanent && !aors.has(c.aor)) registrar.remove(c);
    state.reload(next);
    const g = state.find('global', 'global');
    userAgent = (g && val(g, 'user_agent')) || `Asterisk PBX ${profile.asteriskVersion}`;
    qualifyCtx.userAgent = userAgent;
    qualifyCtx.maxInitial = g ? num(g, 'max_initial_qualify_time') : 0;
    registrarCtx.userAgent = userAgent;
    registrarCtx.realm = (g && val(g, 'default_realm')) || 'asterisk';
    registrarCtx.identifierOrder = ((g && val(g, 'endpoint_identifier_order')) || 'ip,username,anonymous')
      .split(',')
      .map((x) => x.trim());
    outboundCtx.userAgent = userAgent;
    for (const ep of state.list('endpoint'))
      if (!online.has(ep.id)) online.set(ep.id, state.deviceState(ep) !== 'Unavailable');
    qualifier.restart();
    outbound.restart();
  }

  /** Requests: REGISTER to the registrar; OPTIONS answered 200 (res_pjsip's options module); other
   * methods (calls, subscriptions, messages) are not built yet: 501. */
  function onRequest(req: SipRequest, src: Addr): void {
    if (req.method === 'ACK') return;
    if (req.method === 'REGISTER') return registrar.register(req, src);
    // Every other request is identified and authenticated first (pjsip_distributor).
    if (!registrar.authenticate(req, src)) return;
    if (req.method === 'OPTIONS') {
      txns.respond(
        req,
        src,
        buildResponse(req, 200, 'OK', {
          via: responseVias(req, src),
          toTag: randomHex(16),
          headers: [
            ['Accept', 'application/sdp'],
            ['Allow', 'OPTIONS, REGISTER, NOTIFY, SUBSCRIBE, PUBLISH, MESSAGE'],
            ['Server', userAgent],
          ],
        }),
      );
      return;
    }
    txns.respond(
      req,
      src,
      buildResponse(req, 501, 'Not Implemented', {
        via: responseVias(req, src),
        toTag: randomHex(16),
        headers: [['Server', userAgent]],
      }),
    );
  }

  const notifyOptions = loadNotifyConf(opts.configDir);

  /** ast_sip_create_request("NOTIFY") to one URI, with the built headers and body. */
  function sendNotify(uri: string, n: NotifyContent): boolean {
    const dest = contactAddr(uri);
    if (!dest) return false;
    const us = transport.ourHostPort(dest);
    const host = transport.ourHostFor(dest);
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/UDP ${us};rport;branch=${newBranch()}`],
      ['From', `<sip:asterisk@${host}>;tag=${randomHex(16)}`],
      ['To', `<${uri}>`],
      ['Contact', `<sip:asterisk@${us}>`],
      ['Call-ID', randomHex(16)],
      ['CSeq', `${Math.floor((opts.random ?? Math.random)() * 30000) + 1} NOTIFY`],
      ['Max-Forwards', '70'],
      ['User-Agent', userAgent],
      ...n.headers,
    ];
    if (n.contentType) headers.push(['Content-Type', n.contentType]);
    txns.sendRequest(
      { kind: 'request', method: 'NOTIFY', uri, headers, body: Buffer.from(n.body, 'utf8') },
      dest,
      () => undefined,
      () => undefined,
    );
    return true;
  }

  function qualifyEndpointObj(name: string): boolean {
    const ep = state.find('endpoint', name);
    if (!ep) return false;
    for (const aor of state.aorsOf(ep)) for (const c of state.contactsOf(aor.id)) qualifier.poke(c);
    return true;
  }

  let bound: Addr = { host: '127.0.0.1', port: 0 };
  const mod: PjsipModule = {
    name: 'chan_pjsip',
    requires: ['manager'],
    events: [
      CONTACT_STATUS,
      PJSIP_PEER_STATUS,
      PJSIP_REGISTRY,
      ...(['InvalidAccountID', 'ChallengeSent', 'SuccessfulAuth', 'ChallengeResponseFailed'] as const).map(
        (n) => SECURITY_EVENTS[n],
      ),
    ],
    state,
    address: () => transport.address(),
    qualifyEndpoint: (name) => qualifyEndpointObj(name),
    async start(m: Manager): Promise<void> {
      manager = m;
      m.addActions(
        'chan_pjsip',
        pjsipActions({
          state,
          outbound,
          notifyOptions,
          log: opts.log,
          qualifyEndpoint: qualifyEndpointObj,
          sendNotify,
        }),
      );
      registerPjsipCli(m, { state, qualifier });
      m.registerReload('res_pjsip', reload);
      // The first UDP transport is where SIP listens (amikit runs one socket for now).
      const udp = state.list('transport').find((t) => val(t, 'protocol') === 'udp');
      const b = udp ? bindAddress(udp) : { host: '0.0.0.0', port: 5060 };
      bound = { host: opts.bindOverride?.host ?? b.host, port: opts.bindOverride?.port ?? b.port };
      if (udp || opts.bindOverride) {
        const r = await transport.bind(bound.host, bound.port, { quiet: opts.strictBind });
        if (!r.ok && opts.strictBind) throw listenError(r.error, 'SIP over UDP', bound.host, bound.port);
      }
      qualifier.start();
      outbound.start();
    },
    reload: () => reload(),
    async stop(): Promise<void> {
      qualifier.stop();
      outbound.stop();
      registrar.stop();
      txns.cancelAll();
      await transport.close();
    },
  };
  return mod;
}

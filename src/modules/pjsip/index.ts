/**
 * The PJSIP module (res_pjsip + chan_pjsip's AMI and CLI surface): pjsip.conf's sorcery objects
 * (config.ts), their run-time state (state.ts), qualify over real UDP on the transport's address
 * (qualify.ts, on the shared src/sip layer), the PJSIPShow* list actions and PJSIPQualify, the
 * `pjsip show|list ...` CLI commands, and the ContactStatus events.
 *
 * Loaded on the Asterisk 22 profile (module name `chan_pjsip`); tests may start it on any server.
 */
import type { ActionContext } from '../../manager/context.js';
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import type { ActionSpec } from '../../manager/action.js';
import type { CliResult } from '../../manager/cli.js';
import { defineEvent } from '../../manager/event-def.js';
import { SECURITY_EVENTS } from '../../manager/manager-events.js';
import { formatEventTV } from '../../manager/events.js';
import { securityAddress } from '../../manager/auth-failures.js';
import { listenError } from '../../manager/transports/listen-error.js';
import { PatternError, tryCompilePattern } from '../../pattern/index.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_PROFILE, type ReleaseProfile } from '../../profiles/index.js';
import { UdpTransport } from '../../sip/transport.js';
import { TransactionLayer, responseVias } from '../../sip/transaction.js';
import { buildResponse, newBranch, randomHex, type SipRequest } from '../../sip/message.js';
import type { Addr } from '../../sip/transport.js';
import { formatDiagnostic, loadPjsipConf, num, val, type PjsipConfig } from './config.js';
import { PjsipState, type Contact } from './state.js';
import { Qualifier, contactAddr } from './qualify.js';
import { buildNotify, loadNotifyConf, type NotifyContent, type NotifyItems } from './notify.js';
import { Registrar, type RegistrarContext } from './registrar.js';
import { OutboundRegistrations } from './registration.js';
import {
  aorDetailFields,
  bindAddress,
  cliTraverse,
  contactListFields,
  contactStatusDetailFields,
  endpointDetailFields,
  endpointListFields,
  inboundRegistrationFields,
  objectFields,
  outboundRegistrationFields,
  withEndpoint,
  type CliObjectKind,
} from './format.js';

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

/** PJSIP error messages end with a bare LF inside the value (astman_send_error_va with "\n"). */
function errorLf(ctx: ActionContext, message: string): void {
  ctx.append('Response: Error\r\n' + ctx.idLine() + 'Message: ' + message + '\n\r\n\r\n');
}

/** astman_get_variables_order(ORDER_NATURAL): every Variable header, comma lists split, name=value. */
function notifyVariables(lines: string[]): NotifyItems {
  const out: NotifyItems = [];
  for (const line of lines)
    for (const item of line.split(',')) {
      const eq = item.indexOf('=');
      if (eq > 0) out.push([item.slice(0, eq), item.slice(eq + 1)]);
    }
  return out;
}

const USAGE: Record<string, string> = {
  endpoint: 'Usage: pjsip show endpoint <id>\n       Show PJSIP Endpoint',
};

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

  const actions: ActionSpec[] = [
    {
      name: 'PJSIPShowEndpoints',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const eps = state.sorted('endpoint');
        if (!eps.length) return errorLf(ctx, 'No endpoints found');
        ctx.listStart('A listing of Endpoints follows, presented as EndpointList events');
        for (const ep of eps) ctx.listItem('EndpointList', endpointListFields(state, ep));
        ctx.listComplete('EndpointListComplete', eps.length);
      },
    },
    {
      name: 'PJSIPShowEndpoint',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const name = ctx.get('Endpoint');
        if (!name) return errorLf(ctx, 'PJSIPShowEndpoint requires an endpoint name');
        const ep = state.find('endpoint', name);
        if (!ep) return errorLf(ctx, `Unable to retrieve endpoint ${name}`);
        ctx.listStart('Following are Events for each object associated with the Endpoint');
        let n = 0;
        const item = (event: string, fields: Array<[string, string]>): void => {
          ctx.listItem(event, fields);
          n++;
        };
        item('EndpointDetail', endpointDetailFields(state, ep));
        for (const a of state.authsOf(ep, 'auth')) item('AuthDetail', withEndpoint(objectFields(a), ep.id));
        for (const a of state.authsOf(ep, 'outbound_auth'))
          item('AuthDetail', withEndpoint(objectFields(a), ep.id));
        const t = state.find('transport', val(ep, 'transport'));
        if (t) item('TransportDetail', withEndpoint(objectFields(t), ep.id));
        for (const aor of state.aorsOf(ep)) {
          item('AorDetail', aorDetailFields(state, aor, ep.id));
          for (const c of state.contactsOf(aor.id))
            item('ContactStatusDetail', contactStatusDetailFields(c, ep.id));
        }
        for (const i of state.identifiesOf(ep)) item('IdentifyDetail', withEndpoint(objectFields(i), ep.id));
        ctx.listComplete('EndpointDetailComplete', n);
      },
    },
    {
      name: 'PJSIPShowAors',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const aors = state.sorted('aor');
        if (!aors.length) return errorLf(ctx, 'No AORs found');
        ctx.listStart('A listing of AORs follows, presented as AorList events');
        for (const a of aors) ctx.listItem('AorList', objectFields(a));
        ctx.listComplete('AorListComplete', aors.length);
      },
    },
    {
      name: 'PJSIPShowAuths',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        const auths = state.sorted('auth');
        if (!auths.length) return errorLf(ctx, 'No Auths found');
        ctx.listStart('A listing of Auths follows, presented as AuthList events');
        for (const a of auths) ctx.listItem('AuthList', objectFields(a));
        ctx.listComplete('AuthListComplete', auths.length);
      },
    },
    {
      name: 'PJSIPShowContacts',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        // Only sorcery contacts (registered ones): an aor's `contact =` is not listed (Asterisk #807).
        const list = state
          .allContacts()
          .filter((c) => !c.permanent)
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        if (!list.length) return errorLf(ctx, 'No Contacts found');
        ctx.listStart('A listing of Contacts follows, presented as ContactList events');
        for (const c of list) ctx.listItem('ContactList', contactListFields(c));
        ctx.listComplete('ContactListComplete', list.length);
      },
    },
    {
      name: 'PJSIPShowRegistrationsInbound',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        // ami_registrations_endpoints: every endpoint (by name), each aor it lists, in its order; an aor
        // no endpoint names is not shown, one that two endpoints name is shown twice.
        ctx.listStart('Following are Events for each Inbound registration');
        let n = 0;
        for (const ep of state.sorted('endpoint'))
          for (const a of state.aorsOf(ep)) {
            ctx.listItem('InboundRegistrationDetail', inboundRegistrationFields(state, a));
            n++;
          }
        ctx.listComplete('InboundRegistrationDetailComplete', n);
      },
    },
    {
      name: 'PJSIPShowRegistrationInboundContactStatuses',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        ctx.listStart('Following are ContactStatusEvents for each Inbound registration');
        let n = 0;
        for (const aor of state.sorted('aor'))
          for (const c of state.contactsOf(aor.id).filter((x) => !x.permanent)) {
            ctx.listItem('ContactStatusDetail', contactStatusDetailFields(c, c.endpointName));
            n++;
          }
        ctx.listComplete('ContactStatusDetailComplete', n);
      },
    },
    {
      name: 'PJSIPShowRegistrationsOutbound',
      privilege: ['system', 'reporting'],
      list: true,
      handler: (ctx) => {
        const regs = state.sorted('registration');
        const now = Math.floor(Date.now() / 1000);
        ctx.listStart('Following are Events for each Outbound registration');
        let registered = 0;
        for (const r of regs) {
          ctx.listItem('OutboundRegistrationDetail', outboundRegistrationFields(state, r, now));
          for (const a of val(r, 'outbound_auth')
            .split(',')
            .filter((x) => x)) {
            const auth = state.find('auth', a);
            if (auth) ctx.listItem('AuthDetail', objectFields(auth));
          }
          if (state.outbound.get(r.id)?.status === 'Registered') registered++;
        }
        ctx.listComplete('OutboundRegistrationDetailComplete', regs.length, [
          ['Registered', String(registered)],
          ['NotRegistered', String(regs.length - registered)],
        ]);
      },
    },
    {
      name: 'PJSIPShowSubscriptionsInbound',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        // No SUBSCRIBE is accepted yet, so there is never an inbound subscription to list.
        ctx.listStart('Following are Events for each inbound Subscription');
        ctx.listComplete('InboundSubscriptionDetailComplete', 0);
      },
    },
    {
      name: 'PJSIPShowSubscriptionsOutbound',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        ctx.listStart('Following are Events for each outbound Subscription');
        ctx.listComplete('OutboundSubscriptionDetailComplete', 0);
      },
    },
    {
      name: 'PJSIPShowResourceLists',
      privilege: ['system'],
      list: true,
      handler: (ctx) => errorLf(ctx, 'No resource lists found'),
    },
    {
      name: 'PJSIPQualify',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Endpoint');
        if (!name) return ctx.error('Endpoint parameter missing.');
        const ep = state.find('endpoint', name);
        if (!ep) return errorLf(ctx, 'Unable to retrieve endpoint');
        if (!val(ep, 'aors')) return errorLf(ctx, 'No AoRs configured for endpoint');
        qualifyEndpointObj(ep.id);
        ctx.ack('Endpoint found, will qualify');
      },
    },
  ];

  actions.push(
    {
      name: 'PJSIPRegister',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Registration');
        if (!name) return ctx.error('Registration parameter missing.');
        if (name === '*all') {
          for (const n of outbound.names()) outbound.reregister(n);
          return ctx.ack('Reregistrations queued.');
        }
        if (!outbound.reregister(name)) return errorLf(ctx, 'Unable to retrieve registration entry');
        ctx.ack('Reregistration sent');
      },
    },
    {
      name: 'PJSIPUnregister',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Registration');
        if (!name) return ctx.error('Registration parameter missing.');
        if (name === '*all') {
          for (const n of outbound.names()) outbound.unregister(n);
          return ctx.ack('Unregistrations queued.');
        }
        if (!outbound.unregister(name)) return errorLf(ctx, 'Unable to retrieve registration entry');
        ctx.ack('Unregistration sent');
      },
    },
  );

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

  actions.push({
    name: 'PJSIPNotify',
    privilege: ['system'],
    handler: (ctx) => {
      let endpoint = ctx.get('Endpoint');
      const uri = ctx.get('URI');
      const channel = ctx.get('Channel');
      const variables = ctx.get('Variable');
      const option = ctx.get('Option');
      const count = [endpoint, uri, channel].filter((x) => x).length;
      if ((option && variables) || (!option && !variables))
        return ctx.error(
          'PJSIPNotify requires either an Option or Variable(s).You must use only one of them.',
        );
      if (count > 1)
        return ctx.error(
          'PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.  You must use only one of them.',
        );
      if (!endpoint && !uri) {
        // PJSIP channels do not exist yet, so no channel can be found.
        if (channel) return ctx.error('Channel not found');
        return ctx.error('PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.');
      }
      let items: NotifyItems;
      if (option) {
        const o = notifyOptions.get(option);
        if (!o) return errorLf(ctx, `Unable to find notify type '${option}'`);
        items = o;
      } else items = notifyVariables(ctx.getAll('Variable'));
      const content = buildNotify(items, opts.log);
      if (uri) {
        // notify_uri sends through default_outbound_endpoint; amikit sends straight to the URI.
        sendNotify(uri, content);
        return ctx.ack('NOTIFY sent');
      }
      if (/^sip\//i.test(endpoint)) endpoint = endpoint.slice(4);
      if (/^pjsip\//i.test(endpoint)) endpoint = endpoint.slice(6);
      const ep = state.find('endpoint', endpoint);
      if (!ep) return ctx.error(`Unable to retrieve endpoint ${endpoint}`);
      if (!val(ep, 'aors')) opts.log.warn('Unable to NOTIFY - endpoint has no configured AORs');
      for (const aor of state.aorsOf(ep))
        for (const c of state.contactsOf(aor.id)) sendNotify(c.uri, content);
      ctx.ack('NOTIFY sent');
    },
  });

  function qualifyEndpointObj(name: string): boolean {
    const ep = state.find('endpoint', name);
    if (!ep) return false;
    for (const aor of state.aorsOf(ep)) for (const c of state.contactsOf(aor.id)) qualifier.poke(c);
    return true;
  }

  const registerCli = (m: Manager): void => {
    const now = (): number => Math.floor(Date.now() / 1000);
    const kinds: Array<[string, CliObjectKind]> = [
      ['endpoint', 'endpoint'],
      ['aor', 'aor'],
      ['auth', 'auth'],
      ['contact', 'contact'],
      ['transport', 'transport'],
      ['identify', 'identify'],
      ['registration', 'registration'],
    ];
    const plural = (w: string): string => (w.endsWith('y') ? w.slice(0, -1) + 'ies' : w + 's');
    for (const [word, kind] of kinds) {
      const title = word.charAt(0).toUpperCase() + word.slice(1);
      for (const verb of ['show', 'list'] as const) {
        const usage = `Usage: pjsip ${verb} ${plural(word)} [ like <pattern> ]\n       ${verb === 'show' ? 'Show' : 'List'} the configured PJSIP ${title}s\n       Optional regular expression pattern is used to filter the list.`;
        m.cli.register({
          words: ['pjsip', verb, plural(word)],
          summary: `${verb === 'show' ? 'Show' : 'List'} PJSIP ${title}s`,
          usage,
          handler: (args): CliResult => {
            // ast_sip_cli_traverse_objects: `like <regex>` filters by id; other words are ignored.
            if (args[0] !== 'like') return cliTraverse(state, kind, verb === 'show', true, undefined, now());
            if (!args[1]) return { lines: usage.split('\n'), failed: true };
            const re = tryCompilePattern(args[1]);
            if (re instanceof PatternError)
              return { lines: [`No container returned for object type ${kind}.`], failed: true };
            return cliTraverse(state, kind, verb === 'show', true, undefined, now(), re);
          },
        });
      }
      if (
        kind === 'registration' ||
        kind === 'contact' ||
        kind === 'endpoint' ||
        kind === 'aor' ||
        kind === 'auth' ||
        kind === 'transport' ||
        kind === 'identify'
      ) {
        m.cli.register({
          words: ['pjsip', 'show', word],
          summary: `Show PJSIP ${title}`,
          usage: USAGE[word] ?? `Usage: pjsip show ${word} <id>\n       Show PJSIP ${title}`,
          handler: (args): CliResult => cliTraverse(state, kind, true, false, args[0], now()),
        });
      }
    }
    m.cli.register({
      words: ['pjsip', 'qualify'],
      summary: 'Send an OPTIONS request to a PJSIP endpoint',
      usage:
        'Usage: pjsip qualify <endpoint>\n       Send a SIP OPTIONS request to all contacts on the endpoint.',
      handler: (args): CliResult => {
        if (args.length !== 1)
          return {
            lines: [
              'Usage: pjsip qualify <endpoint>',
              '       Send a SIP OPTIONS request to all contacts on the endpoint.',
            ],
            failed: true,
          };
        const ep = state.find('endpoint', args[0]);
        if (!ep) return { lines: [`Unable to retrieve endpoint ${args[0]}`], failed: true };
        if (!val(ep, 'aors'))
          return { lines: [`No AORs configured for endpoint '${args[0]}'`], failed: true };
        const lines: string[] = [];
        for (const aor of state.aorsOf(ep)) {
          lines.push(`Qualifying AOR '${aor.id}' on endpoint '${ep.id}'`);
          for (const c of state.contactsOf(aor.id)) qualifier.poke(c);
        }
        return { lines };
      },
    });
  };

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
      m.addActions('chan_pjsip', actions);
      registerCli(m);
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

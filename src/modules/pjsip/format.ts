/**
 * res_pjsip's AMI event bodies and CLI text: ast_sip_sorcery_object_to_ami (ObjectType, ObjectName,
 * then every field camel-cased in objectset order), the extra lines each event adds, and the CLI
 * formatters of pjsip_cli.c (CLI_INDENT_TO_SPACES, CLI_LAST_TABSTOP, the header fillers).
 */
import type { Pairs } from '../../manager/context.js';
import type { Pattern } from '../../pattern/index.js';
import { TYPES, toCamel } from './options.js';
import { formatMatch, num, val, type PjObject } from './config.js';
import { SHORT_STATUS, type Contact, type PjsipState } from './state.js';

type Pair = [string, string];

/** ObjectType, ObjectName and the fields, camel-cased (the aor's `contact` becomes `Contacts`). */
export function objectFields(o: PjObject, contactName = 'Contacts'): Pair[] {
  const def = TYPES.get(o.type);
  const out: Pair[] = [
    ['ObjectType', o.type],
    ['ObjectName', o.id],
  ];
  for (const f of def?.fields ?? []) {
    const camel = toCamel(f.name);
    out.push([o.type === 'aor' && camel === 'Contact' ? contactName : camel, o.values.get(f.name) ?? f.def]);
  }
  return out;
}

/** `aor/uri,` for every contact of the endpoint's aors (ast_sip_contact_to_str). */
function contactsList(st: PjsipState, aors: PjObject[]): string {
  let s = '';
  for (const a of aors) for (const c of st.contactsOf(a.id)) s += `${c.aor}/${c.uri},`;
  return s;
}

/** format_ami_endpoints: `Aor` is the endpoint's `aors` as written; one `Contacts` line per aor. */
export function endpointListFields(st: PjsipState, ep: PjObject): Pair[] {
  return [
    ['ObjectType', 'endpoint'],
    ['ObjectName', ep.id],
    ['Transport', val(ep, 'transport')],
    ['Aor', val(ep, 'aors')],
    ['Auths', val(ep, 'auth')],
    ['OutboundAuths', val(ep, 'outbound_auth')],
    ...st.aorsOf(ep).map((a): Pair => ['Contacts', contactsList(st, [a])]),
    ['DeviceState', st.deviceState(ep)],
    ['ActiveChannels', '0'],
  ];
}

export function endpointDetailFields(st: PjsipState, ep: PjObject): Pair[] {
  return [...objectFields(ep), ['DeviceState', st.deviceState(ep)], ['ActiveChannels', '0']];
}

export function aorDetailFields(st: PjsipState, aor: PjObject, endpoint: string): Pair[] {
  const contacts = st.contactsOf(aor.id);
  const permanent = contacts.filter((c) => c.permanent).length;
  return [
    ...objectFields(aor),
    ['TotalContacts', String(contacts.length)],
    ['ContactsRegistered', String(contacts.length - permanent)],
    ['EndpointName', endpoint],
  ];
}

export function inboundRegistrationFields(st: PjsipState, aor: PjObject): Pair[] {
  return [...objectFields(aor, 'Contact'), ['Contacts', contactsList(st, [aor])]];
}

/** ast_sip_format_contact_ami. */
export function contactStatusDetailFields(c: Contact, endpoint: string): Pair[] {
  const out: Pair[] = [
    ['AOR', c.aor],
    ['URI', c.uri],
    ['UserAgent', c.userAgent],
    ['RegExpire', String(c.expiration)],
  ];
  if (c.viaAddr) out.push(['ViaAddress', c.viaPort ? `${c.viaAddr}:${c.viaPort}` : c.viaAddr]);
  if (c.callId) out.push(['CallID', c.callId]);
  out.push(
    ['Status', c.status],
    ['RoundtripUsec', c.status === 'Reachable' ? String(c.rtt) : 'N/A'],
    ['EndpointName', endpoint || c.endpointName],
    ['ID', c.id],
    ['AuthenticateQualify', c.authenticateQualify ? '1' : '0'],
    ['OutboundProxy', c.outboundProxy],
    ['Path', c.path],
    ['QualifyFrequency', String(c.qualifyFrequency)],
    ['QualifyTimeout', c.qualifyTimeout.toFixed(3)],
    ['Qualify2xxOnly', c.qualify2xxOnly ? '1' : '0'],
  );
  return out;
}

/** ContactList (PJSIPShowContacts): the contact's objectset, then Status and RoundtripUsec. */
export function contactListFields(c: Contact): Pair[] {
  return [
    ['ObjectType', 'contact'],
    ['ObjectName', c.id],
    ['ViaAddr', c.viaAddr],
    ['QualifyTimeout', c.qualifyTimeout.toFixed(6)],
    ['CallId', c.callId],
    ['RegServer', ''],
    ['PruneOnBoot', 'no'],
    ['Path', c.path],
    ['Endpoint', c.endpointName],
    ['ViaPort', String(c.viaPort)],
    ['AuthenticateQualify', c.authenticateQualify ? 'true' : 'false'],
    ['Uri', c.uri],
    ['QualifyFrequency', String(c.qualifyFrequency)],
    ['UserAgent', c.userAgent],
    ['ExpirationTime', String(c.expiration)],
    ['OutboundProxy', c.outboundProxy],
    ['Qualify2xxOnly', c.qualify2xxOnly ? 'true' : 'false'],
    ['Status', c.status],
    ['RoundtripUsec', c.status === 'Reachable' ? String(c.rtt) : 'N/A'],
  ];
}

export function outboundRegistrationFields(st: PjsipState, r: PjObject, now: number): Pair[] {
  const s = st.outbound.get(r.id);
  const next = s && s.nextReg > now ? s.nextReg - now : 0;
  return [...objectFields(r), ['Status', s?.status ?? 'Unregistered'], ['NextReg', String(next)]];
}

export function withEndpoint(fields: Pair[], endpoint: string): Pair[] {
  return [...fields, ['EndpointName', endpoint]];
}

// ---------------------------------------------------------------------------------------- CLI

const FILLER = '.'.repeat(90);
const LAST_TABSTOP = 62;
const MAX_WIDTH = 90;
const indentOf = (level: number): number => level * 2 + 1 + 8;
const pad = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);
/** printf %-W.Ws */
const left = (s: string, w: number, prec = w): string => {
  const t = s.slice(0, Math.max(0, prec));
  return t.length >= w ? t : t + ' '.repeat(w - t.length);
};
const title = (level: number, t: string): string => pad(t, indentOf(level));

export interface CliContext {
  out: string[];
  level: number;
  recurse: boolean;
  showDetailsLevel0: boolean;
  authDirection: string;
}

/** %11.3f of the RTT in ms, `nan` when the contact is not Reachable. */
function rttColumn(c: Contact): string {
  return pad(c.status === 'Reachable' ? (c.rtt / 1000).toFixed(3) : 'nan', 11);
}

function contactHeader(ctx: CliContext): void {
  const indent = indentOf(ctx.level);
  const filler = LAST_TABSTOP - indent - 23;
  ctx.out.push(
    `${title(ctx.level, 'Contact')}:  <Aor/ContactUri${FILLER.slice(0, filler)}> <Hash....> <Status> <RTT(ms)..>`,
  );
}

function contactBody(ctx: CliContext, c: Contact): void {
  const indent = indentOf(ctx.level);
  const flex = LAST_TABSTOP - indent - 9 - c.aor.length + 1;
  const hash = c.id.slice(c.aor.length + 2);
  ctx.out.push(
    `${title(ctx.level, 'Contact')}:  ${c.aor}/${left(c.uri, flex)} ${left(hash, 10)} ${left(SHORT_STATUS[c.status], 7)} ${rttColumn(c)}`,
  );
}

function aorHeader(ctx: CliContext): void {
  const filler = LAST_TABSTOP - indentOf(ctx.level) - 7;
  ctx.out.push(`${title(ctx.level, 'Aor')}:  <Aor${FILLER.slice(0, filler)}>  <MaxContact>`);
  if (ctx.recurse) {
    ctx.level++;
    contactHeader(ctx);
    ctx.level--;
  }
}

function aorBody(st: PjsipState, ctx: CliContext, aor: PjObject): void {
  const flex = LAST_TABSTOP - indentOf(ctx.level) - 12;
  ctx.out.push(
    `${title(ctx.level, 'Aor')}:  ${left(aor.id, flex)} ${pad(String(num(aor, 'max_contacts')), 12)}`,
  );
  if (ctx.recurse) {
    ctx.level++;
    for (const c of st.contactsOf(aor.id)) contactBody(ctx, c);
    ctx.level--;
    if (ctx.level === 0) ctx.out.push('');
  }
  details(ctx, aor);
}

function authHeader(ctx: CliContext): void {
  const filler = MAX_WIDTH - indentOf(ctx.level) - 20;
  ctx.out.push(`${title(ctx.level, 'I/OAuth')}:  <AuthId/UserName${FILLER.slice(0, filler)}>`);
}

function authBody(ctx: CliContext, a: PjObject): void {
  ctx.out.push(`${title(ctx.level, ctx.authDirection + 'Auth')}:  ${a.id}/${val(a, 'username')}`);
  details(ctx, a);
}

function transportHeader(ctx: CliContext): void {
  const filler = MAX_WIDTH - indentOf(ctx.level) - 61;
  ctx.out.push(
    `${title(ctx.level, 'Transport')}:  <TransportId........>  <Type>  <cos>  <tos>  <BindAddress${FILLER.slice(0, filler)}>`,
  );
}

/** pj_sockaddr_print(..., 3): address and port, 0.0.0.0:5060 style. */
export function bindAddress(t: PjObject): { host: string; port: number; text: string } {
  const b = val(t, 'bind') || '0.0.0.0';
  const m = /^(\[[^\]]+\]|[^:]+)(?::([0-9]+))?$/.exec(b);
  const host = m ? m[1].replace(/^\[|\]$/g, '') : b;
  const defPort = val(t, 'protocol') === 'tls' || val(t, 'protocol') === 'wss' ? 5061 : 5060;
  const port = m?.[2] ? Number(m[2]) : defPort;
  return { host, port, text: `${host.includes(':') ? `[${host}]` : host}:${port}` };
}

function transportBody(ctx: CliContext, t: PjObject): void {
  const tos = Number(val(t, 'tos')) || 0;
  ctx.out.push(
    `${title(ctx.level, 'Transport')}:  ${left(t.id, 21, 1e9)}  ${pad(val(t, 'protocol'), 6)}  ${pad(val(t, 'cos'), 5)}  ${pad(String(tos), 5)}  ${bindAddress(t).text}`,
  );
  details(ctx, t);
}

function identifyHeader(ctx: CliContext): void {
  const filler = MAX_WIDTH - indentOf(ctx.level) - 22;
  ctx.out.push(`${title(ctx.level, 'Identify')}:  <Identify/Endpoint${FILLER.slice(0, filler)}>`);
  if (ctx.recurse) {
    const f2 = LAST_TABSTOP - indentOf(ctx.level + 1) - 24;
    ctx.out.push(`${title(ctx.level + 1, 'Match')}:  <criteria${FILLER.slice(0, f2)}>`);
  }
}

function identifyBody(ctx: CliContext, i: PjObject): void {
  ctx.out.push(`${title(ctx.level, 'Identify')}:  ${i.id}/${val(i, 'endpoint')}`);
  if (ctx.recurse) {
    ctx.level++;
    for (const m of i.matches) ctx.out.push(`${title(ctx.level, 'Match')}: ${formatMatch(m, true)}`);
    if (val(i, 'match_header')) ctx.out.push(`${title(ctx.level, 'Header')}: ${val(i, 'match_header')}`);
    if (val(i, 'match_request_uri'))
      ctx.out.push(`${title(ctx.level, 'RequestURI')}: ${val(i, 'match_request_uri')}`);
    ctx.level--;
    if (ctx.level === 0) ctx.out.push('');
  }
  details(ctx, i);
}

function channelHeader(ctx: CliContext): void {
  ctx.out.push(
    `${title(ctx.level, 'Channel')}:  <ChannelId......................................>  <State.....>  <Time.....>`,
  );
  ctx.out.push(
    `${title(ctx.level + 1, 'Exten')}: <DialedExten...........>  CLCID: <ConnectedLineCID.......>`,
  );
}

function endpointHeader(ctx: CliContext): void {
  ctx.out.push(' Endpoint:  <Endpoint/CID.....................................>  <State.....>  <Channels.>');
  if (ctx.recurse) {
    ctx.level++;
    authHeader(ctx);
    aorHeader(ctx);
    transportHeader(ctx);
    identifyHeader(ctx);
    channelHeader(ctx);
    ctx.level--;
  }
}

/** caller id number of the endpoint's `callerid`, for the `id/number` column. */
function callerNumber(ep: PjObject): string {
  const m = /<([^>]*)>$/.exec(val(ep, 'callerid'));
  return m && m[1] !== 'unknown' ? m[1] : '';
}

function endpointBody(st: PjsipState, ctx: CliContext, ep: PjObject): void {
  const flex = LAST_TABSTOP - indentOf(ctx.level) - 2;
  const n = callerNumber(ep);
  const name = n ? `${ep.id}/${n}` : ep.id;
  const busyAt = num(ep, 'device_state_busy_at');
  ctx.out.push(
    `${title(ctx.level, 'Endpoint')}:  ${left(name, flex)}  ${left(st.deviceState(ep), 12)}  0 of ${busyAt ? busyAt : 'inf'}`,
  );
  if (ctx.recurse) {
    ctx.level++;
    ctx.authDirection = 'Out';
    for (const a of st.authsOf(ep, 'outbound_auth')) authBody(ctx, a);
    ctx.authDirection = 'In';
    for (const a of st.authsOf(ep, 'auth')) authBody(ctx, a);
    ctx.authDirection = '';
    for (const a of st.aorsOf(ep)) aorBody(st, ctx, a);
    const t = st.find('transport', val(ep, 'transport'));
    if (t) transportBody(ctx, t);
    for (const i of st.identifiesOf(ep)) identifyBody(ctx, i);
    ctx.level--;
    if (ctx.level === 0) ctx.out.push('');
  }
  details(ctx, ep);
}

/** ast_sip_cli_print_sorcery_objectset: name/value table, names sorted. */
function details(ctx: CliContext, o: PjObject): void {
  if (!(ctx.showDetailsLevel0 && ctx.level === 0)) return;
  const def = TYPES.get(o.type);
  const rows = (def?.fields ?? []).map((f) => [f.name, o.values.get(f.name) ?? f.def] as const);
  let nw = 13;
  let vw = 14;
  for (const [n, v] of rows) {
    nw = Math.max(nw, n.length);
    vw = Math.max(vw, v.length);
  }
  ctx.out.push('');
  ctx.out.push(` ${left('ParameterName', nw, 1e9)} : ParameterValue`);
  ctx.out.push(' ' + '='.repeat(nw + vw + 3));
  const sorted = [...rows].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [n, v] of sorted) ctx.out.push(` ${left(n, nw, 1e9)} : ${v}`);
}

function registrationHeader(ctx: CliContext): void {
  ctx.out.push(
    ' <Registration/ServerURI..............................>  <Auth....................>  <Status.......>',
  );
}

function registrationBody(st: PjsipState, ctx: CliContext, r: PjObject, now: number): void {
  const s = st.outbound.get(r.id);
  const w = Math.max(0, 53 - r.id.length);
  const auth = val(r, 'outbound_auth').split(',')[0] || 'n/a';
  const exp = s ? s.expires - now : 0;
  const tail = s ? ` (exp. ${Math.abs(exp)}${exp < 0 ? 's ago)' : 's)'}` : '';
  ctx.out.push(
    ` ${r.id}/${left(val(r, 'server_uri'), w)}  ${left(auth, 26, 1e9)}  ${left(s?.status ?? 'Unregistered', 16, 1e9)} ${tail}`,
  );
  details(ctx, r);
}

export type CliObjectKind =
  'endpoint' | 'aor' | 'auth' | 'contact' | 'transport' | 'identify' | 'registration';

/**
 * ast_sip_cli_traverse_objects for `pjsip show|list <kind>s` and `pjsip show <kind> <id>`: the
 * header, the `====` rule, each object, `Objects found: N` (or the one object with its details).
 */
export function cliTraverse(
  st: PjsipState,
  kind: CliObjectKind,
  show: boolean,
  container: boolean,
  id: string | undefined,
  now: number,
  /** `like <regex>` of the list commands: ids it matches (contacts: their aor). */
  like?: Pattern,
): { lines: string[]; failed?: boolean } {
  const ctx: CliContext = {
    out: [''],
    level: 0,
    recurse: show,
    showDetailsLevel0: show && !container,
    authDirection: '',
  };
  const header: Record<CliObjectKind, () => void> = {
    endpoint: () => endpointHeader(ctx),
    aor: () => aorHeader(ctx),
    auth: () => authHeader(ctx),
    contact: () => contactHeader(ctx),
    transport: () => transportHeader(ctx),
    identify: () => identifyHeader(ctx),
    registration: () => registrationHeader(ctx),
  };
  const objs = (): Array<PjObject | Contact> =>
    kind === 'contact'
      ? [...st.allContacts()]
          .filter((c) => !like || like.testHead(c.aor))
          .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      : st.sorted(kind).filter((o) => !like || like.testHead(o.id));
  const body = (o: PjObject | Contact): void => {
    if (kind === 'contact') return contactBody(ctx, o as Contact);
    const p = o as PjObject;
    if (kind === 'endpoint') endpointBody(st, ctx, p);
    else if (kind === 'aor') aorBody(st, ctx, p);
    else if (kind === 'auth') authBody(ctx, p);
    else if (kind === 'transport') transportBody(ctx, p);
    else if (kind === 'identify') identifyBody(ctx, p);
    else registrationBody(st, ctx, p, now);
  };
  header[kind]();
  ctx.out.push(
    '==========================================================================================',
    '',
  );
  if (container) {
    const list = objs();
    if (!list.length) return { lines: ['No objects found.', ''] };
    for (const o of list) body(o);
    ctx.out.push('', `Objects found: ${list.length}`);
  } else {
    if (!id) return { lines: ['No object specified.'], failed: true };
    const o = kind === 'contact' ? st.allContacts().find((c) => c.id === id) : st.find(kind, id);
    if (!o) return { lines: [`Unable to find object ${id}.`, ''] };
    body(o);
  }
  ctx.out.push('');
  return { lines: ctx.out };
}

export type { Pairs };

/**
 * sip.conf as chan_sip reads it (reload_config, build_peer, set_peer_defaults, sip_parse_register_line):
 * [general] defaults, peers/friends/users with their common options (templates already merged by the
 * parser), and `register =>` lines. Only what amikit uses or shows is kept; unknown keys are ignored
 * as chan_sip ignores keys it does not know.
 */
import { astFalse, astTrue } from '../../config/cstr.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile, parseConfText } from '../../config/conf-parser.js';
import { Acl, parseHa } from '../../config/acl.js';
import { formatWarning, type AclRule, type ConfDocument, type ConfEntry } from '../../config/types.js';
import { AUTHFAIL_DEFAULTS, type AuthFailLimitSettings, readAuthFailOption } from '../../config/authfail.js';

export const STANDARD_SIP_PORT = 5060;
export const DEFAULT_MAXMS = 2000;
export const DEFAULT_QUALIFYFREQ = 60_000;
export const DEFAULT_FREQ_NOTOK = 10_000;
export const DEFAULT_EXPIRY = 120;
export const DEFAULT_MIN_EXPIRY = 60;
export const DEFAULT_MAX_EXPIRY = 3600;
export const DEFAULT_REGISTRATION_TIMEOUT = 20;
export const DEFAULT_REALM = 'asterisk';

/** Codecs chan_sip knows by name, for allow/disallow (sip_set_default_format_capabilities gives the default). */
const KNOWN_CODECS = [
  'ulaw',
  'alaw',
  'gsm',
  'g726',
  'g726aal2',
  'adpcm',
  'slin',
  'lpc10',
  'g729',
  'speex',
  'speex16',
  'ilbc',
  'g722',
  'siren7',
  'siren14',
  'testlaw',
  'g719',
  'opus',
  'h261',
  'h263',
  'h263p',
  'h264',
  'mpeg4',
  'vp8',
  'vp9',
  'red',
  't140',
  'jpeg',
  'png',
];
const DEFAULT_CODECS = ['ulaw', 'alaw', 'gsm', 'h263'];

export interface SipGeneral {
  bindHost: string;
  /** Whether sip.conf names the address (bindaddr/udpbindaddr); `amikit serve` takes loopback if not. */
  bindHostGiven: boolean;
  bindPort: number;
  context: string;
  realm: string;
  useragent: string;
  /** maxms given to `qualify = yes` peers (and every peer when not 0). */
  defaultQualify: number;
  qualifyFreq: number;
  minExpiry: number;
  maxExpiry: number;
  defaultExpiry: number;
  registerTimeout: number;
  /** 0 = retry forever. */
  registerAttempts: number;
  alwaysAuthReject: boolean;
  authFailureEvents: boolean;
  /** amikit's failed-authentication limit per source address (authfaillimit=0: off). */
  authFail: AuthFailLimitSettings;
  language: string;
  codecs: string[];
  flags: PeerFlags;
}

/** The NAT/media/DTMF flags chan_sip copies from [general] to each peer (SIP_FLAGS_TO_COPY). */
export interface PeerFlags {
  forceRport: boolean;
  autoRport: boolean;
  comedia: boolean;
  autoComedia: boolean;
  dtmfmode: string;
  directMedia: boolean;
  insecurePort: boolean;
  insecureInvite: boolean;
  videoSupport: boolean;
  textSupport: boolean;
  promiscRedir: boolean;
  userPhone: boolean;
  t38: boolean;
}

export interface PeerConfig {
  name: string;
  isPeer: boolean;
  isUser: boolean;
  hostDynamic: boolean;
  /** Static host (address) or '' for dynamic peers. */
  host: string;
  /** Configured port (0 = default 5060). */
  port: number;
  secret: string;
  md5secret: string;
  remotesecret: string;
  defaultuser: string;
  context: string;
  subscribecontext: string;
  language: string;
  cidName: string;
  cidNum: string;
  /** maxms: 0 = not qualified. */
  maxms: number;
  qualifyFreq: number;
  flags: PeerFlags;
  callLimit: number;
  busyLevel: number;
  mailboxes: string[];
  accountcode: string;
  acl: Acl | null;
  aclRules: AclRule[];
  description: string;
  codecs: string[];
  maxcallbitrate: number;
  mohsuggest: string;
  parkinglot: string;
  tohost: string;
  fromuser: string;
  fromdomain: string;
  transferMode: 'open' | 'closed';
  amaflags: string;
  maxforwards: number;
  vmexten: string;
  chanvars: Array<[string, string]>;
  file: string;
  line: number;
}

export interface RegistryConfig {
  /** The line as written (after `register =>`). */
  line: string;
  peername: string;
  transport: 'udp' | 'tcp' | 'tls';
  username: string;
  regdomain: string;
  secret: string;
  authuser: string;
  hostname: string;
  portno: number;
  regdomainport: number;
  callback: string;
  expiry: number;
}

export interface SipConfig {
  general: SipGeneral;
  peers: PeerConfig[];
  registrations: RegistryConfig[];
  warnings: string[];
}

function defaultFlags(): PeerFlags {
  return {
    forceRport: false,
    autoRport: true,
    comedia: false,
    autoComedia: false,
    dtmfmode: 'rfc2833',
    directMedia: true,
    insecurePort: false,
    insecureInvite: false,
    videoSupport: false,
    textSupport: false,
    promiscRedir: false,
    userPhone: false,
    t38: false,
  };
}

function defaultGeneral(useragent: string): SipGeneral {
  return {
    bindHost: '0.0.0.0',
    bindHostGiven: false,
    bindPort: STANDARD_SIP_PORT,
    context: 'default',
    realm: DEFAULT_REALM,
    useragent,
    defaultQualify: 0,
    qualifyFreq: DEFAULT_QUALIFYFREQ,
    minExpiry: DEFAULT_MIN_EXPIRY,
    maxExpiry: DEFAULT_MAX_EXPIRY,
    defaultExpiry: DEFAULT_EXPIRY,
    registerTimeout: DEFAULT_REGISTRATION_TIMEOUT,
    registerAttempts: 0,
    alwaysAuthReject: true,
    authFailureEvents: false,
    authFail: { ...AUTHFAIL_DEFAULTS },
    language: '',
    codecs: [...DEFAULT_CODECS],
    flags: defaultFlags(),
  };
}

/** sscanf("%d"): leading integer or undefined. */
function scanInt(v: string): number | undefined {
  const m = /^\s*([+-]?\d+)/.exec(v);
  return m ? Number(m[1]) : undefined;
}

/** ast_format_cap_update_by_allow_disallow on a list of codec names. */
export function updateCodecs(
  list: string[],
  value: string,
  allow: boolean,
  warn: (m: string) => void,
): string[] {
  let out = [...list];
  for (const raw of value.split(/[,|&]/)) {
    const name = raw.trim().toLowerCase().split(':')[0];
    if (!name) continue;
    if (name === 'all') {
      out = allow ? [...KNOWN_CODECS] : [];
      continue;
    }
    if (!KNOWN_CODECS.includes(name)) {
      warn(`Cannot ${allow ? 'allow' : 'disallow'} unknown format '${name}'`);
      continue;
    }
    out = out.filter((c) => c !== name);
    if (allow) out.push(name);
  }
  return out;
}

/** Options shared by [general] and peers (handle_common_options). Returns true when handled. */
function commonOption(flags: PeerFlags, key: string, value: string, warn: (m: string) => void): boolean {
  switch (key) {
    case 'nat': {
      flags.forceRport = false;
      flags.comedia = false;
      flags.autoRport = false;
      flags.autoComedia = false;
      for (const word of value.split(',')) {
        const w = word.trim().toLowerCase();
        if (astFalse(w)) break;
        if (w === 'yes') {
          flags.forceRport = true;
          flags.comedia = true;
          break;
        }
        if (w === 'force_rport' && !flags.autoRport) flags.forceRport = true;
        else if (w === 'comedia' && !flags.autoComedia) flags.comedia = true;
        else if (w === 'auto_force_rport') {
          flags.autoRport = true;
          flags.forceRport = false;
        } else if (w === 'auto_comedia') {
          flags.autoComedia = true;
          flags.comedia = false;
        }
      }
      return true;
    }
    case 'dtmfmode': {
      const v = value.trim().toLowerCase();
      if (['inband', 'rfc2833', 'info', 'shortinfo', 'auto'].includes(v)) flags.dtmfmode = v;
      else {
        warn(`Unknown dtmf mode '${value}', using rfc2833`);
        flags.dtmfmode = 'rfc2833';
      }
      return true;
    }
    case 'directmedia':
    case 'canreinvite':
      if (astTrue(value)) flags.directMedia = true;
      else if (astFalse(value)) flags.directMedia = false;
      else {
        flags.directMedia = false;
        for (const w of value.split(',')) {
          if (['update', 'nonat', 'outgoing'].includes(w.trim().toLowerCase())) flags.directMedia = true;
          else warn(`Unknown directmedia mode '${value}'`);
        }
      }
      return true;
    case 'insecure':
      flags.insecurePort = false;
      flags.insecureInvite = false;
      if (value.trim() && !astFalse(value)) {
        for (const w of value.split(',')) {
          const t = w.trim().toLowerCase();
          if (t === 'port') flags.insecurePort = true;
          else if (t === 'invite') flags.insecureInvite = true;
          else warn(`Unknown insecure mode '${value}'`);
        }
      }
      return true;
    case 'videosupport':
      flags.videoSupport = astTrue(value) || value.trim().toLowerCase() === 'always';
      return true;
    case 'textsupport':
      flags.textSupport = astTrue(value);
      return true;
    case 'promiscredir':
      flags.promiscRedir = astTrue(value);
      return true;
    case 't38pt_udptl':
      flags.t38 = astTrue(value.split(',')[0]);
      return true;
    default:
      return false;
  }
}

/** Parses `register => [peer?][transport://]user[@domain][:secret[:authuser]]@host[:port][/extension][~expiry]`. */
export function parseRegisterLine(value: string, defaultExpiry: number): RegistryConfig | string {
  const format =
    'Format for registration is [peer?][transport://]user[@domain][:secret[:authuser]]@host[:port][/extension][~expiry]';
  const buf = value.trim();
  const at = buf.lastIndexOf('@');
  if (at < 0) return format;
  const userpart0 = buf.slice(0, at);
  const hostpart = buf.slice(at + 1);
  if (!userpart0 || !hostpart) return format;
  // peer?
  let peername = '';
  let userpart = userpart0;
  const qm = userpart0.indexOf('?');
  if (qm >= 0) {
    peername = userpart0.slice(0, qm);
    userpart = userpart0.slice(qm + 1);
    if (!userpart) {
      userpart = peername;
      peername = '';
    }
  }
  // transport://
  let transport: RegistryConfig['transport'] = 'udp';
  const slash = userpart.indexOf('/');
  if (slash >= 0) {
    const t = userpart.slice(0, slash);
    const rest = userpart.slice(slash + 1);
    if (!rest.startsWith('/')) return format;
    userpart = rest.slice(1);
    const tl = t.replace(/:$/, '').toLowerCase();
    if (tl.startsWith('tcp')) transport = 'tcp';
    else if (tl.startsWith('tls')) transport = 'tls';
    else transport = 'udp';
  }
  // user[@domain][:secret[:authuser]]
  const userFields = userpart.split(':');
  const userDomain = userFields[0];
  let secret = userFields[1] ?? '';
  let authuser = userFields[2] ?? '';
  let domainport = '';
  if (userFields.length >= 4) {
    // [(:secret[:username])|(:regdomainport:secret:username)]
    domainport = userFields[1];
    secret = userFields[2];
    authuser = userFields[3];
  }
  const tilde = hostpart.indexOf('~');
  const hostExt = tilde < 0 ? hostpart : hostpart.slice(0, tilde);
  const expiryText = tilde < 0 ? undefined : hostpart.slice(tilde + 1);
  const hs = hostExt.indexOf('/');
  const hostPort = hs < 0 ? hostExt : hostExt.slice(0, hs);
  const extension = hs < 0 ? '' : hostExt.slice(hs + 1);
  const hc = hostPort.indexOf(':');
  const host = hc < 0 ? hostPort : hostPort.slice(0, hc);
  const portText = hc < 0 ? '' : hostPort.slice(hc + 1);
  let portno = portText ? (scanInt(portText) ?? 0) : 0;
  if (portno < 0 || portno > 65535) portno = 0;
  if (!portno) portno = transport === 'tls' ? 5061 : STANDARD_SIP_PORT;
  const ud = userDomain.indexOf('@');
  const strip = (s: string): string => s.replace(/^"(.*)"$/, '$1');
  const expiry = expiryText !== undefined ? (scanInt(strip(expiryText)) ?? 0) : defaultExpiry;
  return {
    line: value,
    peername: strip(peername),
    transport,
    username: strip(ud < 0 ? userDomain : userDomain.slice(0, ud)),
    regdomain: strip(ud < 0 ? '' : userDomain.slice(ud + 1)),
    secret: strip(secret),
    authuser: strip(authuser),
    hostname: strip(host),
    portno,
    regdomainport: domainport ? (scanInt(domainport) ?? 0) : 0,
    callback: strip(extension || 's'),
    expiry,
  };
}

/** ast_callerid_split: `"Name" <num>`, `Name <num>`, or a bare number/name. */
export function splitCallerId(v: string): { name: string; num: string } {
  const s = v.trim();
  const lt = s.lastIndexOf('<');
  const gt = s.lastIndexOf('>');
  if (lt >= 0 && gt > lt) {
    let name = s.slice(0, lt).trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2)
      name = name.slice(1, -1).replace(/\\(.)/g, '$1');
    return { name, num: s.slice(lt + 1, gt).trim() };
  }
  if (/^[0-9*#+()\-. ]+$/.test(s)) return { name: '', num: s.replace(/[ ()\-.]/g, '') };
  return { name: s.replace(/^"(.*)"$/, '$1'), num: '' };
}

function buildPeer(
  name: string,
  entries: ConfEntry[],
  g: SipGeneral,
  warn: (m: string) => void,
  file: string,
  line: number,
): PeerConfig | undefined {
  const peer: PeerConfig = {
    name,
    isPeer: true,
    isUser: false,
    hostDynamic: false,
    host: '',
    port: 0,
    secret: '',
    md5secret: '',
    remotesecret: '',
    defaultuser: '',
    context: g.context,
    subscribecontext: '',
    language: g.language,
    cidName: '',
    cidNum: '',
    maxms: g.defaultQualify,
    qualifyFreq: g.qualifyFreq,
    flags: { ...g.flags },
    callLimit: 0,
    busyLevel: 0,
    mailboxes: [],
    accountcode: '',
    acl: null,
    aclRules: [],
    description: '',
    codecs: [...g.codecs],
    maxcallbitrate: 384,
    mohsuggest: '',
    parkinglot: '',
    tohost: '',
    fromuser: '',
    fromdomain: '',
    transferMode: 'open',
    amaflags: 'Unknown',
    maxforwards: 0,
    vmexten: 'asterisk',
    chanvars: [],
    file,
    line,
  };
  let typeSeen = false;
  let hostSeen = false;
  for (const e of entries) {
    const k = e.key.toLowerCase();
    const v = e.value;
    const w = (m: string): void => warn(`${e.file}:${e.line}: ${m}`);
    if (commonOption(peer.flags, k, v, w)) continue;
    switch (k) {
      case 'type': {
        const t = v.trim().toLowerCase();
        if (!typeSeen) {
          peer.isPeer = false;
          peer.isUser = false;
          typeSeen = true;
        }
        if (t === 'peer') peer.isPeer = true;
        else if (t === 'user') peer.isUser = true;
        else if (t === 'friend') {
          peer.isPeer = true;
          peer.isUser = true;
        }
        break;
      }
      case 'secret':
        peer.secret = v;
        break;
      case 'md5secret':
        peer.md5secret = v;
        break;
      case 'remotesecret':
        peer.remotesecret = v;
        break;
      case 'description':
        peer.description = v;
        break;
      case 'callerid': {
        const c = splitCallerId(v);
        peer.cidName = c.name;
        peer.cidNum = c.num;
        break;
      }
      case 'fullname':
        peer.cidName = v;
        break;
      case 'cid_number':
        peer.cidNum = v;
        break;
      case 'context':
        peer.context = v;
        break;
      case 'subscribecontext':
        peer.subscribecontext = v;
        break;
      case 'host':
        hostSeen = true;
        if (v.trim().toLowerCase() === 'dynamic') {
          peer.hostDynamic = true;
          peer.host = '';
        } else {
          peer.hostDynamic = false;
          peer.host = v.trim();
        }
        break;
      case 'port': {
        const p = scanInt(v);
        if (p === undefined || p < 1 || p > 65535) w(`Invalid peer port configuration: ${v}`);
        else peer.port = p;
        break;
      }
      case 'username':
      case 'defaultuser':
        peer.defaultuser = v;
        break;
      case 'language':
        peer.language = v;
        break;
      case 'accountcode':
        peer.accountcode = v;
        break;
      case 'mailbox':
        peer.mailboxes = v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        break;
      case 'qualify':
        if (v.trim().toLowerCase() === 'no') peer.maxms = 0;
        else if (v.trim().toLowerCase() === 'yes') peer.maxms = g.defaultQualify || DEFAULT_MAXMS;
        else {
          const n = scanInt(v);
          if (n === undefined) {
            w(`Qualification of peer '${name}' should be 'yes', 'no', or a number of milliseconds`);
            peer.maxms = 0;
          } else peer.maxms = n;
        }
        break;
      case 'qualifyfreq': {
        const n = scanInt(v);
        if (n === undefined) {
          w(`Invalid qualifyfreq number '${v}'`);
          peer.qualifyFreq = g.qualifyFreq;
        } else peer.qualifyFreq = n * 1000;
        break;
      }
      case 'call-limit':
        peer.callLimit = Math.max(0, scanInt(v) ?? 0);
        break;
      case 'callcounter':
        peer.callLimit = astTrue(v) ? 2147483647 : 0;
        break;
      case 'busylevel':
        peer.busyLevel = Math.max(0, scanInt(v) ?? 0);
        break;
      case 'permit':
      case 'deny': {
        if (!v.trim()) break;
        const r = parseHa(k, v);
        if (r.error) {
          warn(`${e.file}:${e.line}: Bad ACL entry in configuration line ${e.line} : ${v}. Deleting peer`);
          return undefined;
        }
        peer.aclRules.push(...r.rules);
        break;
      }
      case 'allow':
        peer.codecs = updateCodecs(peer.codecs, v, true, w);
        break;
      case 'disallow':
        peer.codecs = updateCodecs(peer.codecs, v, false, w);
        break;
      case 'maxcallbitrate': {
        const n = scanInt(v) ?? 0;
        peer.maxcallbitrate = n < 0 ? 384 : n;
        break;
      }
      case 'mohsuggest':
        peer.mohsuggest = v;
        break;
      case 'parkinglot':
        peer.parkinglot = v;
        break;
      case 'fromuser':
        peer.fromuser = v;
        break;
      case 'fromdomain':
        peer.fromdomain = v;
        break;
      case 'allowtransfer':
        peer.transferMode = astTrue(v) ? 'open' : 'closed';
        break;
      case 'amaflags': {
        const a = v.trim().toLowerCase();
        const map: Record<string, string> = {
          default: 'DOCUMENTATION',
          omit: 'OMIT',
          billing: 'BILLING',
          documentation: 'DOCUMENTATION',
        };
        if (map[a]) peer.amaflags = map[a];
        else w(`Invalid AMA Flags for peer: ${v}`);
        break;
      }
      case 'maxforwards': {
        const n = scanInt(v);
        peer.maxforwards = n !== undefined && n >= 1 && n <= 255 ? n : 70;
        break;
      }
      case 'vmexten':
        peer.vmexten = v;
        break;
      case 'setvar': {
        const eq = v.indexOf('=');
        if (eq > 0) peer.chanvars.push([v.slice(0, eq).trim(), v.slice(eq + 1).trim()]);
        break;
      }
      default:
        break;
    }
  }
  if (!typeSeen) {
    warn(`${file}:${line}: Section '${name}' lacks type`);
    return undefined;
  }
  if (!hostSeen && peer.isPeer) {
    // chan_sip refuses a peer without host= ("no host specified").
    warn(`${file}:${line}: Peer '${name}' has no host; treating it as dynamic`);
    peer.hostDynamic = true;
  }
  if (peer.aclRules.length) peer.acl = new Acl(peer.aclRules);
  if (peer.host && !peer.hostDynamic) peer.tohost = peer.host;
  return peer;
}

/** `useragent`: the release's default User-Agent (`Asterisk PBX <version>`, from its profile). */
export function parseSipConf(doc: ConfDocument, useragent: string): SipConfig {
  const warnings: string[] = [...doc.warnings.map((w) => formatWarning(w))];
  const warn = (m: string): void => void warnings.push(m);
  const g = defaultGeneral(useragent);
  const registerLines: ConfEntry[] = [];
  const general = doc.sections.find((s) => s.name.toLowerCase() === 'general');
  for (const e of general?.entries ?? []) {
    const k = e.key.toLowerCase();
    const v = e.value;
    const w = (m: string): void => warn(`${e.file}:${e.line}: ${m}`);
    if (commonOption(g.flags, k, v, w)) continue;
    if (readAuthFailOption(g.authFail, k, v, w)) continue;
    switch (k) {
      case 'context':
        g.context = v;
        break;
      case 'realm':
        g.realm = v || DEFAULT_REALM;
        break;
      case 'useragent':
        g.useragent = v;
        break;
      case 'language':
        g.language = v;
        break;
      case 'bindaddr':
      case 'udpbindaddr': {
        const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(v.trim()) ?? /^([^:]+)(?::(\d+))?$/.exec(v.trim());
        if (!m) {
          w(`Invalid address: ${v}`);
          break;
        }
        g.bindHost = m[1];
        g.bindHostGiven = true;
        if (m[2]) g.bindPort = Number(m[2]);
        break;
      }
      case 'bindport': {
        const n = scanInt(v);
        if (n === undefined || n < 0 || n > 65535) w(`Invalid port number '${v}'`);
        else g.bindPort = n;
        break;
      }
      case 'qualify':
        if (v.trim().toLowerCase() === 'no') g.defaultQualify = 0;
        else if (v.trim().toLowerCase() === 'yes') g.defaultQualify = DEFAULT_MAXMS;
        else g.defaultQualify = scanInt(v) ?? 0;
        break;
      case 'qualifyfreq': {
        const n = scanInt(v);
        g.qualifyFreq = n === undefined ? DEFAULT_QUALIFYFREQ : n * 1000;
        break;
      }
      case 'minexpiry':
      case 'minexpirey': {
        const n = scanInt(v);
        if (n !== undefined && n > 0) g.minExpiry = n;
        break;
      }
      case 'maxexpiry':
      case 'maxexpirey': {
        const n = scanInt(v);
        if (n !== undefined && n > 0) g.maxExpiry = n;
        break;
      }
      case 'defaultexpiry':
      case 'defaultexpirey': {
        const n = scanInt(v);
        if (n !== undefined && n > 0) g.defaultExpiry = n;
        break;
      }
      case 'registertimeout': {
        const n = scanInt(v);
        g.registerTimeout = n !== undefined && n >= 1 ? n : DEFAULT_REGISTRATION_TIMEOUT;
        break;
      }
      case 'registerattempts':
        g.registerAttempts = Math.max(0, scanInt(v) ?? 0);
        break;
      case 'alwaysauthreject':
        g.alwaysAuthReject = astTrue(v);
        break;
      case 'authfailureevents':
        g.authFailureEvents = astTrue(v);
        break;
      case 'allow':
        g.codecs = updateCodecs(g.codecs, v, true, w);
        break;
      case 'disallow':
        g.codecs = updateCodecs(g.codecs, v, false, w);
        break;
      case 'register':
        registerLines.push(e);
        break;
      default:
        break;
    }
  }
  const registrations: RegistryConfig[] = [];
  for (const e of registerLines) {
    const r = parseRegisterLine(e.value, g.defaultExpiry);
    if (typeof r === 'string') warn(`${e.file}:${e.line}: ${r}`);
    else registrations.push(r);
  }
  const peers: PeerConfig[] = [];
  const seen = new Set<string>();
  for (const s of doc.sections) {
    const n = s.name.toLowerCase();
    if (n === 'general' || n === 'authentication') continue;
    const p = buildPeer(s.name, s.entries, g, warn, s.file, s.line);
    if (!p) continue;
    if (seen.has(n)) {
      // A later section of the same name replaces the earlier peer (find-or-create in build_peer).
      const i = peers.findIndex((x) => x.name.toLowerCase() === n);
      peers[i] = p;
      continue;
    }
    seen.add(n);
    peers.push(p);
  }
  return { general: g, peers, registrations, warnings };
}

/** Loads `<configDir>/sip.conf`; a missing file gives an empty configuration. */
export function loadSipConf(configDir: string, useragent: string): SipConfig {
  const path = join(configDir, 'sip.conf');
  const doc = existsSync(path) ? parseConfFile(path, { baseDir: configDir }) : parseConfText('', path);
  return parseSipConf(doc, useragent);
}

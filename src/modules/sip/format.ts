/**
 * chan_sip's texts: the SIPshowpeer field list (_sip_show_peer, manager form), the CLI forms of
 * `sip show peers`, `sip show peer`, `sip show registry`, and the PeerEntry / PeerStatus bodies.
 */
import type { Peer, Registry, SipCore } from './core.js';
import { peerStatusText, regStateText } from './core.js';
import { STANDARD_SIP_PORT } from './config.js';
import { PatternError, tryCompilePattern, type Pattern } from '../../pattern/index.js';

type Pairs = Array<[string, string]>;

function yn(b: boolean): string {
  return b ? 'Y' : 'N';
}
function yesNo(b: boolean): string {
  return b ? 'Yes' : 'No';
}

/** `%-Ns` with `%-N.Ns` truncation when `trunc`. */
function pad(s: string, n: number, trunc = true): string {
  const t = trunc ? s.slice(0, n) : s;
  return t.length >= n ? t : t + ' '.repeat(n - t.length);
}

function codecs(p: Peer): string {
  return p.cfg.codecs.length ? `(${p.cfg.codecs.join('|')})` : '(nothing)';
}

function callerid(p: Peer, unknown: string): string {
  // Name and number are always set (maybe empty) strings in chan_sip, so the merged form is used.
  const name = p.cfg.cidName.replace(/(["\\])/g, '\\$1');
  void unknown;
  return `"${name}" <${p.cfg.cidNum}>`;
}

function insecure(p: Peer): string {
  const f = p.cfg.flags;
  if (f.insecurePort && f.insecureInvite) return 'port,invite';
  if (f.insecurePort) return 'port';
  if (f.insecureInvite) return 'invite';
  return 'no';
}

function natFlag(auto: boolean, on: boolean): string {
  return auto ? (on ? 'A' : 'a') : on ? 'Y' : 'N';
}

function natCli(auto: boolean, on: boolean): string {
  return auto ? (on ? 'Auto (Yes)' : 'Auto (No)') : yesNo(on);
}

function addrIp(p: Peer): string {
  return p.addr ? p.addr.host : '(null)';
}

/** The manager body of SIPshowpeer, after `Response: Success` and ActionID. */
export function showPeerFields(core: SipCore, p: Peer): Pairs {
  const c = p.cfg;
  const f = c.flags;
  const out: Pairs = [
    ['Channeltype', 'SIP'],
    ['ObjectName', c.name],
    ['ChanObjectType', 'peer'],
    ['SecretExist', yn(!!c.secret)],
    ['RemoteSecretExist', yn(!!c.remotesecret)],
    ['MD5SecretExist', yn(!!c.md5secret)],
    ['Context', c.context],
  ];
  if (c.subscribecontext) out.push(['SubscribeContext', c.subscribecontext]);
  out.push(['Language', c.language], ['ToneZone', '<Not set>']);
  if (c.accountcode) out.push(['Accountcode', c.accountcode]);
  out.push(['AMAflags', c.amaflags], ['CID-CallingPres', 'Presentation Allowed, Not Screened']);
  if (c.fromuser) out.push(['SIP-FromUser', c.fromuser]);
  if (c.fromdomain) {
    const [d, port] = c.fromdomain.split(':');
    out.push(['SIP-FromDomain', d], ['Sip-FromDomain-Port', port || String(STANDARD_SIP_PORT)]);
  }
  out.push(
    ['Callgroup', ''],
    ['Pickupgroup', ''],
    ['Named Callgroup', ''],
    ['Named Pickupgroup', ''],
    ['MOHSuggest', c.mohsuggest],
    ['VoiceMailbox', c.mailboxes.join(',')],
    ['TransferMode', c.transferMode],
    ['LastMsgsSent', '0'],
    ['Maxforwards', String(c.maxforwards)],
    ['Call-limit', String(c.callLimit)],
    ['Busy-level', String(c.busyLevel)],
    ['MaxCallBR', `${c.maxcallbitrate} kbps`],
    ['Dynamic', yn(c.hostDynamic)],
    ['Callerid', callerid(p, '')],
    ['RegExpire', `${core.regExpireIn(p)} seconds`],
    ['SIP-AuthInsecure', insecure(p)],
    ['SIP-Forcerport', natFlag(f.autoRport, f.forceRport)],
    ['SIP-Comedia', natFlag(f.autoComedia, f.comedia)],
    ['ACL', yn(!!c.acl)],
    ['SIP-CanReinvite', yn(f.directMedia)],
    ['SIP-DirectMedia', yn(f.directMedia)],
    ['SIP-PromiscRedir', yn(f.promiscRedir)],
    ['SIP-UserPhone', yn(f.userPhone)],
    ['SIP-VideoSupport', yn(f.videoSupport)],
    ['SIP-TextSupport', yn(f.textSupport)],
    ['SIP-T.38Support', yn(f.t38)],
    ['SIP-T.38EC', f.t38 ? 'FEC' : 'Unknown'],
    ['SIP-T.38MaxDtgrm', '4294967295'],
    ['SIP-Sess-Timers', 'Accept'],
    ['SIP-Sess-Refresh', 'uas'],
    ['SIP-Sess-Expires', '1800'],
    ['SIP-Sess-Min', '90'],
    ['SIP-RTP-Engine', 'asterisk'],
    ['SIP-Encryption', 'N'],
    ['SIP-RTCP-Mux', 'N'],
    ['SIP-DTMFmode', f.dtmfmode],
    ['ToHost', c.tohost],
    ['Address-IP', addrIp(p)],
    ['Address-Port', String(p.addr ? p.addr.port : 0)],
    ['Default-addr-IP', '(null)'],
    ['Default-addr-port', '0'],
    ['Default-Username', c.defaultuser],
    ['Codecs', codecs(p)],
    ['Status', peerStatusText(p).text],
    ['SIP-Useragent', p.useragent],
    ['Reg-Contact', p.fullcontact],
    ['QualifyFreq', `${c.qualifyFreq} ms`],
    ['Parkinglot', c.parkinglot],
  );
  for (const [k, v] of c.chanvars) out.push(['ChanVariable', `${k}=${v}`]);
  out.push(['SIP-Use-Reason-Header', 'N'], ['Description', c.description]);
  return out;
}

/** One PeerEntry body (after Event and ActionID). */
export function peerEntryFields(p: Peer): Pairs {
  const c = p.cfg;
  const f = c.flags;
  const yes = (b: boolean): string => (b ? 'yes' : 'no');
  return [
    ['Channeltype', 'SIP'],
    ['ObjectName', c.name],
    ['ChanObjectType', 'peer'],
    ['IPaddress', p.addr ? p.addr.host : '-none-'],
    ['IPport', p.addr ? String(p.addr.port) : '0'],
    ['Dynamic', yes(c.hostDynamic)],
    ['AutoForcerport', yes(f.autoRport)],
    ['Forcerport', yes(f.forceRport)],
    ['AutoComedia', yes(f.autoComedia)],
    ['Comedia', yes(f.comedia)],
    ['VideoSupport', yes(f.videoSupport)],
    ['TextSupport', yes(f.textSupport)],
    ['ACL', yes(!!c.acl)],
    ['Status', peerStatusText(p).text],
    ['RealtimeDevice', 'no'],
    ['Description', c.description],
    ['Accountcode', c.accountcode],
  ];
}

/** send_manager_peer_status(): the PeerStatus headers of SIPpeerstatus (before ActionID). */
export function peerStatusListFields(p: Peer): Pairs {
  const out: Pairs = [
    ['Privilege', 'System'],
    ['ChannelType', 'SIP'],
    ['Peer', `SIP/${p.cfg.name}`],
  ];
  const maxms = p.cfg.maxms;
  if (maxms) {
    if (p.lastms < 0) out.push(['PeerStatus', 'Unreachable']);
    else if (p.lastms > maxms) out.push(['PeerStatus', 'Lagged'], ['Time', String(p.lastms)]);
    else if (p.lastms) out.push(['PeerStatus', 'Reachable'], ['Time', String(p.lastms)]);
    else out.push(['PeerStatus', 'Unknown']);
  } else out.push(['PeerStatus', 'Unmonitored']);
  return out;
}

const PEERS_HEADER = [
  'Name/username',
  'Host',
  'Dyn',
  'Forcerport',
  'Comedia',
  'ACL',
  'Port',
  'Status',
  'Description',
  '',
];

/** PEERS_FORMAT2: "%-25.25s %-39.39s %-3.3s %-10.10s %-10.10s %-3.3s %-8s %-11s %-32.32s %s". */
function peersLine(v: string[]): string {
  return [
    pad(v[0], 25),
    pad(v[1], 39),
    pad(v[2], 3),
    pad(v[3], 10),
    pad(v[4], 10),
    pad(v[5], 3),
    pad(v[6], 8, false),
    pad(v[7], 11, false),
    pad(v[8], 32),
    v[9],
  ].join(' ');
}

/** `sip show peers [like <pattern>]`; undefined for bad arguments (CLI_SHOWUSAGE). */
export function cliShowPeers(core: SipCore, args: string[]): string[] | undefined {
  let re: Pattern | undefined;
  if (args.length === 2) {
    if (args[0].toLowerCase() !== 'like') return undefined;
    const r = tryCompilePattern(args[1]);
    if (r instanceof PatternError) return undefined;
    re = r;
  } else if (args.length !== 0) return undefined;
  const lines = [peersLine(PEERS_HEADER)];
  let monOn = 0;
  let monOff = 0;
  let unmonOn = 0;
  let unmonOff = 0;
  const peers = core.sortedPeers().filter((p) => !re || re.testHead(p.cfg.name));
  for (const p of peers) {
    const c = p.cfg;
    const st = peerStatusText(p);
    if (st.code === 1) monOn++;
    else if (st.code === 0) monOff++;
    else if (!p.addr || !p.addr.port) unmonOff++;
    else unmonOn++;
    lines.push(
      peersLine([
        c.defaultuser ? `${c.name}/${c.defaultuser}` : c.name,
        p.addr ? p.addr.host : '(Unspecified)',
        c.hostDynamic ? ' D ' : '   ',
        natCli(c.flags.autoRport, c.flags.forceRport),
        natCli(c.flags.autoComedia, c.flags.comedia),
        c.acl ? ' A ' : '   ',
        p.addr ? String(p.addr.port) : '0',
        st.text,
        c.description,
        '',
      ]),
    );
  }
  lines.push(
    `${peers.length} sip peers [Monitored: ${monOn} online, ${monOff} offline Unmonitored: ${unmonOn} online, ${unmonOff} offline]`,
  );
  return lines;
}

/** `sip show peer <name>` (the CLI form of _sip_show_peer). */
export function cliShowPeer(core: SipCore, p: Peer): string[] {
  const c = p.cfg;
  const f = c.flags;
  const addr = p.addr
    ? p.addr.host.includes(':')
      ? `[${p.addr.host}]:${p.addr.port}`
      : `${p.addr.host}:${p.addr.port}`
    : '(null)';
  const out = [
    '',
    '',
    `  * Name       : ${c.name}`,
    `  Description  : ${c.description}`,
    `  Secret       : ${c.secret ? '<Set>' : '<Not set>'}`,
    `  MD5Secret    : ${c.md5secret ? '<Set>' : '<Not set>'}`,
    `  Remote Secret: ${c.remotesecret ? '<Set>' : '<Not set>'}`,
    `  Context      : ${c.context}`,
    `  Record On feature : automon`,
    `  Record Off feature : automon`,
    `  Subscr.Cont. : ${c.subscribecontext || '<Not set>'}`,
    `  Language     : ${c.language}`,
    `  Tonezone     : <Not set>`,
  ];
  if (c.accountcode) out.push(`  Accountcode  : ${c.accountcode}`);
  out.push(
    `  AMA flags    : ${c.amaflags}`,
    `  Transfer mode: ${c.transferMode}`,
    `  CallingPres  : Presentation Allowed, Not Screened`,
  );
  if (c.fromuser) out.push(`  FromUser     : ${c.fromuser}`);
  if (c.fromdomain) {
    const [d, port] = c.fromdomain.split(':');
    out.push(`  FromDomain   : ${d} Port ${port || STANDARD_SIP_PORT}`);
  }
  out.push(
    `  Callgroup    : `,
    `  Pickupgroup  : `,
    `  Named Callgr : `,
    `  Nam. Pickupgr: `,
    `  MOH Suggest  : ${c.mohsuggest}`,
    `  Mailbox      : ${c.mailboxes.join(',')}`,
    `  VM Extension : ${c.vmexten}`,
    `  LastMsgsSent : 0/0`,
    `  Call limit   : ${c.callLimit}`,
    `  Max forwards : ${c.maxforwards}`,
  );
  if (c.busyLevel) out.push(`  Busy level   : ${c.busyLevel}`);
  out.push(
    `  Dynamic      : ${yesNo(c.hostDynamic)}`,
    `  Callerid     : ${callerid(p, '<unspecified>')}`,
    `  MaxCallBR    : ${c.maxcallbitrate} kbps`,
    `  Expire       : ${core.regExpireIn(p)}`,
    `  Insecure     : ${insecure(p)}`,
    `  Force rport  : ${natCli(f.autoRport, f.forceRport)}`,
    `  Symmetric RTP: ${natCli(f.autoComedia, f.comedia)}`,
    `  ACL          : ${yesNo(!!c.acl)}`,
    `  ContactACL   : No`,
    `  DirectMedACL : No`,
    `  T.38 support : ${yesNo(f.t38)}`,
    `  T.38 EC mode : ${f.t38 ? 'FEC' : 'Unknown'}`,
    `  T.38 MaxDtgrm: 4294967295`,
    `  DirectMedia  : ${yesNo(f.directMedia)}`,
    `  PromiscRedir : ${yesNo(f.promiscRedir)}`,
    `  User=Phone   : ${yesNo(f.userPhone)}`,
    `  Video Support: ${yesNo(f.videoSupport)}`,
    `  Text Support : ${yesNo(f.textSupport)}`,
    `  Ign SDP ver  : No`,
    `  Trust RPID   : No`,
    `  Send RPID    : No`,
    `  Path support : No`,
    `  TrustIDOutbnd: Legacy`,
    `  Subscriptions: Yes`,
    `  Overlap dial : Yes`,
    `  DTMFmode     : ${f.dtmfmode}`,
    `  Timer T1     : 500`,
    `  Timer B      : 32000`,
    `  ToHost       : ${c.tohost}`,
    `  Addr->IP     : ${addr}`,
    `  Defaddr->IP  : (null)`,
    `  Prim.Transp. : UDP`,
    `  Allowed.Trsp : UDP`,
    `  Def. Username: ${c.defaultuser}`,
    `  SIP Options  : (none)`,
    `  Codecs       : ${codecs(p)}`,
    `  Auto-Framing : No`,
    `  Status       : ${peerStatusText(p).text}`,
    `  Useragent    : ${p.useragent}`,
    `  Reg. Contact : ${p.fullcontact}`,
    `  Qualify Freq : ${c.qualifyFreq} ms`,
    `  Keepalive    : 0 ms`,
  );
  if (c.chanvars.length) {
    out.push(`  Variables    :`);
    for (const [k, v] of c.chanvars) out.push(`                 ${k} = ${v}`);
  }
  out.push(
    `  Sess-Timers  : Accept`,
    `  Sess-Refresh : uas`,
    `  Sess-Expires : 1800 secs`,
    `  Min-Sess     : 90 secs`,
    `  RTP Engine   : asterisk`,
    `  Parkinglot   : ${c.parkinglot}`,
    `  Use Reason   : No`,
    `  Encryption   : No`,
    `  RTCP Mux     : No`,
    '',
  );
  return out;
}

/** RegistryEntry body (after Event and ActionID). */
export function registryEntryFields(r: Registry): Pairs {
  const c = r.cfg;
  return [
    ['Host', c.hostname],
    ['Port', String(c.portno || STANDARD_SIP_PORT)],
    ['Username', c.username],
    ['Domain', c.regdomain || c.hostname],
    ['DomainPort', String(c.regdomainport || STANDARD_SIP_PORT)],
    ['Refresh', String(r.refresh)],
    ['State', regStateText(r.state)],
    ['RegistrationTime', String(r.regtime)],
  ];
}

function strftime(sec: number): string {
  const d = new Date(sec * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getDay()]}, ${p2(d.getDate())} ${months[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
}

/** `sip show registry`: "%-39.39s %-6.6s %-12.12s  %8d %-20.20s %-25.25s". */
export function cliShowRegistry(core: SipCore): string[] {
  const row = (a: string, b: string, c: string, d: string, e: string, f: string): string =>
    `${pad(a, 39)} ${pad(b, 6)} ${pad(c, 12)}  ${d.padStart(8)} ${pad(e, 20)} ${pad(f, 25)}`;
  const lines = [row('Host', 'dnsmgr', 'Username', 'Refresh', 'State', 'Reg.Time')];
  for (const r of core.registries) {
    const c = r.cfg;
    let user = c.username;
    if (c.regdomain) user = `${user}@${c.regdomain}`;
    if (c.regdomainport) user = `${user}:${c.regdomainport}`;
    lines.push(
      row(
        `${c.hostname}:${c.portno || STANDARD_SIP_PORT}`,
        'N',
        user,
        String(r.refresh),
        regStateText(r.state),
        r.regtime ? strftime(r.regtime) : '',
      ),
    );
  }
  lines.push(`${core.registries.length} SIP registrations.`);
  return lines;
}

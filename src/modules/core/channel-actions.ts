/**
 * The channel actions of main/manager.c, main/features.c, main/manager_bridges.c, main/core_local.c
 * and apps/app_senddtmf.c on the simulated telephony core: Originate, Hangup, Redirect, Getvar,
 * Setvar, Status, CoreShowChannels, CoreShowChannelMap, AbsoluteTimeout, SendText, PlayDTMF,
 * BlindTransfer, Atxfer, Bridge, BridgeList, BridgeInfo, LocalOptimizeAway. Response texts, header
 * names and list framing are Asterisk 20.20.1's.
 */
import type { ActionContext } from '../../manager/context.js';
import type { Channel } from '../../pbx/channel.js';
import type { Pbx } from '../../pbx/pbx.js';
import type { OriginateOutcome } from '../../pbx/originate.js';
import { EVENT_FLAG } from '../../config/permissions.js';
import { bridgeHeaders, type Header } from './snapshots.js';
import { ORIGINATE_RESPONSE } from './events.js';
import { astTrue } from '../../config/cstr.js';
import { PatternError } from '../../pattern/index.js';
import { compileRegex, hms, parseCallerIdHeader, regexFromSlashes, scanInt, separateArgs } from './util.js';
import { CHANNEL_BUCKETS, hashContainerOrder } from '../../pbx/strhash.js';

/** What the channel actions share: the PBX and the channel-state helpers bound to the manager config. */
export interface CoreEnv {
  pbx: Pbx;
  /** Channel headers with the manager.conf channelvars (ast_manager_build_channel_state_string). */
  chan(ch: Channel, prefix?: string): Header[];
  /** Seconds since the channel was created, on the PBX clock. */
  age(ch: Channel): number;
}

/** AST_MAX_PUBLIC_UNIQUEID */
const MAX_PUBLIC_UNIQUEID = 149;

// ---- Originate ------------------------------------------------------------------------------

const APP_SEARCH = ['agi', 'dbdeltree', 'exec', 'externalivr', 'mixmonitor', 'originate', 'reload', 'system'];
const DATA_SEARCH = ['CURL', 'DB', 'EVAL', 'FILE', 'ODBC', 'REALTIME', 'SHELL'];

/** is_originate_app_permitted(): the first matching entry of Asterisk's table decides. */
export function originateAppPermitted(app: string, data: string, writeperm: number): boolean {
  const lapp = app.toLowerCase();
  for (const s of APP_SEARCH) if (lapp.includes(s)) return (writeperm & EVENT_FLAG.SYSTEM) !== 0;
  if (lapp.includes('queue') && data) {
    const args = separateArgs(data);
    if ((args[5] ?? '') !== '') return (writeperm & (EVENT_FLAG.AGI | EVENT_FLAG.SYSTEM)) !== 0;
  }
  if (data) for (const s of DATA_SEARCH) if (data.includes(s)) return (writeperm & EVENT_FLAG.SYSTEM) !== 0;
  return true;
}

/** function_capable_string_allowed_with_auths(): SHELL/EVAL need the system write class. */
export function functionAllowed(s: string, writeperm: number): boolean {
  return (writeperm & EVENT_FLAG.SYSTEM) !== 0 || !(s.includes('SHELL') || s.includes('EVAL'));
}

/** astman_get_variables(): every `Variable:` header, comma lists split, in request order. */
export function requestVariables(ctx: ActionContext): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of ctx.message.lines) {
    if (line.slice(0, 9).toLowerCase() !== 'variable:') continue;
    const value = line.slice(9).replace(/^[ \t]+/, '');
    for (const item of separateArgs(value, 64)) {
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      out.push([item.slice(0, eq), item.slice(eq + 1)]);
    }
  }
  return out;
}

export async function actionOriginate(env: CoreEnv, ctx: ActionContext): Promise<void> {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const exten = ctx.get('Exten');
  const context = ctx.get('Context');
  const priority = ctx.get('Priority');
  const timeout = ctx.get('Timeout');
  const callerid = ctx.get('CallerID');
  const account = ctx.get('Account');
  const app = ctx.get('Application');
  const appdata = ctx.get('Data');
  const async = ctx.get('Async');
  const codecs = ctx.get('Codecs');
  const earlyMedia = ctx.get('Earlymedia');
  const channelId = ctx.get('ChannelId');
  const otherChannelId = ctx.get('OtherChannelId');

  if (channelId.length > MAX_PUBLIC_UNIQUEID || otherChannelId.length > MAX_PUBLIC_UNIQUEID) {
    ctx.append(
      `Response: Error\r\n${ctx.idLine()}Message: Uniqueid length exceeds maximum of ${MAX_PUBLIC_UNIQUEID}\n\r\n\r\n`,
    );
    return;
  }
  if (!name) return ctx.error('Channel not specified');
  let pi = 0;
  if (priority) {
    const n = scanInt(priority);
    if (n !== undefined) pi = n;
    else {
      pi = pbx.dialplan.findLabel(context, exten, priority) ?? 0;
      if (pi < 1) return ctx.error('Invalid priority');
    }
  }
  let to = 30000;
  if (timeout) {
    const n = scanInt(timeout);
    if (n === undefined) return ctx.error('Invalid timeout');
    to = n;
  }
  const slash = name.indexOf('/');
  if (slash < 0) return ctx.error('Invalid channel');
  const tech = name.slice(0, slash);
  const data = name.slice(slash + 1);
  const cid = parseCallerIdHeader(callerid);
  if (app && !originateAppPermitted(app, appdata, ctx.session.writeperm)) {
    return ctx.error('Originate Access Forbidden: app or data blacklisted');
  }
  // `exten && context` are never NULL in manager.c: only the priority decides.
  if (pi && !pbx.dialplan.exists(context, exten, pi, cid.num)) return ctx.error('Extension does not exist.');
  if (!astTrue(async) && !app && !pi) {
    return ctx.error("Originate with 'Exten' requires 'Context' and 'Priority'");
  }

  // Asterisk's list: the user's setvars (newest first), then the request's variables reversed;
  // the channel gets them in list order. originate() applies its list reversed, so hand it the mirror.
  const setvars = ctx.session.setvars.map(([k, v]) => [k, v] as [string, string]);
  const variables: Array<[string, string]> = [...requestVariables(ctx), ...setvars.reverse()];
  const callerId = cid.name || cid.num ? (cid.name ? `"${cid.name}" <${cid.num}>` : cid.num) : undefined;
  const formats = codecList(codecs);
  const opts = {
    channel: name,
    context: app ? undefined : context,
    exten: app ? undefined : exten,
    priority: app ? undefined : pi || undefined,
    application: app || undefined,
    data: app ? appdata : undefined,
    timeout: to,
    callerId,
    variables,
    account: account || undefined,
    earlyMedia: astTrue(earlyMedia),
    channelId: channelId || undefined,
    otherChannelId: otherChannelId || undefined,
    codecs: codecs || undefined,
  };

  /**
   * Local channels carry the originate's capabilities (slin, or Codecs): the channels are created
   * synchronously inside originate(), so they are known when it returns its promise.
   */
  const start = (extra: { onOutcome?: (o: OriginateOutcome) => void }): Promise<OriginateOutcome> => {
    const created: string[] = [];
    const off = pbx.on('Newchannel', (e) => void created.push(e.channel.name));
    let p: Promise<OriginateOutcome>;
    try {
      p = pbx.originate({ ...opts, ...extra });
    } finally {
      off();
    }
    if (codecs)
      for (const n of created) {
        const ch = pbx.findChannel(n);
        if (ch && ch.tech === 'Local') ch.formats = formats;
      }
    return p;
  };

  if (astTrue(async)) {
    ctx.ack('Originate successfully queued');
    const actionId = ctx.actionId;
    const channelvars = ctx.manager.config.general.channelvars;
    const manager = ctx.manager;
    void start({
      onOutcome: (o) => {
        const ch = o.channel ? pbx.findChannel(o.channel) : undefined;
        const chanVariables: Header[] = [];
        if (ch && o.channel) {
          for (const v of channelvars)
            chanVariables.push([`ChanVariable(${o.channel})`, `${v}=${pbx.getVar(ch, v) ?? ''}`]);
        }
        manager.raise(ORIGINATE_RESPONSE, {
          actionId,
          success: o.success,
          channel: o.channel || `${tech}/${data}`,
          app,
          appdata,
          context,
          exten,
          reason: o.reason,
          uniqueid: o.uniqueid || channelId || '<unknown>',
          callerIdNum: cid.num || '<unknown>',
          callerIdName: cid.name || '<unknown>',
          chanVariables,
        });
      },
    }).catch((e: unknown) => manager.log.error({ err: e }, 'originate failed'));
    return;
  }
  let outcome: OriginateOutcome;
  try {
    outcome = await start({});
  } catch (e) {
    ctx.manager.log.error({ err: e }, 'originate failed');
    return ctx.error('Originate failed');
  }
  if (outcome.success) ctx.ack('Originate successfully queued');
  else ctx.error('Originate failed');
}

/** `Codecs: ulaw,alaw` -> `ulaw|alaw` (ast_format_cap_update_by_allow_disallow, names kept). */
function codecList(codecs: string): string {
  const names = codecs
    .split(/[,|&]/)
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'all' && !c.startsWith('!'));
  return names.length ? [...new Set(names)].join('|') : 'slin';
}

// ---- Hangup ---------------------------------------------------------------------------------

/** strtol(cause, &end, 10) accepted only when the whole string converts and is 0..127. */
function parseCause(cause: string): number {
  if (!cause) return 0;
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(cause);
  if (!m) return 0;
  const n = Number.parseInt(m[1], 10);
  return n < 0 || n > 127 ? 0 : n;
}

export function actionHangup(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const nameOrRegex = ctx.get('Channel');
  const cause = parseCause(ctx.get('Cause'));
  if (!nameOrRegex) return ctx.error('No channel specified');
  if (nameOrRegex[0] !== '/') {
    const c = pbx.findChannel(nameOrRegex);
    if (!c) return ctx.error('No such channel');
    pbx.hangup(c, cause);
    ctx.ack('Channel Hungup');
    return;
  }
  const source = regexFromSlashes(nameOrRegex);
  if (source === undefined) return ctx.error('Regex format invalid, Channel param should be /regex/');
  const re = compileRegex(source);
  if (re instanceof PatternError) return ctx.error(`Regex compile failed on: ${nameOrRegex}`);
  ctx.listStart('Channels hung up will follow');
  // Asterisk walks the channel container while hanging up; the other half of a Local pair goes
  // away asynchronously there, so every channel that matched at the start is reported.
  // The list comes in the container's order (the iterator of action_hangup); the hangups
  // themselves run on each channel's own thread in Asterisk, in no order the iteration fixes, so
  // they run here in the order the channels were made.
  const matching = pbx.channels().filter((c) => re.testHead(c.name));
  const done = new Set<Channel>();
  for (const c of matching) {
    // Workaround: the PBX recurses without end when both halves of a Local pair are hung up in
    // the same turn while both run the dialplan; the second half goes with the first anyway.
    if (!(c.localPeer && done.has(c.localPeer) && c.inPbx && c.localPeer.inPbx)) pbx.hangup(c, cause);
    done.add(c);
  }
  let matched = 0;
  let out = '';
  for (const c of hashContainerOrder(matching, (x) => x.name, CHANNEL_BUCKETS)) {
    matched++;
    out += `Event: ChannelHungup\r\nChannel: ${c.name}\r\n${ctx.idLine()}\r\n`;
  }
  ctx.append(out);
  ctx.listComplete('ChannelsHungupListComplete', matched);
}

// ---- Redirect -------------------------------------------------------------------------------

export function actionRedirect(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const name2 = ctx.get('ExtraChannel');
  const exten = ctx.get('Exten');
  const exten2 = ctx.get('ExtraExten');
  const context = ctx.get('Context');
  const context2 = ctx.get('ExtraContext');
  const priority = ctx.get('Priority');
  const priority2 = ctx.get('ExtraPriority');
  if (!name) return ctx.error('Channel not specified');
  if (!context) return ctx.error('Context not specified');
  if (!exten) return ctx.error('Exten not specified');
  if (!priority) return ctx.error('Priority not specified');
  const pi = scanInt(priority) ?? pbx.dialplan.findLabel(context, exten, priority) ?? 0;
  if (pi < 1) return ctx.error('Priority is invalid');
  let pi2 = 0;
  if (name2 && context2) {
    if (!exten2) return ctx.error('ExtraExten not specified');
    if (!priority2) return ctx.error('ExtraPriority not specified');
    pi2 = scanInt(priority2) ?? pbx.dialplan.findLabel(context2, exten2, priority2) ?? 0;
    if (pi2 < 1) return ctx.error('ExtraPriority is invalid');
  }
  const chan = pbx.findChannel(name);
  if (!chan) return ctx.error(`Channel does not exist: ${name}`);
  if (chan.hungUp) return ctx.error('Redirect failed, channel not up.');
  if (!name2) {
    if (pbx.redirect(chan, context, exten, pi)) ctx.ack('Redirect successful');
    else ctx.error('Redirect failed');
    return;
  }
  const chan2 = pbx.findChannel(name2);
  if (!chan2) return ctx.error(`ExtraChannel does not exist: ${name2}`);
  if (chan2.hungUp) return ctx.error('Redirect failed, extra channel not up.');
  if (!pbx.redirect(chan, context, exten, pi)) return ctx.error('Redirect failed');
  const ok = context2 ? pbx.redirect(chan2, context2, exten2, pi2) : pbx.redirect(chan2, context, exten, pi);
  if (ok) ctx.ack('Dual Redirect successful');
  else ctx.error('Secondary redirect failed');
}

// ---- Getvar / Setvar ------------------------------------------------------------------------

export function actionGetvar(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const varname = ctx.get('Variable');
  if (!varname) return ctx.error('No variable specified');
  if (!functionAllowed(varname, ctx.session.writeperm)) return ctx.error('GetVar Access Forbidden: Variable');
  let c: Channel | undefined;
  if (name) {
    c = pbx.findChannel(name);
    if (!c) return ctx.error('No such channel');
  }
  let value: string | undefined;
  if (varname.endsWith(')')) {
    const paren = varname.indexOf('(');
    value = paren > 0 ? pbx.getVar(c, varname) : '';
  } else value = pbx.getVar(c, varname);
  ctx.success([
    ['Variable', varname],
    ['Value', value ?? ''],
  ]);
}

export function actionSetvar(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const varname = ctx.get('Variable');
  const value = ctx.get('Value');
  if (!varname) return ctx.error('No variable specified');
  let c: Channel | undefined;
  if (name) {
    c = pbx.findChannel(name);
    if (!c) return ctx.error('No such channel');
  }
  const paren = varname.indexOf('(');
  if (paren > 0 && varname.endsWith(')')) {
    // pbx_builtin_setvar_helper returns ast_func_write's result for functions.
    const ok = pbx.functions.write(
      pbx.funcEnv(c),
      varname.slice(0, paren),
      varname.slice(paren + 1, -1),
      value,
    );
    if (ok) ctx.ack('Variable Set');
    else ctx.error('Variable not set');
    return;
  }
  pbx.setVar(c, varname, value);
  ctx.ack('Variable Set');
}

// ---- Status, CoreShowChannels, CoreShowChannelMap -------------------------------------------

/** Channel variables newest first, as Asterisk keeps them (AST_LIST_INSERT_HEAD). */
function channelVariables(ch: Channel): Array<[string, string]> {
  return [...ch.vars.entries()].reverse();
}

/** The formats of a channel as Status prints them: native `(a|b)`, read/write the first. */
export function channelFormats(ch: Channel): { native: string; read: string; write: string } {
  const list = ch.formats || 'slin';
  const first = list.split('|')[0];
  return { native: `(${list})`, read: first, write: first };
}

export function actionStatus(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const chanVariables = ctx.get('Variables');
  const allVariables = astTrue(ctx.get('AllVariables'));
  if (!functionAllowed(chanVariables, ctx.session.writeperm))
    return ctx.error('Status Access Forbidden: Variables');
  let list: Channel[];
  if (!name) list = pbx.channelsInContainerOrder();
  else {
    const c = pbx.findChannel(name);
    if (!c) return ctx.error('No such channel');
    list = [c];
  }
  ctx.listStart('Channel status will follow');
  const vars = chanVariables ? separateArgs(chanVariables, 100) : [];
  let count = 0;
  for (const ch of list) {
    if (ch.dead) continue;
    let varText = '';
    for (const v of vars) {
      let val: string | undefined;
      if (v.endsWith(')')) val = v.indexOf('(') > 0 ? (pbx.getVar(ch, v) ?? '') : '';
      else val = pbx.getVar(ch, v);
      varText += `Variable: ${v}=${val ?? '(null)'}\r\n`;
    }
    if (allVariables) for (const [k, v] of channelVariables(ch)) varText += `Variable: ${k}=${v}\r\n`;
    const f = channelFormats(ch);
    const pairs: Header[] = [
      ...env.chan(ch),
      ['Type', ch.tech],
      ['DNID', ch.dnid],
      ['EffectiveConnectedLineNum', ch.connectedLineNum || '<unknown>'],
      ['EffectiveConnectedLineName', ch.connectedLineName || '<unknown>'],
      ['TimeToHangup', String(Math.floor(ch.hangupTime / 1000))],
      ['BridgeID', ch.bridgeId],
      ['Application', ch.application],
      ['Data', ch.applicationData],
      ['Nativeformats', f.native],
      ['Readformat', f.read],
      ['Readtrans', ''],
      ['Writeformat', f.write],
      ['Writetrans', ''],
      ['Callgroup', '0'],
      ['Pickupgroup', '0'],
      ['Seconds', String(env.age(ch))],
    ];
    let s = 'Event: Status\r\nPrivilege: Call\r\n';
    for (const [k, v] of pairs) s += `${k}: ${v}\r\n`;
    ctx.append(s + varText + ctx.idLine() + '\r\n');
    count++;
  }
  ctx.listComplete('StatusComplete', count, [['Items', String(count)]]);
}

export function actionCoreShowChannels(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  ctx.listStart('Channels will follow');
  let n = 0;
  for (const ch of pbx.channelsInContainerOrder()) {
    ctx.listItem('CoreShowChannel', [
      ...env.chan(ch),
      ['Application', ch.application],
      ['ApplicationData', ch.applicationData],
      ['Duration', hms(env.age(ch))],
      ['BridgeId', ch.bridgeId],
    ]);
    n++;
  }
  ctx.listComplete('CoreShowChannelsComplete', n);
}

export function actionCoreShowChannelMap(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const channelName = ctx.get('Channel');
  if (!channelName) {
    ctx.append(`Response: Error\r\n${ctx.idLine()}Message: CoreShowChannelMap requires a channel.\n\r\n\r\n`);
    return;
  }
  const ch = pbx.channels().find((c) => c.name.toLowerCase() === channelName.toLowerCase());
  if (!ch) {
    ctx.append(`Response: Error\r\n${ctx.idLine()}Message: Could not get channel snapshot\n\r\n\r\n`);
    return;
  }
  const bridge = ch.bridgeId ? pbx.findBridge(ch.bridgeId) : undefined;
  ctx.listStart('Channel map will follow');
  const map: string[] = [];
  if (bridge) addConnected(pbx, map, ch, bridge.members, new Set([bridge.uniqueid]));
  let out = '';
  for (const other of map)
    out += `Event: CoreShowChannelMap\r\n${ctx.idLine()}Channel: ${channelName}\r\nConnectedChannel: ${other}\r\n\r\n`;
  ctx.append(out);
  ctx.listComplete('CoreShowChannelMapComplete', map.length);
}

/** coreshowchannelmap_add_connected_channels: bridge peers, following Local pairs through. */
function addConnected(pbx: Pbx, map: string[], self: Channel, members: Channel[], seen: Set<string>): void {
  for (const m of members) {
    if (m.uniqueid === self.uniqueid) continue;
    if (!map.includes(m.name)) map.push(m.name);
    if (!m.name.startsWith('Local')) continue;
    const otherName = m.name.slice(0, -1) + (m.name.endsWith('1') ? '2' : '1');
    const other = pbx.findChannel(otherName);
    if (!other) continue;
    if (!map.includes(other.name)) map.push(other.name);
    const b = other.bridgeId ? pbx.findBridge(other.bridgeId) : undefined;
    if (b && !seen.has(b.uniqueid)) {
      seen.add(b.uniqueid);
      addConnected(pbx, map, other, b.members, seen);
    }
  }
}

// ---- AbsoluteTimeout, SendText, PlayDTMF ----------------------------------------------------

export function actionAbsoluteTimeout(env: CoreEnv, ctx: ActionContext): void {
  const name = ctx.get('Channel');
  const timeout = Number.parseFloat(ctx.get('Timeout')) || 0;
  if (!name) return ctx.error('No channel specified');
  if (!timeout || timeout < 0) return ctx.error('No timeout specified');
  const c = env.pbx.findChannel(name);
  if (!c) return ctx.error('No such channel');
  env.pbx.absoluteTimeout(c, timeout);
  ctx.ack('Timeout Set');
}

export function actionSendText(env: CoreEnv, ctx: ActionContext): void {
  const name = ctx.get('Channel');
  const text = ctx.get('Message');
  if (!name) return ctx.error('No channel specified');
  if (!text) return ctx.error('No Message specified');
  const c = env.pbx.findChannel(name);
  if (!c) return ctx.error('No such channel');
  if (env.pbx.sendText(c, text)) ctx.ack('Success');
  else ctx.error('Failure');
}

/** AST_DEFAULT_EMULATE_DTMF_DURATION, used when Duration is absent or 0. */

// ---- Transfers ------------------------------------------------------------------------------

export function actionBlindTransfer(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const exten = ctx.get('Exten');
  let context = ctx.get('Context');
  if (!name) return ctx.error('No channel specified');
  if (!exten) return ctx.error('No extension specified');
  const chan = pbx.findChannel(name);
  if (!chan) return ctx.error('Channel specified does not exist');
  if (!context) context = chan.context;
  const bridge = chan.bridgeId ? pbx.findBridge(chan.bridgeId) : undefined;
  if (!bridge || bridge.members.filter((m) => m !== chan).length === 0) {
    // AST_BRIDGE_TRANSFER_INVALID: published as such, nothing moves.
    pbx.emit('BlindTransfer', {
      result: 'Invalid',
      transferer: chan.snapshot(),
      transferee: undefined,
      bridge: bridge?.snapshot(),
      isExternal: true,
      context,
      extension: exten,
    });
    return ctx.error('Transfer invalid');
  }
  if (pbx.blindTransfer(chan, context, exten)) ctx.ack('Transfer succeeded');
  else ctx.error('Transfer failed');
}

export function actionAtxfer(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  const exten = ctx.get('Exten');
  const context = ctx.get('Context');
  if (!name) return ctx.error('No channel specified');
  if (!exten) return ctx.error('No extension specified');
  const chan = pbx.findChannel(name);
  if (!chan) return ctx.error('Channel specified does not exist');
  // The default features.conf atxfer code (*2) always exists; the digits are "dialled" by the core.
  if (context) pbx.setVar(chan, 'TRANSFER_CONTEXT', context);
  const target = context || chan.vars.get('TRANSFER_CONTEXT') || chan.context;
  void pbx
    .attendedTransfer(chan, target, exten)
    .catch((e: unknown) => ctx.manager.log.error({ err: e }, 'atxfer failed'));
  ctx.ack('Atxfer successfully queued');
}

// ---- Bridges --------------------------------------------------------------------------------

/** ast_channel_get_by_name_prefix: exact name first, then the first name starting with it. */
function findByPrefix(pbx: Pbx, prefix: string): Channel | undefined {
  const exact = pbx.findChannel(prefix);
  if (exact) return exact;
  const l = prefix.toLowerCase();
  return pbx.channels().find((c) => c.name.toLowerCase().startsWith(l));
}

export function actionBridge(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const a = ctx.get('Channel1');
  const b = ctx.get('Channel2');
  if (!a || !b) return ctx.error('Missing channel parameter in request');
  const chana = findByPrefix(pbx, a);
  if (!chana) return ctx.error(`Channel1 does not exist: ${a}`);
  const chanb = findByPrefix(pbx, b);
  if (!chanb) return ctx.error(`Channel2 does not exist: ${b}`);
  if (chana.dead || chana.hungUp) return ctx.error(`Unable to add Channel1 to bridge: ${chana.name}`);
  if (chanb.dead || chanb.hungUp) return ctx.error(`Unable to add Channel2 to bridge: ${chanb.name}`);
  pbx.bridgeChannels(chana, chanb);
  ctx.ack('Channels have been bridged');
}

export function actionBridgeList(env: CoreEnv, ctx: ActionContext): void {
  const filter = ctx.get('BridgeType');
  ctx.listStart('Bridge listing will follow');
  let n = 0;
  for (const b of env.pbx.bridges()) {
    const snap = b.snapshot();
    if (filter && filter !== snap.technology) continue;
    ctx.listItem('BridgeListItem', bridgeHeaders(snap));
    n++;
  }
  ctx.listComplete('BridgeListComplete', n);
}

export function actionBridgeInfo(env: CoreEnv, ctx: ActionContext): void {
  const id = ctx.get('BridgeUniqueid');
  if (!id) return ctx.error('BridgeUniqueid must be provided');
  const b = env.pbx.findBridge(id);
  if (!b) return ctx.error('Specified BridgeUniqueid not found');
  ctx.listStart('Bridge channel listing will follow');
  let n = 0;
  for (const ch of [...b.members]) {
    ctx.listItem('BridgeInfoChannel', env.chan(ch));
    n++;
  }
  ctx.listComplete('BridgeInfoComplete', n, bridgeHeaders(b.snapshot()));
}

// ---- LocalOptimizeAway ----------------------------------------------------------------------

export function actionLocalOptimizeAway(env: CoreEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const name = ctx.get('Channel');
  if (!name) return ctx.error("'Channel' not specified.");
  const chan = pbx.findChannel(name);
  if (!chan) return ctx.error('Channel does not exist.');
  if (chan.tech !== 'Local' || !chan.localPeer) return ctx.error('Unable to find channel');
  ctx.ack('Queued channel to be optimized away');
  // Asterisk only clears the "no optimization" flag: the pair goes away as soon as both halves
  // are bridged. Try now, and again whenever one of them enters a bridge.
  if (pbx.localOptimizeAway(chan)) return;
  const one = chan.localHalf === 1 ? chan : chan.localPeer;
  const two = one?.localPeer;
  const offs: Array<() => void> = [];
  const done = (): void => {
    for (const f of offs) f();
  };
  offs.push(
    pbx.on('BridgeEnter', (e) => {
      if (!one || one.dead || !two || two.dead) return done();
      if (e.channel.uniqueid !== one.uniqueid && e.channel.uniqueid !== two.uniqueid) return;
      if (pbx.localOptimizeAway(one)) done();
    }),
    pbx.on('Hangup', (e) => {
      if (e.channel.uniqueid === one?.uniqueid || e.channel.uniqueid === two?.uniqueid) done();
    }),
  );
}

/**
 * The PBX facade: owns channels, bridges, dialplan, endpoints, astdb and CDRs, and raises the
 * domain events. Every state change goes through a method here so that events come out
 * synchronously and in Asterisk's order. Device states and CDRs are published a moment later
 * (a zero-delay clock timer), as Asterisk's devstate and CDR threads do.
 */
import { join } from 'node:path';
import type { ConfDocument } from '../config/types.js';
import { AstDb } from './astdb.js';
import { Bridge, type BridgeSnapshot } from './bridge.js';
import { Cause, SoftHangup, causeText } from './causes.js';
import type { CdrCsvOptions } from './cdr.js';
import { CdrEngine } from './cdr-engine.js';
import { Channel, ChannelState, type ChannelSnapshot, type Control } from './channel.js';
import { clampDelayMs, type Clock, type TimerHandle } from './clock.js';
import { DeviceState, deviceStateFromName, deviceStateText, type DeviceStateNum } from './devicestate.js';
import { DeviceTracker } from './devices.js';
import { Dialplan, addPeriodicHookContext, loadDialplan } from './dialplan.js';
import { EndpointRegistry } from './endpoints.js';
import {
  PbxEmitter,
  type AnyListener,
  type PbxEventName,
  type PbxEvents,
  type PbxListener,
} from './events.js';
import { FunctionRegistry, type FuncEnv } from './functions.js';
import { IdAllocator } from './ids.js';
import { Prng } from './prng.js';
import { AppRegistry } from './apps/registry.js';
import { registerBuiltinApps } from './apps/builtin.js';
import { runPbx } from './runner.js';
import { callChannel, requestChannel, type RequestOptions, type RequestResult } from './techs.js';
import { originate, type OriginateOptions, type OriginateOutcome } from './originate.js';
import { attendedTransfer, blindTransfer, localOptimizeAway } from './transfers.js';
import { funcEnvFor, getVariable, setVariable, substituteIn } from './variables.js';
import { incomingCall, type IncomingCallOptions } from './incoming.js';
import {
  bridgeMemberGone,
  createBridge,
  destroyBridge,
  joinBridge,
  kickFromBridge,
  leaveBridge,
  swapIntoBridge,
} from './bridging.js';
import { MohClasses } from './moh.js';
import { CHANNEL_BUCKETS, hashContainerOrder } from './strhash.js';

export interface PbxOptions {
  clock: Clock;
  seed?: number;
  /** Directory for astdb.sqlite3 and cdr-csv/; undefined = in-memory astdb, no CSV. */
  dataDir?: string;
  /** Parsed extensions.conf, or a ready Dialplan. */
  dialplan?: ConfDocument | Dialplan;
  /** Parsed simulation.conf. */
  simulation?: ConfDocument;
  /** SIP peers known to the PBX (names from sip.conf) with their context. */
  sipPeers?: Array<{ name: string; context?: string }>;
  /**
   * The channel technologies that exist (ast_channel_register), case-insensitive, as the release's
   * channel drivers give them (the server passes them); absent: every technology amikit implements.
   * A release without chan_sip has no `SIP` (a request answers "No channel type registered").
   */
  techs?: readonly string[];
  /** cdr.conf [csv] options; CSV written only when dataDir is set. */
  cdrCsv?: Partial<Omit<CdrCsvOptions, 'dir'>> & { enabled?: boolean };
  /** cdr.conf `unanswered`: log CDRs of unanswered single-channel calls (default no, as Asterisk). */
  cdrUnanswered?: boolean;
  /** cdr.conf `congestion`: log congestion as CONGESTION rather than FAILED (default no). */
  cdrCongestion?: boolean;
  /** manager.conf `channelvars`: variables (or functions) every channel snapshot carries. */
  channelVars?: string[];
  /** asterisk.conf `[options] maxcalls`: most channels running dialplan at once; 0 = no limit. */
  maxCalls?: number;
  /** amikit's ceiling on channels alive at once (memory bound); default {@link DEFAULT_MAX_CHANNELS}. */
  maxChannels?: number;
  /** Delay of the Answer() media wait on Local channels (Asterisk waits 500 ms for media). */
  answerMediaWaitMs?: number;
  /** Parsed musiconhold.conf (moh.ts); undefined = every class plays. */
  musiconhold?: ConfDocument;
}

/** Channels alive at once when nothing says otherwise: about 1 GB of RSS at the ~9 KB each measured. */
export const DEFAULT_MAX_CHANNELS = 100_000;

export interface PbxStats {
  activeChannels: number;
  /** Channels running dialplan (pbx.c countcalls). */
  activeCalls: number;
  /** Dialplan runs started since boot (pbx.c totalcalls). */
  callsProcessed: number;
}

export class Pbx implements FuncEnvFactory {
  readonly clock: Clock;
  readonly prng: Prng;
  readonly ids: IdAllocator;
  readonly events = new PbxEmitter();
  readonly dialplan: Dialplan;
  readonly endpoints: EndpointRegistry;
  /** Music-on-hold classes (musiconhold.conf). */
  readonly moh: MohClasses;
  readonly astdb: AstDb;
  readonly functions = new FunctionRegistry();
  readonly apps = new AppRegistry();
  readonly globals: Map<string, string>;
  readonly sipPeers = new Map<string, { name: string; context: string }>();
  /** The channel technologies that exist, lower case; null: every technology amikit implements. */
  readonly techs: ReadonlySet<string> | null;
  readonly answerMediaWaitMs: number;
  readonly startTime: number;
  /** Channels by name in creation order. */
  private readonly chans = new Map<string, Channel>();
  /** Bridge technologies suspended by BridgeTechnologySuspend (new bridges avoid them). */
  readonly suspendedBridgeTechs = new Set<string>();
  /** Live bridges by uniqueid (bridging.ts keeps it). */
  readonly bridgesById = new Map<string, Bridge>();
  private callsProcessed = 0;
  /** Channels whose dialplan run has started and not ended (pbx.c countcalls, for maxcalls). */
  private readonly running = new Set<Channel>();
  readonly maxCalls: number;
  readonly maxChannels: number;
  private readonly absTimers = new Map<Channel, TimerHandle>();
  private channelVarNames: string[] = [];
  private readonly snapshotVars = (ch: Channel): Array<[string, string]> =>
    this.channelVarNames.map((n) => [n, this.getVar(ch, n) ?? '']);
  private readonly devices: DeviceTracker;
  /** Channels inside hangupNow (see there). */
  private readonly hangingUp = new WeakSet<Channel>();
  private readonly cdrs: CdrEngine;

  constructor(opts: PbxOptions) {
    this.clock = opts.clock;
    this.startTime = opts.clock.now();
    this.prng = new Prng(opts.seed ?? 1);
    this.ids = new IdAllocator(() => this.clock.now());
    this.dialplan =
      opts.dialplan instanceof Dialplan
        ? opts.dialplan
        : opts.dialplan
          ? loadDialplan(opts.dialplan)
          : new Dialplan();
    addPeriodicHookContext(this.dialplan);
    this.globals = new Map(this.dialplan.globals);
    this.endpoints = EndpointRegistry.fromConf(opts.simulation);
    this.moh = new MohClasses(opts.musiconhold, opts.dataDir);
    this.astdb = new AstDb(opts.dataDir ? join(opts.dataDir, 'astdb.sqlite3') : ':memory:');
    for (const p of opts.sipPeers ?? [])
      this.sipPeers.set(p.name.toLowerCase(), { name: p.name, context: p.context ?? 'default' });
    this.answerMediaWaitMs = opts.answerMediaWaitMs ?? 500;
    this.maxCalls = Math.max(0, Math.floor(opts.maxCalls ?? 0));
    this.techs = opts.techs ? new Set(opts.techs.map((t) => t.toLowerCase())) : null;
    this.maxChannels = Math.max(1, Math.floor(opts.maxChannels ?? DEFAULT_MAX_CHANNELS));
    this.channelVarNames = [...(opts.channelVars ?? [])];
    const csv = opts.cdrCsv ?? {};
    this.cdrs = new CdrEngine({
      clock: this.clock,
      unanswered: opts.cdrUnanswered ?? false,
      congestion: opts.cdrCongestion ?? false,
      emit: (cdr) => this.emit('Cdr', { cdr }),
      warn: (message) => this.log('WARNING', message),
      csv:
        opts.dataDir && csv.enabled !== false
          ? {
              dir: join(opts.dataDir, 'cdr-csv'),
              usegmtime: csv.usegmtime ?? true,
              loguniqueid: csv.loguniqueid ?? true,
              loguserfield: csv.loguserfield ?? true,
              accountlogs: csv.accountlogs ?? true,
            }
          : undefined,
    });
    this.devices = new DeviceTracker({
      clock: this.clock,
      dialplan: this.dialplan,
      endpoints: this.endpoints,
      sipPeers: this.sipPeers,
      localInUse: (device) => this.localInUse(device),
      emitDevice: (e) => this.emit('DeviceStateChange', e),
      emitExtension: (e) => this.emit('ExtensionStatus', e),
    });
    registerBuiltinApps(this.apps);
    this.registerDeviceStateFunction();
    this.endpoints.onChange((device) => {
      if (device === '*') for (const p of this.sipPeers.values()) this.deviceChanged(`SIP/${p.name}`);
      else this.deviceChanged(device.includes('/') ? device : `SIP/${device}`);
    });
  }

  close(): void {
    this.astdb.close();
  }

  // ---- events -------------------------------------------------------------------------------

  on<K extends PbxEventName>(name: K, fn: PbxListener<K>): () => void {
    return this.events.on(name, fn);
  }

  onAny(fn: AnyListener): () => void {
    return this.events.onAny(fn);
  }

  emit<K extends PbxEventName>(name: K, payload: PbxEvents[K]): void {
    this.events.emit(name, payload);
  }

  log(level: PbxEvents['Log']['level'], message: string): void {
    this.emit('Log', { level, message });
  }

  // ---- queries ------------------------------------------------------------------------------

  /** Live channels in creation order. */
  channels(): Channel[] {
    return [...this.chans.values()];
  }

  /**
   * Channels as Asterisk walks its channel container (and the snapshot cache by name), which
   * Status, CoreShowChannels, `core show channels` and Hangup by pattern list in: an ao2 hash of
   * AST_NUM_CHANNEL_BUCKETS (1567) buckets over the name (channelstorage_ao2_legacy.c hash_cb).
   */
  channelsInContainerOrder(): Channel[] {
    return hashContainerOrder(this.channels(), (c) => c.name, CHANNEL_BUCKETS);
  }

  channelSnapshots(): ChannelSnapshot[] {
    return this.channels().map((c) => c.snapshot());
  }

  /** Exact name (case-insensitive as ast_channel_get_by_name) or uniqueid. */
  findChannel(nameOrId: string): Channel | undefined {
    const exact = this.chans.get(nameOrId);
    if (exact) return exact;
    const l = nameOrId.toLowerCase();
    for (const c of this.chans.values()) if (c.name.toLowerCase() === l || c.uniqueid === nameOrId) return c;
    return undefined;
  }

  /** Channels whose name a pattern matches (a RegExp of ours, or a src/pattern Pattern). */
  findChannels(re: { test(name: string): boolean }): Channel[] {
    return this.channels().filter((c) => re.test(c.name));
  }

  bridges(): Bridge[] {
    return [...this.bridgesById.values()];
  }

  findBridge(id: string): Bridge | undefined {
    return this.bridgesById.get(id);
  }

  /** `core show channels` totals: active calls and calls processed count dialplan runs, as pbx.c does. */
  stats(): PbxStats {
    const inPbx = this.channels().filter((c) => c.inPbx).length;
    return { activeChannels: this.chans.size, activeCalls: inPbx, callsProcessed: this.callsProcessed };
  }

  /**
   * `dialplan reload`: replaces the contexts; [globals] are re-applied, and globals set at run time
   * are dropped only when extensions.conf says `clearglobalvars = yes`, as pbx_config does.
   */
  reloadDialplan(doc: ConfDocument | Dialplan): void {
    const next = doc instanceof Dialplan ? doc : loadDialplan(doc);
    this.dialplan.replaceWith(next);
    addPeriodicHookContext(this.dialplan);
    if (/^(yes|true|1|on)$/i.test(this.dialplan.general.get('clearglobalvars') ?? '')) this.globals.clear();
    for (const [k, v] of this.dialplan.globals) this.globals.set(k, v);
    for (const h of this.dialplan.hints())
      for (const d of h.hint.split(',')[0].split('&')) this.deviceChanged(d.trim());
  }

  /** Sets manager.conf `channelvars` (applies to channels created from now on and to live ones). */
  setChannelVars(names: string[]): void {
    this.channelVarNames = [...names];
    for (const ch of this.chans.values()) ch.snapshotVars = names.length ? this.snapshotVars : undefined;
  }

  // ---- channel life cycle -------------------------------------------------------------------

  /** Creates a channel and raises Newchannel. */
  newChannel(init: {
    tech: string;
    name: string;
    state: number;
    context: string;
    exten: string;
    device: string;
    uniqueid?: string;
    linkedid?: string;
    callerIdNum?: string;
    callerIdName?: string;
    connectedLineNum?: string;
    connectedLineName?: string;
    accountCode?: string;
    language?: string;
    resource?: string;
  }): Channel {
    const uniqueid = init.uniqueid || this.ids.uniqueid();
    const ch = new Channel(init.name, init.tech, uniqueid, init.linkedid || uniqueid, this.clock.now(), init);
    ch.callerIdNum = init.callerIdNum ?? '';
    ch.callerIdName = init.callerIdName ?? '';
    ch.connectedLineNum = init.connectedLineNum ?? '';
    ch.connectedLineName = init.connectedLineName ?? '';
    ch.accountCode = init.accountCode ?? '';
    ch.language = init.language ?? 'en';
    ch.resource = init.resource ?? '';
    if (this.channelVarNames.length) ch.snapshotVars = this.snapshotVars;
    this.chans.set(ch.name, ch);
    ch.published = ch.publishedFields();
    this.devices.recount(ch);
    this.emit('Newchannel', { channel: ch.snapshot() });
    // chan_sip reports its peer's device state as soon as a dialog exists; core_local does not.
    if (ch.tech !== 'Local') this.deviceChanged(ch.device);
    return ch;
  }

  setState(ch: Channel, state: number): void {
    if (ch.state === state || ch.dead) return;
    ch.state = state;
    this.devices.recount(ch);
    const firstAnswer = state === ChannelState.Up && !ch.answeredTime;
    if (firstAnswer) ch.answeredTime = this.clock.now();
    this.publish(ch);
    if (firstAnswer) for (const hook of ch.onAnswer.splice(0)) hook();
    this.deviceChanged(ch.device);
  }

  /**
   * Applies several changes as one snapshot (ast_channel_stage_snapshot): the events of what
   * changed come out together afterwards, in manager_channels.c's monitor order.
   */
  stage(ch: Channel, fn: () => void): void {
    ch.stageDepth++;
    try {
      fn();
    } finally {
      ch.stageDepth--;
    }
    this.publish(ch);
  }

  /**
   * Publishes a channel snapshot: compares with the previous one and raises Newstate, Newexten,
   * NewCallerid, NewAccountCode, NewConnectedLine for what changed. Newexten needs an application
   * and either no application before or a new context/exten/priority.
   */
  publish(ch: Channel): void {
    if (ch.stageDepth > 0 || ch.dead) return;
    const prev = ch.published ?? ch.publishedFields();
    const cur = ch.publishedFields();
    ch.published = cur;
    const cep = prev.context !== cur.context || prev.exten !== cur.exten || prev.priority !== cur.priority;
    const state = prev.state !== cur.state;
    const exten = cur.app !== '' && (prev.app === '' || cep);
    const cid = prev.callerIdNum !== cur.callerIdNum || prev.callerIdName !== cur.callerIdName;
    const acct = prev.accountCode !== cur.accountCode;
    const conn =
      prev.connectedLineNum !== cur.connectedLineNum || prev.connectedLineName !== cur.connectedLineName;
    if (!state && !exten && !cid && !acct && !conn) return;
    const snap = ch.snapshot();
    if (state) this.emit('Newstate', { channel: snap });
    if (exten)
      this.emit('Newexten', {
        channel: snap,
        extension: ch.exten,
        application: ch.application,
        appData: ch.applicationData,
      });
    if (cid)
      this.emit('NewCallerid', { channel: snap, cidCallingPres: '0 (Presentation Allowed, Not Screened)' });
    if (acct) this.emit('NewAccountCode', { channel: snap, oldAccountCode: prev.accountCode });
    if (conn) this.emit('NewConnectedLine', { channel: snap });
  }

  /** Moves the dialplan location without running anything (Newexten comes with the next app). */
  setLocation(ch: Channel, context: string, exten: string, priority: number): void {
    ch.context = context;
    ch.exten = exten;
    ch.priority = priority;
  }

  /**
   * Sets the running application and raises Newexten when Asterisk would: the application is
   * set and either none was set before or context/exten/priority changed.
   */
  setApplication(ch: Channel, app: string, data: string): void {
    ch.application = app;
    ch.applicationData = data;
    if (!app.toLowerCase().startsWith('appdial')) {
      ch.lastApp = app;
      ch.lastData = data;
    }
    this.publish(ch);
  }

  /** Sets a channel variable (or global when `ch` is undefined), raising VarSet. `NAME(args)` writes a function. */
  setVar(ch: Channel | undefined, name: string, value: string): void {
    setVariable(this, ch, name, value);
  }

  /** Reads a variable or `FUNC(args)` (channel scope when given, else globals). */
  getVar(ch: Channel | undefined, name: string): string | undefined {
    return getVariable(this, ch, name);
  }

  /** Expands `${...}` and `$[...]` in the scope of a channel (or globals only). */
  substitute(ch: Channel | undefined, text: string): string {
    return substituteIn(this, ch, text);
  }

  funcEnv(ch: Channel | undefined): FuncEnv {
    return funcEnvFor(this, ch);
  }

  setCallerId(ch: Channel, name: string, num: string): void {
    ch.callerIdName = name;
    ch.callerIdNum = num;
    this.publish(ch);
  }

  setConnectedLine(ch: Channel, name: string, num: string): void {
    ch.connectedLineName = name;
    ch.connectedLineNum = num;
    this.publish(ch);
  }

  setAccountCode(ch: Channel, code: string): void {
    ch.accountCode = code;
    this.publish(ch);
  }

  /** Answers a channel not yet up (a Local ;2 answer also answers its ;1, as core_unreal does). */
  answer(ch: Channel): void {
    if (ch.dead || ch.state === ChannelState.Up) return;
    this.setState(ch, ChannelState.Up);
    const peer = ch.localHalf === 2 ? ch.localPeer : undefined;
    if (peer && !peer.dead) this.deliverControl(peer, { type: 'answer' });
  }

  /** Delivers a far-end control frame to a channel (ringing, answer...), updating its state. */
  deliverControl(ch: Channel, c: Control): void {
    if (ch.dead) return;
    if (c.type === 'answer') this.setState(ch, ChannelState.Up);
    else if (c.type === 'ringing' && ch.state !== ChannelState.Up) this.setState(ch, ChannelState.Ringing);
    // A driver reporting busy/congestion sets the cause with it (chan_sip: 486/503); core_unreal
    // only passes the frame on, so a Local ;1 keeps its own cause.
    else if (c.type === 'busy' && ch.tech !== 'Local') ch.hangupCause = Cause.USER_BUSY;
    else if (c.type === 'congestion' && ch.tech !== 'Local') ch.hangupCause = Cause.CONGESTION;
    if (ch.controlHandler) ch.controlHandler(c);
    else if (c.type === 'hangup') this.queueHangup(ch, c.cause);
    ch.wake('signal');
  }

  /** Indicates ringing/progress towards the caller side (Ringing(), Progress(), Dial 'r'). */
  indicate(ch: Channel, what: 'ringing' | 'progress' | 'busy' | 'congestion'): void {
    const peer = ch.localHalf === 2 ? ch.localPeer : undefined;
    if (peer && !peer.dead) this.deliverControl(peer, { type: what });
  }

  /**
   * ast_queue_hangup_with_cause: the far end hung up. Raises HangupRequest and makes whoever
   * drives the channel leave what it is doing.
   */
  queueHangup(ch: Channel, cause: number): void {
    if (ch.dead) return;
    this.emit('HangupRequest', { channel: ch.snapshot(), cause });
    ch.softHangupFlags |= SoftHangup.DEV;
    if (cause > 0) ch.hangupCause = cause;
    this.afterHangupRequest(ch);
  }

  /** ast_softhangup with an event (SoftHangupRequest `Cause` is the flag). */
  softHangup(ch: Channel, flag: number): void {
    if (ch.dead) return;
    ch.softHangupFlags |= flag;
    this.emit('SoftHangupRequest', { channel: ch.snapshot(), cause: flag });
    if (flag !== SoftHangup.APPUNLOAD) this.afterHangupRequest(ch);
  }

  /**
   * Hangs a channel up on request (AMI Hangup, `channel request hangup`): sets the cause and a
   * silent explicit soft hangup, as ast_channel_softhangup_withcause_locked does.
   */
  hangup(ch: Channel, cause: number = Cause.NORMAL_CLEARING): void {
    if (ch.dead) return;
    if (cause > 0) ch.hangupCause = cause;
    ch.softHangupFlags |= SoftHangup.EXPLICIT;
    this.afterHangupRequest(ch);
  }

  private afterHangupRequest(ch: Channel): void {
    if (ch.bridgeId) bridgeMemberGone(this, ch);
    ch.wake('hangup');
    if (ch.controlHandler) ch.controlHandler({ type: 'hangup', cause: ch.hangupCause });
    else if (!ch.inPbx && !ch.inApp && ch.owners === 0) this.hangupNow(ch);
  }

  /**
   * ast_hangup: the channel is destroyed. A Local half first queues the hangup on its other half
   * (HangupRequest there comes before this Hangup), then Hangup is raised, the device state and
   * CDR follow asynchronously.
   */
  hangupNow(ch: Channel): void {
    // Hanging up one half of a Local pair hangs up the other, which comes back here for the first:
    // a channel already on its way out is left alone, or the two would recurse without end.
    if (ch.dead || this.hangingUp.has(ch)) return;
    this.hangingUp.add(ch);
    for (const t of ch.driverTimers) this.clock.clearTimer(t);
    const abs = this.absTimers.get(ch);
    if (abs) this.clock.clearTimer(abs);
    this.absTimers.delete(ch);
    if (ch.bridgeId) bridgeMemberGone(this, ch);
    const peer = ch.localPeer;
    if (peer && !peer.dead && !this.hangingUp.has(peer)) {
      // ast_unreal_hangup, ;2 going: when ;2 ran a Dial (DIALSTATUS exists, even empty), ;1 takes
      // ;2's cause and CHANLOCALSTATUS.
      const dialStatus = ch.localHalf === 2 ? ch.vars.get('DIALSTATUS') : undefined;
      if (dialStatus !== undefined) {
        peer.hangupCause = ch.hangupCause;
        this.setVar(peer, 'CHANLOCALSTATUS', dialStatus);
      }
      if (peer.localHalf === 1 && !ch.answeredTime && peer.controlHandler)
        this.deliverControl(peer, { type: 'hangup', cause: ch.hangupCause });
      else this.queueHangup(peer, ch.hangupCause);
    }
    ch.dead = true;
    ch.endTime = this.clock.now();
    ch.controlHandler = undefined;
    this.emit('Hangup', {
      channel: ch.snapshot(),
      cause: ch.hangupCause,
      causeText: causeText(ch.hangupCause),
    });
    this.chans.delete(ch.name);
    // A run still pending when the channel goes ends at its next await; the count must not wait.
    this.running.delete(ch);
    this.devices.recount(ch, true);
    ch.wake('hangup');
    this.deviceChanged(ch.device);
    this.cdrs.channelGone(ch);
  }

  /** Ends the channel's dialplan on its next step and hangs it up (used for AbsoluteTimeout). */
  absoluteTimeout(ch: Channel, seconds: number): void {
    const old = this.absTimers.get(ch);
    if (old) this.clock.clearTimer(old);
    this.absTimers.delete(ch);
    if (seconds <= 0) {
      ch.hangupTime = 0;
      return;
    }
    // A timeval in Asterisk holds any of these; a timer of ours holds at most MAX_DELAY_MS.
    const ms = clampDelayMs(seconds * 1000);
    ch.hangupTime = this.clock.now() + ms;
    this.absTimers.set(
      ch,
      this.clock.setTimer(ms, () => {
        this.absTimers.delete(ch);
        // ast_check_hangup sets the TIMEOUT flag silently; the PBX loop may go to the `T` extension.
        if (ch.dead) return;
        ch.softHangupFlags |= SoftHangup.TIMEOUT;
        this.afterHangupRequest(ch);
      }),
    );
  }

  // ---- dialplan execution -------------------------------------------------------------------

  /**
   * Starts the dialplan on a channel (ast_pbx_start): runs in its own "thread" (a new clock turn).
   * False, with Asterisk's warning, when `maxcalls` channels already run dialplan
   * (increase_call_count; AST_PBX_CALL_LIMIT): the caller then fails the call as its driver would.
   */
  startPbx(ch: Channel, at?: { context: string; exten: string; priority: number }): boolean {
    if (this.maxCalls > 0 && this.running.size >= this.maxCalls) {
      this.log('WARNING', `Maximum call limit of ${this.maxCalls} calls exceeded by '${ch.name}'!`);
      return false;
    }
    if (at) this.setLocation(ch, at.context, at.exten, at.priority);
    ch.inPbx = true;
    this.callsProcessed++;
    this.running.add(ch);
    this.clock.setTimer(0, () => {
      runPbx(this, ch).then(
        () => this.running.delete(ch),
        () => this.running.delete(ch),
      );
    });
    return true;
  }

  /** startPbx, and on the call limit the channel is hung up (ast_pbx_run failing in pbx.c/app code). */
  startPbxOrHangup(ch: Channel, at?: { context: string; exten: string; priority: number }): void {
    if (this.startPbx(ch, at)) return;
    this.log('ERROR', `Failed to start PBX on ${ch.name}`);
    this.hangupNow(ch);
  }

  /** False when `more` new channels would pass the ceiling on channels alive at once. */
  roomForChannels(more: number): boolean {
    return this.chans.size + more <= this.maxChannels;
  }

  /** Redirect (async goto): moves a channel to a new dialplan location (call twice for ExtraChannel). */
  redirect(ch: Channel, context: string, exten: string, priority: number): boolean {
    if (ch.dead) return false;
    if (ch.bridgeId) bridgeMemberGone(this, ch);
    if (ch.inPbx) {
      ch.pendingGoto = { context, exten, priority };
      ch.softHangupFlags |= SoftHangup.ASYNCGOTO;
      ch.wake('goto');
    } else {
      ch.pendingGoto = { context, exten, priority };
      if (ch.owners === 0 && !ch.inApp) {
        ch.pendingGoto = undefined;
        this.startPbxOrHangup(ch, { context, exten, priority });
      } else ch.wake('goto');
    }
    return true;
  }

  // ---- outgoing calls -----------------------------------------------------------------------

  /** ast_request: creates the outgoing channel for `Tech/resource` (no call placed yet). */
  request(tech: string, resource: string, opts: RequestOptions = {}): RequestResult {
    return requestChannel(this, tech, resource, opts);
  }

  /** ast_call: places the call; false when it fails at once (e.g. Local to a missing extension). */
  call(ch: Channel): boolean {
    return callChannel(this, ch);
  }

  /** Originate (AMI Originate, sync or async): resolves with Asterisk's OriginateResponse reason. */
  originate(opts: OriginateOptions): Promise<OriginateOutcome> {
    return originate(this, opts);
  }

  /**
   * A simulated phone calls the PBX: a SIP channel in state Ring runs the dialplan at the peer's
   * context (see incoming.ts). The channel comes back already hung up when `maxcalls` is reached;
   * callers check {@link roomForChannels} first.
   */
  incomingCall(o: IncomingCallOptions): Channel {
    return incomingCall(this, o);
  }

  // ---- bridges (bridging.ts) ---------------------------------------------------------------

  createBridge(type = 'basic', creator = '', name = ''): Bridge {
    return createBridge(this, type, creator, name);
  }

  /** Puts a channel into a bridge (leaving any other first). */
  joinBridge(b: Bridge, ch: Channel, swapUniqueid = ''): void {
    joinBridge(this, b, ch, swapUniqueid);
  }

  leaveBridge(ch: Channel): void {
    leaveBridge(this, ch);
  }

  destroyBridge(b: Bridge): void {
    destroyBridge(this, b);
  }

  /** BridgeKick: the channel leaves its bridge as on a hangup (see bridging.ts). */
  kickFromBridge(ch: Channel): void {
    kickFromBridge(this, ch);
  }

  /**
   * Bridges two channels (AMI Bridge, Dial): both leave their current bridges and enter a new
   * basic bridge (`b` enters first, as app_dial imparts the callee before the caller joins).
   */
  bridgeChannels(a: Channel, b: Channel): Bridge {
    const br = this.createBridge('basic');
    this.joinBridge(br, b);
    this.joinBridge(br, a);
    return br;
  }

  /** Waits until `ch` is no longer in bridge `b` (hangup, redirect, dissolve). */
  async waitBridgeEnd(ch: Channel, b: Bridge): Promise<void> {
    while (!ch.dead && ch.bridgeId === b.uniqueid && !b.dissolved) await ch.wait(this.clock, -1);
  }

  // ---- transfers, DTMF, text, hold ----------------------------------------------------------

  /** BlindTransfer: the transferer's bridge peers go to exten@context; the transferer hangs up. */
  blindTransfer(ch: Channel, context: string, exten: string): boolean {
    return blindTransfer(this, ch, context, exten);
  }

  /** Atxfer: see transfers.ts; resolves true once the target has replaced the transferer. */
  attendedTransfer(ch: Channel, context: string, exten: string): Promise<boolean> {
    return attendedTransfer(this, ch, context, exten);
  }

  /** Sends DTMF digits (PlayDTMF): DTMFBegin/DTMFEnd per digit, `durationMs` each. */
  async playDtmf(
    ch: Channel,
    digits: string,
    durationMs = 250,
    direction: 'Received' | 'Sent' = 'Received',
  ): Promise<void> {
    for (const digit of digits) {
      if (ch.dead) return;
      this.emit('DTMFBegin', { channel: ch.snapshot(), digit, direction });
      await new Promise<void>((r) => this.clock.setTimer(durationMs, r));
      if (ch.dead) return;
      this.emit('DTMFEnd', { channel: ch.snapshot(), digit, durationMs, direction });
      ch.vars.set('__LASTDTMF', digit);
      ch.wake('signal');
    }
  }

  /**
   * A DTMF frame queued on a channel and read by it (PlayDTMF Receive, CancelAtxfer): an end
   * frame only, so DTMFEnd without a DTMFBegin, with the frame's length as DurationMs.
   */
  receiveDtmfEnd(ch: Channel, digit: string, durationMs: number): void {
    if (ch.dead) return;
    this.emit('DTMFEnd', { channel: ch.snapshot(), digit, durationMs, direction: 'Received' });
    ch.vars.set('__LASTDTMF', digit);
    ch.wake('signal');
  }

  /**
   * ast_senddigit_begin/end on a channel: the technology passes the digit on. A Local half
   * queues it to its peer, which reads a begin and an end frame; other technologies send it
   * to the far end, and no event is raised (events come only from frames a channel reads).
   */
  sendDigitToTech(ch: Channel, digit: string, durationMs: number): void {
    const peer = ch.localHalf !== 0 ? ch.localPeer : undefined;
    if (!peer || peer.dead) return;
    this.emit('DTMFBegin', { channel: peer.snapshot(), digit, direction: 'Received' });
    this.receiveDtmfEnd(peer, digit, durationMs);
  }

  /** A hook flash read by a channel (SendFlash): the Flash event. */
  receiveFlash(ch: Channel): void {
    if (!ch.dead) this.emit('Flash', { channel: ch.snapshot() });
  }

  sendText(ch: Channel, text: string): boolean {
    if (ch.dead) return false;
    this.emit('TextMessage', { channel: ch.snapshot(), text });
    return true;
  }

  hold(ch: Channel, musicClass = ''): void {
    ch.onHold = true;
    this.devices.recount(ch);
    this.emit('Hold', { channel: ch.snapshot(), musicClass });
    this.deviceChanged(ch.device);
  }

  unhold(ch: Channel): void {
    ch.onHold = false;
    this.devices.recount(ch);
    this.emit('Unhold', { channel: ch.snapshot() });
    this.deviceChanged(ch.device);
  }

  /** UserEvent(name,key: value,...) from dialplan or elsewhere. */
  userEvent(ch: Channel, name: string, headers: Array<[string, string]>): void {
    this.emit('UserEvent', { channel: ch.snapshot(), userEvent: name, headers });
  }

  /** LocalOptimizeAway: bridges the two outer channels of a Local pair directly; false if not possible. */
  localOptimizeAway(ch: Channel): boolean {
    return localOptimizeAway(this, ch);
  }

  /**
   * Bridge swap: `incoming` takes `outgoing`'s place in `b` (BridgeEnter with SwapUniqueid,
   * then BridgeLeave of the replaced channel), without the bridge dissolving in between.
   */
  swapIntoBridge(b: Bridge, incoming: Channel, outgoing: Channel): void {
    swapIntoBridge(this, b, incoming, outgoing);
  }

  // ---- device and extension state -----------------------------------------------------------

  /** Asks for a device state recomputation; published with the next batch. */
  deviceChanged(device: string): void {
    this.devices.changed(device);
  }

  /**
   * DEVICE_STATE() (funcs/func_devstate.c): reads any device's state; writes only `Custom:`
   * devices, with a known state name, kept in astdb (family CustomDevstate) and published as
   * cachable.
   */
  private registerDeviceStateFunction(): void {
    this.functions.register('DEVICE_STATE', {
      read: (_e, args) => deviceStateText(this.devices.state(args.trim())),
      write: (env, args, value) => {
        if (!/^custom:/i.test(args)) {
          env.warn("The DEVICE_STATE function can only be used to set 'Custom:' device state!");
          return false;
        }
        const name = args.slice('Custom:'.length);
        if (!name) {
          env.warn('DEVICE_STATE function called with no custom device name!');
          return false;
        }
        const state = deviceStateFromName(value);
        if (state === undefined || state === DeviceState.UNKNOWN) {
          env.warn(`DEVICE_STATE function given invalid state value '${value}'`);
          return false;
        }
        this.astdb.put('CustomDevstate', name, value);
        this.devices.setCustom(`Custom:${name}`, state);
        return true;
      },
    });
  }

  /** Sets a provider device state (Custom:..., Queue:..._avail) and publishes it. */
  setDeviceState(device: string, state: DeviceStateNum): void {
    this.devices.setCustom(device, state);
  }

  /**
   * chan_sip's reachability of a peer (`SIP/name` or `name`): UNAVAILABLE while unregistered or
   * unreachable; otherwise the state follows the peer's channels (in use, ringing, ...).
   */
  setSipReachability(device: string, state: string, publish = true): void {
    const peer = device.replace(/^SIP\//i, '');
    this.devices.setSipAvailable(peer, state !== 'UNAVAILABLE' && state !== 'INVALID', publish);
  }

  /**
   * local_devicestate's test: some Local pair of this device whose ;1 is still its owner and whose
   * ;2 is looked after (called, not hung up, not optimised away).
   */
  private localInUse(device: string): boolean {
    const key = device.toLowerCase();
    for (const c of this.chans.values()) {
      if (c.localHalf !== 1 || !c.localCalled || c.device.toLowerCase() !== key) continue;
      if (c.localPeer && !c.localPeer.dead) return true;
    }
    return false;
  }

  /** Current state of a device (`SIP/test-201`, `Local/200@agents`, `Queue:Camp200_avail`). */
  deviceState(device: string): DeviceStateNum {
    return this.devices.state(device);
  }

  /** Known devices with their states (DeviceStateList). */
  deviceStates(): Array<{ device: string; state: string }> {
    return this.devices.list();
  }

  /** The hints with their last published states, as ExtensionStateList lists them. */
  hintStates(): Array<{ context: string; exten: string; hint: string; status: number; statusText: string }> {
    return this.devices.hintStates();
  }

  /** Extension state of a hinted extension: status -1 when there is no hint. */
  extensionState(context: string, exten: string): { status: number; statusText: string; hint: string } {
    return this.devices.extensionState(context, exten);
  }
}

/** Lets apps build function environments without importing the class. */
export interface FuncEnvFactory {
  funcEnv(ch: Channel | undefined): FuncEnv;
}

export type { BridgeSnapshot, ChannelSnapshot };

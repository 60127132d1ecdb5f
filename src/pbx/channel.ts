/**
 * A channel: one leg of a call with the attributes AMI reports (state, caller ID, connected line,
 * dialplan location, application...). Channels never emit events themselves: the PBX core mutates
 * them through its own methods so that every change raises the right event in Asterisk's order.
 */
import { sleep, type Clock, type TimerHandle } from './clock.js';

/** Control frames from the far end (AST_CONTROL_*), numbered as Asterisk's. */
export type Control =
  | { type: 'ringing' }
  | { type: 'progress' }
  | { type: 'answer' }
  | { type: 'busy' }
  | { type: 'congestion' }
  | { type: 'hangup'; cause: number };

/** AST_SOFTHANGUP_ASYNCGOTO. */
const ASYNCGOTO_FLAG = 2;

export const ChannelState = {
  Down: 0,
  Rsrvd: 1,
  OffHook: 2,
  Dialing: 3,
  Ring: 4,
  Ringing: 5,
  Up: 6,
  Busy: 7,
  DialingOffhook: 8,
  PreRing: 9,
} as const;
export type ChannelStateNum = (typeof ChannelState)[keyof typeof ChannelState];

const STATE_TEXT = [
  'Down',
  'Rsrvd',
  'OffHook',
  'Dialing',
  'Ring',
  'Ringing',
  'Up',
  'Busy',
  'Dialing Offhook',
  'Pre-ring',
];

/** ast_state2str. */
export function stateDesc(state: number): string {
  return STATE_TEXT[state] ?? `Unknown (${state})`;
}

/** Immutable copy of a channel at one instant, carried by events. Empty strings are unset values
 * (AMI renders an empty caller ID number/name as `<unknown>`). */
export interface ChannelSnapshot {
  name: string;
  /** Technology as in the name: `SIP`, `Local`. */
  tech: string;
  uniqueid: string;
  linkedid: string;
  state: number;
  stateDesc: string;
  callerIdNum: string;
  callerIdName: string;
  /** Caller presentation number and its text, e.g. 0 / 'Presentation Allowed, Not Screened'. */
  callerIdPres: number;
  callerIdPresText: string;
  connectedLineNum: string;
  connectedLineName: string;
  language: string;
  accountCode: string;
  peerAccount: string;
  context: string;
  exten: string;
  priority: number;
  /** Application currently running ('' when none) and its data. */
  application: string;
  applicationData: string;
  /** BridgeUniqueid of the bridge the channel is in, '' when none. */
  bridgeId: string;
  /** Epoch ms. */
  creationTime: number;
  /** Epoch ms of answer, 0 if not answered. */
  answeredTime: number;
  /** Epoch ms at which AbsoluteTimeout hangs the channel up, 0 when none. */
  hangupTime: number;
  dnid: string;
  hangupCause: number;
  /** AMA flags name, 'DOCUMENTATION' (3) by default as Asterisk. */
  amaFlags: string;
  amaFlagsNum: number;
  nativeFormats: string;
  readFormat: string;
  writeFormat: string;
  callGroup: string;
  pickupGroup: string;
  /** True while on hold (Hold event raised, no Unhold yet). */
  onHold: boolean;
  /**
   * manager.conf `channelvars` evaluated when the snapshot was taken (name as configured, value),
   * in configured order; empty unless Pbx.setChannelVars() was called.
   */
  chanVariables: Array<[string, string]>;
}

/** The fields whose changes raise Newstate / Newexten / NewCallerid / NewAccountCode / NewConnectedLine. */
export interface PublishedFields {
  state: number;
  context: string;
  exten: string;
  priority: number;
  app: string;
  callerIdNum: string;
  callerIdName: string;
  accountCode: string;
  connectedLineNum: string;
  connectedLineName: string;
}

export type WakeReason = 'timeout' | 'hangup' | 'goto' | 'signal';

export interface PendingGoto {
  context: string;
  exten: string;
  priority: number;
}

export class Channel {
  state: number;
  callerIdNum = '';
  callerIdName = '';
  connectedLineNum = '';
  connectedLineName = '';
  language = 'en';
  accountCode = '';
  peerAccount = '';
  context: string;
  exten: string;
  priority = 1;
  application = '';
  applicationData = '';
  bridgeId = '';
  dnid = '';
  hangupCause = 0;
  answeredTime = 0;
  hangupTime = 0;
  amaFlagsNum = 3;
  formats = 'ulaw';
  onHold = false;
  readonly vars = new Map<string, string>();
  /** Soft hangup flags (SoftHangup.*); non-zero means the channel must leave what it is doing. */
  softHangupFlags = 0;
  /** Set by Redirect while the channel runs dialplan: where to continue. */
  pendingGoto: PendingGoto | undefined;
  /** True once the Hangup event has been raised. */
  dead = false;
  /** The other half of a Local pair. */
  localPeer: Channel | undefined;
  /** 1 or 2 for Local halves, 0 otherwise. */
  localHalf: 0 | 1 | 2 = 0;
  /**
   * Local ;1: the call went through and ;2 is being looked after (core_unreal's
   * AST_UNREAL_CARETAKER_THREAD, set by local_call): local_devicestate says INUSE only then.
   */
  localCalled = false;
  /** True while a dialplan (PBX loop) runs on the channel. */
  inPbx = false;
  /** Last application actually executed (for CDR lastapp/lastdata). */
  lastApp = '';
  lastData = '';
  /** Device name (`SIP/test-201`, `Local/200@agents`), used for device state. */
  readonly device: string;
  /** Dial string resource (`test-201`, `200@agents`). */
  resource = '';
  /** What the last published snapshot held, to raise only the events of what changed. */
  published: PublishedFields | undefined;
  /** > 0 while several changes are staged into one snapshot (ast_channel_stage_snapshot). */
  stageDepth = 0;
  /**
   * Whoever currently drives the channel from outside a dialplan (an originate or a Dial waiting
   * for it) receives its control frames (ringing, answer, busy, hangup) here.
   */
  controlHandler: ((c: Control) => void) | undefined;
  /** Non-zero while an originate/Dial owns the channel (it will hang it up itself). */
  owners = 0;
  /** Running an application outside the PBX loop (originate Application=). */
  inApp = false;
  /** The dialed peer this channel's CDR names as DestinationChannel. */
  cdrPeer: Channel | undefined;
  /** Dialed by Dial(): its CDR is the caller's (party B), so it writes none. */
  cdrSuppressed = false;
  /** CDR(...) values set from the dialplan (userfield and custom fields). */
  readonly cdrVars = new Map<string, string>();
  /** Hangup time (epoch ms). */
  endTime = 0;
  /** Gosub return addresses, innermost last. */
  readonly gosubStack: Array<{ context: string; exten: string; priority: number; args: number }> = [];
  /** Supplies the channelvars of snapshots (set by the PBX). */
  snapshotVars: ((ch: Channel) => Array<[string, string]>) | undefined;
  /** Run once when the channel is first answered (simulated talk times start then). */
  readonly onAnswer: Array<() => void> = [];
  /** Timers of the technology driver (simulated phone), cancelled on hangup. */
  readonly driverTimers: TimerHandle[] = [];
  private readonly waiters = new Set<(r: WakeReason) => void>();

  constructor(
    readonly name: string,
    readonly tech: string,
    readonly uniqueid: string,
    public linkedid: string,
    readonly creationTime: number,
    init: { state: number; context: string; exten: string; device: string },
  ) {
    this.state = init.state;
    this.context = init.context;
    this.exten = init.exten;
    this.device = init.device;
  }

  /** True when a soft hangup is pending or the channel is gone (ast_check_hangup). */
  get hungUp(): boolean {
    // An async goto (Redirect) is a soft hangup flag too, but it only interrupts the app.
    return this.dead || (this.softHangupFlags & ~ASYNCGOTO_FLAG) !== 0;
  }

  publishedFields(): PublishedFields {
    return {
      state: this.state,
      context: this.context,
      exten: this.exten,
      priority: this.priority,
      app: this.application,
      callerIdNum: this.callerIdNum,
      callerIdName: this.callerIdName,
      accountCode: this.accountCode,
      connectedLineNum: this.connectedLineNum,
      connectedLineName: this.connectedLineName,
    };
  }

  snapshot(): ChannelSnapshot {
    return {
      name: this.name,
      tech: this.tech,
      uniqueid: this.uniqueid,
      linkedid: this.linkedid,
      state: this.state,
      stateDesc: stateDesc(this.state),
      callerIdNum: this.callerIdNum,
      callerIdName: this.callerIdName,
      callerIdPres: 0,
      callerIdPresText: 'Presentation Allowed, Not Screened',
      connectedLineNum: this.connectedLineNum,
      connectedLineName: this.connectedLineName,
      language: this.language,
      accountCode: this.accountCode,
      peerAccount: this.peerAccount,
      context: this.context,
      exten: this.exten,
      priority: this.priority,
      application: this.application,
      applicationData: this.applicationData,
      bridgeId: this.bridgeId,
      creationTime: this.creationTime,
      answeredTime: this.answeredTime,
      hangupTime: this.hangupTime,
      dnid: this.dnid,
      hangupCause: this.hangupCause,
      amaFlags: amaFlagsName(this.amaFlagsNum),
      amaFlagsNum: this.amaFlagsNum,
      nativeFormats: `(${this.formats})`,
      readFormat: this.formats,
      writeFormat: this.formats,
      callGroup: '0',
      pickupGroup: '0',
      onHold: this.onHold,
      chanVariables: this.snapshotVars ? this.snapshotVars(this) : [],
    };
  }

  /**
   * Waits `ms` of clock time (negative: forever) unless the channel is hung up, redirected or
   * signalled first. Apps use it for everything that takes time, so a hangup interrupts them.
   */
  async wait(clock: Clock, ms: number): Promise<WakeReason> {
    if (this.hungUp) return 'hangup';
    if (this.pendingGoto) return 'goto';
    let resolveFn: (r: WakeReason) => void = () => undefined;
    const p = new Promise<WakeReason>((r) => (resolveFn = r));
    const waiter = (r: WakeReason): void => resolveFn(r);
    this.waiters.add(waiter);
    const timer = ms >= 0 ? sleep(clock, ms) : undefined;
    void timer?.done.then((fired) => {
      if (fired) resolveFn('timeout');
    });
    const r = await p;
    this.waiters.delete(waiter);
    timer?.cancel();
    return r;
  }

  /** Wakes every wait(): used for hangup, redirect and app-specific signals (answer, DTMF). */
  wake(reason: WakeReason): void {
    for (const w of [...this.waiters]) w(reason);
  }
}

export function amaFlagsName(n: number): string {
  return n === 1 ? 'OMIT' : n === 2 ? 'BILLING' : n === 3 ? 'DOCUMENTATION' : 'Unknown';
}

/** `caller ID "name" <num>` as Asterisk formats clid. */
export function formatCallerId(name: string, num: string): string {
  return `"${name}" <${num}>`;
}

/** Splits `"Name" <num>` / `Name <num>` / `num` (ast_callerid_parse). */
export function parseCallerId(s: string): { name: string; num: string } {
  const t = s.trim();
  const m = /^(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(t);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), num: m[3].trim() };
  if (/^[0-9+*#\s()-]+$/.test(t)) return { name: '', num: t.replace(/[\s()-]/g, '') };
  return { name: t.replace(/^"|"$/g, ''), num: '' };
}

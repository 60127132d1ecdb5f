/**
 * Domain events of the PBX, named after the AMI events they become. Payloads carry snapshots taken
 * at emission time plus the event's own fields, so the AMI layer maps them 1:1 without looking
 * anything up. Emission is synchronous and in Asterisk's order.
 */
import type { BridgeSnapshot } from './bridge.js';
import type { ChannelSnapshot } from './channel.js';
import type { CdrRecord } from './cdr.js';

export interface ChanEvent {
  channel: ChannelSnapshot;
}

export interface PbxEvents {
  Newchannel: ChanEvent;
  Newstate: ChanEvent;
  /** Raised when the dialplan location (context/exten/priority) changes or an app starts from none. */
  Newexten: ChanEvent & { extension: string; application: string; appData: string };
  VarSet: ChanEvent & { variable: string; value: string };
  /** Global variable set (no channel): AMI VarSet without channel headers. */
  GlobalVarSet: { variable: string; value: string };
  NewCallerid: ChanEvent & { cidCallingPres: string };
  NewConnectedLine: ChanEvent;
  NewAccountCode: ChanEvent & { oldAccountCode: string };
  /** `caller` is undefined for originated calls (no calling channel). */
  DialBegin: { caller: ChannelSnapshot | undefined; dest: ChannelSnapshot; dialString: string };
  DialState: {
    caller: ChannelSnapshot | undefined;
    dest: ChannelSnapshot;
    dialStatus: string;
    forward: string;
  };
  DialEnd: {
    caller: ChannelSnapshot | undefined;
    dest: ChannelSnapshot;
    dialStatus: string;
    forward: string;
  };
  LocalBridge: {
    localOne: ChannelSnapshot;
    localTwo: ChannelSnapshot;
    context: string;
    exten: string;
    localOptimization: boolean;
  };
  LocalOptimizationBegin: {
    localOne: ChannelSnapshot;
    localTwo: ChannelSnapshot;
    source: ChannelSnapshot;
    destUniqueId: string;
    id: number;
  };
  LocalOptimizationEnd: {
    localOne: ChannelSnapshot;
    localTwo: ChannelSnapshot;
    success: boolean;
    id: number;
  };
  BridgeCreate: { bridge: BridgeSnapshot };
  BridgeEnter: { bridge: BridgeSnapshot; channel: ChannelSnapshot; swapUniqueid: string };
  BridgeLeave: { bridge: BridgeSnapshot; channel: ChannelSnapshot };
  BridgeDestroy: { bridge: BridgeSnapshot };
  BlindTransfer: {
    result: string;
    transferer: ChannelSnapshot;
    transferee: ChannelSnapshot | undefined;
    bridge: BridgeSnapshot | undefined;
    isExternal: boolean;
    context: string;
    extension: string;
  };
  AttendedTransfer: {
    result: string;
    origTransferer: ChannelSnapshot;
    origBridge: BridgeSnapshot | undefined;
    secondTransferer: ChannelSnapshot;
    secondBridge: BridgeSnapshot | undefined;
    destType: string;
    destBridgeUniqueid: string;
  };
  /** Cause: the Q.850 cause queued with the hangup (ast_queue_hangup_with_cause). */
  HangupRequest: ChanEvent & { cause: number };
  /** Cause: the AST_SOFTHANGUP_* flag (16 when the PBX loop ends), not a Q.850 cause. */
  SoftHangupRequest: ChanEvent & { cause: number };
  Hangup: ChanEvent & { cause: number; causeText: string };
  DTMFBegin: ChanEvent & { digit: string; direction: 'Received' | 'Sent' };
  /** A hook flash read on a channel (AST_CONTROL_FLASH). */
  Flash: ChanEvent;
  DTMFEnd: ChanEvent & { digit: string; durationMs: number; direction: 'Received' | 'Sent' };
  /** `headers`: the UserEvent's extra `key: value` pairs in order. */
  UserEvent: ChanEvent & { userEvent: string; headers: Array<[string, string]> };
  Hold: ChanEvent & { musicClass: string };
  Unhold: ChanEvent;
  MusicOnHoldStart: ChanEvent & { mohClass: string };
  MusicOnHoldStop: ChanEvent;
  /** SendText on a channel (AMI has no standard event; kept for the console). */
  TextMessage: ChanEvent & { text: string };
  DeviceStateChange: { device: string; state: string };
  ExtensionStatus: { exten: string; context: string; hint: string; status: number; statusText: string };
  Cdr: { cdr: CdrRecord };
  /** Something Asterisk would log (warnings, notices); for the console / debugging. */
  Log: { level: 'WARNING' | 'NOTICE' | 'ERROR' | 'VERBOSE'; message: string };
}

export type PbxEventName = keyof PbxEvents;
export type PbxListener<K extends PbxEventName> = (payload: PbxEvents[K]) => void;
/** One listener for every event, for the AMI bridge and tests: (name, payload). */
export type AnyListener = <K extends PbxEventName>(name: K, payload: PbxEvents[K]) => void;

/** Minimal typed emitter: synchronous, in subscription order. */
export class PbxEmitter {
  private readonly byName = new Map<PbxEventName, Array<(p: unknown) => void>>();
  private readonly any: AnyListener[] = [];

  on<K extends PbxEventName>(name: K, fn: PbxListener<K>): () => void {
    const list = this.byName.get(name) ?? [];
    const f = fn as (p: unknown) => void;
    list.push(f);
    this.byName.set(name, list);
    return () => {
      const i = list.indexOf(f);
      if (i >= 0) list.splice(i, 1);
    };
  }

  onAny(fn: AnyListener): () => void {
    this.any.push(fn);
    return () => {
      const i = this.any.indexOf(fn);
      if (i >= 0) this.any.splice(i, 1);
    };
  }

  emit<K extends PbxEventName>(name: K, payload: PbxEvents[K]): void {
    for (const f of this.byName.get(name) ?? []) f(payload);
    for (const f of this.any) f(name, payload);
  }
}

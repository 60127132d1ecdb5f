/**
 * The telephony core's domain events as AMI events: names, classes and header order of Asterisk 20
 * (spec/ami-events.json, checked against the recorded transcripts). One definition per event keeps
 * the mapping reviewable; `forwardPbxEvents` wires them all to the manager.
 */
import type { Manager } from '../../manager/manager.js';
import type { EventClass } from '../../manager/action.js';
import {
  defineEvent,
  type AnyEventDefinition,
  type EventDefinition,
  type EventName,
} from '../../manager/event-def.js';
import type { PbxEvents, PbxEventName } from '../../pbx/events.js';
import type { ChannelSnapshot } from '../../pbx/channel.js';
import { bridgeHeaders, channelHeaders, escapeC, type Header, type VarLookup } from './snapshots.js';

type ChanFn = (s: ChannelSnapshot | undefined, prefix?: string) => Header[];
/** What a definition reads: the domain event and the channel snapshot formatter (channelvars). */
type In<K extends PbxEventName> = { p: PbxEvents[K]; ch: ChanFn };
type Def<K extends PbxEventName> = EventDefinition<In<K>>;

const def = <K extends PbxEventName>(
  name: EventName,
  cls: EventClass,
  headers: (p: PbxEvents[K], ch: ChanFn) => Header[],
): Def<K> => defineEvent<In<K>>(name, cls, ({ p, ch }) => headers(p, ch));

/** An event about one channel: its snapshot, then `extra`. */
const simple = <K extends PbxEventName>(
  name: EventName,
  cls: EventClass,
  extra: (p: PbxEvents[K]) => Header[] = () => [],
): Def<K> =>
  def<K>(name, cls, (p, ch) => [
    ...ch((p as PbxEvents[K] & { channel: ChannelSnapshot }).channel),
    ...extra(p),
  ]);

const yesNo = (b: boolean): string => (b ? 'Yes' : 'No');
/** varset_to_ami(): the value is C-escaped. */
const varHeaders = (p: { variable: string; value: string }): Header[] => [
  ['Variable', p.variable],
  ['Value', escapeC(p.value)],
];

/** Every mapped event. Events the telephony core raises for other consumers (Log, TextMessage) are absent. */
export const CORE_EVENTS: { [K in PbxEventName]?: Def<K> } = {
  Newchannel: simple('Newchannel', 'call'),
  Newstate: simple('Newstate', 'call'),
  Newexten: simple<'Newexten'>('Newexten', 'dialplan', (p) => [
    ['Extension', p.extension],
    ['Application', p.application],
    ['AppData', p.appData],
  ]),
  VarSet: simple<'VarSet'>('VarSet', 'dialplan', varHeaders),
  // Global variables raise VarSet too; varset_to_ami() writes `none` for the missing channel.
  GlobalVarSet: def<'GlobalVarSet'>('VarSet', 'dialplan', (p) => [
    ['Channel', 'none'],
    ['Uniqueid', 'none'],
    ...varHeaders(p),
  ]),
  NewCallerid: simple<'NewCallerid'>('NewCallerid', 'call', (p) => [['CID-CallingPres', p.cidCallingPres]]),
  NewConnectedLine: simple('NewConnectedLine', 'call'),
  NewAccountCode: simple<'NewAccountCode'>('NewAccountCode', 'call', (p) => [
    ['OldAccountCode', p.oldAccountCode],
  ]),
  DialBegin: def<'DialBegin'>('DialBegin', 'call', (p, ch) => [
    ...ch(p.caller),
    ...ch(p.dest, 'Dest'),
    ['DialString', p.dialString],
  ]),
  DialState: def<'DialState'>('DialState', 'call', (p, ch) => [
    ...ch(p.caller),
    ...ch(p.dest, 'Dest'),
    ['DialStatus', p.dialStatus],
    ...fwd(p.forward),
  ]),
  DialEnd: def<'DialEnd'>('DialEnd', 'call', (p, ch) => [
    ...ch(p.caller),
    ...ch(p.dest, 'Dest'),
    ['DialStatus', p.dialStatus],
    ...fwd(p.forward),
  ]),
  LocalBridge: def<'LocalBridge'>('LocalBridge', 'call', (p, ch) => [
    ...ch(p.localOne, 'LocalOne'),
    ...ch(p.localTwo, 'LocalTwo'),
    ['Context', p.context],
    ['Exten', p.exten],
    ['LocalOptimization', yesNo(p.localOptimization)],
  ]),
  LocalOptimizationBegin: def<'LocalOptimizationBegin'>('LocalOptimizationBegin', 'call', (p, ch) => [
    ...ch(p.localOne, 'LocalOne'),
    ...ch(p.localTwo, 'LocalTwo'),
    ...ch(p.source, 'Source'),
    ['DestUniqueId', p.destUniqueId],
    ['Id', String(p.id)],
  ]),
  LocalOptimizationEnd: def<'LocalOptimizationEnd'>('LocalOptimizationEnd', 'call', (p, ch) => [
    ...ch(p.localOne, 'LocalOne'),
    ...ch(p.localTwo, 'LocalTwo'),
    ['Success', yesNo(p.success)],
    ['Id', String(p.id)],
  ]),
  BridgeCreate: def<'BridgeCreate'>('BridgeCreate', 'call', (p) => bridgeHeaders(p.bridge)),
  BridgeDestroy: def<'BridgeDestroy'>('BridgeDestroy', 'call', (p) => bridgeHeaders(p.bridge)),
  BridgeEnter: def<'BridgeEnter'>('BridgeEnter', 'call', (p, ch) => [
    ...bridgeHeaders(p.bridge),
    ...ch(p.channel),
    ...(p.swapUniqueid ? [['SwapUniqueid', p.swapUniqueid] as Header] : []),
  ]),
  BridgeLeave: def<'BridgeLeave'>('BridgeLeave', 'call', (p, ch) => [
    ...bridgeHeaders(p.bridge),
    ...ch(p.channel),
  ]),
  BlindTransfer: def<'BlindTransfer'>('BlindTransfer', 'call', (p, ch) => [
    ['Result', p.result],
    ...ch(p.transferer, 'Transferer'),
    ...ch(p.transferee, 'Transferee'),
    ...(p.bridge ? bridgeHeaders(p.bridge) : []),
    ['IsExternal', yesNo(p.isExternal)],
    ['Context', p.context],
    ['Extension', p.extension],
  ]),
  AttendedTransfer: def<'AttendedTransfer'>('AttendedTransfer', 'call', (p, ch) => [
    ['Result', p.result],
    ...ch(p.origTransferer, 'OrigTransferer'),
    ...(p.origBridge ? bridgeHeaders(p.origBridge, 'Orig') : []),
    ...ch(p.secondTransferer, 'SecondTransferer'),
    ...(p.secondBridge ? bridgeHeaders(p.secondBridge, 'Second') : []),
    ['DestType', p.destType],
    ...(p.destBridgeUniqueid ? [['DestBridgeUniqueid', p.destBridgeUniqueid] as Header] : []),
  ]),
  HangupRequest: simple<'HangupRequest'>('HangupRequest', 'call', (p) => [['Cause', String(p.cause)]]),
  SoftHangupRequest: simple<'SoftHangupRequest'>('SoftHangupRequest', 'call', (p) => [
    ['Cause', String(p.cause)],
  ]),
  Hangup: simple<'Hangup'>('Hangup', 'call', (p) => [
    ['Cause', String(p.cause)],
    ['Cause-txt', p.causeText],
  ]),
  Flash: simple('Flash', 'call'),
  DTMFBegin: simple<'DTMFBegin'>('DTMFBegin', 'dtmf', (p) => [
    ['Digit', p.digit],
    ['Direction', p.direction],
  ]),
  DTMFEnd: simple<'DTMFEnd'>('DTMFEnd', 'dtmf', (p) => [
    ['Digit', p.digit],
    ['DurationMs', String(p.durationMs)],
    ['Direction', p.direction],
  ]),
  UserEvent: simple<'UserEvent'>('UserEvent', 'user', (p) => [['UserEvent', p.userEvent], ...p.headers]),
  Hold: simple<'Hold'>('Hold', 'call', (p) => [['MusicClass', p.musicClass]]),
  Unhold: simple('Unhold', 'call'),
  MusicOnHoldStart: simple<'MusicOnHoldStart'>('MusicOnHoldStart', 'call', (p) => [['Class', p.mohClass]]),
  MusicOnHoldStop: simple('MusicOnHoldStop', 'call'),
  DeviceStateChange: def<'DeviceStateChange'>('DeviceStateChange', 'call', (p) => [
    ['Device', p.device],
    ['State', p.state],
  ]),
  ExtensionStatus: def<'ExtensionStatus'>('ExtensionStatus', 'call', (p) => [
    ['Exten', p.exten],
    ['Context', p.context],
    ['Hint', p.hint],
    ['Status', String(p.status)],
    ['StatusText', p.statusText],
  ]),
  Cdr: def<'Cdr'>('Cdr', 'cdr', ({ cdr: c }) => [
    ['AccountCode', c.accountCode],
    ['Source', c.source],
    ['Destination', c.destination],
    ['DestinationContext', c.destinationContext],
    ['CallerID', c.callerId],
    ['Channel', c.channel],
    ['DestinationChannel', c.destinationChannel],
    ['LastApplication', c.lastApplication],
    ['LastData', c.lastData],
    ['StartTime', c.startTime],
    ['AnswerTime', c.answerTime],
    ['EndTime', c.endTime],
    ['Duration', String(c.duration)],
    ['BillableSeconds', String(c.billableSeconds)],
    ['Disposition', c.disposition],
    ['AMAFlags', c.amaFlags],
    ['UniqueID', c.uniqueId],
    ['UserField', c.userField],
  ]),
};

/** The outcome of an `Async: true` Originate (originate_exec's manager_event). */
export const ORIGINATE_RESPONSE = defineEvent<{
  actionId: string;
  success: boolean;
  channel: string;
  /** Empty when the call goes to the dialplan (context, exten). */
  app: string;
  appdata: string;
  context: string;
  exten: string;
  reason: number;
  uniqueid: string;
  callerIdNum: string;
  callerIdName: string;
  /** `ChanVariable(<channel>)` lines for manager.conf channelvars. */
  chanVariables: Header[];
}>('OriginateResponse', 'call', (o) => [
  ...(o.actionId ? [['ActionID', o.actionId] as Header] : []),
  ['Response', o.success ? 'Success' : 'Failure'],
  ['Channel', o.channel],
  ...(o.app
    ? ([
        ['Application', o.app],
        ['Data', o.appdata],
      ] as Header[])
    : ([
        ['Context', o.context],
        ['Exten', o.exten],
      ] as Header[])),
  ['Reason', String(o.reason)],
  ['Uniqueid', o.uniqueid],
  ['CallerIDNum', o.callerIdNum],
  ['CallerIDName', o.callerIdName],
  ...o.chanVariables,
]);

function fwd(forward: string): Header[] {
  return forward ? [['Forward', forward]] : [];
}

/** Subscribes the manager to a telephony core's events. Returns the unsubscribe function. */
export function forwardPbxEvents(
  manager: Manager,
  onAny: (fn: <K extends PbxEventName>(name: K, payload: PbxEvents[K]) => void) => () => void,
  lookup: VarLookup,
): () => void {
  const ch: ChanFn = (s, prefix = '') =>
    s ? channelHeaders(s, prefix, manager.config.general.channelvars, lookup) : [];
  return onAny((name, payload) => {
    const event = CORE_EVENTS[name] as Def<typeof name> | undefined;
    if (event) manager.raise(event, { p: payload, ch });
  });
}

/** Everything the core module forwards. */
export const CORE_EVENT_LIST: readonly AnyEventDefinition[] = [
  ...Object.values(CORE_EVENTS),
  ORIGINATE_RESPONSE,
];

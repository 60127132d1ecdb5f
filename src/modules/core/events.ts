/**
 * The telephony core's domain events as AMI events: names, classes and header order of Asterisk 20
 * (spec/ami-events.json, checked against the recorded transcripts). One function per event keeps the
 * mapping reviewable; `forward` wires them all to the manager.
 */
import type { Manager } from '../../manager/manager.js';
import { EVENT_FLAG } from '../../config/permissions.js';
import type { PbxEvents, PbxEventName } from '../../pbx/events.js';
import type { ChannelSnapshot } from '../../pbx/channel.js';
import { bridgeHeaders, channelHeaders, type Header, type VarLookup } from './snapshots.js';

type Mapper<K extends PbxEventName> = (
  p: PbxEvents[K],
  ch: ChanFn,
) => { name: string; cls: number; headers: Header[] } | null;
type ChanFn = (s: ChannelSnapshot | undefined, prefix?: string) => Header[];

const { CALL, DIALPLAN, DTMF, USER, CDR } = EVENT_FLAG;

const simple =
  <K extends PbxEventName>(name: string, cls: number, extra: (p: PbxEvents[K]) => Header[] = () => []) =>
  (p: PbxEvents[K] & { channel: ChannelSnapshot }, ch: ChanFn) => ({
    name,
    cls,
    headers: [...ch(p.channel), ...extra(p)],
  });

const yesNo = (b: boolean): string => (b ? 'Yes' : 'No');

/** Every mapped event. Events the telephony core raises for other consumers (Log, TextMessage) are absent. */
export const MAPPERS: { [K in PbxEventName]?: Mapper<K> } = {
  Newchannel: simple('Newchannel', CALL),
  Newstate: simple('Newstate', CALL),
  Newexten: simple<'Newexten'>('Newexten', DIALPLAN, (p) => [
    ['Extension', p.extension],
    ['Application', p.application],
    ['AppData', p.appData],
  ]),
  VarSet: simple<'VarSet'>('VarSet', DIALPLAN, (p) => [
    ['Variable', p.variable],
    ['Value', p.value],
  ]),
  GlobalVarSet: (p) => ({
    name: 'VarSet',
    cls: DIALPLAN,
    headers: [
      ['Variable', p.variable],
      ['Value', p.value],
    ],
  }),
  NewCallerid: simple<'NewCallerid'>('NewCallerid', CALL, (p) => [['CID-CallingPres', p.cidCallingPres]]),
  NewConnectedLine: simple('NewConnectedLine', CALL),
  NewAccountCode: simple<'NewAccountCode'>('NewAccountCode', CALL, (p) => [
    ['OldAccountCode', p.oldAccountCode],
  ]),
  DialBegin: (p, ch) => ({
    name: 'DialBegin',
    cls: CALL,
    headers: [...ch(p.caller), ...ch(p.dest, 'Dest'), ['DialString', p.dialString]],
  }),
  DialState: (p, ch) => ({
    name: 'DialState',
    cls: CALL,
    headers: [...ch(p.caller), ...ch(p.dest, 'Dest'), ['DialStatus', p.dialStatus], ...fwd(p.forward)],
  }),
  DialEnd: (p, ch) => ({
    name: 'DialEnd',
    cls: CALL,
    headers: [...ch(p.caller), ...ch(p.dest, 'Dest'), ['DialStatus', p.dialStatus], ...fwd(p.forward)],
  }),
  LocalBridge: (p, ch) => ({
    name: 'LocalBridge',
    cls: CALL,
    headers: [
      ...ch(p.localOne, 'LocalOne'),
      ...ch(p.localTwo, 'LocalTwo'),
      ['Context', p.context],
      ['Exten', p.exten],
      ['LocalOptimization', yesNo(p.localOptimization)],
    ],
  }),
  LocalOptimizationBegin: (p, ch) => ({
    name: 'LocalOptimizationBegin',
    cls: CALL,
    headers: [
      ...ch(p.localOne, 'LocalOne'),
      ...ch(p.localTwo, 'LocalTwo'),
      ...ch(p.source, 'Source'),
      ['DestUniqueId', p.destUniqueId],
      ['Id', String(p.id)],
    ],
  }),
  LocalOptimizationEnd: (p, ch) => ({
    name: 'LocalOptimizationEnd',
    cls: CALL,
    headers: [
      ...ch(p.localOne, 'LocalOne'),
      ...ch(p.localTwo, 'LocalTwo'),
      ['Success', yesNo(p.success)],
      ['Id', String(p.id)],
    ],
  }),
  BridgeCreate: (p) => ({ name: 'BridgeCreate', cls: CALL, headers: bridgeHeaders(p.bridge) }),
  BridgeDestroy: (p) => ({ name: 'BridgeDestroy', cls: CALL, headers: bridgeHeaders(p.bridge) }),
  BridgeEnter: (p, ch) => ({
    name: 'BridgeEnter',
    cls: CALL,
    headers: [
      ...bridgeHeaders(p.bridge),
      ...ch(p.channel),
      ...(p.swapUniqueid ? [['SwapUniqueid', p.swapUniqueid] as Header] : []),
    ],
  }),
  BridgeLeave: (p, ch) => ({
    name: 'BridgeLeave',
    cls: CALL,
    headers: [...bridgeHeaders(p.bridge), ...ch(p.channel)],
  }),
  BlindTransfer: (p, ch) => ({
    name: 'BlindTransfer',
    cls: CALL,
    headers: [
      ['Result', p.result],
      ...ch(p.transferer, 'Transferer'),
      ...ch(p.transferee, 'Transferee'),
      ...(p.bridge ? bridgeHeaders(p.bridge) : []),
      ['IsExternal', yesNo(p.isExternal)],
      ['Context', p.context],
      ['Extension', p.extension],
    ],
  }),
  AttendedTransfer: (p, ch) => ({
    name: 'AttendedTransfer',
    cls: CALL,
    headers: [
      ['Result', p.result],
      ...ch(p.origTransferer, 'OrigTransferer'),
      ...(p.origBridge ? bridgeHeaders(p.origBridge, 'Orig') : []),
      ...ch(p.secondTransferer, 'SecondTransferer'),
      ...(p.secondBridge ? bridgeHeaders(p.secondBridge, 'Second') : []),
      ['DestType', p.destType],
      ...(p.destBridgeUniqueid ? [['DestBridgeUniqueid', p.destBridgeUniqueid] as Header] : []),
    ],
  }),
  HangupRequest: simple<'HangupRequest'>('HangupRequest', CALL, (p) => [['Cause', String(p.cause)]]),
  SoftHangupRequest: simple<'SoftHangupRequest'>('SoftHangupRequest', CALL, (p) => [
    ['Cause', String(p.cause)],
  ]),
  Hangup: simple<'Hangup'>('Hangup', CALL, (p) => [
    ['Cause', String(p.cause)],
    ['Cause-txt', p.causeText],
  ]),
  DTMFBegin: simple<'DTMFBegin'>('DTMFBegin', DTMF, (p) => [
    ['Digit', p.digit],
    ['Direction', p.direction],
  ]),
  DTMFEnd: simple<'DTMFEnd'>('DTMFEnd', DTMF, (p) => [
    ['Digit', p.digit],
    ['DurationMs', String(p.durationMs)],
    ['Direction', p.direction],
  ]),
  UserEvent: simple<'UserEvent'>('UserEvent', USER, (p) => [['UserEvent', p.userEvent], ...p.headers]),
  Hold: simple<'Hold'>('Hold', CALL, (p) => [['MusicClass', p.musicClass]]),
  Unhold: simple('Unhold', CALL),
  MusicOnHoldStart: simple<'MusicOnHoldStart'>('MusicOnHoldStart', CALL, (p) => [['Class', p.mohClass]]),
  MusicOnHoldStop: simple('MusicOnHoldStop', CALL),
  DeviceStateChange: (p) => ({
    name: 'DeviceStateChange',
    cls: CALL,
    headers: [
      ['Device', p.device],
      ['State', p.state],
    ],
  }),
  ExtensionStatus: (p) => ({
    name: 'ExtensionStatus',
    cls: CALL,
    headers: [
      ['Exten', p.exten],
      ['Context', p.context],
      ['Hint', p.hint],
      ['Status', String(p.status)],
      ['StatusText', p.statusText],
    ],
  }),
  Cdr: (p) => {
    const c = p.cdr;
    return {
      name: 'Cdr',
      cls: CDR,
      headers: [
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
      ],
    };
  },
};

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
    const mapper = MAPPERS[name] as Mapper<typeof name> | undefined;
    if (!mapper) return;
    const ev = mapper(payload, ch);
    if (ev) manager.publish(ev.name, ev.cls, ev.headers);
  });
}

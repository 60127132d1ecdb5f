/**
 * app_queue's AMI events: the engine's domain events as Asterisk 20 raises them (class agent), with
 * the QueueMember header group of queue_member_blob_create.
 */
import {
  defineEvent,
  type AnyEventDefinition,
  type EventDefinition,
  type EventName,
} from '../../manager/event-def.js';
import type { ChannelSnapshot } from '../../pbx/channel.js';
import type { Header } from '../core/snapshots.js';
import type { MemberView, QueueEvent } from './engine.js';

/** The QueueMember header group (queue_member_blob_create's fields in Asterisk 20's order). */
export function memberHeaders(m: MemberView): Header[] {
  return [
    ['Queue', m.queue],
    ['MemberName', m.membername],
    ['Interface', m.interface],
    ['StateInterface', m.stateInterface],
    ['Membership', m.dynamic ? 'dynamic' : 'static'],
    ['Penalty', String(m.penalty)],
    ['CallsTaken', String(m.calls)],
    ['LastCall', String(m.lastcall)],
    ['LastPause', String(m.lastpause)],
    ['LoginTime', String(m.logintime)],
    ['InCall', m.inCall ? '1' : '0'],
    ['Status', String(m.status)],
    ['Paused', m.paused ? '1' : '0'],
    ['PausedReason', m.reasonPaused],
    ['Ringinuse', m.ringinuse ? '1' : '0'],
    ['Wrapuptime', String(m.wrapuptime)],
  ];
}

export type ChanFn = (s: ChannelSnapshot, prefix?: string) => Header[];
/** The engine event of a type (some event shapes carry two types). */
type EventOf<T extends QueueEvent['type']> = QueueEvent extends infer E
  ? E extends { type: infer U }
    ? T extends U
      ? E
      : never
    : never
  : never;
export type Of<T extends QueueEvent['type']> = { e: EventOf<T>; chan: ChanFn };
type AgentEventType = 'AgentCalled' | 'AgentDump' | 'AgentRingNoAnswer' | 'AgentConnect' | 'AgentComplete';
type AgentEvent = EventOf<AgentEventType>;

const memberEvent = <T extends QueueEvent['type']>(name: EventName) =>
  defineEvent<Of<T>>(name, 'agent', ({ e }) => memberHeaders((e as { member: MemberView }).member));

/**
 * An agent event: the caller, the member's channel (Dest), the queue and member, then `extra`. The
 * blob's keys come out in the order app_queue packs them (ast_json_pack keeps insertion order):
 * Queue, Interface, MemberName, then the figures.
 */
const agentEvent = <T extends AgentEventType>(
  name: EventName,
  extra: (e: Of<T>['e']) => Header[] = () => [],
) =>
  defineEvent<Of<T>>(name, 'agent', ({ e, chan }) => {
    const a = e as AgentEvent;
    return [
      ...chan(a.caller),
      ...chan(a.agent, 'Dest'),
      ['Queue', a.queue.name],
      ['Interface', a.member.interface],
      ['MemberName', a.member.membername],
      ...extra(e),
    ];
  });

/** app_queue's events (class agent) with Asterisk 20's headers, by the engine's event type. */
export const QUEUE_EVENTS: { [T in QueueEvent['type']]: EventDefinition<Of<T>> } = {
  MemberAdded: memberEvent('QueueMemberAdded'),
  MemberRemoved: memberEvent('QueueMemberRemoved'),
  MemberPause: memberEvent('QueueMemberPause'),
  MemberPenalty: memberEvent('QueueMemberPenalty'),
  MemberRinginuse: memberEvent('QueueMemberRinginuse'),
  MemberStatus: memberEvent('QueueMemberStatus'),
  CallerJoin: defineEvent<Of<'CallerJoin'>>('QueueCallerJoin', 'agent', ({ e, chan }) => [
    ...chan(e.caller),
    ['Queue', e.queue.name],
    ['Position', String(e.position)],
    ['Count', String(e.count)],
  ]),
  CallerLeave: defineEvent<Of<'CallerLeave'>>('QueueCallerLeave', 'agent', ({ e, chan }) => [
    ...chan(e.caller),
    ['Queue', e.queue.name],
    ['Position', String(e.position)],
    ['Count', String(e.count)],
  ]),
  CallerAbandon: defineEvent<Of<'CallerAbandon'>>('QueueCallerAbandon', 'agent', ({ e, chan }) => [
    ...chan(e.caller),
    ['Queue', e.queue.name],
    ['Position', String(e.position)],
    ['OriginalPosition', String(e.originalPosition)],
    ['HoldTime', String(e.holdTime)],
  ]),
  AgentCalled: agentEvent('AgentCalled'),
  AgentDump: agentEvent('AgentDump'),
  AgentRingNoAnswer: agentEvent<'AgentRingNoAnswer'>('AgentRingNoAnswer', (e) => [
    ['RingTime', String(e.ringTime)],
  ]),
  AgentConnect: agentEvent<'AgentConnect'>('AgentConnect', (e) => [
    ['HoldTime', String(e.holdTime)],
    ['RingTime', String(e.ringTime)],
  ]),
  AgentComplete: agentEvent<'AgentComplete'>('AgentComplete', (e) => [
    ['HoldTime', String(e.holdTime)],
    ['TalkTime', String(e.talkTime)],
    ['Reason', e.reason],
  ]),
};

/** The definition of an engine event. */
export function queueEventDefinition<T extends QueueEvent['type']>(type: T): EventDefinition<Of<T>> {
  return QUEUE_EVENTS[type];
}

/** A queue event as the AMI event Asterisk 20 raises: name and headers (class agent). */
export function eventToAmi(e: QueueEvent, chan: ChanFn): { name: string; headers: Header[] } {
  const def = queueEventDefinition(e.type) as EventDefinition<Of<QueueEvent['type']>>;
  return { name: def.name, headers: [...def.headers({ e, chan })] };
}

/** Everything app_queue raises. */
export const QUEUE_EVENT_LIST: readonly AnyEventDefinition[] = Object.values(QUEUE_EVENTS);

/**
 * The callers' line: joining (by priority, or at a position), leaving, a new priority, a withdrawal
 * asked by QueueWithdrawCaller, and whose turn it is to have members rung.
 */
import { DeviceState } from '../../pbx/devicestate.js';
import { numAvailable, memberStatus } from './availability.js';
import type { Caller } from './caller.js';
import type { QueueContext, QueueResult } from './context.js';
import type { Queue } from './queue.js';

/** Why a caller left the queue without being connected (the QUEUESTATUS variable). */
export type QueueExitStatus =
  'TIMEOUT' | 'FULL' | 'JOINEMPTY' | 'LEAVEEMPTY' | 'JOINUNAVAIL' | 'LEAVEUNAVAIL' | 'CONTINUE' | 'WITHDRAW';

function renumber(q: Queue): void {
  q.callers.forEach((o, i) => (o.pos = i + 1));
}

/** Where a caller of priority `prio` goes: before the first caller of a lower priority. */
function priorityIndex(q: Queue, prio: number): number {
  const i = q.callers.findIndex((o) => o.prio < prio);
  return i < 0 ? q.callers.length : i;
}

/** join_queue: inserts by priority (or at `position`); returns the failure reason if any. */
export function join(ctx: QueueContext, q: Queue, c: Caller, position: number): QueueExitStatus | undefined {
  if (q.params.joinempty && memberStatus(ctx, q, c, q.params.joinempty)) return 'JOINEMPTY';
  if (q.params.maxlen && q.count >= q.params.maxlen) return 'FULL';
  const idx = position > 0 && position <= q.callers.length ? position - 1 : priorityIndex(q, c.prio);
  q.callers.splice(idx, 0, c);
  renumber(q);
  c.opos = c.pos;
  // The queue's own device (`Queue:<name>`) rings while callers wait.
  if (q.count === 1) ctx.pbx.setDeviceState(`Queue:${q.name}`, DeviceState.RINGING);
  ctx.emit({
    type: 'CallerJoin',
    queue: q,
    caller: c.channel.snapshot(),
    position: c.pos,
    count: q.count,
  });
  return undefined;
}

/** leave_queue. */
export function leave(ctx: QueueContext, c: Caller): void {
  const q = c.queue;
  const i = q.callers.indexOf(c);
  if (i < 0) return;
  q.callers.splice(i, 1);
  if (q.count === 0) ctx.pbx.setDeviceState(`Queue:${q.name}`, DeviceState.NOT_INUSE);
  ctx.emit({
    type: 'CallerLeave',
    queue: q,
    caller: c.channel.snapshot(),
    count: q.count,
    position: c.pos,
  });
  renumber(q);
  ctx.pbx.setVar(c.channel, 'QUEUEPOSITION', String(c.pos));
}

/** The caller on `channel` in the queue, or why there is none. */
function findCaller(
  ctx: QueueContext,
  queuename: string,
  channel: string,
): Caller | 'NOSUCHQUEUE' | 'NOT_CALLER' {
  const q = ctx.get(queuename);
  if (!q) return 'NOSUCHQUEUE';
  return q.callers.find((x) => x.channel.name === channel) ?? 'NOT_CALLER';
}

/** QueueChangePriorityCaller. */
export function changePriority(
  ctx: QueueContext,
  queuename: string,
  channel: string,
  prio: number,
  immediate: boolean,
): QueueResult {
  const c = findCaller(ctx, queuename, channel);
  if (typeof c === 'string') return c;
  const q = c.queue;
  c.prio = prio;
  if (immediate) {
    q.callers.splice(q.callers.indexOf(c), 1);
    q.callers.splice(priorityIndex(q, c.prio), 0, c);
    renumber(q);
  }
  return 'OK';
}

/** QueueWithdrawCaller. */
export function withdraw(ctx: QueueContext, queuename: string, channel: string, info: string): QueueResult {
  const c = findCaller(ctx, queuename, channel);
  if (typeof c === 'string') return c;
  if (c.withdraw) return 'EXISTS';
  c.withdraw = true;
  c.withdrawInfo = info || undefined;
  c.channel.wake('signal');
  return 'OK';
}

/** is_our_turn: the caller is within the first `available` callers (autofill) or first. */
export function isOurTurn(ctx: QueueContext, c: Caller): boolean {
  const q = c.queue;
  const avl = numAvailable(ctx, q);
  let idx = 0;
  let found = false;
  for (const ch of q.callers) {
    if (ch === c) {
      found = true;
      break;
    }
    if (idx >= avl) break;
    if (!ch.pending) idx++;
  }
  return found && idx < avl && (q.params.autofill || c.pos === 1);
}

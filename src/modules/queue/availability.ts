/**
 * Whether members can take calls: one member (is_member_available), how many in a queue
 * (num_available_members), and whether a caller may join or must leave an empty queue
 * (get_member_status under joinempty / leavewhenempty conditions).
 */
import { DeviceState } from '../../pbx/devicestate.js';
import { outsidePenaltyWindow, raisedPenalty, type PenaltyWindow } from './caller.js';
import { EMPTY } from './config.js';
import type { QueueContext } from './context.js';
import type { Member } from './member.js';
import type { Queue } from './queue.js';

/** The member's own wrap-up time, else the queue's. */
export function wrapupOf(q: Queue, m: Member): number {
  return m.wrapuptime > 0 ? m.wrapuptime : q.params.wrapuptime;
}

/** The member's last call ended less than its wrap-up time ago. */
function inWrapup(ctx: QueueContext, q: Queue, m: Member): boolean {
  const w = wrapupOf(q, m);
  if (!m.lastcall || !w) return false;
  return ctx.now() - w < m.lastcall;
}

export function isMemberAvailable(ctx: QueueContext, q: Queue, m: Member): boolean {
  let available = false;
  switch (m.status) {
    case DeviceState.INVALID:
    case DeviceState.UNAVAILABLE:
      break;
    case DeviceState.INUSE:
    case DeviceState.BUSY:
    case DeviceState.RINGING:
    case DeviceState.RINGINUSE:
    case DeviceState.ONHOLD:
      if (m.ringinuse && !m.paused) available = true;
      break;
    default:
      if (!m.paused) available = true;
  }
  if (inWrapup(ctx, q, m)) available = false;
  return available;
}

export function numAvailable(ctx: QueueContext, q: Queue): number {
  let avl = 0;
  for (const m of q.members) {
    if (isMemberAvailable(ctx, q, m)) avl++;
    if (avl && (!q.params.autofill || q.params.strategy === 'ringall')) break;
  }
  return avl;
}

/** get_member_status: 0 when some member can take calls under `conditions`, else non-zero. */
export function memberStatus(ctx: QueueContext, q: Queue, c: PenaltyWindow, conditions: number): number {
  if (!q.members.length) return 1;
  for (const m of q.members) {
    const penalty = raisedPenalty(c, m.penalty);
    if (outsidePenaltyWindow(c, penalty)) {
      if (conditions & EMPTY.PENALTY) continue;
    }
    const st = m.status;
    if (st === DeviceState.INVALID && conditions & EMPTY.INVALID) continue;
    if (st === DeviceState.UNAVAILABLE && conditions & EMPTY.UNAVAILABLE) continue;
    if (st === DeviceState.INUSE) {
      if (conditions & EMPTY.INUSE) continue;
      return 0;
    }
    if (st === DeviceState.RINGING) {
      if (conditions & EMPTY.RINGING) continue;
      return 0;
    }
    if (st === DeviceState.UNKNOWN && conditions & EMPTY.UNKNOWN) continue;
    if (m.paused && conditions & EMPTY.PAUSED) continue;
    if (conditions & EMPTY.WRAPUP && inWrapup(ctx, q, m)) continue;
    return 0;
  }
  return 2;
}

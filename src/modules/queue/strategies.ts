/**
 * Who rings: the members a caller may ring (can_ring_entry, weights between queues), their order
 * under the queue's strategy (calc_metric: ringall, linear, rrmemory, rrordered, random, wrandom,
 * fewestcalls, leastrecent, within the caller's penalty window), and where the round-robin
 * strategies resume next time (store_next_rr / store_next_lin).
 */
import type { Channel } from '../../pbx/channel.js';
import { DeviceState } from '../../pbx/devicestate.js';
import { numAvailable, wrapupOf } from './availability.js';
import { outsidePenaltyWindow, raisedPenalty, type Caller } from './caller.js';
import type { QueueContext } from './context.js';
import type { Member } from './member.js';
import type { Queue } from './queue.js';

/** One member of one ringing round (try_calling's callattempt). */
export interface Attempt {
  member: Member;
  pos: number;
  metric: number;
  chan?: Channel;
  tried: boolean;
  done: boolean;
  ringing: boolean;
  startMs: number;
}

/** compare_weight: another queue with a higher weight has callers waiting for this member. */
function outweighed(ctx: QueueContext, q: Queue, m: Member): boolean {
  for (const o of ctx.list()) {
    if (o === q || !o.count) continue;
    if (!o.find(m.interface)) continue;
    if (o.params.weight > q.params.weight && o.count >= numAvailable(ctx, o)) return true;
  }
  return false;
}

/** Some queue has a weight (else no queue can outweigh another). */
function useWeight(ctx: QueueContext): boolean {
  for (const q of ctx.queues.values()) if (q.params.weight) return true;
  return false;
}

function memberAvail(s: number): boolean {
  return s === DeviceState.NOT_INUSE || s === DeviceState.UNKNOWN;
}

/** can_ring_entry (without taking the pending slot). */
export function canRing(ctx: QueueContext, c: Caller, m: Member): boolean {
  if (m.paused) return false;
  if (!m.ringinuse && !memberAvail(m.status)) return false;
  const w = wrapupOf(m.lastqueue ?? c.queue, m);
  if (w && ctx.now() - m.lastcall < w) return false;
  if (useWeight(ctx) && outweighed(ctx, c.queue, m)) return false;
  if (!m.ringinuse) {
    if (ctx.pending.has(m.interface.toLowerCase())) return false;
    if (!memberAvail(ctx.pbx.deviceState(m.stateInterface))) return false;
  }
  return true;
}

/** calc_metric: lower rings first; -1 = outside the caller's penalty window. */
export function calcMetric(ctx: QueueContext, q: Queue, m: Member, pos: number, c: Caller): number {
  const usepenalty = q.members.length <= q.params.penaltymemberslimit ? 0 : 1;
  let penalty = m.penalty;
  if (usepenalty) {
    penalty = raisedPenalty(c, penalty);
    if (outsidePenaltyWindow(c, penalty)) return -1;
  }
  const pen = penalty * 1000000 * usepenalty;
  switch (q.params.strategy) {
    case 'ringall':
      return pen;
    case 'linear':
      if (pos < c.linpos) return 1000 + pos + pen;
      if (pos > c.linpos) c.linwrapped = true;
      return pos + pen;
    case 'rrordered':
    case 'rrmemory': {
      const p = m.queuepos;
      if (p < q.rrpos) return 1000 + p + pen;
      if (p > q.rrpos) q.wrapped = true;
      return p + pen;
    }
    case 'random':
      return Math.floor(ctx.pbx.prng.next() * 1000) + pen;
    case 'wrandom':
      return Math.floor(ctx.pbx.prng.next() * ((1 + penalty) * 1000));
    case 'fewestcalls':
      return m.calls + pen;
    case 'leastrecent':
      return (m.lastcall ? 1000000 - (ctx.now() - m.lastcall) : 0) + pen;
  }
  return 0;
}

/**
 * The attempts of one round, metric computed in member order, in try_calling's outgoing list:
 * each attempt is put at the head of the list, so the list runs in the reverse of member order
 * (ringall rings in that order, and of equal metrics the last member in member order wins).
 */
export function buildAttempts(ctx: QueueContext, c: Caller): Attempt[] {
  const q = c.queue;
  const out: Attempt[] = [];
  q.wrapped = false;
  c.linwrapped = false;
  q.members.forEach((m, pos) => {
    const metric = calcMetric(ctx, q, m, pos, c);
    if (metric < 0) return;
    out.unshift({ member: m, pos, metric, tried: false, done: false, ringing: false, startMs: 0 });
  });
  return out;
}

/** find_best: the untried attempt with the lowest metric (the first of equals in list order). */
function bestUntried(attempts: Attempt[]): Attempt | undefined {
  let best: Attempt | undefined;
  for (const a of attempts) if (!a.tried && (!best || a.metric < best.metric)) best = a;
  return best;
}

/** The next attempts to ring: the best metric (ringall: every attempt with that metric). */
export function nextToRing(ctx: QueueContext, c: Caller, attempts: Attempt[]): Attempt[] {
  for (;;) {
    const best = bestUntried(attempts);
    if (!best) return [];
    const group =
      c.queue.params.strategy === 'ringall'
        ? attempts.filter((a) => !a.tried && a.metric === best.metric)
        : [best];
    const ok: Attempt[] = [];
    for (const a of group) {
      a.tried = true;
      if (canRing(ctx, c, a.member)) ok.push(a);
      else a.done = true;
    }
    if (ok.length) return ok;
  }
}

/** store_next_rr / store_next_lin after a round started. */
export function storeNext(c: Caller, attempts: Attempt[]): void {
  const q = c.queue;
  const best = bestUntried(attempts);
  if (q.params.strategy === 'rrmemory' || q.params.strategy === 'rrordered') {
    if (best) q.rrpos = best.metric % 1000;
    else q.rrpos = q.wrapped ? 0 : q.rrpos + 1;
    q.wrapped = false;
  } else if (q.params.strategy === 'linear') {
    if (best) c.linpos = best.metric % 1000;
    else c.linpos = c.linwrapped ? 0 : c.linpos + 1;
    c.linwrapped = false;
  }
}

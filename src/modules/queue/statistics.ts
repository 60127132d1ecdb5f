/**
 * A queue's running statistics as app_queue keeps them: completed and abandoned calls (and those
 * within the service level), the weighted hold and talk times, each member's call count and last
 * call, their reset, and the QUEUE* / QE* channel variables that report them.
 */
import type { Channel } from '../../pbx/channel.js';
import type { Caller } from './caller.js';
import type { QueueContext } from './context.js';
import type { Member } from './member.js';
import type { Queue } from './queue.js';

/** app_queue's running average: three quarters of the old value, one of the new. */
function weighted(old: number, value: number): number {
  return (((old << 2) - old + value) >> 2) | 0;
}

/** QueueReset / `queue reset stats`. */
export function resetStats(ctx: QueueContext, name?: string): void {
  for (const q of ctx.list()) {
    if (name && q.name.toLowerCase() !== name.toLowerCase()) continue;
    q.holdtime = 0;
    q.talktime = 0;
    q.callscompleted = 0;
    q.callsabandoned = 0;
    q.callscompletedinsl = 0;
    q.callsabandonedinsl = 0;
    q.rrpos = 0;
    q.wrapped = false;
    for (const m of q.members) {
      m.calls = 0;
      m.lastcall = 0;
    }
  }
}

/** update_queue: a call with a member ended; statistics and the member's counters. */
export function recordCompletedCall(
  ctx: QueueContext,
  q: Queue,
  m: Member,
  inSl: boolean,
  starttime: number,
): void {
  if (!starttime || m.starttime !== starttime) return;
  const newtalk = ctx.now() - starttime;
  m.starttime = 0;
  const now = ctx.now();
  const targets = ctx.general.sharedLastcall
    ? ctx
        .list()
        .map((x) => x.find(m.interface))
        .filter((x): x is Member => x !== undefined)
    : [m];
  for (const t of targets) {
    t.lastcall = now;
    t.calls++;
    t.callcompletedinsl = false;
    t.lastqueue = q;
  }
  ctx.pending.delete(m.interface.toLowerCase());
  q.callscompleted++;
  if (inSl) q.callscompletedinsl++;
  if (q.callscompleted === 1) q.talktime = newtalk;
  else q.talktime = weighted(q.talktime, newtalk);
}

/** recalc_holdtime: a caller was connected after `newhold` seconds. */
export function recordHoldTime(q: Queue, newhold: number): void {
  if (q.callscompleted + q.callsabandoned === 0) q.holdtime = newhold;
  else q.holdtime = weighted(q.holdtime, newhold);
}

/** record_abandoned: ABANDONED=TRUE on the caller, the counters, CallerAbandon. */
export function recordAbandoned(ctx: QueueContext, c: Caller): void {
  const q = c.queue;
  ctx.pbx.setVar(c.channel, 'ABANDONED', 'TRUE');
  const hold = ctx.now() - c.start;
  if (hold <= q.params.servicelevel) q.callsabandonedinsl++;
  q.callsabandoned++;
  ctx.emit({
    type: 'CallerAbandon',
    queue: q,
    caller: c.channel.snapshot(),
    position: c.pos,
    originalPosition: c.opos,
    holdTime: hold,
  });
}

/** The queue's figures as QUEUE_VARIABLES sets them (QUEUEMAX ... QUEUESRVLEVELPERF). */
export function queueFigureVars(q: Queue): Array<[string, string]> {
  return [
    ['QUEUEMAX', String(q.params.maxlen)],
    ['QUEUESTRATEGY', q.params.strategy],
    ['QUEUECALLS', String(q.count)],
    ['QUEUEHOLDTIME', String(q.holdtime)],
    ['QUEUETALKTIME', String(q.talktime)],
    ['QUEUECOMPLETED', String(q.callscompleted)],
    ['QUEUEABANDONED', String(q.callsabandoned)],
    ['QUEUESRVLEVEL', String(q.params.servicelevel)],
    ['QUEUESRVLEVELPERF', q.serviceLevelPerf().toFixed(2)],
  ];
}

/** `setqueuevar`: the queue's figures on the caller's channel when it leaves. */
export function setQueueVars(ctx: QueueContext, q: Queue, ch: Channel): void {
  const vars: Array<[string, string]> = [
    ['QUEUENAME', q.name],
    ...queueFigureVars(q),
    ['QUEUESRVLEVELPERF2', q.serviceLevelPerf2().toFixed(2)],
  ];
  for (const [k, v] of vars) ctx.pbx.setVar(ch, k, v);
}

/** `setqueueentryvar`: the caller's hold time so far and original position. */
export function setQueueEntryVars(ctx: QueueContext, c: Caller): void {
  ctx.pbx.setVar(c.channel, 'QEHOLDTIME', String(ctx.now() - c.start));
  ctx.pbx.setVar(c.channel, 'QEORIGINALPOS', String(c.opos));
}

/** set_duration_var: `NAME` in whole seconds and `NAME_MS` in milliseconds. */
export function setDurationVar(ctx: QueueContext, ch: Channel, name: string, ms: number): void {
  ctx.pbx.setVar(ch, name, String(Math.trunc(ms / 1000)));
  ctx.pbx.setVar(ch, `${name}_MS`, String(Math.trunc(ms)));
}

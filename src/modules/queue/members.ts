/**
 * Queue membership: static members from queues.conf (kept across reloads), dynamic members added
 * and removed at run time and persisted in astdb, pausing, and a member's penalty and ringinuse.
 * Each change is told to the listeners, logged to queue_log and reflected in the queue's device
 * states (`Queue:<queue>_avail`, `Queue:<queue>_pause_<interface>`).
 */
import { DeviceState } from '../../pbx/devicestate.js';
import { isMemberAvailable, numAvailable } from './availability.js';
import type { MemberConf } from './config.js';
import type { QueueContext, QueueResult } from './context.js';
import { Member, memberView } from './member.js';
import type { Queue } from './queue.js';

/** The astdb family dynamic members persist in (one key per queue). */
export const PM_FAMILY = 'Queue/PersistentMembers';

export interface AddMemberOptions {
  membername?: string;
  penalty?: number;
  paused?: boolean;
  stateInterface?: string;
  reason?: string;
  wrapuptime?: number;
  /** Persist the queue's dynamic members afterwards (default: persistentmembers). */
  dump?: boolean;
}

function setPauseState(ctx: QueueContext, q: Queue, m: Member): void {
  ctx.pbx.setDeviceState(
    `Queue:${q.name}_pause_${m.interface}`,
    m.paused ? DeviceState.INUSE : DeviceState.NOT_INUSE,
  );
}

/** The queue's static members as configured: existing ones keep their place, pause and counters. */
export function reloadStaticMembers(ctx: QueueContext, q: Queue, confs: MemberConf[]): void {
  const keep = new Set<Member>();
  for (const mc of confs) {
    const cur = q.find(mc.interface);
    const m = new Member({
      interface: mc.interface,
      membername: mc.membername,
      stateInterface: mc.stateInterface,
      penalty: mc.penalty,
      ringinuse: mc.ringinuse ?? q.params.ringinuse,
      wrapuptime: mc.wrapuptime,
      status: ctx.pbx.deviceState(mc.stateInterface),
      now: ctx.now(),
    });
    m.paused = cur ? cur.paused : mc.paused;
    // create_queue_member: a member made paused has just been paused.
    if (m.paused) m.lastpause = ctx.now();
    if (cur) {
      m.queuepos = cur.queuepos;
      m.calls = cur.calls;
      m.lastcall = cur.lastcall;
      m.dynamic = false;
      q.replace(cur, m);
    } else {
      q.link(m);
      setPauseState(ctx, q, m);
    }
    keep.add(m);
  }
  for (const m of [...q.members]) if (!m.dynamic && !keep.has(m)) q.unlink(m);
}

/** add_to_queue. */
export function addMember(
  ctx: QueueContext,
  queuename: string,
  iface: string,
  o: AddMemberOptions,
): QueueResult {
  const q = ctx.get(queuename);
  if (!q) return 'NOSUCHQUEUE';
  if (q.find(iface)) return 'EXISTS';
  const stateInterface = o.stateInterface || iface;
  const m = new Member({
    interface: iface,
    membername: o.membername || iface,
    stateInterface,
    penalty: o.penalty ?? 0,
    ringinuse: q.params.ringinuse,
    wrapuptime: o.wrapuptime ?? 0,
    status: ctx.pbx.deviceState(stateInterface),
    now: ctx.now(),
  });
  m.dynamic = true;
  m.paused = o.paused ?? false;
  // create_queue_member: a member made paused has just been paused.
  if (m.paused) m.lastpause = ctx.now();
  if (o.reason) m.reasonPaused = o.reason;
  q.link(m);
  setPauseState(ctx, q, m);
  ctx.emit({ type: 'MemberAdded', queue: q, member: memberView(q, m) });
  if (isMemberAvailable(ctx, q, m)) ctx.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.NOT_INUSE);
  if (o.dump ?? ctx.general.persistentmembers) dumpMembers(ctx, q);
  return 'OK';
}

/** remove_from_queue. */
export function removeMember(ctx: QueueContext, queuename: string, iface: string): QueueResult {
  const q = ctx.get(queuename);
  if (!q) return 'NOSUCHQUEUE';
  const m = q.find(iface);
  if (!m) return 'EXISTS';
  if (!m.dynamic) return 'NOT_DYNAMIC';
  ctx.emit({ type: 'MemberRemoved', queue: q, member: memberView(q, m) });
  q.unlink(m);
  if (ctx.general.persistentmembers) dumpMembers(ctx, q);
  if (!numAvailable(ctx, q)) ctx.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.INUSE);
  return 'OK';
}

/** set_member_paused: one queue or (no queue name) every queue; false when not found. */
export function setPaused(
  ctx: QueueContext,
  queuename: string,
  iface: string,
  reason: string,
  paused: boolean,
): boolean {
  let found = 0;
  for (const q of ctx.list()) {
    if (queuename && q.name.toLowerCase() !== queuename.toLowerCase()) continue;
    const m = q.find(iface);
    if (m) {
      found++;
      if (found === 1 && !queuename)
        ctx.queueLog('NONE', 'NONE', m.membername, paused ? 'PAUSEALL' : 'UNPAUSEALL', reason);
      setMemberPause(ctx, q, m, reason, paused);
    }
    if (queuename) break;
  }
  return found > 0;
}

function setMemberPause(ctx: QueueContext, q: Queue, m: Member, reason: string, paused: boolean): void {
  if (m.paused === paused && ctx.general.logUnpauseOnReasonChange && paused && m.reasonPaused !== reason)
    ctx.queueLog(q.name, 'NONE', m.membername, 'UNPAUSE', 'Auto-Unpause');
  m.paused = paused;
  if (paused) m.lastpause = ctx.now();
  m.reasonPaused = paused && reason ? reason : '';
  setPauseState(ctx, q, m);
  if (ctx.general.persistentmembers) dumpMembers(ctx, q);
  if (isMemberAvailable(ctx, q, m)) ctx.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.NOT_INUSE);
  else if (!numAvailable(ctx, q)) ctx.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.INUSE);
  if (!paused && reason) m.reasonPaused = reason;
  ctx.queueLog(q.name, 'NONE', m.membername, paused ? 'PAUSE' : 'UNPAUSE', m.reasonPaused);
  ctx.emit({ type: 'MemberPause', queue: q, member: memberView(q, m) });
  if (!paused) m.reasonPaused = '';
}

/** set_member_value for penalty / ringinuse: one queue or all; false when nothing matched. */
export function setMemberValue(
  ctx: QueueContext,
  queuename: string,
  iface: string,
  prop: 'penalty' | 'ringinuse',
  value: number,
): boolean {
  if (prop === 'penalty' && value < 0 && !ctx.general.negativePenaltyInvalid) return false;
  let found = 0;
  for (const q of ctx.list()) {
    if (queuename && q.name.toLowerCase() !== queuename.toLowerCase()) continue;
    const m = q.find(iface);
    if (!m) continue;
    found++;
    if (prop === 'penalty') {
      m.penalty = value;
      ctx.queueLog(q.name, 'NONE', iface, 'PENALTY', String(value));
      ctx.emit({ type: 'MemberPenalty', queue: q, member: memberView(q, m) });
    } else {
      m.ringinuse = value !== 0;
      ctx.queueLog(q.name, 'NONE', m.interface, 'RINGINUSE', String(value));
      ctx.emit({ type: 'MemberRinginuse', queue: q, member: memberView(q, m) });
    }
  }
  return found > 0;
}

/** dump_queue_members: the dynamic members of a queue into astdb (or the key deleted). */
export function dumpMembers(ctx: QueueContext, q: Queue): void {
  const parts = q.members
    .filter((m) => m.dynamic)
    .map(
      (m) =>
        `${m.interface};${m.penalty};${m.paused ? 1 : 0};${m.membername};${m.stateInterface};${m.reasonPaused};${m.wrapuptime}`,
    );
  if (parts.length) ctx.pbx.astdb.put(PM_FAMILY, q.name, parts.join('|'));
  else ctx.pbx.astdb.del(PM_FAMILY, q.name);
}

/** reload_queue_members: dynamic members back from astdb at start. */
export function restoreMembers(ctx: QueueContext): void {
  for (const e of ctx.pbx.astdb.gettree(PM_FAMILY)) {
    const qname = e.key.slice(PM_FAMILY.length + 2);
    const q = ctx.get(qname);
    if (!q) {
      ctx.pbx.astdb.del(PM_FAMILY, qname);
      continue;
    }
    for (const item of e.value.split(/[,|]/)) {
      if (!item) continue;
      const [iface = '', pen = '0', pau = '0', name = '', si = '', reason = '', wrap = '0'] = item.split(';');
      if (!iface) continue;
      addMember(ctx, q.name, iface, {
        membername: name,
        penalty: Number.parseInt(pen, 10) || 0,
        paused: Number.parseInt(pau, 10) > 0,
        stateInterface: si,
        reason,
        wrapuptime: Number.parseInt(wrap, 10) || 0,
        dump: false,
      });
    }
  }
}

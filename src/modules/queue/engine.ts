/**
 * The queue domain, as app_queue keeps it: queues with their parameters and statistics, members
 * (static from queues.conf, dynamic from QueueAdd / AddQueueMember, persisted in astdb), callers
 * waiting in priority order, and the distribution of calls to members per strategy. It knows the
 * telephony core (channels, device states, the clock, the PRNG, astdb) and nothing of AMI: what
 * happens is told to listeners as QueueEvents, which the module turns into AMI events.
 *
 * The engine holds the shared state (the queues, the listeners, queue_log) and coordinates; the
 * rest has a file each:
 *   queue.ts, member.ts, caller.ts  what a queue, a member and a waiting caller are
 *   members.ts         membership, pause, penalty, ringinuse, persistence in astdb
 *   availability.ts    which members can take calls; joinempty / leavewhenempty
 *   device-states.ts   members following their devices' states
 *   callers.ts         the callers' line: join, leave, priority, withdrawal, whose turn
 *   penalty-rules.ts   queuerules.conf over a caller's wait
 *   strategies.ts      who rings and in what order (calc_metric)
 *   ringing.ts         the calling of members (try_calling, one RingRound)
 *   connect.ts         from a member's answer to the end of the bridged call
 *   announcements.ts   what callers and members hear
 *   statistics.ts      counters, hold and talk times, the QUEUE* variables
 *   caller-flow.ts     the Queue() application (queue_exec); app-options.ts its options
 *   dialplan.ts        the Gosub / Macro / AGI the queue runs, and `F`'s location
 *   queue-log.ts       queue_log lines;  engine-events.ts  what listeners are told
 *   context.ts         what the parts share (the QueueContext this engine implements)
 */
import type { Channel } from '../../pbx/channel.js';
import { DeviceState } from '../../pbx/devicestate.js';
import type { Pbx } from '../../pbx/pbx.js';
import { isMemberAvailable } from './availability.js';
import type { Caller } from './caller.js';
import { changePriority, withdraw } from './callers.js';
import { runQueueApp, type QueueAppArgs } from './caller-flow.js';
import type { PenaltyRule, QueueConf, QueueGeneral } from './config.js';
import type { QueueContext, QueueResult } from './context.js';
import { MemberDeviceStates, stateDevice } from './device-states.js';
import type { QueueEvent } from './engine-events.js';
import type { Member } from './member.js';
import {
  addMember,
  reloadStaticMembers,
  removeMember,
  restoreMembers,
  setMemberValue,
  setPaused,
} from './members.js';
import type { AddMemberOptions } from './members.js';
import { Queue, queueBucket } from './queue.js';
import { writeQueueLog, type QueueLogSink } from './queue-log.js';
import { resetStats } from './statistics.js';
import { buildAttempts, nextToRing, type Attempt } from './strategies.js';

export { sayNumberFiles } from './announcements.js';
export { bridgeFeatures, parseQueueOptions } from './app-options.js';
export { Caller } from './caller.js';
export type { QueueAppArgs } from './caller-flow.js';
export type { QueueExitStatus } from './callers.js';
export type { QueueResult } from './context.js';
export type { QueueEvent } from './engine-events.js';
export { Member, memberView, type MemberView } from './member.js';
export { PM_FAMILY } from './members.js';
export { Queue, memberBucket, queueBucket } from './queue.js';

export interface QueueEngineOptions {
  general: QueueGeneral;
  rules: Map<string, PenaltyRule[]>;
  /** queue_log file (Asterisk's format); undefined = not written. */
  queueLogPath?: string;
}

export class QueueEngine implements QueueContext, QueueLogSink {
  readonly queues = new Map<string, Queue>();
  general: QueueGeneral;
  rules: Map<string, PenaltyRule[]>;
  queueLogPath: string | undefined;
  /** The queue_log lines written (kept for tests and `queue_log` without a file). */
  readonly logLines: string[] = [];
  keepLogLines = true;
  /** Interfaces being rung by an attempt with ringinuse off (app_queue's pending_members). */
  readonly pending = new Set<string>();
  private readonly listeners: Array<(e: QueueEvent) => void> = [];
  private queueSeq = 0;
  private readonly deviceStates: MemberDeviceStates;
  private readonly offs: Array<() => void> = [];

  constructor(
    readonly pbx: Pbx,
    opts: QueueEngineOptions,
  ) {
    this.general = opts.general;
    this.rules = opts.rules;
    this.queueLogPath = opts.queueLogPath;
    this.deviceStates = new MemberDeviceStates(this);
    this.offs.push(this.deviceStates.follow());
  }

  close(): void {
    for (const off of this.offs.splice(0)) off();
  }

  on(fn: (e: QueueEvent) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  /** Tells the listeners (the engine's parts raise their events through it). */
  emit(e: QueueEvent): void {
    for (const l of this.listeners) l(e);
  }

  now(): number {
    return Math.floor(this.pbx.clock.now() / 1000);
  }

  /** ast_queue_log: `epoch|callid|queue|agent|event|data`. */
  queueLog(queuename: string, callid: string, agent: string, event: string, data: string): void {
    writeQueueLog(this, this.now(), queuename, callid, agent, event, data);
  }

  // ---- configuration --------------------------------------------------------------------------

  /** Queues in container order (53 buckets by name hash, then creation). */
  list(): Queue[] {
    return [...this.queues.values()].sort(
      (a, b) => queueBucket(a.name) - queueBucket(b.name) || a.seq - b.seq,
    );
  }

  get(name: string): Queue | undefined {
    return this.queues.get(name.toLowerCase());
  }

  /** Loads or reloads queues from parsed configuration (parameters, members, or both). */
  applyConfig(
    confs: QueueConf[],
    opts: { parameters: boolean; members: boolean; only?: string; removeMissing?: boolean } = {
      parameters: true,
      members: true,
    },
  ): void {
    const seen = new Set<string>();
    for (const c of confs) {
      if (opts.only && c.name.toLowerCase() !== opts.only.toLowerCase()) continue;
      seen.add(c.name.toLowerCase());
      let q = this.get(c.name);
      const isNew = !q;
      if (!q) {
        q = new Queue(c.name, c.params);
        q.seq = ++this.queueSeq;
        q.onMembersChanged = this.deviceStates.invalidate;
        this.queues.set(c.name.toLowerCase(), q);
        this.deviceStates.invalidate();
      } else if (opts.parameters) {
        const wasOrdered = q.ordered;
        q.params = c.params;
        if (wasOrdered !== q.ordered) q.sortMembers();
      }
      if (opts.members || isNew) reloadStaticMembers(this, q, c.members);
      // init_queue: "on restart assume no members are available" (the BLF hint shows in use).
      if (isNew || opts.parameters) this.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.INUSE);
    }
    if (opts.removeMissing && !opts.only)
      for (const [k, q] of this.queues)
        if (!seen.has(k) && q.callers.length === 0) {
          this.queues.delete(k);
          this.deviceStates.invalidate();
        }
  }

  /** QueueReset / `queue reset stats`. */
  resetStats(name?: string): void {
    resetStats(this, name);
  }

  // ---- members --------------------------------------------------------------------------------

  /** add_to_queue. */
  addMember(queuename: string, iface: string, o: AddMemberOptions = {}): QueueResult {
    return addMember(this, queuename, iface, o);
  }

  /** remove_from_queue. */
  removeMember(queuename: string, iface: string): QueueResult {
    return removeMember(this, queuename, iface);
  }

  /** set_member_paused: one queue or (no queue name) every queue; false when not found. */
  setPaused(queuename: string, iface: string, reason: string, paused: boolean): boolean {
    return setPaused(this, queuename, iface, reason, paused);
  }

  /** set_member_value for penalty / ringinuse: one queue or all; false when nothing matched. */
  setMemberValue(queuename: string, iface: string, prop: 'penalty' | 'ringinuse', value: number): boolean {
    return setMemberValue(this, queuename, iface, prop, value);
  }

  /** reload_queue_members: dynamic members back from astdb at start. */
  restoreMembers(): void {
    restoreMembers(this);
  }

  isMemberAvailable(q: Queue, m: Member): boolean {
    return isMemberAvailable(this, q, m);
  }

  /** The device a member's state interface stands for in device_state_cb. */
  static stateDevice(stateInterface: string): string {
    return stateDevice(stateInterface);
  }

  /** device_state_cb: a device changed; members whose state interface it is follow. */
  deviceStateChanged(device: string, state: number): void {
    this.deviceStates.changed(device, state);
  }

  // ---- callers --------------------------------------------------------------------------------

  /** QueueChangePriorityCaller. */
  changePriority(queuename: string, channel: string, prio: number, immediate: boolean): QueueResult {
    return changePriority(this, queuename, channel, prio, immediate);
  }

  /** QueueWithdrawCaller. */
  withdraw(queuename: string, channel: string, info: string): QueueResult {
    return withdraw(this, queuename, channel, info);
  }

  /** The attempts of one round, metric computed, in member order (try_calling's outgoing list). */
  buildAttempts(c: Caller): Attempt[] {
    return buildAttempts(this, c);
  }

  /** The next attempts to ring: the best metric (ringall: every attempt with that metric). */
  nextToRing(c: Caller, attempts: Attempt[]): Attempt[] {
    return nextToRing(this, c, attempts);
  }

  /** The Queue() application (queue_exec): the application result; QUEUESTATUS set as app_queue does. */
  run(ch: Channel, a: QueueAppArgs): Promise<0 | -1> {
    return runQueueApp(this, ch, a);
  }
}

/**
 * The queue domain, as app_queue keeps it: queues with their parameters and statistics, members
 * (static from queues.conf, dynamic from QueueAdd / AddQueueMember, persisted in astdb), callers
 * waiting in priority order, and the distribution of calls to members per strategy. It knows the
 * telephony core (channels, device states, the clock, the PRNG, astdb) and nothing of AMI: what
 * happens is told to listeners as QueueEvents, which the module turns into AMI events.
 */
import { appendFileSync } from 'node:fs';
import { Cause } from '../../pbx/causes.js';
import { ChannelState, type Channel, type ChannelSnapshot, type Control } from '../../pbx/channel.js';
import { DeviceState, deviceStateFromName } from '../../pbx/devicestate.js';
import { soundLength } from '../../pbx/apps/sounds.js';
import { waitFull } from '../../pbx/apps/wait.js';
import { execApp } from '../../pbx/runner.js';
import type { Pbx } from '../../pbx/pbx.js';
import {
  EMPTY,
  type MemberConf,
  type PenaltyRule,
  type QueueConf,
  type QueueGeneral,
  type QueueParams,
} from './config.js';

export const PM_FAMILY = 'Queue/PersistentMembers';
const INT_MAX = 2147483647;

export type QueueResult = 'OK' | 'EXISTS' | 'NOSUCHQUEUE' | 'NOT_DYNAMIC' | 'NOT_CALLER';

export class Member {
  interface: string;
  membername: string;
  stateInterface: string;
  penalty: number;
  paused = false;
  reasonPaused = '';
  dynamic = false;
  ringinuse: boolean;
  wrapuptime: number;
  calls = 0;
  /** Seconds since the epoch (0: never). */
  lastcall = 0;
  lastpause = 0;
  logintime: number;
  /** When the current call was bridged (seconds; 0 = not in a call). */
  starttime = 0;
  status: number;
  /** Round-robin position: insertion order, renumbered on removal. */
  queuepos = 0;
  callcompletedinsl = false;
  lastqueue: Queue | undefined;
  /** Insertion counter for the hash container's in-bucket order. */
  seq = 0;

  constructor(init: {
    interface: string;
    membername: string;
    stateInterface: string;
    penalty: number;
    ringinuse: boolean;
    wrapuptime: number;
    status: number;
    now: number;
  }) {
    this.interface = init.interface;
    this.membername = init.membername || init.interface;
    this.stateInterface = init.stateInterface || init.interface;
    this.penalty = init.penalty;
    this.ringinuse = init.ringinuse;
    this.wrapuptime = init.wrapuptime;
    this.status = init.status;
    this.logintime = init.now;
  }
}

export class Caller {
  pos = 0;
  opos = 0;
  prio = 0;
  maxPenalty = INT_MAX;
  minPenalty = INT_MAX;
  raisePenalty = INT_MAX;
  raiseRespectMin = false;
  rules: PenaltyRule[] = [];
  ruleIdx = 0;
  linpos = 0;
  linwrapped = false;
  withdraw = false;
  withdrawInfo: string | undefined;
  handled = false;
  /** Music on hold is playing to the caller (not with the `r` option). */
  moh = false;
  /** Members are being rung for this caller (queue_ent.pending): callers behind may go ahead. */
  pending = false;
  /** Seconds when the last position announcement started (0: never) and the position said. */
  lastPos = 0;
  lastPosSaid = 0;
  /** Seconds of the last periodic announcement and the index of the next one. */
  lastPeriodicAnnounceTime = 0;
  lastPeriodicAnnounceSound = 0;
  /** The announcement the member hears before the bridge (queue `announce` or the argument). */
  announce = '';
  /** `C`, or the caller itself was answered elsewhere: cancelled members get cause 26. */
  cancelElsewhere = false;
  /** Bridge features from the options, per side (e.g. `REDIRECT,DISCONNECT`). */
  features: { caller: string; callee: string } = { caller: '', callee: '' };
  /** `F[(context^exten^priority)]`: where the member goes after the bridge (undefined: hang up). */
  calleeGoOn: string | undefined;
  /** Queue() arguments: macro and gosub for the member's channel, AGI for the caller's. */
  macro = '';
  gosub = '';
  agi = '';
  /** The music on hold class (queue musicclass or the `m` option... ; 'default' when empty). */
  mohClass = 'default';
  constructor(
    readonly channel: Channel,
    readonly queue: Queue,
    /** Milliseconds (clock time) the caller joined. */
    readonly startMs: number,
    readonly expireMs: number,
  ) {}

  get start(): number {
    return Math.floor(this.startMs / 1000);
  }
}

export class Queue {
  params: QueueParams;
  /** Members in container (iteration) order. */
  members: Member[] = [];
  callers: Caller[] = [];
  holdtime = 0;
  talktime = 0;
  callscompleted = 0;
  callsabandoned = 0;
  callscompletedinsl = 0;
  callsabandonedinsl = 0;
  rrpos = 0;
  wrapped = false;
  seq = 0;
  private memberSeq = 0;
  /** Told when the member list changes (the engine's state-interface index goes stale). */
  onMembersChanged: (() => void) | undefined;

  constructor(
    readonly name: string,
    params: QueueParams,
  ) {
    this.params = params;
  }

  get count(): number {
    return this.callers.length;
  }

  /** Linear and rrordered keep a list in insertion order; the others a 37-bucket hash. */
  get ordered(): boolean {
    return this.params.strategy === 'linear' || this.params.strategy === 'rrordered';
  }

  find(iface: string): Member | undefined {
    const l = iface.toLowerCase();
    return this.members.find((m) => m.interface.toLowerCase() === l);
  }

  link(m: Member): void {
    this.onMembersChanged?.();
    m.seq = ++this.memberSeq;
    m.queuepos = this.members.length;
    this.members.push(m);
    this.sortMembers();
  }

  /** A reloaded member object takes the old one's place (and round-robin position). */
  replace(old: Member, m: Member): void {
    this.onMembersChanged?.();
    const i = this.members.indexOf(old);
    if (i >= 0) this.members.splice(i, 1);
    m.queuepos = old.queuepos;
    m.seq = ++this.memberSeq;
    this.members.push(m);
    this.sortMembers();
  }

  unlink(m: Member): void {
    this.onMembersChanged?.();
    const i = this.members.indexOf(m);
    if (i < 0) return;
    this.members.splice(i, 1);
    // queue_member_follower_removal: members after the removed one move up a place.
    for (const o of this.members) if (o.queuepos > m.queuepos) o.queuepos--;
  }

  sortMembers(): void {
    this.onMembersChanged?.();
    if (this.ordered) this.members.sort((a, b) => a.seq - b.seq);
    else this.members.sort((a, b) => memberBucket(a.interface) - memberBucket(b.interface) || a.seq - b.seq);
  }

  /** The caller-facing figures of QueueParams / queue show. */
  serviceLevelPerf(): number {
    return this.callscompleted > 0 ? (100 * this.callscompletedinsl) / this.callscompleted : 0;
  }

  serviceLevelPerf2(): number {
    const d = this.callscompleted + this.callsabandoned;
    return d > 0 ? (100 * (this.callsabandonedinsl + this.callscompletedinsl)) / d : 0;
  }
}

/** compress_char + member_hash_fn of app_queue, bucketed as ao2 does (37 buckets). */
function compressChar(c: number): number {
  if (c < 32) return 0;
  if (c > 96) return c - 64;
  return c - 32;
}

export function memberBucket(iface: string): number {
  const slash = iface.indexOf('/');
  const s = slash >= 0 ? iface.slice(slash) : iface;
  let h = 0;
  for (let i = 0; i < 5 && i < s.length; i++) h = (h + (compressChar(s.charCodeAt(i)) << (i * 6))) | 0;
  return Math.abs(h % 37);
}

/** ast_str_case_hash, bucketed over app_queue's 53 queue buckets. */
/** ast_app_parse_options over Queue()'s option letters: letter -> argument (b, B, F, m take one). */
export function parseQueueOptions(options: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (let i = 0; i < options.length; i++) {
    const l = options[i];
    if (!/[A-Za-z]/.test(l)) continue;
    let arg: string | undefined;
    if (options[i + 1] === '(' && 'bBFm'.includes(l)) {
      // The closing parenthesis, nested ones counted.
      let depth = 1;
      let end = i + 2;
      for (; end < options.length; end++) {
        if (options[end] === '(') depth++;
        else if (options[end] === ')' && --depth === 0) break;
      }
      arg = options.slice(i + 2, end);
      i = end;
    }
    out.set(l, arg);
  }
  return out;
}

/** The AST_FEATURE_* flags each side of the bridge gets from the options. */
export function bridgeFeatures(opts: Map<string, string | undefined>): { caller: string; callee: string } {
  const side = (letters: Array<[string, string]>): string =>
    letters
      .filter(([l]) => opts.has(l))
      .map(([, f]) => f)
      .join(',');
  return {
    caller: side([
      ['T', 'REDIRECT'],
      ['H', 'DISCONNECT'],
      ['W', 'AUTOMON'],
      ['K', 'PARKCALL'],
      ['X', 'AUTOMIXMON'],
    ]),
    callee: side([
      ['t', 'REDIRECT'],
      ['h', 'DISCONNECT'],
      ['w', 'AUTOMON'],
      ['k', 'PARKCALL'],
      ['x', 'AUTOMIXMON'],
    ]),
  };
}

/** The files ast_say_number_full_en plays for `n`. */
export function sayNumberFiles(n: number): string[] {
  const out: string[] = [];
  if (n === 0) return ['digits/0'];
  if (n < 0) {
    out.push('digits/minus');
    n = -n;
  }
  const say = (v: number): void => {
    if (v >= 1000000) {
      say(Math.floor(v / 1000000));
      out.push('digits/million');
      v %= 1000000;
    }
    if (v >= 1000) {
      say(Math.floor(v / 1000));
      out.push('digits/thousand');
      v %= 1000;
    }
    if (v >= 100) {
      out.push(`digits/${Math.floor(v / 100)}`, 'digits/hundred');
      v %= 100;
    }
    if (v >= 20) {
      out.push(`digits/${Math.floor(v / 10) * 10}`);
      v %= 10;
    }
    if (v > 0) out.push(`digits/${v}`);
  };
  say(n);
  return out;
}

export function queueBucket(name: string): number {
  let h = 5381;
  for (const ch of name.toLowerCase()) h = (Math.imul(h, 33) ^ (ch.charCodeAt(0) & 0xff)) >>> 0;
  const hash = h & 0x7fffffff;
  return Math.abs(hash % 53);
}

/** What happened, for the AMI side (and tests). Snapshots are taken when it happened. */
export type QueueEvent =
  | {
      type:
        | 'MemberAdded'
        | 'MemberRemoved'
        | 'MemberPause'
        | 'MemberPenalty'
        | 'MemberRinginuse'
        | 'MemberStatus';
      queue: Queue;
      member: MemberView;
    }
  | { type: 'CallerJoin'; queue: Queue; caller: ChannelSnapshot; position: number; count: number }
  | { type: 'CallerLeave'; queue: Queue; caller: ChannelSnapshot; count: number; position: number }
  | {
      type: 'CallerAbandon';
      queue: Queue;
      caller: ChannelSnapshot;
      position: number;
      originalPosition: number;
      holdTime: number;
    }
  | {
      type: 'AgentCalled' | 'AgentDump';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
    }
  | {
      type: 'AgentRingNoAnswer';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
      ringTime: number;
    }
  | {
      type: 'AgentConnect';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
      ringTime: number;
      holdTime: number;
    }
  | {
      type: 'AgentComplete';
      queue: Queue;
      caller: ChannelSnapshot;
      agent: ChannelSnapshot;
      member: MemberView;
      holdTime: number;
      talkTime: number;
      reason: 'caller' | 'agent' | 'transfer';
    };

/** A member's fields as the QueueMember header group reports them, frozen at event time. */
export interface MemberView {
  queue: string;
  membername: string;
  interface: string;
  stateInterface: string;
  dynamic: boolean;
  penalty: number;
  calls: number;
  lastcall: number;
  lastpause: number;
  logintime: number;
  inCall: boolean;
  status: number;
  paused: boolean;
  reasonPaused: string;
  ringinuse: boolean;
  wrapuptime: number;
}

export function memberView(q: Queue, m: Member): MemberView {
  return {
    queue: q.name,
    membername: m.membername,
    interface: m.interface,
    stateInterface: m.stateInterface,
    dynamic: m.dynamic,
    penalty: m.penalty,
    calls: m.calls,
    lastcall: m.lastcall,
    lastpause: m.lastpause,
    logintime: m.logintime,
    inCall: m.starttime !== 0,
    status: m.status,
    paused: m.paused,
    reasonPaused: m.reasonPaused,
    ringinuse: m.ringinuse,
    wrapuptime: m.wrapuptime,
  };
}

export interface QueueEngineOptions {
  general: QueueGeneral;
  rules: Map<string, PenaltyRule[]>;
  /** queue_log file (Asterisk's format); undefined = not written. */
  queueLogPath?: string;
}

interface Attempt {
  member: Member;
  pos: number;
  metric: number;
  chan?: Channel;
  tried: boolean;
  done: boolean;
  ringing: boolean;
  startMs: number;
}

export type QueueExitStatus =
  'TIMEOUT' | 'FULL' | 'JOINEMPTY' | 'LEAVEEMPTY' | 'JOINUNAVAIL' | 'LEAVEUNAVAIL' | 'CONTINUE' | 'WITHDRAW';

export interface QueueAppArgs {
  queuename: string;
  options: string;
  url: string;
  announceoverride: string;
  /** Seconds the caller may wait in all (0 = no limit). */
  timeout: number;
  rule: string;
  position: number;
  agi?: string;
  macro?: string;
  gosub?: string;
}

export class QueueEngine {
  readonly queues = new Map<string, Queue>();
  general: QueueGeneral;
  rules: Map<string, PenaltyRule[]>;
  queueLogPath: string | undefined;
  /** The queue_log lines written (kept for tests and `queue_log` without a file). */
  readonly logLines: string[] = [];
  keepLogLines = true;
  private readonly listeners: Array<(e: QueueEvent) => void> = [];
  private queueSeq = 0;
  /** Interfaces being rung by an attempt with ringinuse off (app_queue's pending_members). */
  private readonly pending = new Set<string>();
  private readonly offs: Array<() => void> = [];

  constructor(
    readonly pbx: Pbx,
    opts: QueueEngineOptions,
  ) {
    this.general = opts.general;
    this.rules = opts.rules;
    this.queueLogPath = opts.queueLogPath;
    // device_state_cb runs on app_queue's stasis subscription, after the change was published:
    // the members follow a moment later (a zero-delay timer), in the order the states came.
    const pendingStates: Array<[string, number]> = [];
    let flush: ReturnType<Pbx['clock']['setTimer']> | undefined;
    this.offs.push(
      pbx.on('DeviceStateChange', (e) => {
        const st = deviceStateFromName(e.state);
        if (st === undefined || e.device.startsWith('Queue:')) return;
        pendingStates.push([e.device, st]);
        flush ??= pbx.clock.setTimer(0, () => {
          flush = undefined;
          for (const [d, s] of pendingStates.splice(0)) this.deviceStateChanged(d, s);
        });
      }),
      () => {
        if (flush) pbx.clock.clearTimer(flush);
      },
    );
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

  private emit(e: QueueEvent): void {
    for (const l of this.listeners) l(e);
  }

  now(): number {
    return Math.floor(this.pbx.clock.now() / 1000);
  }

  // ---- queue_log ------------------------------------------------------------------------------

  /** ast_queue_log: `epoch|callid|queue|agent|event|data`. */
  queueLog(queuename: string, callid: string, agent: string, event: string, data: string): void {
    const line = `${this.now()}|${callid}|${queuename}|${agent}|${event}|${data}`;
    if (this.keepLogLines) this.logLines.push(line);
    if (this.queueLogPath) appendFileSync(this.queueLogPath, line + '\n');
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
        q.onMembersChanged = this.invalidateStateIndex;
        this.queues.set(c.name.toLowerCase(), q);
        this.invalidateStateIndex();
      } else if (opts.parameters) {
        const wasOrdered = q.ordered;
        q.params = c.params;
        if (wasOrdered !== q.ordered) q.sortMembers();
      }
      if (opts.members || isNew) this.reloadStaticMembers(q, c.members);
      // init_queue: "on restart assume no members are available" (the BLF hint shows in use).
      if (isNew || opts.parameters) this.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.INUSE);
    }
    if (opts.removeMissing && !opts.only)
      for (const [k, q] of this.queues)
        if (!seen.has(k) && q.callers.length === 0) {
          this.queues.delete(k);
          this.invalidateStateIndex();
        }
  }

  private reloadStaticMembers(q: Queue, confs: MemberConf[]): void {
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
        status: this.pbx.deviceState(mc.stateInterface),
        now: this.now(),
      });
      m.paused = cur ? cur.paused : mc.paused;
      if (cur) {
        m.queuepos = cur.queuepos;
        m.calls = cur.calls;
        m.lastcall = cur.lastcall;
        m.dynamic = false;
        q.replace(cur, m);
      } else {
        q.link(m);
        this.pbx.setDeviceState(
          `Queue:${q.name}_pause_${m.interface}`,
          m.paused ? DeviceState.INUSE : DeviceState.NOT_INUSE,
        );
      }
      keep.add(m);
    }
    for (const m of [...q.members]) if (!m.dynamic && !keep.has(m)) q.unlink(m);
  }

  /** QueueReset / `queue reset stats`. */
  resetStats(name?: string): void {
    for (const q of this.list()) {
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

  // ---- members --------------------------------------------------------------------------------

  /** add_to_queue. */
  addMember(
    queuename: string,
    iface: string,
    o: {
      membername?: string;
      penalty?: number;
      paused?: boolean;
      stateInterface?: string;
      reason?: string;
      wrapuptime?: number;
      dump?: boolean;
    } = {},
  ): QueueResult {
    const q = this.get(queuename);
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
      status: this.pbx.deviceState(stateInterface),
      now: this.now(),
    });
    m.dynamic = true;
    m.paused = o.paused ?? false;
    if (o.reason) m.reasonPaused = o.reason;
    q.link(m);
    this.pbx.setDeviceState(
      `Queue:${q.name}_pause_${m.interface}`,
      m.paused ? DeviceState.INUSE : DeviceState.NOT_INUSE,
    );
    this.emit({ type: 'MemberAdded', queue: q, member: memberView(q, m) });
    if (this.isMemberAvailable(q, m)) this.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.NOT_INUSE);
    if (o.dump ?? this.general.persistentmembers) this.dumpMembers(q);
    return 'OK';
  }

  /** remove_from_queue. */
  removeMember(queuename: string, iface: string): QueueResult {
    const q = this.get(queuename);
    if (!q) return 'NOSUCHQUEUE';
    const m = q.find(iface);
    if (!m) return 'EXISTS';
    if (!m.dynamic) return 'NOT_DYNAMIC';
    this.emit({ type: 'MemberRemoved', queue: q, member: memberView(q, m) });
    q.unlink(m);
    if (this.general.persistentmembers) this.dumpMembers(q);
    if (!this.numAvailable(q)) this.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.INUSE);
    return 'OK';
  }

  /** set_member_paused: one queue or (no queue name) every queue; false when not found. */
  setPaused(queuename: string, iface: string, reason: string, paused: boolean): boolean {
    let found = 0;
    for (const q of this.list()) {
      if (queuename && q.name.toLowerCase() !== queuename.toLowerCase()) continue;
      const m = q.find(iface);
      if (m) {
        found++;
        if (found === 1 && !queuename)
          this.queueLog('NONE', 'NONE', m.membername, paused ? 'PAUSEALL' : 'UNPAUSEALL', reason);
        this.setMemberPause(q, m, reason, paused);
      }
      if (queuename) break;
    }
    return found > 0;
  }

  private setMemberPause(q: Queue, m: Member, reason: string, paused: boolean): void {
    if (m.paused === paused && this.general.logUnpauseOnReasonChange && paused && m.reasonPaused !== reason)
      this.queueLog(q.name, 'NONE', m.membername, 'UNPAUSE', 'Auto-Unpause');
    m.paused = paused;
    if (paused) m.lastpause = this.now();
    m.reasonPaused = paused && reason ? reason : '';
    this.pbx.setDeviceState(
      `Queue:${q.name}_pause_${m.interface}`,
      paused ? DeviceState.INUSE : DeviceState.NOT_INUSE,
    );
    if (this.general.persistentmembers) this.dumpMembers(q);
    if (this.isMemberAvailable(q, m)) this.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.NOT_INUSE);
    else if (!this.numAvailable(q)) this.pbx.setDeviceState(`Queue:${q.name}_avail`, DeviceState.INUSE);
    if (!paused && reason) m.reasonPaused = reason;
    this.queueLog(q.name, 'NONE', m.membername, paused ? 'PAUSE' : 'UNPAUSE', m.reasonPaused);
    this.emit({ type: 'MemberPause', queue: q, member: memberView(q, m) });
    if (!paused) m.reasonPaused = '';
  }

  /** set_member_value for penalty / ringinuse: one queue or all; false when nothing matched. */
  setMemberValue(queuename: string, iface: string, prop: 'penalty' | 'ringinuse', value: number): boolean {
    if (prop === 'penalty' && value < 0 && !this.general.negativePenaltyInvalid) return false;
    let found = 0;
    for (const q of this.list()) {
      if (queuename && q.name.toLowerCase() !== queuename.toLowerCase()) continue;
      const m = q.find(iface);
      if (!m) continue;
      found++;
      if (prop === 'penalty') {
        m.penalty = value;
        this.queueLog(q.name, 'NONE', iface, 'PENALTY', String(value));
        this.emit({ type: 'MemberPenalty', queue: q, member: memberView(q, m) });
      } else {
        m.ringinuse = value !== 0;
        this.queueLog(q.name, 'NONE', m.interface, 'RINGINUSE', String(value));
        this.emit({ type: 'MemberRinginuse', queue: q, member: memberView(q, m) });
      }
    }
    return found > 0;
  }

  /** dump_queue_members: the dynamic members of a queue into astdb (or the key deleted). */
  dumpMembers(q: Queue): void {
    const parts = q.members
      .filter((m) => m.dynamic)
      .map(
        (m) =>
          `${m.interface};${m.penalty};${m.paused ? 1 : 0};${m.membername};${m.stateInterface};${m.reasonPaused};${m.wrapuptime}`,
      );
    if (parts.length) this.pbx.astdb.put(PM_FAMILY, q.name, parts.join('|'));
    else this.pbx.astdb.del(PM_FAMILY, q.name);
  }

  /** reload_queue_members: dynamic members back from astdb at start. */
  restoreMembers(): void {
    for (const e of this.pbx.astdb.gettree(PM_FAMILY)) {
      const qname = e.key.slice(PM_FAMILY.length + 2);
      const q = this.get(qname);
      if (!q) {
        this.pbx.astdb.del(PM_FAMILY, qname);
        continue;
      }
      for (const item of e.value.split(/[,|]/)) {
        if (!item) continue;
        const [iface = '', pen = '0', pau = '0', name = '', si = '', reason = '', wrap = '0'] =
          item.split(';');
        if (!iface) continue;
        this.addMember(q.name, iface, {
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

  // ---- member state ---------------------------------------------------------------------------

  private wrapupOf(q: Queue, m: Member): number {
    return m.wrapuptime > 0 ? m.wrapuptime : q.params.wrapuptime;
  }

  isMemberAvailable(q: Queue, m: Member): boolean {
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
    const w = this.wrapupOf(q, m);
    if (m.lastcall && w && this.now() - w < m.lastcall) available = false;
    return available;
  }

  numAvailable(q: Queue): number {
    let avl = 0;
    for (const m of q.members) {
      if (this.isMemberAvailable(q, m)) avl++;
      if (avl && (!q.params.autofill || q.params.strategy === 'ringall')) break;
    }
    return avl;
  }

  /**
   * The members by state interface (as device_state_cb compares it: lower case, a Local
   * interface cut after its second '/'): for each queue in container order, the first member in
   * member order with that device. Rebuilt lazily after the member lists or the queues change,
   * so a device state change looks at its own members only.
   */
  private stateIndex: Map<string, Array<[Queue, Member]>> | undefined;

  private readonly invalidateStateIndex = (): void => {
    this.stateIndex = undefined;
  };

  /** The device a member's state interface stands for in device_state_cb. */
  static stateDevice(stateInterface: string): string {
    let iface = stateInterface;
    if (iface.toLowerCase().startsWith('local/')) {
      const second = iface.indexOf('/', 6);
      if (second >= 0) iface = iface.slice(0, second);
    }
    return iface.toLowerCase();
  }

  private membersByDevice(dev: string): Array<[Queue, Member]> {
    if (!this.stateIndex) {
      const idx = new Map<string, Array<[Queue, Member]>>();
      for (const q of this.list()) {
        const seen = new Set<string>();
        for (const m of q.members) {
          const d = QueueEngine.stateDevice(m.stateInterface);
          if (seen.has(d)) continue;
          seen.add(d);
          let list = idx.get(d);
          if (!list) idx.set(d, (list = []));
          list.push([q, m]);
        }
      }
      this.stateIndex = idx;
    }
    return this.stateIndex.get(dev) ?? [];
  }

  /** device_state_cb: a device changed; members whose state interface it is follow. */
  deviceStateChanged(device: string, state: number): void {
    for (const [q, found] of [...this.membersByDevice(device.toLowerCase())]) {
      if (!q.members.includes(found)) continue;
      this.updateStatus(q, found, state);
      const avail = q.members.some((m) => this.isMemberAvailable(q, m));
      this.pbx.setDeviceState(`Queue:${q.name}_avail`, avail ? DeviceState.NOT_INUSE : DeviceState.INUSE);
    }
  }

  private updateStatus(q: Queue, m: Member, status: number): void {
    if (m.status === status) return;
    if (status === DeviceState.NOT_INUSE) this.updateQueue(q, m, m.callcompletedinsl, m.starttime);
    m.status = status;
    this.pending.delete(m.interface.toLowerCase());
    this.emit({ type: 'MemberStatus', queue: q, member: memberView(q, m) });
  }

  /** update_queue: a call with a member ended; statistics and the member's counters. */
  private updateQueue(q: Queue, m: Member, inSl: boolean, starttime: number): void {
    if (!starttime || m.starttime !== starttime) return;
    const newtalk = this.now() - starttime;
    m.starttime = 0;
    const now = this.now();
    const targets = this.general.sharedLastcall
      ? this.list()
          .map((x) => x.find(m.interface))
          .filter((x): x is Member => x !== undefined)
      : [m];
    for (const t of targets) {
      t.lastcall = now;
      t.calls++;
      t.callcompletedinsl = false;
      t.lastqueue = q;
    }
    this.pending.delete(m.interface.toLowerCase());
    q.callscompleted++;
    if (inSl) q.callscompletedinsl++;
    if (q.callscompleted === 1) q.talktime = newtalk;
    else q.talktime = (((q.talktime << 2) - q.talktime + newtalk) >> 2) | 0;
  }

  private recalcHoldtime(q: Queue, newhold: number): void {
    if (q.callscompleted + q.callsabandoned === 0) q.holdtime = newhold;
    else q.holdtime = (((q.holdtime << 2) - q.holdtime + newhold) >> 2) | 0;
  }

  /** get_member_status: 0 when some member can take calls under `conditions`, else non-zero. */
  memberStatus(
    q: Queue,
    c: { maxPenalty: number; minPenalty: number; raisePenalty: number; raiseRespectMin: boolean },
    conditions: number,
  ): number {
    if (!q.members.length) return 1;
    for (const m of q.members) {
      let penalty = m.penalty;
      if (
        c.raisePenalty !== INT_MAX &&
        penalty < c.raisePenalty &&
        !(c.raiseRespectMin && c.minPenalty !== INT_MAX && penalty < c.minPenalty)
      )
        penalty = c.raisePenalty;
      if (
        (c.maxPenalty !== INT_MAX && penalty > c.maxPenalty) ||
        (c.minPenalty !== INT_MAX && penalty < c.minPenalty)
      ) {
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
      const w = this.wrapupOf(q, m);
      if (conditions & EMPTY.WRAPUP && m.lastcall && w && this.now() - w < m.lastcall) continue;
      return 0;
    }
    return 2;
  }

  // ---- callers --------------------------------------------------------------------------------

  /** join_queue: inserts by priority (or at `position`); returns the failure reason if any. */
  join(q: Queue, c: Caller, position: number): QueueExitStatus | undefined {
    if (q.params.joinempty && this.memberStatus(q, c, q.params.joinempty)) return 'JOINEMPTY';
    if (q.params.maxlen && q.count >= q.params.maxlen) return 'FULL';
    let idx = q.callers.length;
    if (position > 0 && position <= q.callers.length) idx = position - 1;
    else {
      const i = q.callers.findIndex((o) => o.prio < c.prio);
      if (i >= 0) idx = i;
    }
    q.callers.splice(idx, 0, c);
    q.callers.forEach((o, i) => (o.pos = i + 1));
    c.opos = c.pos;
    this.emit({
      type: 'CallerJoin',
      queue: q,
      caller: c.channel.snapshot(),
      position: c.pos,
      count: q.count,
    });
    return undefined;
  }

  /** leave_queue. */
  leave(c: Caller): void {
    const q = c.queue;
    const i = q.callers.indexOf(c);
    if (i < 0) return;
    q.callers.splice(i, 1);
    this.emit({
      type: 'CallerLeave',
      queue: q,
      caller: c.channel.snapshot(),
      count: q.count,
      position: c.pos,
    });
    q.callers.forEach((o, j) => (o.pos = j + 1));
  }

  recordAbandoned(c: Caller): void {
    const q = c.queue;
    this.pbx.setVar(c.channel, 'ABANDONED', 'TRUE');
    const hold = this.now() - c.start;
    if (hold <= q.params.servicelevel) q.callsabandonedinsl++;
    q.callsabandoned++;
    this.emit({
      type: 'CallerAbandon',
      queue: q,
      caller: c.channel.snapshot(),
      position: c.pos,
      originalPosition: c.opos,
      holdTime: hold,
    });
  }

  /** QueueChangePriorityCaller. */
  changePriority(queuename: string, channel: string, prio: number, immediate: boolean): QueueResult {
    const q = this.get(queuename);
    if (!q) return 'NOSUCHQUEUE';
    const c = q.callers.find((x) => x.channel.name === channel);
    if (!c) return 'NOT_CALLER';
    c.prio = prio;
    if (immediate) {
      q.callers.splice(q.callers.indexOf(c), 1);
      const i = q.callers.findIndex((o) => o.prio < c.prio);
      q.callers.splice(i < 0 ? q.callers.length : i, 0, c);
      q.callers.forEach((o, j) => (o.pos = j + 1));
    }
    return 'OK';
  }

  /** QueueWithdrawCaller. */
  withdraw(queuename: string, channel: string, info: string): QueueResult {
    const q = this.get(queuename);
    if (!q) return 'NOSUCHQUEUE';
    const c = q.callers.find((x) => x.channel.name === channel);
    if (!c) return 'NOT_CALLER';
    if (c.withdraw) return 'EXISTS';
    c.withdraw = true;
    c.withdrawInfo = info || undefined;
    c.channel.wake('signal');
    return 'OK';
  }

  /** is_our_turn: the caller is within the first `available` callers (autofill) or first. */
  isOurTurn(c: Caller): boolean {
    const q = c.queue;
    const avl = this.numAvailable(q);
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

  private updateRule(c: Caller): void {
    const pr = c.rules[c.ruleIdx];
    if (!pr) return;
    if (c.maxPenalty !== INT_MAX) {
      c.maxPenalty = Math.max(0, pr.maxRelative ? c.maxPenalty + pr.maxValue : pr.maxValue);
      this.pbx.setVar(c.channel, 'QUEUE_MAX_PENALTY', String(c.maxPenalty));
    }
    if (c.minPenalty !== INT_MAX) {
      let v = pr.minRelative ? c.minPenalty + pr.minValue : pr.minValue;
      v = Math.max(0, v);
      if (c.maxPenalty !== INT_MAX && v > c.maxPenalty) v = c.maxPenalty;
      c.minPenalty = v;
      this.pbx.setVar(c.channel, 'QUEUE_MIN_PENALTY', String(c.minPenalty));
    }
    if (c.raisePenalty !== INT_MAX) {
      c.raisePenalty = Math.max(0, pr.raiseRelative ? c.raisePenalty + pr.raiseValue : pr.raiseValue);
      this.pbx.setVar(c.channel, 'QUEUE_RAISE_PENALTY', String(c.raisePenalty));
    }
    c.raiseRespectMin = pr.raiseRespectMin;
    c.ruleIdx++;
  }

  /** Applies the penalty rules whose time has come. */
  applyRules(c: Caller): void {
    while (c.ruleIdx < c.rules.length && this.now() - c.start > c.rules[c.ruleIdx].time) this.updateRule(c);
  }

  // ---- distribution ---------------------------------------------------------------------------

  /** compare_weight: another queue with a higher weight has callers waiting for this member. */
  private outweighed(q: Queue, m: Member): boolean {
    for (const o of this.list()) {
      if (o === q || !o.count) continue;
      if (!o.find(m.interface)) continue;
      if (o.params.weight > q.params.weight && o.count >= this.numAvailable(o)) return true;
    }
    return false;
  }

  private get useWeight(): boolean {
    for (const q of this.queues.values()) if (q.params.weight) return true;
    return false;
  }

  /** can_ring_entry (without taking the pending slot). */
  canRing(c: Caller, m: Member): boolean {
    if (m.paused) return false;
    const memberAvail = (s: number): boolean => s === DeviceState.NOT_INUSE || s === DeviceState.UNKNOWN;
    if (!m.ringinuse && !memberAvail(m.status)) return false;
    const w = this.wrapupOf(m.lastqueue ?? c.queue, m);
    if (w && this.now() - m.lastcall < w) return false;
    if (this.useWeight && this.outweighed(c.queue, m)) return false;
    if (!m.ringinuse) {
      if (this.pending.has(m.interface.toLowerCase())) return false;
      if (!memberAvail(this.pbx.deviceState(m.stateInterface))) return false;
    }
    return true;
  }

  /** calc_metric: lower rings first; -1 = outside the caller's penalty window. */
  calcMetric(q: Queue, m: Member, pos: number, c: Caller): number {
    const usepenalty = q.members.length <= q.params.penaltymemberslimit ? 0 : 1;
    let penalty = m.penalty;
    if (usepenalty) {
      if (
        c.raisePenalty !== INT_MAX &&
        penalty < c.raisePenalty &&
        !(c.raiseRespectMin && c.minPenalty !== INT_MAX && penalty < c.minPenalty)
      )
        penalty = c.raisePenalty;
      if (
        (c.maxPenalty !== INT_MAX && penalty > c.maxPenalty) ||
        (c.minPenalty !== INT_MAX && penalty < c.minPenalty)
      )
        return -1;
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
        return Math.floor(this.pbx.prng.next() * 1000) + pen;
      case 'wrandom':
        return Math.floor(this.pbx.prng.next() * ((1 + penalty) * 1000));
      case 'fewestcalls':
        return m.calls + pen;
      case 'leastrecent':
        return (m.lastcall ? 1000000 - (this.now() - m.lastcall) : 0) + pen;
    }
    return 0;
  }

  /** The attempts of one round, metric computed, in member order (try_calling's outgoing list). */
  buildAttempts(c: Caller): Attempt[] {
    const q = c.queue;
    const out: Attempt[] = [];
    q.wrapped = false;
    c.linwrapped = false;
    q.members.forEach((m, pos) => {
      const metric = this.calcMetric(q, m, pos, c);
      if (metric < 0) return;
      out.push({ member: m, pos, metric, tried: false, done: false, ringing: false, startMs: 0 });
    });
    return out;
  }

  /** The next attempts to ring: the best metric (ringall: every attempt with that metric). */
  nextToRing(c: Caller, attempts: Attempt[]): Attempt[] {
    for (;;) {
      let best: Attempt | undefined;
      for (const a of attempts) if (!a.tried && (!best || a.metric < best.metric)) best = a;
      if (!best) return [];
      const group =
        c.queue.params.strategy === 'ringall'
          ? attempts.filter((a) => !a.tried && a.metric === best.metric)
          : [best];
      const ok: Attempt[] = [];
      for (const a of group) {
        a.tried = true;
        if (this.canRing(c, a.member)) ok.push(a);
        else a.done = true;
      }
      if (ok.length) return ok;
    }
  }

  /** store_next_rr / store_next_lin after a round started. */
  private storeNext(c: Caller, attempts: Attempt[]): void {
    const q = c.queue;
    let best: Attempt | undefined;
    for (const a of attempts) if (!a.tried && (!best || a.metric < best.metric)) best = a;
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

  /**
   * try_calling: one round of ringing members for `ms` (negative: no limit). Resolves 'connected'
   * after the bridged call ended, 'none' when nobody answered, 'hangup' when the caller left.
   */
  async tryCalling(c: Caller, ms: number): Promise<'none' | 'hangup' | 'connected'> {
    const q = c.queue;
    const caller = c.channel;
    const clock = this.pbx.clock;
    const attempts = this.buildAttempts(c);
    /** wait_for_answer's start_time_tv (restarted by timeoutrestart). */
    let roundStart = clock.now();
    /** wait_for_answer's `starttime`: seconds when members were last rung. */
    let ringSecs = this.now();
    let winner: Attempt | undefined;
    const ringing: Attempt[] = [];
    const dialEnd = (chan: Channel, status: string): void =>
      this.pbx.emit('DialEnd', {
        caller: caller.snapshot(),
        dest: chan.snapshot(),
        dialStatus: status,
        forward: '',
      });

    /** ring_entry: request and call one member; AgentCalled, then DialBegin. */
    const startRing = (list: Attempt[]): void => {
      ringSecs = this.now();
      for (const a of list) {
        const m = a.member;
        const slash = m.interface.indexOf('/');
        const tech = slash > 0 ? m.interface.slice(0, slash) : m.interface;
        const location = slash > 0 ? m.interface.slice(slash + 1) : '';
        if (!m.ringinuse) this.pending.add(m.interface.toLowerCase());
        const req = this.pbx.request(tech, location, { requestor: caller });
        if (!('channel' in req)) {
          a.done = true;
          this.pending.delete(m.interface.toLowerCase());
          continue;
        }
        const chan = req.channel;
        chan.owners++;
        this.pbx.stage(chan, () => {
          chan.cdrSuppressed = true;
          this.pbx.setApplication(chan, 'AppQueue', '(Outgoing Line)');
          if (!chan.callerIdNum) chan.callerIdNum = caller.callerIdNum;
          if (!chan.callerIdName) chan.callerIdName = caller.callerIdName;
          chan.connectedLineNum = caller.callerIdNum;
          chan.connectedLineName = caller.callerIdName;
          chan.peerAccount = caller.accountCode;
        });
        this.pbx.setVar(chan, 'DIALEDPEERNUMBER', location || m.interface);
        if (!this.pbx.call(chan)) {
          chan.owners--;
          this.pbx.hangupNow(chan);
          a.done = true;
          this.pending.delete(m.interface.toLowerCase());
          continue;
        }
        a.chan = chan;
        a.startMs = clock.now();
        ringing.push(a);
        this.emit({
          type: 'AgentCalled',
          queue: q,
          caller: caller.snapshot(),
          agent: chan.snapshot(),
          member: memberView(q, m),
        });
        this.pbx.emit('DialBegin', {
          caller: caller.snapshot(),
          dest: chan.snapshot(),
          dialString: m.interface,
        });
      }
    };

    /** do_hang / hangupcalls: the attempt's channel goes. */
    const hang = (a: Attempt, cause = 0): void => {
      const chan = a.chan;
      a.chan = undefined;
      a.done = true;
      if (!chan || chan.dead) return;
      chan.controlHandler = undefined;
      chan.owners--;
      chan.hangupCause = cause || chan.hangupCause || Cause.NORMAL_CLEARING;
      this.pbx.hangupNow(chan);
      this.pending.delete(a.member.interface.toLowerCase());
    };

    /** rna(): AgentRingNoAnswer, RINGNOANSWER, autopause. */
    const rna = (a: Attempt, rnatime: number, autopause: boolean): void => {
      if (a.chan)
        this.emit({
          type: 'AgentRingNoAnswer',
          queue: q,
          caller: caller.snapshot(),
          agent: a.chan.snapshot(),
          member: memberView(q, a.member),
          ringTime: rnatime,
        });
      this.queueLog(q.name, caller.uniqueid, a.member.membername, 'RINGNOANSWER', String(rnatime));
      if (q.params.autopause !== 'no' && autopause) {
        const m = a.member;
        if (
          q.params.autopausedelay > 0 &&
          m.lastcall !== 0 &&
          q.params.autopausedelay > this.now() - m.lastcall
        )
          return;
        this.setPaused(q.params.autopause === 'yes' ? q.name : '', m.interface, 'Auto-Pause', true);
      }
    };

    /** hangupcalls(): DialEnd CANCEL for every attempt still up (but `except`), then hang up. */
    const hangupcalls = (except?: Attempt): void => {
      for (const a of ringing) {
        if (!a.chan || a === except) continue;
        dialEnd(a.chan, 'CANCEL');
        hang(a, except || c.cancelElsewhere ? Cause.ANSWERED_ELSEWHERE : 0);
      }
    };

    c.pending = true;
    startRing(this.nextToRing(c, attempts));
    // Members that could not be called at all: try the next ones (not ringall).
    while (!ringing.length && q.params.strategy !== 'ringall') {
      const more = this.nextToRing(c, attempts);
      if (!more.length) break;
      startRing(more);
    }
    if (!ringing.length) {
      c.pending = false;
      this.storeNext(c, attempts);
      return 'none';
    }

    const outcome = await new Promise<'timeout' | 'cancel' | 'answer' | 'allfailed'>((resolve) => {
      let finished = false;
      const finish = (r: 'timeout' | 'cancel' | 'answer' | 'allfailed'): void => {
        if (finished) return;
        finished = true;
        if (timer) clock.clearTimer(timer);
        for (const a of ringing) if (a.chan) a.chan.controlHandler = undefined;
        resolve(r);
      };
      let timer = ms > 0 ? clock.setTimer(ms, () => finish('timeout')) : undefined;
      const attach = (a: Attempt): void => {
        const chan = a.chan;
        if (!chan) return;
        chan.controlHandler = (ctl: Control) => {
          if (finished || a.done) return;
          if (ctl.type === 'ringing' && !a.ringing) {
            a.ringing = true;
            this.pbx.emit('DialState', {
              caller: caller.snapshot(),
              dest: chan.snapshot(),
              dialStatus: 'RINGING',
              forward: '',
            });
          } else if (ctl.type === 'answer') {
            winner = a;
            finish('answer');
          } else if (ctl.type === 'busy' || ctl.type === 'congestion' || ctl.type === 'hangup') {
            const status =
              ctl.type === 'busy' ? 'BUSY' : ctl.type === 'congestion' ? 'CONGESTION' : 'NOANSWER';
            const autopause =
              ctl.type === 'busy'
                ? q.params.autopausebusy
                : ctl.type === 'congestion'
                  ? q.params.autopauseunavail
                  : true;
            dialEnd(chan, status);
            rna(a, (this.now() - ringSecs) * 1000, autopause);
            hang(a, ctl.type === 'busy' ? Cause.USER_BUSY : ctl.type === 'congestion' ? Cause.CONGESTION : 0);
            if (q.params.strategy !== 'ringall') {
              if (q.params.timeoutrestart) {
                // The member's refusal gives the next one the whole timeout again.
                roundStart = clock.now();
                if (timer) {
                  clock.clearTimer(timer);
                  timer = clock.setTimer(ms, () => finish('timeout'));
                }
              }
              const left = ms > 0 ? ms - (clock.now() - roundStart) : Infinity;
              if (left > 500) {
                const before = ringing.length;
                c.pending = true;
                startRing(this.nextToRing(c, attempts));
                for (const x of ringing.slice(before)) attach(x);
              }
            }
            if (ringing.every((x) => x.done)) finish('allfailed');
          }
        };
      };
      for (const a of ringing) attach(a);
      void (async () => {
        while (!finished) {
          const r = await caller.wait(clock, -1);
          if (finished) return;
          if (r === 'hangup' || r === 'goto' || c.withdraw) finish('cancel');
        }
      })();
    });
    this.storeNext(c, attempts);
    c.pending = false;

    if (outcome !== 'answer' || !winner) {
      if (outcome === 'timeout') {
        for (const a of ringing) if (a.chan) rna(a, ms, true);
        for (const a of ringing) if (a.chan) dialEnd(a.chan, 'NOANSWER');
      } else if (outcome === 'cancel') {
        for (const a of ringing) if (a.chan) dialEnd(a.chan, 'CANCEL');
        for (const a of ringing)
          if (a.chan)
            this.queueLog(
              q.name,
              caller.uniqueid,
              a.member.membername,
              'RINGCANCELED',
              String(clock.now() - roundStart),
            );
      }
      hangupcalls();
      return outcome === 'cancel' && (caller.hungUp || caller.dead) ? 'hangup' : 'none';
    }

    // Answered: DialEnd ANSWER, the others cancelled (answered elsewhere), the caller leaves the
    // queue, CONNECT and AgentConnect, then the bridge.
    const win: Attempt = winner;
    const peer = win.chan as Channel;
    peer.controlHandler = undefined;
    dialEnd(peer, 'ANSWER');
    const m = win.member;
    const answerMs = clock.now();
    const now = this.now();
    const holdSecs = now - c.start;
    this.recalcHoldtime(q, holdSecs);
    const inSl = holdSecs <= q.params.servicelevel;
    m.callcompletedinsl = inSl;
    hangupcalls(win);
    this.pending.delete(m.interface.toLowerCase());
    // memberdelay, the member announcement and reportholdtime: the member hears them while the
    // caller waits (autoservice, music on hold going on).
    if (c.announce || q.params.reportholdtime || q.params.memberdelay) {
      let gone = false;
      if (q.params.memberdelay)
        gone = (await waitFull(this.pbx, peer, q.params.memberdelay * 1000)) !== 'timeout';
      if (!gone && c.announce)
        for (const f of c.announce.split('&').map((x) => x.trim()))
          if (f && !(await this.playFile(peer, f))) break;
      if (!gone && q.params.reportholdtime && (await this.playFile(peer, q.params.sounds.reporthold))) {
        const held = this.now() - c.start;
        const mins = Math.trunc(held / 60);
        const secs = held % 60;
        if (mins > 0 && (await this.sayNumber(peer, mins)))
          await this.playFile(peer, q.params.sounds.minutes);
        if (secs > 1 && (await this.sayNumber(peer, secs)))
          await this.playFile(peer, q.params.sounds.seconds);
      }
      const dialStatus = (): string => {
        const cause = peer.hangupCause;
        if (cause === Cause.USER_BUSY) return 'BUSY';
        if (cause === Cause.CONGESTION) return 'CONGESTION';
        if (cause === Cause.NO_ROUTE_DESTINATION || cause === Cause.SUBSCRIBER_ABSENT) return 'CHANUNAVAIL';
        if (cause === Cause.NO_ANSWER) return 'NOANSWER';
        return 'ANSWER';
      };
      const dropPeer = (): void => {
        dialEnd(peer, dialStatus());
        peer.controlHandler = undefined;
        peer.owners--;
        if (!peer.dead) {
          if (!peer.hangupCause) peer.hangupCause = Cause.NORMAL_CLEARING;
          this.pbx.hangupNow(peer);
        }
        this.pending.delete(m.interface.toLowerCase());
      };
      if (peer.hungUp || peer.dead) {
        // The member hung up on the caller: AGENTDUMP, and the caller stays in the queue.
        this.queueLog(q.name, caller.uniqueid, m.membername, 'AGENTDUMP', '');
        this.emit({
          type: 'AgentDump',
          queue: q,
          caller: caller.snapshot(),
          agent: peer.snapshot(),
          member: memberView(q, m),
        });
        dropPeer();
        return 'none';
      }
      if (caller.hungUp || caller.dead) {
        this.queueLog(
          q.name,
          caller.uniqueid,
          m.membername,
          'ABANDON',
          `${c.pos}|${c.opos}|${this.now() - c.start}`,
        );
        this.recordAbandoned(c);
        c.handled = true;
        dropPeer();
        return 'hangup';
      }
    }
    if (c.moh && !caller.dead) {
      this.pbx.emit('MusicOnHoldStop', { channel: caller.snapshot() });
      c.moh = false;
    }
    // queue-callerannounce: the caller hears it before the bridge (a failure does not stop it).
    if (q.params.sounds.callerannounce) await this.playFile(caller, q.params.sounds.callerannounce);
    if (q.params.setinterfacevar) {
      this.pbx.setVar(caller, 'MEMBERINTERFACE', m.interface);
      this.pbx.setVar(caller, 'MEMBERNAME', m.membername);
      this.pbx.setVar(caller, 'MEMBERCALLS', String(m.calls));
      this.pbx.setVar(caller, 'MEMBERLASTCALL', String(m.lastcall));
      this.pbx.setVar(caller, 'MEMBERPENALTY', String(m.penalty));
      this.pbx.setVar(caller, 'MEMBERDYNAMIC', m.dynamic ? '1' : '0');
      this.pbx.setVar(caller, 'MEMBERREALTIME', '0');
    }
    this.leave(c);
    // The macro and gosub (Queue() arguments, else membermacro / membergosub) on the member's
    // channel, then the AGI on the caller's: they run before CONNECT, their time is hold time.
    const macro = c.macro || q.params.membermacro;
    if (macro) {
      if (this.pbx.apps.get('Macro')) await this.execOn(peer, 'Macro', macro);
      else
        this.pbx.log(
          'WARNING',
          'Asked to execute a macro on this channel, but could not find application (Macro)!',
        );
    }
    const gosub = c.gosub || q.params.membergosub;
    if (gosub && !peer.hungUp && !peer.dead) await this.execSub(peer, this.memberGosubTarget(peer, gosub));
    if (c.agi) {
      if (this.pbx.apps.get('AGI')) await this.execOn(caller, 'AGI', c.agi);
      else
        this.pbx.log(
          'WARNING',
          'Asked to execute an AGI on this channel, but could not find application (agi)!',
        );
    }
    c.handled = true;
    const ringTime = Math.floor((answerMs - roundStart) / 1000);
    // From here the hold time counts up to the connection (after any member announcement).
    const connectHold = this.now() - c.start;
    this.queueLog(
      q.name,
      caller.uniqueid,
      m.membername,
      'CONNECT',
      `${connectHold}|${peer.uniqueid}|${ringTime}`,
    );
    this.pbx.setVar(caller, 'QUEUEWAIT', String(connectHold));
    this.emit({
      type: 'AgentConnect',
      queue: q,
      caller: caller.snapshot(),
      agent: peer.snapshot(),
      member: memberView(q, m),
      ringTime,
      holdTime: connectHold,
    });
    const starttime = this.now();
    m.starttime = starttime;
    caller.cdrPeer = peer;
    // The bridge features the options grant (t, T, h, H, k, K, w, W, x, X): amikit has no DTMF
    // feature codes, so they are kept on each side as a variable for the dialplan and tests.
    if (c.features.caller) this.pbx.setVar(caller, 'QUEUE_BRIDGE_FEATURES', c.features.caller);
    if (c.features.callee) this.pbx.setVar(peer, 'QUEUE_BRIDGE_FEATURES', c.features.callee);
    if (caller.state !== ChannelState.Up) this.pbx.answer(caller);
    const bridge = this.pbx.bridgeChannels(caller, peer);
    await this.pbx.waitBridgeEnd(caller, bridge);
    const agentEnded = peer.hungUp || peer.dead;
    const reason = caller.hungUp || caller.dead ? 'caller' : agentEnded ? 'agent' : 'transfer';
    const talk = this.now() - starttime;
    const event =
      reason === 'caller' ? 'COMPLETECALLER' : reason === 'agent' ? 'COMPLETEAGENT' : 'BLINDTRANSFER';
    this.queueLog(q.name, caller.uniqueid, m.membername, event, `${connectHold}|${talk}|${c.opos}`);
    this.emit({
      type: 'AgentComplete',
      queue: q,
      caller: caller.snapshot(),
      agent: peer.snapshot(),
      member: memberView(q, m),
      holdTime: connectHold,
      talkTime: talk,
      reason,
    });
    this.updateQueue(q, m, inSl, starttime);
    peer.owners--;
    if (!peer.dead && (!peer.bridgeId || peer.bridgeId === bridge.uniqueid)) {
      const goOn =
        c.calleeGoOn !== undefined && !peer.hungUp ? this.afterGoOn(caller, c.calleeGoOn) : undefined;
      if (goOn) {
        // `F`: the member goes on in the dialplan (ast_bridge_set_after_go_on).
        if (peer.bridgeId) this.pbx.leaveBridge(peer);
        this.pbx.startPbx(peer, goOn);
      } else {
        if (!peer.hangupCause) peer.hangupCause = Cause.NORMAL_CLEARING;
        this.pbx.hangupNow(peer);
      }
    }
    if (!caller.hungUp && !caller.dead && !caller.hangupCause && agentEnded)
      caller.hangupCause = peer.hangupCause || Cause.NORMAL_CLEARING;
    return 'connected';
  }

  // ---- announcements ----------------------------------------------------------------------------

  /**
   * play_file: `ch` hears `file` for the sound's simulated length (ast_waitstream, nothing can
   * cut it short but a hangup). False when the channel hung up or was redirected meanwhile.
   */
  async playFile(ch: Channel, file: string): Promise<boolean> {
    if (!file) return true;
    if (ch.hungUp || ch.dead) return false;
    return (await waitFull(this.pbx, ch, soundLength(file))) === 'timeout';
  }

  /** ast_say_number: the digits/ files said for `n` (English). */
  async sayNumber(ch: Channel, n: number): Promise<boolean> {
    for (const f of sayNumberFiles(n)) if (!(await this.playFile(ch, f))) return false;
    return true;
  }

  /** ast_moh_stop / ast_indicate(-1) before an announcement. */
  private holdStop(c: Caller, ringing: boolean): void {
    if (ringing || !c.moh || c.channel.dead) return;
    this.pbx.emit('MusicOnHoldStop', { channel: c.channel.snapshot() });
    c.moh = false;
  }

  /** ast_moh_start / ast_indicate(RINGING) after it, when the caller stays. */
  private holdStart(c: Caller, ringing: boolean): void {
    if (ringing || c.moh || c.channel.dead) return;
    this.pbx.emit('MusicOnHoldStart', { channel: c.channel.snapshot(), mohClass: c.mohClass });
    c.moh = true;
  }

  /** say_position: position and expected hold time. False when the caller left while hearing it. */
  async sayPosition(c: Caller, ringing: boolean): Promise<boolean> {
    const q = c.queue;
    const p = q.params;
    const s = p.sounds;
    const ch = c.channel;
    const now = this.now();
    if (now - c.lastPos < p.minannouncefrequency) return true;
    if (c.lastPosSaid === c.pos && now - c.lastPos < p.announcefrequency) return true;
    if (p.announcepositiononlyup && c.lastPosSaid > 0 && c.lastPosSaid <= c.pos) return true;
    this.holdStop(c, ringing);
    let ok = true;
    let sayThanks = false;
    let toThanks = false;
    play: {
      if (
        p.announceposition === 'yes' ||
        p.announceposition === 'more' ||
        (p.announceposition === 'limit' && c.pos <= p.announcepositionlimit)
      ) {
        sayThanks = true;
        if (c.pos === 1) {
          ok = await this.playFile(ch, s.next);
          // app_queue skips the hold time when "you are next" played.
          if (ok) {
            toThanks = true;
            break play;
          }
        } else if (p.announceposition === 'more' && c.pos > p.announcepositionlimit) {
          ok =
            (await this.playFile(ch, s.quantity1)) &&
            (await this.sayNumber(ch, p.announcepositionlimit)) &&
            (await this.playFile(ch, s.quantity2));
        } else {
          ok =
            (await this.playFile(ch, s.thereare)) &&
            (await this.sayNumber(ch, c.pos)) &&
            (await this.playFile(ch, s.calls));
        }
        if (!ok) break play;
      }
      const left = q.holdtime + 30 - (now - c.start);
      const mins = Math.trunc(Math.abs(left) / 60);
      const secs = p.roundingseconds
        ? Math.trunc((Math.abs(left) - 60 * mins) / p.roundingseconds) * p.roundingseconds
        : 0;
      if (mins + secs > 0 && p.announceholdtime !== 'no' && (p.announceholdtime !== 'once' || !c.lastPos)) {
        sayThanks = true;
        ok = await this.playFile(ch, s.holdtime);
        if (ok && mins >= 1)
          ok =
            (await this.sayNumber(ch, mins)) && (await this.playFile(ch, mins === 1 ? s.minute : s.minutes));
        if (ok && secs >= 1) ok = (await this.sayNumber(ch, secs)) && (await this.playFile(ch, s.seconds));
        if (!ok) break play;
      }
      toThanks = true;
    }
    if (ok && toThanks && sayThanks) ok = await this.playFile(ch, s.thanks);
    c.lastPos = now;
    c.lastPosSaid = c.pos;
    if (ok) this.holdStart(c, ringing);
    return ok;
  }

  /** say_periodic_announcement. False when the caller left while hearing it. */
  async sayPeriodic(c: Caller, ringing: boolean): Promise<boolean> {
    const p = c.queue.params;
    const now = this.now();
    if (now - c.lastPeriodicAnnounceTime < p.periodicannouncefrequency) return true;
    this.holdStop(c, ringing);
    const files = p.periodicannounce;
    if (p.randomperiodicannounce && files.length)
      c.lastPeriodicAnnounceSound = Math.floor(this.pbx.prng.next() * files.length);
    else if (c.lastPeriodicAnnounceSound >= files.length || !files[c.lastPeriodicAnnounceSound])
      c.lastPeriodicAnnounceSound = 0;
    const ok = await this.playFile(c.channel, files[c.lastPeriodicAnnounceSound] ?? '');
    if (ok) this.holdStart(c, ringing);
    c.lastPeriodicAnnounceTime = p.relativeperiodicannounce ? this.now() : now;
    if (!p.randomperiodicannounce) c.lastPeriodicAnnounceSound++;
    return ok;
  }

  // ---- the Queue() application ---------------------------------------------------------------

  /** queue_exec. Returns the application result and sets QUEUESTATUS as app_queue does. */
  async run(ch: Channel, a: QueueAppArgs): Promise<0 | -1> {
    const pbx = this.pbx;
    const q = this.get(a.queuename);
    if (!q) {
      pbx.setVar(ch, 'QUEUESTATUS', 'UNKNOWN');
      return 0;
    }
    const nowMs = pbx.clock.now();
    const c = new Caller(ch, q, nowMs, a.timeout > 0 ? nowMs + a.timeout * 1000 : 0);
    const num = (v: string | undefined): number | undefined => {
      if (v === undefined || v.trim() === '') return undefined;
      const n = Number.parseInt(v, 10);
      return Number.isNaN(n) ? undefined : n;
    };
    c.prio = num(pbx.getVar(ch, 'QUEUE_PRIO')) ?? 0;
    const mx = num(pbx.getVar(ch, 'QUEUE_MAX_PENALTY'));
    if (mx !== undefined && mx >= 0) c.maxPenalty = mx;
    const mn = num(pbx.getVar(ch, 'QUEUE_MIN_PENALTY'));
    if (mn !== undefined && mn >= 0) c.minPenalty = mn;
    const rp = num(pbx.getVar(ch, 'QUEUE_RAISE_PENALTY'));
    if (rp !== undefined && rp >= 0) c.raisePenalty = rp;
    const ruleName = a.rule || q.params.defaultrule;
    c.rules = ruleName ? [...(this.rules.get(ruleName) ?? [])] : [];
    const opts = parseQueueOptions(a.options);
    const ringingOpt = opts.has('r');
    const qcontinue = opts.has('c');
    const noption = opts.has('n');
    c.cancelElsewhere = opts.has('C') || ch.hangupCause === Cause.ANSWERED_ELSEWHERE;
    c.features = bridgeFeatures(opts);
    if (opts.has('F')) c.calleeGoOn = opts.get('F') ?? '';

    const failure = this.join(q, c, a.position);
    if (failure) {
      pbx.setVar(ch, 'QUEUESTATUS', failure);
      return 0;
    }
    const cid = ch.callerIdNum;
    const enter = this.general.logCallerIdName
      ? `${a.url}|${cid}|${c.opos}|${ch.callerIdName.replace(/\|/g, '_')}`
      : `${a.url}|${cid}|${c.opos}`;
    this.queueLog(q.name, ch.uniqueid, 'NONE', 'ENTERQUEUE', enter);
    if (q.params.setqueueentryvar) this.setQueueEntryVars(c);
    // B(context^exten^priority(args)): a predial Gosub on the caller's channel.
    const predial = opts.get('B');
    if (predial) await this.execSub(ch, predial.replace(/\^/g, ','));
    c.lastPeriodicAnnounceTime = this.now();
    if (q.params.periodicannouncestartdelay >= 0)
      c.lastPeriodicAnnounceTime += q.params.periodicannouncestartdelay - q.params.periodicannouncefrequency;
    c.mohClass = opts.get('m') || q.params.musicclass || 'default';
    c.announce = a.announceoverride || q.params.announce;
    c.agi = a.agi ?? '';
    c.macro = a.macro ?? '';
    c.gosub = a.gosub ?? '';
    if (ringingOpt) pbx.indicate(ch, 'ringing');
    else {
      pbx.emit('MusicOnHoldStart', { channel: ch.snapshot(), mohClass: c.mohClass });
      c.moh = true;
    }

    let status: QueueExitStatus | undefined;
    let res: 'hangup' | 'connected' | 'left' = 'left';
    const hold = (): number => this.now() - c.start;
    const exitTimeout = (): void => {
      this.recordAbandoned(c);
      status = 'TIMEOUT';
      this.queueLog(q.name, ch.uniqueid, 'NONE', 'EXITWITHTIMEOUT', `${c.pos}|${c.opos}|${hold()}`);
    };
    const expired = (): boolean => c.expireMs > 0 && pbx.clock.now() >= c.expireMs;
    let tries = 0;
    main: for (;;) {
      // wait_our_turn
      for (;;) {
        if (ch.hungUp || ch.dead) {
          res = 'hangup';
          break main;
        }
        if (c.withdraw) {
          status = 'WITHDRAW';
          break main;
        }
        if (this.isOurTurn(c)) break;
        if (expired()) {
          exitTimeout();
          break main;
        }
        if (q.params.leavewhenempty && this.memberStatus(q, c, q.params.leavewhenempty)) {
          this.recordAbandoned(c);
          status = 'LEAVEEMPTY';
          this.queueLog(q.name, ch.uniqueid, 'NONE', 'EXITEMPTY', `${c.pos}|${c.opos}|${hold()}`);
          break main;
        }
        // Announcements take the caller's time: nothing interrupts them but a hangup.
        if (q.params.announcefrequency && !(await this.sayPosition(c, ringingOpt))) {
          res = 'hangup';
          break main;
        }
        if (expired()) {
          exitTimeout();
          break main;
        }
        if (q.params.periodicannouncefrequency && !(await this.sayPeriodic(c, ringingOpt))) {
          res = 'hangup';
          break main;
        }
        this.applyRules(c);
        if (expired()) {
          exitTimeout();
          break main;
        }
        const wait = c.expireMs > 0 ? Math.min(1000, Math.max(1, c.expireMs - pbx.clock.now())) : 1000;
        const r = await ch.wait(pbx.clock, wait);
        if (r === 'hangup') {
          res = 'hangup';
          break main;
        }
      }
      // the head caller's loop
      const makeAnnouncement = q.params.announcetofirstuser;
      for (;;) {
        if (c.withdraw) {
          status = 'WITHDRAW';
          break main;
        }
        if (expired()) {
          exitTimeout();
          break main;
        }
        if (makeAnnouncement) {
          if (q.params.announcefrequency && !(await this.sayPosition(c, ringingOpt))) {
            res = 'hangup';
            break main;
          }
          if (q.params.periodicannouncefrequency && !(await this.sayPeriodic(c, ringingOpt))) {
            res = 'hangup';
            break main;
          }
        }
        if (c.withdraw) {
          status = 'WITHDRAW';
          break main;
        }
        if (expired()) {
          exitTimeout();
          break main;
        }
        this.applyRules(c);
        const now = pbx.clock.now();
        let to: number;
        if (q.params.timeoutpriority === 'conf') to = q.params.timeout ? q.params.timeout * 1000 : -1;
        else if (c.expireMs && (!q.params.timeout || c.expireMs - now <= q.params.timeout * 1000))
          to = Math.max(1, c.expireMs - now);
        else to = q.params.timeout ? q.params.timeout * 1000 : -1;
        // try_calling with `n`: the ordered strategies count tries, the others end after one.
        if (noption)
          tries = ['rrmemory', 'linear', 'rrordered'].includes(q.params.strategy)
            ? tries + 1
            : q.members.length;
        const r = await this.tryCalling(c, to);
        if (r === 'hangup') {
          res = 'hangup';
          break main;
        }
        if (r === 'connected') {
          res = 'connected';
          break main;
        }
        if (c.withdraw) {
          status = 'WITHDRAW';
          break main;
        }
        if (q.params.leavewhenempty && this.memberStatus(q, c, q.params.leavewhenempty)) {
          this.recordAbandoned(c);
          status = 'LEAVEEMPTY';
          this.queueLog(q.name, ch.uniqueid, 'NONE', 'EXITEMPTY', `${c.pos}|${c.opos}|${hold()}`);
          break main;
        }
        if (noption && tries >= q.members.length) {
          this.queueLog(q.name, ch.uniqueid, 'NONE', 'EXITWITHTIMEOUT', `${c.pos}|${c.opos}|${hold()}`);
          this.recordAbandoned(c);
          status = 'TIMEOUT';
          break main;
        }
        if (expired()) {
          exitTimeout();
          break main;
        }
        // wait_a_bit: `retry` seconds (or until the queue timeout).
        const retryMs = q.params.retry * 1000;
        const waitMs =
          c.expireMs > 0 ? Math.min(retryMs, Math.max(1, c.expireMs - pbx.clock.now())) : retryMs;
        const w = await ch.wait(pbx.clock, waitMs);
        if (w === 'hangup') {
          res = 'hangup';
          break main;
        }
        if (!this.isOurTurn(c)) continue main;
      }
    }

    if (res === 'hangup' && !c.handled) {
      this.recordAbandoned(c);
      this.queueLog(q.name, ch.uniqueid, 'NONE', 'ABANDON', `${c.pos}|${c.opos}|${hold()}`);
    } else if (status === 'WITHDRAW') {
      this.recordAbandoned(c);
      this.queueLog(
        q.name,
        ch.uniqueid,
        'NONE',
        'WITHDRAW',
        `${c.pos}|${c.opos}|${hold()}|${(c.withdrawInfo ?? '').slice(0, 40)}`,
      );
      if (c.withdrawInfo) pbx.setVar(ch, 'QUEUE_WITHDRAW_INFO', c.withdrawInfo);
    }
    this.leave(c);
    if (!ch.dead && !ringingOpt && res !== 'connected')
      pbx.emit('MusicOnHoldStop', { channel: ch.snapshot() });
    if (q.params.setqueuevar && !ch.dead) this.setQueueVars(q, ch);
    if (res === 'hangup') return -1;
    if (res === 'connected') {
      if (ch.hungUp || ch.dead) return -1;
      if (qcontinue) {
        pbx.setVar(ch, 'QUEUESTATUS', 'CONTINUE');
        return 0;
      }
      return -1;
    }
    if (status) pbx.setVar(ch, 'QUEUESTATUS', status);
    return 0;
  }

  /** pbx_exec of one application, the channel's dialplan location kept. */
  private async execOn(ch: Channel, app: string, data: string): Promise<void> {
    const at = { context: ch.context, exten: ch.exten, priority: ch.priority };
    await execApp(this.pbx, ch, app, data);
    if (!ch.dead) this.pbx.setLocation(ch, at.context, at.exten, at.priority);
  }

  /** Queue()'s gosub / membergosub `context[,args]` as a Gosub target: `context,s,1(args)`. */
  private memberGosubTarget(ch: Channel, spec: string): string {
    const comma = spec.indexOf(',');
    const context = (comma < 0 ? spec : spec.slice(0, comma)).trim();
    const sExten =
      !this.pbx.dialplan.exists(context, 's', 1, ch.callerIdNum) &&
      this.pbx.dialplan.exists(context, '~~s~~', 1, ch.callerIdNum)
        ? '~~s~~'
        : 's';
    return comma < 0 ? `${context},${sExten},1` : `${context},${sExten},1(${spec.slice(comma + 1)})`;
  }

  /**
   * ast_app_exec_sub: Gosub(`target`) on `ch`, its priorities run until the matching Return, a
   * hangup or an application's -1; the channel's dialplan location is then restored.
   */
  async execSub(ch: Channel, target: string): Promise<void> {
    const at = { context: ch.context, exten: ch.exten, priority: ch.priority };
    const depth = ch.gosubStack.length;
    if ((await execApp(this.pbx, ch, 'Gosub', target, false)) !== 'jump') return;
    for (let guard = 0; guard < 10000 && ch.gosubStack.length > depth; guard++) {
      if (ch.dead || ch.hungUp) break;
      const found = this.pbx.dialplan.find(ch.context, ch.exten, ch.priority, ch.callerIdNum);
      if (!found) break;
      const before = { context: ch.context, exten: ch.exten, priority: ch.priority };
      const res = await execApp(this.pbx, ch, found.priority.app, found.priority.appData);
      if (res === -1) break;
      if (
        res !== 'jump' &&
        before.context === ch.context &&
        before.exten === ch.exten &&
        before.priority === ch.priority
      )
        ch.priority++;
    }
    ch.gosubStack.length = Math.min(ch.gosubStack.length, depth);
    if (!ch.dead) this.pbx.setLocation(ch, at.context, at.exten, at.priority);
  }

  /** ast_bridge_set_after_go_on: `F` alone continues at the caller's next priority. */
  private afterGoOn(
    caller: Channel,
    spec: string,
  ): { context: string; exten: string; priority: number } | undefined {
    if (!spec) return { context: caller.context, exten: caller.exten, priority: caller.priority + 1 };
    const parts = spec.split('^').map((x) => x.trim());
    let context = caller.context;
    let exten = caller.exten;
    let prio: string;
    if (parts.length >= 3) [context, exten, prio] = parts;
    else if (parts.length === 2) [exten, prio] = parts;
    else prio = parts[0];
    let priority = Number.parseInt(prio, 10);
    if (Number.isNaN(priority)) {
      const found = this.pbx.dialplan.findLabel(context, exten, prio, caller.callerIdNum);
      if (found === undefined) return undefined;
      priority = found;
    }
    return { context, exten, priority };
  }

  private setQueueVars(q: Queue, ch: Channel): void {
    const sl = q.serviceLevelPerf();
    const sl2 = q.serviceLevelPerf2();
    const vars: Array<[string, string]> = [
      ['QUEUENAME', q.name],
      ['QUEUEMAX', String(q.params.maxlen)],
      ['QUEUESTRATEGY', q.params.strategy],
      ['QUEUECALLS', String(q.count)],
      ['QUEUEHOLDTIME', String(q.holdtime)],
      ['QUEUETALKTIME', String(q.talktime)],
      ['QUEUECOMPLETED', String(q.callscompleted)],
      ['QUEUEABANDONED', String(q.callsabandoned)],
      ['QUEUESRVLEVEL', String(q.params.servicelevel)],
      ['QUEUESRVLEVELPERF', sl.toFixed(2)],
      ['QUEUESRVLEVELPERF2', sl2.toFixed(2)],
    ];
    for (const [k, v] of vars) this.pbx.setVar(ch, k, v);
  }

  private setQueueEntryVars(c: Caller): void {
    this.pbx.setVar(c.channel, 'QEHOLDTIME', String(this.now() - c.start));
    this.pbx.setVar(c.channel, 'QEORIGINALPOS', String(c.opos));
  }
}

/**
 * A queue as app_queue keeps it: its parameters and running statistics, its members in the
 * container's iteration order (which the strategies and every listing follow) and its callers in
 * priority order.
 */
import type { QueueParams } from './config.js';
import type { Caller } from './caller.js';
import type { Member } from './member.js';

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
export function queueBucket(name: string): number {
  let h = 5381;
  for (const ch of name.toLowerCase()) h = (Math.imul(h, 33) ^ (ch.charCodeAt(0) & 0xff)) >>> 0;
  const hash = h & 0x7fffffff;
  return Math.abs(hash % 53);
}

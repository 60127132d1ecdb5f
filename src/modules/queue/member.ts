/**
 * A queue member (an interface that takes the queue's calls) and the view of it that events
 * carry, its fields frozen when the event happened.
 */
import type { Queue } from './queue.js';

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

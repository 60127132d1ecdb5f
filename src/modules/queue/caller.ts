/**
 * A caller waiting in a queue (app_queue's queue_ent): its place, the penalty window it accepts
 * members in, its announcements' progress and what the Queue() options asked for the call.
 */
import type { Channel } from '../../pbx/channel.js';
import type { PenaltyRule } from './config.js';
import type { Queue } from './queue.js';

/** The C INT_MAX app_queue uses for "no penalty limit". */
export const INT_MAX = 2147483647;

/** The penalties a caller accepts members within (QUEUE_MAX/MIN/RAISE_PENALTY). */
export interface PenaltyWindow {
  maxPenalty: number;
  minPenalty: number;
  raisePenalty: number;
  raiseRespectMin: boolean;
}

export class Caller implements PenaltyWindow {
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

/** A member's penalty as the caller sees it: raised to the raise penalty unless a respected minimum forbids. */
export function raisedPenalty(w: PenaltyWindow, penalty: number): number {
  if (
    w.raisePenalty !== INT_MAX &&
    penalty < w.raisePenalty &&
    !(w.raiseRespectMin && w.minPenalty !== INT_MAX && penalty < w.minPenalty)
  )
    return w.raisePenalty;
  return penalty;
}

/** The (raised) penalty is above the caller's maximum or below its minimum. */
export function outsidePenaltyWindow(w: PenaltyWindow, penalty: number): boolean {
  return (
    (w.maxPenalty !== INT_MAX && penalty > w.maxPenalty) ||
    (w.minPenalty !== INT_MAX && penalty < w.minPenalty)
  );
}

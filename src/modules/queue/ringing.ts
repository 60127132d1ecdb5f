/**
 * The calling of members (try_calling, ring_entry, wait_for_answer): one round rings the members
 * the strategy puts first, follows each one's progress (ringing, answer, busy, congestion,
 * hangup), rings the next ones when a member refuses, and ends when one answers, the round's
 * time is up, every attempt failed, or the caller leaves. The answered call goes on in connect.ts.
 */
import { Cause } from '../../pbx/causes.js';
import type { Channel, Control } from '../../pbx/channel.js';
import type { TimerHandle } from '../../pbx/clock.js';
import type { Caller } from './caller.js';
import { connectMember } from './connect.js';
import type { QueueContext } from './context.js';
import { memberView } from './member.js';
import { setPaused } from './members.js';
import { buildAttempts, nextToRing, storeNext, type Attempt } from './strategies.js';

/** How a round of ringing ended for the caller. */
export type RingResult = 'none' | 'hangup' | 'connected';

/** How the wait for an answer ended. */
type WaitOutcome = 'timeout' | 'cancel' | 'answer' | 'allfailed';

/**
 * try_calling: one round of ringing members for `ms` (negative: no limit). Resolves 'connected'
 * after the bridged call ended, 'none' when nobody answered, 'hangup' when the caller left.
 */
export async function tryCalling(ctx: QueueContext, c: Caller, ms: number): Promise<RingResult> {
  const round = new RingRound(ctx, c, ms);
  if (!round.start()) {
    c.pending = false;
    storeNext(c, round.attempts);
    return 'none';
  }
  const outcome = await round.waitForAnswer();
  storeNext(c, round.attempts);
  c.pending = false;
  const winner = round.winner;
  if (outcome !== 'answer' || !winner) return round.endUnanswered(outcome);
  return connectMember(ctx, c, round, winner);
}

/** One round of try_calling: its attempts, the members being rung and the wait for an answer. */
export class RingRound {
  readonly attempts: Attempt[];
  /** The attempts whose member was called, in the order they were. */
  readonly ringing: Attempt[] = [];
  /** wait_for_answer's start_time_tv (restarted by timeoutrestart), clock milliseconds. */
  roundStart: number;
  /** wait_for_answer's `starttime`: seconds when members were last rung. */
  private ringSecs: number;
  winner: Attempt | undefined;
  private finished = false;
  private timer: TimerHandle | undefined;
  private resolveWait: ((r: WaitOutcome) => void) | undefined;

  constructor(
    private readonly ctx: QueueContext,
    private readonly c: Caller,
    private readonly ms: number,
  ) {
    this.attempts = buildAttempts(ctx, c);
    this.roundStart = ctx.pbx.clock.now();
    this.ringSecs = ctx.now();
  }

  /** Rings the first members; members that could not be called at all give way to the next ones (not ringall). */
  start(): boolean {
    const c = this.c;
    c.pending = true;
    this.ring(nextToRing(this.ctx, c, this.attempts));
    while (!this.ringing.length && c.queue.params.strategy !== 'ringall') {
      const more = nextToRing(this.ctx, c, this.attempts);
      if (!more.length) break;
      this.ring(more);
    }
    return this.ringing.length > 0;
  }

  dialEnd(chan: Channel, status: string): void {
    this.ctx.pbx.emit('DialEnd', {
      caller: this.c.channel.snapshot(),
      dest: chan.snapshot(),
      dialStatus: status,
      forward: '',
    });
  }

  /** ring_entry: request and call each member; AgentCalled, then DialBegin. */
  private ring(list: Attempt[]): void {
    const ctx = this.ctx;
    const pbx = ctx.pbx;
    const caller = this.c.channel;
    const q = this.c.queue;
    this.ringSecs = ctx.now();
    for (const a of list) {
      const m = a.member;
      const slash = m.interface.indexOf('/');
      const tech = slash > 0 ? m.interface.slice(0, slash) : m.interface;
      const location = slash > 0 ? m.interface.slice(slash + 1) : '';
      if (!m.ringinuse) ctx.pending.add(m.interface.toLowerCase());
      const req = pbx.request(tech, location, { requestor: caller });
      if (!('channel' in req)) {
        a.done = true;
        ctx.pending.delete(m.interface.toLowerCase());
        continue;
      }
      const chan = req.channel;
      chan.owners++;
      // ring_entry's set-up of the member's channel: AppQueue, and a caller ID guessed when the
      // driver set none (the caller's connected line, else its dialed number, else its
      // extension), published as one snapshot; the connected line is the caller's ID.
      pbx.stage(chan, () => {
        chan.cdrSuppressed = true;
        pbx.setApplication(chan, 'AppQueue', '(Outgoing Line)');
        if (!chan.callerIdNum) {
          if (caller.connectedLineNum) {
            chan.callerIdNum = caller.connectedLineNum;
            chan.callerIdName = caller.connectedLineName;
          } else chan.callerIdNum = caller.dnid || caller.exten;
        }
        chan.connectedLineNum = caller.callerIdNum;
        chan.connectedLineName = caller.callerIdName;
        chan.peerAccount = caller.accountCode;
      });
      pbx.setVar(chan, 'DIALEDPEERNUMBER', location || m.interface);
      if (!pbx.call(chan)) {
        chan.owners--;
        pbx.hangupNow(chan);
        a.done = true;
        ctx.pending.delete(m.interface.toLowerCase());
        continue;
      }
      a.chan = chan;
      a.startMs = pbx.clock.now();
      this.ringing.push(a);
      // ring_entry also gives the channel the caller's extension, but publishes no snapshot for
      // it: AgentCalled (a snapshot made afresh) shows it, DialBegin (the last published one)
      // does not; the channel's next snapshot (its answer) carries it, with a Newexten.
      const exten = caller.exten;
      ctx.emit({
        type: 'AgentCalled',
        queue: q,
        caller: caller.snapshot(),
        agent: { ...chan.snapshot(), exten },
        member: memberView(q, m),
      });
      pbx.emit('DialBegin', {
        caller: caller.snapshot(),
        dest: chan.snapshot(),
        dialString: m.interface,
      });
      chan.exten = exten;
    }
  }

  /** do_hang / hangupcalls: the attempt's channel goes. */
  private hang(a: Attempt, cause = 0): void {
    const chan = a.chan;
    a.chan = undefined;
    a.done = true;
    if (!chan || chan.dead) return;
    chan.controlHandler = undefined;
    chan.owners--;
    // ast_hangup without a cause: the channel keeps the one it has, possibly none (0).
    chan.hangupCause = cause || chan.hangupCause;
    this.ctx.pbx.hangupNow(chan);
    this.ctx.pending.delete(a.member.interface.toLowerCase());
  }

  /** rna(): AgentRingNoAnswer, RINGNOANSWER, autopause. */
  private ringNoAnswer(a: Attempt, rnatime: number, autopause: boolean): void {
    const ctx = this.ctx;
    const q = this.c.queue;
    const caller = this.c.channel;
    if (a.chan)
      ctx.emit({
        type: 'AgentRingNoAnswer',
        queue: q,
        caller: caller.snapshot(),
        agent: a.chan.snapshot(),
        member: memberView(q, a.member),
        ringTime: rnatime,
      });
    ctx.queueLog(q.name, caller.uniqueid, a.member.membername, 'RINGNOANSWER', String(rnatime));
    if (q.params.autopause !== 'no' && autopause) {
      const m = a.member;
      if (q.params.autopausedelay > 0 && m.lastcall !== 0 && q.params.autopausedelay > ctx.now() - m.lastcall)
        return;
      setPaused(ctx, q.params.autopause === 'yes' ? q.name : '', m.interface, 'Auto-Pause', true);
    }
  }

  /** publish_dial_end_event(): DialEnd `status` for every attempt still up but `except`. */
  dialEndAll(status: string, except?: Attempt): void {
    for (const a of this.ringing) if (a.chan && a !== except) this.dialEnd(a.chan, status);
  }

  /** hangupcalls(): DialEnd CANCEL for every attempt still up (but `except`), then hang up. */
  cancelAll(except?: Attempt): void {
    for (const a of this.ringing) {
      if (!a.chan || a === except) continue;
      this.dialEnd(a.chan, 'CANCEL');
      this.hang(a, except || this.c.cancelElsewhere ? Cause.ANSWERED_ELSEWHERE : 0);
    }
  }

  /** wait_for_answer: until a member answers, the time is up, every attempt failed or the caller leaves. */
  waitForAnswer(): Promise<WaitOutcome> {
    const clock = this.ctx.pbx.clock;
    return new Promise<WaitOutcome>((resolve) => {
      this.resolveWait = resolve;
      this.timer = this.ms > 0 ? clock.setTimer(this.ms, () => this.finish('timeout')) : undefined;
      for (const a of this.ringing) this.attach(a);
      void this.watchCaller();
    });
  }

  private finish(r: WaitOutcome): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) this.ctx.pbx.clock.clearTimer(this.timer);
    for (const a of this.ringing) if (a.chan) a.chan.controlHandler = undefined;
    this.resolveWait?.(r);
  }

  /** The caller hung up, was redirected or withdrawn: the round is cancelled. */
  private async watchCaller(): Promise<void> {
    const c = this.c;
    while (!this.finished) {
      const r = await c.channel.wait(this.ctx.pbx.clock, -1);
      if (this.finished) return;
      if (r === 'hangup' || r === 'goto' || c.withdraw) this.finish('cancel');
    }
  }

  private attach(a: Attempt): void {
    const chan = a.chan;
    if (!chan) return;
    chan.controlHandler = (ctl: Control) => {
      if (this.finished || a.done) return;
      if (ctl.type === 'ringing' && !a.ringing) {
        a.ringing = true;
        this.ctx.pbx.emit('DialState', {
          caller: this.c.channel.snapshot(),
          dest: chan.snapshot(),
          dialStatus: 'RINGING',
          forward: '',
        });
      } else if (ctl.type === 'answer') {
        this.winner = a;
        this.finish('answer');
      } else if (ctl.type === 'busy' || ctl.type === 'congestion' || ctl.type === 'hangup') {
        this.refused(a, chan, ctl.type);
      }
    };
  }

  /** A member was busy, congested or hung up: it is done; the next members ring (not ringall). */
  private refused(a: Attempt, chan: Channel, type: 'busy' | 'congestion' | 'hangup'): void {
    const ctx = this.ctx;
    const clock = ctx.pbx.clock;
    const params = this.c.queue.params;
    const status = type === 'busy' ? 'BUSY' : type === 'congestion' ? 'CONGESTION' : 'NOANSWER';
    const autopause =
      type === 'busy' ? params.autopausebusy : type === 'congestion' ? params.autopauseunavail : true;
    this.dialEnd(chan, status);
    this.ringNoAnswer(a, (ctx.now() - this.ringSecs) * 1000, autopause);
    this.hang(a, type === 'busy' ? Cause.USER_BUSY : type === 'congestion' ? Cause.CONGESTION : 0);
    if (params.strategy !== 'ringall') {
      if (params.timeoutrestart) {
        // The member's refusal gives the next one the whole timeout again.
        this.roundStart = clock.now();
        if (this.timer) {
          clock.clearTimer(this.timer);
          this.timer = clock.setTimer(this.ms, () => this.finish('timeout'));
        }
      }
      const left = this.ms > 0 ? this.ms - (clock.now() - this.roundStart) : Infinity;
      if (left > 500) {
        const before = this.ringing.length;
        this.c.pending = true;
        this.ring(nextToRing(ctx, this.c, this.attempts));
        for (const x of this.ringing.slice(before)) this.attach(x);
      }
    }
    if (this.ringing.every((x) => x.done)) this.finish('allfailed');
  }

  /** Nobody answered: RINGNOANSWER or RINGCANCELED for the members still rung, who are hung up. */
  endUnanswered(outcome: WaitOutcome): RingResult {
    const q = this.c.queue;
    const caller = this.c.channel;
    if (outcome === 'timeout') {
      for (const a of this.ringing) if (a.chan) this.ringNoAnswer(a, this.ms, true);
      for (const a of this.ringing) if (a.chan) this.dialEnd(a.chan, 'NOANSWER');
    } else if (outcome === 'cancel') {
      for (const a of this.ringing) if (a.chan) this.dialEnd(a.chan, 'CANCEL');
      for (const a of this.ringing)
        if (a.chan)
          this.ctx.queueLog(
            q.name,
            caller.uniqueid,
            a.member.membername,
            'RINGCANCELED',
            String(this.ctx.pbx.clock.now() - this.roundStart),
          );
    }
    this.cancelAll();
    return outcome === 'cancel' && (caller.hungUp || caller.dead) ? 'hangup' : 'none';
  }
}

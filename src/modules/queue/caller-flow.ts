/**
 * The Queue() application's caller flow (queue_exec): the caller joins with the priority,
 * penalties and options it brings, waits its turn hearing music and announcements, has members
 * rung while it is at the head, and leaves connected, hung up, timed out, on an empty queue or
 * withdrawn, each way logged to queue_log and told in QUEUESTATUS.
 */
import { Cause } from '../../pbx/causes.js';
import type { Channel } from '../../pbx/channel.js';
import { memberStatus } from './availability.js';
import { mohStart, sayPeriodic, sayPosition } from './announcements.js';
import { bridgeFeatures, parseQueueOptions } from './app-options.js';
import { Caller } from './caller.js';
import { isOurTurn, join, leave, type QueueExitStatus } from './callers.js';
import type { QueueContext } from './context.js';
import { execSub } from './dialplan.js';
import { applyRules } from './penalty-rules.js';
import type { Queue } from './queue.js';
import { tryCalling, type RingResult } from './ringing.js';
import { recordAbandoned, setDurationVar, setQueueEntryVars, setQueueVars } from './statistics.js';

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

/** How the caller's time in the queue ended: hung up, connected to a member, or left with a status. */
type Ending = 'hangup' | 'connected' | QueueExitStatus;

/** The head caller had members rung but lost its turn: it waits again. */
const LOST_TURN = 'lost-turn';

/** The timing variables queue_exec clears first ("to avoid stale data") and fills on the way out. */
const TIMING_VARS = [
  'ANSWEREDTIME',
  'ANSWEREDTIME_MS',
  'DIALEDTIME',
  'DIALEDTIME_MS',
  'QUEUEWAIT',
  'QUEUEWAIT_MS',
];

/** queue_exec. Returns the application result and sets QUEUESTATUS as app_queue does. */
export async function runQueueApp(ctx: QueueContext, ch: Channel, a: QueueAppArgs): Promise<0 | -1> {
  for (const v of TIMING_VARS) ctx.pbx.setVar(ch, v, '');
  const q = ctx.get(a.queuename);
  if (!q) {
    ctx.pbx.setVar(ch, 'QUEUESTATUS', 'UNKNOWN');
    return 0;
  }
  return new CallerFlow(ctx, q, ch, a).run();
}

/** A dialplan variable as a number (undefined when unset, empty or not a number). */
function numVar(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number.parseInt(v, 10);
  return Number.isNaN(n) ? undefined : n;
}

class CallerFlow {
  private readonly c: Caller;
  private readonly opts: Map<string, string | undefined>;
  /** `r`: the caller hears ringing instead of music on hold. */
  private readonly ringingOpt: boolean;
  /** `c`: continue in the dialplan after a connected call. */
  private readonly qcontinue: boolean;
  /** `n`: no retries; the caller leaves once every member was tried. */
  private readonly noption: boolean;
  private tries = 0;

  constructor(
    private readonly ctx: QueueContext,
    private readonly q: Queue,
    private readonly ch: Channel,
    private readonly a: QueueAppArgs,
  ) {
    const nowMs = ctx.pbx.clock.now();
    this.c = new Caller(ch, q, nowMs, a.timeout > 0 ? nowMs + a.timeout * 1000 : 0);
    this.readChannelVars();
    this.opts = parseQueueOptions(a.options);
    this.ringingOpt = this.opts.has('r');
    this.qcontinue = this.opts.has('c');
    this.noption = this.opts.has('n');
    const c = this.c;
    c.cancelElsewhere = this.opts.has('C') || ch.hangupCause === Cause.ANSWERED_ELSEWHERE;
    c.features = bridgeFeatures(this.opts);
    if (this.opts.has('F')) c.calleeGoOn = this.opts.get('F') ?? '';
  }

  /** QUEUE_PRIO, QUEUE_MAX/MIN/RAISE_PENALTY and the penalty rule set. */
  private readChannelVars(): void {
    const { ctx, c, ch, q } = this;
    const pbx = ctx.pbx;
    c.prio = numVar(pbx.getVar(ch, 'QUEUE_PRIO')) ?? 0;
    const mx = numVar(pbx.getVar(ch, 'QUEUE_MAX_PENALTY'));
    if (mx !== undefined && mx >= 0) c.maxPenalty = mx;
    const mn = numVar(pbx.getVar(ch, 'QUEUE_MIN_PENALTY'));
    if (mn !== undefined && mn >= 0) c.minPenalty = mn;
    const rp = numVar(pbx.getVar(ch, 'QUEUE_RAISE_PENALTY'));
    if (rp !== undefined && rp >= 0) c.raisePenalty = rp;
    const ruleName = this.a.rule || q.params.defaultrule;
    c.rules = ruleName ? [...(ctx.rules.get(ruleName) ?? [])] : [];
  }

  async run(): Promise<0 | -1> {
    const failure = join(this.ctx, this.q, this.c, this.a.position);
    if (failure) {
      this.ctx.pbx.setVar(this.ch, 'QUEUESTATUS', failure);
      return 0;
    }
    await this.enter();
    const ending = await this.stay();
    return this.exit(ending);
  }

  /** ENTERQUEUE, the entry variables, the predial Gosub, then music on hold (or ringing). */
  private async enter(): Promise<void> {
    const { ctx, c, ch, q, a } = this;
    const pbx = ctx.pbx;
    const cid = ch.callerIdNum;
    const enter = ctx.general.logCallerIdName
      ? `${a.url}|${cid}|${c.opos}|${ch.callerIdName.replace(/\|/g, '_')}`
      : `${a.url}|${cid}|${c.opos}`;
    ctx.queueLog(q.name, ch.uniqueid, 'NONE', 'ENTERQUEUE', enter);
    if (q.params.setqueueentryvar) setQueueEntryVars(ctx, c);
    // B(context^exten^priority(args)): a predial Gosub on the caller's channel.
    const predial = this.opts.get('B');
    if (predial) await execSub(pbx, ch, predial.replace(/\^/g, ','));
    c.lastPeriodicAnnounceTime = ctx.now();
    if (q.params.periodicannouncestartdelay >= 0)
      c.lastPeriodicAnnounceTime += q.params.periodicannouncestartdelay - q.params.periodicannouncefrequency;
    c.mohClass = this.opts.get('m') || q.params.musicclass || 'default';
    c.announce = a.announceoverride || q.params.announce;
    c.agi = a.agi ?? '';
    c.macro = a.macro ?? '';
    c.gosub = a.gosub ?? '';
    if (this.ringingOpt) pbx.indicate(ch, 'ringing');
    else {
      mohStart(ctx, c);
    }
  }

  /** The caller's time in the queue: waiting its turn, then members rung, until it ends. */
  private async stay(): Promise<Ending> {
    for (;;) {
      const waited = await this.waitOurTurn();
      if (waited) return waited;
      const head = await this.atTheHead();
      if (head !== LOST_TURN) return head;
    }
  }

  /** wait_our_turn: undefined when it is the caller's turn, else how its time ended. */
  private async waitOurTurn(): Promise<Ending | undefined> {
    const { ctx, c, ch, q } = this;
    for (;;) {
      if (ch.hungUp || ch.dead) return 'hangup';
      if (c.withdraw) return 'WITHDRAW';
      if (isOurTurn(ctx, c)) return undefined;
      const ended = this.timedOut() ?? this.leftEmpty();
      if (ended) return ended;
      // Announcements take the caller's time: nothing interrupts them but a hangup.
      if (q.params.announcefrequency && !(await sayPosition(ctx, c, this.ringingOpt))) return 'hangup';
      const late = this.timedOut();
      if (late) return late;
      if (q.params.periodicannouncefrequency && !(await sayPeriodic(ctx, c, this.ringingOpt)))
        return 'hangup';
      applyRules(ctx, c);
      const later = this.timedOut();
      if (later) return later;
      const wait = c.expireMs > 0 ? Math.min(1000, Math.max(1, c.expireMs - ctx.pbx.clock.now())) : 1000;
      if ((await ch.wait(ctx.pbx.clock, wait)) === 'hangup') return 'hangup';
    }
  }

  /** The head caller's loop: members rung, `retry` seconds between rounds, while it keeps its turn. */
  private async atTheHead(): Promise<Ending | typeof LOST_TURN> {
    const { ctx, c, ch, q } = this;
    const makeAnnouncement = q.params.announcetofirstuser;
    for (;;) {
      if (c.withdraw) return 'WITHDRAW';
      const ended = this.timedOut();
      if (ended) return ended;
      if (makeAnnouncement) {
        if (q.params.announcefrequency && !(await sayPosition(ctx, c, this.ringingOpt))) return 'hangup';
        if (q.params.periodicannouncefrequency && !(await sayPeriodic(ctx, c, this.ringingOpt)))
          return 'hangup';
      }
      if (c.withdraw) return 'WITHDRAW';
      const late = this.timedOut();
      if (late) return late;
      applyRules(ctx, c);
      const r = await this.ringMembers();
      if (r === 'hangup' || r === 'connected') return r;
      if (c.withdraw) return 'WITHDRAW';
      const after = this.leftEmpty() ?? this.triedEveryone() ?? this.timedOut();
      if (after) return after;
      // wait_a_bit: `retry` seconds (or until the queue timeout).
      const retryMs = q.params.retry * 1000;
      const waitMs =
        c.expireMs > 0 ? Math.min(retryMs, Math.max(1, c.expireMs - ctx.pbx.clock.now())) : retryMs;
      if ((await ch.wait(ctx.pbx.clock, waitMs)) === 'hangup') return 'hangup';
      if (!isOurTurn(ctx, c)) return LOST_TURN;
    }
  }

  /** One round of try_calling, for the queue's timeout or what is left of the caller's. */
  private ringMembers(): Promise<RingResult> {
    const { ctx, c, q } = this;
    const now = ctx.pbx.clock.now();
    let to: number;
    if (q.params.timeoutpriority === 'conf') to = q.params.timeout ? q.params.timeout * 1000 : -1;
    else if (c.expireMs && (!q.params.timeout || c.expireMs - now <= q.params.timeout * 1000))
      to = Math.max(1, c.expireMs - now);
    else to = q.params.timeout ? q.params.timeout * 1000 : -1;
    // try_calling with `n`: the ordered strategies count tries, the others end after one.
    if (this.noption)
      this.tries = ['rrmemory', 'linear', 'rrordered'].includes(q.params.strategy)
        ? this.tries + 1
        : q.members.length;
    return tryCalling(ctx, c, to);
  }

  /** The caller's seconds in the queue so far. */
  private hold(): number {
    return this.ctx.now() - this.c.start;
  }

  /** The caller's timeout passed: abandoned, EXITWITHTIMEOUT. */
  private timedOut(): 'TIMEOUT' | undefined {
    const { ctx, c } = this;
    if (!(c.expireMs > 0 && ctx.pbx.clock.now() >= c.expireMs)) return undefined;
    recordAbandoned(ctx, c);
    this.log('EXITWITHTIMEOUT', `${c.pos}|${c.opos}|${this.hold()}`);
    return 'TIMEOUT';
  }

  /** leavewhenempty: no member can take the call; abandoned, EXITEMPTY. */
  private leftEmpty(): 'LEAVEEMPTY' | undefined {
    const { ctx, c, q } = this;
    if (!(q.params.leavewhenempty && memberStatus(ctx, q, c, q.params.leavewhenempty))) return undefined;
    recordAbandoned(ctx, c);
    this.log('EXITEMPTY', `${c.pos}|${c.opos}|${this.hold()}`);
    return 'LEAVEEMPTY';
  }

  /** `n`: every member was tried once; EXITWITHTIMEOUT, abandoned. */
  private triedEveryone(): 'TIMEOUT' | undefined {
    const { ctx, c, q } = this;
    if (!(this.noption && this.tries >= q.members.length)) return undefined;
    this.log('EXITWITHTIMEOUT', `${c.pos}|${c.opos}|${this.hold()}`);
    recordAbandoned(ctx, c);
    return 'TIMEOUT';
  }

  private log(event: string, data: string): void {
    this.ctx.queueLog(this.q.name, this.ch.uniqueid, 'NONE', event, data);
  }

  /**
   * queue_exec's `stop:`: the timing variables a connected call did not set (QUEUEWAIT so far,
   * DIALEDTIME from the channel's creation, ANSWEREDTIME 0), in one snapshot.
   */
  private fillTimingVars(): void {
    const { ctx, c, ch } = this;
    const pbx = ctx.pbx;
    if (ch.dead) return;
    const unset = (v: string): boolean => !pbx.getVar(ch, v);
    pbx.stage(ch, () => {
      if (unset('QUEUEWAIT')) setDurationVar(ctx, ch, 'QUEUEWAIT', (ctx.now() - c.start) * 1000);
      if (unset('DIALEDTIME')) setDurationVar(ctx, ch, 'DIALEDTIME', pbx.clock.now() - ch.creationTime);
      if (unset('ANSWEREDTIME')) setDurationVar(ctx, ch, 'ANSWEREDTIME', 0);
    });
  }

  /** ABANDON or WITHDRAW logged, the caller out of the queue, the result and QUEUESTATUS. */
  private exit(ending: Ending): 0 | -1 {
    const { ctx, c, ch, q } = this;
    const pbx = ctx.pbx;
    this.fillTimingVars();
    if (ending === 'hangup' && !c.handled) {
      recordAbandoned(ctx, c);
      this.log('ABANDON', `${c.pos}|${c.opos}|${this.hold()}`);
    } else if (ending === 'WITHDRAW') {
      recordAbandoned(ctx, c);
      this.log('WITHDRAW', `${c.pos}|${c.opos}|${this.hold()}|${(c.withdrawInfo ?? '').slice(0, 40)}`);
      if (c.withdrawInfo) pbx.setVar(ch, 'QUEUE_WITHDRAW_INFO', c.withdrawInfo);
    }
    // The music stops, the queue's figures are set, then the caller leaves (queue_exec's order).
    if (!ch.dead && c.moh && ending !== 'connected') {
      pbx.emit('MusicOnHoldStop', { channel: ch.snapshot() });
      c.moh = false;
    }
    if (q.params.setqueuevar && !ch.dead) setQueueVars(ctx, q, ch);
    leave(ctx, c);
    if (ending === 'hangup') return -1;
    if (ending === 'connected') {
      if (ch.hungUp || ch.dead) return -1;
      if (this.qcontinue) {
        pbx.setVar(ch, 'QUEUESTATUS', 'CONTINUE');
        return 0;
      }
      return -1;
    }
    pbx.setVar(ch, 'QUEUESTATUS', ending);
    return 0;
  }
}

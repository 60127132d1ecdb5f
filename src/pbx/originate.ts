/**
 * Originate (pbx_outgoing): request the channel, mark it `AppDial2 (Outgoing Line)`, apply
 * variables / account / caller ID, call it, and when it answers either run one application on it
 * or start the dialplan at context/exten/priority. The outcome carries Asterisk's
 * OriginateResponse Reason (pbx_dial_reason): 4 answered, otherwise from the dial's cause (5 busy,
 * 8 congestion, 3 no answer, 0 anything else).
 */
import { Cause } from './causes.js';
import type { Channel, Control } from './channel.js';
import type { Pbx } from './pbx.js';
import { execApp } from './runner.js';

export interface OriginateOptions {
  /** `Tech/resource`: `Local/200@agents`, `SIP/test-201`. */
  channel: string;
  context?: string;
  exten?: string;
  priority?: number;
  application?: string;
  data?: string;
  /** Ms to wait for answer; Asterisk's default 30000. */
  timeout?: number;
  /** `"Name" <num>` or a bare number. */
  callerId?: string;
  variables?: Array<[string, string]>;
  account?: string;
  earlyMedia?: boolean;
  channelId?: string;
  otherChannelId?: string;
  codecs?: string;
  /**
   * Called synchronously at the moment Asterisk raises OriginateResponse (before the app starts,
   * or between the two Hangup events of a failed Local call): use it for exact event order.
   */
  onOutcome?: (o: OriginateOutcome) => void;
}

export interface OriginateOutcome {
  success: boolean;
  /** OriginateResponse Reason. */
  reason: 0 | 1 | 3 | 4 | 5 | 8;
  /** Channel name when one was created ('' otherwise: OriginateResponse then shows the dial string). */
  channel: string;
  uniqueid: string;
  callerIdNum: string;
  callerIdName: string;
  /** Set when the channel could not even be requested. */
  error?: string;
}

export const OriginateReason = {
  FAILED: 0,
  HANGUP: 1,
  RINGING: 3,
  ANSWERED: 4,
  BUSY: 5,
  CONGESTION: 8,
} as const;

function parseCallerId(s: string): { name: string; num: string } {
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(s);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), num: m[3].trim() };
  return /^[\d+*#]+$/.test(s.trim()) ? { name: '', num: s.trim() } : { name: s.trim(), num: '' };
}

export async function originate(pbx: Pbx, o: OriginateOptions): Promise<OriginateOutcome> {
  const slash = o.channel.indexOf('/');
  const cid = o.callerId ? parseCallerId(o.callerId) : { name: '', num: '' };
  // On failure pbx_outgoing_attempt hands no channel back: OriginateResponse then names the
  // requested `Tech/data` and Uniqueid <unknown> (or the ChannelId asked for).
  const fail = (reason: OriginateOutcome['reason'], error?: string): OriginateOutcome => ({
    success: false,
    reason,
    channel: '',
    uniqueid: '',
    callerIdNum: cid.num,
    callerIdName: cid.name,
    error,
  });
  if (slash <= 0) {
    const out = fail(0, 'Invalid channel');
    o.onOutcome?.(out);
    return out;
  }
  const tech = o.channel.slice(0, slash);
  const resource = o.channel.slice(slash + 1);
  const req = pbx.request(tech, resource, { uniqueid: o.channelId, otherUniqueid: o.otherChannelId });
  if (!('channel' in req)) {
    const out = fail(dialReason(req.cause), req.error);
    o.onOutcome?.(out);
    return out;
  }
  const ch = req.channel;
  ch.owners++;
  // Codecs restricts the requested formats; only the first matters for what Status shows.
  const codec = o.codecs?.split(',')[0]?.trim();
  if (codec && ch.tech !== 'Local') ch.formats = codec;
  pbx.setApplication(ch, 'AppDial2', '(Outgoing Line)');
  // Asterisk's variable list is newest-first, so VarSet on the outgoing channel comes reversed.
  for (const [k, v] of [...(o.variables ?? [])].reverse()) pbx.setVar(ch, k, v);
  if (o.account) pbx.setAccountCode(ch, o.account);
  if (o.callerId) {
    pbx.setCallerId(ch, cid.name, cid.num);
    pbx.setConnectedLine(ch, cid.name, cid.num);
  }

  if (!pbx.call(ch)) {
    // The Hangup of ;2 is already out; OriginateResponse comes next, then ;1 goes.
    return new Promise((resolve) =>
      queueMicrotask(() => {
        const out = fail(0);
        o.onOutcome?.(out);
        ch.owners--;
        pbx.hangupNow(ch);
        resolve(out);
      }),
    );
  }
  pbx.emit('DialBegin', { caller: undefined, dest: ch.snapshot(), dialString: resource });

  const cause = await dialOne(pbx, ch, o.timeout ?? 30000, o.earlyMedia ?? false);
  if (cause === 'answer') {
    if (!ch.dead)
      pbx.emit('DialEnd', { caller: undefined, dest: ch.snapshot(), dialStatus: 'ANSWER', forward: '' });
    await Promise.resolve();
    const out: OriginateOutcome = {
      success: true,
      reason: OriginateReason.ANSWERED,
      channel: ch.name,
      uniqueid: ch.uniqueid,
      callerIdNum: ch.callerIdNum,
      callerIdName: ch.callerIdName,
    };
    o.onOutcome?.(out);
    // Final fixups of __ast_request_and_dial, then either the app or the dialplan.
    void runAfterAnswer(pbx, ch, o);
    return out;
  }
  const out = fail(dialReason(cause));
  ch.owners--;
  const two = ch.localPeer;
  if (ch.dead) {
    o.onOutcome?.(out);
    return out;
  }
  if (ch.localHalf === 1 && two && !two.dead) {
    // ast_hangup(;1) from the dialing thread: core_unreal tells ;2 at once (HangupRequest with
    // ;1's own cause, not the dial's), and ;2's thread tears it down a moment later.
    // OriginateResponse, raised directly rather than through stasis, overtakes ;1's Hangup.
    ch.localPeer = undefined;
    two.localPeer = undefined;
    pbx.queueHangup(two, ch.hangupCause);
  } else await Promise.resolve();
  o.onOutcome?.(out);
  pbx.hangupNow(ch);
  return out;
}

/**
 * pbx_dial_reason for a dial that was not answered: the dialing channel's cause (ast_dial_reason)
 * decides the OriginateResponse Reason.
 */
function dialReason(cause: number): OriginateOutcome['reason'] {
  switch (cause) {
    case Cause.USER_BUSY:
      return OriginateReason.BUSY;
    case Cause.CALL_REJECTED:
    case Cause.NETWORK_OUT_OF_ORDER:
    case 27: // DESTINATION_OUT_OF_ORDER
    case 41: // NORMAL_TEMPORARY_FAILURE
    case 42: // SWITCH_CONGESTION
    case Cause.CONGESTION:
      return OriginateReason.CONGESTION;
    case Cause.ANSWERED_ELSEWHERE:
    case Cause.NO_ANSWER:
      return OriginateReason.RINGING;
    default:
      return OriginateReason.FAILED;
  }
}

/**
 * monitor_dial() for one channel and no caller (main/dial.c): DialState for ringing and progress,
 * DialEnd for busy, congestion and a far-end hangup (for an answer the caller raises it); the
 * global timeout hangs the channel up with NO_ANSWER and raises no DialEnd. Resolves with 'answer'
 * or the dial channel's cause (the caller then hangs the channel up).
 */
function dialOne(pbx: Pbx, ch: Channel, timeoutMs: number, earlyMedia: boolean): Promise<number | 'answer'> {
  const dialState = (status: string): void =>
    pbx.emit('DialState', { caller: undefined, dest: ch.snapshot(), dialStatus: status, forward: '' });
  const dialEnd = (status: string): void =>
    pbx.emit('DialEnd', { caller: undefined, dest: ch.snapshot(), dialStatus: status, forward: '' });
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: number | 'answer'): void => {
      if (done) return;
      done = true;
      if (timer) pbx.clock.clearTimer(timer);
      ch.controlHandler = undefined;
      resolve(r);
    };
    // ast_dial_set_global_timeout: a timeout <= 0 (what a huge Timeout wraps to) rings until answered.
    const timer =
      timeoutMs > 0
        ? pbx.clock.setTimer(timeoutMs, () => {
            // handle_timeout_trip: the channel's hangup cause is NO_ANSWER; no DialEnd.
            if (!ch.dead) ch.hangupCause = Cause.NO_ANSWER;
            finish(Cause.NO_ANSWER);
          })
        : undefined;
    if (ch.state === 6) {
      finish('answer');
      return;
    }
    ch.controlHandler = (c: Control) => {
      if (c.type === 'ringing') dialState('RINGING');
      else if (c.type === 'progress') {
        dialState('PROGRESS');
        // pbx_outgoing_state_callback: early media counts as the answer.
        if (earlyMedia) finish('answer');
      } else if (c.type === 'answer') finish('answer');
      else if (c.type === 'busy') {
        dialEnd('BUSY');
        finish(Cause.USER_BUSY);
      } else if (c.type === 'congestion') {
        dialEnd('CONGESTION');
        finish(Cause.CONGESTION);
      } else if (c.type === 'hangup') {
        // ast_read() gave nothing: DialEnd from the channel's hangup cause; the dial's own
        // cause stays unset (Reason 0).
        dialEnd(hangupCauseToDialStatus(c.cause || ch.hangupCause));
        finish(0);
      }
    };
  });
}

/** ast_hangup_cause_to_dial_status. */
function hangupCauseToDialStatus(cause: number): string {
  switch (cause) {
    case Cause.USER_BUSY:
      return 'BUSY';
    case Cause.CONGESTION:
      return 'CONGESTION';
    case Cause.NO_ROUTE_DESTINATION:
    case Cause.SUBSCRIBER_ABSENT: // AST_CAUSE_UNREGISTERED
      return 'CHANUNAVAIL';
    default:
      return 'NOANSWER';
  }
}

async function runAfterAnswer(pbx: Pbx, ch: Channel, o: OriginateOptions): Promise<void> {
  if (o.application) {
    ch.inApp = true;
    ch.owners--;
    await execApp(pbx, ch, o.application, o.data ?? '', false);
    ch.inApp = false;
    if (ch.pendingGoto) {
      const g = ch.pendingGoto;
      ch.pendingGoto = undefined;
      pbx.startPbxOrHangup(ch, g);
      return;
    }
    pbx.hangupNow(ch);
    return;
  }
  ch.owners--;
  const ctx = o.context || 'default';
  const exten = o.exten || 's';
  pbx.setLocation(ch, ctx, exten, o.priority ?? 1);
  pbx.startPbxOrHangup(ch);
}

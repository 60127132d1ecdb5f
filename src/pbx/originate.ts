/**
 * Originate (pbx_outgoing): request the channel, mark it `AppDial2 (Outgoing Line)`, apply
 * variables / account / caller ID, call it, and when it answers either run one application on it
 * or start the dialplan at context/exten/priority. The outcome carries Asterisk's
 * OriginateResponse Reason: the last control frame seen (0 failure, 1 hangup, 3 ringing or
 * timeout, 4 answered, 5 busy, 8 congestion).
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
    const out = fail(req.cause === Cause.USER_BUSY ? 5 : req.cause === Cause.CONGESTION ? 8 : 0, req.error);
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
  const outcome = (reason: OriginateOutcome['reason']): OriginateOutcome => ({
    success: reason === 4,
    reason,
    channel: ch.name,
    uniqueid: ch.uniqueid,
    callerIdNum: ch.callerIdNum,
    callerIdName: ch.callerIdName,
  });

  if (!pbx.call(ch)) {
    // The Hangup of ;2 is already out; OriginateResponse comes next, then ;1 goes.
    return new Promise((resolve) =>
      queueMicrotask(() => {
        const out = { ...fail(0), channel: '' };
        o.onOutcome?.(out);
        ch.owners--;
        pbx.hangupNow(ch);
        resolve(out);
      }),
    );
  }
  pbx.emit('DialBegin', { caller: undefined, dest: ch.snapshot(), dialString: resource });

  const result = await waitForAnswer(pbx, ch, o.timeout ?? 30000, o.earlyMedia ?? false);
  const status =
    result === 4
      ? 'ANSWER'
      : result === 5
        ? 'BUSY'
        : result === 8
          ? 'CONGESTION'
          : result === 3
            ? 'NOANSWER'
            : 'CHANUNAVAIL';
  if (!ch.dead)
    pbx.emit('DialEnd', { caller: undefined, dest: ch.snapshot(), dialStatus: status, forward: '' });
  const out = outcome(result);
  await Promise.resolve();
  o.onOutcome?.(out);
  if (result !== 4) {
    ch.owners--;
    pbx.hangupNow(ch);
    return out;
  }
  // Final fixups of __ast_request_and_dial, then either the app or the dialplan.
  void runAfterAnswer(pbx, ch, o);
  return out;
}

/** Waits for the first decisive control frame or the timeout. */
function waitForAnswer(
  pbx: Pbx,
  ch: Channel,
  timeoutMs: number,
  earlyMedia: boolean,
): Promise<OriginateOutcome['reason']> {
  return new Promise((resolve) => {
    let last: OriginateOutcome['reason'] = 0;
    let done = false;
    const finish = (r: OriginateOutcome['reason']): void => {
      if (done) return;
      done = true;
      if (timer) pbx.clock.clearTimer(timer);
      ch.controlHandler = undefined;
      resolve(r);
    };
    // ast_dial_set_global_timeout: a timeout <= 0 (what a huge Timeout wraps to) rings until answered.
    const timer = timeoutMs > 0 ? pbx.clock.setTimer(timeoutMs, () => finish(3)) : undefined;
    if (ch.state === 6) {
      finish(4);
      return;
    }
    ch.controlHandler = (c: Control) => {
      if (c.type === 'ringing') last = 3;
      else if (c.type === 'progress' && earlyMedia) finish(4);
      else if (c.type === 'answer') finish(4);
      else if (c.type === 'busy') finish(5);
      else if (c.type === 'congestion') finish(8);
      else if (c.type === 'hangup') finish(last === 3 && c.cause === 0 ? 1 : 1);
    };
  });
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

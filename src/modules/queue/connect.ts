/**
 * A member answered (the rest of try_calling): the other members are cancelled, the member hears
 * the announcements meant for it while the caller waits, the caller leaves the queue, the
 * member's macro and gosub and the caller's AGI run, then CONNECT, the bridge, and on its end the
 * completion (COMPLETECALLER / COMPLETEAGENT / BLINDTRANSFER) and where the member goes next.
 */
import { waitFull } from '../../pbx/apps/wait.js';
import type { Bridge } from '../../pbx/bridge.js';
import { Cause } from '../../pbx/causes.js';
import { ChannelState, type Channel } from '../../pbx/channel.js';
import type { PbxEvents } from '../../pbx/events.js';
import { playFile, reportHoldTime } from './announcements.js';
import type { Caller } from './caller.js';
import { leave } from './callers.js';
import type { QueueContext } from './context.js';
import { afterGoOn, execOn, execSub, memberGosubTarget } from './dialplan.js';
import { memberView, type Member } from './member.js';
import type { RingResult, RingRound } from './ringing.js';
import {
  recordAbandoned,
  recordCompletedCall,
  recordHoldTime,
  setDurationVar,
  setQueueVars,
} from './statistics.js';
import type { Attempt } from './strategies.js';

/** The answered call: the member's channel, and the figures taken when it answered. */
interface Answered {
  peer: Channel;
  member: Member;
  /** The caller waited within the queue's service level. */
  inSl: boolean;
  /** Whole seconds from the round's start to the answer. */
  ringTime: number;
}

/** From the member's answer to the end of the bridged call. */
export async function connectMember(
  ctx: QueueContext,
  c: Caller,
  round: RingRound,
  win: Attempt,
): Promise<RingResult> {
  const call = takeAnswer(ctx, c, round, win);
  const early = await memberHearsFirst(ctx, c, round, call);
  if (early) return early;
  await prepareCaller(ctx, c, call.member);
  await runPreBridgeDialplan(ctx, c, call.peer);
  c.handled = true;
  const connectHold = announceConnect(ctx, c, call);
  await bridgeAndComplete(ctx, c, call, connectHold);
  return 'connected';
}

/** DialEnd ANSWER, the hold time counted, the other members cancelled (answered elsewhere). */
function takeAnswer(ctx: QueueContext, c: Caller, round: RingRound, win: Attempt): Answered {
  const q = c.queue;
  const peer = win.chan as Channel;
  peer.controlHandler = undefined;
  // wait_for_answer: ANSWER for the winner and CANCEL for the others; hangupcalls() then
  // cancels them again as it hangs them up.
  round.dialEnd(peer, 'ANSWER');
  round.dialEndAll('CANCEL', win);
  const m = win.member;
  const answerMs = ctx.pbx.clock.now();
  const holdSecs = ctx.now() - c.start;
  recordHoldTime(q, holdSecs);
  const inSl = holdSecs <= q.params.servicelevel;
  m.callcompletedinsl = inSl;
  round.cancelAll(win);
  ctx.pending.delete(m.interface.toLowerCase());
  return { peer, member: m, inSl, ringTime: Math.floor((answerMs - round.roundStart) / 1000) };
}

/** The DIALSTATUS the member's channel ended with, from its hangup cause. */
function dialStatusOf(peer: Channel): string {
  const cause = peer.hangupCause;
  if (cause === Cause.USER_BUSY) return 'BUSY';
  if (cause === Cause.CONGESTION) return 'CONGESTION';
  if (cause === Cause.NO_ROUTE_DESTINATION || cause === Cause.SUBSCRIBER_ABSENT) return 'CHANUNAVAIL';
  if (cause === Cause.NO_ANSWER) return 'NOANSWER';
  return 'ANSWER';
}

/** The call will not be bridged: the member's channel goes. */
function dropPeer(ctx: QueueContext, round: RingRound, { peer, member }: Answered): void {
  round.dialEnd(peer, dialStatusOf(peer));
  peer.controlHandler = undefined;
  peer.owners--;
  if (!peer.dead) {
    if (!peer.hangupCause) peer.hangupCause = Cause.NORMAL_CLEARING;
    ctx.pbx.hangupNow(peer);
  }
  ctx.pending.delete(member.interface.toLowerCase());
}

/**
 * memberdelay, the member announcement and reportholdtime: the member hears them while the caller
 * waits (autoservice, music on hold going on). Either may hang up meanwhile: 'none' when the
 * member did (the caller stays in the queue), 'hangup' when the caller did.
 */
async function memberHearsFirst(
  ctx: QueueContext,
  c: Caller,
  round: RingRound,
  call: Answered,
): Promise<'none' | 'hangup' | undefined> {
  const q = c.queue;
  const caller = c.channel;
  const { peer, member: m } = call;
  if (!(c.announce || q.params.reportholdtime || q.params.memberdelay)) return undefined;
  let gone = false;
  if (q.params.memberdelay) gone = (await waitFull(ctx.pbx, peer, q.params.memberdelay * 1000)) !== 'timeout';
  if (!gone && c.announce)
    for (const f of c.announce.split('&').map((x) => x.trim()))
      if (f && !(await playFile(ctx, peer, f))) break;
  if (!gone && q.params.reportholdtime) await reportHoldTime(ctx, peer, c);
  if (peer.hungUp || peer.dead) {
    // The member hung up on the caller: AGENTDUMP, and the caller stays in the queue.
    ctx.queueLog(q.name, caller.uniqueid, m.membername, 'AGENTDUMP', '');
    ctx.emit({
      type: 'AgentDump',
      queue: q,
      caller: caller.snapshot(),
      agent: peer.snapshot(),
      member: memberView(q, m),
    });
    dropPeer(ctx, round, call);
    return 'none';
  }
  if (caller.hungUp || caller.dead) {
    ctx.queueLog(
      q.name,
      caller.uniqueid,
      m.membername,
      'ABANDON',
      `${c.pos}|${c.opos}|${ctx.now() - c.start}`,
    );
    recordAbandoned(ctx, c);
    c.handled = true;
    dropPeer(ctx, round, call);
    return 'hangup';
  }
  return undefined;
}

/** The caller's side before the bridge: music stops, queue-callerannounce, MEMBER* variables, out of the queue. */
async function prepareCaller(ctx: QueueContext, c: Caller, m: Member): Promise<void> {
  const q = c.queue;
  const caller = c.channel;
  const pbx = ctx.pbx;
  if (c.moh && !caller.dead) {
    pbx.emit('MusicOnHoldStop', { channel: caller.snapshot() });
    c.moh = false;
  }
  // queue-callerannounce: the caller hears it before the bridge (a failure does not stop it).
  if (q.params.sounds.callerannounce) await playFile(ctx, caller, q.params.sounds.callerannounce);
  if (q.params.setinterfacevar) {
    pbx.setVar(caller, 'MEMBERINTERFACE', m.interface);
    pbx.setVar(caller, 'MEMBERNAME', m.membername);
    pbx.setVar(caller, 'MEMBERCALLS', String(m.calls));
    pbx.setVar(caller, 'MEMBERLASTCALL', String(m.lastcall));
    pbx.setVar(caller, 'MEMBERPENALTY', String(m.penalty));
    pbx.setVar(caller, 'MEMBERDYNAMIC', m.dynamic ? '1' : '0');
    pbx.setVar(caller, 'MEMBERREALTIME', '0');
  }
  leave(ctx, c);
}

/**
 * The macro and gosub (Queue() arguments, else membermacro / membergosub) on the member's
 * channel, then the AGI on the caller's: they run before CONNECT, their time is hold time.
 */
async function runPreBridgeDialplan(ctx: QueueContext, c: Caller, peer: Channel): Promise<void> {
  const pbx = ctx.pbx;
  const q = c.queue;
  const macro = c.macro || q.params.membermacro;
  if (macro) {
    if (pbx.apps.get('Macro')) await execOn(pbx, peer, 'Macro', macro);
    else
      pbx.log('WARNING', 'Asked to execute a macro on this channel, but could not find application (Macro)!');
  }
  const gosub = c.gosub || q.params.membergosub;
  if (gosub && !peer.hungUp && !peer.dead) await execSub(pbx, peer, memberGosubTarget(pbx, peer, gosub));
  if (c.agi) {
    if (pbx.apps.get('AGI')) await execOn(pbx, c.channel, 'AGI', c.agi);
    else pbx.log('WARNING', 'Asked to execute an AGI on this channel, but could not find application (agi)!');
  }
}

/** CONNECT, QUEUEWAIT and AgentConnect; returns the hold time up to the connection. */
function announceConnect(ctx: QueueContext, c: Caller, { peer, member: m, ringTime }: Answered): number {
  const q = c.queue;
  const caller = c.channel;
  // From here the hold time counts up to the connection (after any member announcement).
  const connectHold = ctx.now() - c.start;
  ctx.queueLog(
    q.name,
    caller.uniqueid,
    m.membername,
    'CONNECT',
    `${connectHold}|${peer.uniqueid}|${ringTime}`,
  );
  setDurationVar(ctx, caller, 'QUEUEWAIT', connectHold * 1000);
  ctx.emit({
    type: 'AgentConnect',
    queue: q,
    caller: caller.snapshot(),
    agent: peer.snapshot(),
    member: memberView(q, m),
    ringTime,
    holdTime: connectHold,
  });
  return connectHold;
}

/**
 * The bridge, then the completion. As app_queue's stasis subscriptions do, the call is complete
 * when the caller or the member is asked to hang up (a HangupRequest or SoftHangupRequest, not
 * one that is part of a transfer): COMPLETECALLER / COMPLETEAGENT, AgentComplete and the
 * statistics come then, while the bridge is still up. When the bridge ends without that (a
 * transfer), the completion comes after it, as BLINDTRANSFER.
 */
async function bridgeAndComplete(
  ctx: QueueContext,
  c: Caller,
  call: Answered,
  connectHold: number,
): Promise<void> {
  const pbx = ctx.pbx;
  const q = c.queue;
  const caller = c.channel;
  const { peer, member: m } = call;
  const starttime = ctx.now();
  m.starttime = starttime;
  caller.cdrPeer = peer;
  let completed = false;
  const complete = (reason: 'caller' | 'agent' | 'transfer'): void => {
    if (completed) return;
    completed = true;
    offs.forEach((off) => off());
    const talk = ctx.now() - starttime;
    const event =
      reason === 'caller' ? 'COMPLETECALLER' : reason === 'agent' ? 'COMPLETEAGENT' : 'BLINDTRANSFER';
    ctx.queueLog(q.name, caller.uniqueid, m.membername, event, `${connectHold}|${talk}|${c.opos}`);
    ctx.emit({
      type: 'AgentComplete',
      queue: q,
      caller: caller.snapshot(),
      agent: peer.snapshot(),
      member: memberView(q, m),
      holdTime: connectHold,
      talkTime: talk,
      reason,
    });
    recordCompletedCall(ctx, q, m, call.inSl, starttime);
  };
  // handle_hangup: a hangup request of either party that is not part of a transfer. It is a
  // stasis subscriber like the manager's, so it sees the request after the manager raised it
  // (onAny listeners run in subscription order, the manager's first).
  const offs = [
    pbx.onAny((name, payload) => {
      if (name !== 'HangupRequest' && name !== 'SoftHangupRequest') return;
      const id = (payload as PbxEvents['HangupRequest']).channel.uniqueid;
      const who = id === caller.uniqueid ? caller : id === peer.uniqueid ? peer : undefined;
      if (!who || pbx.getVar(who, 'ATTENDEDTRANSFER') || pbx.getVar(who, 'BLINDTRANSFER')) return;
      complete(who === caller ? 'caller' : 'agent');
    }),
  ];
  // The bridge features the options grant (t, T, h, H, k, K, w, W, x, X): amikit has no DTMF
  // feature codes, so they are kept on each side as a variable for the dialplan and tests.
  if (c.features.caller) pbx.setVar(caller, 'QUEUE_BRIDGE_FEATURES', c.features.caller);
  if (c.features.callee) pbx.setVar(peer, 'QUEUE_BRIDGE_FEATURES', c.features.callee);
  if (caller.state !== ChannelState.Up) pbx.answer(caller);
  const bridgeStart = pbx.clock.now();
  const bridge = pbx.bridgeChannels(caller, peer);
  await pbx.waitBridgeEnd(caller, bridge);
  endBridge(ctx, c, bridgeStart);
  const agentEnded = peer.hungUp || peer.dead;
  complete(caller.hungUp || caller.dead ? 'caller' : agentEnded ? 'agent' : 'transfer');
  releasePeer(ctx, c, peer, bridge);
  if (!caller.hungUp && !caller.dead && !caller.hangupCause && agentEnded)
    caller.hangupCause = peer.hangupCause || Cause.NORMAL_CLEARING;
}

/**
 * end_bridge_callback: the caller's bridge ended; the queue's figures (setqueuevar) and Dial()'s
 * timing variables, ANSWEREDTIME from the bridge's start and DIALEDTIME from the channel's birth.
 */
function endBridge(ctx: QueueContext, c: Caller, bridgeStart: number): void {
  const pbx = ctx.pbx;
  const caller = c.channel;
  if (caller.dead) return;
  if (c.queue.params.setqueuevar) setQueueVars(ctx, c.queue, caller);
  const now = pbx.clock.now();
  pbx.stage(caller, () => {
    setDurationVar(ctx, caller, 'ANSWEREDTIME', now - bridgeStart);
    setDurationVar(ctx, caller, 'DIALEDTIME', now - caller.creationTime);
  });
}

/** After the bridge: the member goes on in the dialplan (`F`) or is hung up, unless it is elsewhere already. */
function releasePeer(ctx: QueueContext, c: Caller, peer: Channel, bridge: Bridge): void {
  const pbx = ctx.pbx;
  peer.owners--;
  if (peer.dead || (peer.bridgeId && peer.bridgeId !== bridge.uniqueid)) return;
  const goOn =
    c.calleeGoOn !== undefined && !peer.hungUp ? afterGoOn(pbx, c.channel, c.calleeGoOn) : undefined;
  if (goOn) {
    // `F`: the member goes on in the dialplan (ast_bridge_set_after_go_on).
    if (peer.bridgeId) pbx.leaveBridge(peer);
    pbx.startPbxOrHangup(peer, goOn);
  } else {
    if (!peer.hangupCause) peer.hangupCause = Cause.NORMAL_CLEARING;
    pbx.hangupNow(peer);
  }
}

/**
 * The ringing engine shared by Dial() and, later, Queue(): ring one or more destinations for a
 * caller, raising DialBegin / DialState / DialEnd as app_dial does, and report the first answer
 * (others are cancelled with cause 26 Answered elsewhere) or why nobody answered.
 */
import { Cause } from './causes.js';
import { ChannelState, type Channel, type Control } from './channel.js';
import type { Bridge } from './bridge.js';
import type { Pbx } from './pbx.js';

export type DialStatus = 'ANSWER' | 'BUSY' | 'NOANSWER' | 'CANCEL' | 'CONGESTION' | 'CHANUNAVAIL';

export interface RingOptions {
  /** Ring time in ms; negative or 0 = until the caller gives up. */
  timeoutMs: number;
  /** Set AppDial/(Outgoing Line) on the dialed channels and suppress their own CDRs (app_dial). */
  asDial?: boolean;
}

export interface RingResult {
  status: DialStatus;
  /** The answered channel (status ANSWER). It stays owned by the caller of ring(): release it with releasePeer(). */
  peer?: Channel;
  /** Dial string (`test-201`, `200@agents`) of the answered destination. */
  dialString?: string;
  /** Every channel that was created and called, in dial order (for CDR party B). */
  attempted: Channel[];
}

interface Outgoing {
  chan: Channel;
  dialString: string;
  ringing: boolean;
  done: boolean;
}

type Counter = 'busy' | 'congestion' | 'nochan' | 'noanswer';

/** handle_cause of app_dial: which counter a failed destination increments. */
function classify(cause: number): Counter {
  if (cause === Cause.USER_BUSY) return 'busy';
  if (cause === Cause.CONGESTION) return 'congestion';
  if (cause === Cause.NO_ANSWER || cause === Cause.NORMAL_CLEARING) return 'noanswer';
  return 'nochan';
}

function finalStatus(counts: Record<Counter, number>): DialStatus {
  if (counts.busy) return 'BUSY';
  if (counts.congestion) return 'CONGESTION';
  if (counts.nochan) return 'CHANUNAVAIL';
  return 'NOANSWER';
}

const STATUS_OF: Record<Counter, DialStatus> = {
  busy: 'BUSY',
  congestion: 'CONGESTION',
  noanswer: 'NOANSWER',
  nochan: 'CHANUNAVAIL',
};

/** Rings `targets` (`Tech/resource`) for `caller`. */
export async function ring(
  pbx: Pbx,
  caller: Channel,
  targets: string[],
  opts: RingOptions,
): Promise<RingResult> {
  const counts: Record<Counter, number> = { busy: 0, congestion: 0, nochan: 0, noanswer: 0 };
  const outs: Outgoing[] = [];
  const dialEnd = (o: Outgoing, status: string): void => {
    if (!o.chan.dead)
      pbx.emit('DialEnd', {
        caller: caller.snapshot(),
        dest: o.chan.snapshot(),
        dialStatus: status,
        forward: '',
      });
  };
  for (const target of targets) {
    const slash = target.indexOf('/');
    if (slash <= 0) {
      counts.nochan++;
      continue;
    }
    const tech = target.slice(0, slash);
    const resource = target.slice(slash + 1);
    const req = pbx.request(tech, resource, { requestor: caller });
    if (!('channel' in req)) {
      pbx.log('WARNING', `Unable to create channel of type '${tech}' (cause ${req.cause} - ${req.error})`);
      counts[classify(req.cause)]++;
      continue;
    }
    const chan = req.channel;
    chan.owners++;
    // dial_exec_full's set-up of the outgoing channel, published as one snapshot: AppDial, caller ID
    // = the caller's extension (when the driver set none), connected line = the caller, and the
    // caller's extension.
    pbx.stage(chan, () => {
      if (opts.asDial !== false) {
        // dial_exec_full: DIALEDPEERNUMBER on the outgoing channel (a Local ;2 gets a copy).
        pbx.setVar(chan, 'DIALEDPEERNUMBER', resource);
        chan.cdrSuppressed = true;
        pbx.setApplication(chan, 'AppDial', '(Outgoing Line)');
      }
      if (!chan.callerIdNum) chan.callerIdNum = caller.exten;
      chan.connectedLineNum = caller.callerIdNum;
      chan.connectedLineName = caller.callerIdName;
      chan.exten = caller.exten;
      chan.peerAccount = caller.accountCode;
    });
    if (!pbx.call(chan)) {
      counts.nochan++;
      chan.owners--;
      pbx.hangupNow(chan);
      continue;
    }
    pbx.emit('DialBegin', { caller: caller.snapshot(), dest: chan.snapshot(), dialString: resource });
    outs.push({ chan, dialString: resource, ringing: false, done: false });
  }
  const attempted = outs.map((o) => o.chan);
  if (!outs.length) return { status: finalStatus(counts), attempted };

  const end = (o: Outgoing, status: string, cause: number): void => {
    o.done = true;
    o.chan.controlHandler = undefined;
    dialEnd(o, status);
    o.chan.owners--;
    if (cause) o.chan.hangupCause = cause;
    pbx.hangupNow(o.chan);
  };

  const winner = await new Promise<Outgoing | 'timeout' | 'cancel' | 'allfailed'>((resolve) => {
    let finished = false;
    const finish = (r: Outgoing | 'timeout' | 'cancel' | 'allfailed'): void => {
      if (finished) return;
      finished = true;
      if (timer) pbx.clock.clearTimer(timer);
      for (const x of outs) x.chan.controlHandler = undefined;
      resolve(r);
    };
    const timer =
      opts.timeoutMs > 0 ? pbx.clock.setTimer(opts.timeoutMs, () => finish('timeout')) : undefined;
    /** `cause` counts the failure (handle_cause); `hangCause` is set on the channel first, if any. */
    const failOne = (o: Outgoing, status: DialStatus, cause: number, hangCause = cause): void => {
      counts[classify(cause)]++;
      end(o, status, hangCause);
      if (outs.every((x) => x.done)) finish('allfailed');
    };
    // wait_for_answer: the caller hears ringing, and RINGTIME is set, once every line has rung
    // (num_ringing == numlines); DialState RINGING comes for each ringing line.
    let numRinging = 0;
    let sentRing = false;
    for (const o of outs) {
      o.chan.controlHandler = (c: Control) => {
        if (finished || o.done) return;
        if (c.type === 'ringing' && !o.ringing) {
          o.ringing = true;
          numRinging++;
          const allRang = numRinging === outs.length;
          if (allRang && !sentRing && opts.asDial !== false) {
            sentRing = true;
            const diff = pbx.clock.now() - o.chan.creationTime;
            pbx.setVar(caller, 'RINGTIME', String(Math.floor(diff / 1000)));
            pbx.setVar(caller, 'RINGTIME_MS', String(diff));
          }
          pbx.emit('DialState', {
            caller: caller.snapshot(),
            dest: o.chan.snapshot(),
            dialStatus: 'RINGING',
            forward: '',
          });
          if (allRang && caller.state !== ChannelState.Up) pbx.indicate(caller, 'ringing');
        } else if (c.type === 'progress') {
          pbx.emit('DialState', {
            caller: caller.snapshot(),
            dest: o.chan.snapshot(),
            dialStatus: 'PROGRESS',
            forward: '',
          });
        } else if (c.type === 'answer') finish(o);
        // app_dial hangs the channel up with its own cause: a driver's (chan_sip sets 17/34), none
        // for a Local ;1.
        else if (c.type === 'busy') failOne(o, 'BUSY', Cause.USER_BUSY, 0);
        else if (c.type === 'congestion') failOne(o, 'CONGESTION', Cause.CONGESTION, 0);
        else if (c.type === 'hangup') failOne(o, STATUS_OF[classify(c.cause)], c.cause);
      };
    }
    // The caller hanging up (or being redirected) cancels the dial.
    void (async () => {
      while (!finished) {
        const r = await caller.wait(pbx.clock, -1);
        if (finished) return;
        if (r === 'hangup' || r === 'goto') finish('cancel');
      }
    })();
  });

  if (typeof winner === 'string') {
    for (const o of outs)
      if (!o.done) end(o, winner === 'cancel' ? 'CANCEL' : 'NOANSWER', Cause.NORMAL_CLEARING);
    return {
      status: winner === 'cancel' ? 'CANCEL' : winner === 'timeout' ? 'NOANSWER' : finalStatus(counts),
      attempted,
    };
  }
  winner.done = true;
  for (const o of outs) if (!o.done) end(o, 'CANCEL', Cause.ANSWERED_ELSEWHERE);
  dialEnd(winner, 'ANSWER');
  return { status: 'ANSWER', peer: winner.chan, dialString: winner.dialString, attempted };
}

/**
 * Ends the ringing engine's ownership of an answered peer once its bridge is over: a peer moved
 * elsewhere (transfer, Local optimisation) is left alone, a redirected one runs its dialplan,
 * otherwise it is hung up.
 */
export function releasePeer(pbx: Pbx, peer: Channel, bridge: Bridge | undefined): void {
  peer.owners--;
  if (peer.dead) return;
  if (peer.bridgeId && peer.bridgeId !== bridge?.uniqueid) return;
  if (peer.pendingGoto) {
    const g = peer.pendingGoto;
    peer.pendingGoto = undefined;
    pbx.startPbxOrHangup(peer, g);
    return;
  }
  if (!peer.hangupCause) peer.hangupCause = Cause.NORMAL_CLEARING;
  pbx.hangupNow(peer);
}

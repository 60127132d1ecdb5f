/**
 * Calls from simulated phones: a SIP channel in state Ring that runs the dialplan at the
 * calling peer's context, then hangs up on its own after its patience or talk time.
 */
import { Cause } from './causes.js';
import { ChannelState, type Channel } from './channel.js';
import type { Pbx } from './pbx.js';

export interface IncomingCallOptions {
  from: string;
  exten: string;
  context?: string;
  callerIdNum?: string;
  callerIdName?: string;
  /** Patience: the phone hangs up this long after the call is created (unless already gone). */
  hangupAfterMs?: number;
  /** Once answered, the phone hangs up after this long. */
  talkTimeMs?: number;
}

export function incomingCall(pbx: Pbx, o: IncomingCallOptions): Channel {
  const peer = pbx.sipPeers.get(o.from.toLowerCase());
  const name = peer?.name ?? o.from;
  const ch = pbx.newChannel({
    tech: 'SIP',
    name: `SIP/${name}-${pbx.ids.channelSuffix('SIP')}`,
    state: ChannelState.Ring,
    context: o.context ?? peer?.context ?? 'default',
    exten: o.exten,
    device: `SIP/${name}`,
    callerIdNum: o.callerIdNum ?? name,
    callerIdName: o.callerIdName ?? '',
    resource: name,
  });
  ch.dnid = o.exten;
  if (o.hangupAfterMs !== undefined)
    ch.driverTimers.push(
      pbx.clock.setTimer(o.hangupAfterMs, () => pbx.queueHangup(ch, Cause.NORMAL_CLEARING)),
    );
  if (o.talkTimeMs !== undefined) {
    const talk = o.talkTimeMs;
    ch.onAnswer.push(() =>
      ch.driverTimers.push(pbx.clock.setTimer(talk, () => pbx.queueHangup(ch, Cause.NORMAL_CLEARING))),
    );
  }
  if (!pbx.startPbx(ch)) {
    // chan_sip: 480 Temporarily Unavailable to the phone, and the channel is hung up at once.
    pbx.log('WARNING', 'Failed to start PBX (call limit reached) ');
    pbx.hangupNow(ch);
  }
  return ch;
}

/**
 * Dial(Tech/res[&Tech2/res2...][,timeout[,options]]) as app_dial: rings every destination, the
 * first to answer is bridged with the caller. DIALSTATUS is ANSWER, BUSY, NOANSWER, CANCEL,
 * CONGESTION or CHANUNAVAIL; DIALEDPEERNAME/NUMBER and DIALEDTIME/ANSWEREDTIME (and _MS) are set.
 * Options: g (continue after the callee hangs up), r (indicate ringing), m (music on hold while
 * ringing); others are accepted and ignored.
 */
import { doubleToInt, scanfDouble } from '../../config/cstr.js';
import { Cause } from '../causes.js';
import { ChannelState, type Channel } from '../channel.js';
import { ring, releasePeer } from '../dialing.js';
import { splitArgs } from '../functions.js';
import type { Pbx } from '../pbx.js';
import type { AppContext, AppResult } from './registry.js';

/** end_bridge_callback: the caller's time up and its whole duration (ast_channel_get_*_ms). */
function setTimes(pbx: Pbx, caller: Channel): void {
  const now = pbx.clock.now();
  const dialed = now - caller.creationTime;
  const talk = caller.answeredTime ? now - caller.answeredTime : 0;
  pbx.setVar(caller, 'ANSWEREDTIME', String(Math.floor(talk / 1000)));
  pbx.setVar(caller, 'ANSWEREDTIME_MS', String(talk));
  pbx.setVar(caller, 'DIALEDTIME', String(Math.floor(dialed / 1000)));
  pbx.setVar(caller, 'DIALEDTIME_MS', String(dialed));
}

const RESET_VARS = [
  'DIALSTATUS',
  'DIALEDPEERNUMBER',
  'DIALEDPEERNAME',
  'ANSWEREDTIME',
  'ANSWEREDTIME_MS',
  'DIALEDTIME',
  'DIALEDTIME_MS',
  'RINGTIME',
  'RINGTIME_MS',
  'PROGRESSTIME',
  'PROGRESSTIME_MS',
];

export async function dialApp({ pbx, channel: caller }: AppContext, data: string): Promise<AppResult> {
  const [targets = '', timeoutArg = '', options = ''] = splitArgs(data);
  if (!targets.trim()) {
    pbx.log('WARNING', 'Dial requires an argument (technology/resource)');
    return -1;
  }
  // dial_exec_full starts by blanking every variable it may set.
  for (const v of RESET_VARS) pbx.setVar(caller, v, '');
  // app_dial: sscanf("%30lf") > 0, then `to_answer = tmp * 1000` into an int (out of range: INT_MIN,
  // which reads as no timeout).
  const secs = scanfDouble(timeoutArg.split('^', 1)[0]) ?? 0;
  const toAnswer = secs > 0 ? doubleToInt(secs * 1000) : -1;
  if (options.includes('r') && caller.state !== ChannelState.Up) pbx.indicate(caller, 'ringing');
  const moh = options.includes('m');
  if (moh) pbx.emit('MusicOnHoldStart', { channel: caller.snapshot(), mohClass: 'default' });
  const list = targets
    .split('&')
    .map((t) => t.trim())
    .filter(Boolean);
  const res = await ring(pbx, caller, list, { timeoutMs: toAnswer > 0 ? toAnswer : -1 });
  if (moh && !caller.dead) pbx.emit('MusicOnHoldStop', { channel: caller.snapshot() });

  if (res.status !== 'ANSWER' || !res.peer) {
    // The CDR names the (last) dialed channel as party B, so unanswered attempts are logged.
    if (res.attempted.length) caller.cdrPeer = res.attempted[res.attempted.length - 1];
    pbx.setVar(caller, 'DIALSTATUS', res.status);
    return res.status === 'CANCEL' ? -1 : 0;
  }
  const peer = res.peer;
  // Status, peer name and number are set before the caller is answered.
  pbx.setVar(caller, 'DIALSTATUS', 'ANSWER');
  pbx.setVar(caller, 'DIALEDPEERNAME', peer.name);
  pbx.setVar(caller, 'DIALEDPEERNUMBER', res.dialString ?? '');
  if (caller.state !== ChannelState.Up) pbx.answer(caller);
  caller.cdrPeer = peer;
  const bridge = pbx.bridgeChannels(caller, peer);
  await pbx.waitBridgeEnd(caller, bridge);
  if (!caller.dead) {
    setTimes(pbx, caller);
    pbx.setVar(caller, 'DIALSTATUS', 'ANSWER');
  }
  // app_dial hands the callee's hangup cause to the caller when the callee ended the call.
  if (!caller.hungUp && peer.hungUp && !caller.hangupCause)
    caller.hangupCause = peer.hangupCause || Cause.NORMAL_CLEARING;
  releasePeer(pbx, peer, bridge);
  if (caller.pendingGoto && !caller.dead) return 0;
  if (caller.dead || caller.hungUp) return -1;
  return options.includes('g') ? 0 : -1;
}

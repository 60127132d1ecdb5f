/**
 * Bridges: creating, entering, leaving and dissolving them, and core_unreal's Local-pair
 * optimisation that a two-party bridge triggers. The Pbx keeps the table (`bridgesById`) and its
 * methods delegate here.
 */
import { Bridge } from './bridge.js';
import { Cause } from './causes.js';
import { ChannelState, type Channel } from './channel.js';
import type { Pbx } from './pbx.js';

export function createBridge(pbx: Pbx, type: string, creator: string, name: string): Bridge {
  const b = new Bridge(pbx.prng.uuid(), type, creator, name, pbx.clock.now(), pbx.suspendedBridgeTechs);
  pbx.bridgesById.set(b.uniqueid, b);
  pbx.emit('BridgeCreate', { bridge: b.snapshot() });
  return b;
}

/** Puts a channel into a bridge (leaving any other first). */
export function joinBridge(pbx: Pbx, b: Bridge, ch: Channel, swapUniqueid: string): void {
  if (ch.dead || b.dissolved) return;
  if (ch.bridgeId && ch.bridgeId !== b.uniqueid) leaveBridge(pbx, ch);
  if (ch.bridgeId === b.uniqueid) return;
  b.members.push(ch);
  ch.bridgeId = b.uniqueid;
  pbx.emit('BridgeEnter', { bridge: b.snapshot(), channel: ch.snapshot(), swapUniqueid });
  setBridgePeerVars(pbx, b);
  if (b.members.some((m) => m.localHalf !== 0)) pbx.clock.setTimer(0, () => tryLocalOptimization(pbx, b));
}

/**
 * core_unreal optimises a Local pair away once each half sits in a two-party bridge and the
 * pair was not created with `/n`: the outer channel of ;2's bridge is swapped into ;1's bridge.
 */
function tryLocalOptimization(pbx: Pbx, b: Bridge): void {
  if (b.dissolved) return;
  for (const m of b.members) {
    const one = m.localHalf === 1 ? m : m.localHalf === 2 ? m.localPeer : undefined;
    const two = one?.localPeer;
    if (!one || !two || one.dead || two.dead || one.resource.split('/')[1]?.includes('n')) continue;
    const b1 = pbx.bridgesById.get(one.bridgeId);
    const b2 = pbx.bridgesById.get(two.bridgeId);
    if (!b1 || !b2 || b1 === b2 || b1.members.length !== 2 || b2.members.length !== 2) continue;
    if (one.state !== ChannelState.Up || two.state !== ChannelState.Up) continue;
    pbx.localOptimizeAway(one);
    return;
  }
}

/**
 * bridge_reconfigured's set_bridge_peer_vars: in a two-party bridge each side's BRIDGEPEER names
 * the other (first member first); with more, the other members' names (at most 10) joined by
 * commas. Channels without a private call id (Local) get no BRIDGEPVTCALLID.
 */
export function setBridgePeerVars(pbx: Pbx, b: Bridge): void {
  const n = b.members.length;
  if (n < 2 || b.type === 'holding') return;
  if (n === 2) {
    const [c0, c1] = b.members;
    pbx.setVar(c0, 'BRIDGEPEER', c1.name);
    pbx.setVar(c1, 'BRIDGEPEER', c0.name);
    return;
  }
  const names = b.members.slice(0, 11).map((m) => m.name);
  for (const m of b.members) {
    pbx.setVar(
      m,
      'BRIDGEPEER',
      names
        .filter((x) => x !== m.name)
        .slice(0, 10)
        .join(','),
    );
  }
}

/**
 * ast_bridge_channel_leave_bridge clears BRIDGEPEER (ast_bridge_vars_set with NULL): deleting a
 * non-empty variable raises VarSet with an empty value.
 */
export function clearBridgePeer(pbx: Pbx, ch: Channel): void {
  if (!ch.vars.get('BRIDGEPEER') || ch.dead) return;
  pbx.setVar(ch, 'BRIDGEPEER', '');
  ch.vars.delete('BRIDGEPEER');
}

/** A channel leaves its bridge; `moving` (ast_bridge_move) keeps its BRIDGEPEER until it lands. */
export function leaveBridge(pbx: Pbx, ch: Channel, moving = false): void {
  const b = pbx.bridgesById.get(ch.bridgeId);
  ch.bridgeId = '';
  if (!b) return;
  if (!moving) clearBridgePeer(pbx, ch);
  const i = b.members.indexOf(ch);
  if (i >= 0) b.members.splice(i, 1);
  pbx.emit('BridgeLeave', { bridge: b.snapshot(), channel: ch.snapshot() });
  ch.wake('signal');
  if (b.members.length === 0) destroyBridge(pbx, b);
  else if (b.type !== 'basic' || b.members.length > 1) setBridgePeerVars(pbx, b);
}

export function destroyBridge(pbx: Pbx, b: Bridge): void {
  if (b.dissolved) return;
  const kicked = [...b.members];
  for (const m of kicked) leaveBridge(pbx, m);
  if (!b.dissolved) {
    b.dissolved = true;
    pbx.bridgesById.delete(b.uniqueid);
    pbx.emit('BridgeDestroy', { bridge: b.snapshot() });
  }
  // A channel kicked out with nothing to return to (no dialplan, no Dial/originate owning it,
  // e.g. after a Local optimisation moved it) is hung up, as a bridge with no after-bridge
  // callback does.
  for (const m of kicked) {
    if (m.dead || m.inPbx || m.inApp || m.owners > 0 || m.pendingGoto) continue;
    if (!m.hangupCause) m.hangupCause = Cause.NORMAL_CLEARING;
    pbx.hangupNow(m);
  }
}

/**
 * ast_bridge_kick(): the channel leaves as if it had hung up (BRIDGE_CHANNEL_STATE_END, cause
 * NORMAL_CLEARING), so a two-party basic bridge dissolves; a kicked channel that nothing takes
 * back (no dialplan, no Dial owning it) is hung up.
 */
export function kickFromBridge(pbx: Pbx, ch: Channel): void {
  if (ch.dead || !ch.bridgeId) return;
  bridgeMemberGone(pbx, ch);
  if (ch.dead || ch.inPbx || ch.inApp || ch.owners > 0 || ch.pendingGoto) return;
  if (!ch.hangupCause) ch.hangupCause = Cause.NORMAL_CLEARING;
  pbx.hangupNow(ch);
}

/**
 * A member hung up or was redirected: it leaves, and a basic bridge left with one party
 * dissolves (the other is kicked out), as the basic bridge's hangup behaviour does.
 */
export function bridgeMemberGone(pbx: Pbx, ch: Channel): void {
  const b = pbx.bridgesById.get(ch.bridgeId);
  // The basic bridge dissolves at once: every party is told to leave (BRIDGEPEER cleared) before
  // the bridge channels pull themselves out (BridgeLeave).
  if (b && !b.dissolved && b.type === 'basic' && b.members.length <= 2) {
    clearBridgePeer(pbx, ch);
    for (const m of b.members) if (m !== ch) clearBridgePeer(pbx, m);
  }
  leaveBridge(pbx, ch);
  if (!b || b.dissolved) return;
  // A basic bridge dissolves when fewer than two parties are left; a multi-party one goes on.
  if (b.type === 'basic' && b.members.length <= 1) destroyBridge(pbx, b);
}

/**
 * Bridge swap: `incoming` moves from its bridge into `outgoing`'s place in `b` (BridgeEnter with
 * SwapUniqueid, then BridgeLeave of the replaced channel), without the bridge dissolving in
 * between; the bridge is reconfigured afterwards (BRIDGEPEER of the new pair).
 */
export function swapIntoBridge(pbx: Pbx, b: Bridge, incoming: Channel, outgoing: Channel): void {
  if (incoming.bridgeId) leaveBridge(pbx, incoming, true);
  const i = b.members.indexOf(outgoing);
  if (i >= 0) b.members.splice(i, 1);
  outgoing.bridgeId = '';
  b.members.push(incoming);
  incoming.bridgeId = b.uniqueid;
  pbx.emit('BridgeEnter', {
    bridge: b.snapshot(),
    channel: incoming.snapshot(),
    swapUniqueid: outgoing.uniqueid,
  });
  clearBridgePeer(pbx, outgoing);
  pbx.emit('BridgeLeave', { bridge: b.snapshot(), channel: outgoing.snapshot() });
  outgoing.wake('signal');
  setBridgePeerVars(pbx, b);
}

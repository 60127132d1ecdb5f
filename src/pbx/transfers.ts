/**
 * Transfers and Local channel optimisation: operations that move channels between bridges.
 */
import { Cause } from './causes.js';
import type { Channel } from './channel.js';
import type { Pbx } from './pbx.js';
import { clearBridgePeer } from './bridging.js';

/** BlindTransfer: the transferer's bridge peers go to exten@context; the transferer hangs up. */
export function blindTransfer(pbx: Pbx, ch: Channel, context: string, exten: string): boolean {
  const b = pbx.findBridge(ch.bridgeId);
  const others = b ? b.members.filter((m) => m !== ch) : [];
  if (b && others.length) {
    // ast_bridge_transfer_blind: the transferer is taken off hold, every party gets BLINDTRANSFER
    // (the transferer its BRIDGEPEER, the others the transferer's name; ATTENDEDTRANSFER goes),
    // and the transferer leaves before the BlindTransfer event is published.
    pbx.emit('Unhold', { channel: ch.snapshot() });
    const peer = ch.vars.get('BRIDGEPEER') ?? '';
    for (const m of b.members) setTransferVariables(pbx, m, m === ch ? peer : ch.name, false);
    clearBridgePeer(pbx, ch);
  }
  pbx.emit('BlindTransfer', {
    result: b && others.length ? 'Success' : 'Fail',
    transferer: ch.snapshot(),
    transferee: others[0]?.snapshot(),
    bridge: b?.snapshot(),
    isExternal: true,
    context,
    extension: exten,
  });
  if (!b || !others.length) return false;
  for (const o of others) {
    pbx.leaveBridge(o);
    pbx.redirect(o, context, exten, 1);
  }
  pbx.hangup(ch, Cause.NORMAL_CLEARING);
  return true;
}

/** ast_bridge_set_transfer_variables: one variable written, the other kind deleted. */
function setTransferVariables(pbx: Pbx, ch: Channel, value: string, attended: boolean): void {
  const write = attended ? 'ATTENDEDTRANSFER' : 'BLINDTRANSFER';
  const erase = attended ? 'BLINDTRANSFER' : 'ATTENDEDTRANSFER';
  pbx.setVar(ch, write, value);
  if (ch.vars.get(erase)) pbx.setVar(ch, erase, '');
  ch.vars.delete(erase);
}

/**
 * Attended transfer (Atxfer): the transferer's peer is put on hold and the transferer is
 * connected to exten@context through a Local channel. When the transferer hangs up, the transfer
 * target takes its place in the held party's bridge (AttendedTransfer); if the target hangs up
 * first, the transferer goes back to the held party.
 */
export async function attendedTransfer(
  pbx: Pbx,
  ch: Channel,
  context: string,
  exten: string,
): Promise<boolean> {
  const b = pbx.findBridge(ch.bridgeId);
  const held = b?.members.find((m) => m !== ch);
  if (!b || !held) return false;
  const req = pbx.request('Local', `${exten}@${context}`, { requestor: ch });
  if (!('channel' in req)) return false;
  const target = req.channel;
  target.owners++;
  pbx.setApplication(target, 'AppDial', '(Outgoing Line)');
  if (!pbx.call(target)) {
    target.owners--;
    pbx.hangupNow(target);
    return false;
  }
  pbx.hold(held, 'default');
  // The held party stays alone in its bridge (a bridge dissolves only when empty on a plain leave).
  pbx.leaveBridge(ch);
  const consult = pbx.createBridge('basic');
  pbx.joinBridge(consult, ch);
  pbx.joinBridge(consult, target);
  await pbx.waitBridgeEnd(ch, consult);
  if (held.dead || b.dissolved) {
    target.owners--;
    if (!target.dead) pbx.hangupNow(target);
    return false;
  }
  pbx.unhold(held);
  if (target.dead || !ch.hungUp) {
    // The target went away (or the consultation ended otherwise): back to the held party.
    if (!target.dead) {
      target.owners--;
      pbx.hangupNow(target);
    }
    if (!ch.dead) pbx.joinBridge(b, ch);
    return false;
  }
  // The transferer hung up: it is finished even if a Dial still owns it.
  pbx.hangupNow(ch);
  pbx.joinBridge(b, target, ch.uniqueid);
  pbx.emit('AttendedTransfer', {
    result: 'Success',
    origTransferer: ch.snapshot(),
    origBridge: b.snapshot(),
    secondTransferer: ch.snapshot(),
    secondBridge: consult.snapshot(),
    destType: 'Bridge',
    destBridgeUniqueid: b.uniqueid,
  });
  void pbx.waitBridgeEnd(target, b).then(() => {
    target.owners--;
    if (!target.dead) pbx.hangupNow(target);
  });
  return true;
}

/**
 * core_unreal optimisation: with ;1 in bridge b1 (with A) and ;2 in bridge b2 (with B), B is
 * swapped into b1 in place of ;1 and the pair is hung up. Events: LocalOptimizationBegin,
 * BridgeLeave(B from b2), BridgeEnter(B into b1, SwapUniqueid ;1), BridgeLeave(;1),
 * LocalOptimizationEnd, then the pair's hangups.
 */
export function localOptimizeAway(pbx: Pbx, ch: Channel): boolean {
  const one = ch.localHalf === 1 ? ch : ch.localPeer;
  const two = one?.localPeer;
  if (!one || !two || one.dead || two.dead) return false;
  const b1 = pbx.findBridge(one.bridgeId);
  const b2 = pbx.findBridge(two.bridgeId);
  const outer = b2?.members.find((m) => m !== two);
  if (!b1 || !b2 || !outer) return false;
  const id = pbx.prng.int(0, 1_000_000);
  pbx.emit('LocalOptimizationBegin', {
    localOne: one.snapshot(),
    localTwo: two.snapshot(),
    source: outer.snapshot(),
    destUniqueId: b1.members.find((m) => m !== one)?.uniqueid ?? '',
    id,
  });
  pbx.swapIntoBridge(b1, outer, one);
  clearBridgePeer(pbx, two);
  pbx.emit('LocalOptimizationEnd', { localOne: one.snapshot(), localTwo: two.snapshot(), success: true, id });
  one.localPeer = undefined;
  two.localPeer = undefined;
  pbx.hangup(two, Cause.NORMAL_CLEARING);
  pbx.hangup(one, Cause.NORMAL_CLEARING);
  if (!one.dead) pbx.hangupNow(one);
  return true;
}

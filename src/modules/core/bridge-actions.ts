/**
 * Bridge management actions beside BridgeList/BridgeInfo: BridgeKick and BridgeDestroy
 * (main/manager_bridges.c) and the BridgeTechnology* actions (main/bridge.c), with Asterisk
 * 20.20.1's texts. The changes they queue happen after the response, as Asterisk's bridge
 * threads do them after the manager thread has answered.
 */
import type { ActionContext } from '../../manager/context.js';
import { BRIDGE_TECHNOLOGIES } from '../../pbx/bridge.js';
import type { Pbx } from '../../pbx/pbx.js';

export function actionBridgeKick(pbx: Pbx, ctx: ActionContext): void {
  const id = ctx.get('BridgeUniqueid');
  const name = ctx.get('Channel');
  if (!name) return ctx.error('Channel must be provided');
  const ch = pbx.findChannel(name);
  if (!ch) return ctx.error('Channel does not exist');
  let bridge;
  if (!id) {
    bridge = ch.bridgeId ? pbx.findBridge(ch.bridgeId) : undefined;
    if (!bridge) return ctx.error('Channel is not in a bridge');
  } else {
    bridge = pbx.findBridge(id);
    if (!bridge) return ctx.error('Bridge not found');
  }
  // ast_bridge_kick() fails when the channel is not a member of that bridge.
  if (!bridge.members.includes(ch)) return ctx.error('Channel kick from bridge failed');
  ctx.ack('Channel has been kicked');
  pbx.clock.setTimer(0, () => pbx.kickFromBridge(ch));
}

export function actionBridgeDestroy(pbx: Pbx, ctx: ActionContext): void {
  const id = ctx.get('BridgeUniqueid');
  if (!id) return ctx.error('BridgeUniqueid must be provided');
  const bridge = pbx.findBridge(id);
  if (!bridge) return ctx.error('Specified BridgeUniqueid not found');
  ctx.ack('Bridge has been destroyed');
  pbx.clock.setTimer(0, () => pbx.destroyBridge(bridge));
}

export function actionBridgeTechnologyList(pbx: Pbx, ctx: ActionContext): void {
  ctx.listStart('Bridge technology listing will follow');
  for (const t of BRIDGE_TECHNOLOGIES) {
    ctx.listItem(
      'BridgeTechnologyListItem',
      [
        ['BridgeTechnology', t.name],
        ['BridgeType', t.type],
        ['BridgePriority', String(t.priority)],
        ['BridgeSuspended', pbx.suspendedBridgeTechs.has(t.name) ? 'Yes' : 'No'],
      ],
      4,
    );
  }
  ctx.listComplete('BridgeTechnologyListComplete', BRIDGE_TECHNOLOGIES.length);
}

function suspendTechnology(pbx: Pbx, ctx: ActionContext, suspend: boolean): void {
  const name = ctx.get('BridgeTechnology');
  if (!name) return ctx.error('BridgeTechnology must be provided');
  const tech = BRIDGE_TECHNOLOGIES.find((t) => t.name.toLowerCase() === name.toLowerCase());
  if (!tech) return ctx.error('BridgeTechnology not found');
  if (suspend) pbx.suspendedBridgeTechs.add(tech.name);
  else pbx.suspendedBridgeTechs.delete(tech.name);
  ctx.ack(suspend ? 'Suspended bridge technology' : 'Unsuspended bridge technology');
}

export function actionBridgeTechnologySuspend(pbx: Pbx, ctx: ActionContext): void {
  suspendTechnology(pbx, ctx, true);
}

export function actionBridgeTechnologyUnsuspend(pbx: Pbx, ctx: ActionContext): void {
  suspendTechnology(pbx, ctx, false);
}

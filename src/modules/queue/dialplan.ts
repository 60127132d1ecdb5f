/**
 * The dialplan the queue runs outside the Queue() priority itself: the predial Gosub (`B`), the
 * macro, gosub and AGI run on the member's or the caller's channel before the bridge, and where
 * the member goes on after it (`F`).
 */
import type { Channel } from '../../pbx/channel.js';
import type { Pbx } from '../../pbx/pbx.js';
import { execApp } from '../../pbx/runner.js';

/** A dialplan location. */
export interface Location {
  context: string;
  exten: string;
  priority: number;
}

/** pbx_exec of one application, the channel's dialplan location kept. */
export async function execOn(pbx: Pbx, ch: Channel, app: string, data: string): Promise<void> {
  const at = { context: ch.context, exten: ch.exten, priority: ch.priority };
  await execApp(pbx, ch, app, data);
  if (!ch.dead) pbx.setLocation(ch, at.context, at.exten, at.priority);
}

/** Queue()'s gosub / membergosub `context[,args]` as a Gosub target: `context,s,1(args)`. */
export function memberGosubTarget(pbx: Pbx, ch: Channel, spec: string): string {
  const comma = spec.indexOf(',');
  const context = (comma < 0 ? spec : spec.slice(0, comma)).trim();
  const sExten =
    !pbx.dialplan.exists(context, 's', 1, ch.callerIdNum) &&
    pbx.dialplan.exists(context, '~~s~~', 1, ch.callerIdNum)
      ? '~~s~~'
      : 's';
  return comma < 0 ? `${context},${sExten},1` : `${context},${sExten},1(${spec.slice(comma + 1)})`;
}

/**
 * ast_app_exec_sub: Gosub(`target`) on `ch`, its priorities run until the matching Return, a
 * hangup or an application's -1; the channel's dialplan location is then restored.
 */
export async function execSub(pbx: Pbx, ch: Channel, target: string): Promise<void> {
  const at = { context: ch.context, exten: ch.exten, priority: ch.priority };
  const depth = ch.gosubStack.length;
  if ((await execApp(pbx, ch, 'Gosub', target, false)) !== 'jump') return;
  for (let guard = 0; guard < 10000 && ch.gosubStack.length > depth; guard++) {
    if (ch.dead || ch.hungUp) break;
    const found = pbx.dialplan.find(ch.context, ch.exten, ch.priority, ch.callerIdNum);
    if (!found) break;
    const before = { context: ch.context, exten: ch.exten, priority: ch.priority };
    const res = await execApp(pbx, ch, found.priority.app, found.priority.appData);
    if (res === -1) break;
    if (
      res !== 'jump' &&
      before.context === ch.context &&
      before.exten === ch.exten &&
      before.priority === ch.priority
    )
      ch.priority++;
  }
  ch.gosubStack.length = Math.min(ch.gosubStack.length, depth);
  if (!ch.dead) pbx.setLocation(ch, at.context, at.exten, at.priority);
}

/** ast_bridge_set_after_go_on: `F` alone continues at the caller's next priority. */
export function afterGoOn(pbx: Pbx, caller: Channel, spec: string): Location | undefined {
  if (!spec) return { context: caller.context, exten: caller.exten, priority: caller.priority + 1 };
  const parts = spec.split('^').map((x) => x.trim());
  let context = caller.context;
  let exten = caller.exten;
  let prio: string;
  if (parts.length >= 3) [context, exten, prio] = parts;
  else if (parts.length === 2) [exten, prio] = parts;
  else prio = parts[0];
  let priority = Number.parseInt(prio, 10);
  if (Number.isNaN(priority)) {
    const found = pbx.dialplan.findLabel(context, exten, prio, caller.callerIdNum);
    if (found === undefined) return undefined;
    priority = found;
  }
  return { context, exten, priority };
}

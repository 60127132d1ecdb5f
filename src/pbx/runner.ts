/**
 * The PBX loop of one channel (__ast_pbx_run): execute priorities until an application returns -1,
 * the channel is hung up, or the dialplan ends; then raise SoftHangupRequest (APPUNLOAD), run the
 * `h` extension and hang the channel up.
 */
import { Cause, SoftHangup } from './causes.js';
import type { Channel } from './channel.js';
import type { Pbx } from './pbx.js';
import type { AppResult } from './apps/registry.js';

/** Executes one application on a channel (pbx_exec), substituting variables in its data. */
export async function execApp(
  pbx: Pbx,
  ch: Channel,
  appName: string,
  rawData: string,
  substitute = true,
): Promise<AppResult> {
  const app = pbx.apps.get(appName);
  if (!app) {
    pbx.log(
      'WARNING',
      `No application '${appName}' for extension (${ch.context}, ${ch.exten}, ${ch.priority})`,
    );
    return -1;
  }
  const data = substitute ? pbx.substitute(ch, rawData) : rawData;
  pbx.setApplication(ch, app.name, data);
  return app.run({ pbx, channel: ch }, data);
}

export async function runPbx(pbx: Pbx, ch: Channel): Promise<void> {
  ch.inPbx = true;
  let fellOff = false;
  for (;;) {
    if (ch.dead) return;
    if (ch.pendingGoto) {
      const g = ch.pendingGoto;
      ch.pendingGoto = undefined;
      ch.softHangupFlags &= ~SoftHangup.ASYNCGOTO;
      pbx.setLocation(ch, g.context, g.exten, g.priority);
    }
    if (ch.softHangupFlags === SoftHangup.TIMEOUT && pbx.dialplan.exists(ch.context, 'T', 1)) {
      // AbsoluteTimeout expired: continue at the T extension (once; the timeout is consumed).
      ch.softHangupFlags &= ~SoftHangup.TIMEOUT;
      pbx.setLocation(ch, ch.context, 'T', 1);
    }
    if (ch.softHangupFlags & ~SoftHangup.ASYNCGOTO) break;
    const found = pbx.dialplan.find(ch.context, ch.exten, ch.priority, ch.callerIdNum);
    if (!found) {
      if (!pbx.dialplan.exists(ch.context, ch.exten, 1, ch.callerIdNum)) {
        if (pbx.dialplan.exists(ch.context, 'i', 1)) {
          pbx.setVar(ch, 'INVALID_EXTEN', ch.exten);
          pbx.setLocation(ch, ch.context, 'i', 1);
          continue;
        }
        pbx.log(
          'WARNING',
          `Channel '${ch.name}' sent to invalid extension: context,exten,priority=${ch.context},${ch.exten},${ch.priority}`,
        );
      } else fellOff = true;
      break;
    }
    const before = { context: ch.context, exten: ch.exten, priority: ch.priority };
    const res = await execApp(pbx, ch, found.priority.app, found.priority.appData);
    if (ch.dead) return;
    if (ch.softHangupFlags === SoftHangup.TIMEOUT && pbx.dialplan.exists(ch.context, 'T', 1)) continue;
    if (res === -1) break;
    if (ch.pendingGoto) continue;
    if (ch.softHangupFlags & ~SoftHangup.ASYNCGOTO) break;
    const moved =
      res === 'jump' ||
      before.context !== ch.context ||
      before.exten !== ch.exten ||
      before.priority !== ch.priority;
    if (!moved) ch.priority++;
  }
  if (ch.dead) return;
  if (fellOff && ch.hangupCause === 0) ch.hangupCause = Cause.NORMAL_CLEARING;
  ch.inPbx = false;
  pbx.softHangup(ch, SoftHangup.APPUNLOAD);
  await runHangupExten(pbx, ch);
  pbx.hangupNow(ch);
}

/** The `h` extension runs after the call, with the channel already marked as hung up. */
async function runHangupExten(pbx: Pbx, ch: Channel): Promise<void> {
  if (!pbx.dialplan.exists(ch.context, 'h', 1, ch.callerIdNum)) return;
  pbx.setLocation(ch, ch.context, 'h', 1);
  ch.softHangupFlags |= SoftHangup.HANGUP_EXEC;
  for (let guard = 0; guard < 1000 && !ch.dead; guard++) {
    const found = pbx.dialplan.find(ch.context, 'h', ch.priority, ch.callerIdNum);
    if (!found) return;
    const res = await execApp(pbx, ch, found.priority.app, found.priority.appData);
    if (res === -1) return;
    ch.priority++;
  }
}

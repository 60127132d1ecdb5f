/**
 * pbx_config's manager actions, DialplanExtensionAdd and DialplanExtensionRemove
 * (pbx/pbx_config.c, manager_dialplan_extension_add/remove): texts and checks of Asterisk 20.20.1.
 */
import type { ActionContext } from '../../manager/context.js';
import { astTrue } from '../../config/cstr.js';
import type { Pbx } from '../../pbx/pbx.js';
import { scanInt } from './util.js';

/** pbx_config's registrar: the contexts it creates are listed with it. */
const REGISTRAR = 'pbx_config';

/** `exten/cid` → the extension and its caller-ID match (strsep on the first '/'). */
function splitCid(extension: string): { exten: string; cid: string | undefined } {
  const i = extension.indexOf('/');
  return i < 0
    ? { exten: extension, cid: undefined }
    : { exten: extension.slice(0, i), cid: extension.slice(i + 1) };
}

export function actionDialplanExtensionAdd(pbx: Pbx, ctx: ActionContext): void {
  const context = ctx.get('Context');
  const extension = ctx.get('Extension');
  const priority = ctx.get('Priority');
  const application = ctx.get('Application');
  if (!context || !extension || !priority || !application) {
    return ctx.error(
      'Context, Extension, Priority, and Application must be defined for DialplanExtensionAdd.',
    );
  }
  let prio: number | 'hint';
  if (priority === 'hint') prio = 'hint';
  else {
    const n = scanInt(priority);
    if (n === undefined || n < 0) return ctx.error('The priority specified was invalid.');
    prio = n;
  }
  const { exten, cid } = splitCid(extension);
  const r = pbx.dialplan.addExtension({
    context,
    exten,
    cid: cid ?? '',
    priority: prio,
    app: application,
    appData: ctx.get('ApplicationData'),
    replace: astTrue(ctx.get('Replace')),
    registrar: REGISTRAR,
  });
  if (r === 'exists') return ctx.error('That extension and priority already exist at that context');
  ctx.ack('Added requested extension');
}

export function actionDialplanExtensionRemove(pbx: Pbx, ctx: ActionContext): void {
  const context = ctx.get('Context');
  const extension = ctx.get('Extension');
  const priority = ctx.get('Priority');
  if (!context || !extension) {
    return ctx.error('Context and Extension must be provided for DialplanExtensionRemove');
  }
  const { exten, cid } = splitCid(extension);
  let prio: number | 'hint' = 0;
  if (priority === 'hint') prio = 'hint';
  else if (priority) {
    const n = scanInt(priority);
    if (n === undefined || n <= 0) return ctx.error('The priority specified was invalid.');
    prio = n;
  }
  // Without a caller-ID part pbx_config passes matchcallerid 0: every caller-ID variant matches.
  if (!pbx.dialplan.removeExtension(context, exten, prio, cid || undefined)) {
    return ctx.error('Failed to remove requested extension');
  }
  ctx.ack(
    prio === 0 ? 'Removed the requested extension' : 'Removed the requested priority from the extension',
  );
}

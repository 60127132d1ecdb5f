/**
 * Dialplan, state and astdb actions: ShowDialPlan (main/pbx.c), ExtensionState (main/manager.c),
 * ExtensionStateList (main/pbx.c), DeviceStateList (res/res_manager_devicestate.c) and the DB*
 * actions (main/db.c), with Asterisk 20.20.1's texts and list framing.
 */
import type { ActionContext } from '../../manager/context.js';
import type { Context, Extension } from '../../pbx/dialplan.js';
import { extenMatches } from '../../pbx/extpattern.js';
import type { Pbx } from '../../pbx/pbx.js';

// ---- dialplan walking shared with `dialplan show` -------------------------------------------

/**
 * Contexts in Asterisk's walk order: ast_context_find_or_create() prepends each new context to
 * the list, so the last one defined comes first.
 */
export function walkContexts(pbx: Pbx): Context[] {
  return [...pbx.dialplan.contexts.values()].reverse();
}

/** Priorities of an extension in walk order: the hint (priority -1) first, then ascending. */
export function walkPriorities(e: Extension): Array<{
  priority: number | 'hint';
  label: string;
  app: string;
  appData: string;
  file: string;
  line: number;
}> {
  const out: Array<{
    priority: number | 'hint';
    label: string;
    app: string;
    appData: string;
    file: string;
    line: number;
  }> = [];
  if (e.hint !== undefined)
    out.push({ priority: 'hint', label: '', app: e.hint, appData: '', file: '', line: 0 });
  for (const p of [...e.priorities.values()].sort((a, b) => a.priority - b.priority)) out.push({ ...p });
  return out;
}

interface DpCounters {
  totalItems: number;
  totalContext: number;
  totalExten: number;
  totalPrio: number;
  contextExistence: boolean;
  extensionExistence: boolean;
}

function showDialplanHelper(
  pbx: Pbx,
  ctx: ActionContext,
  context: string | undefined,
  exten: string | undefined,
  dpc: DpCounters,
  includes: string[],
): void {
  const ack = (): void => {
    if (!dpc.totalItems++) ctx.listStart('DialPlan list will follow');
  };
  const id = ctx.idLine();
  for (const c of walkContexts(pbx)) {
    if (context && c.name !== context) continue;
    dpc.contextExistence = true;
    dpc.totalContext++;
    for (const e of c.extensions) {
      if (exten && !extenMatches(e.name, exten)) continue;
      dpc.extensionExistence = true;
      dpc.totalExten++;
      for (const p of walkPriorities(e)) {
        dpc.totalPrio++;
        ack();
        let s = `Event: ListDialplan\r\n${id}Context: ${c.name}\r\nExtension: ${e.name}\r\n`;
        if (p.label) s += `ExtensionLabel: ${p.label}\r\n`;
        if (p.priority === 'hint') s += `Priority: hint\r\nApplication: ${p.app}\r\n`;
        else s += `Priority: ${p.priority}\r\nApplication: ${p.app}\r\nAppData: ${p.appData}\r\n`;
        s += `Registrar: ${c.registrar}\r\n\r\n`;
        ctx.append(s);
      }
    }
    for (const inc of c.includes) {
      if (exten) {
        if (includes.some((x) => x.toLowerCase() === inc.toLowerCase())) continue;
        showDialplanHelper(pbx, ctx, inc, exten, dpc, [...includes, inc]);
      } else {
        ack();
        ctx.append(
          `Event: ListDialplan\r\n${id}Context: ${c.name}\r\nIncludeContext: ${inc}\r\nRegistrar: ${c.registrar}\r\n\r\n`,
        );
      }
    }
    for (const ip of c.ignorePats) {
      if (!exten || extenMatches(`_${ip}.`, exten)) {
        ack();
        ctx.append(
          `Event: ListDialplan\r\n${id}Context: ${c.name}\r\nIgnorePattern: ${ip}\r\nRegistrar: ${c.registrar}\r\n\r\n`,
        );
      }
    }
  }
}

export function actionShowDialPlan(pbx: Pbx, ctx: ActionContext): void {
  const exten = ctx.get('Extension');
  const context = ctx.get('Context');
  const dpc: DpCounters = {
    totalItems: 0,
    totalContext: 0,
    totalExten: 0,
    totalPrio: 0,
    contextExistence: false,
    extensionExistence: false,
  };
  showDialplanHelper(pbx, ctx, context || undefined, exten || undefined, dpc, []);
  if (context && !dpc.contextExistence) return ctx.error(`Did not find context ${context}`);
  if (exten && !dpc.extensionExistence) {
    return ctx.error(
      context
        ? `Did not find extension ${exten}@${context}`
        : `Did not find extension ${exten} in any context`,
    );
  }
  if (!dpc.totalItems) ctx.listStart('DialPlan list will follow');
  ctx.listComplete('ShowDialPlanComplete', dpc.totalItems, [
    ['ListExtensions', String(dpc.totalExten)],
    ['ListPriorities', String(dpc.totalPrio)],
    ['ListContexts', String(dpc.totalContext)],
  ]);
}

// ---- extension and device state -------------------------------------------------------------

export function actionExtensionState(pbx: Pbx, ctx: ActionContext): void {
  const exten = ctx.get('Exten');
  const context = ctx.get('Context') || 'default';
  if (!exten) return ctx.error('Extension not specified');
  const st = pbx.extensionState(context, exten);
  ctx.success([
    ['Message', 'Extension Status'],
    ['Exten', exten],
    ['Context', context],
    ['Hint', st.hint],
    ['Status', String(st.status)],
    ['StatusText', st.statusText],
  ]);
}

export function actionExtensionStateList(pbx: Pbx, ctx: ActionContext): void {
  ctx.listStart('Extension Statuses will follow');
  let n = 0;
  // Each hint's laststate, not a fresh computation (action_extensionstatelist).
  for (const h of pbx.hintStates()) {
    ctx.listItem('ExtensionStatus', [
      ['Exten', h.exten],
      ['Context', h.context],
      ['Hint', h.hint],
      ['Status', String(h.status)],
      ['StatusText', h.statusText],
    ]);
    n++;
  }
  ctx.listComplete('ExtensionStateListComplete', n);
}

export function actionDeviceStateList(pbx: Pbx, ctx: ActionContext): void {
  ctx.listStart('Device State Changes will follow');
  let n = 0;
  for (const d of pbx.deviceStates()) {
    ctx.listItem('DeviceStateChange', [
      ['Device', d.device],
      ['State', d.state],
    ]);
    n++;
  }
  ctx.listComplete('DeviceStateListComplete', n);
}

// ---- astdb ----------------------------------------------------------------------------------

export function actionDbPut(pbx: Pbx, ctx: ActionContext): void {
  const family = ctx.get('Family');
  const key = ctx.get('Key');
  if (!family) return ctx.error('No family specified');
  if (!key) return ctx.error('No key specified');
  try {
    if (!pbx.astdb.put(family, key, ctx.get('Val'))) return ctx.error('Failed to update entry');
  } catch {
    return ctx.error('Failed to update entry');
  }
  ctx.ack('Updated database successfully');
}

export function actionDbGet(pbx: Pbx, ctx: ActionContext): void {
  const family = ctx.get('Family');
  const key = ctx.get('Key');
  if (!family) return ctx.error('No family specified.');
  if (!key) return ctx.error('No key specified.');
  const v = pbx.astdb.get(family, key);
  if (v === undefined) return ctx.error('Database entry not found');
  ctx.listStart('Result will follow');
  ctx.append(`Event: DBGetResponse\r\nFamily: ${family}\r\nKey: ${key}\r\nVal: ${v}\r\n${ctx.idLine()}\r\n`);
  ctx.listComplete('DBGetComplete', 1);
}

export function actionDbGetTree(pbx: Pbx, ctx: ActionContext): void {
  const family = ctx.get('Family');
  const key = ctx.get('Key');
  const rows = pbx.astdb.gettree(family, key);
  ctx.listStart('Result will follow');
  let out = '';
  for (const r of rows)
    out += `Event: DBGetTreeResponse\r\nKey: ${r.key}\r\nVal: ${r.value}\r\n${ctx.idLine()}\r\n`;
  ctx.append(out);
  ctx.listComplete('DBGetTreeComplete', rows.length);
}

export function actionDbDel(pbx: Pbx, ctx: ActionContext): void {
  const family = ctx.get('Family');
  const key = ctx.get('Key');
  if (!family) return ctx.error('No family specified.');
  if (!key) return ctx.error('No key specified.');
  if (pbx.astdb.del(family, key)) ctx.ack('Key deleted successfully');
  else ctx.error('Database entry could not be deleted');
}

export function actionDbDelTree(pbx: Pbx, ctx: ActionContext): void {
  const family = ctx.get('Family');
  const key = ctx.get('Key');
  if (!family) return ctx.error('No family specified.');
  const n = pbx.astdb.deltree(family, key || '');
  if (n < 0) ctx.error('Database unavailable');
  else if (n === 0) ctx.error('Database entry not found');
  else ctx.ack('Key tree deleted successfully');
}

/**
 * The dialplan: contexts of extensions with numbered priorities, loaded from extensions.conf
 * (already parsed into a ConfDocument by src/config). Matching honours patterns, caller-ID
 * restrictions (`exten => 100/5551234,...`) and `include =>` in order, as pbx.c does.
 */
import type { ConfDocument, ConfEntry } from '../config/types.js';
import { compareExtensions, extenMatches, extenCanMatch } from './extpattern.js';

export interface Priority {
  priority: number;
  label: string;
  app: string;
  appData: string;
  file: string;
  line: number;
}

export interface Extension {
  /** As written, e.g. `200` or `_2XX`. */
  name: string;
  /** Caller ID restriction (`exten => 100/555,...`), '' when none. */
  cid: string;
  priorities: Map<number, Priority>;
  /** `exten => 100,hint,SIP/test-201&SIP/test-202`. */
  hint: string | undefined;
}

export interface Context {
  name: string;
  /** Registrar (file) the context came from, 'pbx_config' as Asterisk shows. */
  registrar: string;
  extensions: Extension[];
  includes: string[];
  ignorePats: string[];
}

export interface DialplanWarning {
  file: string;
  line: number;
  message: string;
}

export interface ResolvedPriority {
  context: string;
  extension: Extension;
  priority: Priority;
}

export class Dialplan {
  readonly contexts = new Map<string, Context>();
  readonly globals = new Map<string, string>();
  readonly warnings: DialplanWarning[] = [];
  /** extensions.conf [general] settings (static, writeprotect, clearglobalvars, autofallthrough...). */
  readonly general = new Map<string, string>();

  /** Takes over another dialplan's contents (dialplan reload keeps this object shared). */
  replaceWith(other: Dialplan): void {
    this.contexts.clear();
    for (const [k, v] of other.contexts) this.contexts.set(k, v);
    this.globals.clear();
    for (const [k, v] of other.globals) this.globals.set(k, v);
    this.general.clear();
    for (const [k, v] of other.general) this.general.set(k, v);
    this.warnings.length = 0;
    this.warnings.push(...other.warnings);
  }

  context(name: string): Context | undefined {
    return this.contexts.get(name);
  }

  ensureContext(name: string, registrar = 'pbx_config'): Context {
    let c = this.contexts.get(name);
    if (!c) {
      c = { name, registrar, extensions: [], includes: [], ignorePats: [] };
      this.contexts.set(name, c);
    }
    return c;
  }

  /** Adds one priority (dialplan add extension / tests). */
  add(context: string, exten: string, priority: number, app: string, appData = '', label = ''): void {
    const ctx = this.ensureContext(context);
    const [name, cid = ''] = exten.split('/');
    const ext = getOrAddExtension(ctx, name, cid);
    ext.priorities.set(priority, { priority, label, app, appData, file: '', line: 0 });
  }

  /**
   * Finds the extension that handles `exten` in `context` (following includes), the way
   * pbx_find_extension orders candidates: own extensions first, sorted by ext_cmp, then includes.
   */
  findExtension(
    context: string,
    exten: string,
    callerId = '',
    seen = new Set<string>(),
  ): { context: string; extension: Extension } | undefined {
    if (seen.has(context)) return undefined;
    seen.add(context);
    const ctx = this.contexts.get(context);
    if (!ctx) return undefined;
    for (const e of ctx.extensions) {
      if (!extenMatches(e.name, exten)) continue;
      if (e.cid && !extenMatches(e.cid, callerId)) continue;
      if (e.priorities.size === 0 && !e.hint) continue;
      return { context: ctx.name, extension: e };
    }
    for (const inc of ctx.includes) {
      const r = this.findExtension(inc, exten, callerId, seen);
      if (r) return r;
    }
    return undefined;
  }

  /** The priority to execute (ast_exists_extension + lookup). */
  find(context: string, exten: string, priority: number, callerId = ''): ResolvedPriority | undefined {
    // Several extension entries can share a name with different priorities (different cid
    // restrictions or includes), so look in the best match first, then in later ones.
    const found = this.findExtension(context, exten, callerId);
    const p = found?.extension.priorities.get(priority);
    if (found && p) return { context: found.context, extension: found.extension, priority: p };
    return undefined;
  }

  exists(context: string, exten: string, priority = 1, callerId = ''): boolean {
    return this.find(context, exten, priority, callerId) !== undefined;
  }

  canMatch(context: string, exten: string): boolean {
    const ctx = this.contexts.get(context);
    if (!ctx) return false;
    return (
      ctx.extensions.some((e) => extenCanMatch(e.name, exten)) ||
      ctx.includes.some((i) => i !== context && this.canMatch(i, exten))
    );
  }

  /**
   * ast_add_extension2() as DialplanExtensionAdd calls it: the context is created when missing
   * (new contexts go to the head of the walk, see walkContexts); priority `'hint'` sets the hint.
   * Without `replace`, an existing priority is refused (EEXIST).
   */
  addExtension(opts: {
    context: string;
    exten: string;
    cid: string;
    priority: number | 'hint';
    app: string;
    appData: string;
    replace: boolean;
    registrar: string;
  }): 'added' | 'exists' {
    const ctx = this.ensureContext(opts.context, opts.registrar);
    const existing = ctx.extensions.find((e) => e.name === opts.exten && e.cid === opts.cid);
    if (opts.priority === 'hint') {
      if (existing?.hint !== undefined && !opts.replace) return 'exists';
      getOrAddExtension(ctx, opts.exten, opts.cid).hint = opts.app;
      return 'added';
    }
    if (existing?.priorities.has(opts.priority) && !opts.replace) return 'exists';
    getOrAddExtension(ctx, opts.exten, opts.cid).priorities.set(opts.priority, {
      priority: opts.priority,
      label: '',
      app: opts.app,
      appData: opts.appData,
      file: '',
      line: 0,
    });
    return 'added';
  }

  /**
   * ast_context_remove_extension_callerid(): priority 0 removes the whole extension, a number or
   * `'hint'` that priority only; `cid` undefined matches any caller-ID restriction. An extension
   * left with nothing is removed. False when nothing matched.
   */
  removeExtension(context: string, exten: string, priority: number | 'hint', cid?: string): boolean {
    const ctx = this.contexts.get(context);
    if (!ctx) return false;
    let removed = false;
    for (const e of [...ctx.extensions]) {
      if (e.name !== exten || (cid !== undefined && e.cid !== cid)) continue;
      if (priority === 0) {
        e.priorities.clear();
        e.hint = undefined;
        removed = true;
      } else if (priority === 'hint') {
        removed ||= e.hint !== undefined;
        e.hint = undefined;
      } else removed = e.priorities.delete(priority) || removed;
      if (e.priorities.size === 0 && e.hint === undefined)
        ctx.extensions.splice(ctx.extensions.indexOf(e), 1);
    }
    return removed;
  }

  /** Priority number of a label in an extension (Goto(label)), undefined when absent. */
  findLabel(context: string, exten: string, label: string, callerId = ''): number | undefined {
    const found = this.findExtension(context, exten, callerId);
    for (const p of found?.extension.priorities.values() ?? []) if (p.label === label) return p.priority;
    return undefined;
  }

  /** The hint of an extension (`exten => 201,hint,SIP/test-201`). */
  hint(context: string, exten: string): string | undefined {
    const ctx = this.contexts.get(context);
    return ctx?.extensions.find((e) => e.name === exten && e.hint !== undefined)?.hint;
  }

  /** Every hint: for ExtensionStateList and extension state tracking. */
  hints(): Array<{ context: string; exten: string; hint: string }> {
    const out: Array<{ context: string; exten: string; hint: string }> = [];
    for (const ctx of this.contexts.values())
      for (const e of ctx.extensions)
        if (e.hint !== undefined) out.push({ context: ctx.name, exten: e.name, hint: e.hint });
    return out;
  }
}

/**
 * The context func_periodic_hook registers when it loads (its beep and ChanSpy hook), present
 * in every Asterisk 20 that has the module; dialplan reloads keep it, as they keep every context
 * another registrar owns.
 */
export function addPeriodicHookContext(dp: Dialplan): void {
  const name = '__func_periodic_hook_context__';
  dp.contexts.delete(name);
  const add = (exten: string, priority: number, app: string, appData: string): void => {
    dp.addExtension({
      context: name,
      exten,
      cid: '',
      priority,
      app,
      appData,
      replace: true,
      registrar: 'func_periodic_hook',
    });
  };
  add('beep', 1, 'Answer', '');
  add('beep', 2, 'Playback', 'beep');
  add('beep', 3, 'Hangup', '');
  add('hook', 1, 'Set', 'EncodedChannel=${HOOK_CHANNEL}');
  add('hook', 2, 'Set', 'GROUP_NAME=${EncodedChannel}${HOOK_ID}');
  add('hook', 3, 'Set', 'GROUP(periodic-hook)=${GROUP_NAME}');
  add('hook', 4, 'ExecIf', '$[${GROUP_COUNT(${GROUP_NAME}@periodic-hook)} > 1]?Hangup()');
  add('hook', 5, 'Set', 'ChannelToSpy=${URIDECODE(${EncodedChannel})}');
  add('hook', 6, 'ChanSpy', '${ChannelToSpy},qEB');
}

function getOrAddExtension(ctx: Context, name: string, cid: string): Extension {
  let ext = ctx.extensions.find((e) => e.name === name && e.cid === cid);
  if (!ext) {
    ext = { name, cid, priorities: new Map(), hint: undefined };
    ctx.extensions.push(ext);
    ctx.extensions.sort((a, b) => compareExtensions(a.name, b.name) || (a.cid ? -1 : 0) - (b.cid ? -1 : 0));
  }
  return ext;
}

/** Splits `App(args)` / `App,args` (old syntax) as pbx_config does. */
export function splitApp(s: string): { app: string; data: string } {
  const t = s.trim();
  const paren = t.indexOf('(');
  const comma = t.indexOf(',');
  if (paren >= 0 && (comma < 0 || paren < comma)) {
    const app = t.slice(0, paren).trim();
    let data = t.slice(paren + 1);
    if (data.endsWith(')')) data = data.slice(0, -1);
    return { app, data };
  }
  if (comma >= 0) return { app: t.slice(0, comma).trim(), data: t.slice(comma + 1) };
  return { app: t, data: '' };
}

/** Splits at top-level commas (not inside parentheses, brackets or quotes). */
function splitTopCommas(s: string, max: number): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[') depth++;
    else if ((c === ')' || c === ']') && depth > 0) depth--;
    if (c === ',' && depth === 0 && out.length < max - 1) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Builds the dialplan from a parsed extensions.conf. */
export function loadDialplan(doc: ConfDocument): Dialplan {
  const dp = new Dialplan();
  for (const section of doc.sections) {
    const lname = section.name.toLowerCase();
    if (lname === 'general') {
      for (const e of section.entries) dp.general.set(e.key.toLowerCase(), e.value);
      continue;
    }
    if (lname === 'globals') {
      for (const e of section.entries) dp.globals.set(e.key, e.value);
      continue;
    }
    const ctx = dp.ensureContext(section.name);
    let last: { ext: Extension; priority: number } | undefined;
    for (const entry of section.entries) {
      const key = entry.key.toLowerCase();
      if (key === 'include') ctx.includes.push(entry.value.trim().split('|')[0].trim());
      else if (key === 'ignorepat') ctx.ignorePats.push(entry.value.trim());
      else if (key === 'exten' || key === 'same') last = addEntry(dp, ctx, entry, key === 'same', last);
      else if (key !== 'switch' && key !== 'lswitch' && key !== 'eswitch')
        dp.warnings.push({ file: entry.file, line: entry.line, message: `Unknown directive '${entry.key}'` });
    }
  }
  return dp;
}

function addEntry(
  dp: Dialplan,
  ctx: Context,
  entry: ConfEntry,
  same: boolean,
  last: { ext: Extension; priority: number } | undefined,
): { ext: Extension; priority: number } | undefined {
  const warn = (message: string): undefined => {
    dp.warnings.push({ file: entry.file, line: entry.line, message });
    return undefined;
  };
  const parts = splitTopCommas(entry.value, same ? 2 : 3);
  let ext: Extension;
  let prioSpec: string;
  let appSpec: string;
  if (same) {
    if (!last) return warn("Can't use 'same' unless a previous extension was defined");
    ext = last.ext;
    [prioSpec, appSpec = ''] = parts;
  } else {
    if (parts.length < 3 && !/hint/i.test(parts[1] ?? ''))
      return warn(`Invalid extension line '${entry.value}'`);
    const [rawName, cid = ''] = parts[0].trim().split('/');
    ext = getOrAddExtension(ctx, rawName.trim(), cid.trim());
    prioSpec = parts[1];
    appSpec = parts[2] ?? '';
  }
  prioSpec = prioSpec.trim();
  if (prioSpec.toLowerCase() === 'hint') {
    ext.hint = appSpec.trim();
    return { ext, priority: last?.ext === ext ? last.priority : 0 };
  }
  let label = '';
  const lm = /^([^(]*)\(([^)]*)\)$/.exec(prioSpec);
  if (lm) {
    prioSpec = lm[1].trim();
    label = lm[2].trim();
  }
  const prev = last && last.ext === ext ? last.priority : 0;
  let priority: number;
  if (prioSpec === 'n') priority = prev + 1;
  else if (/^n\+\d+$/.test(prioSpec)) priority = prev + Number(prioSpec.slice(2));
  else if (prioSpec === 's') priority = prev;
  else if (/^\d+$/.test(prioSpec)) priority = Number(prioSpec);
  else return warn(`Invalid priority '${prioSpec}'`);
  if (priority < 1) return warn(`Invalid priority '${prioSpec}'`);
  const { app, data } = splitApp(appSpec);
  ext.priorities.set(priority, { priority, label, app, appData: data, file: entry.file, line: entry.line });
  return { ext, priority };
}

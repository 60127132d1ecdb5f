/**
 * Assorted manager actions of main/manager.c that need no telephony: the configuration readers
 * (GetConfig, GetConfigJSON, ListCategories), ModuleCheck / ModuleLoad, LoggerRotate, and the
 * voicemail counters (MailboxCount / MailboxStatus), answered as Asterisk does without app_voicemail.
 *
 * Configuration files are read from the server's configuration directory only: a Filename that
 * resolves (symlinks included) outside of it is refused, and #include stays confined to it.
 */
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ActionContext } from '../../manager/context.js';
import type { ActionHandler, ActionSpec } from '../../manager/action.js';
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import { parseConfFile } from '../../config/conf-parser.js';
import { isWithin } from '../../config/conf-include.js';
import { ConfSyntaxError, type ConfDocument, type ConfSection } from '../../config/types.js';
import { PatternError, tryCompilePattern } from '../../pattern/index.js';

export interface MiscModuleOptions {
  /** The configuration directory GetConfig & co. read from. */
  configDir: string;
}

/** Parts of Asterisk that are not loadable modules but answer ModuleCheck in amikit. */
const BUILTIN_MODULES = ['manager'];

type LoadResult = { ok: true; doc: ConfDocument } | { ok: false; error: 'missing' | 'invalid' };

/**
 * is_restricted_file() + ast_config_load2(): resolves `fn` against the configuration directory.
 * Anything that does not resolve to an existing regular file inside it is "missing".
 */
function loadConfig(configDir: string, fn: string): LoadResult {
  let dirReal: string;
  let real: string;
  try {
    dirReal = realpathSync(configDir);
    real = realpathSync(isAbsolute(fn) ? fn : resolve(configDir, fn));
  } catch {
    return { ok: false, error: 'missing' };
  }
  if (!isWithin(dirReal, real) || real === dirReal) return { ok: false, error: 'missing' };
  try {
    if (!statSync(real).isFile()) return { ok: false, error: 'missing' };
  } catch {
    return { ok: false, error: 'missing' };
  }
  try {
    return { ok: true, doc: parseConfFile(real, { baseDir: dirReal }) };
  } catch (e) {
    if (e instanceof ConfSyntaxError && e.message.includes('cannot read file')) {
      return { ok: false, error: 'missing' };
    }
    return { ok: false, error: 'invalid' };
  }
}

/** Every category in file order, templates included (Asterisk keeps them in one list). */
function allCategories(doc: ConfDocument): ConfSection[] {
  const out = [...doc.sections];
  const seen = new Set<ConfSection>(out);
  for (const t of doc.templates.values()) {
    if (seen.has(t)) continue;
    const at = out.findIndex((s) => s.file === t.file && s.line > t.line);
    if (at < 0) out.push(t);
    else out.splice(at, 0, t);
  }
  return out;
}

/** ast_strsep(..., AST_STRSEP_STRIP): split on the first `sep`, blanks trimmed. */
function strsep(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  if (i < 0) return [s.trim(), undefined];
  return [s.slice(0, i).trim(), s.slice(i + 1)];
}

/**
 * does_category_match() of main/config.c. `onError` gets the line Asterisk logs at ERROR level when a
 * pattern does not compile (then nothing matches).
 */
export function categoryMatches(
  cat: ConfSection,
  name: string,
  filter: string,
  onError: (message: string) => void = () => {},
): boolean {
  if (name && cat.name.toLowerCase() !== name.toLowerCase()) return false;
  if (!filter) return !cat.isTemplate;
  let found = 0;
  let expressions = 0;
  let templateOk = false;
  for (const nvp of filter.split(',')) {
    expressions++;
    const [matchName, rest] = strsep(nvp, '=');
    if (rest === undefined) break;
    const matchValue = strsep(rest, '=')[0];
    if (matchName === 'TEMPLATES') {
      const v = matchValue.toLowerCase();
      if (v === 'include') {
        if (cat.isTemplate) templateOk = true;
        found++;
      } else if (v === 'restrict') {
        if (!cat.isTemplate) break;
        found++;
        templateOk = true;
      }
      continue;
    }
    const rn = tryCompilePattern(matchName);
    if (rn instanceof PatternError) {
      onError(`Regular expression '${matchName}' failed to compile: ${rn.message}`);
      return false;
    }
    const rv = tryCompilePattern(matchValue);
    if (rv instanceof PatternError) {
      onError(`Regular expression '${matchValue}' failed to compile: ${rv.message}`);
      return false;
    }
    // Names and values come from the file: one past what a pattern may scan is matched on its head.
    if (cat.entries.some((e) => rn.testHead(e.key) && rv.testHead(e.value))) found++;
  }
  return found === expressions && (!cat.isTemplate || templateOk);
}

const pad6 = (n: number): string => String(n).padStart(6, '0');

/** json_escape(): only backslash and double quote are escaped. */
const jsonEscape = (s: string): string => s.replace(/[\\"]/g, (c) => '\\' + c);

/** Asterisk logs a bad Filter once per category; once per request says the same without the flood. */
function logOnce(ctx: ActionContext): (message: string) => void {
  let done = false;
  return (message) => {
    if (!done) ctx.manager.log.error(message);
    done = true;
  };
}

function fileError(ctx: ActionContext, error: 'missing' | 'invalid'): void {
  ctx.error(error === 'missing' ? 'Config file not found' : 'Config file has invalid format');
}

function getConfig(configDir: string): ActionHandler {
  return (ctx) => {
    const fn = ctx.get('Filename');
    const category = ctx.get('Category');
    const filter = ctx.get('Filter');
    if (!fn) return ctx.error('Filename not specified');
    const r = loadConfig(configDir, fn);
    if (!r.ok) return fileError(ctx, r.error);
    let out = 'Response: Success\r\n' + ctx.idLine();
    let catcount = 0;
    const onError = logOnce(ctx);
    for (const cat of allCategories(r.doc)) {
      if (!categoryMatches(cat, category, filter, onError)) continue;
      const c = pad6(catcount);
      out += `Category-${c}: ${cat.name}\r\n`;
      if (cat.isTemplate) out += `IsTemplate-${c}: 1\r\n`;
      if (cat.templates.length > 0) out += `Templates-${c}: ${cat.templates.join(',')}\r\n`;
      cat.entries.forEach((e, lineno) => {
        out += `Line-${c}-${pad6(lineno)}: ${e.key}=${e.value}\r\n`;
      });
      catcount++;
    }
    if (category && catcount === 0) out += 'No categories found\r\n';
    ctx.append(out + '\r\n');
  };
}

function getConfigJson(configDir: string): ActionHandler {
  return (ctx) => {
    const fn = ctx.get('Filename');
    const filter = ctx.get('Filter');
    const category = ctx.get('Category');
    if (!fn) return ctx.error('Filename not specified');
    const r = loadConfig(configDir, fn);
    // Asterisk tests is_restricted_file() for truth here, so a missing file (-1) is "restricted" too.
    if (!r.ok && r.error === 'missing') return ctx.error('File requires escalated privileges');
    if (!r.ok) return fileError(ctx, r.error);
    let out = 'Response: Success\r\n' + ctx.idLine() + 'JSON: {';
    let comma1 = false;
    const onError = logOnce(ctx);
    for (const cat of allCategories(r.doc)) {
      if (!categoryMatches(cat, category, filter, onError)) continue;
      out += (comma1 ? ',' : '') + '"' + jsonEscape(cat.name) + '":{';
      comma1 = true;
      let comma2 = false;
      if (cat.isTemplate) {
        out += '"istemplate":1';
        comma2 = true;
      }
      if (cat.templates.length > 0) {
        out += (comma2 ? ',' : '') + `"templates":"${cat.templates.join(',')}"`;
        comma2 = true;
      }
      for (const e of cat.entries) {
        out += (comma2 ? ',' : '') + '"' + jsonEscape(e.key) + '":"' + jsonEscape(e.value) + '"';
        comma2 = true;
      }
      out += '}';
    }
    ctx.append(out + '}\r\n\r\n');
  };
}

function listCategories(configDir: string): ActionHandler {
  return (ctx) => {
    const fn = ctx.get('Filename');
    const match = ctx.get('Match');
    if (!fn) return ctx.error('Filename not specified');
    const r = loadConfig(configDir, fn);
    if (!r.ok) return fileError(ctx, r.error);
    let out = 'Response: Success\r\n' + ctx.idLine();
    let catcount = 0;
    const onError = logOnce(ctx);
    for (const cat of allCategories(r.doc)) {
      if (!categoryMatches(cat, '', match, onError)) continue;
      out += `Category-${pad6(catcount)}: ${cat.name}\r\n`;
      catcount++;
    }
    if (catcount === 0) out += 'Error: no categories found\r\n';
    ctx.append(out + '\r\n');
  };
}

/** resource_name_match(): names compare without a trailing `.so`, case-insensitively. */
function moduleKey(name: string): string {
  return name.trim().toLowerCase().replace(/\.so$/, '');
}

/** Loadable modules (files in the "modules directory"): whatever registered actions, bar builtins. */
function loadedModules(m: Manager): Set<string> {
  const out = new Set<string>();
  for (const def of m.registry.list()) {
    if (def.module === undefined) continue;
    const key = moduleKey(def.module);
    if (key === 'core') out.add('pbx_config');
    else if (!BUILTIN_MODULES.includes(key)) out.add(key);
  }
  return out;
}

function moduleCheck(ctx: ActionContext): void {
  const key = moduleKey(ctx.get('Module'));
  if (!key || !(BUILTIN_MODULES.includes(key) || loadedModules(ctx.manager).has(key))) {
    return ctx.error('Module not loaded');
  }
  // Asterisk lost the file version with the move to git but kept the (empty) header.
  ctx.success([['Version', '']]);
}

/** file_in_modules_dir(): a module "file" exists when it is a loaded module named with `.so`. */
function moduleFileExists(m: Manager, module: string): boolean {
  const name = module.trim();
  if (name === '') return true; // the modules directory itself
  if (!/\.so$/i.test(name) || /[/\\]/.test(name)) return false;
  return loadedModules(m).has(moduleKey(name));
}

async function moduleLoad(ctx: ActionContext): Promise<void> {
  const module = ctx.get('Module');
  const loadtype = ctx.get('LoadType').toLowerCase();
  // Asterisk answers these two without returning, so more responses follow (kept for fidelity).
  if (!loadtype) ctx.error('Incomplete ModuleLoad action.');
  if (!module && loadtype !== 'reload') ctx.error('Need module name');
  if (!moduleFileExists(ctx.manager, module)) return ctx.error('Module not found.');
  switch (loadtype) {
    case 'load':
      // Every module amikit has is already running: ast_load_resource() declines.
      return ctx.error('Could not load module.');
    case 'unload':
      return ctx.error('Could not unload module.');
    case 'refresh':
      return ctx.error('Could not refresh module.');
    case 'reload': {
      if (!module) {
        await ctx.manager.reloadModule();
        return ctx.ack('All modules reloaded');
      }
      const res = await ctx.manager.reloadModule(module.trim());
      if (res === 'ok') return ctx.ack('Module reloaded.');
      if (res === 'error') return ctx.error('An unknown error occurred');
      return ctx.error(
        loadedModules(ctx.manager).has(moduleKey(module))
          ? 'Module does not support reload action.'
          : 'No such module.',
      );
    }
    default:
      return ctx.error('Incomplete ModuleLoad action.');
  }
}

function loggerRotate(ctx: ActionContext): void {
  ctx.ack('Reloaded the logger and rotated log files');
}

function mailboxStatus(ctx: ActionContext): void {
  const mailbox = ctx.get('Mailbox');
  if (!mailbox) return ctx.error('Mailbox not specified');
  ctx.success([
    ['Message', 'Mailbox Status'],
    ['Mailbox', mailbox],
    ['Waiting', '0'],
  ]);
}

function mailboxCount(ctx: ActionContext): void {
  const mailbox = ctx.get('Mailbox');
  if (!mailbox) return ctx.error('Mailbox not specified');
  ctx.success([
    ['Message', 'Mailbox Message Count'],
    ['Mailbox', mailbox],
    ['UrgMessages', '0'],
    ['NewMessages', '0'],
    ['OldMessages', '0'],
  ]);
}

export function createMiscModule(opts: MiscModuleOptions): AmiModule {
  // main/manager.c's registrations, with the privileges it passes.
  const actions: ActionSpec[] = [
    { name: 'GetConfig', privilege: ['system', 'config'], handler: getConfig(opts.configDir) },
    { name: 'GetConfigJSON', privilege: ['system', 'config'], handler: getConfigJson(opts.configDir) },
    { name: 'ListCategories', privilege: ['config'], handler: listCategories(opts.configDir) },
    { name: 'ModuleCheck', privilege: ['system'], handler: moduleCheck },
    { name: 'ModuleLoad', privilege: ['system'], handler: moduleLoad },
    { name: 'LoggerRotate', privilege: ['system', 'reporting'], handler: loggerRotate },
    { name: 'MailboxStatus', privilege: ['call', 'reporting'], handler: mailboxStatus },
    { name: 'MailboxCount', privilege: ['call', 'reporting'], handler: mailboxCount },
  ];
  return {
    name: 'misc',
    requires: ['manager'],
    // They are main/manager.c's: ModuleCheck counts them as the manager's, not a loadable module's.
    start: (m: Manager) => m.addActions('manager', actions),
  };
}

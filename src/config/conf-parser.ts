/**
 * Asterisk .conf reader, following main/config.c (config_text_file_load + process_text_line). What makes
 * Asterisk reject a file throws ConfSyntaxError; what it only logs becomes a ConfWarning. Nothing else is
 * ever thrown, whatever the input.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import {
  ConfSyntaxError,
  type ConfDocument,
  type ConfEntry,
  type ConfSection,
  type ConfWarning,
} from './types.js';
import { astStrip, skipBlanks, trimBlanks } from './cstr.js';
import { newCommentState, stripComments, type CommentState } from './conf-comments.js';
import { expandGlob, isWithin, realOr } from './conf-include.js';

export interface ParseOptions {
  /** Directory #include names are resolved against and confined to. Default: the top file's directory. */
  baseDir?: string;
  /**
   * Keep `key = value` lines before the first section in `preamble` instead of failing. Asterisk fails
   * ("No category context"), so this is off by default.
   */
  allowPreamble?: boolean;
}

/** fgets() into char buf[8192]: longer lines are skipped with a warning. */
const MAX_LINE_BYTES = 8191;
/** MAX_INCLUDE_LEVEL: the top file is level 1, so ten nested includes are allowed. */
const MAX_INCLUDE_LEVEL = 10;

interface State {
  baseDir: string;
  baseAbs: string;
  baseReal: string;
  allowPreamble: boolean;
  /** Every category, templates too, in file order (Asterisk's single list). */
  all: ConfSection[];
  /** cfg->current: the category an included file starts in. */
  current: ConfSection | undefined;
  preamble: ConfSection;
  warnings: ConfWarning[];
  /** Real paths of the files being read, outermost first (include cycle detection). */
  stack: string[];
  level: number;
}

interface FileCtx {
  file: string;
  /** The category this file's lines go to (a file-local in Asterisk). */
  cat: ConfSection | undefined;
}

function warn(st: State, file: string, line: number, message: string): void {
  st.warnings.push({ file, line, message });
}

/** Categories are looked up case-insensitively, first match wins (category_get_sep). */
function findCategory(st: State, name: string, templatesToo: boolean): ConfSection | undefined {
  const lower = name.toLowerCase();
  return st.all.find((c) => c.name.toLowerCase() === lower && (templatesToo || !c.isTemplate));
}

function processHeader(st: State, fc: FileCtx, buf: string, lineno: number): void {
  const close = buf.indexOf(']');
  if (close < 0) throw new ConfSyntaxError(fc.file, lineno, "parse error: no closing ']'");
  const name = buf.slice(1, close);
  const newcat: ConfSection = {
    name,
    file: fc.file,
    line: lineno,
    isTemplate: false,
    templates: [],
    entries: [],
  };
  let pending: ConfSection | undefined = newcat;
  let cat = newcat;
  // Options only when '(' follows ']' directly; anything else after ']' is ignored.
  if (buf[close + 1] === '(') {
    const opts = buf.slice(close + 2);
    const end = opts.indexOf(')');
    if (end < 0) throw new ConfSyntaxError(fc.file, lineno, "parse error: no closing ')'");
    for (const item of opts.slice(0, end).split(',')) {
      if (item === '!') {
        cat.isTemplate = true;
      } else if (item.startsWith('+')) {
        if (item.length > 1) {
          warn(
            st,
            fc.file,
            lineno,
            `category filter '${item.slice(1)}' is not supported; appending to '${name}'`,
          );
        }
        const target = findCategory(st, name, false);
        if (!target) {
          throw new ConfSyntaxError(
            fc.file,
            lineno,
            `Category addition requested, but category '${name}' does not exist`,
          );
        }
        if (pending) {
          target.isTemplate ||= pending.isTemplate;
          // Loops rather than push(...xs): a huge template must not hit the argument-count limit.
          for (const t of pending.templates) target.templates.push(t);
          for (const e of pending.entries) target.entries.push(e);
          st.current = target;
          pending = undefined;
        }
        cat = target;
      } else {
        const base = findCategory(st, item, true);
        if (!base) {
          throw new ConfSyntaxError(
            fc.file,
            lineno,
            `Inheritance requested, but category '${item}' does not exist`,
          );
        }
        cat.templates.push(base.name);
        for (const e of base.entries) cat.entries.push({ ...e, inherited: true });
      }
    }
  }
  fc.cat = cat;
  if (pending) {
    st.all.push(pending);
    st.current = pending;
  }
}

function processDirective(st: State, fc: FileCtx, buf: string, lineno: number): void {
  // The directive name runs to the first blank (or non-ASCII byte: `char` is signed in the C code).
  let i = 1;
  while (i < buf.length && buf.charCodeAt(i) > 32 && buf.charCodeAt(i) < 128) i++;
  const directive = buf.slice(1, i);
  let arg = i < buf.length ? astStrip(buf.slice(i + 1)) : '';
  const kind = directive.toLowerCase();
  if (kind === 'exec') {
    warn(
      st,
      fc.file,
      lineno,
      '#exec is not supported (Asterisk needs execincludes=yes for it); line ignored',
    );
    return;
  }
  if (kind !== 'include' && kind !== 'tryinclude') {
    warn(st, fc.file, lineno, `Unknown directive '#${directive}'`);
    return;
  }
  if (arg === '') {
    warn(st, fc.file, lineno, `Directive '#${directive}' needs an argument (filename)`);
    return;
  }
  if (arg[0] === '"' || arg[0] === '<') {
    const q = arg[0] === '<' ? '>' : '"';
    if (arg.endsWith(q)) arg = arg.slice(1, -1);
  }
  includeFiles(st, arg, kind === 'tryinclude', fc.file, lineno);
}

function processVariable(st: State, fc: FileCtx, buf: string, lineno: number): void {
  let cat = fc.cat;
  if (!cat) {
    if (!st.allowPreamble) throw new ConfSyntaxError(fc.file, lineno, 'parse error: No category context');
    cat = st.preamble;
  }
  let cur = buf;
  const escaped = cur[0] === '\\';
  if (escaped) {
    cur = cur.slice(1);
    const code = cur.charCodeAt(0);
    if (cur === '' || code < 33 || code >= 128) throw new ConfSyntaxError(fc.file, lineno, 'Invalid escape');
  }
  const from = escaped ? 1 : 0;
  const eq = cur.indexOf('=', from);
  if (eq < 0) {
    warn(st, fc.file, lineno, "No '=' (equal sign) in line");
    return;
  }
  let key: string;
  let value: string;
  let op: ConfEntry['op'] = '=';
  if (eq > from && cur[eq - 1] === '+') {
    key = astStrip(cur.slice(0, eq - 1));
    const tail = cur.slice(eq + 1);
    let replace: ConfEntry | undefined;
    for (const e of cat.entries) if (e.key === key) replace = e;
    if (replace) {
      // ast_variable_update: rewrites the first entry of that name (any case) holding the same value.
      const newValue = skipBlanks(trimBlanks(replace.value + tail));
      const matchValue = replace.value.toLowerCase();
      const lower = replace.key.toLowerCase();
      const target = cat.entries.find(
        (e) => e.key.toLowerCase() === lower && (matchValue === '' || e.value.toLowerCase() === matchValue),
      );
      if (target) {
        target.key = replace.key;
        target.value = newValue;
      }
      return;
    }
    value = astStrip(tail);
    op = '+=';
  } else {
    let v = eq + 1;
    if (cur[v] === '>') {
      op = '=>';
      v++;
    }
    key = astStrip(cur.slice(0, eq));
    value = astStrip(cur.slice(v));
  }
  if (key === '') {
    warn(st, fc.file, lineno, 'No variable name in line');
    return;
  }
  cat.entries.push({ key, value, op, file: fc.file, line: lineno });
}

function processLine(st: State, fc: FileCtx, buf: string, lineno: number): void {
  if (buf[0] === '[') processHeader(st, fc, buf, lineno);
  else if (buf[0] === '#') processDirective(st, fc, buf, lineno);
  else processVariable(st, fc, buf, lineno);
}

/** Parse one file's text into the shared state. `comments` is shared by the files of one glob, as in C. */
function parseInto(st: State, text: string, file: string, comments: CommentState, fc: FileCtx): void {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let idx = 0; idx < lines.length; idx++) {
    const lineno = idx + 1;
    let line = lines[idx];
    // fgets + strlen: a NUL byte ends the line.
    const nul = line.indexOf('\0');
    if (nul >= 0) line = line.slice(0, nul);
    if (Buffer.byteLength(line) >= MAX_LINE_BYTES) {
      warn(st, file, lineno, `Line ${lineno} too long, skipping. It begins with: ${line.slice(0, 32)}...`);
      continue;
    }
    if (lineno === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    const rest = stripComments(line, comments, file, lineno, () =>
      warn(st, file, lineno, "'--;' without an open ';--' block comment: Asterisk skips what follows"),
    );
    if (rest === null) continue;
    const body = astStrip(rest);
    if (body !== '') processLine(st, fc, body, lineno);
  }
  if (comments.depth !== 0) {
    const start = comments.starts.length ? comments.starts[comments.starts.length - 1] : lines.length;
    warn(st, file, start, `Unterminated comment detected beginning on line ${start}`);
  }
}

function includeFiles(st: State, name: string, tryOnly: boolean, fromFile: string, lineno: number): void {
  const fail = (reason: string): void => {
    if (!tryOnly) throw new ConfSyntaxError(fromFile, lineno, reason);
    warn(st, fromFile, lineno, reason);
  };
  const missing = `The file '${name}' was listed as a #include but it does not exist.`;
  if (st.level >= MAX_INCLUDE_LEVEL + 1) {
    fail(`Maximum Include level (${MAX_INCLUDE_LEVEL}) exceeded; ${missing}`);
    return;
  }
  const abs = isAbsolute(name) ? resolve(name) : resolve(st.baseAbs, name);
  if (!isWithin(st.baseAbs, abs)) {
    throw new ConfSyntaxError(
      fromFile,
      lineno,
      `#include '${name}' points outside the configuration directory`,
    );
  }
  const comments = newCommentState();
  // All files of one glob continue in the category current when the directive was read.
  const fc: FileCtx = { file: '', cat: st.current };
  let count = 0;
  for (const match of expandGlob(abs)) {
    let isFile: boolean;
    try {
      isFile = statSync(match).isFile();
    } catch {
      continue;
    }
    const label = join(st.baseDir, relative(st.baseAbs, match));
    if (!isFile) {
      warn(st, fromFile, lineno, `'${label}' is not a regular file, ignoring`);
      continue;
    }
    const real = realOr(match);
    if (!isWithin(st.baseReal, real)) {
      throw new ConfSyntaxError(
        fromFile,
        lineno,
        `#include '${name}' resolves outside the configuration directory`,
      );
    }
    if (st.stack.includes(real)) {
      throw new ConfSyntaxError(fromFile, lineno, `#include cycle: '${label}' is already being read`);
    }
    let text: string;
    try {
      text = readFileSync(match, 'utf8');
    } catch {
      continue;
    }
    count++;
    fc.file = label;
    st.stack.push(real);
    st.level++;
    try {
      parseInto(st, text, label, comments, fc);
    } finally {
      st.level--;
      st.stack.pop();
    }
  }
  // #tryinclude of nothing is silent in Asterisk.
  if (count === 0 && !tryOnly) throw new ConfSyntaxError(fromFile, lineno, missing);
}

function newState(file: string, opts: ParseOptions): State {
  const baseDir = opts.baseDir ?? dirname(file);
  const baseAbs = resolve(baseDir);
  return {
    baseDir,
    baseAbs,
    baseReal: realOr(baseAbs),
    allowPreamble: opts.allowPreamble ?? false,
    all: [],
    current: undefined,
    preamble: { name: '', file, line: 0, isTemplate: false, templates: [], entries: [] },
    warnings: [],
    stack: [realOr(file)],
    level: 1,
  };
}

function finish(st: State, file: string): ConfDocument {
  const templates = new Map<string, ConfSection>();
  for (const c of st.all) if (c.isTemplate && !templates.has(c.name)) templates.set(c.name, c);
  return {
    file,
    sections: st.all.filter((c) => !c.isTemplate),
    templates,
    preamble: st.preamble.entries,
    warnings: st.warnings,
  };
}

/** Parse .conf text; `file` names it in entries and errors, and its directory is the default baseDir. */
export function parseConfText(text: string, file: string, opts: ParseOptions = {}): ConfDocument {
  const st = newState(file, opts);
  parseInto(st, text, file, newCommentState(), { file, cat: undefined });
  return finish(st, file);
}

/** Read and parse a .conf file. A missing or unreadable file is a ConfSyntaxError at line 0. */
export function parseConfFile(path: string, opts: ParseOptions = {}): ConfDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfSyntaxError(path, 0, `cannot read file (${code})`);
  }
  return parseConfText(text, path, opts);
}

/** Entries of a section matching `key` case-insensitively (Asterisk compares option names that way). */
export function entriesOf(section: ConfSection, key: string): ConfEntry[] {
  const lower = key.toLowerCase();
  return section.entries.filter((e) => e.key.toLowerCase() === lower);
}

/** The first non-template section named `name`, any case (ast_category_get / ast_variable_browse). */
export function firstSection(doc: ConfDocument, name: string): ConfSection | undefined {
  const lower = name.toLowerCase();
  return doc.sections.find((s) => s.name.toLowerCase() === lower);
}

/** The first value of `key` in the first section named `name` (ast_variable_retrieve). */
export function retrieve(doc: ConfDocument, name: string, key: string): string | undefined {
  const s = firstSection(doc, name);
  return s ? entriesOf(s, key)[0]?.value : undefined;
}

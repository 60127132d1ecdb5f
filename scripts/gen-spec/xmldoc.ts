/**
 * main/xmldoc.c's rendering of a documentation item, function for function: the synopsis (raw
 * field), description, syntax of a manager action or event, arguments, see-also, since and provided
 * by; and ast_xmldoc_printable (markup tags to their marks, wrapped at 79 columns). Without colours:
 * what the AMI Command action returns once term_strip has taken the colour codes out.
 */
import { elements, firstElement, textOf, type XmlElement, type XmlNode } from './xml.js';

type Buf = { s: string };

const nodeName = (n: XmlNode): string =>
  n.kind === 'element' ? n.name : n.kind === 'text' ? 'text' : 'comment';
const hasChildren = (n: XmlNode): boolean => n.kind === 'element' && n.children.length > 0;
const attr = (n: XmlNode, a: string): string | undefined =>
  n.kind === 'element' ? n.attrs.get(a) : undefined;
const is = (n: XmlNode, name: string): boolean => nodeName(n).toLowerCase() === name.toLowerCase();
const kids = (n: XmlNode): XmlNode[] => (n.kind === 'element' ? n.children : []);

/** ast_true(). */
export function astTrue(v: string | undefined): boolean {
  return v !== undefined && /^(yes|true|y|t|1|on)$/i.test(v.trim());
}

/** xmldoc_string_cleanup(). */
export function cleanup(text: string, lastspaces: boolean, maintainNewlines: boolean): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\n' || c === '\r') {
      if (maintainNewlines) out += c;
      while (text[i + 1] === '\t' || text[i + 1] === '\r' || text[i + 1] === '\n') i++;
      out += ' ';
      continue;
    }
    out += c;
  }
  return lastspaces ? out.replace(/[ \t\r\n]+$/, '') : out;
}

const skipBlanks = (s: string): string => s.replace(/^[ \t\r\n]+/, '');

function hasInside(n: XmlNode, what: string): boolean {
  return kids(n).some((c) => is(c, what));
}
function hasNodes(n: XmlNode): boolean {
  return kids(n).some((c) => c.kind === 'element');
}
const SPECIAL = [
  { tag: 'note', init: '<note>NOTE:</note> ' },
  { tag: 'warning', init: '<warning>WARNING!!!:</warning> ' },
  { tag: 'example', init: '<example>Example:</example> ' },
];
function hasSpecialTags(n: XmlNode): boolean {
  return kids(n).some((c) => SPECIAL.some((s) => is(c, s.tag)));
}

function parsePara(node: XmlNode, tabs: string, posttabs: string, b: Buf): number {
  if (!hasChildren(node) || !is(node, 'para')) return 0;
  b.s += tabs;
  let ret = 1;
  for (const t of kids(node)) {
    const text = textOf(t);
    const clean = cleanup(text, false, false);
    if (t.kind === 'element') b.s += `<${t.name}>${clean}</${t.name}>`;
    else if (t.kind === 'comment') b.s += `<comment>${clean}</comment>`;
    else b.s += clean;
    ret = 2;
  }
  b.s += posttabs;
  return ret;
}

function parseExample(node: XmlNode, tabs: string, b: Buf): boolean {
  if (!hasChildren(node) || !is(node, 'example')) return false;
  const title = attr(node, 'title');
  if (title !== undefined) b.s += title;
  b.s += '\n';
  for (const t of kids(node)) {
    const text = textOf(t);
    b.s += `\n ${tabs}<exampletext>${cleanup(skipBlanks(text), false, true)}</exampletext>\n`;
  }
  return true;
}

function parseSpecialTags(node: XmlNode, tabs: string, posttabs: string, b: Buf): number {
  if (!hasChildren(node)) return 0;
  for (const sp of SPECIAL) {
    if (!is(node, sp.tag)) continue;
    let ret = 1;
    b.s += tabs + sp.init;
    if (parseExample(node, tabs, b)) return 1;
    for (const c of kids(node)) {
      if (parsePara(c, '', posttabs, b) === 2 || parseInfo(c, '', posttabs, b) === 2) ret = 2;
    }
    return ret;
  }
  return 0;
}

function parseCommon(node: XmlNode, tabs: string, posttabs: string, b: Buf): number {
  return (
    parsePara(node, tabs, posttabs, b) ||
    parseSpecialTags(node, tabs, posttabs, b) ||
    parseInfo(node, tabs, posttabs, b)
  );
}

function parseArgument(
  node: XmlNode,
  insideParameter: boolean,
  paramtabs: string,
  tabs: string,
  b: Buf,
): boolean {
  if (!hasChildren(node)) return false;
  const name = attr(node, 'name');
  if (name === undefined) return false;
  if (!(hasInside(node, 'para') || hasInside(node, 'info') || hasSpecialTags(node))) return false;
  b.s += tabs + name + (insideParameter ? '\n' : '');
  let count = 0;
  let ret = false;
  for (const c of kids(node)) {
    if (parseCommon(c, insideParameter ? paramtabs : count === 0 ? ' - ' : tabs, '\n', b) >= 1) {
      count++;
      ret = true;
    }
  }
  return ret;
}

function parseVariable(node: XmlNode, tabs: string, b: Buf): boolean {
  let ret = false;
  let printedPara = false;
  for (const t of kids(node)) {
    if (parseCommon(t, ret ? tabs : '', '\n', b)) {
      printedPara = true;
      continue;
    }
    if (!is(t, 'value')) continue;
    if (!printedPara) {
      b.s += '\n';
      printedPara = true;
    }
    const v = attr(t, 'name');
    if (v !== undefined) {
      ret = true;
      b.s += `${tabs}<value>${v}</value>`;
    }
    const clean = cleanup(textOf(t), true, false);
    if (clean.length > 0) b.s += ':' + clean;
    b.s += '\n';
  }
  return ret;
}

function parseVariableList(node: XmlNode, tabs: string, b: Buf): boolean {
  if (!hasChildren(node) || !is(node, 'variablelist')) return false;
  const vartabs = tabs + '    ';
  let ret = false;
  for (const t of kids(node)) {
    if (parseCommon(t, ret ? tabs : '', '\n', b)) {
      ret = true;
      continue;
    }
    if (is(t, 'variable')) {
      const name = attr(t, 'name');
      if (name !== undefined) {
        b.s += `${tabs}<variable>${name}</variable>: `;
        parseVariable(t, vartabs, b);
        ret = true;
      }
    }
  }
  return ret;
}

function parseEnum(node: XmlNode, tabs: string, b: Buf): boolean {
  const optiontabs = tabs + '    ';
  let ret = false;
  for (const c of kids(node)) {
    if (parseCommon(c, ret ? tabs : ' - ', '\n', b)) ret = true;
    parseEnumList(c, optiontabs, b);
    parseParameter(c, optiontabs, b);
  }
  return ret;
}

function parseEnumList(node: XmlNode, tabs: string, b: Buf): boolean {
  let ret = false;
  for (const c of kids(node)) {
    if (!is(c, 'enum')) continue;
    const name = attr(c, 'name');
    if (name === undefined) continue;
    b.s += `${tabs}<enum>${name}</enum>`;
    if (parseEnum(c, tabs, b)) ret = true;
    else b.s += '\n';
  }
  return ret;
}

function parseOption(node: XmlNode, tabs: string, b: Buf): boolean {
  const optiontabs = tabs + '    ';
  let ret = false;
  for (const c of kids(node)) {
    if (!ret && hasChildren(c)) b.s += '\n';
    if (is(c, 'argument')) {
      if (parseArgument(c, false, '', optiontabs, b)) ret = true;
      continue;
    }
    if (parseCommon(c, optiontabs, '\n', b)) ret = true;
    parseVariableList(c, optiontabs, b);
    parseEnumList(c, optiontabs, b);
  }
  return ret;
}

/** xmldoc_get_syntax_fun() for an option (printparenthesis 0): the subset options use. */
function optionSyntax(node: XmlNode, name: string, optparams: number): string {
  const args = kids(node).filter((c) => is(c, 'argument'));
  if (!args.length) return name;
  const sep = attr(node, 'argsep') ?? ',';
  const parts = args.map((a, i) => {
    const req = astTrue(attr(a, 'required'));
    const n = attr(a, 'name') ?? '';
    return req ? (i ? sep : '') + n : `[${i ? sep : ''}${n}]`;
  });
  const inner = parts.join('');
  return optparams === 2 ? `${name}[(${inner})]` : `${name}(${inner})`;
}

function parseOptionList(node: XmlNode, tabs: string, b: Buf): void {
  for (const c of kids(node)) {
    if (!is(c, 'option')) continue;
    const name = attr(c, 'name');
    if (name === undefined) continue;
    const optparams = attr(c, 'hasparams')?.toLowerCase() === 'optional' ? 2 : 1;
    b.s += `${tabs}${optionSyntax(c, name, optparams)}: `;
    if (!parseOption(c, tabs, b)) b.s += '\n';
    b.s += '\n';
  }
}

function parseParameter(node: XmlNode, tabs: string, b: Buf): void {
  if (!is(node, 'parameter')) return;
  const hasArguments = hasInside(node, 'argument');
  const name = attr(node, 'name');
  if (name === undefined) return;
  const internal = tabs + '    ';
  let printed = false;
  if (!hasArguments && hasNodes(node)) {
    b.s += `\n${name}\n`;
    printed = true;
  }
  for (const c of kids(node)) {
    if (is(c, 'optionlist')) parseOptionList(c, internal, b);
    else if (is(c, 'enumlist')) parseEnumList(c, internal, b);
    else if (is(c, 'argument')) parseArgument(c, true, internal, !hasArguments ? '        ' : '', b);
    else if (is(c, 'para')) {
      if (!printed) {
        b.s += `${name}\n`;
        printed = true;
      }
      parsePara(c, internal, '\n', b);
    } else if (is(c, 'info')) {
      if (!printed) {
        b.s += `${name}\n`;
        printed = true;
      }
      parseInfo(c, internal, '\n', b);
    } else parseSpecialTags(c, internal, '\n', b);
  }
}

function parseInfo(node: XmlNode, tabs: string, posttabs: string, b: Buf): number {
  if (!is(node, 'info')) return 0;
  const internal = tabs + '    ';
  const tech = attr(node, 'tech');
  const by = attr(node, 'module');
  if (tech !== undefined || by !== undefined)
    b.s += `${internal}<note>Technology: ${tech || 'unknown'}  Provided by: ${by || 'unknown'}</note>\n`;
  let ret = 1;
  for (const c of kids(node)) {
    if (is(c, 'enumlist')) parseEnumList(c, internal, b);
    else if (is(c, 'parameter')) parseParameter(c, internal, b);
    else {
      const r = parseCommon(c, internal, posttabs, b);
      if (r > ret) ret = r;
    }
  }
  return ret;
}

/** _xmldoc_build_field(node, var, raw). */
export function buildField(item: XmlElement, field: string, raw: boolean): string | null {
  const node = firstElement(item, field);
  if (!node || !node.children.length) return null;
  let out: string;
  if (raw) out = cleanup(skipBlanks(textOf(node)), false, false);
  else {
    const b: Buf = { s: '' };
    for (const c of node.children) {
      if (parseCommon(c, '', '\n', b)) continue;
      if (parseVariableList(c, '', b)) continue;
      if (parseEnumList(c, '    ', b)) continue;
      if (parseSpecialTags(c, '', '', b)) continue;
    }
    out = b.s.endsWith('\n') ? b.s.slice(0, -1) : b.s;
  }
  return out.length > 0 ? out : null;
}

/** xmldoc_get_syntax_manager(). */
export function managerSyntax(item: XmlElement, name: string, type: 'Action' | 'Event'): string | null {
  const syntax = firstElement(item, 'syntax');
  if (!syntax) return null;
  let s = `${type}: ${name}`;
  for (const p of elements(syntax, 'parameter')) {
    const req = p.attrs.has('required') ? astTrue(p.attrs.get('required')) : type === 'Event';
    const n = p.attrs.get('name');
    if (n === undefined) continue;
    s += `\n${req ? '' : '['}${n}:${req ? '' : ']'} <value>`;
  }
  return s;
}

/** _ast_xmldoc_build_arguments(). */
export function buildArguments(item: XmlElement): string | null {
  const syntax = firstElement(item, 'syntax');
  if (!syntax || !syntax.children.length) return null;
  const b: Buf = { s: '' };
  for (const c of syntax.children) parseParameter(c, '', b);
  if (!b.s.length) return null;
  return b.s.endsWith('\n') ? b.s.slice(0, -1) : b.s;
}

/** One parameter's text alone (for the spec's arguments[].text): its rendering without the name. */
export function parameterText(p: XmlElement): string {
  const b: Buf = { s: '' };
  parseParameter(p, '', b);
  const name = p.attrs.get('name') ?? '';
  const body = b.s.replace(/^\n/, '').startsWith(name + '\n')
    ? b.s.replace(/^\n/, '').slice(name.length + 1)
    : '';
  return printable(
    body
      .split('\n')
      .map((l) => l.replace(/^ {4}/, ''))
      .join('\n')
      .trim(),
    false,
  );
}

/** _ast_xmldoc_build_seealso(). */
export function buildSeeAlso(item: XmlElement): string | null {
  const node = firstElement(item, 'see-also');
  if (!node || !node.children.length) return null;
  const out: string[] = [];
  for (const r of elements(node, 'ref')) {
    const type = r.attrs.get('type');
    if (type === undefined) continue;
    const content = textOf(r);
    const t = type.toLowerCase();
    out.push(t === 'application' ? `${content}()` : t === 'astcli' ? `<astcli>${content}</astcli>` : content);
  }
  return out.join(', ');
}

/** _ast_xmldoc_build_since(). */
export function buildSince(item: XmlElement): string | null {
  const node = firstElement(item, 'since');
  if (!node || !node.children.length) return null;
  return elements(node, 'version')
    .map((v) => textOf(v))
    .join(', ');
}

const COLOR_TAGS: Array<[string, string, string, string]> = [
  ['<', '>', '<replaceable>', '</replaceable>'],
  ["'", "'", '<literal>', '</literal>'],
  ['*', '*', '<emphasis>', '</emphasis>'],
  ['"', '"', '<filename>', '</filename>'],
  ['"', '"', '<directory>', '</directory>'],
  ['${', '}', '<variable>', '</variable>'],
  ['', '', '<value>', '</value>'],
  ['', '', '<enum>', '</enum>'],
  ["'", "'", '<astcli>', '</astcli>'],
  ['', '', '<note>', '</note>'],
  ['', '', '<warning>', '</warning>'],
  ['', '', '<example>', '</example>'],
  ['', '', '<exampletext>', '</exampletext>'],
];

/** xmldoc_string_wrap(): escape sequences are copied without being counted. */
function wrap(text: string, columns: number): string {
  const postbrOf = (from: number): string => /^[ \t]*/.exec(text.slice(from))?.[0] ?? '';
  const lenOf = (p: string): number => {
    let n = 0;
    for (const c of p) n = c === '\t' ? n + 8 - (n % 8) : n + 1;
    return n;
  };
  let postbr = postbrOf(0);
  let postbrlen = lenOf(postbr);
  let out = '';
  let count = 0;
  let lastbreak = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\n') {
      postbr = postbrOf(i + 1);
      postbrlen = lenOf(postbr);
      count = 0;
      lastbreak = 0;
    } else if (text[i] === ESC) {
      do {
        out += text[i];
        i++;
      } while (i < text.length && text[i] !== 'm');
    } else {
      if (text[i] === ' ') lastbreak = i;
      count++;
    }
    if (count > columns) {
      const back = i - lastbreak;
      if (lastbreak && back > 0 && back < 30) {
        out = out.slice(0, out.length - back);
        i = lastbreak;
      }
      out += '\n' + postbr;
      count = postbrlen;
      lastbreak = 0;
    } else if (i < text.length) out += text[i];
  }
  return out;
}

const ESC = '\x1b';
/** A colour code: its bytes never count towards a line's width (xmldoc_string_wrap skips them). */
const COLOUR = ESC + '[36m';

/**
 * ast_xmldoc_printable(text, 1), then term_strip(): the colour codes decide where lines break (a line
 * that starts with one has no leading blanks to repeat after a break), then they are taken out.
 * `wrapped` false: the text without colours, not wrapped.
 */
export function printable(input: string, wrapped = true): string {
  let out = wrapped ? COLOUR : '';
  const lower = input.toLowerCase();
  for (let i = 0; i < input.length; i++) {
    let done = false;
    for (const [init, end, open, close] of COLOR_TAGS) {
      if (!lower.startsWith(open, i)) continue;
      const j = lower.indexOf(close, i + open.length);
      if (j < 0) continue;
      const text = init + input.slice(i + open.length, j) + end;
      out += wrapped ? COLOUR + text + COLOUR : text;
      i = j + close.length - 1;
      done = true;
      break;
    }
    if (!done) out += input[i];
  }
  if (!wrapped) return out;
  return wrap(out + ESC + '[0m', 79).replace(/\x1b\[[0-9;]*m/g, '');
}

/** print_event_instance(): one event of a [List Responses] / [Final Response] section. */
export function eventInstanceText(name: string, inst: XmlElement): string {
  const f = (v: string | null): string => printable(v ?? 'Not available');
  return (
    `\n  -= Info about Manager Event '${name}' =- \n\n` +
    `[Synopsis]\n${f(buildField(inst, 'synopsis', true))}\n\n` +
    `[Provided By]\n${f(inst.attrs.get('module') ?? null)}\n\n` +
    `[Since]\n${f(buildSince(inst))}\n\n` +
    `[Description]\n${f(buildField(inst, 'description', false))}\n\n` +
    `[Syntax]\n${f(managerSyntax(inst, name, 'Event'))}\n\n` +
    `[Arguments]\n${f(buildArguments(inst))}\n\n` +
    `[See Also]\n${f(buildSeeAlso(inst))}\n\n`
  );
}

/** handle_showmancmd(): the whole `manager show command <name>` text of a documented action. */
export function showCommandText(name: string, item: XmlElement, privilege: string): string {
  const f = (v: string | null): string => printable(v ?? 'Not available');
  let t =
    `\n  -= Info about Manager Command '${name}' =- \n\n` +
    `[Synopsis]\n${f(buildField(item, 'synopsis', true))}\n\n` +
    `[Provided By]\n${f(item.attrs.get('module') ?? null)}\n\n` +
    `[Since]\n${f(buildSince(item))}\n\n` +
    `[Description]\n${f(buildField(item, 'description', false))}\n\n` +
    `[Syntax]\n${f(managerSyntax(item, name, 'Action'))}\n\n` +
    `[Arguments]\n${f(buildArguments(item))}\n\n` +
    `[Privilege]\n${f(privilege)}\n\n` +
    `[See Also]\n${f(buildSeeAlso(item))}\n\n` +
    `[List Responses]\n`;
  const responses = firstElement(item, 'responses');
  const list = responses ? firstElement(responses, 'list-elements') : undefined;
  const listEvents = list ? elements(list, 'managerEvent').filter((e) => e.attrs.has('name')) : [];
  if (!listEvents.length) t += 'None\n\n';
  for (const e of listEvents) {
    const inst = firstElement(e, 'managerEventInstance');
    if (!inst) continue;
    t += `Event: ${e.attrs.get('name')}\n` + eventInstanceText(e.attrs.get('name') ?? '', inst);
  }
  t += '[End List Responses]\n\n[Final Response]\n';
  const fin = responses ? firstElement(responses, 'managerEvent') : undefined;
  const finInst = fin ? firstElement(fin, 'managerEventInstance') : undefined;
  if (!fin || !finInst) t += 'None\n\n';
  else t += `Event: ${fin.attrs.get('name')}\n` + eventInstanceText(fin.attrs.get('name') ?? '', finInst);
  return t + '[End Final Response]\n';
}

/**
 * Writes a release's spec documents (spec/ami-actions.json, ami-actions-docs.json, ami-events.json,
 * ami-events-docs.json) from Asterisk's source at a tag: manager action registrations
 * (ast_manager_register_xml and friends) with their privileges and list behaviour from the handlers'
 * code, and the XML documentation assembled and rendered as Asterisk does (scripts/gen-spec/).
 *
 * Usage: npx tsx scripts/gen-spec.ts --repo <asterisk git dir> --tag 22.10.1 --out spec/22
 *        npx tsx scripts/gen-spec.ts --repo <dir> --tag 20.20.1 --compare spec   (agreement, field by field)
 * The repository may be bare; only the tag's tree is read (git ls-tree, git cat-file).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PERMS } from '../src/config/permissions.js';
import {
  SourceTree,
  applyTransform,
  assembleDocs,
  resolveIncludes,
  snapshotTemplates,
} from './gen-spec/source.js';
import { cloneNode, elements, firstElement, type XmlElement } from './gen-spec/xml.js';
import {
  astTrue,
  buildField,
  buildSeeAlso,
  buildSince,
  managerSyntax,
  parameterText,
  printable,
  showCommandText,
} from './gen-spec/xmldoc.js';

/** The EVENT_FLAG_* classes in main/manager.c perms[] order (authority_to_str), without all/none. */
const PRIVILEGES = PERMS.filter(([n]) => n !== 'all' && n !== 'none');
const FLAG_BITS: Record<string, number> = {
  ...Object.fromEntries(PRIVILEGES.map(([n, b]) => [n.toUpperCase(), b])),
  HOOKRESPONSE: 16384,
  ALL: 2147483647,
};

function authorityToStr(bits: number): string {
  const names = PRIVILEGES.filter(([, b]) => bits & b).map(([n]) => n);
  return names.length ? [...names, 'all'].join(',') : '<none>';
}

const REGISTER_DIRS = ['main', 'apps', 'channels', 'res', 'funcs', 'pbx', 'bridges', 'cdr', 'cel', 'addons'];

interface Registration {
  name: string;
  file: string;
  line: number;
  registeredWith: string;
  authority: string;
  bits: number;
  handler: string;
}

/** Every ast_manager_register* call: name (a literal or a #define of the file), flags, handler. */
function findRegistrations(src: SourceTree): Registration[] {
  const files = src.files.filter(
    (f) => REGISTER_DIRS.some((d) => f.startsWith(d + '/')) && /\.(c|cc)$/.test(f),
  );
  src.preload(files);
  const out: Registration[] = [];
  const re =
    /\b(ast_manager_register_xml_core|ast_manager_register_xml|ast_manager_register2|ast_manager_register)\s*\(\s*("[^"]*"|[A-Za-z_]\w*)\s*,\s*([^,]+?)\s*,\s*([A-Za-z_]\w*)/g;
  for (const f of files) {
    const text = src.read(f);
    if (!text.includes('ast_manager_register')) continue;
    if (/\bast_manager_register(_xml(_core)?)?\s*\(/.test(text) === false) continue;
    for (const m of text.matchAll(re)) {
      const before = text.slice(Math.max(0, text.lastIndexOf('\n', m.index) + 1), m.index);
      if (/#\s*define|^\s*\*|\/\//.test(before)) continue;
      let name = m[2];
      if (!name.startsWith('"')) {
        const d =
          new RegExp(`#define\\s+${name}\\s+"([^"]*)"`).exec(text) ??
          new RegExp(`\\b${name}\\s*(?:\\[\\s*\\])?\\s*=\\s*"([^"]*)"`).exec(text);
        if (!d) continue;
        name = d[1];
      } else name = name.slice(1, -1);
      const authority = m[3].replace(/\s+/g, ' ').trim();
      let bits = 0;
      for (const part of authority.split('|').map((x) => x.trim())) {
        if (part === '0') continue;
        const fm = /^EVENT_FLAG_(\w+)$/.exec(part);
        if (!fm || FLAG_BITS[fm[1]] === undefined)
          throw new Error(`${f}: ${name}: unknown authority ${authority}`);
        bits |= FLAG_BITS[fm[1]];
      }
      out.push({
        name,
        file: f,
        line: text.slice(0, m.index).split('\n').length,
        registeredWith: m[1],
        authority,
        bits,
        handler: m[4],
      });
    }
  }
  // manager.c registers through a macro for its own actions in some releases; one entry per name.
  const seen = new Set<string>();
  return out.filter((r) => (seen.has(r.name.toLowerCase()) ? false : (seen.add(r.name.toLowerCase()), true)));
}

/** The body of a C function defined in `text` (balanced braces after its definition). */
function functionBody(text: string, fn: string): string | null {
  const re = new RegExp(`^(?:static\\s+)?(?:[\\w\\s\\*]+?)\\b${fn}\\s*\\([^;{]*\\)\\s*\\{`, 'm');
  const m = re.exec(text);
  if (!m) return null;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(m.index, i + 1);
  }
  return null;
}

const LIST_EVIDENCE = /astman_send_listack|astman_send_list_complete|EventList: start/;

/** Whether the handler answers with an event list, from its code and the helpers it calls (one level). */
function listBehaviour(
  src: SourceTree,
  reg: Registration,
): { eventList: boolean | 'conditional'; evidence: string | null; when?: string; complete: string[] } {
  const text = src.read(reg.file);
  // A handler may be defined beside the file that registers it (channels/pjsip/*.c for chan_pjsip.c).
  const dir = reg.file.slice(0, reg.file.lastIndexOf('/') + 1);
  const near = src.files.filter((f) => f.startsWith(dir) && /\.(c|cc)$/.test(f) && f !== reg.file);
  const body =
    functionBody(text, reg.handler) ??
    near.map((f) => functionBody(src.read(f), reg.handler)).find((b) => b !== null) ??
    '';
  const bodies: Array<[string, string]> = [[reg.handler, body]];
  for (const call of body.matchAll(/\b([a-z_]\w*)\s*\(/g)) {
    if (bodies.some(([n]) => n === call[1])) continue;
    let b = functionBody(text, call[1]);
    // The shared hangup helper lives in main/manager.c (ast_manager_hangup_helper).
    if (!b && call[1] === 'ast_manager_hangup_helper') b = functionBody(src.read('main/manager.c'), call[1]);
    if (b) bodies.push([call[1], b]);
  }
  const complete: string[] = [];
  for (const [, b] of bodies)
    for (const c of b.matchAll(/astman_send_list_complete(?:_start)?\s*\(\s*\w+\s*,\s*\w+\s*,\s*"(\w+)"/g))
      if (!complete.includes(c[1])) complete.push(c[1]);
  const hit = bodies.find(([, b]) => LIST_EVIDENCE.test(b));
  if (!hit) return { eventList: false, evidence: null, complete };
  // ast_manager_hangup_helper lists only when Channel is a /regex/.
  if (hit[0] === 'ast_manager_hangup_helper')
    return {
      eventList: 'conditional',
      evidence: hit[0],
      when: 'Channel header of the form /regex/ (main/manager.c ast_manager_hangup_helper)',
      complete,
    };
  return { eventList: true, evidence: hit[0], complete };
}

/**
 * Items of a kind by name, in document order, in language en_US (xmldoc_get_node takes the first).
 * `deep`: also those nested in other items (list events documented in an action's <responses>).
 */
function docIndex(docs: XmlElement, kind: string, deep = false): Map<string, XmlElement[]> {
  const m = new Map<string, XmlElement[]>();
  const all: XmlElement[] = [];
  const walk = (n: XmlElement): void => {
    for (const c of elements(n)) {
      if (c.name === kind) all.push(c);
      if (deep) walk(c);
    }
  };
  walk(docs);
  for (const e of all) {
    const lang = e.attrs.get('language');
    if (lang !== undefined && lang !== 'en_US') continue;
    const n = e.attrs.get('name') ?? '';
    const list = m.get(n) ?? [];
    list.push(e);
    m.set(n, list);
  }
  return m;
}

/** Event names raised in the code (manager_event and friends, literal `Event: X`), for wire spellings. */
function eventNamesInCode(src: SourceTree): Set<string> {
  const out = new Set<string>();
  const files = src.files.filter(
    (f) => REGISTER_DIRS.some((d) => f.startsWith(d + '/')) && /\.(c|cc|h)$/.test(f),
  );
  src.preload(files);
  const res = [
    /\b(?:manager_event|ast_manager_event_multichan|ast_manager_event_blob_create)\s*\(\s*[^,]+,\s*"(\w+)"/g,
    /\bast_manager_event\s*\(\s*[^,]+,\s*[^,]+,\s*"(\w+)"/g,
    /\bast_manager_publish_event\s*\(\s*"(\w+)"/g,
    /"Event: (\w+)\\r\\n/g,
  ];
  for (const f of files) {
    const text = src.read(f);
    for (const re of res) for (const m of text.matchAll(re)) out.add(m[1]);
  }
  return out;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      repo: { type: 'string' },
      tag: { type: 'string' },
      out: { type: 'string' },
      compare: { type: 'string' },
    },
  });
  const tag = values.tag;
  if (!values.repo || !tag || (!values.out && !values.compare)) {
    console.error('usage: gen-spec.ts --repo DIR --tag 22.10.1 (--out DIR | --compare DIR)');
    process.exit(2);
  }
  const src = new SourceTree(values.repo, tag);
  const docs = assembleDocs(src);
  resolveIncludes(docs);
  // Event header order is read before the transform, so that snapshots stay groups (@ChannelSnapshot).
  const raw = cloneNode(docs);
  const templates = snapshotTemplates(src.read('doc/appdocsxml.xslt'));
  applyTransform(docs, templates);

  const managers = docIndex(docs, 'manager');
  const regs = findRegistrations(src).sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
  const source = `asterisk git tag ${tag}`;

  const actions = regs.map((r) => {
    const item = managers.get(r.name)?.[0];
    const syntax = item ? firstElement(item, 'syntax') : undefined;
    const params = syntax
      ? elements(syntax, 'parameter').map((p) => ({
          name: p.attrs.get('name') ?? '',
          required: astTrue(p.attrs.get('required')),
        }))
      : [];
    const responses = item ? firstElement(item, 'responses') : undefined;
    const listEls = responses ? firstElement(responses, 'list-elements') : undefined;
    const documentedListEvents = listEls
      ? elements(listEls, 'managerEvent').map((e) => e.attrs.get('name') ?? '')
      : [];
    const fin = responses ? firstElement(responses, 'managerEvent') : undefined;
    const lb = listBehaviour(src, r);
    const eventList = lb.eventList === false && documentedListEvents.length ? true : lb.eventList;
    return {
      name: r.name,
      file: r.file,
      line: r.line,
      registeredWith: r.registeredWith,
      authority: r.authority,
      privileges: r.authority
        .split('|')
        .map((x) =>
          x
            .trim()
            .replace(/^EVENT_FLAG_/, '')
            .toLowerCase(),
        )
        .filter((x) => x !== '0'),
      authorityBits: r.bits,
      handler: r.handler,
      docFile: item?.file ?? null,
      docLine: item?.line ?? null,
      parameters: params,
      documentedListEvents,
      documentedCompleteEvent: fin?.attrs.get('name') ?? null,
      documented: item !== undefined,
      eventList,
      ...(lb.when ? { eventListWhen: lb.when } : {}),
      eventListEvidence: lb.evidence,
      completeEventInHandlerCode: lb.complete,
    };
  });

  const actionDocs = regs.flatMap((r) => {
    const item = managers.get(r.name)?.[0];
    if (!item) return [];
    const syntax = firstElement(item, 'syntax');
    const desc = buildField(item, 'description', false);
    return [
      {
        name: r.name,
        synopsis: buildField(item, 'synopsis', true) ?? '',
        since: buildSince(item),
        providedBy: item.attrs.get('module') ?? null,
        description: desc === null ? '' : printable(desc, false),
        syntax: managerSyntax(item, r.name, 'Action') ?? 'Not available',
        arguments: syntax
          ? elements(syntax, 'parameter').map((p) => ({
              name: p.attrs.get('name') ?? '',
              required: astTrue(p.attrs.get('required')),
              text: parameterText(p),
            }))
          : [],
        seeAlso: (buildSeeAlso(item) ?? '')
          .split(', ')
          .filter(Boolean)
          .map((s) => printable(s, false)),
        privilege: authorityToStr(r.bits),
        docSource: item.file ?? null,
        cliText: showCommandText(r.name, item, authorityToStr(r.bits)),
      },
    ];
  });

  // ---- events
  const inCode = eventNamesInCode(src);
  const codeByLower = new Map<string, string>();
  for (const n of inCode) if (!codeByLower.has(n.toLowerCase())) codeByLower.set(n.toLowerCase(), n);
  const groups: Record<string, string[]> = {};
  const groupName: Record<string, string> = {
    channel_snapshot: 'ChannelSnapshot',
    bridge_snapshot: 'BridgeSnapshot',
  };
  for (const [tpl, els] of templates) {
    groups[groupName[tpl] ?? tpl] = els.map((el) => {
      const attr = elements(el, 'xsl:attribute').find((a) => a.attrs.get('name') === 'name');
      if (!attr) return '';
      const v = elements(attr, 'xsl:value-of')[0]?.attrs.get('select') ?? '';
      return /'([^']*)'\)$/.exec(v)?.[1] ?? '';
    });
  }
  const classesOf = (cls: string | undefined): string[] => {
    let bits = 0;
    for (const p of (cls ?? '').split('|').map((x) => x.trim())) {
      const m = /^EVENT_FLAG_(\w+)$/.exec(p);
      if (m && FLAG_BITS[m[1]]) bits |= FLAG_BITS[m[1]];
    }
    return PRIVILEGES.filter(([, b]) => bits & b).map(([n]) => n);
  };
  const orderOf = (inst: XmlElement): string[] => {
    const syntax = firstElement(inst, 'syntax');
    if (!syntax) return [];
    const out: string[] = [];
    for (const c of elements(syntax)) {
      if (c.name === 'parameter' && c.attrs.has('name')) out.push(c.attrs.get('name') ?? '');
      else if (groupName[c.name]) {
        const prefix = c.attrs.get('prefix') ?? '';
        out.push(`@${groupName[c.name]}${prefix ? ':' + prefix : ''}`);
      }
    }
    return out;
  };
  const rawEvents = docIndex(raw, 'managerEvent', true);
  const eventList: unknown[] = [];
  const eventDocs: unknown[] = [];
  const names = [...rawEvents.keys()].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1));
  for (const name of names) {
    const insts = (rawEvents.get(name) ?? []).flatMap((e) => elements(e, 'managerEventInstance'));
    if (!insts.length) continue;
    const first = insts[0];
    const order = orderOf(first);
    const wire = inCode.has(name) ? undefined : codeByLower.get(name.toLowerCase());
    eventList.push({
      name,
      class: first.attrs.get('class') ?? null,
      classes: classesOf(first.attrs.get('class')),
      file: first.file ?? null,
      sources: insts.map((i) => `${i.file}:${i.line}`),
      headers: order.filter((o) => !o.startsWith('@')),
      groups: order
        .filter((o) => o.startsWith('@'))
        .map((o) => ({ group: o.slice(1).split(':')[0], prefix: o.split(':')[1] ?? '' })),
      order,
      ...(wire ? { wireNameInCode: wire } : {}),
      ...(insts.length > 1
        ? {
            instances: insts.map((i) => ({
              classes: classesOf(i.attrs.get('class')),
              file: i.file,
              order: orderOf(i),
            })),
          }
        : {}),
    });
    eventDocs.push({ name, synopsis: buildField(first, 'synopsis', true) });
  }

  const generatedBy =
    `scripts/gen-spec.ts from the Asterisk ${tag} source tree (registrations: ast_manager_register* calls in ` +
    `${REGISTER_DIRS.join(',')}; documentation: DOCUMENTATION blocks and *.xml files assembled as ` +
    `build_tools/make_xml_documentation does, xi:include resolved, doc/appdocsxml.xslt applied, rendered as main/xmldoc.c does)`;
  const files: Record<string, unknown> = {
    'ami-actions.json': {
      source,
      generatedBy,
      privilegeNames: { ...Object.fromEntries(PRIVILEGES), hookresponse: 16384, all: 2147483647, none: 0 },
      notes: [
        'privileges: EVENT_FLAG_* classes passed at registration; authorityBits 0: any authenticated session may run it.',
        'eventList: true when the handler or a helper it calls in the same file sends a list (astman_send_listack, astman_send_list_complete*, EventList: start) or the docs list <list-elements>; "conditional" for ast_manager_hangup_helper (a list only for Channel: /regex/).',
        'parameters: from the XML documentation, in document order.',
      ],
      count: actions.length,
      actions,
    },
    'ami-actions-docs.json': {
      source,
      generatedBy,
      notes: [
        'synopsis: the raw field Asterisk stores (ListCommands prints it followed by " (Priv: ...)"); trim it for display.',
        'cliText: the output of "manager show command <name>" without colours (handle_showmancmd, ast_xmldoc_printable wrapping at 79 columns).',
        'description, arguments[].text: the same rendering, not wrapped.',
      ],
      count: actionDocs.length,
      actions: actionDocs,
    },
    'ami-events.json': {
      source,
      generatedBy,
      notes: [
        'order: the documented header order; @Group or @Group:Prefix stands for a snapshot (groups) with its prefix.',
        'instances: present when an event is documented more than once.',
        'wireNameInCode: the spelling the code raises where it differs from the documentation.',
      ],
      groups,
      count: eventList.length,
      events: eventList,
    },
    'ami-events-docs.json': { source, generatedBy, count: eventDocs.length, events: eventDocs },
  };

  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    for (const [f, data] of Object.entries(files))
      writeFileSync(join(values.out, f), JSON.stringify(data, null, 1) + '\n');
    console.log(
      `wrote ${Object.keys(files).length} files to ${values.out}: ${actions.length} actions, ${eventList.length} events`,
    );
  }
  if (values.compare) compare(values.compare, files);
}

/** Field-by-field agreement with existing documents (to check the generator against a release's spec). */
function compare(dir: string, files: Record<string, unknown>): void {
  type Rec = Record<string, unknown> & { name: string };
  const load = (f: string, key: string): Map<string, Rec> =>
    new Map(
      ((JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, Rec[]>)[key] ?? []).map((r) => [
        r.name,
        r,
      ]),
    );
  const mine = (f: string, key: string): Map<string, Rec> =>
    new Map(((files[f] as Record<string, Rec[]>)[key] ?? []).map((r) => [r.name, r]));
  const report = (f: string, key: string, fields: string[]): void => {
    const a = load(f, key);
    const b = mine(f, key);
    const missing = [...a.keys()].filter((k) => !b.has(k));
    const extra = [...b.keys()].filter((k) => !a.has(k));
    console.log(
      `${f}: ${a.size} there, ${b.size} here; missing ${JSON.stringify(missing)}; extra ${JSON.stringify(extra)}`,
    );
    for (const field of fields) {
      const diff = [...a.keys()].filter(
        (k) =>
          b.has(k) && JSON.stringify(a.get(k)?.[field] ?? null) !== JSON.stringify(b.get(k)?.[field] ?? null),
      );
      console.log(
        `  ${field}: ${a.size - missing.length - diff.length} equal, ${diff.length} differ ${JSON.stringify(diff.slice(0, 12))}`,
      );
    }
  };
  report('ami-actions.json', 'actions', [
    'privileges',
    'authorityBits',
    'parameters',
    'eventList',
    'documentedCompleteEvent',
    'completeEventInHandlerCode',
    'documentedListEvents',
  ]);
  report('ami-actions-docs.json', 'actions', [
    'synopsis',
    'since',
    'providedBy',
    'syntax',
    'privilege',
    'seeAlso',
    'description',
    'arguments',
    'cliText',
  ]);
  report('ami-events.json', 'events', ['classes', 'order', 'wireNameInCode']);
  report('ami-events-docs.json', 'events', ['synopsis']);
}

main();

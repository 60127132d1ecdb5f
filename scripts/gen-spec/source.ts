/**
 * Asterisk's source tree at a tag, read from a git repository (a bare clone is enough), and its XML
 * documentation assembled as the build does: build_tools/make_xml_documentation (DOCUMENTATION blocks
 * of every .c file and the *.xml documentation files of each module directory, a `module` attribute
 * on documented items), then what main/xmldoc.c and main/xml.c do on loading (XInclude, then the
 * doc/appdocsxml.xslt transform).
 */
import { execFileSync } from 'node:child_process';
import { cloneNode, elements, parseXml, textOf, type XmlElement, type XmlNode } from './xml.js';

export class SourceTree {
  private readonly cache = new Map<string, string>();
  readonly files: string[];

  constructor(
    readonly repo: string,
    readonly tag: string,
  ) {
    this.files = execFileSync('git', ['-C', repo, 'ls-tree', '-r', '--name-only', tag], {
      maxBuffer: 64 << 20,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
  }

  /** Loads many files at once (git cat-file --batch), as latin-1 text. */
  preload(paths: readonly string[]): void {
    const want = paths.filter((p) => !this.cache.has(p));
    if (!want.length) return;
    const out = execFileSync('git', ['-C', this.repo, 'cat-file', '--batch'], {
      input: want.map((p) => `${this.tag}:${p}`).join('\n') + '\n',
      maxBuffer: 1 << 30,
    });
    let pos = 0;
    for (const p of want) {
      const nl = out.indexOf(10, pos);
      const header = out.subarray(pos, nl).toString('latin1');
      pos = nl + 1;
      const m = /^\S+ blob (\d+)$/.exec(header);
      if (!m) continue;
      const size = Number(m[1]);
      this.cache.set(p, out.subarray(pos, pos + size).toString('latin1'));
      pos += size + 1;
    }
  }

  read(path: string): string {
    let t = this.cache.get(path);
    if (t === undefined) {
      this.preload([path]);
      t = this.cache.get(path) ?? '';
    }
    return t;
  }
}

/** make_xml_documentation's default --mod-subdirs (the Makefile's DOC_MOD_SUBDIRS). */
export const DOC_SUBDIRS = [
  'channels',
  'pbx',
  'apps',
  'codecs',
  'formats',
  'cdr',
  'cel',
  'bridges',
  'funcs',
  'tests',
  'main',
  'res',
  'addons',
];

const MODULE_TAGS = new Set([
  'manager',
  'managerevent',
  'managereventinstance',
  'function',
  'application',
  'info',
]);

/** build_tools/get_documentation: the lines between `/*** DOCUMENTATION` and `***\/`. */
function documentationBlocks(text: string): Array<{ text: string; line: number }> {
  const out: Array<{ text: string; line: number }> = [];
  const lines = text.split('\n');
  let cur: string[] | null = null;
  let start = 0;
  lines.forEach((l, i) => {
    if (/\/\*\*\* DOCUMENTATION/.test(l)) {
      cur = [];
      start = i + 2;
      return;
    }
    if (cur && /\*\*\*\//.test(l)) {
      out.push({ text: cur.join('\n'), line: start });
      cur = null;
      return;
    }
    if (cur) cur.push(l);
  });
  return out;
}

function setModule(root: XmlElement, mn: string): void {
  for (const c of elements(root)) {
    if (MODULE_TAGS.has(c.name.toLowerCase()) && c.attrs.size > 0 && !c.attrs.has('module'))
      c.attrs.set('module', mn);
    setModule(c, mn);
  }
}

/** The module a documentation XML file in a subdirectory belongs to (its directory's Makefile). */
function moduleOfSubdirXml(src: SourceTree, subdir: string, dir: string): string {
  const bn = dir.slice(dir.lastIndexOf('/') + 1);
  const mk = src.read(`${subdir}/Makefile`);
  const re = new RegExp(`^\\$\\(call MOD_ADD_C,([^,]+),\\$\\(wildcard\\s+${bn}/.*`, 'm');
  return re.exec(mk)?.[1] ?? '';
}

/** The assembled documentation tree (`<docs>`), before XInclude. */
export function assembleDocs(src: SourceTree): XmlElement {
  const docs: XmlElement = { kind: 'element', name: 'docs', attrs: new Map(), children: [] };
  const inDir = (d: string) => src.files.filter((f) => f.startsWith(d + '/')).sort();
  for (const subdir of DOC_SUBDIRS) {
    const files = inDir(subdir);
    const cfiles = files.filter((f) => f.endsWith('.c') || f.endsWith('.cc'));
    const xfiles = files.filter((f) => f.endsWith('.xml'));
    src.preload([...cfiles, ...xfiles]);
    for (const f of cfiles) {
      const text = src.read(f);
      const mn = subdir === 'main' ? 'builtin' : f.slice(f.lastIndexOf('/') + 1).replace(/\..*$/, '');
      for (const b of documentationBlocks(text)) {
        const frag = parseXml(b.text, f, b.line);
        setModule(frag, mn);
        docs.children.push(...frag.children);
      }
    }
    for (const f of xfiles) {
      const text = src.read(f);
      if (!text.includes('appdocsxml.dtd')) continue;
      const kept = text
        .split('\n')
        .map((l) => (/^\s*(<[?]xml|<.DOCTYPE|<.?docs)/.test(l) ? '' : l))
        .join('\n');
      const dir = f.slice(0, f.lastIndexOf('/'));
      const mn =
        dir !== subdir
          ? moduleOfSubdirXml(src, subdir, dir)
          : subdir === 'main'
            ? 'builtin'
            : f.slice(f.lastIndexOf('/') + 1).replace(/_doc\.xml$/, '');
      const frag = parseXml(kept, f, 1);
      setModule(frag, mn);
      docs.children.push(...frag.children);
    }
  }
  return docs;
}

// ---- XPointer (the subset Asterisk's xi:include elements use) ---------------------------------

type Step = { name: string; preds: string[] };

function parseSteps(path: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '/') {
      i++;
      continue;
    }
    let name = '';
    while (i < path.length && path[i] !== '/' && path[i] !== '[') name += path[i++];
    const preds: string[] = [];
    while (path[i] === '[') {
      let depth = 0;
      let p = '';
      for (; i < path.length; i++) {
        if (path[i] === '[') depth++;
        if (path[i] === ']') depth--;
        p += path[i];
        if (depth === 0) {
          i++;
          break;
        }
      }
      preds.push(p.slice(1, -1));
    }
    steps.push({ name, preds });
  }
  return steps;
}

function matchPred(n: XmlElement, pred: string): boolean {
  return pred.split(/\s+and\s+/).every((p) => {
    let m = /^@([\w-]+)\s*=\s*'([^']*)'$/.exec(p.trim());
    if (m) return n.attrs.get(m[1]) === m[2];
    m = /^contains\(@([\w-]+),\s*'([^']*)'\)$/.exec(p.trim());
    if (m) return (n.attrs.get(m[1]) ?? '').includes(m[2]);
    throw new Error(`unsupported XPointer predicate [${pred}]`);
  });
}

/** Evaluates `xpointer(/docs/...)` against the document. */
export function xpointer(docs: XmlElement, expr: string): XmlNode[] {
  const m = /^xpointer\((.*)\)$/.exec(expr.trim());
  if (!m) throw new Error(`unsupported xpointer ${expr}`);
  const steps = parseSteps(m[1]);
  if (steps[0]?.name !== 'docs') throw new Error(`xpointer not from /docs: ${expr}`);
  let cur: XmlNode[] = [docs];
  for (const step of steps.slice(1)) {
    const next: XmlNode[] = [];
    for (const n of cur) {
      if (n.kind !== 'element') continue;
      let kids: XmlNode[];
      if (step.name === 'node()') kids = n.children.filter((c) => c.kind !== 'comment');
      else if (step.name === 'text()') kids = n.children.filter((c) => c.kind === 'text');
      else kids = n.children.filter((c) => c.kind === 'element' && c.name === step.name);
      for (const pred of step.preds) {
        if (/^\d+$/.test(pred)) kids = kids[Number(pred) - 1] ? [kids[Number(pred) - 1]] : [];
        else kids = kids.filter((k) => k.kind === 'element' && matchPred(k, pred));
      }
      next.push(...kids);
    }
    cur = next;
  }
  return cur;
}

/** xmlXIncludeProcess: every xi:include replaced by copies of what its xpointer selects. */
export function resolveIncludes(docs: XmlElement): void {
  const walk = (n: XmlElement, depth: number): void => {
    const out: XmlNode[] = [];
    for (const c of n.children) {
      if (c.kind === 'element' && c.name === 'xi:include') {
        const expr = c.attrs.get('xpointer') ?? '';
        const got = xpointer(docs, expr).map(cloneNode);
        for (const g of got) if (g.kind === 'element' && depth < 10) walk(g, depth + 1);
        out.push(...got);
      } else {
        if (c.kind === 'element') walk(c, depth);
        out.push(c);
      }
    }
    n.children = out;
  };
  walk(docs, 0);
}

// ---- doc/appdocsxml.xslt ----------------------------------------------------------------------

/** The parameters a snapshot template of appdocsxml.xslt expands to (`concat(@prefix,'Name')`). */
export function snapshotTemplates(xslt: string): Map<string, XmlElement[]> {
  const out = new Map<string, XmlElement[]>();
  const root = parseXml(xslt, 'doc/appdocsxml.xslt');
  const sheet = elements(root)[0];
  for (const t of elements(sheet, 'xsl:template')) {
    const match = t.attrs.get('match') ?? '';
    if (!/^\w+_snapshot$/.test(match)) continue;
    out.set(match, elements(t, 'xsl:element'));
  }
  return out;
}

/** Applies a snapshot template for one `<channel_snapshot prefix="Dest"/>`. */
function expandSnapshot(tpl: XmlElement[], prefix: string): XmlElement[] {
  return tpl.map((el) => {
    const attrs = new Map<string, string>();
    const kids: XmlNode[] = [];
    for (const c of el.children) {
      if (c.kind !== 'element') continue;
      if (c.name === 'xsl:attribute') {
        const v = elements(c, 'xsl:value-of')[0]?.attrs.get('select');
        const m = v ? /'([^']*)'\)$/.exec(v) : null;
        attrs.set(c.attrs.get('name') ?? '', m ? prefix + m[1] : textOf(c).trim());
        continue;
      }
      kids.push(replaceValueOf(cloneNode(c), prefix));
    }
    return { kind: 'element', name: 'parameter', attrs, children: kids } as XmlElement;
  });
}

function replaceValueOf(n: XmlElement, prefix: string): XmlElement {
  n.children = n.children.map((c) => {
    if (c.kind !== 'element') return c;
    if (c.name === 'xsl:value-of') {
      const v = /concat\(@prefix,\s*'([^']*)'\)/.exec(c.attrs.get('select') ?? '');
      return { kind: 'text', text: prefix + (v?.[1] ?? '') };
    }
    return replaceValueOf(c, prefix);
  });
  return n;
}

/**
 * The transform: snapshot elements become their parameters (`configOptionToEnum` its enums), and
 * every element's children are sorted by their `tech` attribute (xsl:sort select="@tech", stable:
 * nodes without one, text included, keep their order and come first).
 */
export function applyTransform(docs: XmlElement, templates: Map<string, XmlElement[]>): void {
  const walk = (n: XmlElement): void => {
    const out: XmlNode[] = [];
    for (const c of n.children) {
      if (c.kind === 'element' && templates.has(c.name)) {
        out.push(...expandSnapshot(templates.get(c.name) ?? [], c.attrs.get('prefix') ?? ''));
        continue;
      }
      if (c.kind === 'element' && c.name === 'configOptionToEnum') {
        for (const o of elements(c, 'configOption'))
          out.push({
            kind: 'element',
            name: 'enum',
            attrs: new Map([['name', o.attrs.get('name') ?? '']]),
            children: [
              {
                kind: 'element',
                name: 'para',
                attrs: new Map(),
                children: [
                  {
                    kind: 'text',
                    text: elements(o, 'synopsis')
                      .map((s) => s.children.map((x) => (x.kind === 'text' ? x.text : '')).join(''))
                      .join(''),
                  },
                ],
              },
            ],
          });
        continue;
      }
      if (c.kind === 'element') walk(c);
      out.push(c);
    }
    const key = (x: XmlNode): string => (x.kind === 'element' ? (x.attrs.get('tech') ?? '') : '');
    n.children = out
      .map((x, i) => ({ x, i }))
      .sort((a, b) => (key(a.x) < key(b.x) ? -1 : key(a.x) > key(b.x) ? 1 : a.i - b.i))
      .map((e) => e.x);
  };
  walk(docs);
}

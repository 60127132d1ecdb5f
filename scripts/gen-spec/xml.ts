/**
 * A small XML tree for Asterisk's documentation (the part of libxml2 that main/xmldoc.c relies on):
 * elements, attributes, text, CDATA and comments; entity references decoded. Well-formed input only:
 * the documentation Asterisk ships is validated against its DTD when it is built.
 */

export interface XmlText {
  kind: 'text';
  text: string;
}
export interface XmlElement {
  kind: 'element';
  name: string;
  attrs: Map<string, string>;
  children: XmlNode[];
  /** Where it came from (file and line), for the spec's docFile/docLine. */
  file?: string;
  line?: number;
}
export type XmlNode = XmlText | XmlElement | { kind: 'comment'; text: string };

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (m, e: string) => {
    if (e[0] === '#')
      return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e] ?? m;
  });
}

/** Parses a fragment (several top-level elements allowed) into the children of a synthetic root. */
export function parseXml(text: string, file = '', firstLine = 1): XmlElement {
  const root: XmlElement = { kind: 'element', name: '#root', attrs: new Map(), children: [] };
  const stack: XmlElement[] = [root];
  let i = 0;
  let line = firstLine;
  const advance = (to: number): void => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    i = to;
  };
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    const top = stack[stack.length - 1];
    if (lt < 0) {
      top.children.push({ kind: 'text', text: decodeEntities(text.slice(i)) });
      break;
    }
    if (lt > i) top.children.push({ kind: 'text', text: decodeEntities(text.slice(i, lt)) });
    advance(lt);
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i);
      top.children.push({ kind: 'comment', text: text.slice(i + 4, end) });
      advance(end + 3);
    } else if (text.startsWith('<![CDATA[', i)) {
      const end = text.indexOf(']]>', i);
      top.children.push({ kind: 'text', text: text.slice(i + 9, end) });
      advance(end + 3);
    } else if (text.startsWith('<?', i)) {
      advance(text.indexOf('?>', i) + 2);
    } else if (text.startsWith('<!', i)) {
      advance(text.indexOf('>', i) + 1);
    } else if (text.startsWith('</', i)) {
      const end = text.indexOf('>', i);
      const name = text.slice(i + 2, end).trim();
      // Close up to the matching element (tolerates nothing else: the docs are well-formed).
      while (stack.length > 1 && stack[stack.length - 1].name !== name) stack.pop();
      if (stack.length > 1) stack.pop();
      advance(end + 1);
    } else {
      const m = /^<([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(
        text.slice(i),
      );
      if (!m)
        throw new Error(`${file}:${line}: cannot parse XML near ${JSON.stringify(text.slice(i, i + 40))}`);
      const el: XmlElement = { kind: 'element', name: m[1], attrs: new Map(), children: [], file, line };
      for (const a of m[2].matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g))
        el.attrs.set(a[1], decodeEntities(a[2] ?? a[3] ?? ''));
      top.children.push(el);
      advance(i + m[0].length);
      if (!m[3]) stack.push(el);
    }
  }
  return root;
}

export function elements(n: XmlElement, name?: string): XmlElement[] {
  return n.children.filter(
    (c): c is XmlElement =>
      c.kind === 'element' && (name === undefined || c.name.toLowerCase() === name.toLowerCase()),
  );
}

export function firstElement(n: XmlElement, name: string): XmlElement | undefined {
  return elements(n, name)[0];
}

/** xmlNodeGetContent: every text below the node, in order. */
export function textOf(n: XmlNode): string {
  if (n.kind === 'text') return n.text;
  if (n.kind === 'comment') return '';
  return n.children.map(textOf).join('');
}

export function cloneNode<T extends XmlNode>(n: T): T {
  if (n.kind !== 'element') return { ...n };
  return { ...n, attrs: new Map(n.attrs), children: n.children.map(cloneNode) } as T;
}

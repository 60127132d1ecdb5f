/**
 * Extension patterns as Asterisk matches them: `_` prefix, X (0-9), Z (1-9), N (2-9), `[a-c5]`
 * classes, `.` (one or more), `!` (zero or more); `-` is ignored for readability. Sorting follows
 * ext_cmp: literal extensions before patterns, then the pattern whose positions match fewer
 * characters first, so `_2XX` wins over `_X.`.
 */

interface Token {
  /** Characters matched at this position (undefined for `.`/`!`). */
  set: Set<string> | undefined;
  kind: 'char' | 'dot' | 'bang';
}

const DIGITS = '0123456789';

function charsOf(spec: string): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i < spec.length; i++) {
    if (spec[i + 1] === '-' && i + 2 < spec.length) {
      const a = spec.charCodeAt(i);
      const b = spec.charCodeAt(i + 2);
      for (let c = Math.min(a, b); c <= Math.max(a, b); c++) out.add(String.fromCharCode(c));
      i += 2;
    } else out.add(spec[i]);
  }
  return out;
}

export function tokenize(pattern: string): Token[] {
  const p = pattern.startsWith('_') ? pattern.slice(1) : pattern;
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    const u = c.toUpperCase();
    if (c === '-') continue;
    if (u === 'X') out.push({ kind: 'char', set: new Set(DIGITS) });
    else if (u === 'Z') out.push({ kind: 'char', set: new Set(DIGITS.slice(1)) });
    else if (u === 'N') out.push({ kind: 'char', set: new Set(DIGITS.slice(2)) });
    else if (c === '.') out.push({ kind: 'dot', set: undefined });
    else if (c === '!') out.push({ kind: 'bang', set: undefined });
    else if (c === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) out.push({ kind: 'char', set: new Set('[') });
      else {
        out.push({ kind: 'char', set: charsOf(p.slice(i + 1, end)) });
        i = end;
      }
    } else out.push({ kind: 'char', set: new Set([c]) });
  }
  return out;
}

export function isPattern(exten: string): boolean {
  return exten.startsWith('_');
}

/** Full match of `exten` against a pattern or literal. */
export function extenMatches(pattern: string, exten: string): boolean {
  if (!isPattern(pattern)) return pattern === exten;
  return matchFrom(tokenize(pattern), 0, exten, 0);
}

function matchFrom(tokens: Token[], ti: number, s: string, si: number): boolean {
  if (ti === tokens.length) return si === s.length;
  const t = tokens[ti];
  if (t.kind === 'dot' || t.kind === 'bang') {
    // Asterisk treats `.` and `!` as "the rest", so they end the pattern.
    return t.kind === 'bang' ? true : si < s.length;
  }
  if (si >= s.length || !t.set?.has(s[si])) return false;
  return matchFrom(tokens, ti + 1, s, si + 1);
}

/** Could `exten` still become a match with more digits (for overlap dialling / `canMatch`)? */
export function extenCanMatch(pattern: string, exten: string): boolean {
  if (!isPattern(pattern)) return pattern.startsWith(exten);
  const tokens = tokenize(pattern);
  for (let i = 0; i < exten.length; i++) {
    const t = tokens[i];
    if (!t) return false;
    if (t.kind !== 'char') return true;
    if (!t.set?.has(exten[i])) return false;
  }
  return true;
}

function weight(t: Token): number {
  if (t.kind === 'bang') return 0x30000;
  if (t.kind === 'dot') return 0x20000;
  const size = t.set?.size ?? 0;
  let min = 0xffff;
  for (const c of t.set ?? []) min = Math.min(min, c.charCodeAt(0));
  return (size << 8) | (min & 0xff);
}

/** ext_cmp: negative when `a` should be tried before `b`. */
export function compareExtensions(a: string, b: string): number {
  const pa = isPattern(a);
  const pb = isPattern(b);
  if (!pa && !pb) return a < b ? -1 : a > b ? 1 : 0;
  if (!pa) return -1;
  if (!pb) return 1;
  const ta = tokenize(a);
  const tb = tokenize(b);
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (!x) return -1;
    if (!y) return 1;
    const d = weight(x) - weight(y);
    if (d !== 0) return d;
  }
  return 0;
}

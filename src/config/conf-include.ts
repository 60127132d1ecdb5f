/**
 * File lookup for #include / #tryinclude: Asterisk resolves names against the configuration directory
 * (not the including file) and expands glob(3) patterns, sorted. We also confine every include to that
 * directory, because a config file must not be able to read arbitrary files on the host.
 */
import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';

const MAGIC = /[*?[]/;

/** Is `target` (absolute) `dir` itself or inside it? */
export function isWithin(dir: string, target: string): boolean {
  const rel = relative(dir, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** realpath, or the plain resolved path when the file cannot be resolved (missing, no permission). */
export function realOr(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** One element of a glob(3) path segment: a literal character, `?`, `*` or a `[...]` class. */
type GlobToken =
  | { t: 'char'; c: string }
  | { t: 'any' }
  | { t: 'star' }
  | { t: 'class'; negate: boolean; ranges: Array<[string, string]> };

/** Parses one segment: `*`, `?`, `[...]` / `[!...]`, `\x` literal; anything else literal. */
function parseSegment(seg: string): GlobToken[] {
  const out: GlobToken[] = [];
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '*') out.push({ t: 'star' });
    else if (ch === '?') out.push({ t: 'any' });
    else if (ch === '\\' && i + 1 < seg.length) out.push({ t: 'char', c: seg[++i] });
    else if (ch === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        out.push({ t: 'char', c: '[' });
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      const ranges: Array<[string, string]> = [];
      for (let j = 0; j < body.length; j++) {
        if (body[j + 1] === '-' && j + 2 < body.length) {
          ranges.push([body[j], body[j + 2]]);
          j += 2;
        } else ranges.push([body[j], body[j]]);
      }
      out.push({ t: 'class', negate, ranges });
      i = close;
    } else out.push({ t: 'char', c: ch });
  }
  return out;
}

function tokenMatches(tok: GlobToken, c: string): boolean {
  if (tok.t === 'any') return true;
  if (tok.t === 'char') return tok.c === c;
  if (tok.t === 'class') return tok.ranges.some(([lo, hi]) => lo <= c && c <= hi) !== tok.negate;
  return false;
}

/**
 * fnmatch() of one segment without a regex engine: the greedy walk that, on a mismatch, retries from
 * the last `*` only. At most name × pattern steps, whatever the pattern (a backtracking RegExp of
 * `*a*a*a*a*b` took exponential time on a long name). A reversed range `[z-a]` matches nothing.
 */
function globSegmentMatch(tokens: readonly GlobToken[], name: string): boolean {
  let p = 0;
  let s = 0;
  let starP = -1;
  let starS = 0;
  while (s < name.length) {
    const tok = tokens[p];
    if (tok !== undefined && tok.t !== 'star' && tokenMatches(tok, name[s])) {
      p++;
      s++;
    } else if (tok !== undefined && tok.t === 'star') {
      starP = p++;
      starS = s;
    } else if (starP >= 0) {
      p = starP + 1;
      s = ++starS;
    } else return false;
  }
  while (p < tokens.length && tokens[p].t === 'star') p++;
  return p === tokens.length;
}

/** A segment as its matcher (exported for the tests of the glob). */
export function globSegment(seg: string): (name: string) => boolean {
  const tokens = parseSegment(seg);
  return (name) => globSegmentMatch(tokens, name);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Expand an absolute pattern. Without magic characters it is returned as is (GLOB_NOMAGIC), so the
 * caller reports a missing file. Hidden entries only match a segment that itself starts with '.'.
 */
export function expandGlob(absPattern: string): string[] {
  const pattern = normalize(absPattern);
  if (!MAGIC.test(pattern)) return [pattern];
  const segs = pattern.split(sep);
  let bases = [segs[0] === '' ? sep : segs[0]];
  for (let k = 1; k < segs.length; k++) {
    const seg = segs[k];
    if (seg === '') continue;
    const last = k === segs.length - 1;
    const next: string[] = [];
    if (!MAGIC.test(seg)) {
      for (const b of bases) next.push(join(b, seg.replace(/\\(.)/g, '$1')));
    } else {
      const matches = globSegment(seg);
      for (const b of bases) {
        for (const name of listDir(b).sort()) {
          if (name.startsWith('.') && !seg.startsWith('.')) continue;
          if (!matches(name)) continue;
          const p = join(b, name);
          if (last || isDir(p)) next.push(p);
        }
      }
    }
    bases = next;
    if (bases.length === 0) return [];
  }
  return bases.sort();
}

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

/** One glob(3) path segment as a RegExp: `*`, `?`, `[...]` / `[!...]`; anything else literal. */
function segmentRegex(seg: string): RegExp | undefined {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const ch = seg[i];
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else if (ch === '\\' && i + 1 < seg.length) re += escapeRe(seg[++i]);
    else if (ch === '[') {
      const close = seg.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = seg.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += escapeRe(ch);
  }
  try {
    return new RegExp(`^${re}$`, 's');
  } catch {
    return undefined; // e.g. a reversed range [z-a]: glob(3) matches nothing either
  }
}

function escapeRe(ch: string): string {
  return ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
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
      const re = segmentRegex(seg);
      if (!re) return [];
      for (const b of bases) {
        for (const name of listDir(b).sort()) {
          if (name.startsWith('.') && !seg.startsWith('.')) continue;
          if (!re.test(name)) continue;
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

import { scanfInt, separateArgs as separateConfArgs } from '../../config/cstr.js';
import {
  globToPatternSource,
  tryCompilePattern,
  type Pattern,
  type PatternError,
} from '../../pattern/index.js';
/**
 * Small C-library look-alikes the core actions need to parse requests exactly as Asterisk does:
 * sscanf("%30d"), ast_true, AST_STANDARD_APP_ARGS, ast_callerid_parse + ast_shrink_phone_number,
 * and printf-style column padding for the CLI tables.
 */

/** sscanf(s, "%30d", &n): leading blanks, optional sign, digits; undefined when nothing converts. */
export function scanInt(s: string): number | undefined {
  // Into a C int, as glibc stores it: Timeout: 99999999999999999999999 becomes -1 (no timeout).
  return scanfInt(s);
}

/** sscanf(s, "%30u"): like scanInt, negative input wraps as unsigned (we reject it). */
export function scanUnsigned(s: string): number | undefined {
  const n = scanInt(s);
  return n === undefined || n < 0 ? undefined : n;
}

/** AST_STANDARD_APP_ARGS on commas (src/config/cstr separateArgs), at most `max` items. */
export function separateArgs(s: string, max = 100): string[] {
  return separateConfArgs(s, ',', max);
}

/** ast_shrink_phone_number: drops `( ) - .` and blanks (a leading `+` stays). */
export function shrinkPhoneNumber(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '+' && out.length === 0) out += c;
    else if ('()-. \t'.includes(c)) continue;
    else out += c;
  }
  return out;
}

/** ast_isphonenumber after shrinking: digits, `*`, `#`, `+` (a leading `+` only). */
function isPhoneNumber(s: string): boolean {
  return s.length > 0 && /^\+?[0-9*#]+$/.test(s);
}

/**
 * ast_callerid_parse: `"Name" <num>`, `Name <num>`, a bare number, or a bare name. Returns the
 * name and the (shrunk) number, '' for an absent part, as Originate uses them.
 */
export function parseCallerIdHeader(s: string): { name: string; num: string } {
  const t = s.trim();
  if (!t) return { name: '', num: '' };
  const lt = t.lastIndexOf('<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    const num = gt >= 0 ? t.slice(lt + 1, gt) : t.slice(lt + 1);
    let name = t.slice(0, lt).trim();
    if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
    return { name, num: shrinkPhoneNumber(num.trim()) };
  }
  const shrunk = shrinkPhoneNumber(t);
  if (isPhoneNumber(shrunk)) return { name: '', num: shrunk };
  let name = t;
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
  return { name, num: '' };
}

/** printf `%-N.Ns`: left-justified, truncated to N. */
export function padCol(s: string, n: number): string {
  return s.length >= n ? s.slice(0, n) : s + ' '.repeat(n - s.length);
}

/** printf `%Nd` / `%N.Ns` right-justified (no truncation for numbers). */
export function padLeft(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** `%02d:%02d:%02d` of a number of seconds. */
export function hms(totalSec: number): string {
  const s = Math.max(0, Math.floor(totalSec));
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor((s % 3600) / 60))}:${p(s % 60)}`;
}

/** ESS(): plural `s` unless exactly one. */
export function ess(n: number): string {
  return n === 1 ? '' : 's';
}

/**
 * A POSIX ERE as Asterisk compiles it with regcomp(REG_EXTENDED), on the linear-time engine of
 * src/pattern. Returns the regerror() text when it does not compile.
 */
export function compileRegex(source: string, ignoreCase = false): Pattern | PatternError {
  return tryCompilePattern(source, { ignoreCase });
}

/**
 * ast_regex_string_to_regex_pattern: `/regex/` -> `regex` (the slashes must be first and last);
 * undefined for any other shape.
 */
export function regexFromSlashes(s: string): string | undefined {
  if (s.length < 2 || s[0] !== '/' || s[s.length - 1] !== '/') return undefined;
  return s.slice(1, -1);
}

/**
 * fnmatch(pattern, name, FNM_NOESCAPE | FNM_PATHNAME | FNM_CASEFOLD) for `channel request hangup`:
 * `*` and `?` never match `/`, `[...]` classes.
 */
export function globToRegex(glob: string): Pattern | PatternError {
  return tryCompilePattern(globToPatternSource(glob, false), { ignoreCase: true });
}

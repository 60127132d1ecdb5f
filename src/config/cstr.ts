/**
 * The few C string helpers Asterisk's config readers lean on, with their exact edge behaviour (a value
 * like ' 30s' must read the same number Asterisk reads).
 */

/** ast_skip_blanks: drop leading chars below '!' (spaces, tabs, CR, control chars). */
export function skipBlanks(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 33) i++;
  return s.slice(i);
}

/** ast_trim_blanks: drop trailing chars below '!'. */
export function trimBlanks(s: string): string {
  let j = s.length;
  while (j > 0 && s.charCodeAt(j - 1) < 33) j--;
  return s.slice(0, j);
}

/** ast_strip: both ends. */
export function astStrip(s: string): string {
  return trimBlanks(skipBlanks(s));
}

export const INT_MAX = 0x7fffffff;
export const INT_MIN = -0x80000000;
const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/**
 * glibc's strtol on a signed decimal, stored into an `int`: the long saturates at LONG_MIN/LONG_MAX on
 * overflow, then the store keeps its low 32 bits (so 99999999999999999999 becomes -1).
 */
function longToInt(digits: string): number {
  let v = BigInt(digits);
  if (v > LONG_MAX) v = LONG_MAX;
  else if (v < LONG_MIN) v = LONG_MIN;
  return Number(BigInt.asIntN(32, v));
}

/** C atoi() as glibc does it ((int)strtol): 0 when no digits; see longToInt for overflow. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m ? longToInt(m[1]) : 0;
}

/** sscanf(s, "%30d", &int): undefined when nothing converts; the field is 30 characters, sign included. */
export function scanfInt(s: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (!m) return undefined;
  const field = m[1].slice(0, 30);
  return /[0-9]/.test(field) ? longToInt(field) : undefined;
}

/**
 * A double stored into an `int` (`to = secs * 1000` in app_dial): in range it truncates; out of range C
 * leaves it undefined and x86-64 (cvttsd2si) yields INT_MIN, which the dialers read as "no timeout".
 */
export function doubleToInt(x: number): number {
  if (!Number.isFinite(x) || x >= 2 ** 31 || x <= -(2 ** 31) - 1) return INT_MIN;
  return Math.trunc(x);
}

const C_DOUBLE = /^[+-]?(?:inf(?:inity)?|nan|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/i;

/** sscanf(s, "%30lf"): the value and the rest of the text; undefined when nothing converts. */
function scanDouble(s: string): { value: number; rest: string } | undefined {
  const t = skipBlanks(s);
  const m = C_DOUBLE.exec(t.slice(0, 30));
  if (!m) return undefined;
  const w = m[0].toLowerCase();
  const value = w.includes('nan')
    ? NaN
    : w.includes('inf')
      ? w.startsWith('-')
        ? -Infinity
        : Infinity
      : Number(w);
  return { value, rest: t.slice(m[0].length) };
}

/** sscanf(s, "%30lf"); undefined when nothing converts. */
export function scanfDouble(s: string): number | undefined {
  return scanDouble(s)?.value;
}

/**
 * ast_app_parse_timelen: a number with an optional unit (h, m, s, ms; `unit` when none), in
 * milliseconds, saturated at INT_MAX as Asterisk does; undefined when unparsable.
 */
export function parseTimelen(s: string, unit: 'ms' | 's' | 'm' | 'h'): number | undefined {
  const d = scanDouble(s);
  if (d === undefined) return undefined;
  const u = skipBlanks(d.rest)
    .split(/[ \t\n\v\f\r]/, 1)[0]
    .slice(0, 9)
    .toLowerCase();
  const factors: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const factor = factors[u === '' ? unit : u];
  if (factor === undefined) return undefined;
  const ms = d.value * factor;
  // (int) of NaN or of a huge negative is INT_MIN on x86-64; callers treat <= 0 as "no wait".
  return ms > INT_MAX ? INT_MAX : doubleToInt(ms);
}

/**
 * ast_parse_arg(PARSE_UINT32): strtoul with base 0 (0x.. hex, 0.. octal), the whole text must be used,
 * no minus sign. Undefined when Asterisk would report an error before any range check.
 */
export function parseUint32(s: string): number | undefined {
  const t = skipBlanks(s);
  if (t === '' || t.startsWith('-')) return undefined;
  const body = t.startsWith('+') ? t.slice(1) : t;
  let n: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(body)) n = parseInt(body.slice(2), 16);
  else if (/^0[0-7]*$/.test(body)) n = parseInt(body, 8);
  else if (/^[1-9][0-9]*$/.test(body)) n = Number(body);
  else return undefined;
  return n > 0xffffffff ? undefined : n;
}

/** ast_parse_arg(PARSE_INT32): strtol base 0, whole text used, int32 range. */
export function parseInt32(s: string): number | undefined {
  const t = skipBlanks(s);
  const neg = t.startsWith('-');
  const n = parseUint32(neg ? t.slice(1) : t);
  if (n === undefined || (neg && t.slice(1).startsWith('+'))) return undefined;
  const v = neg ? -n : n;
  return v < -0x80000000 || v > 0x7fffffff ? undefined : v;
}

/**
 * __ast_app_separate_args with remove_chars (AST_STANDARD_APP_ARGS): split on `delim` outside (), []
 * and "quotes"; quote marks are dropped, a backslash makes the next char literal. No trimming. At most
 * `max` items; the last one takes the rest.
 */
export function separateArgs(buf: string, delim: string, max: number): string[] {
  const out: string[] = [];
  let paren = 0;
  let bracket = 0;
  let quote = false;
  let i = 0;
  let endedOnDelim = false;
  while (i < buf.length && out.length < max - 1) {
    let cur = '';
    endedOnDelim = false;
    for (; i < buf.length; i++) {
      const ch = buf[i];
      if (ch === '(') paren++;
      else if (ch === ')') paren = Math.max(0, paren - 1);
      else if (ch === '[') bracket++;
      else if (ch === ']') bracket = Math.max(0, bracket - 1);
      else if (ch === '"' && delim !== '"') {
        quote = !quote;
        continue;
      } else if (ch === '\\') {
        if (i + 1 < buf.length) cur += buf[++i];
        continue;
      } else if (ch === delim && !paren && !quote && !bracket) {
        i++;
        endedOnDelim = true;
        break;
      }
      cur += ch;
    }
    out.push(cur);
  }
  // A trailing delimiter means one more (empty) item; leftovers past `max` go into the last one.
  if (i < buf.length || endedOnDelim) out.push(buf.slice(i));
  return out;
}

const TRUE_WORDS = new Set(['yes', 'true', 'y', 't', '1', 'on']);
const FALSE_WORDS = new Set(['no', 'false', 'n', 'f', '0', 'off']);

/** Asterisk's ast_true(): yes, true, y, t, 1, on (case-insensitive, blanks trimmed). */
export function astTrue(v: string | undefined): boolean {
  return v !== undefined && TRUE_WORDS.has(v.trim().toLowerCase());
}
/** Asterisk's ast_false(). */
export function astFalse(v: string | undefined): boolean {
  return v !== undefined && FALSE_WORDS.has(v.trim().toLowerCase());
}

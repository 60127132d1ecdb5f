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

/** C atoi(): leading whitespace, optional sign, digits; 0 when there are none; int32 wrap-around. */
export function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  if (!m) return 0;
  const n = Number(m[1]);
  return Number.isFinite(n) ? n | 0 : 0;
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

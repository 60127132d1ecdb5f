/**
 * Regular expressions that come from a client or a configuration file, on a linear-time engine.
 *
 * Asterisk compiles these with POSIX regcomp(REG_EXTENDED); JavaScript's RegExp backtracks, so one
 * pattern such as `(a+)+$` could hold the event loop for seconds. Every user pattern goes through
 * here instead: RE2 semantics (re2js, a pure-JS port that runs in the browser too), no fallback to
 * RegExp. What RE2 cannot run (backreferences, lookaround) is refused with the text glibc's
 * regerror() gives for an invalid pattern, so each caller can answer as Asterisk does in its place.
 *
 * RE2 is linear in the subject, but the constant grows with the compiled program, so work is capped
 * at three points: the pattern's length, its program size (estimated before compiling, so that
 * `a{0,999}` repeated cannot make the compiler itself slow) and program size × subject length per
 * match. The caps are exported for docs/security.md and the tests.
 *
 * This room imports nothing of ours (like protocol/ and config/).
 */
import { RE2JS, RE2Set } from 're2js';

/** re2js's compiled program (its class is not exported by name). */
type RE2 = ReturnType<RE2JS['re2']>;
const UNANCHORED = RE2Set.UNANCHORED;

/** Longest pattern accepted, in characters (an AMI line over TCP holds at most 1023 bytes). */
export const MAX_PATTERN_LENGTH = 1024;
/**
 * Largest compiled program accepted, in RE2 instructions (`a{400}` is 402). re2js runs programs up
 * to this size on its bit-state backtracker, which visits each (instruction, position) pair at most
 * once.
 */
export const MAX_PROGRAM_SIZE = 500;
/**
 * Program instructions × subject characters one match may visit: the backtracker's own bound
 * (256 Ki bits), so that every match accepted runs on it. A few ms at worst, see docs/security.md.
 */
export const MATCH_BUDGET = 1 << 18;
/** Longest subject matched whatever the program, in characters. */
export const MAX_SUBJECT_LENGTH = 64 * 1024;
/** Compiled patterns kept for reuse, least recently used dropped first. */
export const CACHE_SIZE = 128;

/** glibc regerror() texts, for the errors an RE2 parse can report. */
export const POSIX_ERRORS = {
  BADPAT: 'Invalid regular expression',
  ECTYPE: 'Invalid character class name',
  EESCAPE: 'Trailing backslash',
  ESUBREG: 'Invalid back reference',
  EBRACK: 'Unmatched [, [^, [:, [., or [=',
  EPAREN: 'Unmatched ( or \\(',
  EBRACE: 'Unmatched \\{',
  BADBR: 'Invalid content of \\{\\}',
  ERANGE: 'Invalid range end',
  BADRPT: 'Invalid preceding regular expression',
  ESIZE: 'Regular expression too big',
  ERPAREN: 'Unmatched ) or \\)',
} as const;

/** A pattern that does not compile: `message` is what regerror() would say, `detail` why exactly. */
export class PatternError extends Error {
  constructor(
    message: string,
    readonly detail: string,
  ) {
    super(message);
    this.name = 'PatternError';
  }
}

/** A subject longer than the pattern may scan (see Pattern.maxSubject). */
export class SubjectTooLongError extends Error {
  constructor(
    readonly length: number,
    readonly limit: number,
  ) {
    super(`subject of ${length} characters is longer than the ${limit} this pattern may scan`);
    this.name = 'SubjectTooLongError';
  }
}

export interface PatternOptions {
  /** REG_ICASE. */
  ignoreCase?: boolean;
  /** `.` matches a line break too (POSIX regexec without REG_NEWLINE). */
  dotAll?: boolean;
  /** POSIX leftmost-longest overall match, for callers that report what matched. */
  longest?: boolean;
}

export interface PatternMatch {
  /** Where the match starts and what it covers. */
  index: number;
  text: string;
  /** The first parenthesized group, undefined when it did not take part (or there is none). */
  group1: string | undefined;
}

/** One compiled pattern; immutable, shared through the cache. */
export class Pattern {
  /** Longest subject a match may scan: MATCH_BUDGET / program size, at most MAX_SUBJECT_LENGTH. */
  readonly maxSubject: number;
  readonly groupCount: number;
  readonly programSize: number;

  constructor(
    readonly source: string,
    private readonly re: RE2,
  ) {
    this.programSize = re.numberOfInstructions() as number;
    this.groupCount = re.numberOfCapturingGroups();
    this.maxSubject = Math.min(MAX_SUBJECT_LENGTH, Math.floor(MATCH_BUDGET / Math.max(1, this.programSize)));
  }

  /** True when `subject` is short enough to be matched. */
  fits(subject: string): boolean {
    return subject.length <= this.maxSubject;
  }

  /** Whether the pattern matches anywhere in `subject`; throws SubjectTooLongError past maxSubject. */
  test(subject: string): boolean {
    this.check(subject);
    return this.run(subject, 1) !== null;
  }

  /**
   * Whether it matches in the first maxSubject characters of `subject`: for texts we do not choose
   * (an event), where refusing is not an option; `$` then anchors at the cut.
   */
  testHead(subject: string): boolean {
    return (
      this.run(subject.length <= this.maxSubject ? subject : subject.slice(0, this.maxSubject), 1) !== null
    );
  }

  /** The leftmost match and its first group; throws SubjectTooLongError past maxSubject. */
  exec(subject: string): PatternMatch | null {
    this.check(subject);
    const g = this.run(subject, this.groupCount > 0 ? 2 : 1);
    if (g === null) return null;
    return {
      index: g[0],
      text: subject.slice(g[0], g[1]),
      group1: g.length > 3 && g[2] >= 0 ? subject.slice(g[2], g[3]) : undefined,
    };
  }

  /**
   * Asks for at least one group so that re2js skips its lazy DFA (whose state cache can cost more
   * than the budget when a pattern makes it thrash) and runs one-pass or the bounded backtracker.
   * Returns the group offsets, or null.
   */
  private run(subject: string, groups: number): number[] | null {
    const [ok, g] = this.re.matchWithGroup(subject, 0, subject.length, UNANCHORED, groups) as [
      boolean,
      number[],
    ];
    return ok ? g : null;
  }

  private check(subject: string): void {
    if (subject.length > this.maxSubject) throw new SubjectTooLongError(subject.length, this.maxSubject);
  }
}

const cache = new Map<string, Pattern | PatternError>();

/**
 * Compiles a POSIX-style extended regular expression with RE2 semantics. POSIX bracket classes
 * (`[[:digit:]]`, `[^[:space:]]`) are RE2's own; `\p{...}` Unicode groups are refused (POSIX has none,
 * and they are the slowest thing to compile). Throws PatternError.
 */
export function compilePattern(source: string, opts: PatternOptions = {}): Pattern {
  const r = tryCompilePattern(source, opts);
  if (r instanceof PatternError) throw r;
  return r;
}

/** compilePattern without the throw: the Pattern, or the PatternError. */
export function tryCompilePattern(source: string, opts: PatternOptions = {}): Pattern | PatternError {
  if (source.length > MAX_PATTERN_LENGTH) {
    return new PatternError(
      POSIX_ERRORS.ESIZE,
      `pattern of ${source.length} characters is longer than ${MAX_PATTERN_LENGTH}`,
    );
  }
  const flags =
    RE2JS.DISABLE_UNICODE_GROUPS |
    (opts.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0) |
    (opts.dotAll ? RE2JS.DOTALL : 0) |
    (opts.longest ? RE2JS.LONGEST_MATCH : 0);
  const key = `${flags}:${source}`;
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const made = build(source, flags);
  cache.set(key, made);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return made;
}

/** How many compiled patterns the cache holds (for tests). */
export function cachedPatternCount(): number {
  return cache.size;
}

function build(source: string, flags: number): Pattern | PatternError {
  const estimate = estimateProgramSize(source);
  if (estimate > MAX_PROGRAM_SIZE * 4) return tooBig(`about ${estimate} instructions`);
  let re: RE2JS;
  try {
    re = RE2JS.compile(source, flags);
  } catch (e) {
    return toPatternError(e);
  }
  if (re.programSize() > MAX_PROGRAM_SIZE) return tooBig(`${re.programSize()} instructions`);
  return new Pattern(source, re.re2());
}

function tooBig(what: string): PatternError {
  return new PatternError(POSIX_ERRORS.ESIZE, `compiles to ${what}, more than ${MAX_PROGRAM_SIZE}`);
}

/**
 * Maps an re2js syntax error onto regerror()'s text. re2js reports the RE2 error code in `error` and
 * the offending text in `input`.
 */
function toPatternError(e: unknown): PatternError {
  const err = e as { message?: string; error?: string; input?: string | null };
  const code = err.error ?? '';
  const input = err.input ?? '';
  const detail = err.message ?? String(e);
  const at = (msg: string): PatternError => new PatternError(msg, detail);
  switch (code) {
    case 'invalid escape sequence':
      return at(/^\\[0-9]/.test(input) ? POSIX_ERRORS.ESUBREG : POSIX_ERRORS.BADPAT);
    case 'missing closing )':
      return at(POSIX_ERRORS.EPAREN);
    case 'unexpected )':
      return at(POSIX_ERRORS.ERPAREN);
    case 'missing closing ]':
      return at(POSIX_ERRORS.EBRACK);
    case 'invalid character class':
      return at(POSIX_ERRORS.ECTYPE);
    case 'invalid character class range':
      return at(input.startsWith('[:') ? POSIX_ERRORS.ECTYPE : POSIX_ERRORS.ERANGE);
    case 'invalid repeat count': {
      const m = /^\{(\d+)(?:,(\d*))?\}$/.exec(input);
      const big = m !== null && (Number(m[1]) > 1000 || (m[2] !== undefined && Number(m[2]) > 1000));
      return at(big ? POSIX_ERRORS.ESIZE : POSIX_ERRORS.BADBR);
    }
    case 'missing argument to repetition operator':
    case 'invalid nested repetition operator':
    case 'invalid or unsupported Perl syntax':
    case 'invalid named capture':
      // Lookaround and other `(?...` forms: regcomp sees a `?` with nothing before it.
      return at(POSIX_ERRORS.BADRPT);
    case 'trailing backslash at end of expression':
      return at(POSIX_ERRORS.EESCAPE);
    case 'expression too large':
    case 'expression nests too deeply':
      return at(POSIX_ERRORS.ESIZE);
    default:
      return at(POSIX_ERRORS.BADPAT);
  }
}

/**
 * An upper bound of the RE2 program size, from the text alone (re2js's own limit, 1.4 million
 * instructions, takes seconds to reach). Atoms count 1, a group 2 more, `*` 2, `+` and `?` 1,
 * `{n,m}` multiplies what it repeats by its larger bound; `\Q...\E` and `\x{..}` may be overcounted,
 * which can only refuse more, never less.
 */
export function estimateProgramSize(source: string): number {
  const CAP = 1e9;
  const stack: Array<{ sum: number; last: number }> = [];
  let cur = { sum: 0, last: 0 };
  const atom = (n: number): void => {
    cur.sum = Math.min(CAP, cur.sum + n);
    cur.last = n;
  };
  const repeat = (n: number): void => {
    cur.sum = Math.min(CAP, cur.sum - cur.last + n);
    cur.last = n;
  };
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === '\\') {
      i++;
      atom(1);
    } else if (c === '[') {
      let j = i + 1;
      if (source[j] === '^') j++;
      if (source[j] === ']') j++;
      while (j < source.length && source[j] !== ']') {
        if (source[j] === '\\') j++;
        else if (source[j] === '[' && source[j + 1] === ':') {
          const end = source.indexOf(':]', j + 2);
          if (end > 0) j = end + 1;
        }
        j++;
      }
      i = j;
      atom(1);
    } else if (c === '(') {
      stack.push(cur);
      cur = { sum: 0, last: 0 };
    } else if (c === ')') {
      const inner = cur.sum + 2;
      cur = stack.pop() ?? { sum: 0, last: 0 };
      atom(inner);
    } else if (c === '|') {
      cur.sum = Math.min(CAP, cur.sum + 1);
      cur.last = 0;
    } else if (c === '*') {
      repeat(cur.last + 2);
    } else if (c === '+' || c === '?') {
      repeat(cur.last + 1);
    } else if (c === '{') {
      const m = /^\{(\d{1,7})(,(\d{0,7}))?\}/.exec(source.slice(i, i + 20));
      if (!m) {
        atom(1);
        continue;
      }
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : m[3] === '' ? lo + 1 : Number(m[3]);
      const k = Math.max(1, lo, hi);
      repeat(Math.min(CAP, cur.last * k + k));
      i += m[0].length - 1;
    } else atom(1);
  }
  while (stack.length > 0) {
    const inner = cur.sum + 2;
    cur = stack.pop() as { sum: number; last: number };
    atom(inner);
  }
  return cur.sum;
}

/**
 * A glob(3)/fnmatch(3) pattern (`*`, `?`, `[...]`, `[!...]`) as an RE2 source matching whole names.
 * `slash` false keeps `*` and `?` from crossing `/` (FNM_PATHNAME).
 */
export function globToPatternSource(glob: string, slash = true): string {
  const any = slash ? '.' : '[^/]';
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += any + '*';
    else if (c === '?') re += any;
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = glob.slice(i + 1, end);
        const neg = body.startsWith('!');
        if (neg) body = body.slice(1);
        // Inside a class only `\`, `[`, `]` and a leading `^` mean something to RE2; `-` keeps its range.
        const safe = body.replace(/[\\[\]^]/g, '\\$&');
        re += '[' + (neg ? '^' : '') + safe + ']';
        i = end;
      }
    } else re += RE2JS.quote(c);
  }
  return re + '$';
}

/**
 * An AMI message as it travelled on the wire: its header lines, in order, repeated headers kept.
 *
 * The raw lines are kept (without their line end) because Asterisk itself stores and reads them that way:
 * a lookup matches `Name:` case-insensitively at the start of a line, a line without a colon never matches
 * but still counts, and UserEvent echoes lines verbatim. Name/value pairs are derived on demand.
 */
import { sanitizeValue } from './serializer.js';

export type HeaderPair = readonly [name: string, value: string];

const COLON = 58;

/** True when `line` starts with `lname` (already lower-cased) followed by a colon, ignoring case. */
function lineHasName(line: string, lname: string): boolean {
  const l = lname.length;
  if (line.length <= l || line.charCodeAt(l) !== COLON) return false;
  for (let i = 0; i < l; i++) {
    let c = line.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lname.charCodeAt(i)) return false;
  }
  return true;
}

/** Skips leading bytes below 33 (Asterisk's ast_skip_blanks). */
export function skipBlanks(s: string, from = 0): string {
  let i = from;
  const n = s.length;
  while (i < n && s.charCodeAt(i) < 33) i++;
  return i === 0 ? s : s.slice(i);
}

export class AmiMessage {
  /** Header lines without line ends, as received (or as built). */
  readonly lines: string[];
  /** Set by the parser when a line of this message was longer than the line limit. */
  lineTooLong = false;
  /** Set by the parser when the message had more lines than the header limit (extra lines dropped). */
  tooManyLines = false;

  constructor(lines: string[] = []) {
    this.lines = lines;
  }

  /** Builds a message from name/value pairs (values are written after `": "`). */
  static from(pairs: Iterable<readonly [string, string]> | Record<string, string | string[]>): AmiMessage {
    const m = new AmiMessage();
    const it: Iterable<readonly [string, string | string[]]> =
      Symbol.iterator in pairs
        ? (pairs as Iterable<readonly [string, string]>)
        : Object.entries(pairs as Record<string, string | string[]>);
    for (const [n, v] of it) {
      if (Array.isArray(v)) for (const x of v) m.add(n, x);
      else m.add(n, v as string);
    }
    return m;
  }

  get size(): number {
    return this.lines.length;
  }

  /** Appends `Name: value`; a line break inside either can never start a new header. */
  add(name: string, value: string): this {
    this.lines.push(sanitizeValue(name) + ': ' + sanitizeValue(value));
    return this;
  }

  /**
   * The first value of `name` with leading blanks skipped, as Asterisk's astman_get_header reads it,
   * or `undefined` when absent. With `skipEmpty`, empty values are passed over (GET_HEADER_SKIP_EMPTY).
   */
  get(name: string, skipEmpty = false): string | undefined {
    const lname = name.toLowerCase();
    const lines = this.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (lineHasName(line, lname)) {
        const v = skipBlanks(line, lname.length + 1);
        if (skipEmpty && v.length === 0) continue;
        return v;
      }
    }
    return undefined;
  }

  /** Like {@link get} but returns '' when absent, as Asterisk does. */
  header(name: string): string {
    return this.get(name) ?? '';
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every value of `name`, in order (leading blanks skipped). */
  getAll(name: string): string[] {
    const lname = name.toLowerCase();
    const out: string[] = [];
    for (const line of this.lines) if (lineHasName(line, lname)) out.push(skipBlanks(line, lname.length + 1));
    return out;
  }

  /**
   * Name/value pairs with exact values: the text after the colon with one separating space removed.
   * Lines without a colon are skipped. This is how a client should read what a server wrote.
   */
  *entries(): IterableIterator<HeaderPair> {
    for (const line of this.lines) {
      const c = line.indexOf(':');
      if (c < 0) continue;
      const v = line.charCodeAt(c + 1) === 32 ? line.slice(c + 2) : line.slice(c + 1);
      yield [line.slice(0, c), v];
    }
  }

  /** The first header's name (`Response`, `Event`, `Action`, ...), lower-cased, or ''. */
  get kind(): string {
    const first = this.lines[0];
    if (first === undefined) return '';
    const c = first.indexOf(':');
    return c < 0 ? '' : first.slice(0, c).toLowerCase();
  }

  /** A plain object: repeated headers become arrays, in order. Names keep their case. */
  toObject(): Record<string, string | string[]> {
    // A null-prototype object, so that a header named __proto__ stays a header.
    const o = Object.create(null) as Record<string, string | string[]>;
    // An indexed loop rather than entries(): this is the client's hot path.
    const lines = this.lines;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const c = line.indexOf(':');
      if (c < 0) continue;
      const n = line.slice(0, c);
      const v = line.charCodeAt(c + 1) === 32 ? line.slice(c + 2) : line.slice(c + 1);
      const cur = o[n];
      if (cur === undefined) o[n] = v;
      else if (typeof cur === 'string') o[n] = [cur, v];
      else cur.push(v);
    }
    return o;
  }
}

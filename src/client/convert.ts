/** AmiMessage → plain header objects, with the exact values the server wrote. */
import { AmiMessage, sanitizeValue } from '../protocol/index.js';
import type { AmiHeaders, AnyParams } from './types.js';

/**
 * The headers of `msg` as an object: the value is the text after the colon with one separating space
 * removed (AmiMessage.entries()); a repeated header becomes an array, in order. Lines without a colon
 * are not headers and are skipped (they stay in `msg.lines`).
 */
export function headersOf(msg: AmiMessage): AmiHeaders {
  const o: AmiHeaders = {};
  const lines = msg.lines;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const c = line.indexOf(':');
    if (c < 0) continue;
    const name = line.slice(0, c);
    const v = line.charCodeAt(c + 1) === 32 ? line.slice(c + 2) : line.slice(c + 1);
    const cur = o[name];
    if (cur === undefined) {
      if (name === '__proto__')
        Object.defineProperty(o, name, { value: v, enumerable: true, writable: true });
      else o[name] = v;
    } else if (Array.isArray(cur)) cur.push(v);
    else o[name] = [cur, v];
  }
  return o;
}

/** True when `line` starts with `lname` (lower-case ASCII) followed by a colon, ignoring case. */
export function lineIs(line: string, lname: string): boolean {
  const n = lname.length;
  if (line.length <= n || line.charCodeAt(n) !== 58) return false;
  for (let i = 0; i < n; i++) {
    let c = line.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lname.charCodeAt(i)) return false;
  }
  return true;
}

/** The exact value of the first `name` header (case-insensitive), or undefined. */
export function exactHeader(msg: AmiMessage, name: string): string | undefined {
  const lname = name.toLowerCase();
  const n = lname.length;
  const lines = msg.lines;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (lineIs(line, lname)) return line.charCodeAt(n + 1) === 32 ? line.slice(n + 2) : line.slice(n + 1);
  }
  return undefined;
}

type Factory = (lines: string[]) => AmiHeaders;

interface Shape {
  names: string[];
  make: Factory;
}

const SHAPE_LIMIT = 512;

/**
 * headersOf() with a per-owner cache of message shapes. Events of one kind nearly always carry the same
 * headers in the same order; for such a shape a small generated factory builds the object as a literal
 * with fixed keys, slicing each value at a fixed offset (V8 creates such literals far faster than adding
 * properties one by one). A message is only given to a factory after every line was checked to start
 * with the expected `Name: `; the result is identical to headersOf(). Messages with repeated headers,
 * lines without `Name: ` or more than 64 lines take the generic path. The cache is bounded (SHAPE_LIMIT
 * shapes, then it stops learning).
 */
export class HeaderConverter {
  private readonly shapes = new Map<string, Shape[]>();
  private count = 0;

  convert(msg: AmiMessage): AmiHeaders {
    const lines = msg.lines;
    const n = lines.length;
    if (n === 0 || n > 64) return headersOf(msg);
    const first = lines[0];
    const cands = this.shapes.get(first);
    if (cands !== undefined) {
      for (let s = 0; s < cands.length; s++) {
        const shape = cands[s];
        const names = shape.names;
        if (names.length !== n) continue;
        let i = 1;
        for (; i < n; i++) {
          const line = lines[i];
          const name = names[i];
          const l = name.length;
          if (line.charCodeAt(l) !== 58 || line.charCodeAt(l + 1) !== 32 || !line.startsWith(name)) break;
        }
        if (i === n) return shape.make(lines);
      }
    }
    if (this.count < SHAPE_LIMIT && first.length < 128) this.learn(first, lines);
    return headersOf(msg);
  }

  private learn(first: string, lines: string[]): void {
    const known = this.shapes.get(first);
    if (known !== undefined && known.length >= 8) return;
    const names: string[] = [];
    const seen = new Set<string>();
    for (const line of lines) {
      const c = line.indexOf(':');
      if (c <= 0 || line.charCodeAt(c + 1) !== 32) return;
      const name = line.slice(0, c);
      if (seen.has(name) || name === '__proto__') return;
      seen.add(name);
      names.push(name);
    }
    let list = this.shapes.get(first);
    if (list === undefined) this.shapes.set(first, (list = []));
    if (list.length >= 8) return;
    // Keys are JSON string literals and offsets are numbers: no header can change the generated code.
    const body =
      'return {' +
      names.map((nm, i) => `${JSON.stringify(nm)}: L[${i}].slice(${nm.length + 2})`).join(', ') +
      '};';
    const make = new Function('L', body) as Factory;
    list.push({ names, make });
    this.count++;
  }
}

/** The event name of an `Event:` message (exact value), or ''. */
export function eventName(msg: AmiMessage): string {
  const first = msg.lines[0];
  if (first === undefined) return '';
  const c = first.indexOf(':');
  return first.charCodeAt(c + 1) === 32 ? first.slice(c + 2) : first.slice(c + 1);
}

/** First value of a header object's field. */
export function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function text(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

/**
 * Builds an action message. Names and values pass through the protocol serializer's sanitizing, so a
 * line break can never start a new header. `undefined`/`null` values are left out; arrays repeat the header.
 */
export function buildAction(action: string, actionId: string, params: AnyParams): AmiMessage {
  const m = new AmiMessage();
  m.add('Action', action);
  m.add('ActionID', actionId);
  for (const key of Object.keys(params)) {
    if (key.toLowerCase() === 'actionid' || key.toLowerCase() === 'action') continue;
    const v = params[key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const x of v as ReadonlyArray<string | number>) m.add(key, text(x));
    else m.add(key, text(v as string | number | boolean));
  }
  return m;
}

/** `sanitizeValue` re-exported for callers that build lines themselves. */
export { sanitizeValue };

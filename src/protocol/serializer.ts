/**
 * Writing AMI messages. A value can never start a new header: every LF (with a CR before it) becomes a
 * space. A bare CR is left alone: it ends no line in AMI (Asterisk itself echoes it, see 26_malformed).
 */
import type { AmiMessage } from './message.js';

/** `value` made safe to write after `Name: ` on one line. */
export function sanitizeValue(value: string): string {
  if (value.indexOf('\n') < 0) return value;
  return value.replace(/\r?\n/g, ' ');
}

/** The wire text of a message: each line ended by CRLF, then the blank line. */
export function serialize(msg: AmiMessage): string {
  return msg.lines.length === 0 ? '\r\n' : msg.lines.join('\r\n') + '\r\n\r\n';
}

/** The wire text of name/value pairs. */
export function formatPairs(pairs: ReadonlyArray<readonly [string, string]>): string {
  let s = '';
  for (const [n, v] of pairs) s += sanitizeValue(n) + ': ' + sanitizeValue(v) + '\r\n';
  return s + '\r\n';
}

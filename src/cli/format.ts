/** Pretty printing of AMI messages for a terminal: colour when the output is a TTY and NO_COLOR is unset. */
import type { AmiEvent, AmiHeaders, AmiListResult, AmiResponse } from '../client/index.js';
import { isListResult } from '../client/index.js';

export function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== '') return true;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

const CODES = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  blue: '\x1b[34m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const;

export type Paint = (style: keyof typeof CODES | Array<keyof typeof CODES>, text: string) => string;

export function painter(color: boolean): Paint {
  if (!color) return (_s, t) => t;
  return (s, t) => (Array.isArray(s) ? s.map((x) => CODES[x]).join('') : CODES[s]) + t + CODES.reset;
}

const SENSITIVE = new Set(['secret', 'key']);

/** Hides secrets (Secret, Key) wherever a message is shown. */
export function mask(name: string, value: string): string {
  return SENSITIVE.has(name.toLowerCase()) && value !== '' ? '********' : value;
}

/** One message as `Name: value` lines. */
export function formatHeaders(h: AmiHeaders, paint: Paint): string {
  const out: string[] = [];
  for (const [name, v] of Object.entries(h)) {
    for (const value of Array.isArray(v) ? v : [v ?? '']) {
      const shown = mask(name, value);
      let val = shown;
      const ln = name.toLowerCase();
      if (ln === 'response') {
        const s = value.toLowerCase();
        val = paint(
          ['bold', s === 'error' || s === 'failure' ? 'red' : s === 'success' ? 'green' : 'yellow'],
          shown,
        );
      } else if (ln === 'event') val = paint(['bold', 'magenta'], shown);
      out.push(`${paint('cyan', name)}: ${val}`);
    }
  }
  return out.join('\n');
}

export function formatEvent(e: AmiEvent, paint: Paint): string {
  return formatHeaders(e, paint);
}

/** A response, or a list (response, its events, the Complete event, a count). */
export function formatResult(r: AmiResponse | AmiListResult | AmiEvent, paint: Paint): string {
  if (isListResult(r as AmiResponse)) {
    const l = r as AmiListResult;
    const parts = [
      formatHeaders(l.response, paint),
      ...l.events.map((e) => formatHeaders(e, paint)),
      formatHeaders(l.complete, paint),
    ];
    return (
      parts.join('\n\n') +
      '\n' +
      paint('dim', `-- ${l.events.length} event${l.events.length === 1 ? '' : 's'} in list`)
    );
  }
  return formatHeaders(r as AmiHeaders, paint);
}

/** JSON for --json (secrets masked). */
export function toJson(r: unknown): string {
  return JSON.stringify(r, (k, v: unknown) =>
    typeof v === 'string' && SENSITIVE.has(k.toLowerCase()) ? mask(k, v) : v,
  );
}

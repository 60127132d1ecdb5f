/**
 * Event filters as manager.c implements them (manager_add_filter / should_send_event): legacy
 * `eventfilter = [!]regex` matched against the whole event text, and the advanced
 * `eventfilter(action(exclude),name(Event),header(Header),method(starts_with))` form.
 * Patterns are POSIX extended regexes in Asterisk; here they run on the linear-time engine of
 * src/pattern (RE2 semantics, POSIX bracket classes included), never on JavaScript's RegExp.
 */
import type { AmiEvent } from './events.js';
import { tryCompilePattern, PatternError, type Pattern } from '../pattern/index.js';

/**
 * Filters one session may add with the Filter action (Asterisk has no limit). Each regex filter costs
 * up to one capped match per event, so their number is the other factor of the per-event work.
 */
export const MAX_SESSION_FILTERS = 64;

export type MatchMethod = 'regex' | 'exact' | 'starts_with' | 'ends_with' | 'contains' | 'none';

export interface EventFilter {
  exclude: boolean;
  eventName: string | undefined;
  /** Header name with its trailing colon (`Channel:`), matched at line starts. */
  header: string | undefined;
  method: MatchMethod;
  regex: Pattern | undefined;
  text: string | undefined;
  /** The definition as given, for `manager show connected` style listings. */
  source: string;
}

export type FilterResult =
  { ok: true; filter: EventFilter } | { ok: false; error: 'format' | 'compile'; detail: string };

/** Compiles one filter. `criteria` is `eventfilter` or `eventfilter(...)`; `pattern` the value. */
export function compileFilter(criteria: string, patternIn: string): FilterResult {
  let pattern = patternIn;
  let exclude = false;
  if (pattern.startsWith('!')) {
    exclude = true;
    pattern = pattern.slice(1);
  }
  let method: MatchMethod = 'regex';
  let eventName: string | undefined;
  let header: string | undefined;
  const open = criteria.indexOf('(');
  const fail = (detail: string): FilterResult => ({ ok: false, error: 'format', detail });
  if (open < 0 && pattern.length === 0) return fail('Legacy filter with no filter pattern specified');
  if (open >= 0) {
    const opts = criteria.slice(open + 1).trim();
    method = 'none';
    if (opts.length === 0 || !opts.endsWith(')')) return fail('Filter options not formatted correctly');
    let found = 0;
    for (const option of opts.split(/[ ,)]+/).filter((o) => o.length > 0)) {
      const arg = (): string => {
        const p = option.indexOf('(');
        return p < 0 ? '' : option.slice(p + 1).trim();
      };
      if (option.startsWith('action')) {
        const a = arg();
        if (a === 'include') exclude = false;
        else if (a === 'exclude') exclude = true;
        else return fail(`'action' option '${a}' is unknown`);
        found |= 1;
      } else if (option.startsWith('name')) {
        const a = arg();
        if (!a) return fail("'name' parameter not formatted correctly");
        eventName = a;
        found |= 2;
      } else if (option.startsWith('header')) {
        const a = arg();
        if (!a) return fail("'header' parameter not formatted correctly");
        header = a.endsWith(':') ? a : a + ':';
        found |= 4;
      } else if (option.startsWith('method')) {
        const a = arg();
        if (!isMethod(a)) return fail(`'method' option '${a}' is unknown`);
        method = a;
        found |= 8;
      } else {
        return fail(`Filter option '${option}' is unknown`);
      }
    }
    if (!found) return fail('No action, name, header, or method option found');
    if (pattern.length === 0 && method !== 'none')
      return fail(`method can't be '${method}' with no filter pattern`);
    if (pattern.length > 0 && method === 'none') return fail("method can't be 'none' with a filter pattern");
    if (!(found & 2) && !(found & 4) && method === 'none') {
      return fail('No name or header option found and no filter pattern');
    }
  }
  let regex: Pattern | undefined;
  let text: string | undefined;
  if (pattern.length > 0) {
    if (method === 'regex') {
      // Compiled once here, never per event. POSIX regexec without REG_NEWLINE lets '.' match a
      // line break and anchors ^/$ at the ends of the whole event text: dotAll, not multi-line.
      const r = tryCompilePattern(pattern, { dotAll: true });
      if (r instanceof PatternError) {
        return { ok: false, error: 'compile', detail: `${r.message} (${r.detail})` };
      }
      regex = r;
    } else {
      text = pattern;
    }
  }
  return {
    ok: true,
    filter: { exclude, eventName, header, method, regex, text, source: `${criteria} = ${patternIn}` },
  };
}

function isMethod(s: string): s is MatchMethod {
  return ['regex', 'exact', 'starts_with', 'ends_with', 'contains', 'none'].includes(s);
}

function matchData(f: EventFilter, data: string): boolean {
  switch (f.method) {
    case 'regex':
      // An event is never refused: one longer than the pattern may scan is matched on its head.
      return f.regex !== undefined && f.regex.testHead(data);
    case 'starts_with':
      return data.startsWith(f.text ?? '');
    case 'ends_with':
      return data.endsWith(f.text ?? '');
    case 'contains':
      return data.includes(f.text ?? '');
    case 'exact':
      return data === f.text;
    case 'none':
      return true;
  }
}

function matches(f: EventFilter, ev: AmiEvent): boolean {
  if (f.eventName !== undefined && f.eventName !== ev.name) return false;
  if (f.header === undefined) return matchData(f, ev.text);
  const t = ev.text;
  const h = f.header;
  let pos = 0;
  while (pos < t.length) {
    let nl = t.indexOf('\n', pos);
    if (nl < 0) nl = t.length;
    let end = nl;
    if (end > pos && t.charCodeAt(end - 1) === 13) end--;
    if (t.startsWith(h, pos)) {
      let v = pos + h.length;
      while (v < end && t.charCodeAt(v) < 33) v++;
      if (v < end && matchData(f, t.slice(v, end))) return true;
    }
    pos = nl + 1;
  }
  return false;
}

/** should_send_event(): no filters pass all; includes only: any must match; excludes veto. */
export function shouldSendEvent(includes: EventFilter[], excludes: EventFilter[], ev: AmiEvent): boolean {
  if (includes.length === 0 && excludes.length === 0) return true;
  if (includes.length > 0) {
    let hit = false;
    for (const f of includes)
      if (matches(f, ev)) {
        hit = true;
        break;
      }
    if (!hit) return false;
  }
  for (const f of excludes) if (matches(f, ev)) return false;
  return true;
}

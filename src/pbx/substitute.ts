/**
 * Variable substitution (pbx_substitute_variables): `${VAR}`, `${VAR:offset:length}`,
 * `${FUNC(args)}` and `$[expression]`, innermost first, as Asterisk expands them.
 */
import { evaluateExpression } from './expr.js';

export interface SubstScope {
  /** Channel variable, builtin (EXTEN, CHANNEL...) or global; undefined when unset. */
  getVar(name: string): string | undefined;
  /** Dialplan function read, e.g. name 'CALLERID', args 'num'. */
  callFunction(name: string, args: string): string;
  /** Where `$[...]` reports what Asterisk logs as a WARNING (a pattern that does not compile). */
  warn?(message: string): void;
}

/** Finds the index of the bracket closing the one opened at `open`, honouring nesting. */
function closing(s: string, open: number, o: string, c: string): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === o) depth++;
    else if (s[i] === c) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

export function substitute(s: string, scope: SubstScope, depth = 0): string {
  if (depth > 15 || !s.includes('$')) return s;
  let out = '';
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === '$' && (s[i + 1] === '{' || s[i + 1] === '[')) {
      const o = s[i + 1];
      const end = closing(s, i + 1, o, o === '{' ? '}' : ']');
      if (end < 0) {
        out += s.slice(i);
        break;
      }
      const inner = substitute(s.slice(i + 2, end), scope, depth + 1);
      out += o === '{' ? expandVar(inner, scope) : evaluateExpression(inner, scope.warn);
      i = end + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function expandVar(expr: string, scope: SubstScope): string {
  const paren = expr.indexOf('(');
  if (paren > 0) {
    const close = expr.lastIndexOf(')');
    const name = expr.slice(0, paren);
    const args = expr.slice(paren + 1, close < 0 ? undefined : close);
    const rest = close < 0 ? '' : expr.slice(close + 1);
    return applySubstring(scope.callFunction(name, args), rest);
  }
  const colon = expr.indexOf(':');
  const name = colon < 0 ? expr : expr.slice(0, colon);
  const value = scope.getVar(name) ?? '';
  return colon < 0 ? value : applySubstring(value, expr.slice(colon));
}

/** `:offset[:length]` with negative offsets/lengths counting from the end (substring()). */
function applySubstring(value: string, spec: string): string {
  const m = /^:(-?\d*)(?::(-?\d*))?$/.exec(spec);
  if (!m) return value;
  let offset = Number(m[1] || 0);
  if (offset < 0) offset = Math.max(0, value.length + offset);
  let v = value.slice(offset);
  if (m[2] !== undefined && m[2] !== '') {
    const len = Number(m[2]);
    v = len >= 0 ? v.slice(0, len) : v.slice(0, Math.max(0, v.length + len));
  }
  return v;
}

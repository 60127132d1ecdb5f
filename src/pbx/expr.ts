/**
 * `$[...]` expressions (ast_expr2 subset): | & = == != < > <= >= + - * / % =~ and : (regex match,
 * `:` anchored at the start),
 * ! and unary -, `cond ? a :: b`, parentheses and quoted strings. Comparison is numeric when both
 * sides are numbers, string otherwise; true is "1", false "0", as Asterisk prints.
 */

import { PatternError, tryCompilePattern } from '../pattern/index.js';

type Tok = { t: 'op'; v: string } | { t: 'val'; v: string };

const OPS = [
  '::',
  '=~',
  '==',
  '!=',
  '<=',
  '>=',
  '|',
  '&',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '!',
  '?',
  ':',
  '(',
  ')',
];

function lex(s: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      const end = s.indexOf('"', i + 1);
      const stop = end < 0 ? s.length : end;
      out.push({ t: 'val', v: s.slice(i + 1, stop) });
      i = stop + 1;
      continue;
    }
    const op = OPS.find((o) => s.startsWith(o, i));
    if (op) {
      out.push({ t: 'op', v: op });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < s.length && !/\s/.test(s[j]) && s[j] !== '"' && !OPS.some((o) => s.startsWith(o, j))) j++;
    out.push({ t: 'val', v: s.slice(i, j) });
    i = j;
  }
  return out;
}

const isNum = (s: string): boolean => /^\s*-?\d+(\.\d+)?\s*$/.test(s);
const num = (s: string): number => (isNum(s) ? Number(s) : 0);
const truthy = (s: string): boolean => s !== '' && !(isNum(s) && Number(s) === 0);
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : String(Number(n.toFixed(6))));

/**
 * op_colon / op_eqtilde of ast_expr2.y: POSIX leftmost-longest, on the linear-time engine. A match
 * gives group 1 (or the match length when there is no group); no match gives 0, or "" when the
 * pattern has groups; a pattern that does not compile gives "" and Asterisk's warning.
 */
function regexOp(subject: string, source: string, anchored: boolean, warn: (m: string) => void): string {
  const p = tryCompilePattern(source, { longest: true });
  if (p instanceof PatternError) {
    warn(`regcomp() error : ${p.message}`);
    return '';
  }
  const none = p.groupCount === 0 ? '0' : '';
  if (!p.fits(subject)) {
    warn(
      `regexec() error : subject of ${subject.length} characters is longer than the ${p.maxSubject} this pattern may scan`,
    );
    return none;
  }
  const m = p.exec(subject);
  if (!m || (anchored && m.index !== 0)) return none;
  return m.group1 ?? String(m.text.length);
}

export function evaluateExpression(src: string, warn: (message: string) => void = () => {}): string {
  const toks = lex(src);
  let pos = 0;
  const peek = (): Tok | undefined => toks[pos];
  const isOp = (v: string): boolean => {
    const t = peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  };

  function primary(): string {
    const t = toks[pos++];
    if (!t) return '';
    if (t.t === 'val') return t.v;
    if (t.v === '(') {
      const v = ternary();
      if (isOp(')')) pos++;
      return v;
    }
    if (t.v === '!') return truthy(primary()) ? '0' : '1';
    if (t.v === '-') return fmt(-num(primary()));
    return '';
  }
  function regex(): string {
    let l = primary();
    while (isOp('=~') || isOp(':')) {
      const anchored = toks[pos++].v === ':';
      l = regexOp(l, primary(), anchored, warn);
    }
    return l;
  }
  function mul(): string {
    let l = regex();
    for (;;) {
      if (isOp('*') || isOp('/') || isOp('%')) {
        const op = toks[pos++].v;
        const r = regex();
        const a = num(l);
        const b = num(r);
        l = op === '*' ? fmt(a * b) : b === 0 ? '0' : op === '/' ? fmt(Math.trunc(a / b)) : fmt(a % b);
      } else return l;
    }
  }
  function add(): string {
    let l = mul();
    for (;;) {
      if (isOp('+') || isOp('-')) {
        const op = toks[pos++].v;
        const r = mul();
        l = fmt(op === '+' ? num(l) + num(r) : num(l) - num(r));
      } else return l;
    }
  }
  function cmp(): string {
    let l = add();
    for (;;) {
      const t = peek();
      if (t && t.t === 'op' && ['=', '==', '!=', '<', '>', '<=', '>='].includes(t.v)) {
        pos++;
        const r = add();
        const c = isNum(l) && isNum(r) ? Number(l) - Number(r) : l < r ? -1 : l > r ? 1 : 0;
        const ok =
          t.v === '=' || t.v === '=='
            ? c === 0
            : t.v === '!='
              ? c !== 0
              : t.v === '<'
                ? c < 0
                : t.v === '>'
                  ? c > 0
                  : t.v === '<='
                    ? c <= 0
                    : c >= 0;
        l = ok ? '1' : '0';
      } else return l;
    }
  }
  function and(): string {
    let l = cmp();
    while (isOp('&')) {
      pos++;
      const r = cmp();
      l = truthy(l) && truthy(r) ? l : '0';
    }
    return l;
  }
  function or(): string {
    let l = and();
    while (isOp('|')) {
      pos++;
      const r = and();
      l = truthy(l) ? l : truthy(r) ? r : '0';
    }
    return l;
  }
  function ternary(): string {
    const c = or();
    if (isOp('?')) {
      pos++;
      const a = or();
      if (isOp('::')) pos++;
      const b = or();
      return truthy(c) ? a : b;
    }
    return c;
  }
  return ternary();
}

export { truthy as expressionTruthy };

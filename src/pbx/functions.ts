/**
 * Dialplan functions (`${CALLERID(num)}`, `Set(DB(f/k)=v)`...). Each has a read and optionally a
 * write side. Unknown functions read as '' with a warning, as Asterisk logs
 * "Function X not registered".
 */
import type { Channel } from './channel.js';
import { stateDesc } from './channel.js';
import { evaluateExpression, expressionTruthy } from './expr.js';
import { PatternError, tryCompilePattern } from '../pattern/index.js';

/** What functions may touch; the PBX core implements it. */
export interface FuncEnv {
  readonly channel: Channel | undefined;
  now(): number;
  random(): number;
  getGlobal(name: string): string | undefined;
  setGlobal(name: string, value: string): void;
  getVar(name: string): string | undefined;
  setVar(name: string, value: string): void;
  setCallerId(part: 'num' | 'name' | 'all', value: string): void;
  setConnectedLine(part: 'num' | 'name' | 'all', value: string): void;
  setAccountCode(value: string): void;
  setLanguage(value: string): void;
  dbGet(family: string, key: string): string | undefined;
  dbPut(family: string, key: string, value: string): void;
  dbDel(family: string, key: string): boolean;
  warn(message: string): void;
  substitute(text: string): string;
}

export interface DialplanFunction {
  read(env: FuncEnv, args: string): string;
  /** Returns false where Asterisk's write callback returns -1 (Setvar answers "Variable not set"). */
  write?(env: FuncEnv, args: string, value: string): void | boolean;
}

/** Argument split on commas (ast_app_separate_args without quote handling subtleties). */
export function splitArgs(args: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let quote = false;
  for (const c of args) {
    if (c === '"') quote = !quote;
    if (!quote && (c === '(' || c === '[')) depth++;
    if (!quote && (c === ')' || c === ']')) depth--;
    if (c === ',' && depth === 0 && !quote) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function familyKey(arg: string): [string, string] {
  const i = arg.lastIndexOf('/');
  return i < 0 ? [arg, ''] : [arg.slice(0, i), arg.slice(i + 1)];
}

function part(arg: string): 'num' | 'name' | 'all' {
  const a = arg.trim().toLowerCase();
  return a === 'name' ? 'name' : a === 'all' ? 'all' : 'num';
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** strftime subset, UTC. */
export function strftime(epochMs: number, format: string): string {
  const d = new Date(epochMs);
  const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  return format.replace(/%([a-zA-Z%])/g, (_m, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getUTCFullYear());
      case 'm':
        return pad(d.getUTCMonth() + 1);
      case 'd':
        return pad(d.getUTCDate());
      case 'H':
        return pad(d.getUTCHours());
      case 'M':
        return pad(d.getUTCMinutes());
      case 'S':
        return pad(d.getUTCSeconds());
      case 'T':
        return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
      case 'F':
        return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
      case 'a':
        return DAYS[d.getUTCDay()];
      case 'b':
        return MONTHS[d.getUTCMonth()];
      case 's':
        return String(Math.floor(epochMs / 1000));
      case 'y':
        return pad(d.getUTCFullYear() % 100);
      case 'j':
        return pad(
          Math.floor(
            (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
              Date.UTC(d.getUTCFullYear(), 0, 1)) /
              86400000,
          ) + 1,
          3,
        );
      case '%':
        return '%';
      default:
        return `%${c}`;
    }
  });
}

const channelField = (env: FuncEnv, item: string): string => {
  const c = env.channel;
  if (!c) return '';
  switch (item.trim().toLowerCase()) {
    case 'name':
    case 'channame':
      return c.name;
    case 'state':
      return stateDesc(c.state);
    case 'uniqueid':
      return c.uniqueid;
    case 'linkedid':
      return c.linkedid;
    case 'language':
      return c.language;
    case 'accountcode':
      return c.accountCode;
    case 'peeraccount':
      return c.peerAccount;
    case 'context':
      return c.context;
    case 'exten':
      return c.exten;
    case 'priority':
      return String(c.priority);
    case 'channeltype':
    case 'type':
      return c.tech;
    case 'hangupsource':
      return '';
    case 'amaflags':
      return String(c.amaFlagsNum);
    case 'callgroup':
    case 'pickupgroup':
      return '';
    case 'musicclass':
      return 'default';
    case 'audionativeformat':
    case 'audioreadformat':
    case 'audiowriteformat':
      return c.formats;
    default:
      return '';
  }
};

export const BUILTIN_FUNCTIONS: Record<string, DialplanFunction> = {
  CALLERID: {
    read(env, a) {
      const c = env.channel;
      if (!c) return '';
      const p = a.trim().toLowerCase();
      if (p === 'name') return c.callerIdName;
      if (p === 'all') return c.callerIdName ? `"${c.callerIdName}" <${c.callerIdNum}>` : c.callerIdNum;
      if (p === 'num' || p === 'number' || p === 'ani' || p === 'ani-num') return c.callerIdNum;
      if (p === 'dnid') return c.dnid;
      return '';
    },
    write(env, a, v) {
      env.setCallerId(part(a), v);
    },
  },
  CONNECTEDLINE: {
    read(env, a) {
      const c = env.channel;
      if (!c) return '';
      return part(a) === 'name' ? c.connectedLineName : c.connectedLineNum;
    },
    write(env, a, v) {
      env.setConnectedLine(part(a), v);
    },
  },
  LEN: { read: (_e, a) => String(a.length) },
  ISNULL: { read: (_e, a) => (a === '' ? '1' : '0') },
  EXISTS: { read: (_e, a) => (a === '' ? '0' : '1') },
  TOUPPER: { read: (_e, a) => a.toUpperCase() },
  TOLOWER: { read: (_e, a) => a.toLowerCase() },
  IF: {
    read(_e, a) {
      const q = a.indexOf('?');
      if (q < 0) return '';
      const cond = a.slice(0, q);
      const [t = '', f = ''] = a.slice(q + 1).split(':');
      return expressionTruthy(cond.trim()) ? t : f;
    },
  },
  IFTIME: { read: () => '' },
  SET: {
    read(env, a) {
      const eq = a.indexOf('=');
      if (eq < 0) return '';
      const value = a.slice(eq + 1);
      env.setVar(a.slice(0, eq), value);
      return value;
    },
  },
  GLOBAL: {
    read: (env, a) => env.getGlobal(a.trim()) ?? '',
    write: (env, a, v) => env.setGlobal(a.trim(), v),
  },
  CUT: {
    read(env, a) {
      const [varname = '', delim = '-', fields = '1'] = splitArgs(a);
      const value = env.getVar(varname.trim()) ?? '';
      const d = delim === '' ? '-' : delim.slice(0, 1);
      const parts = value.split(d);
      const picked: string[] = [];
      for (const spec of fields.split('&')) {
        const m = /^(\d*)(-)?(\d*)$/.exec(spec.trim());
        if (!m) continue;
        const from = m[1] ? Number(m[1]) : 1;
        const to = m[2] ? (m[3] ? Number(m[3]) : parts.length) : from;
        for (let i = from; i <= to && i <= parts.length; i++) picked.push(parts[i - 1]);
      }
      return picked.join(d);
    },
  },
  DB: {
    read(env, a) {
      const [f, k] = familyKey(a.trim());
      const v = env.dbGet(f, k);
      env.setVar('DB_RESULT', v ?? '');
      return v ?? '';
    },
    write(env, a, v) {
      const [f, k] = familyKey(a.trim());
      env.dbPut(f, k, v);
    },
  },
  DB_EXISTS: {
    read(env, a) {
      const [f, k] = familyKey(a.trim());
      const v = env.dbGet(f, k);
      env.setVar('DB_RESULT', v ?? '');
      return v === undefined ? '0' : '1';
    },
  },
  DB_DELETE: {
    read(env, a) {
      const [f, k] = familyKey(a.trim());
      const v = env.dbGet(f, k);
      if (v !== undefined) env.dbDel(f, k);
      return v ?? '';
    },
  },
  CHANNEL: {
    read: (env, a) => channelField(env, a),
    write(env, a, v) {
      const item = a.trim().toLowerCase();
      if (item === 'accountcode') env.setAccountCode(v);
      else if (item === 'language') env.setLanguage(v);
      else env.warn(`Unknown or unavailable item requested: '${a}'`);
    },
  },
  LANGUAGE: { read: (env) => env.channel?.language ?? '', write: (env, _a, v) => env.setLanguage(v) },
  STRFTIME: {
    read(env, a) {
      const [epoch = '', , format = '%c'] = splitArgs(a);
      const ms = epoch.trim() === '' ? env.now() : Number(epoch) * 1000;
      return strftime(ms, format || '%a %b %d %H:%M:%S %Y');
    },
  },
  RAND: {
    read(env, a) {
      const [lo = '0', hi = '2147483647'] = splitArgs(a);
      const min = Number(lo) || 0;
      const max = Number(hi) || 2147483647;
      return String(min + Math.floor(env.random() * (max - min + 1)));
    },
  },
  REGEX: {
    read(env, a) {
      const m = /^([^"]*)"((?:[^"\\]|\\.)*)"[ \t]?(.*)$/s.exec(a);
      if (!m) {
        env.warn('Malformed input to REGEX');
        return '0';
      }
      // func_strings.c logs "Malformed input %s(%s)" with the arguments as AST_NONSTANDARD_APP_ARGS
      // left them: cut at the first quote. Its read fails with regerror()'s text in the buffer,
      // which is the Value Getvar answers.
      const p = tryCompilePattern(m[2]);
      if (p instanceof PatternError) {
        env.warn(`Malformed input REGEX(${m[1]}): ${p.message}`);
        return p.message;
      }
      if (!p.fits(m[3])) {
        env.warn(
          `Malformed input REGEX(${m[1]}): subject of ${m[3].length} characters is longer than the ${p.maxSubject} this pattern may scan`,
        );
        return '';
      }
      return p.test(m[3]) ? '1' : '0';
    },
  },
  CDR: {
    read(env, a) {
      const c = env.channel;
      const f = a.split(',')[0].trim().toLowerCase();
      if (!c) return '';
      if (f === 'accountcode') return c.accountCode;
      if (f === 'uniqueid') return c.uniqueid;
      if (f === 'channel') return c.name;
      if (f === 'lastapp') return c.lastApp;
      if (f === 'lastdata') return c.lastData;
      if (f === 'src') return c.callerIdNum;
      if (f === 'dst') return c.exten;
      if (f === 'dcontext') return c.context;
      return c.cdrVars.get(f) ?? '';
    },
    write(env, a, v) {
      const f = a.split(',')[0].trim().toLowerCase();
      if (f === 'accountcode') env.setAccountCode(v);
      else env.channel?.cdrVars.set(f, v);
    },
  },
  MATH: { read: (e, a) => evaluateExpression(a, (m) => e.warn(m)) },
  /** Second round of substitution (guarded by the `system` class at the AMI level). */
  EVAL: { read: (e, a) => e.substitute(a) },
};

export class FunctionRegistry {
  private readonly fns = new Map<string, DialplanFunction>();

  constructor() {
    for (const [name, fn] of Object.entries(BUILTIN_FUNCTIONS)) this.fns.set(name, fn);
  }

  register(name: string, fn: DialplanFunction): void {
    this.fns.set(name.toUpperCase(), fn);
  }

  get(name: string): DialplanFunction | undefined {
    return this.fns.get(name.toUpperCase());
  }

  read(env: FuncEnv, name: string, args: string): string {
    const fn = this.get(name);
    if (!fn) {
      env.warn(`Function ${name} not registered`);
      return '';
    }
    return fn.read(env, args);
  }

  /** Returns false when the function is unknown or read-only. */
  write(env: FuncEnv, name: string, args: string, value: string): boolean {
    const fn = this.get(name);
    if (!fn?.write) {
      env.warn(fn ? `Function ${name} cannot be written to` : `Function ${name} not registered`);
      return false;
    }
    return fn.write(env, args, value) !== false;
  }
}

/**
 * Channel and global variables, dialplan functions and `${...}` substitution: how the PBX reads
 * and writes a name in a channel's scope (builtins such as EXTEN first, then channel variables,
 * then globals), as pbx_builtin_getvar_helper and pbx_substitute_variables do.
 */
import type { Channel } from './channel.js';
import type { FuncEnv } from './functions.js';
import type { Pbx } from './pbx.js';
import { substitute, type SubstScope } from './substitute.js';

/** Sets a channel variable (or global when `ch` is undefined), raising VarSet. `NAME(args)` writes a function. */
export function setVariable(pbx: Pbx, ch: Channel | undefined, name: string, value: string): void {
  const paren = name.indexOf('(');
  if (paren > 0 && name.endsWith(')')) {
    pbx.functions.write(pbx.funcEnv(ch), name.slice(0, paren), name.slice(paren + 1, -1), value);
    return;
  }
  if (!ch) {
    pbx.globals.set(name, value);
    pbx.emit('GlobalVarSet', { variable: name, value });
    return;
  }
  ch.vars.set(name, value);
  pbx.emit('VarSet', { channel: ch.snapshot(), variable: name, value });
}

/** Reads a variable or `FUNC(args)` (channel scope when given, else globals). */
export function getVariable(pbx: Pbx, ch: Channel | undefined, name: string): string | undefined {
  const paren = name.indexOf('(');
  if (paren > 0 && name.endsWith(')'))
    return pbx.functions.read(pbx.funcEnv(ch), name.slice(0, paren), name.slice(paren + 1, -1));
  if (!ch) return pbx.globals.get(name);
  return lookupVar(pbx, ch, name);
}

/** Builtin variables first (EXTEN, CHANNEL...), then channel variables, then globals. */
function lookupVar(pbx: Pbx, ch: Channel, name: string): string | undefined {
  switch (name) {
    case 'EXTEN':
      return ch.exten;
    case 'CONTEXT':
      return ch.context;
    case 'PRIORITY':
      return String(ch.priority);
    case 'CHANNEL':
      return ch.name;
    case 'UNIQUEID':
      return ch.uniqueid;
    case 'HANGUPCAUSE':
      return String(ch.hangupCause);
    case 'EPOCH':
      return String(Math.floor(pbx.clock.now() / 1000));
    case 'CALLERID(num)':
    case 'CALLERIDNUM':
      return ch.callerIdNum;
    case 'CALLERIDNAME':
      return ch.callerIdName;
    case 'LANGUAGE':
      return ch.language;
    case 'ACCOUNTCODE':
      return ch.accountCode;
    case 'SYSTEMNAME':
      return '';
    case 'ASTETCDIR':
      return '/etc/asterisk';
  }
  const v = ch.vars.get(name) ?? ch.vars.get(`_${name}`) ?? ch.vars.get(`__${name}`);
  return v ?? pbx.globals.get(name);
}

/** Expands `${...}` and `$[...]` in the scope of a channel (or globals only). */
export function substituteIn(pbx: Pbx, ch: Channel | undefined, text: string): string {
  const scope: SubstScope = {
    getVar: (n) => (ch ? lookupVar(pbx, ch, n) : pbx.globals.get(n)),
    callFunction: (n, a) => pbx.functions.read(pbx.funcEnv(ch), n, a),
    warn: (m) => pbx.log('WARNING', m),
  };
  return substitute(text, scope);
}

/** The environment a dialplan function (CALLERID, DB, RAND...) runs in. */
export function funcEnvFor(pbx: Pbx, ch: Channel | undefined): FuncEnv {
  return {
    channel: ch,
    now: () => pbx.clock.now(),
    random: () => pbx.prng.next(),
    getGlobal: (n) => pbx.globals.get(n),
    setGlobal: (n, v) => pbx.setVar(undefined, n, v),
    getVar: (n) => (ch ? lookupVar(pbx, ch, n) : pbx.globals.get(n)),
    setVar: (n, v) => pbx.setVar(ch, n, v),
    setCallerId: (part, v) => ch && setCallerIdPart(pbx, ch, part, v),
    setConnectedLine: (part, v) => ch && setConnectedLinePart(pbx, ch, part, v),
    setAccountCode: (v) => ch && pbx.setAccountCode(ch, v),
    setLanguage: (v) => {
      if (ch) ch.language = v;
    },
    dbGet: (f, k) => pbx.astdb.get(f, k),
    dbPut: (f, k, v) => {
      if (!pbx.astdb.put(f, k, v)) pbx.log('WARNING', `DB: Problem writing ${f}/${k}: database full`);
    },
    dbDel: (f, k) => pbx.astdb.del(f, k),
    warn: (m) => pbx.log('WARNING', m),
    substitute: (t) => pbx.substitute(ch, t),
  };
}

function setCallerIdPart(pbx: Pbx, ch: Channel, part: 'num' | 'name' | 'all', v: string): void {
  if (part === 'all') {
    const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(v);
    pbx.setCallerId(ch, m ? (m[1] ?? m[2] ?? '').trim() : '', m ? m[3] : v);
  } else if (part === 'name') pbx.setCallerId(ch, v, ch.callerIdNum);
  else pbx.setCallerId(ch, ch.callerIdName, v);
}

function setConnectedLinePart(pbx: Pbx, ch: Channel, part: 'num' | 'name' | 'all', v: string): void {
  if (part === 'name') pbx.setConnectedLine(ch, v, ch.connectedLineNum);
  else pbx.setConnectedLine(ch, ch.connectedLineName, v);
}

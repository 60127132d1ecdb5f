/**
 * pjsip.conf as res_sorcery_config loads it for res_pjsip (sorcery_config_internal_load): every
 * section whose `type=` names an object type becomes an object of that type (one name may carry
 * several types: an endpoint, an aor and an auth all called `alice`), templates and `#include` come
 * from the shared .conf parser. Each option goes through aco_process_var's rules:
 *
 * - an option the type does not know: "Could not find option suitable for category ... at line N of
 *   FILE", and the object is not created (logged at ERROR, as Asterisk does; the start goes on);
 * - a value its handler refuses: "Error parsing name=value at line N of FILE" (amikit adds the
 *   reason), and the object is not created;
 * - a type's apply check that fails (a registration without server_uri, an identify without
 *   endpoint) drops the object with Asterisk's message;
 * - two objects of one type with one name make the whole type fail to load, as Asterisk does;
 * - a syntax error (from the parser) is thrown: the server refuses to start.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile, parseConfText } from '../../config/conf-parser.js';
import { astStrip } from '../../config/cstr.js';
import type { ConfDocument, ConfEntry, ConfSection } from '../../config/types.js';
import { TYPES, type FieldDef, type TypeDef } from './options.js';

export interface Diagnostic {
  level: 'error' | 'warning';
  /** File and line ('' / 0 when the message is about the file or an object as a whole). */
  file: string;
  line: number;
  message: string;
}

/** One `match` entry of an identify: an address with a prefix length, and a port or none. */
export interface MatchEntry {
  host: string;
  v6: boolean;
  bits: number;
  port: number;
}

/** A configured sorcery object: shown values in table order, and what the module needs parsed. */
export interface PjObject {
  type: string;
  id: string;
  file: string;
  line: number;
  /** Every field of the type by option name, as its to_str shows it. */
  values: Map<string, string>;
  /** endpoint: allowed codecs in order. */
  codecs: string[];
  /** aor: permanent contact URIs (`contact =`), in the order given. */
  contacts: string[];
  /** identify: match entries. */
  matches: MatchEntry[];
  /** endpoint: set_var pairs. */
  setVars: Array<[string, string]>;
}

export interface PjsipConfig {
  /** Objects by type, in configuration order. */
  objects: Map<string, PjObject[]>;
  diagnostics: Diagnostic[];
}

export function val(o: PjObject, name: string): string {
  return o.values.get(name) ?? '';
}

export function num(o: PjObject, name: string): number {
  return Number(o.values.get(name) ?? 0);
}

/** Codecs Asterisk 22 knows by name (ast_format_cache + the codecs its modules register). */
const KNOWN_CODECS = new Set([
  'ulaw', 'alaw', 'gsm', 'g722', 'g723', 'g729', 'g726', 'g726aal2', 'adpcm', 'slin', 'slin12', 'slin16',
  'slin24', 'slin32', 'slin44', 'slin48', 'slin96', 'slin192', 'lpc10', 'speex', 'speex16', 'speex32',
  'ilbc', 'siren7', 'siren14', 'g719', 'testlaw', 'opus', 'silk', 'codec2', 'h261', 'h263', 'h263p',
  'h264', 'h265', 'mpeg4', 'vp8', 'vp9', 'red', 't140', 't140red', 'jpeg', 'png', 'none',
]); // prettier-ignore

const TRUE_WORDS = new Set(['yes', 'true', 'y', 't', '1', 'on']);
const FALSE_WORDS = new Set(['no', 'false', 'n', 'f', '0', 'off']);

function astTrue(v: string): boolean {
  return TRUE_WORDS.has(v.trim().toLowerCase());
}

/** A value refused by its handler: the reason amikit adds to Asterisk's message. */
class BadValue extends Error {}

function parseUint(v: string, min = 0, max = 0xffffffff): string {
  const s = v.trim();
  if (!/^[0-9]+$/.test(s)) throw new BadValue('not an unsigned integer');
  const n = Number(s);
  if (n < min || n > max) throw new BadValue(`out of range ${min}..${max}`);
  return String(n);
}

function parseDouble(v: string): string {
  const s = v.trim();
  if (!/^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$/.test(s)) throw new BadValue('not a number');
  return Number(s).toFixed(6);
}

function splitComma(v: string): string[] {
  return v
    .split(',')
    .map((x) => astStrip(x))
    .filter((x) => x !== '');
}

/** ast_sip_validate_uri_length's first test: a sip: or sips: URI. */
export function isSipUri(u: string): boolean {
  return /^sips?:[^\s]+$/i.test(u);
}

/** `host`, `host:port`, `[v6]:port`, each with an optional `/bits` or `/mask` (identify match). */
function parseMatch(text: string): MatchEntry {
  let rest = text;
  let bits = -1;
  const slash = rest.indexOf('/');
  let maskText = '';
  if (slash >= 0) {
    maskText = rest.slice(slash + 1);
    rest = rest.slice(0, slash);
  }
  let host = rest;
  let port = 0;
  const v6b = /^\[([^\]]+)\](?::([0-9]+))?$/.exec(rest);
  if (v6b) {
    host = v6b[1];
    port = v6b[2] ? Number(v6b[2]) : 0;
  } else if ((rest.match(/:/g) ?? []).length === 1) {
    const i = rest.indexOf(':');
    host = rest.slice(0, i);
    if (!/^[0-9]+$/.test(rest.slice(i + 1))) throw new BadValue(`bad port in '${text}'`);
    port = Number(rest.slice(i + 1));
  }
  const v6 = host.includes(':');
  const v4 = /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(host) && host.split('.').every((p) => Number(p) < 256);
  if (!v4 && !v6) {
    // A host name: res_pjsip resolves it (A/AAAA/SRV); amikit does no DNS, so it refuses it plainly.
    if (/^[A-Za-z0-9.-]+$/.test(host)) throw new BadValue(`host names are not resolved by amikit: '${host}'`);
    throw new BadValue(`not an address: '${text}'`);
  }
  const full = v6 ? 128 : 32;
  if (maskText === '') bits = full;
  else if (/^[0-9]+$/.test(maskText)) bits = Number(maskText);
  else if (!v6 && /^[0-9]{1,3}(\.[0-9]{1,3}){3}$/.test(maskText)) {
    const m = maskText.split('.').reduce((a, p) => a * 256 + Number(p), 0);
    bits = 0;
    while (bits < 32 && m & (2 ** (31 - bits))) bits++;
  } else throw new BadValue(`bad mask in '${text}'`);
  if (bits > full) throw new BadValue(`bad mask in '${text}'`);
  return { host, v6, bits, port };
}

/** The identify's `Match:` on AMI: `ip[:port]/dotted-mask`; the CLI prints `/bits`. */
export function formatMatch(m: MatchEntry, cidr: boolean): string {
  const hp = m.port ? (m.v6 ? `[${m.host}]:${m.port}` : `${m.host}:${m.port}`) : m.host;
  if (cidr || m.v6) return `${hp}/${m.bits}`;
  const mask = m.bits === 0 ? 0 : (0xffffffff << (32 - m.bits)) >>> 0;
  return `${hp}/${[24, 16, 8, 0].map((s) => (mask >>> s) & 255).join('.')}`;
}

/** ast_callerid_split + ast_callerid_merge(..., "<unknown>"). */
function parseCallerId(v: string): string {
  const s = v.trim();
  let name = '';
  let numText = '';
  const lt = s.lastIndexOf('<');
  if (lt >= 0 && s.endsWith('>')) {
    numText = s.slice(lt + 1, -1).trim();
    name = s.slice(0, lt).trim();
  } else if (/^[0-9+*#() -]+$/.test(s)) numText = s.replace(/[() -]/g, '');
  else name = s;
  if (name.startsWith('"') && name.endsWith('"') && name.length >= 2) name = name.slice(1, -1);
  if (name && numText) return `"${name}" <${numText}>`;
  return name || numText || '<unknown>';
}

/** The bind address: `host[:port]`; host must be numeric as pjproject's transport wants it. */
function parseBind(v: string): string {
  const s = v.trim();
  const m = /^\[([0-9a-fA-F:.]+)\](?::([0-9]+))?$/.exec(s) ?? /^([0-9.]+)(?::([0-9]+))?$/.exec(s);
  const bare6 = !m && /^[0-9a-fA-F:]+$/.test(s) && s.includes(':');
  if (!m && !bare6) throw new BadValue('not a numeric address[:port]');
  if (bare6) return s;
  const host = m![1];
  if (
    !host.includes(':') &&
    !(host.split('.').length === 4 && host.split('.').every((p) => p !== '' && Number(p) < 256))
  )
    throw new BadValue('not a numeric address');
  const port = m![2];
  if (port !== undefined && (Number(port) > 65535 || port === '')) throw new BadValue('bad port');
  const h = host.includes(':') ? `[${host}]` : host;
  return port !== undefined ? `${h}:${Number(port)}` : h;
}

function newObject(type: string, id: string, s: ConfSection, def: TypeDef): PjObject {
  return {
    type,
    id,
    file: s.file,
    line: s.line,
    values: new Map(def.fields.map((f) => [f.name, f.def])),
    codecs: [],
    contacts: [],
    matches: [],
    setVars: [],
  };
}

/** Applies one option; throws BadValue with the reason when the handler refuses the value. */
function applyField(o: PjObject, f: FieldDef, raw: string, warn: (m: string) => void): void {
  const v = raw;
  const k = f.kind;
  switch (k.t) {
    case 'str':
      o.values.set(f.name, v);
      return;
    case 'bool':
    case 'yesno': {
      const low = v.trim().toLowerCase();
      // OPT_BOOL_T never refuses a value: anything not true-like is false; amikit says so.
      if (!TRUE_WORDS.has(low) && !FALSE_WORDS.has(low)) warn(`'${v}' is not a boolean; taken as false`);
      const t = astTrue(v);
      o.values.set(f.name, k.t === 'bool' ? String(t) : t ? 'yes' : 'no');
      return;
    }
    case 'uint':
      o.values.set(f.name, parseUint(v, k.min, k.max));
      return;
    case 'double':
      o.values.set(f.name, parseDouble(v));
      return;
    case 'enum': {
      const t = v.trim();
      const hit =
        k.values.find((x) => x.toLowerCase() === t.toLowerCase()) ??
        (k.alias ? k.alias[t.toLowerCase()] : undefined);
      if (hit === undefined) throw new BadValue(`expected one of ${k.values.join(', ')}`);
      o.values.set(f.name, hit);
      return;
    }
    case 'custom':
      applyCustom(o, f.name, v);
      return;
  }
}

function applyCustom(o: PjObject, name: string, v: string): void {
  switch (name) {
    case 'allow':
      return updateCodecs(o, v, true);
    case 'callerid':
      o.values.set(name, parseCallerId(v));
      return;
    case 'set_var': {
      const eq = v.indexOf('=');
      if (eq <= 0) throw new BadValue('expected name=value');
      o.setVars.push([astStrip(v.slice(0, eq)), astStrip(v.slice(eq + 1))]);
      o.values.set(name, o.setVars.map(([a, b]) => `${a}=${b}`).join(','));
      return;
    }
    case 'aors':
      o.values.set(name, v);
      return;
    case 'auth':
    case 'outbound_auth':
      o.values.set(name, splitComma(v).join(','));
      return;
    case 'identify_by': {
      const methods = splitComma(v.toLowerCase());
      const ok = ['username', 'auth_username', 'ip', 'header', 'request_uri'];
      const bad = methods.find((m) => !ok.includes(m));
      if (bad !== undefined) throw new BadValue(`unknown identify_by method '${bad}'`);
      o.values.set(name, methods.join(','));
      return;
    }
    case 'contact':
      for (const uri of splitComma(v)) {
        if (!isSipUri(uri))
          throw new BadValue(
            `Contact uri or hostname length exceeds pjproject limit or is not a sip(s) uri: ${uri}`,
          );
        if (!o.contacts.includes(uri)) o.contacts.push(uri);
      }
      o.values.set(name, o.contacts.map((c) => `${o.id}/${c}`).join(','));
      return;
    case 'match':
      for (const m of splitComma(v)) o.matches.push(parseMatch(m));
      o.values.set(name, o.matches.map((m) => formatMatch(m, false)).join(','));
      return;
    case 'bind':
      o.values.set(name, parseBind(v));
      return;
    case 'local_net': {
      const nets = splitComma(v).map((n) => formatMatch(parseMatch(n), false));
      const prev = o.values.get(name) ?? '';
      o.values.set(name, [prev, ...nets].filter((x) => x).join(','));
      return;
    }
  }
}

/** ast_format_cap_update_by_allow_disallow: `all` clears or fills, names add or remove. */
function updateCodecs(o: PjObject, list: string, allow: boolean): void {
  for (const raw of list.split(/[,|]/)) {
    let name = raw.trim().toLowerCase();
    if (!name) continue;
    // `!name` turns the line's sense around for that one name (allow = !ulaw disallows ulaw).
    let adding = allow;
    if (name.startsWith('!')) {
      adding = !allow;
      name = name.slice(1);
    }
    if (name === 'all') {
      o.codecs = adding ? [...KNOWN_CODECS].filter((c) => c !== 'none') : [];
      continue;
    }
    if (!KNOWN_CODECS.has(name))
      throw new BadValue(`Cannot ${adding ? 'allow' : 'disallow'} unknown format '${name}'`);
    o.codecs = o.codecs.filter((c) => c !== name);
    if (adding) o.codecs.push(name);
  }
  o.values.set('allow', o.codecs.length ? `(${o.codecs.join('|')})` : '(nothing)');
}

/** Sorcery's apply callbacks: checks that drop an otherwise well-formed object. */
function applyCheck(o: PjObject): string | null {
  switch (o.type) {
    case 'registration': {
      const server = val(o, 'server_uri');
      const client = val(o, 'client_uri');
      if (!server) return `No server URI specified on outbound registration '${o.id}'`;
      if (!isSipUri(server))
        return `Server URI or hostname length exceeds pjproject limit or is not a sip(s) uri: '${server}'`;
      if (!client) return `No client URI specified on outbound registration '${o.id}'`;
      if (!isSipUri(client))
        return `Client URI or hostname length exceeds pjproject limit or is not a sip(s) uri: '${client}'`;
      if (val(o, 'line') === 'true' && !val(o, 'endpoint'))
        return `Line support has been enabled on outbound registration '${o.id}' without providing an endpoint`;
      if (val(o, 'line') !== 'true' && val(o, 'endpoint'))
        return `An endpoint has been specified on outbound registration '${o.id}' without enabling line support`;
      return null;
    }
    case 'identify':
      if (!val(o, 'endpoint')) return `Identify '${o.id}' missing required endpoint name.`;
      if (!o.matches.length && !val(o, 'match_header') && !val(o, 'match_request_uri'))
        return `Identify '${o.id}' is not configured to match anything.`;
      return null;
    default:
      return null;
  }
}

/** The type a section asks for: its last `type=` entry (its own or a template's). */
function typeOf(s: ConfSection): ConfEntry | undefined {
  let t: ConfEntry | undefined;
  for (const e of s.entries) if (e.key.toLowerCase() === 'type') t = e;
  return t;
}

export function parsePjsipConf(doc: ConfDocument): PjsipConfig {
  const diagnostics: Diagnostic[] = doc.warnings.map((w) => ({ level: 'warning', ...w }));
  const objects = new Map<string, PjObject[]>();
  const invalidTypes = new Set<string>();
  const fileName = doc.file;

  for (const s of doc.sections) {
    const te = typeOf(s);
    if (!te) {
      diagnostics.push({
        level: 'warning',
        file: s.file,
        line: s.line,
        message: `Section '${s.name}' has no type; ignored`,
      });
      continue;
    }
    const type = te.value.trim().toLowerCase();
    const def = TYPES.get(type);
    if (!def) {
      diagnostics.push({
        level: 'warning',
        file: te.file,
        line: te.line,
        message: `Unknown type '${te.value}' for section '${s.name}'; ignored`,
      });
      continue;
    }
    // global and system are single objects with an explicit name: other names never match.
    if ((type === 'global' || type === 'system') && s.name !== type) {
      diagnostics.push({
        level: 'warning',
        file: s.file,
        line: s.line,
        message: `A ${type} section must be named [${type}]; '${s.name}' ignored`,
      });
      continue;
    }
    if (invalidTypes.has(type)) continue;
    const list = objects.get(type) ?? [];
    if (list.some((o) => o.id === s.name)) {
      diagnostics.push({
        level: 'error',
        file: s.file,
        line: s.line,
        message: `Config file '${fileName}' could not be loaded; configuration contains a duplicate object: '${s.name}' of type '${type}'`,
      });
      invalidTypes.add(type);
      objects.delete(type);
      continue;
    }

    const o = newObject(type, s.name, s, def);
    let ok = true;
    for (const e of s.entries) {
      const key = e.key.toLowerCase();
      if (key === 'type') continue;
      const at = `at line ${e.line} of ${e.file}`;
      const warn = (m: string): void =>
        void diagnostics.push({
          level: 'warning',
          file: e.file,
          line: e.line,
          message: `${e.key}=${e.value}: ${m}`,
        });
      try {
        if (type === 'endpoint' && key === 'disallow') {
          updateCodecs(o, e.value, false);
          continue;
        }
        if (def.hidden.includes(key)) continue;
        const f = def.fields.find((x) => x.name === key);
        if (!f) {
          diagnostics.push({
            level: 'error',
            file: e.file,
            line: e.line,
            message: `Could not find option suitable for category '${s.name}' named '${e.key}' ${at}`,
          });
          ok = false;
          break;
        }
        applyField(o, f, e.value, warn);
      } catch (err) {
        if (!(err instanceof BadValue)) throw err;
        diagnostics.push({
          level: 'error',
          file: e.file,
          line: e.line,
          message: `Error parsing ${e.key}=${e.value} ${at}: ${err.message}`,
        });
        ok = false;
        break;
      }
    }
    if (ok) {
      const why = applyCheck(o);
      if (why) {
        diagnostics.push({ level: 'error', file: s.file, line: s.line, message: why });
        ok = false;
      }
    }
    if (!ok) {
      diagnostics.push({
        level: 'error',
        file: s.file,
        line: s.line,
        message: `Could not create an object of type '${type}' with id '${s.name}' from configuration file '${fileName}'`,
      });
      continue;
    }
    list.push(o);
    objects.set(type, list);
  }
  return { objects, diagnostics };
}

/** Reads `pjsip.conf` from the configuration directory (none: no objects). Throws ConfSyntaxError. */
export function loadPjsipConf(configDir: string): PjsipConfig {
  const path = join(configDir, 'pjsip.conf');
  const doc = existsSync(path) ? parseConfFile(path, { baseDir: configDir }) : parseConfText('', path);
  return parsePjsipConf(doc);
}

export function formatDiagnostic(d: Diagnostic): string {
  // Asterisk's own texts already say "at line N of FILE"; the others get the location in front.
  if (d.line <= 0 || d.message.includes(` at line ${d.line} of `)) return d.message;
  return `${d.file}:${d.line}: ${d.message}`;
}

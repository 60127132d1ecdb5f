/**
 * manager.conf (+ users.conf `hasmanager` users, + acl.conf named ACLs) read as main/manager.c
 * __init_manager does on a first load: same defaults, same keyword matching, same quirks.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { astTrue } from './cstr.js';
import { getPerm } from './permissions.js';
import type {
  AclRule,
  ConfDocument,
  ConfSection,
  ConfWarning,
  ManagerConfig,
  ManagerGeneralConfig,
  ManagerUserConfig,
} from './types.js';
import { entriesOf, firstSection, parseConfFile } from './conf-parser.js';
import { atoi, parseUint32, separateArgs, skipBlanks } from './cstr.js';
import { parseSockAddr } from './addr.js';
import { denyAllRules, parseHa } from './acl.js';
import { loadAclConf, type NamedAcls } from './acl-conf.js';
import { DEFAULT_CERTFILE, readTlsOption, type TlsBind } from './tls-conf.js';
import { AUTHFAIL_DEFAULTS, readAuthFailOption } from './authfail.js';

export const DEFAULT_MANAGER_PORT = 5038;
export const DEFAULT_MANAGER_TLS_PORT = 5039;
/** MAX_VARS in manager.c: channelvars beyond this are dropped. */
const MAX_CHANNELVARS = 128;

/** manager_set_defaults() plus the initial values of the options it does not reset. */
export function managerDefaults(): ManagerGeneralConfig {
  return {
    enabled: false,
    webenabled: false,
    port: DEFAULT_MANAGER_PORT,
    bindaddr: '::',
    brokeneventsaction: false,
    allowmultiplelogin: true,
    displayconnects: true,
    timestampevents: false,
    debug: false,
    httptimeout: 60,
    authtimeout: 30,
    authlimit: 50,
    authFail: { ...AUTHFAIL_DEFAULTS },
    channelvars: [],
    disabledevents: [],
    tls: {
      enabled: false,
      bindaddr: '::',
      port: DEFAULT_MANAGER_TLS_PORT,
      certfile: DEFAULT_CERTFILE,
      privatekey: '',
      cipher: '',
      servercipherorder: false,
      disablev1: false,
      disablev11: false,
      disablev12: false,
    },
  };
}

export interface ManagerConfOptions {
  /** users.conf, if any: sections with `hasmanager` become manager users first. */
  users?: ConfDocument;
  /** acl.conf, if any; without it an `acl =` line deletes the user. */
  namedAcls?: NamedAcls;
}

function parseGeneral(section: ConfSection | undefined, warnings: ConfWarning[]): ManagerGeneralConfig {
  const g = managerDefaults();
  const tlsBind: { value: TlsBind | undefined } = { value: undefined };
  let plainBindGiven = false;
  for (const e of section?.entries ?? []) {
    const w = (message: string) => warnings.push({ file: e.file, line: e.line, message });
    const v = e.value;
    if (readTlsOption(g.tls, tlsBind, e.key, v, w)) continue;
    if (readAuthFailOption(g.authFail, e.key, v, w)) continue;
    switch (e.key.toLowerCase()) {
      case 'enabled':
        g.enabled = astTrue(v);
        break;
      case 'webenabled':
        g.webenabled = astTrue(v);
        break;
      case 'port': {
        const n = parseUint32(v);
        if (n === undefined || n < 1024 || n > 65535) w(`Invalid port number '${v}'`);
        // Asterisk still uses an out-of-range number; one that is not a port at all leaves the old value.
        if (n !== undefined && n <= 65535) g.port = n;
        break;
      }
      case 'bindaddr': {
        const a = parseSockAddr(v, 'ignore');
        if (!a) w(`Invalid address '${v}' specified, default '${g.bindaddr}' will be used`);
        else {
          g.bindaddr = a.host;
          plainBindGiven = true;
        }
        break;
      }
      case 'brokeneventsaction':
        g.brokeneventsaction = astTrue(v);
        break;
      case 'allowmultiplelogin':
        g.allowmultiplelogin = astTrue(v);
        break;
      case 'displayconnects':
        g.displayconnects = astTrue(v);
        break;
      case 'timestampevents':
        g.timestampevents = astTrue(v);
        break;
      case 'debug':
        g.debug = astTrue(v);
        break;
      case 'httptimeout': {
        const n = atoi(v);
        if (n > 0) g.httptimeout = n;
        else w(`Invalid httptimeout value '${v}', using ${g.httptimeout}`);
        break;
      }
      case 'authtimeout': {
        const n = atoi(v);
        if (n < 1) w(`Invalid authtimeout value '${v}', using default value`);
        else g.authtimeout = n;
        break;
      }
      case 'authlimit': {
        const n = atoi(v);
        if (n < 1) w(`Invalid authlimit value '${v}', using default value`);
        else g.authlimit = n;
        break;
      }
      case 'channelvars':
        // Split like an application argument list: CDR(a,b) stays one item; nothing is trimmed.
        g.channelvars = separateArgs(v, ',', MAX_CHANNELVARS);
        break;
      case 'disabledevents':
        // ast_in_delimited_string skips blanks before each item but keeps trailing ones.
        g.disabledevents = v
          .split(',')
          .map(skipBlanks)
          .filter((s) => s !== '');
        break;
      default:
        w(`Invalid keyword <${e.key}> = <${v}> in manager.conf [general]`);
    }
  }
  // TLS address: tlsbindaddr, else bindaddr; its port if given and different from the plain one, else 5039.
  const bind = tlsBind.value ?? { host: g.bindaddr, port: g.port };
  g.tls.bindaddr = bind.host;
  g.bindaddrGiven = { plain: plainBindGiven, tls: tlsBind.value !== undefined || plainBindGiven };
  g.tls.port = bind.port === 0 || bind.port === g.port ? DEFAULT_MANAGER_TLS_PORT : bind.port;
  return g;
}

interface UserState extends ManagerUserConfig {
  keep: boolean;
}

function newUser(name: string, section: ConfSection, g: ManagerGeneralConfig, perm: number): UserState {
  return {
    name,
    secret: undefined,
    read: perm,
    write: perm,
    acl: [],
    displayconnects: g.displayconnects,
    allowmultiplelogin: g.allowmultiplelogin,
    writetimeout: 100,
    setvars: [],
    eventfilters: [],
    file: section.file,
    line: section.line,
    keep: true,
  };
}

/** users.conf users with hasmanager (their own or [general]'s); read/write are every bit (-1) when unset. */
function addUsersConf(
  ucfg: ConfDocument,
  g: ManagerGeneralConfig,
  users: Map<string, UserState>,
  warnings: ConfWarning[],
): void {
  const general = firstSection(ucfg, 'general');
  const gen = (k: string) => (general ? entriesOf(general, k)[0]?.value : undefined);
  const genHasManager = astTrue(gen('hasmanager'));
  for (const section of ucfg.sections) {
    if (section.name.toLowerCase() === 'general') continue;
    const own = (k: string) => entriesOf(section, k)[0]?.value;
    const hasmanager = own('hasmanager');
    if (!((hasmanager === undefined && genHasManager) || astTrue(hasmanager))) continue;
    const lower = section.name.toLowerCase();
    let user = users.get(lower);
    if (!user) {
      user = newUser(section.name, section, g, -1);
      users.set(lower, user);
    }
    const pick = (k: string) => own(k) ?? gen(k);
    const secret = pick('secret');
    if (secret) user.secret = secret;
    const read = pick('read');
    if (read !== undefined) user.read = getPerm(read);
    const write = pick('write');
    if (write !== undefined) user.write = getPerm(write);
    const dc = pick('displayconnects');
    if (dc !== undefined) user.displayconnects = astTrue(dc);
    const aml = pick('allowmultiplelogin');
    if (aml !== undefined) user.allowmultiplelogin = astTrue(aml);
    const wt = pick('writetimeout');
    if (wt !== undefined) {
      const n = atoi(wt);
      if (n < 100)
        warnings.push({
          file: section.file,
          line: section.line,
          message: `Invalid writetimeout value '${n}' in users.conf`,
        });
      else user.writetimeout = n;
    }
  }
}

/** Per-user ACL being built: the user's own permit/deny list, then named ACLs (ast_append_acl). */
class UserAcl {
  private base: AclRule[] | undefined;
  private readonly named: Array<{ name: string; rules: AclRule[] }> = [];

  constructor(private readonly namedAcls: NamedAcls | undefined) {}

  /** Returns error texts; any error deletes the user. Notices go to `notice`. */
  append(key: string, value: string, notice: (m: string) => void): string[] {
    if (key !== 'acl') {
      this.base ??= [];
      const res = parseHa(key === 'permit' ? 'permit' : 'deny', value);
      this.base.push(...res.rules);
      return res.error ? [res.error] : [];
    }
    const errors: string[] = [];
    for (const item of value.split(',')) {
      const name = skipBlanks(item);
      const taken = [...(this.base ? [''] : []), ...this.named.map((n) => n.name)];
      if (taken.some((t) => t.toLowerCase() === name.toLowerCase())) {
        errors.push(`Named ACL '${name}' occurs multiple times in ACL definition.`);
        continue;
      }
      if (!this.namedAcls) {
        errors.push(`Named ACL '${name}' cannot be found: there is no acl.conf`);
        continue;
      }
      const rules = this.namedAcls.acls.get(name);
      if (!rules) {
        notice(
          `ACL '${name}' does not exist. The ACL will be marked as undefined and will automatically fail if applied.`,
        );
      }
      this.named.push({ name, rules: rules ?? denyAllRules(name) });
    }
    return errors;
  }

  rules(): AclRule[] {
    return [...(this.base ?? []), ...this.named.flatMap((n) => n.rules)];
  }
}

function applyUserSection(
  user: UserState,
  section: ConfSection,
  namedAcls: NamedAcls | undefined,
  warnings: ConfWarning[],
): void {
  user.keep = true;
  user.eventfilters = [];
  user.setvars = [];
  const acl = new UserAcl(namedAcls);
  for (const e of section.entries) {
    const w = (message: string) => warnings.push({ file: e.file, line: e.line, message });
    const k = e.key.toLowerCase();
    if (k === 'secret') user.secret = e.value;
    else if (k === 'deny' || k === 'permit' || k === 'acl') {
      const errors = acl.append(k, e.value, w);
      for (const err of errors) w(err);
      if (errors.length) {
        w(`Invalid ACL '${e.value}' for manager user '${user.name}' on line ${e.line}. Deleting user`);
        user.keep = false;
      }
    } else if (k === 'read') user.read = getPerm(e.value);
    else if (k === 'write') user.write = getPerm(e.value);
    else if (k === 'displayconnects') user.displayconnects = astTrue(e.value);
    else if (k === 'allowmultiplelogin') user.allowmultiplelogin = astTrue(e.value);
    else if (k === 'writetimeout') {
      const n = atoi(e.value);
      if (n < 100) w(`Invalid writetimeout value '${e.value}' at line ${e.line}`);
      else user.writetimeout = n;
    } else if (k === 'setvar') {
      // Copied into a 256-byte buffer; lines without '=' are dropped. Asterisk prepends each variable to
      // its list, so the array is in that order (last line first) and applying it in order matches.
      const buf = e.value.slice(0, 255);
      const eq = buf.indexOf('=');
      if (eq >= 0) user.setvars.unshift([buf.slice(0, eq), buf.slice(eq + 1)]);
    } else if (e.key.startsWith('eventfilter')) {
      // ast_begins_with: case-sensitive, unlike every other option name.
      user.eventfilters.push({ criteria: e.key, pattern: e.value, file: e.file, line: e.line });
    }
    // Anything else: Asterisk only logs it at debug level.
  }
  user.acl = acl.rules();
}

/** Build the manager configuration from parsed documents. */
export function parseManagerConf(doc: ConfDocument, opts: ManagerConfOptions = {}): ManagerConfig {
  const warnings: ConfWarning[] = [...doc.warnings];
  if (opts.users) warnings.push(...opts.users.warnings);
  if (opts.namedAcls) warnings.push(...opts.namedAcls.warnings);
  // Only the first [general] counts (ast_variable_browse finds the first category of that name).
  const general = parseGeneral(firstSection(doc, 'general'), warnings);
  const users = new Map<string, UserState>();
  if (opts.users) addUsersConf(opts.users, general, users, warnings);
  for (const section of doc.sections) {
    if (section.name.toLowerCase() === 'general') continue;
    const lower = section.name.toLowerCase();
    let user = users.get(lower);
    if (!user) {
      user = newUser(section.name, section, general, 0);
      users.set(lower, user);
    }
    applyUserSection(user, section, opts.namedAcls, warnings);
  }
  const out = new Map<string, ManagerUserConfig>();
  for (const [lower, { keep, ...user }] of users) if (keep) out.set(lower, user);
  return { general, users: out, warnings };
}

/**
 * Load manager.conf from an Asterisk config directory, with users.conf and acl.conf when present.
 * No manager.conf: defaults (manager disabled) and a warning. Syntax errors throw ConfSyntaxError.
 */
export function loadManagerConf(dir: string): ManagerConfig {
  const path = join(dir, 'manager.conf');
  if (!existsSync(path)) {
    return {
      general: managerDefaults(),
      users: new Map(),
      warnings: [
        { file: path, line: 0, message: 'Unable to open AMI configuration manager.conf; manager disabled' },
      ],
    };
  }
  const doc = parseConfFile(path, { baseDir: dir });
  const usersPath = join(dir, 'users.conf');
  const users = existsSync(usersPath) ? parseConfFile(usersPath, { baseDir: dir }) : undefined;
  return parseManagerConf(doc, { users, namedAcls: loadAclConf(dir) });
}

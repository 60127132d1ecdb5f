/**
 * The manager core: configuration and users, the sessions, the action registry, the CLI commands the
 * Command action runs, and event publication. Transports create sessions; modules register actions.
 */
import { arch, hostname, platform, userInfo } from 'node:os';
import type { ManagerConfig, ManagerUserConfig } from '../config/types.js';
import { Acl } from '../config/acl.js';
import type { Logger } from '../logger.js';
import type { AmiMessage } from '../protocol/message.js';
import { ActionRegistry } from './registry.js';
import { CliRegistry } from './cli.js';
import { LocalEventBus, type EventBus } from './bus.js';
import { buildEvent, formatEventTV, type AmiEvent, type EventHeaders } from './events.js';
import { compileFilter, type EventFilter } from './filters.js';
import { Session, type Dispatcher, type Transport } from './session.js';
import type { ManagerMetrics } from './metrics.js';
import { ActionContext } from './context.js';
import { loadOrder, type AmiModule } from './module.js';
import { privilegeMask, type ActionSpec } from './action.js';
import type { EventDefinition, EventName } from './event-def.js';
import { RELOAD, SECURITY_EVENTS, type SecurityEventName } from './manager-events.js';
import { PROFILES, type ReleaseProfile } from '../profiles/index.js';
import { releaseSpec } from '../spec.js';

export interface ManagerUser extends ManagerUserConfig {
  aclCheck: Acl | null;
  includes: EventFilter[];
  excludes: EventFilter[];
}

export interface ManagerOptions {
  config: ManagerConfig;
  /** Reads the configuration again (Reload / SIGHUP); throws ConfSyntaxError on a bad file. */
  loadConfig?: () => ManagerConfig;
  log: Logger;
  /** The release this server is (versions, modules, spec documents). */
  profile: ReleaseProfile;
  bus?: EventBus;
  systemName?: string;
  /**
   * What `core show version` prints after `built by ` (asterisk.conf `[options] buildinfo`);
   * default: this machine's user, host, architecture and OS, and the server's start time.
   */
  buildInfo?: string;
}

export class Manager implements Dispatcher {
  readonly profile: ReleaseProfile;
  config: ManagerConfig;
  users = new Map<string, ManagerUser>();
  readonly sessions = new Set<Session>();
  readonly registry = new ActionRegistry();
  readonly cli = new CliRegistry();
  readonly bus: EventBus;
  readonly log: Logger;
  readonly systemName: string;
  readonly startTime = Date.now();
  reloadTime = Date.now();
  /** Calls set up since start (CoreProcessedCalls); the telephony core increments it. */
  processedCalls = 0;
  /** Current calls (CoreCurrentCalls); the telephony core keeps it up to date. */
  currentCalls = (): number => 0;
  private unauthSessions = 0;
  private readonly modules: AmiModule[] = [];
  private readonly loadConfig?: () => ManagerConfig;
  /** Reloadable parts by Asterisk module name (`manager`, `app_queue`, `chan_sip`, ...). */
  private readonly reloadables = new Map<string, () => void | Promise<void>>();
  /** Optional counters (the HTTP side's /metrics installs them). */
  metrics?: ManagerMetrics;
  /** What this server offers, for CoreSettings. */
  features = { cdr: false, http: false };
  /** `user @ host on a machine running os on date`, shown by `core show version`. */
  readonly buildInfo: string;

  constructor(opts: ManagerOptions) {
    // Without its documents a release would register no Asterisk action at all: refuse, say which file.
    if (releaseSpec(opts.profile).actions.size === 0)
      throw new Error(
        `Asterisk ${opts.profile.asteriskVersion}: no actions in ${opts.profile.spec.actions} (spec documents missing)`,
      );
    this.profile = opts.profile;
    this.config = opts.config;
    this.loadConfig = opts.loadConfig;
    this.log = opts.log;
    this.bus = opts.bus ?? new LocalEventBus();
    this.systemName = opts.systemName ?? '';
    this.buildInfo = opts.buildInfo ?? localBuildInfo();
    this.applyUsers(opts.config);
    this.bus.subscribe((ev) => {
      for (const s of this.sessions) s.deliver(ev);
    });
    this.registerReload('manager', () => this.reloadUsers());
  }

  /** Makes `Reload Module: <name>` (and a full reload) re-read a part of the configuration. */
  registerReload(name: string, fn: () => void | Promise<void>): void {
    this.reloadables.set(name.toLowerCase().replace(/\.so$/, ''), fn);
  }

  /** ast_module_reload(): one module by name, or every one; raises the Reload event as Asterisk does. */
  async reloadModule(name?: string): Promise<'ok' | 'not-found' | 'error'> {
    const key = name?.toLowerCase().replace(/\.so$/, '');
    const targets = key === undefined ? [...this.reloadables.values()] : [this.reloadables.get(key)];
    let result: 'ok' | 'not-found' | 'error' = 'ok';
    if (targets[0] === undefined) result = 'not-found';
    else {
      this.reloadTime = Date.now();
      try {
        for (const fn of targets) if (fn) await fn();
      } catch (e) {
        this.log.error(`reload failed: ${(e as Error).message}`);
        result = 'error';
      }
    }
    // enum ast_module_reload_result: 0 success, 2 not found, 3 error.
    const status = result === 'ok' ? '0' : result === 'not-found' ? '2' : '3';
    this.raise(RELOAD, { module: name || 'All', status });
    return result;
  }

  /** Runs a CLI command line as the Command action does. */
  async runCli(line: string): Promise<{ lines: string[]; failed?: boolean }> {
    const found = this.cli.resolve(line);
    if (!found) {
      return {
        lines: [
          `No such command '${line}' (type 'core show help ${this.cli.findBest(line)}' for other possible commands)`,
        ],
        failed: true,
      };
    }
    try {
      return await found.cmd.handler(found.args);
    } catch (e) {
      this.log.error({ err: e, command: line }, 'CLI command failed');
      return { lines: [`Command '${line}' failed.`], failed: true };
    }
  }

  /** The banner's AMI version (the release's AMI_VERSION). */
  get amiVersion(): string {
    return this.profile.amiVersion;
  }

  /** Starts one module; the modules it requires must be running already. */
  async addModule(m: AmiModule): Promise<void> {
    loadOrder([m], new Set(this.modules.map((x) => x.name)));
    this.modules.push(m);
    await m.start(this);
  }

  /** Starts modules in dependency order; refuses a cycle or a missing module before starting any. */
  async loadModules(modules: readonly AmiModule[]): Promise<void> {
    for (const m of loadOrder(modules, new Set(this.modules.map((x) => x.name)))) await this.addModule(m);
  }

  /** The modules started, in start order. */
  loadedModules(): readonly AmiModule[] {
    return this.modules;
  }

  /** Registers a module's actions (ast_manager_register_xml); a missing privilege is a start-up error. */
  addActions(module: string, actions: readonly ActionSpec[]): void {
    const spec = releaseSpec(this.profile);
    const docs = spec.actionDocs;
    for (const a of actions) {
      const doc = a.doc ?? 'asterisk';
      // A module shared by several releases offers what this release has: an Asterisk action that
      // another release documents and this one does not (removed, or not yet there) is not registered.
      if (
        doc === 'asterisk' &&
        !spec.actions.has(a.name.toLowerCase()) &&
        otherReleaseHas(this.profile, a.name)
      ) {
        this.log.debug(`${module}: ${a.name} is not an action of Asterisk ${this.profile.asteriskVersion}`);
        continue;
      }
      this.registry.register({
        name: a.name,
        privilege: privilegeMask(a.name, a.privilege),
        synopsis: doc === 'asterisk' ? (docs.get(a.name.toLowerCase())?.synopsis ?? a.name) : doc.synopsis,
        handler: a.handler,
        module,
        declared: { privilege: a.privilege, list: a.list ?? false, doc },
      });
    }
  }

  /** Raises a defined event. */
  raise<P>(def: EventDefinition<P>, payload: P, rawBody = ''): AmiEvent | null {
    return this.publish(def.name, def.category, def.headers(payload), rawBody);
  }

  /**
   * Raises an event: serialized once here, then fanned out by the bus. Modules raise their
   * definitions ({@link raise}); this is the path under it, open to tests that inject events.
   */
  publish(name: EventName, category: number, headers: EventHeaders, rawBody = ''): AmiEvent | null {
    if (this.config.general.disabledevents.includes(name)) return null;
    const ev = buildEvent(
      name,
      category,
      headers,
      {
        timestampevents: this.config.general.timestampevents,
        debug: this.config.general.debug,
        systemName: this.systemName,
      },
      Date.now(),
      rawBody,
    );
    this.metrics?.eventPublished(name);
    this.bus.publish(ev);
    return ev;
  }

  /** A security event (class security, Service AMI) about a session, in security_events.c's layout. */
  securityEvent(
    name: SecurityEventName,
    session: Session,
    accountId: string,
    extra: EventHeaders = [],
    version = 1,
  ): void {
    const t = session.transport;
    const proto = t.kind === 'TLS' ? 'TLS' : t.kind === 'WS' ? 'WS' : 'TCP';
    // Transports hand over addresses already unmapped (`::ffff:1.2.3.4` -> `1.2.3.4`).
    const fam = (a: string): string => (a.includes(':') ? 'IPV6' : 'IPV4');
    const severity = name === 'SuccessfulAuth' || name === 'ChallengeSent' ? 'Informational' : 'Error';
    const headers: Array<readonly [string, string]> = [
      ['EventTV', formatEventTV(Date.now())],
      ['Severity', severity],
      ['Service', 'AMI'],
      ['EventVersion', String(version)],
    ];
    const common: Array<[string, string]> = [
      ['AccountID', accountId],
      ['SessionID', session.sessionId],
      ['LocalAddress', `${fam(t.localAddress)}/${proto}/${t.localAddress}/${t.localPort}`],
      ['RemoteAddress', `${fam(t.remoteAddress)}/${proto}/${t.remoteAddress}/${t.remotePort}`],
    ];
    // RequestBadFormat lists AccountID among its optional fields, after SessionTV.
    const badFormat = name === 'RequestBadFormat';
    headers.push(...common.filter(([n]) => !(badFormat && n === 'AccountID')));
    headers.push(...extra.filter(([n]) => n !== 'RequestParams'));
    headers.push(['SessionTV', formatEventTV(session.sessionStartMs)]);
    // The account is a fixed buffer in Asterisk, so RequestBadFormat always ends with it (maybe empty).
    if (badFormat) headers.push(['AccountID', accountId]);
    this.raise(SECURITY_EVENTS[name], headers);
  }

  findUser(name: string): ManagerUser | undefined {
    return this.users.get(name.toLowerCase());
  }

  /** A transport accepted a connection. Returns null when authlimit refuses it (closed, no banner). */
  openSession(transport: Transport, opts: { banner?: boolean; countUnauth?: boolean } = {}): Session | null {
    const countUnauth = opts.countUnauth ?? true;
    if (countUnauth) {
      if (this.unauthSessions >= this.config.general.authlimit) {
        transport.end();
        return null;
      }
      this.unauthSessions++;
    }
    const s = new Session(this, transport);
    this.sessions.add(s);
    let counted = countUnauth;
    s.onClose.push(() => {
      this.sessions.delete(s);
      if (counted && !s.authenticated) this.unauthSessions--;
      counted = false;
      if (s.authenticated) {
        if (s.displayconnects) {
          this.log.info(
            { user: s.username, remote: transport.remoteAddress },
            `Manager '${s.username}' ${s.kicked ? 'kicked' : 'logged off'} from ${transport.remoteAddress}`,
          );
        }
      } else if (this.config.general.displayconnects && transport.kind !== 'HTTP') {
        this.log.info(
          { remote: transport.remoteAddress },
          `Connect attempt from '${transport.remoteAddress}' unable to authenticate`,
        );
      }
    });
    s.onAuthenticated = () => {
      if (counted) {
        this.unauthSessions--;
        counted = false;
      }
    };
    s.start(opts.banner ?? true);
    return s;
  }

  /** do_message(): one request of a session; false (or its promise) when the session must end. */
  dispatch(msg: AmiMessage, session: Session): boolean | Promise<boolean> {
    const ctx = new ActionContext(msg, session, this);
    if (msg.tooManyLines) {
      ctx.error('Too many lines in message or allocation failure');
      return true;
    }
    if (msg.lineTooLong) {
      ctx.error('Failed to parse message: line too long');
      return true;
    }
    const metrics = this.metrics;
    const keepOpen = this.process(ctx);
    if (typeof keepOpen === 'boolean') {
      metrics?.actionDone(msg.get('Action', true) ?? '', ctx.result);
      return keepOpen;
    }
    return keepOpen.then((k) => {
      metrics?.actionDone(msg.get('Action', true) ?? '', ctx.result);
      return k;
    });
  }

  /** process_message(): routes one request; returns false when the session must end. */
  private process(ctx: ActionContext): boolean | Promise<boolean> {
    const s = ctx.session;
    const action = ctx.message.get('Action', true) ?? '';
    if (action.length === 0) {
      this.securityEvent('RequestBadFormat', s, s.username, [['RequestType', 'Action: NONE']]);
      ctx.error('Missing action in request');
      return true;
    }
    const lower = action.toLowerCase();
    if (!s.authenticated && lower !== 'login' && lower !== 'logoff' && lower !== 'challenge') {
      this.securityEvent('RequestNotAllowed', s, s.username, [['RequestType', requestType(action)]]);
      ctx.error('Permission denied');
      return true;
    }
    if (!s.authenticated && (lower === 'login' || lower === 'challenge')) {
      const username = ctx.get('Username');
      if (username && this.sessionInUse(username)) {
        const user = this.findUser(username);
        if (user && !user.allowmultiplelogin) {
          this.securityEvent('SessionLimit', s, s.username);
          return delay(1000).then(() => {
            ctx.error('Login Already In Use');
            return false;
          });
        }
      }
    }
    const def = this.registry.find(action);
    if (!def) {
      this.securityEvent('RequestBadFormat', s, s.username, [['RequestType', requestType(action)]]);
      ctx.error(`Invalid/unknown command: ${action}. Use Action: ListCommands to show available commands.`);
      return true;
    }
    if (def.privilege !== 0 && (s.writeperm & def.privilege) === 0) {
      this.securityEvent('RequestNotAllowed', s, s.username, [['RequestType', requestType(action)]]);
      ctx.error('Permission denied');
      return true;
    }
    const failed = (e: unknown): boolean => {
      this.log.error({ err: e, action: def.name }, 'action handler failed');
      ctx.error('Internal error');
      return !ctx.endSession;
    };
    let r: void | Promise<void>;
    try {
      r = def.handler(ctx);
    } catch (e) {
      return failed(e);
    }
    // Handlers that answer at once stay synchronous: no promise per action on the hot path.
    if (r instanceof Promise) return r.then(() => !ctx.endSession, failed);
    return !ctx.endSession;
  }

  /** True when an authenticated session of this user exists (check_manager_session_inuse). */
  sessionInUse(username: string): boolean {
    const l = username.toLowerCase();
    for (const s of this.sessions) if (s.authenticated && s.username.toLowerCase() === l) return true;
    return false;
  }

  /** Re-reads manager.conf: users change, sessions stay (their rights were copied at login). */
  private reloadUsers(): void {
    if (!this.loadConfig) return;
    const cfg = this.loadConfig();
    this.config = cfg;
    this.applyUsers(cfg);
  }

  /** Reload everything (SIGHUP, `Reload` without Module). */
  async reload(): Promise<void> {
    const r = await this.reloadModule();
    if (r === 'error') throw new Error('reload failed');
  }

  private applyUsers(cfg: ManagerConfig): void {
    const users = new Map<string, ManagerUser>();
    for (const [key, u] of cfg.users) {
      const includes: EventFilter[] = [];
      const excludes: EventFilter[] = [];
      for (const line of u.eventfilters) {
        const r = compileFilter(line.criteria, line.pattern);
        if (!r.ok) {
          this.log.warn(`${line.file}:${line.line}: invalid eventfilter for user '${u.name}': ${r.detail}`);
          continue;
        }
        (r.filter.exclude ? excludes : includes).push(r.filter);
      }
      users.set(key, { ...u, aclCheck: u.acl.length ? new Acl(u.acl) : null, includes, excludes });
    }
    this.users = users;
  }

  /** Ends every session and forgets modules (server shutdown). */
  async shutdown(): Promise<void> {
    for (const s of [...this.sessions]) s.close();
    for (const m of this.modules) if (m.stop) await m.stop();
  }
}

/** `Action: X` as Asterisk writes it into a 64-byte buffer. */
function requestType(action: string): string {
  return ('Action: ' + action).slice(0, 63);
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Asterisk's build line (ast_build_user @ ast_build_hostname on a ast_build_machine running
 * ast_build_os on ast_build_date) as a build on this machine, now, would print it.
 */
export function localBuildInfo(): string {
  let user = 'amikit';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (a container): keep the default.
  }
  const machine = arch() === 'x64' ? 'x86_64' : arch();
  const os = platform() === 'linux' ? 'Linux' : platform();
  const date = new Date().toISOString().slice(0, 19).replace('T', ' ') + ' UTC';
  return `${user} @ ${hostname()} on a ${machine} running ${os} on ${date}`;
}

/** Whether a release other than `profile` documents the action. */
function otherReleaseHas(profile: ReleaseProfile, name: string): boolean {
  const key = name.toLowerCase();
  for (const p of PROFILES.values()) if (p.id !== profile.id && releaseSpec(p).actions.has(key)) return true;
  return false;
}

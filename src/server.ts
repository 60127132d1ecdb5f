/**
 * Assembly: load an Asterisk configuration directory (or the embedded demo), build the manager and
 * the modules the release has, start them in dependency order, open the listeners. This is what
 * `amikit serve` runs and what tests start.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve, isAbsolute } from 'node:path';
import type { AddressInfo, Server, Socket } from 'node:net';
import { loadManagerConf } from './config/manager-conf.js';
import { formatWarning, type ManagerConfig } from './config/types.js';
import { Manager } from './manager/manager.js';
import { managerCoreModule } from './manager/actions/core.js';
import { listenTcp, listenTls } from './manager/transports/listeners.js';
import { listenError } from './manager/transports/listen-error.js';
import { startHttp, type HttpHandle } from './manager/transports/http/index.js';
import { loadHttpConf } from './config/http-conf.js';
import { parseConfFile, retrieve } from './config/conf-parser.js';
import { createLogger, silentLogger, type Logger } from './logger.js';
import { PACKAGE_ROOT } from './spec.js';
import { DEFAULT_PROFILE, httpServerName, profileFor, type ReleaseProfile } from './profiles/index.js';
import { readReleaseChoice } from './config/amikit-release.js';
import { ConfSyntaxError } from './config/types.js';
import type { AmiModule } from './manager/module.js';
import { createSipModule, type SipModule } from './modules/sip/index.js';
import { createPjsipModule } from './modules/pjsip/index.js';
import { buildPbxForConfig, createConfiguredCore, type RunningPbx } from './modules/core/index.js';
import { createQueueModule } from './modules/queue/index.js';
import { createMiscModule } from './modules/misc/index.js';

export interface ServeOptions {
  /** The Asterisk release to be (versions, modules, spec documents); wins over `asterisk`. */
  profile?: ReleaseProfile;
  /**
   * The release by its `--asterisk` name (`20`, `22`, or its full version). Without this or `profile`,
   * asterisk.conf `[amikit]` `asterisk = ...` of the configuration directory decides, else Asterisk 20.
   */
  asterisk?: string;
  /** An Asterisk configuration directory (manager.conf, ...). */
  configDir?: string;
  /** Use the embedded demo configuration (the default when no configDir is given). */
  demo?: boolean;
  amiPort?: number;
  tlsPort?: number;
  httpPort?: number;
  sipPort?: number;
  /** Overrides bindaddr of every listener. */
  bind?: string;
  logLevel?: string;
  /** A logger to use instead of creating one (tests pass a silent one). */
  logger?: Logger;
  /** Load chan_sip where the release has it (default true; SIP tests add their own instance). */
  sip?: boolean;
  /** Load chan_pjsip where the release has it (default true; PJSIP tests add their own instance). */
  pjsip?: boolean;
  /** Where astdb (SQLite) and cdr-csv/Master.csv live; undefined: astdb in memory, no CSV. */
  dataDir?: string;
  /** Run the telephony core on a virtual clock, driven by the SimClock action. */
  virtualClock?: boolean;
  /** Follow real time at N x speed (with a virtual clock). */
  speed?: number;
  /**
   * What `core show version` prints after `built by` (overrides asterisk.conf `[options]
   * buildinfo`); default: this machine and the start time.
   */
  buildInfo?: string;
  /** Seed of the telephony core's PRNG (same seed, same run). */
  seed?: number;
  /** Build the telephony core and its AMI module (default true; core tests build their own). */
  core?: boolean;
  /** Load app_queue on the telephony core (default true; queue tests add their own instance). */
  queues?: boolean;
  /**
   * The web console's directory, served at `/` of the HTTP listener while manager.conf has webenabled
   * (default: dist/console when `npm run build` has made it; false: none).
   */
  staticRoot?: string | false;
}

export interface RunningServer {
  manager: Manager;
  amiAddress: { address: string; port: number } | null;
  tlsAddress: { address: string; port: number } | null;
  httpAddress: { address: string; port: number } | null;
  httpsAddress: { address: string; port: number } | null;
  /** http.conf prefix: the AJAM URIs and the web console are under it. */
  httpPrefix: string;
  demoCredentials?: { username: string; secret: string };
  configDir: string;
  sip: SipModule | null;
  /** The telephony core and its AMI module (null when `core: false`). */
  core: RunningPbx | null;
  close(): Promise<void>;
  reload(): Promise<void>;
}

/**
 * asterisk.conf `[options] buildinfo` (amikit's own; Asterisk ignores an option it does not know):
 * the build line `core show version` prints after `built by`, so that a recorded Asterisk's line can
 * be reproduced. Read once at start, as Asterisk reads asterisk.conf.
 */
function buildInfoOf(configDir: string): string | undefined {
  const p = join(configDir, 'asterisk.conf');
  if (!existsSync(p)) return undefined;
  const v = retrieve(parseConfFile(p, { baseDir: configDir }), 'options', 'buildinfo')?.trim();
  return v ? v : undefined;
}

export const DEMO_DIR = join(PACKAGE_ROOT, 'demo');
export const DEMO_CREDENTIALS = { username: 'demo', secret: 'demo' };
/** Where `vite build console` writes the web console. */
export const CONSOLE_DIR = join(PACKAGE_ROOT, 'dist', 'console');

/** Resolves a file named in a config (certificates) against the config directory. */
export function resolveConfigPath(configDir: string, p: string): string {
  return isAbsolute(p) ? p : resolve(configDir, p);
}

export async function startAmikit(opts: ServeOptions = {}): Promise<RunningServer> {
  const demo = opts.demo || !opts.configDir;
  const configDir = resolve(opts.configDir ?? DEMO_DIR);
  if (!existsSync(configDir)) throw new Error(`configuration directory not found: ${configDir}`);
  const log = opts.logger ?? (opts.logLevel === 'silent' ? silentLogger() : createLogger(opts.logLevel));

  const load = (): ManagerConfig => {
    const cfg = loadManagerConf(configDir);
    for (const w of cfg.warnings) log.warn(formatWarning(w));
    return applyOverrides(cfg, opts);
  };
  const config = load();
  const profile = chooseRelease(configDir, opts, log);
  warnUnknownFiles(configDir, profile, log);
  const manager = new Manager({
    config,
    loadConfig: load,
    log,
    profile,
    buildInfo: opts.buildInfo ?? buildInfoOf(configDir),
  });

  // The release decides which modules exist; the options leave some out (tests add their own).
  const skipped = new Set<string>();
  if (opts.core === false) skipped.add('core').add('app_queue');
  if (opts.queues === false) skipped.add('app_queue');
  // As Asterisk: without sip.conf chan_sip declines to load, so nothing listens for SIP; chan_pjsip
  // loads without pjsip.conf and listens on nothing (optionalConf).
  for (const d of profile.channelDrivers)
    if (!d.optionalConf && !existsSync(join(configDir, d.conf))) skipped.add(d.module);
  if (opts.sip === false) skipped.add('chan_sip');
  if (opts.pjsip === false) skipped.add('chan_pjsip');
  const has = (name: string): boolean => profile.modules.includes(name) && !skipped.has(name);

  // Built in the order their objects need each other: the telephony core first, chan_sip reporting
  // reachability to it, the core's module driving chan_sip's simulated phones, app_queue on the core.
  const built = has('core')
    ? buildPbxForConfig(configDir, {
        // The release's channel drivers' technologies (SIP/ is chan_sip's simulated phones).
        techs: profile.channelDrivers.map((d) => d.tech),
        dataDir: opts.dataDir,
        virtual: opts.virtualClock,
        speed: opts.speed,
        seed: opts.seed,
      })
    : null;
  if (built) for (const w of built.warnings) log.warn(w);
  let sip: SipModule | null = null;
  let core: RunningPbx | null = null;
  try {
    sip = has('chan_sip')
      ? createSipModule({
          configDir,
          profile,
          bindOverride:
            opts.sipPort !== undefined || opts.bind !== undefined
              ? { host: opts.bind, port: opts.sipPort }
              : undefined,
          strictBind: true,
          defaultBindHost: LOOPBACK,
          deviceState: built
            ? {
                setDeviceState: (device, state, initial) =>
                  built.pbx.setSipReachability(device, state, !initial),
              }
            : undefined,
          log: log.child({ module: 'chan_sip' }),
        })
      : null;
    core = built ? createConfiguredCore(built, sip?.sim) : null;
    const modules = new Map<string, AmiModule>([
      ['manager', managerCoreModule],
      ['misc', createMiscModule({ configDir })],
    ]);
    if (core) modules.set('core', core.module);
    if (core && has('app_queue'))
      modules.set(
        'app_queue',
        createQueueModule(core.pbx, {
          configDir,
          queueLogPath: opts.dataDir ? join(opts.dataDir, 'queue_log') : undefined,
          log: log.child({ module: 'app_queue' }),
        }),
      );
    if (sip) modules.set('chan_sip', sip);
    // The PJSIP module (on releases that have it): pjsip.conf is read here, so a syntax error
    // refuses the start; --sip-port / --bind move its UDP listener as they move chan_sip's.
    if (has('chan_pjsip'))
      modules.set(
        'chan_pjsip',
        createPjsipModule({
          configDir,
          profile,
          bindOverride:
            opts.sipPort !== undefined || opts.bind !== undefined
              ? { host: opts.bind, port: opts.sipPort }
              : undefined,
          strictBind: true,
          log: log.child({ module: 'chan_pjsip' }),
        }),
      );
    await manager.loadModules(profile.modules.filter((n) => has(n)).map((n) => moduleOf(modules, n)));
  } catch (e) {
    // Nothing half-started stays behind: modules stop, the telephony core (astdb) closes.
    await manager.shutdown();
    if (core) await core.stop();
    else built?.pbx.close();
    throw e;
  }
  // The demo's phones are dynamic peers: register them as simulated phones so they are reachable.
  if (sip && demo) for (const p of sip.peerNames()) sip.sim.register(p.name, {});

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const track = (server: Server): void => {
    server.on('connection', (sock: Socket) => {
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
    });
  };
  let amiAddress: RunningServer['amiAddress'] = null;
  let tlsAddress: RunningServer['tlsAddress'] = null;
  let http: HttpHandle | null = null;
  const g = config.general;
  try {
    const sipFailure = sip?.core.bindFailure;
    if (sipFailure) throw listenError(sipFailure.error, 'SIP over UDP', sipFailure.host, sipFailure.port);
    if (g.enabled) {
      const { server, address } = await listenTcp(manager, { host: g.bindaddr, port: g.port }).catch(
        (e: unknown) => {
          throw listenError(e, 'AMI', g.bindaddr, g.port);
        },
      );
      servers.push(server);
      track(server);
      amiAddress = pick(address);
    } else {
      log.warn('AMI is disabled (manager.conf [general] enabled = no)');
    }
    if (g.enabled && g.tls.enabled) {
      const certfile = resolveConfigPath(configDir, g.tls.certfile);
      const privatekey = g.tls.privatekey ? resolveConfigPath(configDir, g.tls.privatekey) : '';
      if (!existsSync(certfile) || (privatekey && !existsSync(privatekey))) {
        // As Asterisk: a TLS listener without its certificate is not started; plain AMI goes on.
        log.error(
          `AMI TLS: certificate or key not found (${certfile}${privatekey ? ', ' + privatekey : ''}); TLS disabled`,
        );
      } else {
        const { server, address } = await listenTls(manager, {
          host: g.tls.bindaddr,
          port: g.tls.port,
          certfile,
          privatekey,
          cipher: g.tls.cipher,
          servercipherorder: g.tls.servercipherorder,
          disablev1: g.tls.disablev1,
          disablev11: g.tls.disablev11,
          disablev12: g.tls.disablev12,
        }).catch((e: unknown) => {
          throw listenError(e, 'AMI over TLS', g.tls.bindaddr, g.tls.port);
        });
        servers.push(server);
        track(server);
        tlsAddress = pick(address);
      }
    }
    // HTTP side (AJAM, /ws, /metrics): src/manager/transports/http.
    http = await startHttp(manager, loadHttpConf(configDir, httpServerName(profile)), {
      port: opts.httpPort,
      bind: opts.bind,
      configDir,
      staticRoot:
        opts.staticRoot === false
          ? undefined
          : (opts.staticRoot ?? (existsSync(join(CONSOLE_DIR, 'index.html')) ? CONSOLE_DIR : undefined)),
    });
  } catch (e) {
    // A listener could not open: stop what already runs (SIP socket, telephony core, astdb).
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    await manager.shutdown();
    await core?.stop();
    throw e;
  }

  return {
    manager,
    amiAddress,
    tlsAddress,
    httpAddress: http.address,
    httpsAddress: http.tlsAddress,
    httpPrefix: http.prefix,
    demoCredentials: demo ? DEMO_CREDENTIALS : undefined,
    configDir,
    sip,
    core,
    reload: () => manager.reload(),
    close: async () => {
      await manager.shutdown();
      await core?.stop();
      await http?.close();
      const closing = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
      // Give ended sessions a moment to flush, then drop peers that do not close their side.
      await new Promise((r) => setTimeout(r, 20));
      for (const sock of sockets) sock.destroy();
      await Promise.all(closing);
    },
  };
}

/**
 * The release to be: the `profile` or `asterisk` option (`--asterisk`), else asterisk.conf `[amikit]`,
 * else the default. A value no release has stops the start, naming file and line when it is a file's.
 */
function chooseRelease(configDir: string, opts: ServeOptions, log: Logger): ReleaseProfile {
  if (opts.profile) return opts.profile;
  if (opts.asterisk !== undefined) return profileFor(opts.asterisk);
  const { choice, warnings } = readReleaseChoice(configDir);
  for (const w of warnings) log.warn(formatWarning(w));
  if (!choice) return DEFAULT_PROFILE;
  try {
    return profileFor(choice.value);
  } catch (e) {
    throw new ConfSyntaxError(choice.file, choice.line, (e as Error).message);
  }
}

/** Configuration files amikit reads; others are ignored with a warning (Asterisk loads per module). */
const KNOWN_FILES = new Set([
  'asterisk.conf',
  'manager.conf',
  'http.conf',
  'extensions.conf',
  'queues.conf',
  'queuerules.conf',
  'cdr.conf',
  'cdr_manager.conf',
  'simulation.conf',
  'users.conf',
  'acl.conf',
]);

/** Channel drivers' files of every release: each is read only by the releases that have its driver. */
const DRIVER_FILES: ReadonlyMap<string, string> = new Map([
  ['sip.conf', 'chan_sip'],
  ['pjsip.conf', 'chan_pjsip'],
  ['pjsip_notify.conf', 'chan_pjsip'],
]);

function warnUnknownFiles(dir: string, profile: ReleaseProfile, log: Logger): void {
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.conf') || KNOWN_FILES.has(f)) continue;
    const driver = DRIVER_FILES.get(f);
    if (driver === undefined) log.warn(`${join(dir, f)}: not used by amikit, ignored`);
    else if (!profile.modules.includes(driver))
      log.warn(`${join(dir, f)}: Asterisk ${profile.asteriskVersion} has no ${driver}, ignored`);
  }
}

/** A module the release names but this build does not have is a start-up error, not a silent gap. */
function moduleOf(modules: ReadonlyMap<string, AmiModule>, name: string): AmiModule {
  const m = modules.get(name);
  if (!m) throw new Error(`release module '${name}' is not available in amikit`);
  return m;
}

function pick(a: AddressInfo): { address: string; port: number } {
  return { address: a.address, port: a.port };
}

/** Where a listener goes when neither the configuration nor --bind names an address. */
const LOOPBACK = '127.0.0.1';

/**
 * Command-line flags win over the files. An address the files do not give is loopback, where Asterisk
 * would take every address: amikit opens nothing to the network unless told to.
 */
function applyOverrides(cfg: ManagerConfig, o: ServeOptions): ManagerConfig {
  const g = cfg.general;
  if (o.amiPort !== undefined) g.port = o.amiPort;
  if (o.tlsPort !== undefined) g.tls.port = o.tlsPort;
  if (o.bind !== undefined) {
    g.bindaddr = o.bind;
    g.tls.bindaddr = o.bind;
  } else {
    if (g.bindaddrGiven?.plain === false) g.bindaddr = LOOPBACK;
    if (g.bindaddrGiven?.tls === false) g.tls.bindaddr = LOOPBACK;
  }
  return cfg;
}

/**
 * `amikit serve`: start the server, say where it listens and how to use it, close on SIGINT/SIGTERM,
 * reload on SIGHUP. Everything it prints goes to stdout in one format: readable lines on a terminal,
 * JSON lines otherwise (--log-format chooses). A start that fails throws a CliError, which the command
 * line prints as the one last line on stderr.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfSyntaxError } from '../config/types.js';
import { ListenError } from '../manager/transports/listen-error.js';
import { createLogger, envLogFormat, silentLogger, type LogFormat, type Logger } from '../logger.js';
import { CliError, EXIT } from './errors.js';
import { checkConfigDir } from './serve-check.js';
import { profileFor } from '../profiles/index.js';

export interface ServeFlags {
  config?: string;
  demo?: boolean;
  asterisk?: string;
  amiPort?: string;
  tlsPort?: string;
  httpPort?: string;
  sipPort?: string;
  bind?: string;
  logLevel?: string;
  logFormat?: string;
  dataDir?: string;
  virtualClock?: boolean;
  seed?: string;
}

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

function portOpt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`${flag}: invalid port ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}

function seedOpt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new CliError(`--seed: invalid number ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}

type Addr = { address: string; port: number };

function where(a: Addr): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** An address to reach a listener at: a wildcard bind is reached on loopback. */
function reachable(a: Addr): Addr {
  if (a.address === '0.0.0.0') return { address: '127.0.0.1', port: a.port };
  if (a.address === '::') return { address: '::1', port: a.port };
  return a;
}

/** --log-format, else AMIKIT_LOG_FORMAT, else readable on a terminal and JSON otherwise. */
export function logFormatOf(flag: string | undefined, stdoutIsTTY: boolean): LogFormat {
  if (flag !== undefined && flag !== 'text' && flag !== 'json')
    throw new CliError(`--log-format: expected text or json, got ${JSON.stringify(flag)}`, EXIT.usage);
  return (flag as LogFormat | undefined) ?? envLogFormat() ?? (stdoutIsTTY ? 'text' : 'json');
}

/** Resolves with the exit status once the server has been stopped by a signal (or failed to start). */
export async function serve(
  flags: ServeFlags,
  io: CliIO,
  signals: NodeJS.EventEmitter = process,
  stdoutIsTTY = process.stdout.isTTY === true,
): Promise<number> {
  const format = logFormatOf(flags.logFormat, stdoutIsTTY);
  const opts = {
    configDir: flags.config,
    demo: flags.demo,
    asterisk: flags.asterisk,
    amiPort: portOpt(flags.amiPort, '--ami-port'),
    tlsPort: portOpt(flags.tlsPort, '--tls-port'),
    httpPort: portOpt(flags.httpPort, '--http-port'),
    sipPort: portOpt(flags.sipPort, '--sip-port'),
    bind: flags.bind,
    // astdb must survive a restart, so serving keeps it on disk unless told otherwise.
    dataDir: flags.dataDir === 'none' ? undefined : (flags.dataDir ?? '.amikit-data'),
    virtualClock: flags.virtualClock === true,
    seed: flags.seed === undefined ? undefined : seedOpt(flags.seed),
  };
  if (flags.asterisk !== undefined) {
    try {
      profileFor(flags.asterisk);
    } catch (e) {
      throw new CliError(`--asterisk: ${(e as Error).message}`, EXIT.usage);
    }
  }
  if (flags.config !== undefined && !flags.demo) {
    try {
      checkConfigDir(resolve(flags.config), opts);
    } catch (e) {
      if (e instanceof ConfSyntaxError) throw new CliError(e.message, EXIT.actionError);
      throw e;
    }
  }
  const silent = flags.logLevel === 'silent';
  const log: Logger = silent
    ? silentLogger()
    : createLogger({ level: flags.logLevel, format, write: (l) => io.out(l) });
  // Where it listens and how to log in is printed whatever the log level (unless silent).
  const summary: Logger = silent ? log : createLogger({ level: 'info', format, write: (l) => io.out(l) });

  const { startAmikit, CONSOLE_DIR } = await import('../server.js');
  type Running = Awaited<ReturnType<typeof startAmikit>>;
  // Signal handlers go in before anything is printed: whoever reads "listening" may signal at once.
  let running: Running | null = null;
  let stopSignal: string | null = null;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const stop = (sig: string): void => {
    if (stopSignal !== null) {
      summary.warn(`${sig} again: exiting without waiting`);
      detach();
      finish(130);
      return;
    }
    stopSignal = sig;
    if (running !== null) shutdown(running);
  };
  const onInt = (): void => stop('SIGINT');
  const onTerm = (): void => stop('SIGTERM');
  const hup = (): void => {
    if (running === null || stopSignal !== null) return;
    running.reload().then(
      () => summary.info('SIGHUP: configuration reloaded'),
      (e: Error) => summary.error(`SIGHUP: reload failed, keeping the running configuration: ${e.message}`),
    );
  };
  const detach = (): void => {
    signals.off('SIGHUP', hup);
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
  };
  const shutdown = (r: Running): void => {
    summary.info(`${stopSignal}: shutting down`);
    r.close().then(
      () => {
        detach();
        finish(EXIT.ok);
      },
      (e: Error) => {
        detach();
        summary.error(`error while closing: ${e.message}`);
        finish(EXIT.actionError);
      },
    );
  };
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);
  signals.on('SIGHUP', hup);
  try {
    running = await startAmikit({ ...opts, logger: log });
  } catch (e) {
    detach();
    if (e instanceof ConfSyntaxError || e instanceof ListenError)
      throw new CliError(e.message, EXIT.actionError);
    const err = e as Error;
    throw new CliError(err.message || String(e), EXIT.actionError);
  }
  const r = running;
  const release = r.manager.profile;
  summary.info(
    { asterisk: release.asteriskVersion, ami: release.amiVersion },
    `serving as Asterisk ${release.asteriskVersion} (AMI ${release.amiVersion})`,
  );
  if (r.amiAddress)
    summary.info({ listener: 'ami', ...r.amiAddress }, `AMI listening on ${where(r.amiAddress)}`);
  if (r.tlsAddress)
    summary.info(
      { listener: 'ami-tls', ...r.tlsAddress },
      `AMI over TLS listening on ${where(r.tlsAddress)}`,
    );
  for (const [listener, scheme, a] of [
    ['http', 'http', r.httpAddress],
    ['https', 'https', r.httpsAddress],
  ] as const) {
    if (!a) continue;
    const base = `${scheme}://${where(reachable(a))}${r.httpPrefix}`;
    summary.info(
      { listener, ...a },
      `${scheme.toUpperCase()} manager listening on ${where(a)} (${base}/rawman, /ws, /metrics)`,
    );
    const webEnabled = r.manager.config.general.webenabled;
    if (webEnabled && existsSync(join(CONSOLE_DIR, 'index.html')))
      summary.info({ console: `${base}/` }, `web console: ${base}/`);
    else if (webEnabled) summary.info('web console: not built (run "npm run build")');
  }
  if (r.demoCredentials) {
    const { username, secret } = r.demoCredentials;
    summary.info({ username }, `demo login: username ${username}, secret ${secret}`);
  }
  if (r.amiAddress) {
    // The client's defaults are 127.0.0.1:5038: name only what differs.
    const a = reachable(r.amiAddress);
    const conn = [
      a.address === '127.0.0.1' ? '' : ` -H ${a.address}`,
      a.port === 5038 ? '' : ` -p ${a.port}`,
      r.demoCredentials ? ` -u ${r.demoCredentials.username} -s ${r.demoCredentials.secret}` : ' -u USER',
    ].join('');
    summary.info(`live events: npx amikit events${conn}`);
  }
  if (stopSignal !== null) shutdown(running);
  return finished;
}

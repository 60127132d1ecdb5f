/** `amikit serve`: start the server, say where it listens, close on SIGINT/SIGTERM, reload on SIGHUP. */
import { ConfSyntaxError } from '../config/types.js';
import { CliError, EXIT } from './errors.js';

export interface ServeFlags {
  config?: string;
  demo?: boolean;
  amiPort?: string;
  tlsPort?: string;
  httpPort?: string;
  sipPort?: string;
  bind?: string;
  logLevel?: string;
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

type Addr = { address: string; port: number } | null | undefined;

function where(a: { address: string; port: number }): string {
  return a.address.includes(':') ? `[${a.address}]:${a.port}` : `${a.address}:${a.port}`;
}

/** Resolves with the exit status once the server has been stopped by a signal (or failed to start). */
export async function serve(
  flags: ServeFlags,
  io: CliIO,
  signals: NodeJS.EventEmitter = process,
): Promise<number> {
  const opts = {
    configDir: flags.config,
    demo: flags.demo,
    amiPort: portOpt(flags.amiPort, '--ami-port'),
    tlsPort: portOpt(flags.tlsPort, '--tls-port'),
    httpPort: portOpt(flags.httpPort, '--http-port'),
    sipPort: portOpt(flags.sipPort, '--sip-port'),
    bind: flags.bind,
    logLevel: flags.logLevel,
    // astdb must survive a restart, so serving keeps it on disk unless told otherwise.
    dataDir: flags.dataDir === 'none' ? undefined : (flags.dataDir ?? '.amikit-data'),
    virtualClock: flags.virtualClock === true,
    seed: flags.seed === undefined ? undefined : seedOpt(flags.seed),
  };
  const { startAmikit } = await import('../server.js');
  type Running = Awaited<ReturnType<typeof startAmikit>>;
  // Signal handlers go in before anything is printed: whoever reads "listening" may signal at once.
  let running: Running | null = null;
  let stopSignal: string | null = null;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => (finish = resolve));
  const stop = (sig: string): void => {
    if (stopSignal !== null) {
      io.err(`${sig} again: exiting without waiting`);
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
      () => io.err('SIGHUP: configuration reloaded'),
      (e: Error) => io.err(`SIGHUP: reload failed, keeping the running configuration: ${e.message}`),
    );
  };
  const detach = (): void => {
    signals.off('SIGHUP', hup);
    signals.off('SIGINT', onInt);
    signals.off('SIGTERM', onTerm);
  };
  const shutdown = (r: Running): void => {
    io.err(`${stopSignal}: shutting down`);
    r.close().then(
      () => {
        detach();
        finish(EXIT.ok);
      },
      (e: Error) => {
        detach();
        io.err(`error while closing: ${e.message}`);
        finish(EXIT.actionError);
      },
    );
  };
  signals.on('SIGINT', onInt);
  signals.on('SIGTERM', onTerm);
  signals.on('SIGHUP', hup);
  try {
    running = await startAmikit(opts);
  } catch (e) {
    detach();
    if (e instanceof ConfSyntaxError) throw new CliError(e.message, EXIT.actionError);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES') {
      throw new CliError(`cannot listen: ${err.message}`, EXIT.actionError);
    }
    throw new CliError(err.message || String(e), EXIT.actionError);
  }
  const r = running as Running & { httpAddress?: Addr };
  if (r.amiAddress) io.out(`AMI listening on ${where(r.amiAddress)}`);
  if (r.tlsAddress) io.out(`AMI over TLS listening on ${where(r.tlsAddress)}`);
  if (r.httpAddress) io.out(`HTTP manager listening on ${where(r.httpAddress)}`);
  if (!r.amiAddress && !r.tlsAddress && !r.httpAddress) {
    io.out('amikit running (no AMI listener enabled in manager.conf)');
  }
  if (r.demoCredentials) {
    io.out(`demo login: username ${r.demoCredentials.username}, secret ${r.demoCredentials.secret}`);
  }
  if (stopSignal !== null) shutdown(running);
  return finished;
}

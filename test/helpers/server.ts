/**
 * Starts amikit for a test on ephemeral loopback ports: on the configuration Asterisk was recorded
 * with (test/fixtures/conformance/config, TLS key and certificate generated for the test), or on a
 * directory of the test's own.
 */
import { mkdtempSync, cpSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startAmikit, type RunningServer, type ServeOptions } from '../../src/server.js';
import { silentLogger } from '../../src/logger.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const CONFORMANCE_DIR = join(FIXTURES, 'conformance');

/** A self-signed certificate and key for 127.0.0.1 (made once per test process). */
let certPair: { cert: string; key: string } | null = null;
export function testCertificate(): { cert: string; key: string } {
  if (certPair && existsSync(certPair.cert)) return certPair;
  const dir = mkdtempSync(join(tmpdir(), 'amikit-cert-'));
  const cert = join(dir, 'ami.crt');
  const key = join(dir, 'ami.key');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1/O=amikit test',
    ],
    { stdio: 'ignore' },
  );
  certPair = { cert, key };
  return certPair;
}

/** A copy of the recorded configuration with its TLS paths pointing at a test certificate. */
export function conformanceConfigDir(edit?: (managerConf: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-conf-'));
  cpSync(join(CONFORMANCE_DIR, 'config'), dir, { recursive: true });
  const { cert, key } = testCertificate();
  const p = join(dir, 'manager.conf');
  let text = readFileSync(p, 'utf8')
    .replace(/^tlscertfile = .*$/m, `tlscertfile = ${cert}`)
    .replace(/^tlsprivatekey = .*$/m, `tlsprivatekey = ${key}`);
  if (edit) text = edit(text);
  writeFileSync(p, text);
  return dir;
}

export interface TestServer extends RunningServer {
  port: number;
  tlsPort: number;
  dispose(): Promise<void>;
}

export async function startTestServer(opts: ServeOptions & { configDir: string }): Promise<TestServer> {
  const srv = await startAmikit({
    amiPort: 0,
    tlsPort: 0,
    httpPort: 0,
    sipPort: 0,
    logger: silentLogger(),
    ...opts,
  });
  return {
    ...srv,
    port: srv.amiAddress?.port ?? 0,
    tlsPort: srv.tlsAddress?.port ?? 0,
    dispose: async () => {
      await srv.close();
      rmSync(opts.configDir, { recursive: true, force: true });
    },
  };
}

/** The secrets of the recorded configuration's users (for MD5 keys in replays). */
export const CONFORMANCE_SECRETS: Record<string, string> = {
  admin: 'admin',
  hello: 'world',
  limited: 'limited',
  filtered: 'filtered',
  filtered2: 'filtered2',
  acluser: 'acluser',
};

/** amikit in a child process (see server-child.ts): its ports, its RSS on demand, and a stop. */
export interface ChildServer {
  amiPort: number;
  httpPort: number;
  rss(): Promise<number>;
  /** Heap and external bytes still referenced after a full GC. */
  retained(): Promise<number>;
  stop(): Promise<void>;
}

export async function startChildServer(configDir: string): Promise<ChildServer> {
  const { fork } = await import('node:child_process');
  const child = fork(join(import.meta.dirname, 'server-child.ts'), [configDir], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T>(pick: (m: Record<string, unknown>) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMessage = (m: unknown): void => {
        const v = pick(m as Record<string, unknown>);
        if (v === undefined) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(v);
      };
      const onExit = (code: number | null): void => reject(new Error(`server child exited (${code})`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next((m) => (m.ready ? m : undefined));
  return {
    amiPort: Number(ready.amiPort),
    httpPort: Number(ready.httpPort),
    rss: () => {
      const p = next((m) => (typeof m.rss === 'number' ? m.rss : undefined));
      child.send('rss');
      return p;
    },
    retained: () => {
      const p = next((m) => (typeof m.retained === 'number' ? m.retained : undefined));
      child.send('retained');
      return p;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.send('stop');
      await gone;
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts amikit for a test on ephemeral loopback ports, on a configuration directory of the
 * caller's (for example a copy made by configDirWithTestCertificate), and makes the self-signed
 * certificate its TLS listener needs.
 */
import { mkdtempSync, cpSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startAmikit, type RunningServer, type ServeOptions } from '../server.js';
import { silentLogger } from '../logger.js';

/**
 * A self-signed certificate and key for 127.0.0.1 and localhost (made once per process, with openssl):
 * the paths of their PEM files.
 */
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
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore', timeout: 20000 },
  );
  certPair = { cert, key };
  return certPair;
}

/**
 * A temporary copy of the configuration directory `source` with manager.conf's TLS paths pointing
 * at testCertificate(); `edit` may rewrite manager.conf further. startTestServer's dispose removes it.
 */
export function configDirWithTestCertificate(source: string, edit?: (managerConf: string) => string): string {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-conf-'));
  cpSync(source, dir, { recursive: true });
  useTestCertificate(dir, edit);
  return dir;
}

/** Points manager.conf of the configuration directory `dir` (in place) at testCertificate(). */
export function useTestCertificate(dir: string, edit?: (managerConf: string) => string): void {
  const { cert, key } = testCertificate();
  const p = join(dir, 'manager.conf');
  let text = readFileSync(p, 'utf8')
    .replace(/^tlscertfile = .*$/m, `tlscertfile = ${cert}`)
    .replace(/^tlsprivatekey = .*$/m, `tlsprivatekey = ${key}`);
  if (edit) text = edit(text);
  writeFileSync(p, text);
}

export interface TestServer extends RunningServer {
  port: number;
  tlsPort: number;
  /** Closes the server and removes its configuration directory. */
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

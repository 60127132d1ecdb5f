/**
 * This repository's fixtures: the configuration Asterisk was recorded with
 * (test/fixtures/conformance/config) and its users' secrets, and amikit in a child process (started
 * through tsx with --expose-gc, which only the test runner provides). The reusable server starter is
 * src/testing/server.ts.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { configDirWithTestCertificate } from '../../src/testing/server.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
export const CONFORMANCE_DIR = join(FIXTURES, 'conformance');
/** Transcripts recorded from a real Asterisk 22.10.1 (chan_pjsip), with the configuration it ran on. */
export const CONFORMANCE_22_DIR = join(FIXTURES, 'conformance-22');

/** A copy of the recorded configuration with its TLS paths pointing at a test certificate. */
export function conformanceConfigDir(edit?: (managerConf: string) => string): string {
  return configDirWithTestCertificate(join(CONFORMANCE_DIR, 'config'), edit);
}

/** A copy of the configuration Asterisk 22.10.1 was recorded with (test certificate as above). */
export function conformance22ConfigDir(edit?: (managerConf: string) => string): string {
  return configDirWithTestCertificate(join(CONFORMANCE_22_DIR, 'config'), edit);
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

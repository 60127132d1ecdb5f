/** Runs the amikit command (src/cli/main.ts through tsx) as a real process, for the CLI tests. */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');
export const CLEAN_ENV = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !k.startsWith('AMI_') && k !== 'FORCE_COLOR' && !k.startsWith('AMIKIT_LOG'),
  ),
) as NodeJS.ProcessEnv;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Sends `signal` (default SIGINT) once this holds on stdout + stderr. */
  until?: (out: string) => boolean;
  signal?: NodeJS.Signals;
  timeoutMs?: number;
  /** Interactive: called on every output; may write to stdin. */
  converse?: (out: string, stdin: NodeJS.WritableStream) => void;
}

export function amikit(args: string[], opts: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...CLEAN_ENV, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    const kill = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45000);
    const check = (): void => {
      opts.converse?.(stdout, child.stdin);
      if (!signalled && opts.until && opts.until(stdout + stderr)) {
        signalled = true;
        child.kill(opts.signal ?? 'SIGINT');
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      check();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      check();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
    if (opts.input !== undefined) {
      if (opts.converse) child.stdin.write(opts.input);
      else child.stdin.end(opts.input);
    } else if (!opts.until && !opts.converse) child.stdin.end();
  });
}

/**
 * Runs amikit to its end with stdout and stderr on one file, so that the order of their lines is the
 * order they were written in (two pipes would lose it).
 */
export function amikitMerged(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<{ code: number | null; lines: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-out-'));
  const file = join(dir, 'out');
  const fd = openSync(file, 'w');
  return new Promise<{ code: number | null; lines: string[] }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      env: { ...CLEAN_ENV, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', fd, fd],
    });
    const kill = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 45000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      const text = readFileSync(file, 'utf8');
      resolve({ code, lines: text.split('\n').filter((l) => l !== '') });
    });
  }).finally(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });
}

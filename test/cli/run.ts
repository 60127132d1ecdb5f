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

/**
 * The command line in this process, with its output captured line by line: for checks that need no
 * process of their own (a process costs seconds of start-up on a loaded machine). `until` is called
 * on every line and may return a signal to raise (SIGINT stops `serve` as it would a process).
 */
export async function inProcess(
  args: string[],
  opts: { until?: (lines: string[]) => NodeJS.Signals | undefined; stdoutIsTTY?: boolean } = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const { main } = await import('../../src/cli/program.js');
  const { EventEmitter } = await import('node:events');
  const { PassThrough } = await import('node:stream');
  const out: string[] = [];
  const err: string[] = [];
  const signals = new EventEmitter();
  let raised = false;
  const seen = (): void => {
    const sig = raised ? undefined : opts.until?.([...out, ...err]);
    if (sig) {
      raised = true;
      // After the current line is handled, as a signal would arrive.
      setImmediate(() => signals.emit(sig));
    }
  };
  const stdout = Object.assign(new PassThrough(), { isTTY: opts.stdoutIsTTY === true });
  const code = await main(['node', 'amikit', ...args], {
    out: (l) => {
      out.push(...l.split('\n'));
      seen();
    },
    err: (l) => {
      err.push(...l.split('\n'));
      seen();
    },
    stdin: new PassThrough(),
    stdout,
    env: { NO_COLOR: '1' },
    signals,
  });
  return { code, out, err };
}

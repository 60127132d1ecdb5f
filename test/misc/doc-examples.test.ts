/**
 * The shell examples of README.md and docs/*.md, run. Every ```sh block is either marked
 * `<!-- not run: reason -->` on the line before it, or runnable: its `$ amikit ...` lines are run
 * with the CLI's main() against amikit serving a copy of the demo on
 * ephemeral ports (`<!-- run: virtual-clock -->`: the demo on the virtual clock), and the lines
 * after each command are what it must print (`...` stands for any lines, `<word>` for a value that
 * changes from run to run, such as `ActionID: <id>`). A command must exit 0, or 1
 * when the example shows `Response: Error`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/program.js';
import { splitWords } from '../../src/cli/shell.js';
import { DEMO_DIR } from '../../src/server.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHELL_LANGS = new Set(['sh', 'shell', 'bash', 'console']);

interface Block {
  where: string;
  directive: { kind: 'not run' | 'run'; arg: string } | null;
  lines: string[];
}

/** Fenced shell blocks of a Markdown file, with the directive comment on the line before each. */
function shellBlocks(file: string): Block[] {
  const text = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const out: Block[] = [];
  let prev = '';
  for (let i = 0; i < text.length; i++) {
    const open = /^```(\S*)\s*$/.exec(text[i]);
    if (!open) {
      if (text[i].trim() !== '') prev = text[i].trim();
      continue;
    }
    const lang = open[1];
    const start = i;
    const lines: string[] = [];
    for (i++; i < text.length && !text[i].startsWith('```'); i++) lines.push(text[i]);
    if (SHELL_LANGS.has(lang)) {
      const d = /^<!--\s*(not run|run):\s*(.*?)\s*-->$/.exec(prev);
      out.push({
        where: `${file}:${start + 1}`,
        directive: d ? { kind: d[1] as 'not run' | 'run', arg: d[2] } : null,
        lines,
      });
    }
    prev = '';
  }
  return out;
}

interface Example {
  where: string;
  argv: string[];
  expected: string[];
  virtual: boolean;
}

/** The commands of a runnable block and the output shown after each. */
function examples(b: Block): Example[] {
  const prompted = b.lines.some((l) => l.startsWith('$ '));
  const out: Example[] = [];
  for (const [n, line] of b.lines.entries()) {
    const isCommand = prompted ? line.startsWith('$ ') : line.trim() !== '' && !line.trim().startsWith('#');
    if (!isCommand) {
      if (out.length) out[out.length - 1].expected.push(line);
      continue;
    }
    const words = splitWords(prompted ? line.slice(2) : line);
    if (words[0] === 'npx') words.shift();
    assert.equal(
      words[0],
      'amikit',
      `${b.where}+${n + 1}: \`${line}\` is not an amikit command: make it one, or mark the block <!-- not run: reason -->`,
    );
    out.push({
      where: `${b.where}+${n + 1}`,
      argv: words.slice(1),
      expected: [],
      virtual: b.directive?.arg === 'virtual-clock',
    });
  }
  return out;
}

/** One expected line: `<word>` placeholders match any text. */
function lineMatches(expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (!/<[a-z][a-z-]*>/.test(expected)) return expected === actual;
  const parts = expected.split(/<[a-z][a-z-]*>/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+?')}$`).test(actual);
}

/** `expected` (with `...` for any lines) against the output, blank lines and trailing spaces aside. */
function matches(expected: string[], actual: string[]): string | null {
  const clean = (l: string[]): string[] => l.map((x) => x.trimEnd()).filter((x) => x !== '');
  const exp = clean(expected);
  const act = clean(actual);
  let i = 0;
  let skipping = false;
  for (const e of exp) {
    if (e === '...') {
      skipping = true;
      continue;
    }
    if (skipping) {
      while (i < act.length && !lineMatches(e, act[i])) i++;
      if (i === act.length) return `missing line: ${e}`;
    } else if (!lineMatches(e, act[i]))
      return `line ${i + 1}: expected ${JSON.stringify(e)}, got ${JSON.stringify(act[i])}`;
    i++;
    skipping = false;
  }
  if (!skipping && i < act.length) return `unexpected line ${i + 1}: ${act[i]}`;
  return null;
}

/**
 * Runs the CLI's main() in this process (the program a user's `amikit` runs, without paying a tsx
 * start-up per example on a loaded machine), with the connection from the environment as a user's
 * AMI_HOST / AMI_PORT would give it.
 */
async function amikit(
  argv: string[],
  port: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AMI_')));
  let stdout = '';
  let stderr = '';
  const sink = new PassThrough();
  sink.resume();
  const code = await main(['node', 'amikit', ...argv], {
    out: (l) => (stdout += l + '\n'),
    err: (l) => (stderr += l + '\n'),
    stdin: new PassThrough(),
    stdout: sink,
    env: { ...env, NO_COLOR: '1', AMI_HOST: '127.0.0.1', AMI_PORT: String(port) },
    signals: new EventEmitter(),
  });
  return { code, stdout, stderr };
}

const FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const blocks = FILES.flatMap(shellBlocks);

const servers: Partial<Record<'real' | 'virtual', TestServer>> = {};
async function demo(virtual: boolean): Promise<TestServer> {
  const key = virtual ? 'virtual' : 'real';
  const have = servers[key];
  if (have) return have;
  const dir = mkdtempSync(join(tmpdir(), 'amikit-doc-demo-'));
  cpSync(DEMO_DIR, dir, { recursive: true });
  const srv = await startTestServer({ configDir: dir, demo: true, httpPort: 0, virtualClock: virtual });
  servers[key] = srv;
  return srv;
}

before(() => {
  assert.ok(blocks.length > 0);
});
after(async () => {
  for (const s of Object.values(servers)) await s?.dispose();
});

test('every shell block of the docs is runnable or says why not', () => {
  for (const b of blocks) {
    if (b.directive?.kind === 'not run') assert.ok(b.directive.arg.length > 3, `${b.where}: give the reason`);
    else {
      if (b.directive) assert.equal(b.directive.arg, 'virtual-clock', `${b.where}: unknown directive`);
      assert.ok(examples(b).length > 0, `${b.where}: a runnable block without a command`);
    }
  }
  const runnable = (file: string): number =>
    blocks.filter((b) => b.where.startsWith(file + ':') && b.directive?.kind !== 'not run').length;
  assert.ok(runnable('README.md') >= 1, 'the README shows a command that runs');
  assert.ok(runnable('docs/simulation.md') >= 2, 'docs/simulation.md shows commands that run');
});

for (const b of blocks.filter((x) => x.directive?.kind !== 'not run')) {
  test(`examples of ${b.where}`, async () => {
    for (const ex of examples(b)) {
      const srv = await demo(ex.virtual);
      const r = await amikit(ex.argv, srv.port);
      const wantError = ex.expected.some((l) => l.trim() === 'Response: Error');
      assert.equal(
        r.code,
        wantError ? 1 : 0,
        `${ex.where}: amikit ${ex.argv.join(' ')}\n${r.stdout}${r.stderr}`,
      );
      const diff = matches(ex.expected, r.stdout.split('\n'));
      assert.equal(
        diff,
        null,
        `${ex.where}: amikit ${ex.argv.join(' ')}: ${diff}\n--- printed:\n${r.stdout}`,
      );
    }
  });
}

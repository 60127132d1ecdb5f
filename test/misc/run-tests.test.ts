/**
 * scripts/run-tests.mjs as CI runs it: the summary counts skipped tests and names them; CI=true fails
 * a run with a skipped test; AMIKIT_REQUIRE turns a missing tool into a failure instead of a skip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requiredTools, skipUnless } from '../helpers/require.js';

const ROOT = join(import.meta.dirname, '..', '..');

function runner(cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  // NODE_TEST_CONTEXT would make the inner `node --test` think it runs inside this test and skip its files.
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'NODE_TEST_CONTEXT'));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'run-tests.mjs')], {
      cwd,
      env: { ...base, CI: '', AMIKIT_REQUIRE: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

test('the summary line counts passed, failed and skipped tests; CI=true fails on a skip', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-runner-'));
  try {
    mkdirSync(join(dir, 'test'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(
      join(dir, 'test', 'sample.test.ts'),
      "import { test } from 'node:test';\n" +
        "test('runs', () => {});\n" +
        "test('runs too', () => {});\n" +
        "test('needs a tool', { skip: 'the tool is not installed' }, () => {});\n",
    );
    const local = await runner(dir, {});
    assert.equal(local.code, 0, local.out);
    assert.match(local.out, /\ntests: 2 passed, 0 failed, 1 skipped\n$/);
    assert.match(local.out, /skipped:\n {2}- needs a tool \(the tool is not installed\)\n/);
    const ci = await runner(dir, { CI: 'true' });
    assert.equal(ci.code, 1, ci.out);
    assert.match(ci.out, /tests: 2 passed, 0 failed, 1 skipped\nCI=true: every test must run here/);
    // A failing test, and one that times out (Node counts it as cancelled), are both failures.
    writeFileSync(
      join(dir, 'test', 'broken.test.ts'),
      "import { test } from 'node:test';\n" +
        "test('fails', () => { throw new Error('no'); });\n" +
        "test('hangs', { timeout: 200 }, () => new Promise(() => {}));\n",
    );
    const failing = await runner(dir, {});
    assert.equal(failing.code, 1, failing.out);
    assert.match(failing.out, /\ntests: 2 passed, 2 failed, 1 skipped\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('AMIKIT_REQUIRE: a missing tool it names fails instead of skipping', () => {
  assert.deepEqual(
    [...requiredTools({ AMIKIT_REQUIRE: 'sipp, Chromium openssl' })],
    ['sipp', 'chromium', 'openssl'],
  );
  assert.equal(skipUnless('sipp', true, 'no sipp', { AMIKIT_REQUIRE: 'sipp' }), false);
  assert.equal(skipUnless('sipp', false, 'no sipp', {}), 'no sipp');
  assert.equal(skipUnless('sipp', false, 'no sipp', { AMIKIT_REQUIRE: 'chromium' }), 'no sipp');
  assert.throws(
    () => skipUnless('sipp', false, 'no sipp', { AMIKIT_REQUIRE: 'chromium,sipp' }),
    /AMIKIT_REQUIRE names sipp, which is not available: no sipp/,
  );
});

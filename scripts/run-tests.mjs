#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (TypeScript through tsx).
// Node 20's `--test` takes no globs, so the files are listed here. Load-sensitive files (floods,
// a real browser) run afterwards on their own, so that other files' work cannot skew their timing.
// The last line is `tests: N passed, N failed, N skipped`; skipped tests are named above it. With
// CI=true a skipped test fails the run: CI has every tool the tests need (.ci/run installs them).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';

const ALONE = [
  'slow-consumer.test.ts',
  'console.test.ts',
  'fuzz.test.ts',
  'ws-exhaustion.test.ts',
  'http-exhaustion.test.ts',
  'package.test.ts',
];

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures') find(p, out);
    } else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = find('test').sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
if (!files.length) {
  console.error('no test files found');
  process.exit(1);
}
const alone = files.filter((f) => ALONE.some((a) => f.endsWith(a)));
const together = files.filter((f) => !alone.includes(f));
const totals = { pass: 0, fail: 0, skipped: 0 };
/** Names of the skipped tests with their reasons, from the TAP lines `ok N - name # SKIP reason`. */
const skippedNames = [];
/** Files that failed as a whole, from the top-level TAP line `not ok N - /path/x.test.ts`. */
const failedFiles = [];
/** Runs one group; its output is passed through and its summary lines are added up. */
function run(list, concurrency) {
  if (list.length === 0) return Promise.resolve(0);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-timeout=180000', ...list],
      { stdio: ['inherit', 'pipe', 'inherit'] },
    );
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      const text = tail + d.toString();
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        // A test or file that timed out is `cancelled` in Node's count: a failure here.
        const m = /^# (pass|fail|cancelled|skipped) (\d+)$/.exec(line);
        if (m) totals[m[1] === 'cancelled' ? 'fail' : m[1]] += Number(m[2]);
        const s = /^\s*ok \d+ - (.*) # SKIP\s*(.*)$/.exec(line);
        if (s) skippedNames.push(s[2] ? `${s[1]} (${s[2]})` : s[1]);
        // A file that fails as a whole (a timeout, an error outside any test) is named.
        const f = /^not ok \d+ - (\S+\.test\.ts)$/.exec(line);
        if (f) failedFiles.push(f[1]);
      }
    });
    child.on('close', (code) => resolve(code ?? 1));
  });
}
const a = await run(together, 4);
const b = await run(alone, 1);
if (failedFiles.length) console.log(`\nfailed files:\n${failedFiles.map((n) => `  - ${n}`).join('\n')}`);
if (skippedNames.length) console.log(`\nskipped:\n${skippedNames.map((n) => `  - ${n}`).join('\n')}`);
console.log(`\ntests: ${totals.pass} passed, ${totals.fail} failed, ${totals.skipped} skipped`);
const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');
if (ci && totals.skipped > 0) {
  console.log('CI=true: every test must run here, and some were skipped (see above)');
  process.exit(a || b || 1);
}
process.exit(a || b);

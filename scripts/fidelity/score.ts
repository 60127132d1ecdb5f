/**
 * Replays every recorded fidelity scenario (test/fixtures/fidelity/recorded) against amikit and
 * prints each one's score and the total; the last line is
 *   fidelity: <mean score>% over <n> scenarios (exact messages <exact>/<expected>)
 *
 *   node --import tsx scripts/fidelity/score.ts [--diffs N] [--json out.json] [NAME|PREFIX ...]
 *
 * See docs/fidelity.md.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FIDELITY_DIR } from '../../src/testing/fidelity/fixtures.js';
import { runFidelity } from '../../src/testing/fidelity/run.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { diffs: { type: 'string', default: '0' }, json: { type: 'string' } },
});
const all = readdirSync(join(FIDELITY_DIR, 'recorded'))
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.slice(0, -6))
  .sort();
const chosen = positionals.length ? all.filter((n) => positionals.some((p) => n.startsWith(p))) : all;
const showDiffs = Number(values.diffs);
const results = [];
for (const name of chosen) {
  const r = await runFidelity(name);
  results.push(r.score);
  console.log(
    `${(r.score.score * 100).toFixed(1).padStart(6)}%  ${String(r.score.exact).padStart(4)}/${String(r.score.expected).padEnd(4)} ${name}`,
  );
  for (const d of r.score.diffs.slice(0, showDiffs)) console.log('    ' + d.replace(/\n/g, '\n    '));
}
const mean = results.reduce((a, s) => a + s.score, 0) / Math.max(results.length, 1);
const exact = results.reduce((a, s) => a + s.exact, 0);
const expected = results.reduce((a, s) => a + s.expected, 0);
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
console.log(
  `fidelity: ${(mean * 100).toFixed(1)}% over ${results.length} scenarios (exact messages ${exact}/${expected})`,
);

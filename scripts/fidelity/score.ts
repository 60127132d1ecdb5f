/**
 * Replays every recorded fidelity scenario (test/fixtures/fidelity/recorded) against amikit and
 * prints each one's score and the total; the last line is
 *   fidelity: <mean score>% over <n> scenarios (exact messages <exact>/<expected>)
 *
 *   node --import tsx scripts/fidelity/score.ts [--diffs N] [--json out.json] [NAME|PREFIX ...]
 *
 * With --conformance it scores the conformance transcripts instead (test/fixtures/conformance,
 * replayed in the order they were recorded on one fresh amikit, see
 * src/testing/fidelity/conformance.ts); the last line is
 *   conformance: <mean score>% over <n> transcripts (exact messages <exact>/<expected>)
 * A PREFIX then picks transcripts, still replayed in recorded order on one server.
 *
 * See docs/fidelity.md.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FIDELITY_DIR } from '../../src/testing/fidelity/fixtures.js';
import { runFidelity } from '../../src/testing/fidelity/run.js';
import { conformanceTranscripts, startConformanceBench } from '../../src/testing/fidelity/conformance.js';
import type { ScenarioScore } from '../../src/testing/fidelity/score.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    diffs: { type: 'string', default: '0' },
    json: { type: 'string' },
    conformance: { type: 'boolean', default: false },
  },
});
const showDiffs = Number(values.diffs);
const pick = (all: string[]): string[] =>
  positionals.length ? all.filter((n) => positionals.some((p) => n.startsWith(p))) : all;

function print(s: ScenarioScore): void {
  console.log(
    `${(s.score * 100).toFixed(1).padStart(6)}%  ${String(s.exact).padStart(4)}/${String(s.expected).padEnd(4)} ${s.name}`,
  );
  for (const d of s.diffs.slice(0, showDiffs)) console.log('    ' + d.replace(/\n/g, '\n    '));
}

const results: ScenarioScore[] = [];
if (values.conformance) {
  const bench = await startConformanceBench();
  try {
    for (const name of pick(conformanceTranscripts())) {
      const r = await bench.run(name, { maxDiffs: Math.max(showDiffs, 1) });
      results.push(r.score);
      print(r.score);
    }
  } finally {
    await bench.dispose();
  }
} else {
  const all = readdirSync(join(FIDELITY_DIR, 'recorded'))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => f.slice(0, -6))
    .sort();
  for (const name of pick(all)) {
    const r = await runFidelity(name);
    results.push(r.score);
    print(r.score);
  }
}
const mean = results.reduce((a, s) => a + s.score, 0) / Math.max(results.length, 1);
const exact = results.reduce((a, s) => a + s.exact, 0);
const expected = results.reduce((a, s) => a + s.expected, 0);
if (values.json) writeFileSync(values.json, JSON.stringify(results, null, 2));
console.log(
  `${values.conformance ? 'conformance' : 'fidelity'}: ${(mean * 100).toFixed(1)}% over ${results.length} ${values.conformance ? 'transcripts' : 'scenarios'} (exact messages ${exact}/${expected})`,
);

/**
 * Every scenario recorded from a real Asterisk 20 (test/fixtures/fidelity/recorded) replayed
 * against amikit: each connection's messages, in order, must be Asterisk's (only the races a
 * scenario names may reorder). A scenario that amikit does not match yet is listed in
 * known-gaps.json with the score it must at least keep and the reason; every other one must score
 * 100 %. See docs/fidelity.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIDELITY_DIR } from '../../src/testing/fidelity/fixtures.js';
import { runFidelity } from '../../src/testing/fidelity/run.js';

interface Gap {
  min: number;
  why: string;
}
const gapsFile = join(FIDELITY_DIR, 'known-gaps.json');
const gaps: Record<string, Gap> = existsSync(gapsFile)
  ? (JSON.parse(readFileSync(gapsFile, 'utf8')) as Record<string, Gap>)
  : {};
const names = readdirSync(join(FIDELITY_DIR, 'recorded'))
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.slice(0, -6))
  .sort();

test('every recorded scenario has its script, and every known gap a recording', () => {
  assert.ok(names.length > 0);
  for (const n of names) assert.ok(existsSync(join(FIDELITY_DIR, 'scenarios', `${n}.yaml`)), `${n}.yaml`);
  for (const n of Object.keys(gaps)) assert.ok(names.includes(n), `known gap ${n} has no recording`);
});

for (const name of names) {
  test(`fidelity ${name}`, async () => {
    const r = await runFidelity(name);
    const gap = gaps[name];
    const min = gap?.min ?? 1;
    assert.ok(r.score.expected > 0, 'the recording has messages');
    assert.ok(
      r.score.score >= min - 1e-9,
      `${name}: ${(r.score.score * 100).toFixed(1)}% (at least ${(min * 100).toFixed(1)}% expected)\n` +
        r.score.diffs.join('\n'),
    );
  });
}

/**
 * Every scenario recorded from a real Asterisk 20 (test/fixtures/fidelity/recorded) replayed
 * against amikit: each connection's messages, in order, must be Asterisk's (only the races a
 * scenario names may reorder). A scenario that amikit does not match yet is listed in
 * known-gaps.json with the score it must at least keep and the reason; every other one must score
 * 100 %. See docs/fidelity.md.
 *
 * A replay takes a few seconds of real time, so the scenarios are dealt out to SHARDS test files
 * (fidelity.test.ts, fidelity-1.test.ts, ...) that the runner runs side by side, each well inside
 * the per-file timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIDELITY_DIR } from '../../src/testing/fidelity/fixtures.js';
import { runFidelity } from '../../src/testing/fidelity/run.js';

export const SHARDS = 12;

interface Gap {
  min: number;
  why: string;
}
const gapsFile = join(FIDELITY_DIR, 'known-gaps.json');
export const gaps: Record<string, Gap> = existsSync(gapsFile)
  ? (JSON.parse(readFileSync(gapsFile, 'utf8')) as Record<string, Gap>)
  : {};
export const names = readdirSync(join(FIDELITY_DIR, 'recorded'))
  .filter((f) => f.endsWith('.jsonl'))
  .map((f) => f.slice(0, -6))
  .sort();

/** Registers the tests of the scenarios whose index in the sorted list is shard modulo SHARDS. */
export function fidelityShard(shard: number): void {
  names.forEach((name, i) => {
    if (i % SHARDS !== shard) return;
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
  });
}

/**
 * The fidelity suite (fidelity-suite.ts): the fixtures' consistency, and the first shard of the
 * recorded scenarios; fidelity-1..11.test.ts run the others.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIDELITY_DIR } from '../../src/testing/fidelity/fixtures.js';
import { fidelityShard, gaps, names, SHARDS } from './fidelity-suite.js';

test('every recorded scenario has its script, and every known gap a recording', () => {
  assert.ok(names.length > 0);
  for (const n of names) assert.ok(existsSync(join(FIDELITY_DIR, 'scenarios', `${n}.yaml`)), `${n}.yaml`);
  for (const n of Object.keys(gaps)) assert.ok(names.includes(n), `known gap ${n} has no recording`);
});

test('there is one test file per shard', () => {
  for (let k = 1; k < SHARDS; k++)
    assert.ok(existsSync(join(import.meta.dirname, `fidelity-${k}.test.ts`)), `fidelity-${k}.test.ts`);
});

fidelityShard(0);

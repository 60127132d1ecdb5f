/**
 * Writes src/client/generated/types.ts from the spec files.
 * Usage: npx tsx scripts/gen-types.ts [--check]   (--check: exit 1 when the file is out of date, write nothing)
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_TYPES_PATH, generateTypesFromRepo } from './gen-types-lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, GENERATED_TYPES_PATH);
const text = await generateTypesFromRepo(root);
const current = existsSync(target) ? readFileSync(target, 'utf8') : null;

if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${GENERATED_TYPES_PATH} is out of date: run npx tsx scripts/gen-types.ts`);
    process.exit(1);
  }
  console.log(`${GENERATED_TYPES_PATH} is up to date`);
} else if (current === text) {
  console.log(`${GENERATED_TYPES_PATH} unchanged`);
} else {
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${GENERATED_TYPES_PATH} (${text.length} bytes)`);
}

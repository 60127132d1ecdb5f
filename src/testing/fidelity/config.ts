/**
 * The configuration a fidelity scenario runs on: test/fixtures/fidelity/config/base, with the files
 * of an overlay directory (config/<name>/) in place of the base's when the scenario names one.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new temporary directory holding base plus overlay; the caller removes it. */
export function mergedConfigDir(configRoot: string, overlay?: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-fidelity-conf-'));
  cpSync(join(configRoot, 'base'), dir, { recursive: true });
  if (overlay) {
    const o = join(configRoot, overlay);
    if (!existsSync(o)) throw new Error(`no configuration overlay ${o}`);
    for (const f of readdirSync(o)) cpSync(join(o, f), join(dir, f));
  }
  return dir;
}

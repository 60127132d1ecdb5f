/**
 * How bench server children run: plain `node` on an esbuild bundle of their TypeScript entry, so the
 * measured process carries no TypeScript loader (tsx's loader thread alone adds about 40 MiB of RSS).
 * The bundle sits in a temp directory laid out like the package (src/, with spec/, demo/ and
 * node_modules/ linked to the repo's) so that paths derived from import.meta.url still resolve.
 * Falls back to tsx when esbuild (a dependency of tsx) cannot be loaded. One bundle per entry per run.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const bundles = new Map<string, string | null>();

/** Node arguments that run `bench/<name>.ts`, and a description of how. */
export async function childEntry(name: string, nodeFlags = ''): Promise<{ args: string[]; runtime: string }> {
  const src = join(ROOT, 'bench', `${name}.ts`);
  if (!bundles.has(name)) {
    bundles.set(name, null);
    try {
      const esbuild = (await import('esbuild')) as typeof import('esbuild');
      const dir = mkdtempSync(join(tmpdir(), `amikit-bench-${name}-`));
      mkdirSync(join(dir, 'src'));
      for (const d of ['spec', 'demo', 'node_modules']) symlinkSync(join(ROOT, d), join(dir, d));
      const file = join(dir, 'src', `${basename(name)}.mjs`);
      await esbuild.build({
        entryPoints: [src],
        outfile: file,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        logLevel: 'silent',
      });
      bundles.set(name, file);
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    } catch {
      bundles.set(name, null);
    }
  }
  const node = nodeFlags ? `node ${nodeFlags}` : 'node';
  const file = bundles.get(name);
  if (file) return { args: [file], runtime: `${node} (esbuild bundle of bench/${name}.ts)` };
  return { args: ['--import', 'tsx', src], runtime: `${node} --import tsx bench/${name}.ts` };
}

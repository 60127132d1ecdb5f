/**
 * The web console's build: `vite build console` (root = this directory) writes dist/console, which
 * `startAmikit` serves at `/` of the HTTP listener when manager.conf has webenabled.
 *
 * The action composer's hints come from spec/ami-actions.json and spec/ami-actions-docs.json, reduced
 * at build time to what the composer shows (virtual module `virtual:ami-spec`), so the bundle carries
 * them and nothing is fetched at run time.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import preact from '@preact/preset-vite';

const specFile = (name: string): string => fileURLToPath(new URL(`../spec/${name}`, import.meta.url));

interface RawAction {
  name: string;
  privileges: string[];
  parameters: Array<{ name: string; required: boolean }>;
  eventList: boolean | 'conditional';
}
interface RawDoc {
  name: string;
  synopsis?: string;
  description?: string;
  arguments?: Array<{ name: string; required: boolean; text: string }>;
}

/** The composer's view of spec/: name, synopsis, privileges, list flag, parameters with their docs. */
function amiSpec(): Plugin {
  const id = 'virtual:ami-spec';
  const resolved = '\0' + id;
  return {
    name: 'amikit-ami-spec',
    resolveId: (source) => (source === id ? resolved : undefined),
    load(source) {
      if (source !== resolved) return undefined;
      const actions = (
        JSON.parse(readFileSync(specFile('ami-actions.json'), 'utf8')) as { actions: RawAction[] }
      ).actions;
      const docs = (
        JSON.parse(readFileSync(specFile('ami-actions-docs.json'), 'utf8')) as { actions: RawDoc[] }
      ).actions;
      this.addWatchFile(specFile('ami-actions.json'));
      this.addWatchFile(specFile('ami-actions-docs.json'));
      const docOf = new Map(docs.map((d) => [d.name.toLowerCase(), d]));
      const seen = new Set<string>();
      const out = [];
      for (const a of actions) {
        const key = a.name.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        const d = docOf.get(key);
        const text = new Map((d?.arguments ?? []).map((x) => [x.name.toLowerCase(), x.text]));
        out.push({
          name: a.name,
          synopsis: (d?.synopsis ?? '').trim(),
          description: (d?.description ?? '').trim().slice(0, 1200),
          privileges: a.privileges,
          list: a.eventList,
          params: a.parameters
            .filter((p) => p.name !== 'ActionID')
            .map((p) => ({ name: p.name, required: p.required, text: text.get(p.name.toLowerCase()) ?? '' })),
        });
      }
      out.sort((x, y) => x.name.localeCompare(y.name));
      return `export default ${JSON.stringify(out)};`;
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the console works under any http.conf prefix.
  base: './',
  plugins: [preact({ prerender: { enabled: false } }), amiSpec()],
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { '/ws': { target: 'ws://127.0.0.1:8088', ws: true } } },
});

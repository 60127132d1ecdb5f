/**
 * Music-on-hold classes as res_musiconhold registers them from musiconhold.conf, and the choice
 * local_ast_moh_start makes among them. A class in `files` mode (the default) is registered only
 * when its directory holds at least one file (init_files_class); a relative directory is taken
 * under the data directory, so without one it holds nothing. Other modes (custom, mp3, playlist
 * with entries...) are registered as they are. When no class can be found, music on hold does not
 * start and nothing is raised.
 *
 * Without a musiconhold.conf the simulation plays every class (nothing can be checked), which is
 * what a PBX built without configuration has always done.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { ConfDocument } from '../config/types.js';

export class MohClasses {
  /** Registered class names (lower case); undefined = no configuration, every class plays. */
  private readonly names: Set<string> | undefined;

  constructor(doc: ConfDocument | undefined, dataDir?: string) {
    if (!doc) return;
    this.names = new Set();
    for (const s of doc.sections) {
      if (s.name.toLowerCase() === 'general') continue;
      const get = (k: string): string | undefined =>
        [...s.entries]
          .reverse()
          .find((e) => e.key.toLowerCase() === k)
          ?.value.trim();
      const mode = (get('mode') ?? 'files').toLowerCase();
      let ok: boolean;
      if (mode === 'files') ok = hasFiles(get('directory') ?? 'moh', dataDir);
      else if (mode === 'playlist') ok = s.entries.some((e) => e.key.toLowerCase() === 'entry');
      else ok = true;
      if (ok) this.names.add(s.name.toLowerCase());
    }
  }

  /** A class of that name was registered. */
  has(name: string): boolean {
    return this.names === undefined || this.names.has(name.toLowerCase());
  }

  /**
   * The class local_ast_moh_start plays: the channel's own class, the one asked for, then
   * `default`; undefined when none is registered (music on hold does not start).
   */
  choose(channelClass: string, asked: string): string | undefined {
    for (const c of [channelClass, asked, 'default']) if (c && this.has(c)) return c;
    return undefined;
  }
}

/** moh_scan_files: the directory exists and holds a file. */
function hasFiles(dir: string, dataDir: string | undefined): boolean {
  const path = isAbsolute(dir) ? dir : dataDir ? join(dataDir, dir) : undefined;
  if (!path || !existsSync(path)) return false;
  try {
    return readdirSync(path).some((f) => !f.startsWith('.') && statSync(join(path, f)).isFile());
  } catch {
    return false;
  }
}

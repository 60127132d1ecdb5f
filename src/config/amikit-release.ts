/**
 * The release a configuration directory asks amikit to be: asterisk.conf `[amikit]` `asterisk = 22`.
 * Asterisk itself reads only `[directories]`, `[options]` and `[compat]` of asterisk.conf
 * (main/asterisk.c ast_readconfig), so the section is safe in a directory a real Asterisk also reads.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile, firstSection, entriesOf } from './conf-parser.js';
import type { ConfWarning } from './types.js';

export interface ReleaseChoice {
  /** The value as written (`22`, `20`, `22.10.1`). */
  value: string;
  file: string;
  line: number;
}

/**
 * asterisk.conf `[amikit]` `asterisk`, when the directory has one (the last value wins, as options
 * do in Asterisk); other keys of the section are reported as warnings with file and line.
 */
export function readReleaseChoice(configDir: string): { choice?: ReleaseChoice; warnings: ConfWarning[] } {
  const path = join(configDir, 'asterisk.conf');
  if (!existsSync(path)) return { warnings: [] };
  const doc = parseConfFile(path, { baseDir: configDir });
  const warnings = [...doc.warnings];
  const sec = firstSection(doc, 'amikit');
  if (!sec) return { warnings };
  for (const e of sec.entries)
    if (e.key.toLowerCase() !== 'asterisk')
      warnings.push({ file: e.file, line: e.line, message: `[amikit]: unknown option '${e.key}', ignored` });
  const e = entriesOf(sec, 'asterisk').pop();
  return { choice: e ? { value: e.value, file: e.file, line: e.line } : undefined, warnings };
}

/**
 * Builds a Pbx from an Asterisk configuration directory: extensions.conf (dialplan), sip.conf
 * (peer names and contexts), cdr.conf (CSV options) and our own simulation.conf (phone
 * behaviours). Missing files are fine: the PBX then has an empty dialplan, no peers, defaults.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile } from '../config/index.js';
import type { ConfDocument } from '../config/types.js';
import type { Clock } from './clock.js';
import { Pbx, type PbxOptions } from './pbx.js';

function load(dir: string, name: string): ConfDocument | undefined {
  const path = join(dir, name);
  return existsSync(path) ? parseConfFile(path, { baseDir: dir }) : undefined;
}

const yes = (v: string | undefined, dflt: boolean): boolean =>
  v === undefined ? dflt : /^(yes|true|y|t|1|on)$/i.test(v.trim());

/** sip.conf peers: non-template sections other than [general]/[authentication] with a type. */
export function sipPeersFrom(doc: ConfDocument | undefined): Array<{ name: string; context: string }> {
  if (!doc) return [];
  const general = doc.sections.find((s) => s.name.toLowerCase() === 'general');
  const dfltContext =
    general?.entries.find((e) => e.key.toLowerCase() === 'context')?.value.trim() || 'default';
  const out: Array<{ name: string; context: string }> = [];
  for (const s of doc.sections) {
    const n = s.name.toLowerCase();
    if (n === 'general' || n === 'authentication') continue;
    const get = (k: string): string | undefined =>
      [...s.entries]
        .reverse()
        .find((e) => e.key.toLowerCase() === k)
        ?.value.trim();
    const type = get('type');
    if (type && !['friend', 'peer', 'user'].includes(type.toLowerCase())) continue;
    out.push({ name: s.name, context: get('context') || dfltContext });
  }
  return out;
}

/** cdr.conf: [general] enable/unanswered and [csv] options. */
export function cdrOptionsFrom(doc: ConfDocument | undefined): Pick<PbxOptions, 'cdrCsv' | 'cdrUnanswered'> {
  const sec = (n: string) => doc?.sections.find((s) => s.name.toLowerCase() === n);
  const val = (n: string, k: string): string | undefined =>
    sec(n)?.entries.find((e) => e.key.toLowerCase() === k)?.value;
  return {
    cdrUnanswered: yes(val('general', 'unanswered'), false),
    cdrCsv: {
      enabled: yes(val('general', 'enable'), true) && (!doc || sec('csv') !== undefined),
      usegmtime: yes(val('csv', 'usegmtime'), false),
      loguniqueid: yes(val('csv', 'loguniqueid'), false),
      loguserfield: yes(val('csv', 'loguserfield'), false),
      accountlogs: yes(val('csv', 'accountlogs'), true),
    },
  };
}

export function createPbxFromConfigDir(
  configDir: string,
  opts: { clock: Clock; seed?: number; dataDir?: string; sipConf?: boolean } & Partial<PbxOptions>,
): Pbx {
  const { sipConf = true, ...rest } = opts;
  return new Pbx({
    dialplan: load(configDir, 'extensions.conf'),
    simulation: load(configDir, 'simulation.conf'),
    sipPeers: sipConf ? sipPeersFrom(load(configDir, 'sip.conf')) : [],
    ...cdrOptionsFrom(load(configDir, 'cdr.conf')),
    ...rest,
  });
}

/**
 * The action catalogue for completion and help: a release's spec documents (names, parameters,
 * privileges, lists; synopsis, syntax, description when the docs are there), read at run time from the
 * package root (the spec/ directory ships in the package). The shell picks the release the server's
 * banner names (`Asterisk Call Manager/11.0.0`: Asterisk 22).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LIST_COMPLETE_EVENTS } from '../client/index.js';
import { DEFAULT_PROFILE, PROFILES, type ReleaseProfile } from '../profiles/index.js';

export interface ActionParamInfo {
  name: string;
  required: boolean;
  text?: string;
}

export interface ActionInfo {
  name: string;
  privileges: string[];
  parameters: ActionParamInfo[];
  eventList: boolean | 'conditional';
  eventListWhen?: string;
  completeEvent?: string;
  synopsis?: string;
  syntax?: string;
  description?: string;
  seeAlso?: string[];
  /** Privilege as `manager show command` prints it. */
  privilegeText?: string;
}

/** The directory holding package.json of amikit (works from src/ under tsx and from dist/). */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      try {
        if ((JSON.parse(readFileSync(p, 'utf8')) as { name?: string }).name === 'amikit') return dir;
      } catch {
        // not ours
      }
    }
    const up = dirname(dir);
    if (up === dir) return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    dir = up;
  }
}

interface RawAction {
  name: string;
  privileges?: string[];
  parameters?: Array<{ name: string; required?: boolean }>;
  eventList?: boolean | 'conditional';
  eventListWhen?: string;
}

interface RawDoc {
  name: string;
  synopsis?: string;
  syntax?: string;
  description?: string;
  arguments?: Array<{ name: string; required?: boolean; text?: string }>;
  seeAlso?: string[];
  privilege?: string;
}

function readJson(file: string): unknown {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : null;
}

function listOf<T>(data: unknown, key: string): T[] {
  if (data === null || data === undefined) return [];
  if (Array.isArray(data)) return data as T[];
  const o = data as Record<string, unknown>;
  if (Array.isArray(o[key])) return o[key] as T[];
  if (o[key] && typeof o[key] === 'object') {
    return Object.entries(o[key] as Record<string, object>).map(([name, v]) => ({ name, ...v }) as T);
  }
  return [];
}

export class ActionCatalog {
  private readonly byLower = new Map<string, ActionInfo>();
  readonly names: string[];

  constructor(actions: ActionInfo[]) {
    for (const a of actions) this.byLower.set(a.name.toLowerCase(), a);
    this.names = actions.map((a) => a.name).sort((a, b) => a.localeCompare(b, 'en', { sensitivity: 'base' }));
  }

  /** The release whose banner carries this AMI version (`9.0.0`: 20, `11.0.0`: 22); else the default. */
  static releaseFor(amiVersion: string | undefined): ReleaseProfile {
    return [...PROFILES.values()].find((p) => p.amiVersion === amiVersion) ?? DEFAULT_PROFILE;
  }

  /** Loads a release's actions (+ docs when present) from the package root; default Asterisk 20. */
  static load(root: string = packageRoot(), release: ReleaseProfile = DEFAULT_PROFILE): ActionCatalog {
    const raw = listOf<RawAction>(readJson(join(root, release.spec.actions)), 'actions');
    const docs = new Map(
      listOf<RawDoc>(readJson(join(root, release.spec.actionDocs)), 'actions').map((d) => [
        d.name.toLowerCase(),
        d,
      ]),
    );
    const complete = LIST_COMPLETE_EVENTS as Record<string, string>;
    const out: ActionInfo[] = raw.map((a) => {
      const d = docs.get(a.name.toLowerCase());
      const params: ActionParamInfo[] = (a.parameters ?? []).map((p) => ({
        name: p.name,
        required: !!p.required,
      }));
      for (const arg of d?.arguments ?? []) {
        const p = params.find((x) => x.name.toLowerCase() === arg.name.toLowerCase());
        if (p) p.text = arg.text;
        else params.push({ name: arg.name, required: !!arg.required, text: arg.text });
      }
      return {
        name: a.name,
        privileges: a.privileges ?? [],
        parameters: params,
        eventList: a.eventList ?? false,
        eventListWhen: a.eventListWhen,
        completeEvent: complete[a.name],
        synopsis: d?.synopsis?.trim() || undefined,
        syntax: d?.syntax,
        description: d?.description,
        seeAlso: d?.seeAlso,
        privilegeText: d?.privilege,
      };
    });
    return new ActionCatalog(out);
  }

  get(name: string): ActionInfo | undefined {
    return this.byLower.get(name.toLowerCase());
  }

  /** Canonical spelling of a known action, else the name as typed. */
  canonical(name: string): string {
    return this.get(name)?.name ?? name;
  }

  /** `manager show command`-like text for one action. */
  help(name: string): string | null {
    const a = this.get(name);
    if (!a) return null;
    const out: string[] = [];
    out.push(`[Syntax]`);
    if (a.syntax) out.push(a.syntax.trimEnd());
    else {
      out.push(`Action: ${a.name}`);
      for (const p of a.parameters) out.push(p.required ? `${p.name}: <value>` : `[${p.name}:] <value>`);
    }
    if (a.synopsis) out.push('', '[Synopsis]', a.synopsis);
    if (a.description) out.push('', '[Description]', a.description.trim());
    const req = a.parameters.filter((p) => p.required);
    const opt = a.parameters.filter((p) => !p.required);
    out.push('', '[Required]', req.length ? req.map((p) => p.name).join(', ') : '(none)');
    out.push('', '[Optional]', opt.length ? opt.map((p) => p.name).join(', ') : '(none)');
    const documented = a.parameters.filter((p) => p.text);
    if (documented.length) {
      out.push('', '[Arguments]');
      for (const p of documented) out.push(`${p.name}${p.required ? ' (required)' : ''}`, `    ${p.text}`);
    }
    const priv = a.privilegeText ?? (a.privileges.length ? a.privileges.join(',') : '<none>');
    out.push('', '[Privilege]', priv);
    if (a.eventList) {
      const when =
        a.eventList === 'conditional' ? ` (only when ${a.eventListWhen ?? 'a condition holds'})` : '';
      out.push(
        '',
        '[List]',
        `yes${when}: events follow the response, ending with ${a.completeEvent ?? 'a ...Complete event'}`,
      );
    }
    if (a.seeAlso?.length) out.push('', '[See Also]', a.seeAlso.join(', '));
    return out.join('\n');
  }
}

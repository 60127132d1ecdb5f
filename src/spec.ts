/**
 * The interface facts of a release (its profile's spec documents: Asterisk's actions, events and their
 * documentation), read once per release at run time from the package root.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { ReleaseProfile } from './profiles/index.js';

/** The package root: two levels above this file both in src/ (tsx) and in dist/. */
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface SpecActionParam {
  name: string;
  required: boolean;
}
export interface SpecAction {
  name: string;
  privileges: string[];
  authorityBits: number;
  parameters: SpecActionParam[];
  eventList: boolean | 'conditional';
}
export interface ActionDoc {
  name: string;
  synopsis: string;
  description: string;
  syntax: string;
  arguments: Array<{ name: string; required: boolean; text: string }>;
  seeAlso: string[];
  privilege: string;
  /** The full `manager show command` output, colours stripped, when known. */
  cliText?: string;
}
export interface SpecEvent {
  name: string;
  /** Class names (`call`, `agent`, ...) Asterisk raises it with. */
  classes: string[];
  /** The name on the wire where Asterisk's code and documentation differ (`Newexten` for `NewExten`). */
  wireNameInCode?: string;
  /** Places documenting the event again, each with its own classes. */
  instances?: Array<{ classes: string[] }>;
}

/** One release's documents, by lower-case name. */
export interface ReleaseSpec {
  actions: Map<string, SpecAction>;
  actionDocs: Map<string, ActionDoc>;
  /** By wire name, lower case. */
  events: Map<string, SpecEvent>;
}

const loaded = new Map<string, ReleaseSpec>();

function readJson<T>(file: string): T | null {
  const p = join(PACKAGE_ROOT, file);
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

/** The spec documents of a release (read on first use, then kept). */
export function releaseSpec(profile: ReleaseProfile): ReleaseSpec {
  let spec = loaded.get(profile.id);
  if (spec === undefined) {
    const acts = readJson<{ actions: SpecAction[] }>(profile.spec.actions);
    const docData = readJson<ActionDoc[] | { actions: ActionDoc[] }>(profile.spec.actionDocs);
    const docs = docData === null ? [] : Array.isArray(docData) ? docData : docData.actions;
    const evs = readJson<{ events: SpecEvent[] }>(profile.spec.events);
    spec = {
      actions: new Map((acts?.actions ?? []).map((a) => [a.name.toLowerCase(), a])),
      actionDocs: new Map(docs.map((d) => [d.name.toLowerCase(), d])),
      events: new Map((evs?.events ?? []).map((e) => [(e.wireNameInCode ?? e.name).toLowerCase(), e])),
    };
    loaded.set(profile.id, spec);
  }
  return spec;
}

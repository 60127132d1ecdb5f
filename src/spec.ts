/**
 * The interface facts shipped in spec/ (Asterisk 20.20.1's actions, events and their documentation),
 * read once at run time from the package root.
 */
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

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

let actions: Map<string, SpecAction> | null = null;
let docs: Map<string, ActionDoc> | null = null;

function readJson<T>(file: string): T | null {
  const p = join(PACKAGE_ROOT, 'spec', file);
  if (!existsSync(p)) return null;
  return JSON.parse(readFileSync(p, 'utf8')) as T;
}

export function specActions(): Map<string, SpecAction> {
  if (actions === null) {
    const data = readJson<{ actions: SpecAction[] }>('ami-actions.json');
    actions = new Map((data?.actions ?? []).map((a) => [a.name.toLowerCase(), a]));
  }
  return actions;
}

export function actionDocs(): Map<string, ActionDoc> {
  if (docs === null) {
    const data = readJson<ActionDoc[] | { actions: ActionDoc[] }>('ami-actions-docs.json');
    const list = data === null ? [] : Array.isArray(data) ? data : data.actions;
    docs = new Map(list.map((d) => [d.name.toLowerCase(), d]));
  }
  return docs;
}

/** Privilege mask of an action as Asterisk registers it (0 when unknown). */
export function actionPrivilege(name: string): number {
  return specActions().get(name.toLowerCase())?.authorityBits ?? 0;
}

/** One-line synopsis of an action from Asterisk's docs. */
export function actionSynopsis(name: string): string {
  return actionDocs().get(name.toLowerCase())?.synopsis ?? name;
}

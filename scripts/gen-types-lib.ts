/**
 * Generates src/client/generated/types.ts from the spec documents of every release amikit can be
 * (spec/ami-*.json for Asterisk 20, spec/22/ami-*.json for Asterisk 22): the union of their actions
 * and events (a header one release's documentation lacks is optional), and per release the names it has.
 * Pure: `generateTypes` builds the source text; `formatTypes` runs prettier on it (same config as the repo).
 * Used by scripts/gen-types.ts (writes the file) and test/client/generated-types.test.ts (drift test).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROFILES } from '../src/profiles/index.js';

/** The parts of spec/ami-actions.json the generator reads. */
export interface ActionsSpec {
  actions: ReadonlyArray<{
    name: string;
    privileges: readonly string[];
    parameters: ReadonlyArray<{ name: string; required: boolean }>;
    eventList: boolean | 'conditional';
    eventListWhen?: string;
    documentedCompleteEvent: string | null;
    completeEventInHandlerCode: readonly string[];
  }>;
}

interface EventInstanceSpec {
  order: readonly string[];
}

/** The parts of spec/ami-events.json the generator reads. */
export interface EventsSpec {
  groups: Readonly<Record<string, readonly string[]>>;
  events: ReadonlyArray<{
    name: string;
    classes: readonly string[];
    order: readonly string[];
    instances?: readonly EventInstanceSpec[];
  }>;
}

/** Optional synopses (spec/ami-actions-docs.json, spec/ami-events-docs.json) for doc comments. */
export interface DocsSpec {
  actions?: ReadonlyArray<{ name: string; synopsis: string | null }>;
  events?: ReadonlyArray<{ name: string; synopsis: string | null }>;
}

/** Headers that a group documents but Asterisk only sends sometimes (see the notes in spec/ami-events.json). */
const OPTIONAL_GROUP_HEADERS: Readonly<Record<string, readonly string[]>> = {
  BridgeSnapshot: ['BridgeVideoSource'],
};

/** Headers every event carries; documented headers with these names are folded into them. */
const FIXED_EVENT_HEADERS = new Set(['Event', 'Privilege']);

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A TypeScript identifier for a spec name: invalid characters become `_` (AOC-D -> AOC_D). */
export function sanitizeIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_$]/g, '_');
  if (!/^[A-Za-z_$]/.test(id)) id = `_${id}`;
  return id;
}

/** A property key: bare when it is an identifier, quoted otherwise. */
function propKey(name: string): string {
  return IDENT.test(name) ? name : quote(name);
}

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Comment text safe inside a block comment, trimmed to one line. */
function commentText(s: string): string {
  return s.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
}

/** Unique interface names: sanitized name + suffix; collisions get a numeric suffix (none in Asterisk 20). */
function interfaceNames(names: readonly string[], suffix: string): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>();
  for (const n of names) {
    const base = sanitizeIdentifier(n) + suffix;
    let id = base;
    for (let i = 2; used.has(id); i++) id = `${base}${i}`;
    used.add(id);
    out.set(n, id);
  }
  return out;
}

interface HeaderEntry {
  name: string;
  optional: boolean;
}

/** Expands an event's `order` (with @Group / @Group:Prefix references) into header names. */
function expandOrder(order: readonly string[], groups: EventsSpec['groups']): HeaderEntry[] {
  const out: HeaderEntry[] = [];
  for (const item of order) {
    if (item.startsWith('@')) {
      const [group, prefix = ''] = item.slice(1).split(':');
      const headers = groups[group];
      if (!headers) throw new Error(`unknown header group ${group}`);
      const optional = new Set(OPTIONAL_GROUP_HEADERS[group] ?? []);
      for (const h of headers) out.push({ name: prefix + h, optional: optional.has(h) });
    } else {
      out.push({ name: item, optional: false });
    }
  }
  return out;
}

/**
 * Headers of an event: first instance's order, then headers only other instances document.
 * A header missing from some instance is optional.
 */
function eventHeaders(ev: EventsSpec['events'][number], groups: EventsSpec['groups']): HeaderEntry[] {
  const instances = ev.instances && ev.instances.length > 0 ? ev.instances : [{ order: ev.order }];
  const lists = instances.map((i) => expandOrder(i.order, groups));
  const merged = new Map<string, HeaderEntry>();
  for (const list of lists) {
    for (const h of list) {
      const prev = merged.get(h.name);
      if (prev) prev.optional = prev.optional || h.optional;
      else merged.set(h.name, { ...h });
    }
  }
  for (const h of merged.values()) {
    if (!lists.every((l) => l.some((x) => x.name === h.name))) h.optional = true;
  }
  return [...merged.values()].filter((h) => !FIXED_EVENT_HEADERS.has(h.name));
}

/** The name of the event that ends an action's list, when known. */
export function completeEventOf(action: ActionsSpec['actions'][number]): string | null {
  return action.documentedCompleteEvent ?? action.completeEventInHandlerCode[0] ?? null;
}

/** Case-insensitive name order, ties broken by code units: stable, locale-independent. */
function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function byName<T extends { name: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareNames(a.name, b.name));
}

function synopsisMap(items?: ReadonlyArray<{ name: string; synopsis: string | null }>): Map<string, string> {
  const m = new Map<string, string>();
  for (const i of items ?? []) if (i.synopsis && i.synopsis.trim()) m.set(i.name, commentText(i.synopsis));
  return m;
}

/** What one release has, for the per-release name lists. */
export interface ReleaseNames {
  id: string;
  asteriskVersion: string;
  actions: readonly string[];
  events: readonly string[];
}

/** Builds the (unformatted) TypeScript source of src/client/generated/types.ts. Deterministic. */
export function generateTypes(
  actionsSpec: ActionsSpec,
  eventsSpec: EventsSpec,
  docs: DocsSpec = {},
  releases: readonly ReleaseNames[] = [],
): string {
  const actions = byName(actionsSpec.actions);
  const events = byName(eventsSpec.events);
  const actionIds = interfaceNames(
    actions.map((a) => a.name),
    'Action',
  );
  const eventIds = interfaceNames(
    events.map((e) => e.name),
    'Event',
  );
  const actionDocs = synopsisMap(docs.actions);
  const eventDocs = synopsisMap(docs.events);
  const L: string[] = [];

  L.push('/**');
  L.push(
    ' * GENERATED by scripts/gen-types.ts from the spec documents (spec/ami-actions.json, spec/ami-events.json',
  );
  L.push(
    ` * and their docs${releases.length ? ', of ' + releases.map((r) => `Asterisk ${r.asteriskVersion}`).join(' and ') : ''}).`,
  );
  L.push(' * Do not edit by hand: run `npx tsx scripts/gen-types.ts`.');
  L.push(' * Longer than ~800 lines on purpose: one generated type per action and event of the release.');
  L.push(' */');
  L.push('/* eslint-disable @typescript-eslint/no-empty-object-type */');
  L.push('');

  // ---- actions
  L.push('// ---------------------------------------------------------------- actions');
  L.push('');
  for (const a of actions) {
    const doc = actionDocs.get(a.name);
    const privs = a.privileges.length ? a.privileges.join(',') : 'none';
    L.push('/**');
    L.push(` * Action \`${commentText(a.name)}\`${doc ? `: ${doc}` : ''}`);
    L.push(
      ` * Privilege: ${privs}.${a.eventList === true ? ' List action.' : ''}${a.eventList === 'conditional' ? ' List action when its Channel is a /regex/.' : ''}`,
    );
    L.push(' */');
    const params = a.parameters.filter((p) => p.name.toLowerCase() !== 'actionid');
    const seen = new Set<string>();
    L.push(`export interface ${actionIds.get(a.name)} {`);
    for (const p of params) {
      if (seen.has(p.name)) continue;
      seen.add(p.name);
      L.push(`  ${propKey(p.name)}${p.required ? '' : '?'}: string;`);
    }
    L.push('}');
    L.push('');
  }
  L.push('/** Parameters per action name (ActionID excluded: the client adds it). */');
  L.push('export interface ActionParams {');
  for (const a of actions) L.push(`  ${propKey(a.name)}: ${actionIds.get(a.name)};`);
  L.push('}');
  L.push('');
  L.push('/** Every action a release registers (RELEASE_ACTIONS says which release has which). */');
  L.push('export type ActionName = keyof ActionParams;');
  L.push('');
  L.push('/** Every action name, sorted. */');
  L.push(`export const ACTION_NAMES = [${actions.map((a) => quote(a.name)).join(', ')}] as const;`);
  L.push('');

  // ---- lists
  const lists = actions.filter((a) => a.eventList === true);
  const conditional = actions.filter((a) => a.eventList === 'conditional');
  L.push('// ---------------------------------------------------------------- list actions');
  L.push('');
  L.push('/** Actions whose response (`EventList: start`) is always followed by an event list. */');
  L.push(`export const LIST_ACTIONS = [${lists.map((a) => quote(a.name)).join(', ')}] as const;`);
  L.push('');
  L.push('export type ListActionName = (typeof LIST_ACTIONS)[number];');
  L.push('');
  L.push(
    '/** Actions that answer with an event list only under a condition (see CONDITIONAL_LIST_ACTION_WHEN). */',
  );
  L.push(
    `export const CONDITIONAL_LIST_ACTIONS = [${conditional.map((a) => quote(a.name)).join(', ')}] as const;`,
  );
  L.push('');
  L.push('export type ConditionalListActionName = (typeof CONDITIONAL_LIST_ACTIONS)[number];');
  L.push('');
  L.push(
    '/** When a conditional list action lists: the header that decides, the rule, and the text from the spec. */',
  );
  L.push('export const CONDITIONAL_LIST_ACTION_WHEN = {');
  for (const a of conditional) {
    const when = a.eventListWhen ?? '';
    // Asterisk 20: both conditional lists are Hangup-style (Channel: /regex/).
    const header = /Channel/.test(when) ? 'Channel' : '';
    const regex = /regex/.test(when);
    L.push(
      `  ${propKey(a.name)}: { header: ${quote(header)}, regex: ${regex}, description: ${quote(when)} },`,
    );
  }
  L.push(
    '} as const satisfies { readonly [A in ConditionalListActionName]: { readonly header: string; readonly regex: boolean; readonly description: string } };',
  );
  L.push('');
  L.push('/** The event that ends each list (`EventList: Complete`), where the spec knows it. */');
  L.push('export const LIST_COMPLETE_EVENTS = {');
  for (const a of byName([...lists, ...conditional])) {
    const c = completeEventOf(a);
    L.push(`  ${propKey(a.name)}: ${c === null ? 'null' : quote(c)},`);
  }
  L.push(
    '} as const satisfies { readonly [A in ListActionName | ConditionalListActionName]: string | null };',
  );
  L.push('');

  // ---- events
  L.push('// ---------------------------------------------------------------- events');
  L.push('');
  for (const e of events) {
    const doc = eventDocs.get(e.name);
    L.push('/**');
    L.push(` * Event \`${commentText(e.name)}\`${doc ? `: ${doc}` : ''}`);
    L.push(` * Class: ${e.classes.length ? e.classes.join(',') : 'none'}.`);
    L.push(' */');
    L.push(`export interface ${eventIds.get(e.name)} {`);
    L.push(`  Event: ${quote(e.name)};`);
    L.push('  Privilege: string;');
    for (const h of eventHeaders(e, eventsSpec.groups)) {
      L.push(`  ${propKey(h.name)}${h.optional ? '?' : ''}: string;`);
    }
    L.push('}');
    L.push('');
  }
  L.push('/** Headers per event name. */');
  L.push('export interface AmiEventMap {');
  for (const e of events) L.push(`  ${propKey(e.name)}: ${eventIds.get(e.name)};`);
  L.push('}');
  L.push('');
  L.push('/** Every documented event name. */');
  L.push('export type AmiEventName = keyof AmiEventMap;');
  L.push('');
  L.push('/** Every documented event name, sorted. */');
  L.push(`export const EVENT_NAMES = [${events.map((e) => quote(e.name)).join(', ')}] as const;`);
  L.push('');

  // ---- releases
  if (releases.length) {
    L.push('// ---------------------------------------------------------------- releases');
    L.push('');
    L.push('/** The actions each release registers, by its `--asterisk` id. */');
    L.push('export const RELEASE_ACTIONS = {');
    for (const r of releases)
      L.push(`  ${quote(r.id)}: [${[...r.actions].sort(compareNames).map(quote).join(', ')}],`);
    L.push('} as const satisfies Record<string, readonly ActionName[]>;');
    L.push('');
    L.push('/** The events each release documents, by its `--asterisk` id. */');
    L.push('export const RELEASE_EVENTS = {');
    for (const r of releases)
      L.push(`  ${quote(r.id)}: [${[...r.events].sort(compareNames).map(quote).join(', ')}],`);
    L.push('} as const satisfies Record<string, readonly AmiEventName[]>;');
    L.push('');
    L.push('/** A release amikit can be (`20`, `22`). */');
    L.push('export type ReleaseId = keyof typeof RELEASE_ACTIONS;');
    L.push('');
    L.push('/** The actions of one release. */');
    L.push('export type ReleaseActionName<R extends ReleaseId> = (typeof RELEASE_ACTIONS)[R][number];');
    L.push('');
    L.push('/** The events of one release. */');
    L.push('export type ReleaseEventName<R extends ReleaseId> = (typeof RELEASE_EVENTS)[R][number];');
    L.push('');
  }
  return L.join('\n');
}

/** Formats generated source with prettier, using the repo's prettier config for `filepath`. */
export async function formatTypes(source: string, filepath: string): Promise<string> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  return prettier.format(source, { ...options, filepath });
}

/** Where the generated file lives, relative to the repo root. */
export const GENERATED_TYPES_PATH = 'src/client/generated/types.ts';

type DocsFile = { actions?: DocsSpec['actions']; events?: DocsSpec['events'] };

/**
 * The releases' documents as one: every action and event of any release; an action's parameter is
 * required only where every release requires it; an event documented differently by two releases
 * keeps each layout as an instance, so that a header one of them lacks is optional.
 */
export function mergeReleases(
  specs: ReadonlyArray<{
    actions: ActionsSpec;
    events: EventsSpec;
    actionDocs: DocsFile;
    eventDocs: DocsFile;
  }>,
): { actions: ActionsSpec; events: EventsSpec; docs: DocsSpec } {
  type Action = ActionsSpec['actions'][number];
  type Event = EventsSpec['events'][number];
  const actions = new Map<string, Action>();
  const events = new Map<string, Event>();
  const groups: Record<string, readonly string[]> = {};
  const actionDocs = new Map<string, { name: string; synopsis: string | null }>();
  const eventDocs = new Map<string, { name: string; synopsis: string | null }>();
  for (const s of specs) {
    Object.assign(groups, { ...s.events.groups, ...groups });
    for (const a of s.actions.actions) {
      const prev = actions.get(a.name);
      if (!prev) {
        actions.set(a.name, a);
        continue;
      }
      const params = prev.parameters.map((p) => ({
        name: p.name,
        required: p.required && a.parameters.some((q) => q.name === p.name && q.required),
      }));
      for (const q of a.parameters)
        if (!params.some((p) => p.name === q.name)) params.push({ name: q.name, required: false });
      actions.set(a.name, { ...prev, parameters: params });
    }
    for (const e of s.events.events) {
      const prev = events.get(e.name);
      if (!prev) {
        events.set(e.name, e);
        continue;
      }
      const layouts = (x: Event): ReadonlyArray<{ order: readonly string[] }> =>
        x.instances && x.instances.length ? x.instances : [{ order: x.order }];
      const all = [...layouts(prev)];
      for (const i of layouts(e))
        if (!all.some((x) => x.order.join() === i.order.join())) all.push({ order: i.order });
      events.set(e.name, all.length > 1 ? { ...prev, instances: all } : prev);
    }
    for (const d of s.actionDocs.actions ?? []) if (!actionDocs.has(d.name)) actionDocs.set(d.name, d);
    for (const d of s.eventDocs.events ?? []) if (!eventDocs.has(d.name)) eventDocs.set(d.name, d);
  }
  return {
    actions: { actions: [...actions.values()] },
    events: { groups, events: [...events.values()] },
    docs: { actions: [...actionDocs.values()], events: [...eventDocs.values()] },
  };
}

/** Reads every release's spec documents under `root` and returns the formatted generated file. */
export async function generateTypesFromRepo(root: string): Promise<string> {
  const read = (p: string): unknown => JSON.parse(readFileSync(join(root, p), 'utf8'));
  const profiles = [...PROFILES.values()];
  const specs = profiles.map((p) => ({
    actions: read(p.spec.actions) as ActionsSpec,
    events: read(p.spec.events) as EventsSpec,
    actionDocs: read(p.spec.actionDocs) as DocsFile,
    eventDocs: read(p.spec.eventDocs) as DocsFile,
  }));
  const merged = mergeReleases(specs);
  const releases = profiles.map((p, i) => ({
    id: p.id,
    asteriskVersion: p.asteriskVersion,
    actions: specs[i].actions.actions.map((a) => a.name),
    events: specs[i].events.events.map((e) => e.name),
  }));
  const src = generateTypes(merged.actions, merged.events, merged.docs, releases);
  return formatTypes(src, join(root, GENERATED_TYPES_PATH));
}

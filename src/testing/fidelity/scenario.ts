/**
 * Fidelity scenarios: what a client does, written once as a script of actions and waits
 * (test/fixtures/fidelity/scenarios/*.yaml), recorded from a real Asterisk into a transcript
 * (record.ts) and replayed against amikit by the suite (see docs/fidelity.md).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseDocument, LineCounter } from 'yaml';

/** Messages whose relative order depends on a race in Asterisk: any order within a run of them. */
export interface RaceRule {
  /** Why Asterisk's order is not fixed here (a thread, a timer, a hash order). */
  why: string;
  /** Event names (or `Response`) whose consecutive occurrences may come in any order. */
  events: string[];
  /** Only messages whose headers contain these values (for example a Channel prefix) join the run. */
  match?: Record<string, string>;
  /**
   * The covered messages come from another thread than their neighbours (a device state, the CDR
   * engine): each may stand anywhere among the events between the same two responses, not only
   * next to its own kind. Responses themselves never move.
   */
  floats?: boolean;
  /**
   * Headers naming the thread a message comes from (the first one a message has, for example
   * Channel, then Device): inside a run, messages of the same source keep their order and only
   * different sources may interleave. Without key, any order within the run is accepted.
   */
  key?: string[];
  /**
   * Events that one task processor of their own raises (Cdr, DeviceStateChange, ...): with a key,
   * each of these event names is a source by itself, whatever its headers.
   */
  streams?: string[];
}

export type Step =
  | {
      kind: 'login';
      conn: string;
      user: string;
      secret?: string;
      events?: string;
      source?: string;
      tls: boolean;
    }
  | { kind: 'connect'; conn: string; source?: string; tls: boolean }
  | { kind: 'send'; conn: string; headers: Array<[string, string]>; wait: 'response' | 'none' }
  | { kind: 'raw'; conn: string; data: string }
  | { kind: 'wait'; seconds: number }
  | { kind: 'until'; conn: string; match: Record<string, string>; count: number; timeout: number }
  | { kind: 'close'; conn: string };

export interface Scenario {
  name: string;
  title: string;
  /** Seconds the server has been up (after it booted) when the scenario starts. */
  settle: number;
  /** The SIP stub answers test-202 and test-203 during the scenario. */
  sip: boolean;
  /** The configuration overlay (a directory beside config/base) the scenario runs on, if any. */
  config?: string;
  races: RaceRule[];
  steps: Step[];
}

export class ScenarioError extends Error {}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalar(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`expected a text, number or boolean, got ${JSON.stringify(v)}`);
}

const STEP_KEYS = ['login', 'connect', 'send', 'raw', 'wait', 'until', 'close'] as const;

/** Parses a scenario's YAML text; errors name the file, line and field. */
export function parseScenario(text: string, file: string): Scenario {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ScenarioError(`${file}:${e.linePos?.[0].line ?? 0}: ${e.message.split('\n')[0]}`);
  }
  const root: unknown = doc.toJS();
  if (!isObj(root)) throw new ScenarioError(`${file}:1: a scenario is a mapping with title and steps`);
  const stepNodes = doc.get('steps', true) as
    { items?: Array<{ range?: [number, number, number] }> } | undefined;
  const lineOf = (i: number): number => {
    const r = stepNodes?.items?.[i]?.range;
    return r ? lc.linePos(r[0]).line : 0;
  };
  const name = basename(file).replace(/\.ya?ml$/, '');
  if (typeof root.title !== 'string') throw new ScenarioError(`${file}:1: title: a text is required`);
  if (!Array.isArray(root.steps) || root.steps.length === 0)
    throw new ScenarioError(`${file}:1: steps: a list of at least one step is required`);
  const races: RaceRule[] = [];
  if (root.races !== undefined) {
    if (!Array.isArray(root.races)) throw new ScenarioError(`${file}: races: a list is required`);
    for (const r of root.races) {
      if (!isObj(r) || typeof r.why !== 'string' || !Array.isArray(r.events) || !r.events.length)
        throw new ScenarioError(`${file}: races: each rule needs why (text) and events (a list)`);
      const match = r.match === undefined ? undefined : isObj(r.match) ? r.match : null;
      if (match === null) throw new ScenarioError(`${file}: races: match is a mapping of header to value`);
      const key =
        r.key === undefined ? undefined : Array.isArray(r.key) ? r.key.map(scalar) : [scalar(r.key)];
      if (key?.length === 0) throw new ScenarioError(`${file}: races: key names at least one header`);
      if (r.streams !== undefined && (!Array.isArray(r.streams) || key === undefined))
        throw new ScenarioError(`${file}: races: streams is a list of event names, and needs a key`);
      const streams = Array.isArray(r.streams) ? r.streams.map(scalar) : undefined;
      races.push({
        why: r.why,
        events: r.events.map(scalar),
        match: match ? Object.fromEntries(Object.entries(match).map(([k, v]) => [k, scalar(v)])) : undefined,
        ...(r.floats === true ? { floats: true } : {}),
        key,
        streams,
      });
    }
  }
  let firstConn: string | undefined;
  const steps: Step[] = root.steps.map((raw: unknown, i: number): Step => {
    const at = `${file}:${lineOf(i)}: steps[${i}]`;
    try {
      if (!isObj(raw)) throw new Error('a step is a mapping');
      const kinds = STEP_KEYS.filter((k) => k in raw);
      if (kinds.length !== 1) throw new Error(`exactly one of ${STEP_KEYS.join(', ')} is required`);
      const kind = kinds[0];
      const conn = raw.conn === undefined ? undefined : scalar(raw.conn);
      const tls = raw.tls === true;
      const source = raw.source === undefined ? undefined : scalar(raw.source);
      switch (kind) {
        case 'login': {
          const user = scalar(raw.login);
          const c = conn ?? user;
          firstConn ??= c;
          return {
            kind,
            conn: c,
            user,
            secret: raw.secret === undefined ? undefined : scalar(raw.secret),
            events: raw.events === undefined ? undefined : scalar(raw.events),
            source,
            tls,
          };
        }
        case 'connect': {
          const c = scalar(raw.connect);
          firstConn ??= c;
          return { kind, conn: c, source, tls };
        }
        case 'send': {
          if (!isObj(raw.send)) throw new Error('send: a mapping of header to value');
          const headers = Object.entries(raw.send).flatMap(([k, v]): Array<[string, string]> =>
            Array.isArray(v) ? v.map((x) => [k, scalar(x)]) : [[k, scalar(v)]],
          );
          const wait = raw.wait === undefined ? 'response' : scalar(raw.wait);
          if (wait !== 'response' && wait !== 'none') throw new Error('wait: response or none');
          return { kind, conn: conn ?? need(firstConn), headers, wait };
        }
        case 'raw':
          return { kind, conn: conn ?? need(firstConn), data: scalar(raw.raw) };
        case 'wait': {
          const s = Number(raw.wait);
          if (!Number.isFinite(s) || s < 0 || s > 600) throw new Error('wait: seconds between 0 and 600');
          return { kind, seconds: s };
        }
        case 'until': {
          if (!isObj(raw.until)) throw new Error('until: a mapping of header to value');
          const timeout = raw.timeout === undefined ? 30 : Number(raw.timeout);
          const count = raw.count === undefined ? 1 : Number(raw.count);
          if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600)
            throw new Error('timeout: seconds between 0 and 600');
          if (!Number.isInteger(count) || count < 1) throw new Error('count: a positive integer');
          return {
            kind,
            conn: conn ?? need(firstConn),
            match: Object.fromEntries(Object.entries(raw.until).map(([k, v]) => [k, scalar(v)])),
            count,
            timeout,
          };
        }
        case 'close':
          return { kind, conn: scalar(raw.close) };
      }
    } catch (e) {
      throw new ScenarioError(`${at}: ${(e as Error).message}`);
    }
  });
  const settle = root.settle === undefined ? 10 : Number(root.settle);
  if (!Number.isFinite(settle) || settle < 0) throw new ScenarioError(`${file}: settle: seconds, 0 or more`);
  if (root.config !== undefined && (typeof root.config !== 'string' || !/^[a-z0-9-]+$/.test(root.config)))
    throw new ScenarioError(`${file}: config: the name of an overlay directory (a-z, 0-9, -)`);
  return { name, title: root.title, settle, sip: root.sip === true, config: root.config, races, steps };
}

function need(conn: string | undefined): string {
  if (conn === undefined) throw new Error('conn: no connection opened yet (start with login or connect)');
  return conn;
}

export function loadScenario(path: string): Scenario {
  return parseScenario(readFileSync(path, 'utf8'), path);
}

/** A header value pattern of a scenario: `*` stands for any text, everything else for itself. */
export function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  if (!value.startsWith(parts[0])) return false;
  let pos = parts[0].length;
  for (let i = 1; i < parts.length - 1; i++) {
    const at = value.indexOf(parts[i], pos);
    if (at < 0) return false;
    pos = at + parts[i].length;
  }
  const last = parts[parts.length - 1];
  return value.length - last.length >= pos && value.endsWith(last);
}

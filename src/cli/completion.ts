/**
 * Values the server knows, for the shell's Tab completion of parameter values: queue names, channels,
 * SIP peers (or PJSIP endpoints), queue member interfaces, dialplan contexts and extensions, and the
 * server's own action names. As Asterisk's CLI completes from live data, each list is asked of the
 * server (QueueSummary, QueueStatus, CoreShowChannels, SIPpeers, ShowDialPlan, ListCommands) and kept
 * for a short while, so that repeated Tabs cost one request; a slow or refused request completes
 * nothing rather than blocking the prompt.
 */
import { isListResult, type AmiClient, type AmiEvent, type AmiResponse } from '../client/index.js';

export type ValueKind = 'queue' | 'channel' | 'peer' | 'interface' | 'dial' | 'context' | 'exten' | 'action';

/** How long a list stays fresh: channels come and go by the second, the rest changes on reloads. */
const TTL_MS: Record<ValueKind, number> = {
  queue: 30_000,
  channel: 2_000,
  peer: 30_000,
  interface: 10_000,
  dial: 30_000,
  context: 30_000,
  exten: 30_000,
  action: 300_000,
};
/** Completion never waits longer than this for the server. */
const FETCH_TIMEOUT_MS = 2_000;
/** At most this many values per list (a PBX with 50 000 channels still completes quickly). */
const MAX_VALUES = 5_000;

const BY_NAME: Record<string, ValueKind> = {
  queue: 'queue',
  channel: 'channel',
  channel1: 'channel',
  channel2: 'channel',
  extrachannel: 'channel',
  transferchannel: 'channel',
  peer: 'peer',
  endpoint: 'peer',
  interface: 'interface',
  member: 'interface',
  stateinterface: 'interface',
  context: 'context',
  extracontext: 'context',
  exten: 'exten',
  extraexten: 'exten',
};

/**
 * The kind of value a parameter takes, or null. Originate's Channel is a dial string
 * (`SIP/peer`, `Local/exten@context`), not a live channel.
 */
export function valueKind(action: string, param: string): ValueKind | null {
  const a = action.toLowerCase();
  const p = param.toLowerCase();
  if (a === 'originate' && p === 'channel') return 'dial';
  // SIPnotify's Channel is a peer name; SimCall's From is the peer that calls.
  if (a === 'sipnotify' && p === 'channel') return 'peer';
  if (a === 'simcall' && p === 'from') return 'peer';
  return BY_NAME[p] ?? null;
}

function header(m: AmiEvent | AmiResponse, name: string): string {
  const v = m[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? (v[0] ?? '') : '';
}

interface Cached {
  at: number;
  values: Promise<string[]>;
}

/** Dialplan as ShowDialPlan lists it: context -> its extensions (patterns left out). */
type Dialplan = Map<string, Set<string>>;

export class ServerValues {
  private readonly cache = new Map<string, Cached>();
  /** Requests made (for tests and curiosity). */
  requests = 0;

  constructor(
    private readonly client: AmiClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Values of `kind`; `context` narrows extensions to one context. */
  async values(kind: ValueKind, context?: string): Promise<string[]> {
    switch (kind) {
      case 'context':
        return [...(await this.dialplan()).keys()];
      case 'exten': {
        const plan = await this.dialplan();
        const ctx = context
          ? [...plan.keys()].find((c) => c.toLowerCase() === context.toLowerCase())
          : undefined;
        const sets = ctx !== undefined ? [plan.get(ctx) ?? new Set<string>()] : [...plan.values()];
        return unique(sets.flatMap((s) => [...s]));
      }
      case 'dial': {
        const [peers, plan] = await Promise.all([this.values('peer'), this.dialplan()]);
        const local: string[] = [];
        for (const [ctx, extens] of plan) for (const e of extens) local.push(`Local/${e}@${ctx}`);
        return unique([...peers.map((p) => `SIP/${p}`), ...local]);
      }
      case 'interface': {
        const [members, peers] = await Promise.all([this.list('interface'), this.values('peer')]);
        return unique([...members, ...peers.map((p) => `SIP/${p}`)]);
      }
      default:
        return this.list(kind);
    }
  }

  private dialplan(): Promise<Dialplan> {
    return this.list('context').then(() => this.plan);
  }

  private plan: Dialplan = new Map();

  /** One cached list, fetched again once stale. */
  private list(kind: ValueKind): Promise<string[]> {
    const hit = this.cache.get(kind);
    if (hit && this.now() - hit.at < TTL_MS[kind]) return hit.values;
    const values = this.fetch(kind).then(
      (v) => v.slice(0, MAX_VALUES),
      () => [],
    );
    this.cache.set(kind, { at: this.now(), values });
    return values;
  }

  private async send(action: string, params: Record<string, string> = {}): Promise<AmiEvent[] | AmiResponse> {
    this.requests++;
    const r = await this.client.send(action, params, { timeoutMs: FETCH_TIMEOUT_MS });
    return isListResult(r) ? r.events : r;
  }

  private async events(action: string): Promise<AmiEvent[]> {
    const r = await this.send(action);
    return Array.isArray(r) ? r : [];
  }

  private async fetch(kind: ValueKind): Promise<string[]> {
    switch (kind) {
      case 'queue':
        return unique((await this.events('QueueSummary')).map((e) => header(e, 'Queue')));
      case 'interface':
        return unique(
          (await this.events('QueueStatus'))
            .filter((e) => e.Event === 'QueueMember')
            .map((e) => header(e, 'Location') || header(e, 'Interface')),
        );
      case 'channel':
        return unique((await this.events('CoreShowChannels')).map((e) => header(e, 'Channel')));
      case 'peer': {
        const sip = await this.events('SIPpeers').catch(() => []);
        if (sip.length) return unique(sip.map((e) => header(e, 'ObjectName')));
        const pjsip = await this.events('PJSIPShowEndpoints').catch(() => []);
        return unique(pjsip.map((e) => header(e, 'ObjectName')));
      }
      case 'context': {
        const plan: Dialplan = new Map();
        for (const e of await this.events('ShowDialPlan')) {
          const ctx = header(e, 'Context');
          if (!ctx) continue;
          let set = plan.get(ctx);
          if (!set) plan.set(ctx, (set = new Set()));
          const exten = header(e, 'Extension');
          if (exten && !exten.startsWith('_')) set.add(exten);
        }
        this.plan = plan;
        return [...plan.keys()];
      }
      case 'action': {
        const r = await this.send('ListCommands');
        if (Array.isArray(r)) return [];
        return Object.keys(r).filter((k) => k !== 'Response' && k !== 'ActionID' && k !== 'Message');
      }
      default:
        return [];
    }
  }
}

function unique(list: string[]): string[] {
  return [...new Set(list.filter((x) => x !== ''))];
}

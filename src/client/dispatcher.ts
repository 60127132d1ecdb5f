/**
 * Correlation of received messages with pending actions, independent of any socket: the client feeds it
 * parsed messages; the conformance replay test feeds it recorded Asterisk traffic.
 *
 * - A response carrying an ActionID goes to the oldest pending action with that ActionID still waiting
 *   for its response (duplicate ActionIDs chosen by the user are therefore answered in order, which is
 *   how Asterisk answers them: one session's actions are processed one after the other).
 * - A response without an ActionID goes to the oldest pending action sent without one, or, failing that,
 *   to the oldest pending action waiting for a response (a server that does not echo ActionID). The client
 *   itself always sends an ActionID, so this fallback is only for such servers.
 * - After a list response (`EventList: start`, or a known list action's success), events carrying that
 *   ActionID are collected until the one with `EventList: Complete` (or, for servers that omit EventList,
 *   an event whose name ends in `Complete`).
 * - After an async Originate's success response, the OriginateResponse event with that ActionID resolves it.
 * - `Response: Follows` (Command before Asterisk 14) is collected up to `--END COMMAND--`, across blank
 *   lines inside the output.
 * - Everything else is an unsolicited event for the listeners.
 */
import type { AmiMessage } from '../protocol/index.js';
import { eventName, exactHeader, HeaderConverter, lineIs } from './convert.js';
import { AmiError, AmiTimeoutError } from './errors.js';
import type { AmiEvent, AmiHeaders, AmiListResult, AmiResponse } from './types.js';

export type PendingMode = 'single' | 'list' | 'originate';

export interface PendingSpec {
  /** Action name (for messages). */
  action: string;
  /** The ActionID as written ('' when none was sent). */
  actionId: string;
  /** 'list': a known list action; 'originate': wait for OriginateResponse after success. */
  mode: PendingMode;
  timeoutMs: number;
  /** Time allowed for the OriginateResponse once the response arrived. */
  followUpTimeoutMs?: number;
}

type Phase = 'response' | 'list' | 'originate';

interface Pending {
  spec: PendingSpec;
  /** ActionID as Asterisk reads it back: leading blanks skipped (astman_get_header). */
  key: string;
  phase: Phase;
  response: AmiResponse | undefined;
  events: AmiEvent[];
  timer: NodeJS.Timeout | undefined;
  resolve: (v: AmiResponse | AmiListResult | AmiEvent) => void;
  reject: (e: Error) => void;
  done: boolean;
}

export interface DispatcherHooks {
  /** An event that belongs to no pending action (also called for OriginateResponse). */
  onEvent(msg: AmiMessage, name: string): void;
  /** A response that matched no pending action. */
  onUnmatched?(response: AmiResponse): void;
  /** A message that is neither a response nor an event. */
  onOther?(msg: AmiMessage): void;
}

const END_COMMAND = '--END COMMAND--';

function skipBlanks(s: string): string {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) < 33) i++;
  return i === 0 ? s : s.slice(i);
}

export class Dispatcher {
  private readonly byKey = new Map<string, Pending[]>();
  /** All pending actions in the order they were sent. */
  private readonly order = new Set<Pending>();
  /** A `Response: Follows` being collected. */
  private follows: { p: Pending | undefined; head: AmiResponse; lines: string[] } | null = null;
  /** Pending actions collecting a list or waiting for OriginateResponse (events need a lookup only then). */
  private collecting = 0;
  private readonly converter = new HeaderConverter();

  constructor(private readonly hooks: DispatcherHooks) {}

  get pendingCount(): number {
    return this.order.size;
  }

  /** Registers an action about to be written; the promise settles with its outcome. */
  register(spec: PendingSpec): Promise<AmiResponse | AmiListResult | AmiEvent> {
    return new Promise((resolve, reject) => {
      const p: Pending = {
        spec,
        key: skipBlanks(spec.actionId),
        phase: 'response',
        response: undefined,
        events: [],
        timer: undefined,
        resolve,
        reject,
        done: false,
      };
      let q = this.byKey.get(p.key);
      if (q === undefined) this.byKey.set(p.key, (q = []));
      q.push(p);
      this.order.add(p);
      this.arm(p, spec.timeoutMs);
    });
  }

  /** Rejects every pending action (connection lost or closed). */
  rejectAll(makeError: (action: string, actionId: string) => Error): void {
    for (const p of [...this.order]) this.finish(p, makeError(p.spec.action, p.spec.actionId));
    this.follows = null;
  }

  /** Forgets partial state tied to one connection (a half-received Follows). */
  resetConnection(): void {
    this.follows = null;
  }

  /** The headers of a message as an object (exact values, repeated headers as arrays). */
  toHeaders(msg: AmiMessage): AmiHeaders {
    return this.converter.convert(msg);
  }

  handle(msg: AmiMessage): void {
    if (this.follows !== null) {
      this.continueFollows(msg);
      return;
    }
    const first = msg.lines[0];
    if (first === undefined) this.hooks.onOther?.(msg);
    else if (lineIs(first, 'event')) this.handleEvent(msg);
    else if (lineIs(first, 'response')) this.handleResponse(msg);
    else this.hooks.onOther?.(msg);
  }

  private arm(p: Pending, ms: number): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    if (!(ms > 0) || !Number.isFinite(ms)) return;
    p.timer = setTimeout(() => {
      const what =
        p.phase === 'list'
          ? `end of its event list (${p.events.length} events so far)`
          : p.phase === 'originate'
            ? 'OriginateResponse event'
            : 'response';
      const id = p.spec.actionId ? ` (ActionID ${p.spec.actionId})` : '';
      this.finish(p, new AmiTimeoutError(`${p.spec.action}${id}: no ${what} within ${ms} ms`));
    }, ms);
  }

  private remove(p: Pending): void {
    this.order.delete(p);
    const q = this.byKey.get(p.key);
    if (q !== undefined) {
      const i = q.indexOf(p);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) this.byKey.delete(p.key);
    }
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
  }

  private finish(p: Pending, outcome: Error | AmiResponse | AmiListResult | AmiEvent): void {
    if (p.done) return;
    p.done = true;
    if (p.phase !== 'response') this.collecting--;
    this.remove(p);
    if (outcome instanceof Error) p.reject(outcome);
    else p.resolve(outcome);
  }

  private findAwaitingResponse(key: string | undefined): Pending | undefined {
    if (key !== undefined && key !== '') {
      const q = this.byKey.get(key);
      if (q !== undefined) for (const p of q) if (p.phase === 'response') return p;
      return undefined;
    }
    const q = this.byKey.get('');
    if (q !== undefined) for (const p of q) if (p.phase === 'response') return p;
    for (const p of this.order) if (p.phase === 'response') return p;
    return undefined;
  }

  private handleResponse(msg: AmiMessage): void {
    const key = exactHeader(msg, 'ActionID');
    const p = this.findAwaitingResponse(key);
    const status = (exactHeader(msg, 'Response') ?? '').trim().toLowerCase();
    if (status === 'follows') {
      this.startFollows(msg, p);
      return;
    }
    const response = this.converter.convert(msg) as AmiResponse;
    if (p === undefined) {
      this.hooks.onUnmatched?.(response);
      return;
    }
    p.response = response;
    if (status === 'error' || status === 'failure') {
      this.finish(p, new AmiError(p.spec.action, response));
      return;
    }
    const eventList = (exactHeader(msg, 'EventList') ?? '').trim().toLowerCase();
    if (eventList === 'start' || (p.spec.mode === 'list' && status === 'success' && p.spec.actionId !== '')) {
      p.phase = 'list';
      this.collecting++;
      this.arm(p, p.spec.timeoutMs);
      return;
    }
    if (p.spec.mode === 'originate' && status === 'success' && p.spec.actionId !== '') {
      p.phase = 'originate';
      this.collecting++;
      this.arm(p, p.spec.followUpTimeoutMs ?? p.spec.timeoutMs);
      return;
    }
    this.finish(p, response);
  }

  private handleEvent(msg: AmiMessage): void {
    const name = eventName(msg);
    const key = this.collecting > 0 ? exactHeader(msg, 'ActionID') : undefined;
    if (key !== undefined && key !== '') {
      const q = this.byKey.get(key);
      if (q !== undefined) {
        for (const p of q) {
          if (p.phase === 'list') {
            const ev = this.converter.convert(msg) as AmiEvent;
            const el = exactHeader(msg, 'EventList');
            const complete =
              el !== undefined ? el.trim().toLowerCase() === 'complete' : name.endsWith('Complete');
            if (complete) {
              this.finish(p, { response: p.response as AmiResponse, events: p.events, complete: ev });
            } else {
              p.events.push(ev);
              this.arm(p, p.spec.timeoutMs);
            }
            return;
          }
          if (p.phase === 'originate' && name === 'OriginateResponse') {
            this.finish(p, this.converter.convert(msg) as AmiEvent);
            break; // still an event for the listeners
          }
        }
      }
    }
    this.hooks.onEvent(msg, name);
  }

  // --- Response: Follows (Command output before Asterisk 14) ---

  private startFollows(msg: AmiMessage, p: Pending | undefined): void {
    const head: AmiResponse = { Response: 'Follows' };
    const lines = msg.lines;
    let i = 0;
    for (; i < lines.length; i++) {
      const m = /^(Response|Privilege|ActionID|Message):\s?(.*)$/i.exec(lines[i]);
      if (m === null) break;
      if (i > 0) head[m[1]] = m[2];
    }
    if (p !== undefined) p.response = head;
    this.follows = { p, head, lines: [] };
    this.appendFollows(lines.slice(i));
  }

  private continueFollows(msg: AmiMessage): void {
    this.follows?.lines.push('');
    this.appendFollows(msg.lines);
  }

  private appendFollows(lines: string[]): void {
    const f = this.follows;
    if (f === null) return;
    const n = lines.length;
    for (let i = 0; i < n; i++) {
      const line = lines[i];
      const at = line.indexOf(END_COMMAND);
      if (at >= 0 && i === n - 1) {
        if (at > 0) f.lines.push(line.slice(0, at));
        this.follows = null;
        f.head.Output = f.lines;
        if (f.p !== undefined) this.finish(f.p, f.head);
        else this.hooks.onUnmatched?.(f.head);
        return;
      }
      f.lines.push(line);
    }
  }
}

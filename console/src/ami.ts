/**
 * AMI over WebSocket with the `ami-json` subprotocol: one JSON object per AMI message both ways.
 * The first message is `{"Banner": "Asterisk Call Manager/..."}`. Repeated headers are arrays.
 *
 * `action()` sends one action with its own ActionID and resolves with its response and, for list
 * actions (`EventList: start`), the list events up to the one with `EventList: Complete`. Every
 * other message (and every list item too) goes to the event listeners.
 */

export type AmiValue = string | string[];
export type AmiMessage = Record<string, AmiValue>;

/** A header's value, matched without case as Asterisk's astman_get_header; repeated: the first. */
export function hdr(m: AmiMessage, name: string): string {
  const v = m[name] ?? m[Object.keys(m).find((k) => k.toLowerCase() === name.toLowerCase()) ?? ''];
  if (v === undefined) return '';
  return Array.isArray(v) ? (v[0] ?? '') : v;
}

/** A header's value as a number (NaN when absent or not numeric). */
export function num(m: AmiMessage, name: string): number {
  const s = hdr(m, name).trim();
  return s === '' ? NaN : Number(s);
}

export interface ActionResult {
  response: AmiMessage;
  /** The list events (without the final `...Complete` event), for list actions. */
  events: AmiMessage[];
  /** The `...Complete` event of a list action. */
  complete?: AmiMessage;
  ok: boolean;
}

interface Pending {
  response?: AmiMessage;
  events: AmiMessage[];
  list: boolean;
  resolve: (r: ActionResult) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export type ConnState = 'connecting' | 'open' | 'closed';

/** The `/ws` address next to the page (keeps http.conf's prefix; wss for https pages). */
export function defaultWsUrl(loc: Location = window.location): string {
  const u = new URL('ws', loc.href);
  u.protocol = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  u.hash = '';
  u.search = '';
  return u.toString();
}

export class AmiConnection {
  private ws: WebSocket | null = null;
  private seq = 0;
  private readonly prefix = `c${Math.random().toString(36).slice(2, 7)}-`;
  private readonly pending = new Map<string, Pending>();
  private readonly listeners = new Set<(m: AmiMessage) => void>();
  private readonly stateListeners = new Set<(s: ConnState, why?: string) => void>();
  banner = '';
  state: ConnState = 'closed';

  constructor(
    readonly url: string,
    private readonly timeoutMs = 15_000,
  ) {}

  /** Opens the socket and waits for the banner. */
  open(): Promise<string> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        ws = new WebSocket(this.url, 'ami-json');
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
        return;
      }
      this.ws = ws;
      this.setState('connecting');
      let greeted = false;
      ws.onmessage = (ev: MessageEvent) => {
        let m: unknown;
        try {
          m = JSON.parse(String(ev.data));
        } catch {
          return;
        }
        if (m === null || typeof m !== 'object' || Array.isArray(m)) return;
        const msg = m as AmiMessage;
        if (!greeted && typeof msg.Banner === 'string') {
          greeted = true;
          this.banner = msg.Banner;
          this.setState('open');
          resolve(msg.Banner);
          return;
        }
        this.dispatch(msg);
      };
      ws.onclose = (ev: CloseEvent) => {
        const why = ev.reason || (ev.code === 1006 ? 'connection lost' : `closed (${ev.code})`);
        if (!greeted) reject(new Error(`WebSocket ${why}`));
        this.failAll(new Error(`WebSocket ${why}`));
        if (this.ws === ws) this.ws = null;
        this.setState('closed', why);
      };
      ws.onerror = () => {
        /* onclose follows with the reason */
      };
    });
  }

  close(): void {
    this.ws?.close(1000, 'bye');
  }

  onEvent(fn: (m: AmiMessage) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  onState(fn: (s: ConnState, why?: string) => void): () => void {
    this.stateListeners.add(fn);
    return () => this.stateListeners.delete(fn);
  }

  /** Sends an action; the ActionID is ours (one given in `fields` is replaced). */
  action(fields: Record<string, AmiValue>): Promise<ActionResult> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error('not connected'));
    const id = this.prefix + ++this.seq;
    const msg: AmiMessage = {};
    for (const [k, v] of Object.entries(fields)) if (k.toLowerCase() !== 'actionid') msg[k] = v;
    msg.ActionID = id;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`no response to ${hdr(msg, 'Action')} within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      this.pending.set(id, { events: [], list: false, resolve, reject, timer });
      ws.send(JSON.stringify(msg));
    });
  }

  private dispatch(msg: AmiMessage): void {
    const id = hdr(msg, 'ActionID');
    const p = id ? this.pending.get(id) : undefined;
    if (p) {
      if (!p.response && hdr(msg, 'Response') !== '') {
        p.response = msg;
        p.list = hdr(msg, 'EventList').toLowerCase() === 'start';
        if (!p.list) this.finish(id, p);
        return;
      }
      if (p.response && hdr(msg, 'Event') !== '') {
        if (hdr(msg, 'EventList').toLowerCase() === 'complete') {
          this.finish(id, p, msg);
        } else p.events.push(msg);
      }
    }
    for (const fn of this.listeners) fn(msg);
  }

  private finish(id: string, p: Pending, complete?: AmiMessage): void {
    clearTimeout(p.timer);
    this.pending.delete(id);
    const response = p.response ?? {};
    p.resolve({
      response,
      events: p.events,
      complete,
      ok: hdr(response, 'Response').toLowerCase() === 'success' || hdr(response, 'Response') === 'Follows',
    });
  }

  private failAll(e: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(e);
    }
  }

  private setState(s: ConnState, why?: string): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s, why);
  }
}

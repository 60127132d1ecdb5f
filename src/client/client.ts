/**
 * AmiClient: one connection to one AMI server (TCP or TLS), with login, action correlation, event lists,
 * typed events, a bounded event iterator, keepalive and reconnect. No globals: run as many as you like.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { AmiParser, serialize, type AmiMessage } from '../protocol/index.js';
import { buildAction, first } from './convert.js';
import { Dispatcher, type PendingMode } from './dispatcher.js';
import { AmiAuthError, AmiConnectionError, AmiError, AmiTimeoutError } from './errors.js';
import { EventStream, type StreamOwner } from './event-stream.js';
import {
  CONDITIONAL_LIST_ACTIONS,
  LIST_ACTIONS,
  type ActionParams,
  type AmiEventMap,
  type EventOf,
  type ListActionName,
  type ParamsOf,
} from './spec-types.js';
import type {
  AmiClientOptions,
  AmiEvent,
  AmiListResult,
  AmiResponse,
  AnyParams,
  ClientState,
  EventsOptions,
  ReconnectOptions,
  SendOptions,
} from './types.js';

/** Lifecycle events of the client itself (lower-case; AMI event names start with a capital). */
export interface AmiClientLifecycle {
  /** Every AMI event that belongs to no pending action. */
  event: [event: AmiEvent];
  /** The state changed. */
  state: [state: ClientState, previous: ClientState];
  /** Logged in and ready (first connect and every reconnect). */
  ready: [];
  /** The connection was lost (the client will reconnect unless closed or reconnect is off). */
  disconnect: [error: Error | undefined];
  /** A reconnect attempt is scheduled. */
  reconnecting: [info: { attempt: number; delayMs: number }];
  /** A background failure (a reconnect attempt, restoring filters). Only emitted when listened to. */
  error: [error: Error];
  /** A response that matched no pending action. */
  unmatched: [response: AmiResponse];
  /** The client is closed for good (close(), or a lost connection without reconnect). */
  close: [];
}

type LifecycleName = keyof AmiClientLifecycle;
type Listener<K extends string> = K extends LifecycleName
  ? (...args: AmiClientLifecycle[K]) => void
  : (event: EventOf<K>) => void;
type KnownName = LifecycleName | Extract<keyof AmiEventMap, string>;

const LIFECYCLE = new Set<string>([
  'event',
  'state',
  'ready',
  'disconnect',
  'reconnecting',
  'error',
  'unmatched',
  'close',
]);
const LIST_SET = new Set(LIST_ACTIONS.map((a) => a.toLowerCase()));
const CONDITIONAL_SET = new Set(CONDITIONAL_LIST_ACTIONS.map((a) => a.toLowerCase()));

/** What `send(action)` resolves with: `{ response, events, complete }` for list actions. */
export type SendResult<A extends string> = A extends ListActionName
  ? AmiListResult
  : A extends 'Hangup' | 'PJSIPHangup'
    ? AmiResponse | AmiListResult
    : A extends keyof ActionParams
      ? AmiResponse
      : AmiResponse | AmiListResult;

/** Originate parameters, plus `async` (the same as `Async: true`). */
export type OriginateParams = ParamsOf<'Originate'> & { async?: boolean };

/** True for the result of a list action. */
export function isListResult(r: AmiResponse | AmiListResult): r is AmiListResult {
  return typeof (r as AmiListResult).response === 'object' && Array.isArray((r as AmiListResult).events);
}

/** True when `action` with `params` answers with an event list (Asterisk 20 behaviour). */
export function isListAction(action: string, params: AnyParams = {}): boolean {
  const a = action.toLowerCase();
  if (LIST_SET.has(a)) return true;
  if (CONDITIONAL_SET.has(a)) {
    for (const k of Object.keys(params)) {
      if (k.toLowerCase() !== 'channel') continue;
      const v = params[k];
      const s = typeof v === 'string' ? v.replace(/^[\s]+/, '') : '';
      return s.length > 1 && s.startsWith('/') && s.endsWith('/');
    }
  }
  return false;
}

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && /^(1|true|yes|on|y|t)$/i.test(v.trim()));
}

function paramKey(params: AnyParams, name: string): string | undefined {
  const l = name.toLowerCase();
  for (const k of Object.keys(params)) if (k.toLowerCase() === l) return k;
  return undefined;
}

interface Conn {
  epoch: number;
  socket: net.Socket;
  ready: boolean;
  lastError: Error | undefined;
}

const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.2,
};

/** Typed listeners: AMI events by name (from the generated AmiEventMap) and the lifecycle events. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export interface AmiClient {
  on<K extends KnownName>(name: K, listener: Listener<K>): this;
  on(name: string, listener: (event: AmiEvent) => void): this;
  once<K extends KnownName>(name: K, listener: Listener<K>): this;
  once(name: string, listener: (event: AmiEvent) => void): this;
  off<K extends KnownName>(name: K, listener: Listener<K>): this;
  off(name: string, listener: (event: AmiEvent) => void): this;
  addListener<K extends KnownName>(name: K, listener: Listener<K>): this;
  addListener(name: string, listener: (event: AmiEvent) => void): this;
  removeListener<K extends KnownName>(name: K, listener: Listener<K>): this;
  removeListener(name: string, listener: (event: AmiEvent) => void): this;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class AmiClient extends EventEmitter implements StreamOwner {
  readonly host: string;
  readonly port: number;
  /** The AMI version from the banner (`9.0.0` for Asterisk 20), once connected. */
  version: string | undefined;
  /** The whole banner line. */
  banner: string | undefined;

  private readonly opts: AmiClientOptions;
  private readonly reconnectOpts: Required<ReconnectOptions> | false;
  private readonly connectTimeoutMs: number;
  private readonly actionTimeoutMs: number;
  private readonly keepaliveMs: number;
  private readonly keepaliveTimeoutMs: number;
  private readonly eventBuffer: number;
  private readonly idPrefix: string;
  private idCounter = 0;

  private _state: ClientState = 'closed';
  private conn: Conn | null = null;
  private epoch = 0;
  private closing = false;
  private connecting: Promise<void> | null = null;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private pinging = false;
  private pauseEpoch = 0;
  private paused = false;
  private readonly dispatcher: Dispatcher;
  private readonly streams = new Set<EventStream>();
  private readonly fullStreams = new Set<EventStream>();
  /** The user sent Logoff through send(): the coming close ends the client. */
  private loggingOff = false;
  /** The last EventMask set through the Events action (restored after reconnect). */
  private eventMask: string | undefined;
  /** Session filters added through the Filter action (restored after reconnect). */
  private readonly sessionFilters: string[] = [];

  constructor(options: AmiClientOptions) {
    super();
    if (!options || typeof options.username !== 'string' || typeof options.secret !== 'string') {
      throw new TypeError('AmiClient: username and secret are required');
    }
    this.opts = options;
    this.host = options.host ?? '127.0.0.1';
    this.port = options.port ?? (options.tls ? 5039 : 5038);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.actionTimeoutMs = options.actionTimeoutMs ?? 10_000;
    this.keepaliveMs = options.keepaliveMs ?? 30_000;
    this.keepaliveTimeoutMs =
      options.keepaliveTimeoutMs ?? Math.min(this.actionTimeoutMs, this.keepaliveMs || Infinity);
    this.eventBuffer = options.eventBuffer ?? 1000;
    this.reconnectOpts =
      options.reconnect === false ? false : { ...DEFAULT_RECONNECT, ...(options.reconnect ?? {}) };
    this.idPrefix = options.actionIdPrefix ?? `amikit-${randomBytes(3).toString('hex')}-`;
    this.dispatcher = new Dispatcher({
      onEvent: (msg, name) => this.deliver(msg, name),
      onUnmatched: (r) => {
        if (this.listenerCount('unmatched') > 0) this.emit('unmatched', r);
      },
    });
  }

  /** The connection state; every change is also emitted as `state`. */
  get state(): ClientState {
    return this._state;
  }

  /** True while reading is paused because an events() iterator is full. */
  get readingPaused(): boolean {
    return this.paused;
  }

  /** Actions waiting for their answer. */
  get pendingActions(): number {
    return this.dispatcher.pendingCount;
  }

  /**
   * Connects, reads the banner and logs in. Resolves when ready; rejects (and the client is closed) when
   * the first attempt fails. Later losses are handled by reconnect.
   */
  connect(): Promise<void> {
    if (this.connecting) return this.connecting;
    if (this._state !== 'closed') return Promise.resolve();
    this.closing = false;
    this.attempt = 0;
    const p = this.openOnce().then(
      () => {
        this.connecting = null;
      },
      (err: Error) => {
        this.connecting = null;
        this.closing = true;
        for (const s of [...this.streams]) s.end();
        this.setState('closed');
        throw err;
      },
    );
    this.connecting = p;
    return p;
  }

  /**
   * Sends an action. Resolves with the response, or `{ response, events, complete }` for a list action;
   * rejects with AmiError on `Response: Error`, AmiTimeoutError, or AmiConnectionError.
   * An ActionID is generated unless `params.ActionID` is given.
   */
  send<A extends string>(action: A, params?: ParamsOf<A>, options?: SendOptions): Promise<SendResult<A>> {
    if (this._state !== 'ready') {
      return Promise.reject(new AmiConnectionError(`cannot send ${action}: the client is ${this._state}`));
    }
    const p = (params ?? {}) as AnyParams;
    return this.write(action, p, isListAction(action, p) ? 'list' : 'single', options?.timeoutMs) as Promise<
      SendResult<A>
    >;
  }

  /** Runs a CLI command and returns its output lines (Asterisk 14+ `Output:` and older `--END COMMAND--`). */
  async command(cmd: string, options?: SendOptions): Promise<string[]> {
    try {
      const r = (await this.send('Command', { Command: cmd } as ParamsOf<'Command'>, options)) as AmiResponse;
      return outputLines(r);
    } catch (e) {
      if (e instanceof AmiError) {
        const lines = outputLines(e.response);
        if (lines.length > 0) throw new AmiError('Command', e.response, lines.join('\n'));
      }
      throw e;
    }
  }

  /**
   * Originate. With `async: true` (or `Async: 'true'`) resolves with the OriginateResponse event for this
   * ActionID (its `Response` is Success or Failure); otherwise with the response.
   */
  originate(params: OriginateParams & { async: true }): Promise<AmiEvent>;
  originate(params: OriginateParams): Promise<AmiResponse | AmiEvent>;
  originate(params: OriginateParams): Promise<AmiResponse | AmiEvent> {
    if (this._state !== 'ready') {
      return Promise.reject(new AmiConnectionError(`cannot send Originate: the client is ${this._state}`));
    }
    const { async: asyncFlag, ...rest } = params as AnyParams & { async?: boolean };
    const p = { ...rest } as AnyParams;
    const asyncKey = paramKey(p, 'Async');
    const isAsync = asyncFlag === true || (asyncKey !== undefined && truthy(p[asyncKey]));
    if (isAsync) {
      if (asyncKey !== undefined) delete p[asyncKey];
      p.Async = 'true';
    }
    const tKey = paramKey(p, 'Timeout');
    const callTimeout = tKey !== undefined && Number(p[tKey]) > 0 ? Number(p[tKey]) : 30_000;
    const wait = callTimeout + this.actionTimeoutMs;
    return this.write(
      'Originate',
      p,
      isAsync ? 'originate' : 'single',
      isAsync ? undefined : wait,
      wait,
    ) as Promise<AmiResponse | AmiEvent>;
  }

  /** Adds a session event filter (Filter action, Operation Add); it is restored after a reconnect. */
  async filter(expression: string): Promise<AmiResponse> {
    return (await this.send('Filter', {
      Operation: 'Add',
      Filter: expression,
    } as ParamsOf<'Filter'>)) as AmiResponse;
  }

  /** Sets the event mask (Events action); it is restored after a reconnect. */
  async setEventMask(mask: string): Promise<AmiResponse> {
    return (await this.send('Events', { EventMask: mask } as ParamsOf<'Events'>)) as AmiResponse;
  }

  /**
   * An async iterator of events, optionally filtered, with a bounded buffer. When any iterator's buffer
   * is full, the client stops reading the socket until it drains to half (see README, slow consumers).
   * `break` out of the loop (or call `return()`) to stop it; close() ends it.
   */
  events(options: EventsOptions = {}): EventStream {
    const s = new EventStream(this, options.filter, options.bufferSize ?? this.eventBuffer);
    // Before connect() is fine; after close() (or a final loss) the iterator is already finished.
    if (this.closing) s.end();
    else this.streams.add(s);
    return s;
  }

  /** Logs off, closes the socket, rejects pending actions, ends iterators, clears every timer. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.reconnectTimer !== undefined) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.stopKeepalive();
    const conn = this.conn;
    this.dispatcher.rejectAll(
      (a, id) => new AmiConnectionError(`${a}${id ? ` (ActionID ${id})` : ''}: client closed`),
    );
    for (const s of [...this.streams]) s.end();
    this.streams.clear();
    this.fullStreams.clear();
    if (conn !== null && !conn.socket.destroyed) {
      const sock = conn.socket;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => sock.destroy(), 1000);
        sock.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        if (conn.ready && sock.writable) {
          sock.end(serialize(buildAction('Logoff', `${this.idPrefix}logoff`, {})));
        } else sock.destroy();
      });
    }
    this.conn = null;
    this.setState('closed');
  }

  // ---------------------------------------------------------------------------------------------------

  private nextId(): string {
    return this.idPrefix + ++this.idCounter;
  }

  private write(
    action: string,
    params: AnyParams,
    mode: PendingMode,
    timeoutMs: number | undefined,
    followUpTimeoutMs?: number,
  ): Promise<AmiResponse | AmiListResult | AmiEvent> {
    const conn = this.conn;
    if (conn === null || conn.socket.destroyed) {
      return Promise.reject(new AmiConnectionError(`cannot send ${action}: not connected`));
    }
    const k = paramKey(params, 'ActionID');
    const given = k !== undefined ? params[k] : undefined;
    const givenText = typeof given === 'string' || typeof given === 'number' ? String(given) : '';
    const id = givenText.trim() !== '' ? givenText : this.nextId();
    const promise = this.dispatcher.register({
      action,
      actionId: id,
      mode,
      timeoutMs: timeoutMs ?? this.actionTimeoutMs,
      followUpTimeoutMs,
    });
    conn.socket.write(serialize(buildAction(action, id, params)));
    const a = action.toLowerCase();
    // A Logoff sent by hand ends the client, as close() does: the server's close is not a loss.
    if (a === 'logoff') this.loggingOff = true;
    if (a === 'events' || a === 'filter') {
      // Remember what the server accepted, to restore it after a reconnect.
      promise.then(
        () => this.remember(a, params),
        () => {},
      );
    }
    return promise;
  }

  private remember(a: string, params: AnyParams): void {
    if (a === 'events') {
      const k = paramKey(params, 'EventMask');
      if (k !== undefined) this.eventMask = String(params[k]);
    } else {
      const op = paramKey(params, 'Operation');
      const fk = paramKey(params, 'Filter');
      const opv = op !== undefined ? String(params[op]).toLowerCase() : 'add';
      if (opv === 'add' && fk !== undefined) this.sessionFilters.push(String(params[fk]));
    }
  }

  private setState(s: ClientState): void {
    const prev = this._state;
    if (prev === s) return;
    this._state = s;
    this.emit('state', s, prev);
    if (s === 'ready') this.emit('ready');
    if (s === 'closed') this.emit('close');
  }

  private emitError(e: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', e);
  }

  private openSocket(): net.Socket {
    const t = this.opts.tls;
    if (t) {
      const o: tls.ConnectionOptions = typeof t === 'object' ? { ...t } : {};
      o.host ??= this.host;
      o.port ??= this.port;
      if (o.servername === undefined && net.isIP(this.host) === 0) o.servername = this.host;
      return tls.connect(o);
    }
    return net.connect({ host: this.host, port: this.port });
  }

  /** One connection attempt: connect, banner, login, restore. */
  private openOnce(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const epoch = ++this.epoch;
      this.setState('connecting');
      const where = `${this.host}:${this.port}`;
      const socket = this.openSocket();
      socket.setNoDelay(true);
      const conn: Conn = { epoch, socket, ready: false, lastError: undefined };
      this.conn = conn;
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const timer = setTimeout(
        () =>
          fail(
            new AmiConnectionError(
              `connecting to ${where} timed out after ${this.connectTimeoutMs} ms (while ${this._state})`,
            ),
          ),
        this.connectTimeoutMs,
      );
      const parser = new AmiParser((m: AmiMessage) => this.dispatcher.handle(m), {
        encoding: 'utf8',
        banner: true,
      });
      parser.onBanner = (line) => {
        const m = /Call Manager\/(\S+)/.exec(line);
        if (m === null) {
          fail(
            new AmiConnectionError(
              `${where} is not an AMI server (it said ${JSON.stringify(line.slice(0, 80))})`,
            ),
          );
          return;
        }
        this.banner = line;
        this.version = m[1];
        this.setState('authenticating');
        this.login()
          .then(() => this.restore())
          .then(() => {
            if (settled || this.closing) return;
            settled = true;
            clearTimeout(timer);
            conn.ready = true;
            this.setState('ready');
            this.startKeepalive();
            if (this.fullStreams.size > 0) this.pauseReading();
            resolve();
          })
          .catch((e: Error) => fail(e));
      };
      socket.on('data', (chunk: Buffer) => parser.feed(chunk));
      socket.on('error', (e) => {
        conn.lastError = e;
      });
      socket.on('close', () => {
        const wasReady = conn.ready;
        conn.ready = false;
        if (!settled) {
          const e = conn.lastError;
          fail(
            this.closing
              ? new AmiConnectionError('client closed')
              : e !== undefined
                ? new AmiConnectionError(`cannot connect to ${where}: ${e.message}`, { cause: e })
                : new AmiConnectionError(`${where} closed the connection during ${this._state}`),
          );
        }
        this.onSocketClose(conn, wasReady);
      });
    });
  }

  private onSocketClose(conn: Conn, wasReady: boolean): void {
    if (conn.epoch !== this.epoch) return;
    this.stopKeepalive();
    this.conn = null;
    this.paused = false;
    const why = conn.lastError ? `: ${conn.lastError.message}` : '';
    this.dispatcher.rejectAll(
      (a, id) =>
        new AmiConnectionError(
          `${a}${id ? ` (ActionID ${id})` : ''}: connection to ${this.host}:${this.port} lost${why}`,
        ),
    );
    this.dispatcher.resetConnection();
    if (this.loggingOff && !this.closing) {
      this.closing = true;
      for (const st of [...this.streams]) st.end();
      this.setState('closed');
      return;
    }
    if (!wasReady || this.closing) return;
    this.emit('disconnect', conn.lastError);
    if (this.reconnectOpts !== false) this.scheduleReconnect();
    else {
      this.closing = true;
      for (const s of [...this.streams]) s.end();
      this.setState('closed');
    }
  }

  private scheduleReconnect(): void {
    if (this.closing || this.reconnectOpts === false) return;
    const r = this.reconnectOpts;
    const base = Math.min(r.maxDelayMs, r.initialDelayMs * Math.pow(r.factor, this.attempt));
    const j = Math.min(1, Math.max(0, r.jitter));
    const delayMs = Math.max(0, Math.min(r.maxDelayMs, Math.round(base * (1 - j + 2 * j * Math.random()))));
    this.attempt++;
    this.setState('reconnecting');
    this.emit('reconnecting', { attempt: this.attempt, delayMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.closing) return;
      this.openOnce().then(
        () => {
          this.attempt = 0;
        },
        (e: Error) => {
          if (this.closing) return;
          this.emitError(e);
          this.scheduleReconnect();
        },
      );
    }, delayMs);
  }

  private async login(): Promise<void> {
    const o = this.opts;
    const p: AnyParams = { Username: o.username };
    try {
      if (o.authType === 'md5') {
        const ch = (await this.write('Challenge', { AuthType: 'MD5' }, 'single', undefined)) as AmiResponse;
        const challenge = first(ch.Challenge) ?? '';
        p.AuthType = 'MD5';
        p.Key = createHash('md5')
          .update(challenge + o.secret)
          .digest('hex');
      } else p.Secret = o.secret;
      if (o.events !== undefined) p.Events = o.events;
      await this.write('Login', p, 'single', undefined);
    } catch (e) {
      if (e instanceof AmiError) {
        throw new AmiAuthError(
          `login to ${this.host}:${this.port} as ${o.username} refused: ${e.message}`,
          e.response,
        );
      }
      throw e;
    }
  }

  /** After a reconnect: the event mask and session filters set before. */
  private async restore(): Promise<void> {
    const jobs: Promise<unknown>[] = [];
    if (this.eventMask !== undefined)
      jobs.push(this.write('Events', { EventMask: this.eventMask }, 'single', undefined));
    for (const f of this.sessionFilters)
      jobs.push(this.write('Filter', { Operation: 'Add', Filter: f }, 'single', undefined));
    const results = await Promise.allSettled(jobs);
    for (const r of results) {
      if (r.status === 'rejected') {
        const e = r.reason as Error;
        if (!(e instanceof AmiError)) throw e;
        this.emitError(
          new AmiError(e.action, e.response, `restoring ${e.action} after reconnect failed: ${e.message}`),
        );
      }
    }
  }

  private startKeepalive(): void {
    this.stopKeepalive();
    if (!(this.keepaliveMs > 0)) return;
    this.keepaliveTimer = setInterval(() => this.ping(), this.keepaliveMs);
    this.keepaliveTimer.unref();
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer !== undefined) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = undefined;
  }

  private ping(): void {
    const conn = this.conn;
    if (this._state !== 'ready' || this.pinging || this.paused || conn === null) return;
    this.pinging = true;
    const pe = this.pauseEpoch;
    this.write('Ping', {}, 'single', this.keepaliveTimeoutMs)
      .then(
        () => {},
        (e: Error) => {
          // Unanswered because we stopped reading is not a dead connection.
          if (e instanceof AmiTimeoutError && conn === this.conn && pe === this.pauseEpoch && !this.paused) {
            conn.socket.destroy(
              new AmiConnectionError(
                `keepalive: no answer to Ping within ${this.keepaliveTimeoutMs} ms, connection presumed dead`,
              ),
            );
          }
        },
      )
      .finally(() => {
        this.pinging = false;
      });
  }

  private deliver(msg: AmiMessage, name: string): void {
    // No closures here: this runs once per event.
    const named = this.listenerCount(name) > 0 && !LIFECYCLE.has(name);
    const all = this.listenerCount('event') > 0;
    if (!named && !all && this.streams.size === 0) return;
    let e: AmiEvent | undefined;
    if (named || all) {
      e = this.dispatcher.toHeaders(msg) as AmiEvent;
      if (named) this.emit(name, e);
      if (all) this.emit('event', e);
    }
    for (const s of this.streams) {
      const f = s.accepts;
      if (f !== null) {
        if (f.name !== undefined) {
          if (f.name !== name) continue;
        } else if (f.re !== undefined) {
          if (!f.re.test(name)) continue;
        } else {
          if (e === undefined) e = this.dispatcher.toHeaders(msg) as AmiEvent;
          if (!f.fn(e)) continue;
        }
      }
      if (e === undefined) e = this.dispatcher.toHeaders(msg) as AmiEvent;
      s.push(e);
    }
  }

  // --- StreamOwner (backpressure) ---

  /** @internal */
  streamFull(s: EventStream): void {
    this.fullStreams.add(s);
    this.pauseReading();
  }

  /** @internal */
  streamDrained(s: EventStream): void {
    this.fullStreams.delete(s);
    if (this.fullStreams.size === 0 && this.paused) {
      this.paused = false;
      this.conn?.socket.resume();
    }
  }

  /** @internal */
  streamClosed(s: EventStream): void {
    this.streams.delete(s);
  }

  private pauseReading(): void {
    const c = this.conn;
    if (c === null || !c.ready || this.paused) return;
    this.paused = true;
    this.pauseEpoch++;
    c.socket.pause();
  }
}

function outputLines(r: AmiResponse): string[] {
  const out = r.Output;
  if (out === undefined) return [];
  return Array.isArray(out) ? out : [out];
}

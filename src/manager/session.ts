/**
 * One manager session, whatever carries it (TCP, TLS, HTTP, WebSocket): the state machine
 * banner -> unauthenticated -> authenticated -> closed, the per-session event mask and filters,
 * and Asterisk's process_message() rules. Actions run one at a time in arrival order; events raised
 * while an action runs are held and written after its response, as Asterisk's session thread does.
 */
import type { AmiMessage } from '../protocol/message.js';
import type { Logger } from '../logger.js';
import type { AmiEvent } from './events.js';
import { shouldSendEvent, type EventFilter } from './filters.js';
import type { ManagerMetrics } from './metrics.js';
import { setLongTimeout } from '../pbx/clock.js';

export type TransportKind = 'TCP' | 'TLS' | 'HTTP' | 'WS';

/** Bytes out, close, and flow control: all a session needs from its carrier. */
export interface Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  write(data: string | Buffer): void;
  /** Flushes what was written, then closes. */
  end(): void;
  /** Stop / resume reading input (backpressure while an action runs). */
  pause(): void;
  resume(): void;
}

/**
 * What a session needs from whoever serves it (the Manager): its requests handled, a few settings
 * read when needed (a reload may change them), a log and counters. Sessions know nothing more.
 */
export interface Dispatcher {
  /** The banner's AMI version. */
  readonly amiVersion: string;
  readonly config: { readonly general: { readonly authtimeout: number; readonly displayconnects: boolean } };
  readonly log: Logger;
  readonly metrics?: ManagerMetrics;
  /** process_message(): handles one request; false (or its promise) when the session must end. */
  dispatch(msg: AmiMessage, session: Session): boolean | Promise<boolean>;
}

interface QueueItem {
  msg: AmiMessage;
  done: (() => void) | undefined;
  /** Input chunk the message came in (see waitForEvent). */
  chunk: number;
}

/** Requests read ahead of the running one before input is paused. */
const MAX_QUEUED_ACTIONS = 64;

/** How many events may wait for a busy session before it is treated as a slow consumer. */
const MAX_HELD_EVENTS = 100_000;
/** The same, in bytes of event text (the output cap of a stream session). */
const MAX_HELD_BYTES = 64 * 1024 * 1024;

let nextId = 1;

export class Session {
  readonly id: number;
  /** Asterisk prints the session pointer (`0x7f8114001e20`); we print a stable look-alike. */
  readonly sessionId: string;
  readonly transport: Transport;
  readonly dispatcher: Dispatcher;

  authenticated = false;
  username = '';
  readperm = 0;
  writeperm = 0;
  /** Events mask (send_events); -1 = every class until Login's Events: says otherwise. */
  sendEvents = -1;
  writetimeout = 100;
  displayconnects = true;
  challenge = '';
  includes: EventFilter[] = [];
  excludes: EventFilter[] = [];
  setvars: Array<[string, string]> = [];
  /** Whole seconds (time()) when the session began waiting for authentication. */
  authStart: number;
  /** When authentication succeeded (SessionTV), 0 before. */
  sessionStartMs = 0;
  readonly connectedAt = Date.now();
  closed = false;
  /** Set when the manager drops the session (reload removed the user, kicked...). */
  kicked = false;

  /**
   * HTTP sessions keep events until a WaitEvent collects them (Asterisk's AJAM behaviour); stream
   * sessions write them as they come.
   */
  holdEvents = false;
  /** Most events an HTTP session keeps between WaitEvents; the oldest go first. */
  maxHeldEvents = 10_000;
  /**
   * Most bytes of event text an HTTP session keeps between WaitEvents; the oldest go first.
   * Asterisk 20 keeps every event for a session until it reads them or expires (httptimeout), with
   * no bound; several hundred AJAM sessions that stop polling could then hold gigabytes.
   */
  maxHeldBytes = 4 * 1024 * 1024;
  /**
   * HTTP sessions: the longest WaitEvent may wait, in seconds (Asterisk: the session's expiry time
   * minus 10 s, so the client sees an answer before it gives up). Undefined on stream sessions.
   */
  maxWaitSec?: number;

  private readonly queue: QueueItem[] = [];
  /** Read number of the input chunk being parsed, and of the message being processed. */
  private inputChunk = 0;
  private currentChunk = 0;
  private busy = false;
  private held: AmiEvent[] = [];
  /** Bytes of event text in {@link held}. */
  private heldSize = 0;
  private waiter: (() => void) | null = null;
  private authTimer: NodeJS.Timeout | null = null;
  onClose: Array<() => void> = [];
  /** Called once when Login succeeds (the manager stops counting it as unauthenticated). */
  onAuthenticated: () => void = () => {};

  constructor(dispatcher: Dispatcher, transport: Transport) {
    this.id = nextId++;
    this.sessionId = '0x7f' + (0x8100000000 + this.id * 0x2ad0).toString(16);
    this.dispatcher = dispatcher;
    this.transport = transport;
    this.authStart = Math.floor(Date.now() / 1000);
    this.displayconnects = dispatcher.config.general.displayconnects;
  }

  /** Starts the unauthenticated phase: banner and authtimeout (Asterisk counts whole seconds). */
  start(banner = true): void {
    if (banner) this.write('Asterisk Call Manager/' + this.dispatcher.amiVersion + '\r\n');
    // Asterisk arms authtimeout on stream sessions only (session_do); HTTP sessions get it too, so
    // that one that keeps polling without logging in cannot hold an authlimit slot for good.
    this.armAuthTimeout();
  }

  private armAuthTimeout(): void {
    const authtimeout = this.dispatcher.config.general.authtimeout;
    // Closed once time() - authstart > authtimeout, i.e. at the whole second after authstart+authtimeout.
    const deadline = (this.authStart + authtimeout + 1) * 1000;
    this.authTimer = setTimeout(
      () => {
        if (this.authenticated || this.closed) return;
        if (this.dispatcher.config.general.displayconnects) {
          this.dispatcher.log.info(
            { remote: this.transport.remoteAddress },
            `Client from ${this.transport.remoteAddress}, failed to authenticate in ${authtimeout} seconds`,
          );
        }
        this.close();
      },
      Math.max(0, deadline - Date.now()),
    );
    this.authTimer.unref?.();
  }

  /**
   * A message from the client (already parsed). Actions run in order, one at a time; the promise
   * settles when this one has been answered (HTTP transports complete their response then).
   */
  receive(msg: AmiMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((done) => this.enqueue(msg, done));
  }

  /**
   * Stream transports call this: the same as {@link receive} without a promise per message. Actions
   * that answer synchronously (most) run at once, without a microtask hop.
   */
  enqueue(msg: AmiMessage, done?: () => void): void {
    if (this.closed) {
      done?.();
      return;
    }
    if (this.waiter && !this.holdEvents) {
      // Input ends a WaitEvent on a stream session (ast_wait_for_input returns).
      this.waiter();
    }
    this.queue.push({ msg, done, chunk: this.inputChunk });
    if (!this.busy) this.pump();
    // Reading goes on while an action runs (new input must be able to end a WaitEvent), but a
    // client that pipelines faster than its actions complete is made to wait.
    else if (this.queue.length >= MAX_QUEUED_ACTIONS) this.transport.pause();
  }

  /** The transport read another chunk of input (WaitEvent ends on input that was not yet read). */
  inputArrived(): void {
    this.inputChunk++;
  }

  /** Runs queued actions in order; continues asynchronously only when an action does. */
  private pump(): void {
    this.busy = true;
    while (this.queue.length > 0 && !this.closed) {
      const item = this.queue.shift() as QueueItem;
      this.currentChunk = item.chunk;
      let result: boolean | Promise<boolean>;
      try {
        result = this.process(item.msg);
      } catch (e) {
        this.dispatcher.log.error({ err: e }, 'action processing failed');
        result = true;
      }
      if (typeof result !== 'boolean') {
        result.then(
          (keepOpen) => this.finish(item, keepOpen) && this.pump(),
          (e: unknown) => {
            this.dispatcher.log.error({ err: e }, 'action processing failed');
            if (this.finish(item, true)) this.pump();
          },
        );
        return;
      }
      if (!this.finish(item, result)) return;
    }
    this.busy = false;
    if (!this.closed) this.transport.resume();
  }

  /** After one action: held events out, the caller told, the session closed if asked. */
  private finish(item: QueueItem, keepOpen: boolean): boolean {
    this.flushHeld();
    item.done?.();
    if (!keepOpen) {
      this.busy = false;
      this.close();
      return false;
    }
    return true;
  }

  /** do_message(): false (or a promise of it) when the session must end. */
  private process(msg: AmiMessage): boolean | Promise<boolean> {
    return this.dispatcher.dispatch(msg, this);
  }

  /** Writes to the client (responses and event bytes share one ordered stream). */
  write(data: string | Buffer): void {
    if (this.closed) return;
    this.transport.write(data);
  }

  /** The event passes read permission, Events mask and filters (process_events). */
  wants(ev: AmiEvent): boolean {
    return (
      (this.readperm & ev.category) === ev.category &&
      (this.sendEvents & ev.category) === ev.category &&
      shouldSendEvent(this.includes, this.excludes, ev)
    );
  }

  /** Called by the manager for every published event. */
  deliver(ev: AmiEvent): void {
    if (!this.authenticated || this.closed) return;
    if (this.holdEvents && !this.waiter) {
      this.hold(ev);
      while (
        this.held.length > 0 &&
        (this.held.length > this.maxHeldEvents || this.heldSize > this.maxHeldBytes)
      ) {
        this.heldSize -= (this.held.shift() as AmiEvent).text.length;
        this.dispatcher.metrics?.eventDropped(this.transport.kind);
      }
      return;
    }
    if (this.busy || this.waiter) {
      // Held until the running action has answered (or WaitEvent returns); the check is done then.
      if (this.held.length >= MAX_HELD_EVENTS || this.heldSize >= MAX_HELD_BYTES) {
        this.dispatcher.log.warn({ user: this.username }, 'session too far behind on events, disconnecting');
        this.dispatcher.metrics?.slowConsumer(this.transport.kind);
        this.kicked = true;
        this.close();
        return;
      }
      this.hold(ev);
      if (this.waiter) this.waiter();
      return;
    }
    if (this.wants(ev)) this.transport.write(ev.buffer);
  }

  private hold(ev: AmiEvent): void {
    this.held.push(ev);
    this.heldSize += ev.text.length;
  }

  /** Takes every held event out. */
  private takeHeld(): AmiEvent[] {
    const held = this.held;
    this.held = [];
    this.heldSize = 0;
    return held;
  }

  /** Events and bytes of event text held for a WaitEvent or the running action (metrics, tests). */
  get heldEvents(): { count: number; bytes: number } {
    return { count: this.held.length, bytes: this.heldSize };
  }

  private flushHeld(): void {
    if (this.held.length === 0 || this.holdEvents) return;
    const held = this.takeHeld();
    for (const ev of held) if (this.wants(ev)) this.transport.write(ev.buffer);
  }

  /**
   * WaitEvent: resolves when an event is raised (any event, as Asterisk checks the queue before
   * filtering), input arrives, or the timeout in seconds passes (-1 = forever).
   * Returns the held events the session may see, in order; they are no longer pending.
   */
  waitForEvent(timeoutSec: number): Promise<AmiEvent[]> {
    return new Promise((resolve) => {
      let timer: { clear(): void } | null = null;
      const done = (): void => {
        if (timer) timer.clear();
        this.waiter = null;
        const held = this.takeHeld();
        resolve(held.filter((e) => this.wants(e)));
      };
      // Events already waiting, or input the client sent after this request (still unread in Asterisk).
      if (this.held.length > 0 || (!this.holdEvents && this.queue.some((q) => q.chunk > this.currentChunk))) {
        done();
        return;
      }
      this.waiter = done;
      if (timeoutSec >= 0) timer = setLongTimeout(done, timeoutSec * 1000);
    });
  }

  /** Ends a pending WaitEvent now (a new HTTP request for this session arrived). */
  wakeWaiter(): void {
    if (this.waiter) this.waiter();
  }

  /** Marks the session authenticated with a user's rights (authenticate()). */
  authenticate(user: {
    name: string;
    read: number;
    write: number;
    writetimeout: number;
    displayconnects: boolean;
    setvars: Array<[string, string]>;
  }): void {
    this.authenticated = true;
    this.username = user.name;
    this.readperm = user.read;
    this.writeperm = user.write;
    this.writetimeout = user.writetimeout;
    this.displayconnects = user.displayconnects;
    this.setvars = user.setvars.map(([k, v]) => [k, v]);
    this.sessionStartMs = Date.now();
    this.onAuthenticated();
    if (this.authTimer) {
      clearTimeout(this.authTimer);
      this.authTimer = null;
    }
  }

  /** Flushes pending output and closes. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.waiter) this.waiter();
    for (const q of this.queue) q.done?.();
    this.queue.length = 0;
    this.takeHeld();
    this.transport.end();
    for (const fn of this.onClose) fn();
  }

  /** The transport went away under us (peer closed, error, write timeout). */
  gone(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    if (this.waiter) this.waiter();
    for (const q of this.queue) q.done?.();
    this.queue.length = 0;
    this.takeHeld();
    for (const fn of this.onClose) fn();
  }
}

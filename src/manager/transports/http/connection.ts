/**
 * main/http.c's clock for one HTTP connection (httpd_helper_thread, ast_iostream timeouts):
 *
 * - waiting for a request to begin: session_keep_alive (for the first request of a connection
 *   session_keep_alive, or session_inactivity when keep-alive is off, and never less than 10 s);
 * - once a request has begun, every silence while reading its headers or body, and every stall
 *   while the client does not read the response, may last session_inactivity;
 * - while a request is being answered (a WaitEvent, a slow action), no clock runs: the wait is ours.
 *
 * Past the limit an idle connection is closed without a word; a request whose headers stopped gets
 * `400 Bad Request` (Timeout); a form body that stopped is answered by its reader (400, "Error
 * parsing request body"), then closed. Activity is what the socket read or the kernel took.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { closeWith } from './response.js';

/** MIN_INITIAL_REQUEST_TIMEOUT of http.c. */
export const MIN_INITIAL_REQUEST_TIMEOUT = 10_000;

export interface ConnectionClock {
  /** session_inactivity, ms. */
  inactivityMs: number;
  /** session_keep_alive, ms (0 or less: one request per connection). */
  keepAliveMs: number;
}

interface InFlight {
  req: IncomingMessage;
  res: ServerResponse;
  /** Set by a handler reading the body: called when the body stopped arriving. */
  onBodyTimeout?: () => void;
}

const bySocket = new WeakMap<Socket, HttpConnection>();

/** The connection a request arrived on (undefined once it became a WebSocket). */
export function connectionOf(req: IncomingMessage): HttpConnection | undefined {
  return bySocket.get(req.socket);
}

/** The connection of a socket Node handed over without a request (clientError). */
export function connectionOfSocket(s: Duplex): HttpConnection | undefined {
  return bySocket.get(s as Socket);
}

export class HttpConnection {
  private readonly inflight = new Set<InFlight>();
  private timer: NodeJS.Timeout | null = null;
  private lastActivity = Date.now();
  private lastRead = 0;
  private lastSent = 0;
  /** bytesRead when the connection last became idle: more means a request has begun. */
  private idleMark = 0;
  private first = true;
  private detached = false;

  constructor(
    private readonly socket: Socket,
    private readonly clock: () => ConnectionClock,
    /** Writes `400 Bad Request` (Timeout) for a request whose headers stopped. */
    private readonly headerTimeoutPage: () => string,
  ) {
    bySocket.set(socket, this);
    socket.once('close', () => this.detach());
    this.schedule();
  }

  /** A request's headers are in; its handler starts. */
  track(req: IncomingMessage, res: ServerResponse): InFlight {
    const f: InFlight = { req, res };
    this.inflight.add(f);
    this.first = false;
    const done = (): void => {
      if (!this.inflight.delete(f)) return;
      if (this.inflight.size === 0) this.idleMark = this.socket.bytesRead;
      this.lastActivity = Date.now();
    };
    res.once('finish', done);
    res.once('close', done);
    return f;
  }

  /** A handler reading `req`'s body asks to be told when the body stops arriving. */
  onBodyTimeout(req: IncomingMessage, cb: () => void): () => void {
    for (const f of this.inflight) if (f.req === req) f.onBodyTimeout = cb;
    return () => {
      for (const f of this.inflight) if (f.req === req && f.onBodyTimeout === cb) f.onBodyTimeout = undefined;
    };
  }

  /** The socket left HTTP (WebSocket upgrade) or closed. */
  detach(): void {
    this.detached = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (bySocket.get(this.socket) === this) bySocket.delete(this.socket);
  }

  private idleLimit(): number {
    const { inactivityMs, keepAliveMs } = this.clock();
    if (!this.first) return keepAliveMs > 0 ? keepAliveMs : inactivityMs;
    return Math.max(keepAliveMs > 0 ? keepAliveMs : inactivityMs, MIN_INITIAL_REQUEST_TIMEOUT);
  }

  /** Checks a few times per limit, so a close comes at most a quarter late (and at most 1 s). */
  private schedule(): void {
    if (this.detached) return;
    const limit = Math.min(this.idleLimit(), this.clock().inactivityMs);
    const step = Math.max(20, Math.min(1000, Math.floor(limit / 4)));
    this.timer = setTimeout(() => this.tick(), step);
    this.timer.unref();
  }

  /** True while a handler works on a complete request: the client waits for us, not we for it. */
  private answering(): boolean {
    for (const f of this.inflight) if (f.req.complete && !f.res.writableEnded) return true;
    return false;
  }

  private tick(): void {
    this.timer = null;
    if (this.detached || this.socket.destroyed) return;
    const now = Date.now();
    const read = this.socket.bytesRead;
    const sent = this.socket.bytesWritten - this.socket.writableLength;
    if (read !== this.lastRead || sent !== this.lastSent) {
      this.lastRead = read;
      this.lastSent = sent;
      this.lastActivity = now;
    }
    if (this.answering()) this.lastActivity = now;
    const idle = this.inflight.size === 0 && read === this.idleMark && this.socket.writableLength === 0;
    const limit = idle ? this.idleLimit() : this.clock().inactivityMs;
    if (now - this.lastActivity >= limit) this.expire(idle);
    else this.schedule();
  }

  private expire(idle: boolean): void {
    if (idle) {
      this.socket.destroy();
      return;
    }
    for (const f of this.inflight) {
      const cb = f.onBodyTimeout;
      if (cb && !f.res.writableEnded) {
        // The reader answers (400) and asks to close; the clock goes on in case that answer stalls too.
        f.onBodyTimeout = undefined;
        this.lastActivity = Date.now();
        cb();
        this.schedule();
        return;
      }
    }
    if (this.inflight.size === 0 && this.socket.writableLength === 0) {
      // Headers begun and stopped (ast_http_error(400, "Timeout") in http_request_headers_get).
      this.detach();
      closeWith(this.socket, this.headerTimeoutPage());
      return;
    }
    this.socket.destroy();
  }
}

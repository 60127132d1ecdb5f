/**
 * A TCP or TLS socket as a session transport. Writes made in one tick go out in one writev
 * (cork/uncork). A reader that stops reading is dropped when its buffered output makes no progress
 * for the session's writetimeout, as Asterisk's write timeout does, so it never slows the others.
 */
import type { Socket } from 'node:net';
import { AmiParser } from '../../protocol/parser.js';
import type { Manager } from '../manager.js';
import type { Session, Transport, TransportKind } from '../session.js';

/** Least total time without any progress before a stream session is dropped as not reading. */
const MIN_STALL_MS = 500;

/** Output a session may have queued before it is dropped at once, whatever its write timeout. */
const HARD_OUTPUT_LIMIT = 64 * 1024 * 1024;

export class StreamTransport implements Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  session: Session | null = null;
  private readonly socket: Socket;
  private corked = false;
  private stallTimer: NodeJS.Timeout | null = null;
  private lastPending = 0;
  /** Bytes handed to the socket since the last progress check. */
  private queuedSince = 0;
  private ended = false;

  constructor(socket: Socket, kind: TransportKind) {
    this.socket = socket;
    this.kind = kind;
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = normalizeAddress(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
  }

  write(data: string | Buffer): void {
    if (this.ended || this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.queuedSince += data.length;
    if (typeof data === 'string') this.socket.write(data, 'latin1');
    else this.socket.write(data);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
    this.checkBackpressure();
  };

  private checkBackpressure(): void {
    const pending = this.socket.writableLength;
    if (pending === 0 || this.socket.destroyed) return;
    if (pending > HARD_OUTPUT_LIMIT) {
      this.dropSlow('output buffer limit');
      return;
    }
    if (this.stallTimer === null) {
      this.lastPending = pending;
      this.queuedSince = 0;
      this.armStallTimer();
    }
  }

  /**
   * Judges the peer once per writetimeout: a window in which nothing at all drained counts against
   * it, as a write blocked for writetimeout in Asterisk; any progress clears the count. The session
   * is dropped once such windows add up to MIN_STALL_MS, so that a burst of our own work (or a peer
   * on the same loaded machine briefly starved of CPU) is not taken for a reader that stopped. A
   * window in which our event loop was too busy to write (the timer fired late) is not judged.
   */
  private armStallTimer(): void {
    const ms = this.session?.writetimeout ?? 100;
    const armedAt = Date.now();
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      const pending = this.socket.writableLength;
      if (pending === 0 || this.socket.destroyed) {
        this.stalledMs = 0;
        return;
      }
      const drained = this.lastPending + this.queuedSince - pending;
      if (drained > 0) this.stalledMs = 0;
      else if (Date.now() - armedAt <= ms * 1.5) {
        this.stalledMs += ms;
        if (this.stalledMs >= Math.max(ms, MIN_STALL_MS)) {
          this.dropSlow('write timeout');
          return;
        }
      }
      this.lastPending = pending;
      this.queuedSince = 0;
      this.armStallTimer();
    }, ms);
  }

  /** Time the output has made no progress, in whole judged windows. */
  private stalledMs = 0;

  private dropSlow(reason: string): void {
    const s = this.session;
    s?.dispatcher.log.warn(
      { user: s.username, remote: this.remoteAddress, reason },
      `Manager session of '${s.username || this.remoteAddress}' not reading: disconnected`,
    );
    if (s) s.kicked = true;
    s?.dispatcher.metrics?.slowConsumer(this.kind);
    this.socket.destroy();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    if (this.corked) {
      this.corked = false;
      this.socket.uncork();
    }
    this.socket.end();
    // A peer that never reads must not keep the socket alive forever.
    setTimeout(() => this.socket.destroy(), 5000).unref();
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    if (!this.ended) this.socket.resume();
  }

  clearTimers(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }
}

/** `::ffff:127.0.0.1` -> `127.0.0.1`, as Asterisk prints IPv4 peers. */
export function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** Binds a connected socket to a new manager session. */
export function attachSocket(manager: Manager, socket: Socket, kind: TransportKind): void {
  socket.setNoDelay(true);
  const transport = new StreamTransport(socket, kind);
  const session = manager.openSession(transport);
  socket.on('error', () => {
    /* reported by 'close'; a reset peer is not an error of ours */
  });
  if (!session) {
    socket.destroy();
    return;
  }
  transport.session = session;
  const parser = AmiParser.forServer((msg) => session.enqueue(msg));
  socket.on('data', (chunk: Buffer) => {
    session.inputArrived();
    try {
      parser.feed(chunk);
    } catch (e) {
      // The parser is total over bytes; this is a defect, not bad input: keep the server alive.
      manager.log.error({ err: e }, 'parser failure');
      socket.destroy();
    }
  });
  socket.on('close', () => {
    transport.clearTimers();
    session.gone();
  });
}

/**
 * A TCP or TLS socket as a session transport. Writes made in one tick go out in one writev
 * (cork/uncork). Output obeys the OutputGuard rule: a reader that stops reading is dropped when its
 * buffered output makes no progress for the session's writetimeout, as Asterisk's write timeout
 * does, so it never slows the others, and its input is not read while its output is backed up.
 */
import type { Socket } from 'node:net';
import { AmiParser } from '../../protocol/parser.js';
import type { Manager } from '../manager.js';
import type { Session, Transport, TransportKind } from '../session.js';
import { InputPause, type OutputGuard, sessionOutputGuard } from './output-guard.js';

export class StreamTransport implements Transport {
  readonly kind: TransportKind;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  session: Session | null = null;
  private readonly socket: Socket;
  private readonly guard: OutputGuard;
  private corked = false;
  private ended = false;
  /** Input is paused by the session (actions queued) or by the guard (output backed up). */
  private readonly input: InputPause;

  constructor(socket: Socket, kind: TransportKind) {
    this.socket = socket;
    this.kind = kind;
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '');
    this.remotePort = socket.remotePort ?? 0;
    this.localAddress = normalizeAddress(socket.localAddress ?? '');
    this.localPort = socket.localPort ?? 0;
    this.input = new InputPause(socket, () => this.ended);
    this.guard = sessionOutputGuard({
      socket: socket,
      pending: () => socket.writableLength,
      owner: this,
      input: this.input,
      drop: (reason) => this.dropSlow(reason),
    });
  }

  write(data: string | Buffer): void {
    if (this.ended || this.socket.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.guard.wrote(data.length);
    if (typeof data === 'string') this.socket.write(data, 'latin1');
    else this.socket.write(data);
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
    this.guard.check();
  };

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
    this.input.session(true);
  }

  resume(): void {
    this.input.session(false);
  }

  clearTimers(): void {
    this.guard.stop();
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

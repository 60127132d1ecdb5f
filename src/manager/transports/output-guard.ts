/**
 * The one rule for output on every socket a session owns (TCP, TLS, WebSocket), whatever the
 * session's state, error replies included:
 *
 * - a peer whose output makes no progress for its writetimeout (at least MIN_STALL_MS in all) is
 *   dropped, as Asterisk drops a session whose write blocked for writetimeout;
 * - while more than the high-water mark waits for the peer, its input is not read, as Asterisk's
 *   session thread reads nothing while it is blocked writing: a client that sends without reading
 *   cannot make us queue replies to it;
 * - past a hard cap (small before authentication, where nothing legitimate is large) the session
 *   is dropped at once.
 */
import type { Socket } from 'node:net';

/** Least total time without any progress before a session is dropped as not reading. */
export const MIN_STALL_MS = 500;
/** Queued output that drops an authenticated session at once, whatever its write timeout. */
export const HARD_OUTPUT_LIMIT = 64 * 1024 * 1024;
/** The same before authentication: replies to Login and errors are a few hundred bytes. */
export const UNAUTH_OUTPUT_LIMIT = 1024 * 1024;
/** Queued output above which input is no longer read (authenticated, unauthenticated). */
export const INPUT_HIGH_WATER = 1024 * 1024;
export const UNAUTH_INPUT_HIGH_WATER = 64 * 1024;

export interface GuardedOutput {
  /** The socket under the transport: its 'drain' resumes reading. */
  readonly socket: Socket;
  /** Bytes queued in user space and not yet taken by the kernel. */
  pending(): number;
  /** The peer's writetimeout in ms, and whether it has logged in. */
  writetimeout(): number;
  authenticated(): boolean;
  /** Stops / resumes reading input because of queued output. */
  holdInput(held: boolean): void;
  /** Drops the peer as not reading. */
  drop(reason: string): void;
}

export class OutputGuard {
  private stallTimer: NodeJS.Timeout | null = null;
  private lastPending = 0;
  /** Bytes handed to the socket since the last progress check. */
  private queuedSince = 0;
  /** Time the output has made no progress, in whole judged windows. */
  private stalledMs = 0;
  private held = false;
  private stopped = false;

  constructor(private readonly out: GuardedOutput) {
    out.socket.on('drain', this.onDrain);
  }

  /** `bytes` were handed to the socket. */
  wrote(bytes: number): void {
    this.queuedSince += bytes;
  }

  /** After a burst of writes has been flushed: cap, high water, and the stall clock. */
  check(): void {
    if (this.stopped) return;
    const pending = this.out.pending();
    if (pending === 0 || this.out.socket.destroyed) return;
    const auth = this.out.authenticated();
    if (pending > (auth ? HARD_OUTPUT_LIMIT : UNAUTH_OUTPUT_LIMIT)) {
      this.stop();
      this.out.drop('output buffer limit');
      return;
    }
    if (!this.held && pending > (auth ? INPUT_HIGH_WATER : UNAUTH_INPUT_HIGH_WATER)) {
      this.held = true;
      this.out.holdInput(true);
    }
    if (this.stallTimer === null) {
      this.lastPending = pending;
      this.queuedSince = 0;
      this.armStallTimer();
    }
  }

  private readonly onDrain = (): void => {
    if (!this.held || this.stopped) return;
    this.held = false;
    this.out.holdInput(false);
  };

  /**
   * Judges the peer once per writetimeout: a window in which nothing at all drained counts against
   * it, as a write blocked for writetimeout in Asterisk; any progress clears the count. The session
   * is dropped once such windows add up to MIN_STALL_MS, so that a burst of our own work (or a peer
   * on the same loaded machine briefly starved of CPU) is not taken for a reader that stopped. A
   * window in which our event loop was too busy to write (the timer fired late) is not judged.
   */
  private armStallTimer(): void {
    const ms = this.out.writetimeout();
    const armedAt = Date.now();
    this.stallTimer = setTimeout(() => {
      this.stallTimer = null;
      if (this.stopped) return;
      const pending = this.out.pending();
      if (pending === 0 || this.out.socket.destroyed) {
        this.stalledMs = 0;
        return;
      }
      const drained = this.lastPending + this.queuedSince - pending;
      if (drained > 0) this.stalledMs = 0;
      else if (Date.now() - armedAt <= ms * 1.5) {
        this.stalledMs += ms;
        if (this.stalledMs >= Math.max(ms, MIN_STALL_MS)) {
          this.stop();
          this.out.drop('write timeout');
          return;
        }
      }
      this.lastPending = pending;
      this.queuedSince = 0;
      this.armStallTimer();
    }, ms);
    this.stallTimer.unref();
  }

  /** No more judging (the transport closed). */
  stop(): void {
    this.stopped = true;
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
    this.out.socket.off('drain', this.onDrain);
  }
}

/**
 * A session's input, paused for either of two reasons: the session has requests queued ahead, or
 * the guard holds it because output is backed up. Reading resumes when neither holds.
 */
export class InputPause {
  private bySession = false;
  private byOutput = false;

  constructor(
    private readonly input: { pause(): void; resume(): void },
    private readonly ended: () => boolean,
  ) {}

  /** The session paused (true) or resumed (false) reading. */
  session(held: boolean): void {
    this.bySession = held;
    this.apply();
  }

  /** The guard holds (true) or releases (false) input because of queued output. */
  output(held: boolean): void {
    this.byOutput = held;
    this.apply();
  }

  private apply(): void {
    if (this.bySession || this.byOutput) this.input.pause();
    else if (!this.ended()) this.input.resume();
  }
}

/**
 * The guard of a transport a session owns: the session's writetimeout and login state (a transport
 * with no session yet counts as unauthenticated, writetimeout 100 ms), input held through `input`.
 */
export function sessionOutputGuard(o: {
  socket: Socket;
  pending: () => number;
  owner: { readonly session: { readonly writetimeout: number; readonly authenticated: boolean } | null };
  input: InputPause;
  drop: (reason: string) => void;
}): OutputGuard {
  return new OutputGuard({
    socket: o.socket,
    pending: o.pending,
    writetimeout: () => o.owner.session?.writetimeout ?? 100,
    authenticated: () => o.owner.session?.authenticated ?? false,
    holdInput: (held) => o.input.output(held),
    drop: o.drop,
  });
}

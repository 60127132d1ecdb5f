/**
 * SIP over UDP: one bound socket, datagrams parsed into messages (malformed ones dropped and
 * counted, their log lines rate-limited), messages sent, and the address we write into Via and
 * Contact for a destination. Knows nothing of transactions, of AMI nor of any channel driver.
 */
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../logger.js';
import { type SipMessage, SipParseError, parseMessage } from './message.js';

export interface Addr {
  host: string;
  port: number;
}

/** `host:port`, `[v6]:port`. */
export function fmtAddr(a: Addr): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

export function isNumericHost(h: string): boolean {
  return isIP(h) !== 0;
}

const DROP_LOG_WINDOW = 10_000;
const DROP_LOG_BURST = 20;

/** Counters for tests and introspection. */
export interface TransportStats {
  received: number;
  dropped: number;
  sent: number;
  handlerErrors: number;
}

export class UdpTransport {
  private socket: dgram.Socket | null = null;
  private local: Addr = { host: '127.0.0.1', port: 0 };
  private closed = false;
  private dropWindow = { start: 0, count: 0, suppressed: 0 };
  readonly stats: TransportStats = { received: 0, dropped: 0, sent: 0, handlerErrors: 0 };

  constructor(
    private readonly log: Logger,
    /** Every well-formed message; an exception it throws is logged and counted, never escapes. */
    private readonly onMessage: (msg: SipMessage, src: Addr) => void,
  ) {}

  /**
   * Binds; on failure runs on without a socket (as chan_sip does) and logs it, unless `quiet` (the
   * caller reports the returned error and stops instead).
   */
  async bind(
    host: string,
    port: number,
    opts: { quiet?: boolean } = {},
  ): Promise<{ ok: true } | { ok: false; error: Error }> {
    const sock = dgram.createSocket({ type: host.includes(':') ? 'udp6' : 'udp4', reuseAddr: false });
    sock.on('message', (data, rinfo) => this.onDatagram(data, { host: rinfo.address, port: rinfo.port }));
    let bound = false;
    let failure = new Error('bind failed');
    const ok = await new Promise<boolean>((resolve) => {
      sock.once('error', (e) => {
        if (bound) return;
        failure = e;
        if (!opts.quiet)
          this.log.error(
            `SIP: failed to bind to ${fmtAddr({ host, port })}: ${e.message}; SIP over UDP is off`,
          );
        resolve(false);
      });
      sock.bind(port, host, () => {
        bound = true;
        resolve(true);
      });
    });
    if (ok) {
      sock.on('error', (err) => this.log.warn(`SIP socket error: ${err.message}`));
      this.socket = sock;
      const a = sock.address();
      this.local = { host: a.address, port: a.port };
      this.log.info(`SIP listening on UDP ${fmtAddr(this.local)}`);
    } else {
      sock.close();
      this.local = { host, port: 0 };
    }
    return ok ? { ok: true } : { ok: false, error: failure };
  }

  address(): Addr {
    return { ...this.local };
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.socket;
    this.socket = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  /** The host we are reached at from `dest` (the bound one, or a guess when bound to any). */
  ourHostFor(dest: Addr): string {
    const h = this.local.host;
    if (h !== '0.0.0.0' && h !== '::') return h;
    if (dest.host.startsWith('127.') || dest.host === '::1') return '127.0.0.1';
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
    }
    return '127.0.0.1';
  }

  ourHostPort(dest: Addr): string {
    return fmtAddr({ host: this.ourHostFor(dest), port: this.local.port });
  }

  send(data: Buffer, dest: Addr, onError?: () => void): void {
    const s = this.socket;
    if (!s || this.closed) return;
    this.stats.sent++;
    try {
      s.send(data, dest.port, dest.host, (err) => {
        if (err) {
          this.log.warn(`SIP send to ${fmtAddr(dest)} failed: ${err.message}`);
          onError?.();
        }
      });
    } catch (e) {
      this.log.warn(`SIP send to ${fmtAddr(dest)} failed: ${(e as Error).message}`);
      queueMicrotask(() => onError?.());
    }
  }

  /** Feeds one datagram as if it had arrived (the socket's handler; also used by tests). */
  onDatagram(data: Buffer, src: Addr): void {
    this.stats.received++;
    if (this.closed) return;
    // Keep-alives (CRLF, CRLFCRLF) are answered by nothing and logged by nobody.
    if (data.length <= 4 && /^[\r\n]*$/.test(data.toString('latin1'))) return;
    let msg: SipMessage;
    try {
      msg = parseMessage(data);
    } catch (e) {
      this.stats.dropped++;
      const why = e instanceof SipParseError ? e.message : String(e);
      this.logDrop(`SIP: dropped a malformed datagram (${data.length} bytes) from ${fmtAddr(src)}: ${why}`);
      return;
    }
    try {
      this.onMessage(msg, src);
    } catch (e) {
      this.stats.handlerErrors++;
      this.log.error(`SIP: failed to handle a message from ${fmtAddr(src)}: ${(e as Error).message}`);
    }
  }

  /** Drop notices, at most DROP_LOG_BURST per DROP_LOG_WINDOW ms (a flood must not flood the log). */
  private logDrop(line: string): void {
    const now = Date.now();
    if (now - this.dropWindow.start >= DROP_LOG_WINDOW) {
      if (this.dropWindow.suppressed)
        this.log.warn(`SIP: ${this.dropWindow.suppressed} more malformed datagrams dropped`);
      this.dropWindow = { start: now, count: 0, suppressed: 0 };
    }
    if (this.dropWindow.count++ < DROP_LOG_BURST) this.log.warn(line);
    else this.dropWindow.suppressed++;
  }
}

/**
 * AMI over WebSocket (`/ws`), one manager session per socket, two subprotocols:
 *
 * - `ami`: AMI text. The server sends the banner (`Asterisk Call Manager/9.0.0\r\n`) as the first
 *   message, then one WebSocket message per AMI message (response, list item or event, each ending
 *   with its blank line). The client sends AMI text framed as on TCP; a WebSocket message that does
 *   not end with a blank line is ended by one, so each message may be one bare action.
 * - `ami-json`: one JSON object per message both ways. Headers keep their order; a repeated header
 *   becomes an array of its values in order. The first message is `{"Banner": "Asterisk Call
 *   Manager/9.0.0"}`. The client sends objects such as `{"Action": "Ping", "ActionID": "1"}`; an
 *   array value is a repeated header (`"Variable": ["a=1", "b=2"]`).
 *
 * Login, permissions, filters, authlimit and authtimeout are the TCP ones (same Session). Every
 * frame we send (responses, events, banner, error replies, pongs) obeys the TCP output rule
 * (OutputGuard): a client whose output makes no progress for its writetimeout is closed with 1008
 * and dropped, its frames are not read while its output is backed up, and past the hard cap it is
 * dropped at once; the others never wait for it. A frame larger than WS_MAX_PAYLOAD closes the
 * socket with 1009.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import type { Manager } from '../../manager.js';
import type { Session, Transport } from '../../session.js';
import { AmiParser, ASTERISK_MAX_HEADERS } from '../../../protocol/parser.js';
import { normalizeAddress } from '../stream.js';
import { InputPause, type OutputGuard, sessionOutputGuard } from '../output-guard.js';
import { messageFromParams, type Param } from './params.js';

export const WS_SUBPROTOCOLS = ['ami', 'ami-json'] as const;
export type WsSubprotocol = (typeof WS_SUBPROTOCOLS)[number];

/** Picks the subprotocol: ami-json or ami when offered (client order), ami when none is offered. */
export function chooseSubprotocol(offered: Set<string>): WsSubprotocol | false {
  if (offered.size === 0) return 'ami';
  for (const p of offered) if ((WS_SUBPROTOCOLS as readonly string[]).includes(p)) return p as WsSubprotocol;
  return false;
}

/**
 * The largest frame read: the largest AMI message the TCP parser keeps (128 lines of 1024 bytes),
 * with room for the JSON quoting of ami-json.
 */
export const WS_MAX_PAYLOAD = 192 * 1024;

const latin1ToUtf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');
const utf8ToLatin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** One AMI message (wire text, latin1) as the JSON object of the ami-json subprotocol. */
export function amiToJson(text: string): Record<string, string | string[]> {
  const o = Object.create(null) as Record<string, string | string[]>;
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const c = line.indexOf(':');
    if (c < 0) continue;
    const name = latin1ToUtf8(line.slice(0, c));
    const value = latin1ToUtf8(line.charCodeAt(c + 1) === 32 ? line.slice(c + 2) : line.slice(c + 1));
    const cur = o[name];
    if (cur === undefined) o[name] = value;
    else if (Array.isArray(cur)) cur.push(value);
    else o[name] = [cur, value];
  }
  return o;
}

/** A client JSON object as header pairs (byte strings), or an error text. */
export function jsonToParams(data: string): Param[] | string {
  let v: unknown;
  // A flood of junk frames must not cost a stack trace each.
  const traces = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    v = JSON.parse(data);
  } catch {
    return 'Failed to parse message: invalid JSON';
  } finally {
    Error.stackTraceLimit = traces;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    return 'Failed to parse message: not a JSON object';
  const out: Param[] = [];
  const scalar = (x: unknown): string | undefined =>
    typeof x === 'string'
      ? x
      : typeof x === 'number' || typeof x === 'boolean'
        ? String(x)
        : x === null
          ? ''
          : undefined;
  for (const [name, val] of Object.entries(v as Record<string, unknown>)) {
    const vals = Array.isArray(val) ? val : [val];
    for (const x of vals) {
      const s = scalar(x);
      if (s === undefined) return `Failed to parse message: header '${name}' is not a string`;
      out.push([utf8ToLatin1(name), utf8ToLatin1(s)]);
      // One past the most a message holds is enough to refuse it (messageFromParams).
      if (out.length > ASTERISK_MAX_HEADERS) return out;
    }
  }
  return out;
}

export class WsTransport implements Transport {
  readonly kind = 'WS' as const;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  session: Session | null = null;
  private pending = '';
  private closed = false;
  /** The TCP socket under the WebSocket: corked for a tick so a burst of frames leaves in one write. */
  private readonly socket: Socket;
  private readonly guard: OutputGuard;
  private corked = false;
  /** Input is paused by the session (actions queued) or by the guard (output backed up). */
  private readonly input: InputPause;

  constructor(
    private readonly ws: WebSocket,
    req: IncomingMessage,
    readonly protocol: WsSubprotocol,
  ) {
    const sock = req.socket;
    this.socket = sock;
    this.remoteAddress = normalizeAddress(sock.remoteAddress ?? '');
    this.remotePort = sock.remotePort ?? 0;
    this.localAddress = normalizeAddress(sock.localAddress ?? '');
    this.localPort = sock.localPort ?? 0;
    this.input = new InputPause(ws, () => this.closed);
    this.guard = sessionOutputGuard({
      socket: sock,
      pending: () => ws.bufferedAmount,
      owner: this,
      input: this.input,
      drop: (reason) => this.dropSlow(reason),
    });
  }

  /** Sends the banner in this subprotocol's form. */
  banner(text: string): void {
    if (this.protocol === 'ami') this.sendText(text + '\r\n');
    else this.sendFrame(JSON.stringify({ Banner: text }));
  }

  /** An ami-json message the session did not produce (an unparsable frame's error). */
  sendJson(o: Record<string, string>): void {
    this.sendFrame(JSON.stringify(o));
  }

  /** Answers a ping through the same guard as everything else (ws' autoPong would bypass it). */
  pong(data: Buffer): void {
    if (this.closed) return;
    this.cork();
    this.guard.wrote(data.length + 2);
    this.ws.pong(data);
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    if (
      this.protocol === 'ami' &&
      this.pending === '' &&
      typeof data !== 'string' &&
      endsWithBlankLine(data)
    ) {
      // An event's shared bytes: one complete message, sent as they are.
      this.sendFrame(data);
    } else {
      this.pending += typeof data === 'string' ? data : data.toString('latin1');
      let i: number;
      while ((i = this.pending.indexOf('\r\n\r\n')) >= 0) {
        const msg = this.pending.slice(0, i + 4);
        this.pending = this.pending.slice(i + 4);
        if (this.protocol === 'ami') this.sendText(msg);
        else this.sendFrame(JSON.stringify(amiToJson(msg)));
      }
    }
  }

  private cork(): void {
    if (!this.corked && !this.socket.destroyed) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.socket.uncork();
    this.guard.check();
  };

  private sendText(text: string): void {
    this.sendFrame(Buffer.from(text, 'latin1'));
  }

  /** Every data frame leaves here: counted by the guard, judged once the tick's burst is flushed. */
  private sendFrame(data: string | Buffer): void {
    if (this.closed) return;
    this.cork();
    this.guard.wrote(typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    this.ws.send(data, { binary: false });
  }

  private dropSlow(reason: string): void {
    const s = this.session;
    s?.dispatcher.log.warn(
      { user: s.username, remote: this.remoteAddress, buffered: this.ws.bufferedAmount, reason },
      `Manager WebSocket session of '${s.username || this.remoteAddress}' not reading: disconnected`,
    );
    s?.dispatcher.metrics?.slowConsumer('WS');
    if (s) s.kicked = true;
    this.closed = true;
    s?.gone();
    this.ws.close(1008, 'slow consumer');
    // The close frame waits behind what the peer does not read: do not wait for its answer.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  /**
   * The session ended (Logoff, failed Login, authtimeout, shutdown): close once the output is out.
   * Ended before any session was attached, the manager refused it (authlimit): 1013, try again later.
   */
  end(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.session === null) this.ws.close(1013, 'too many unauthenticated sessions');
    else this.ws.close(1000, 'Goodbye');
    setTimeout(() => this.ws.terminate(), this.session === null ? 1000 : 5000).unref();
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

function endsWithBlankLine(b: Buffer): boolean {
  const n = b.length;
  return n >= 4 && b[n - 1] === 10 && b[n - 2] === 13 && b[n - 3] === 10 && b[n - 4] === 13;
}

/** Binds an accepted WebSocket to a new manager session. */
export function attachWebSocket(manager: Manager, ws: WebSocket, req: IncomingMessage): void {
  const protocol = (ws.protocol || 'ami') as WsSubprotocol;
  const transport = new WsTransport(ws, req, protocol);
  ws.on('error', () => {
    /* reported by 'close' */
  });
  const session = manager.openSession(transport, { banner: false });
  if (!session) {
    // authlimit: Asterisk closes such a TCP connection before the banner; end() said 1013.
    transport.clearTimers();
    return;
  }
  transport.session = session;
  transport.banner('Asterisk Call Manager/' + manager.amiVersion);
  const parser = AmiParser.forServer((msg) => session.enqueue(msg));
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    // New input ends a WaitEvent, as on TCP.
    session.inputArrived();
    if (protocol === 'ami') {
      if (buf.length === 0) return;
      parser.feed(buf);
      if (!isBinary && !/\n\r?\n$/.test(buf.subarray(Math.max(0, buf.length - 4)).toString('latin1'))) {
        // One WebSocket message is one (or more) whole AMI messages: end the last one.
        parser.feed(Buffer.from(buf.length && buf[buf.length - 1] === 10 ? '\r\n' : '\r\n\r\n'));
      }
      return;
    }
    const params = jsonToParams(buf.toString('utf8'));
    if (typeof params === 'string') {
      transport.sendJson({ Response: 'Error', Message: params });
      return;
    }
    session.enqueue(messageFromParams(params));
  });
  ws.on('ping', (data: Buffer) => transport.pong(data));
  ws.on('close', () => {
    transport.clearTimers();
    session.gone();
  });
}

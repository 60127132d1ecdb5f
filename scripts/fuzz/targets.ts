/**
 * The fuzz targets: one function per surface, each feeding one mutated input and reporting whether the
 * server still answered afterwards. `parser` runs in-process (the AMI server and client parsers, the SIP
 * message parser and the AJAM form decoder); the others go through real sockets to a running amikit.
 * Used by scripts/fuzz/main.ts (millions of inputs) and by the suite's short fast-check runs.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { AmiParser } from '../../src/protocol/parser.js';
import { parseMessage } from '../../src/sip/message.js';
import { parseUrlEncoded, splitTarget } from '../../src/manager/transports/http/params.js';
import { Rng, chunkSizes, defangAmi, loadCorpus, mutatedInput } from './corpus.js';

export type TargetName = 'parser' | 'session' | 'rawman' | 'ws' | 'sip';
export const TARGETS: readonly TargetName[] = ['parser', 'session', 'rawman', 'ws', 'sip'];

/** What the socket targets saw that is not a failure (sessions ended or held by design). */
export const stats = { sessionsHeld: 0, sessionsEnded: 0, httpHeld: 0, wsClosed: 0 };

/** An input that left the server unresponsive (no answer to the liveness probe in time). */
export class HangError extends Error {}

const PROBE_TIMEOUT_MS = 15_000;
/** How long a session's own Ping may wait behind the fuzz input before a fresh session is asked. */
const SESSION_PATIENCE_MS = 5_000;

// ---- in-process parsers -----------------------------------------------------------------------

const sink = (): void => undefined;
const serverParser = AmiParser.forServer(sink);
const clientParser = new AmiParser(sink, { encoding: 'utf8', banner: true });

/** One input through every in-process parser, in the given chunks. Throws only on a parser bug. */
export function fuzzParsers(input: Buffer, sizes: readonly number[], kind: number): void {
  switch (kind % 4) {
    case 0:
    case 1: {
      const p = kind % 4 === 0 ? serverParser : clientParser;
      let pos = 0;
      for (const n of sizes) {
        if (pos >= input.length) break;
        p.feed(input.subarray(pos, pos + n));
        pos += n;
      }
      if (pos < input.length) p.feed(input.subarray(pos));
      // A blank line so the next input starts a fresh message.
      p.feed(Buffer.from('\r\n\r\n'));
      if (p.bufferedBytes > 1024 * 1024 + 4) throw new Error(`parser holds ${p.bufferedBytes} bytes`);
      break;
    }
    case 2:
      try {
        parseMessage(input);
      } catch (e) {
        if ((e as Error).name !== 'SipParseError') throw e;
      }
      break;
    default: {
      const s = input.toString('latin1');
      parseUrlEncoded(s);
      splitTarget('/rawman?' + s);
    }
  }
}

// ---- a tiny line reader over a socket --------------------------------------------------------

/** Collects what a socket receives (latin1) and resolves waits on a substring or on close. */
class Reader {
  text = '';
  closed = false;
  private waiters: Array<() => void> = [];
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.text += d.toString('latin1');
      // Only the tail matters for the next wait; keep memory flat on chatty sessions.
      if (this.text.length > 65536) this.text = this.text.slice(-8192);
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => undefined);
  }
  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  /** Resolves true when `needle` arrived, false when the socket closed first; HangError on timeout. */
  async waitFor(needle: string, ms = PROBE_TIMEOUT_MS): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = this.text.indexOf(needle);
      if (i >= 0) {
        this.text = this.text.slice(i + needle.length);
        return true;
      }
      if (this.closed) return false;
      const left = deadline - Date.now();
      if (left <= 0) throw new HangError(`no ${JSON.stringify(needle)} within ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

async function writeChunked(sock: net.Socket, data: Buffer, sizes: readonly number[]): Promise<void> {
  let pos = 0;
  for (const n of sizes) {
    if (pos >= data.length) break;
    sock.write(data.subarray(pos, pos + n));
    pos += n;
    await new Promise((r) => setImmediate(r));
  }
  if (pos < data.length) sock.write(data.subarray(pos));
}

let probeSeq = 0;
const probeId = (): string => `fz${++probeSeq}x${randomBytes(4).toString('hex')}`;

// ---- live AMI sessions over TCP --------------------------------------------------------------

export interface Credentials {
  username: string;
  secret: string;
}

/** A persistent AMI connection that survives inputs which end the session (it reconnects). */
export class AmiSessionTarget {
  private r: Reader | undefined;
  /** Sessions the server ended on an input (a failed login, too much queued output). */
  constructor(
    private readonly port: number,
    private readonly creds: Credentials | undefined,
  ) {}

  private async open(): Promise<Reader> {
    const r = new Reader(await connect(this.port));
    if (!(await r.waitFor('\r\n'))) throw new HangError('no banner');
    if (this.creds) {
      const id = probeId();
      r.sock.write(
        `Action: Login\r\nUsername: ${this.creds.username}\r\nSecret: ${this.creds.secret}\r\nEvents: off\r\nActionID: ${id}\r\n\r\n`,
      );
      if (!(await r.waitFor(`ActionID: ${id}`))) throw new HangError('login refused');
    }
    return r;
  }

  async run(input: Buffer, sizes: readonly number[]): Promise<void> {
    if (!this.r || this.r.closed) {
      if (this.r) stats.sessionsEnded++;
      this.r = await this.open();
    }
    const r = this.r;
    await writeChunked(r.sock, defangAmi(input, !this.creds), sizes);
    const id = probeId();
    r.sock.write(`\r\n\r\nAction: Ping\r\nActionID: ${id}\r\n\r\n`);
    try {
      await r.waitFor(`ActionID: ${id}`, SESSION_PATIENCE_MS);
    } catch (e) {
      if (!(e instanceof HangError)) throw e;
      // Some actions hold their session by design (a synchronous Originate rings for its Timeout):
      // that is a hang only if the server does not serve a fresh session either.
      r.sock.destroy();
      this.r = undefined;
      stats.sessionsHeld++;
      await pingFresh(this.port);
    }
  }

  close(): void {
    this.r?.sock.destroy();
  }
}

/** The server answers Ping on a new, unauthenticated session (Permission denied is an answer). */
export async function pingFresh(port: number): Promise<void> {
  const r = new Reader(await connect(port));
  try {
    if (!(await r.waitFor('\r\n'))) throw new HangError('no banner on a fresh session');
    const id = probeId();
    r.sock.write(`Action: Ping\r\nActionID: ${id}\r\n\r\n`);
    if (!(await r.waitFor(`ActionID: ${id}`))) throw new HangError('fresh session closed');
  } finally {
    r.sock.destroy();
  }
}

// ---- /rawman (and the other AJAM paths) over raw HTTP ----------------------------------------

/** One mutated HTTP request on a fresh connection; resolves when the server has closed it. */
export async function fuzzHttpRequest(
  port: number,
  input: Buffer,
  sizes: readonly number[],
  patienceMs = SESSION_PATIENCE_MS,
): Promise<void> {
  const r = new Reader(await connect(port));
  // Asterisk-style AJAM keeps the connection alive; a half-close tells the server nothing more comes.
  await writeChunked(r.sock, input, sizes);
  r.sock.end();
  try {
    await r.waitFor('\u0000never\u0000', patienceMs);
  } catch (e) {
    if (!(e instanceof HangError) || patienceMs >= PROBE_TIMEOUT_MS) throw e;
    // A synchronous Originate holds its request by design; the server must still serve others.
    stats.httpHeld++;
    await fuzzHttpRequest(
      port,
      Buffer.from('GET /rawman?action=ping HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
      [],
    );
  } finally {
    r.sock.destroy();
  }
}

/** Turns AMI seeds into AJAM requests (GET query or POST form), with an optional session cookie. */
export function httpFromAmi(rng: Rng, ami: Buffer, cookie: string | undefined): Buffer {
  const pairs: string[] = [];
  for (const line of ami.toString('latin1').split(/\r?\n/)) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m)
      pairs.push(`${encodeURIComponent(m[1])}=${encodeURIComponent(m[2].replace(/logoff/gi, 'logof_'))}`);
  }
  const q = pairs.join('&');
  const path = rng.pick(['/rawman', '/rawman', '/manager', '/mxml', '/arawman', '/amanager', '/amxml']);
  const ck = cookie ? `Cookie: mansession_id="${cookie}"\r\n` : '';
  if (rng.chance(0.5))
    return Buffer.from(`GET ${path}?${q} HTTP/1.1\r\nHost: 127.0.0.1\r\n${ck}\r\n`, 'latin1');
  return Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${ck}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${q.length}\r\n\r\n${q}`,
    'latin1',
  );
}

/** Logs in over /rawman and returns the session cookie. */
export async function rawmanLogin(port: number, creds: Credentials): Promise<string> {
  const r = new Reader(await connect(port));
  r.sock.write(
    `GET /rawman?action=login&username=${creds.username}&secret=${creds.secret} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
  );
  await r.waitFor('\u0000never\u0000');
  const m = /mansession_id="([0-9a-f]+)"/.exec(r.text);
  if (!m) throw new Error('rawman login failed');
  return m[1];
}

// ---- WebSocket frames --------------------------------------------------------------------------

/** A client frame (masked, as RFC 6455 requires of clients). */
export function wsFrame(opcode: number, payload: Buffer, fin = true, mask = randomBytes(4)): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len < 126) head[1] = 0x80 | len;
  else if (len < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) body[i] = payload[i] ^ mask[i & 3];
  return Buffer.concat([head, mask, body]);
}

/** AMI text as the ami-json subprotocol's object. */
function amiToJson(ami: Buffer): string {
  const o: Record<string, string> = {};
  for (const line of ami.toString('latin1').split(/\r?\n/)) {
    const m = /^([^:]+):\s*(.*)$/.exec(line);
    if (m) o[m[1]] = m[2];
  }
  return JSON.stringify(o);
}

/** Frames built from a seed, then mutated at the byte level (header bits, lengths, masks, payload). */
export function wsInput(rng: Rng, seeds: readonly Buffer[], json: boolean): Buffer {
  const seed = defangAmi(mutatedInput(rng, seeds, 16384), false);
  const payload = json && rng.chance(0.7) ? Buffer.from(amiToJson(seed), 'latin1') : seed;
  const frames: Buffer[] = [];
  const op = rng.pick([1, 1, 1, 2, 0, 8, 9, 10, 3, 15]);
  if (rng.chance(0.2) && payload.length > 2) {
    // fragmented: first frame + continuation
    const cut = 1 + rng.int(payload.length - 1);
    frames.push(wsFrame(op, payload.subarray(0, cut), false), wsFrame(0, payload.subarray(cut), true));
  } else frames.push(wsFrame(op, payload, true));
  let b = Buffer.concat(frames);
  for (let n = rng.int(3); n > 0; n--) {
    const c = Buffer.from(b);
    c[rng.int(Math.min(c.length, 14))] ^= 1 << rng.int(8);
    b = c;
  }
  return b;
}

/** A persistent WebSocket (raw frames over TCP) that reconnects after the server closes it. */
export class WsTarget {
  private r: Reader | undefined;
  constructor(
    private readonly port: number,
    readonly json: boolean,
    private readonly creds: Credentials | undefined,
  ) {}

  private async open(): Promise<Reader> {
    const r = new Reader(await connect(this.port));
    const key = randomBytes(16).toString('base64');
    r.sock.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${this.json ? 'ami-json' : 'ami'}\r\n\r\n`,
    );
    if (!(await r.waitFor('\r\n\r\n'))) throw new HangError('websocket handshake refused');
    if (this.creds) {
      const id = probeId();
      r.sock.write(
        this.text(
          `Action: Login\r\nUsername: ${this.creds.username}\r\nSecret: ${this.creds.secret}\r\nEvents: off\r\nActionID: ${id}\r\n\r\n`,
        ),
      );
      if (!(await r.waitFor(id))) throw new HangError('websocket login refused');
    }
    return r;
  }

  private text(ami: string): Buffer {
    return wsFrame(1, Buffer.from(this.json ? amiToJson(Buffer.from(ami, 'latin1')) : ami, 'latin1'));
  }

  async run(input: Buffer, sizes: readonly number[]): Promise<void> {
    if (!this.r || this.r.closed) {
      if (this.r) stats.wsClosed++;
      this.r = await this.open();
    }
    const r = this.r;
    await writeChunked(r.sock, input, sizes);
    const id = probeId();
    // A frame the mutation left unfinished swallows the probe: that is a closed or stuck socket for
    // this client only, so the probe result is not held against the server unless it times out alone.
    r.sock.write(this.text(`Action: Ping\r\nActionID: ${id}\r\n\r\n`));
    const ok = await r.waitFor(id, 1000).catch((e: unknown) => {
      if (e instanceof HangError) return false;
      throw e;
    });
    if (!ok) {
      r.sock.destroy();
      this.r = undefined;
      stats.wsClosed++;
    }
  }

  close(): void {
    this.r?.sock.destroy();
  }
}

// ---- SIP datagrams -------------------------------------------------------------------------------

/** Fires mutated datagrams; every `probeEvery` inputs an OPTIONS must be answered. */
export class SipTarget {
  private sock: dgram.Socket | undefined;
  private answers = new Set<string>();
  private waiter: (() => void) | undefined;
  private sent = 0;
  constructor(
    private readonly port: number,
    private readonly probeEvery = 200,
  ) {}

  private async open(): Promise<dgram.Socket> {
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
    s.on('message', (d: Buffer) => {
      const m = /Call-ID:\s*(probe-[0-9a-z]+)/i.exec(d.toString('latin1'));
      if (m) {
        this.answers.add(m[1]);
        this.waiter?.();
      }
    });
    s.on('error', () => undefined);
    return s;
  }

  private send(s: dgram.Socket, b: Buffer): Promise<void> {
    return new Promise((r) => s.send(b, this.port, '127.0.0.1', () => r()));
  }

  async run(input: Buffer): Promise<void> {
    const s = (this.sock ??= await this.open());
    await this.send(s, input.length > 65507 ? input.subarray(0, 65507) : input);
    if (++this.sent % this.probeEvery === 0) await this.probe();
  }

  /** OPTIONS with a fresh Call-ID; it must be answered. */
  async probe(): Promise<void> {
    const s = (this.sock ??= await this.open());
    const id = `probe-${probeId()}`;
    const p = s.address().port;
    const options = Buffer.from(
      `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${p};branch=z9hG4bK${id}\r\nFrom: <sip:probe@127.0.0.1>;tag=${id}\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    );
    const deadline = Date.now() + PROBE_TIMEOUT_MS;
    let resendAt = 0;
    while (!this.answers.has(id)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new HangError('SIP OPTIONS not answered');
      // UDP on a loaded loopback may drop a datagram: retransmit as a SIP UAC would (T1-ish).
      if (Date.now() >= resendAt) {
        await this.send(s, options);
        resendAt = Date.now() + 1000;
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, Math.min(left, 200));
        this.waiter = () => {
          clearTimeout(t);
          r();
        };
      });
    }
    this.answers.delete(id);
  }

  close(): void {
    this.sock?.close();
    this.sock = undefined;
  }
}

export { Rng, chunkSizes, loadCorpus, mutatedInput };

/**
 * Parser drivers for the parser benchmark. Each driver is fed raw socket-like Buffer chunks and reports
 * every message it produces as onMsg(kind, obj). The npm libraries are driven the way each library
 * drives its own parser on a live socket:
 *
 * - asterisk-manager 0.2.0: its reader is a closure bound to the socket's 'data' event (socket in utf-8
 *   mode) and is not exported, so Manager() is connected to a fake socket (net.createConnection is
 *   swapped for the duration of connect()); parsed messages are dispatched with process.nextTick, as the
 *   library does. Events come out as 'managerevent', everything else as 'asterisk'.
 * - asterisk-ami-event-utils 2.0.2 (used by asterisk-ami-client through asterisk-ami-events-stream): the
 *   package has no framer; a minimal Buffer framer (indexOf CRLF CRLF, as the stream does) hands each
 *   message with its trailing CRLFs to toObject(Buffer), so the row measures the per-message parse.
 * - yana 0.3.0: a LineSocket (net.Socket subclass splitting 'data' on CRLF, no setEncoding) with the AMI
 *   object's message buffering installed after the banner line. Responses only reach pendingActions
 *   callbacks, so pendingActions is a Proxy answering every ActionID.
 * - naive: StringDecoder, split on CRLF CRLF, then on CRLF, then at the first ': ' (repeated keys kept).
 * - amikit: src/protocol/parser.ts as AmiClient uses it (utf8, banner). 'amikit' classifies each message
 *   by `msg.kind` (what AmiClient's dispatcher does before handing the lazy message on); 'amikit+toObject'
 *   also builds `toObject()` for every message; 'amikit+headersOf' builds the client's event object
 *   (src/client/convert.ts headersOf, what an `on('event')` listener receives).
 */
import { createRequire } from 'node:module';
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';
import { AmiParser } from '../../src/protocol/parser.js';
import type { AmiMessage } from '../../src/protocol/message.js';
import { headersOf } from '../../src/client/convert.js';
import { fastHeaders, loopToObject, shapedHeaders, shapedToObject } from '../proto/fast-headers.js';

const require = createRequire(import.meta.url);

export type Kind = 'event' | 'response' | 'other';
/** Objects as produced by the libraries: header name to value, array, or (asterisk-manager) sub-object. */
export type LibObject = Record<string, unknown>;
export type OnMsg = (kind: Kind, obj: LibObject | AmiMessage) => void;
export interface Driver {
  feed(chunk: Buffer): void;
}

/** The npm peers (the ratio is taken to the fastest of these). */
export const PEERS = ['asterisk-manager', 'asterisk-ami-event-utils', 'yana'];
export const OURS = ['amikit', 'amikit+toObject', 'amikit+headersOf'];

const kindOf = (o: LibObject): Kind =>
  o.Event !== undefined ? 'event' : o.Response !== undefined && o.Response !== null ? 'response' : 'other';

function naive(onMsg: OnMsg): Driver {
  const dec = new StringDecoder('utf8');
  let buf = '';
  let banner = true;
  return {
    feed(chunk) {
      buf += dec.write(chunk);
      let pos = 0;
      if (banner) {
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        banner = false;
        pos = nl + 2;
      }
      for (let e; (e = buf.indexOf('\r\n\r\n', pos)) >= 0; pos = e + 4) {
        const o: Record<string, string | string[]> = {};
        for (const line of buf.slice(pos, e).split('\r\n')) {
          if (!line) continue; // the stray CRLF some responses leave before the next message
          const i = line.indexOf(': ');
          const k = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? '' : line.slice(i + 2);
          const cur = o[k];
          if (cur === undefined) o[k] = v;
          else if (Array.isArray(cur)) cur.push(v);
          else o[k] = [cur, v];
        }
        onMsg(kindOf(o), o);
      }
      buf = buf.slice(pos);
    },
  };
}

function amikitLazy(onMsg: OnMsg): Driver {
  const p = new AmiParser(
    (m) => {
      const k = m.kind;
      onMsg(k === 'event' ? 'event' : k === 'response' ? 'response' : 'other', m);
    },
    { encoding: 'utf8', banner: true },
  );
  return { feed: (c) => p.feed(c) };
}

function amikitToObject(onMsg: OnMsg): Driver {
  const p = new AmiParser((m) => onMsg(kindOf(m.toObject()), m), { encoding: 'utf8', banner: true });
  return { feed: (c) => p.feed(c) };
}

function amikitHeadersOf(onMsg: OnMsg): Driver {
  const p = new AmiParser((m) => onMsg(kindOf(headersOf(m) as LibObject), m), {
    encoding: 'utf8',
    banner: true,
  });
  return { feed: (c) => p.feed(c) };
}

/** Enough of net.Socket for asterisk-manager's connect(): it only sets options and listens. */
class FakeSocket extends EventEmitter {
  readyState = 'open';
  private decoder: StringDecoder | null = null;
  setKeepAlive(): this {
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setEncoding(enc: BufferEncoding): this {
    this.decoder = new StringDecoder(enc);
    return this;
  }
  write(): boolean {
    return true;
  }
  end(): void {
    this.readyState = 'closed';
  }
  destroy(): void {
    this.readyState = 'closed';
  }
  /** What net.Socket does with a chunk in encoding mode: decode, then emit 'data'. */
  push(chunk: Buffer): void {
    this.emit('data', this.decoder ? this.decoder.write(chunk) : chunk);
  }
}

interface AsteriskManager {
  connect(port: number, host: string): void;
  on(ev: string, fn: (o: LibObject) => void): void;
}

function asteriskManager(onMsg: OnMsg): Driver {
  const net = require('net') as { createConnection: unknown };
  const Manager = require('asterisk-manager') as () => AsteriskManager;
  const orig = net.createConnection;
  const fake = new FakeSocket();
  net.createConnection = () => fake;
  let mgr: AsteriskManager;
  try {
    mgr = Manager();
    mgr.connect(15038, '127.0.0.1');
  } finally {
    net.createConnection = orig;
  }
  mgr.on('managerevent', (e) => onMsg('event', e));
  mgr.on('asterisk', (e) => onMsg(e.response !== undefined ? 'response' : 'other', e));
  return { feed: (c) => fake.push(c) };
}

function amiEventUtils(onMsg: OnMsg): Driver {
  const utils = require('asterisk-ami-event-utils') as { toObject(b: Buffer): LibObject };
  let pending: Buffer | null = null;
  return {
    feed(chunk) {
      const buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      let pos = 0;
      for (let e; (e = buf.indexOf('\r\n\r\n', pos)) >= 0; pos = e + 4) {
        const o = utils.toObject(buf.subarray(pos, e + 4));
        if (Object.keys(o).length === 0) continue; // an empty message (stray CRLF): the stream skips it too
        onMsg(kindOf(o), o);
      }
      pending = pos < buf.length ? buf.subarray(pos) : null;
    },
  };
}

interface YanaAmi {
  socket: EventEmitter;
  pendingActions: unknown;
  _setupMessageBuffering(): void;
  on(ev: string, fn: (o: LibObject) => void): void;
}

function yana(onMsg: OnMsg): Driver {
  const AMI = require('yana') as new (opts: object) => YanaAmi;
  const LineSocket = require('yana/line-socket') as new () => EventEmitter;
  const ami = new AMI({});
  ami.socket = new LineSocket();
  // AMI.connect(): the first line is the banner (_onFirstLine then logs in and installs the buffering)
  ami.socket.once('line', () => ami._setupMessageBuffering());
  ami.on('event', (e) => onMsg('event', e));
  ami.pendingActions = new Proxy(
    {},
    {
      get: () => ({
        callback: (o: LibObject) => {
          if (o.Event === undefined) onMsg(o.Response !== undefined ? 'response' : 'other', o);
        },
      }),
    },
  );
  return { feed: (c) => void ami.socket.emit('data', c) };
}

/** Prototypes (bench/proto): only run when named in --parsers. */
function protoDriver(build: (m: AmiMessage) => LibObject): (onMsg: OnMsg) => Driver {
  return (onMsg) => {
    const p = new AmiParser((m) => onMsg(kindOf(build(m)), m), { encoding: 'utf8', banner: true });
    return { feed: (c) => p.feed(c) };
  };
}
export const PROTOS: Record<string, (onMsg: OnMsg) => Driver> = {
  'proto:loopToObject': protoDriver(loopToObject),
  'proto:fastHeaders': protoDriver(fastHeaders),
  'proto:shapedHeaders': protoDriver(shapedHeaders),
  'proto:shapedToObject': protoDriver(shapedToObject),
};

export const PARSERS: Record<string, (onMsg: OnMsg) => Driver> = {
  amikit: amikitLazy,
  'amikit+toObject': amikitToObject,
  'amikit+headersOf': amikitHeadersOf,
  naive,
  'asterisk-manager': asteriskManager,
  'asterisk-ami-event-utils': amiEventUtils,
  yana,
};
/** Every driver, prototypes included. */
export const ALL_DRIVERS: Record<string, (onMsg: OnMsg) => Driver> = { ...PARSERS, ...PROTOS };

/** A parser's output as lower-cased header name to values, for the field check. */
export function normalise(name: string, o: LibObject | AmiMessage): Map<string, string[]> {
  const m = new Map<string, string[]>();
  const add = (k: string, v: unknown): void => {
    const key = k.toLowerCase();
    const cur = m.get(key);
    if (cur) cur.push(String(v));
    else m.set(key, [String(v)]);
  };
  if (name === 'amikit') {
    for (const [k, v] of (o as AmiMessage).entries()) add(k, v);
    return m;
  }
  let obj = o as LibObject;
  if (name === 'amikit+toObject') obj = (o as AmiMessage).toObject();
  else if (name === 'amikit+headersOf') obj = headersOf(o as AmiMessage) as LibObject;
  else if (name === 'proto:loopToObject') obj = loopToObject(o as AmiMessage);
  else if (name === 'proto:fastHeaders') obj = fastHeaders(o as AmiMessage);
  else if (name === 'proto:shapedHeaders') obj = shapedHeaders(o as AmiMessage);
  else if (name === 'proto:shapedToObject') obj = shapedToObject(o as AmiMessage);
  for (const [k, v] of Object.entries(obj)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      // asterisk-manager turns Variable/ChanVariable headers into a sub-object
      for (const [sk, sv] of Object.entries(v as Record<string, unknown>)) add(k, `${sk}=${String(sv)}`);
    } else if (Array.isArray(v)) for (const x of v) add(k, x);
    else add(k, v);
  }
  return m;
}

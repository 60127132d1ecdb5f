/**
 * Replays a recorded Asterisk transcript (test/fixtures/conformance/*.jsonl) against a server and
 * returns both sides as normalized messages, so a test can assert that amikit said what Asterisk
 * said. Volatile values (timestamps, session ids, addresses, uptimes, challenges, Uniqueids and
 * channel counters) become tokens on both sides, as the shared conformance scorer (conform.py) does. Sends are paced by
 * messages, not by the clock: before each send, every connection must have received what the
 * recording had received by then. Time only matters where the recording waited for the server.
 *
 * Where the recording waited for the server's own work (a call coming up after an async Originate,
 * with no event to show it), a wall-clock wait would race the server on a loaded machine. A target
 * whose telephony core runs on a virtual clock passes `clock`: before each send the replay lets the
 * server take in every action sent so far, then moves the PBX clock on by the recorded gap, so the
 * server is in the state the recording's server had reached whatever the machine's load.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

export interface ReplayTarget {
  host: string;
  amiPort: number;
  tlsPort?: number;
  /** user -> secret, to recompute MD5 keys from the live challenge. */
  secrets: Record<string, string>;
  /**
   * Recorded messages this server is not expected to send (another module's): pacing does not
   * wait for them. They are still returned, on both sides, for the test to judge.
   */
  ignore?: (m: Msg) => boolean;
  /** The server's PBX clock, when virtual (see replay-clock.ts). */
  clock?: ReplayClock;
}

/** What a replay needs to drive a server whose telephony core runs on a virtual clock. */
export interface ReplayClock {
  /** Actions the server has taken in (dispatched) so far, on every connection. */
  taken(): number;
  /** Resolves when taken() changes (or soon after, to re-check). */
  changed(): Promise<void>;
  /** Moves the PBX clock on by `ms` and runs everything that falls due. */
  advance(ms: number): Promise<void>;
}

/** Actions in a chunk of client bytes (each ends with a blank line). */
function countActions(data: string): number {
  return data.match(/\r?\n\r?\n/g)?.length ?? 0;
}

interface Entry {
  t: number;
  conn: string;
  dir: 'send' | 'recv' | 'event';
  data: string;
}

export interface Msg {
  /** 'banner' | 'ami' | 'partial' */
  kind: string;
  headers: Array<[string, string]>;
  /** Arrival time relative to the scenario start (reference) or to the replay start (live). */
  t: number;
}

export interface ConnResult {
  label: string;
  expected: Msg[];
  got: Msg[];
  /** The recording shows the server closing this connection. */
  expectServerClose: boolean;
  serverClosed: boolean;
  /** Seconds from the last send (or connect) to the server's close, recorded and live. */
  expectCloseAfter: number | null;
  closeAfter: number | null;
}

interface RefConn {
  label: string;
  tls: boolean;
  source?: string;
  connectT: number;
  sends: Array<{ t: number; data: string }>;
  recvs: Array<{ t: number; data: string }>;
  eofT: number | null;
  closeT: number | null;
}

function loadScenario(path: string): RefConn[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const conns = new Map<string, RefConn>();
  for (const raw of lines.slice(1)) {
    const e = JSON.parse(raw) as Entry;
    if (e.conn === '-') continue;
    let c = conns.get(e.conn);
    if (!c) {
      c = { label: e.conn, tls: false, connectT: e.t, sends: [], recvs: [], eofT: null, closeT: null };
      conns.set(e.conn, c);
    }
    if (e.dir === 'send') c.sends.push({ t: e.t, data: e.data });
    else if (e.dir === 'recv') c.recvs.push({ t: e.t, data: e.data });
    else {
      const m = /^connected (TLS )?[^ ]+ from ([^:\s]+):\d+/.exec(e.data);
      if (m) {
        c.connectT = e.t;
        c.tls = m[1] !== undefined;
        if (m[2].startsWith('127.') && m[2] !== '127.0.0.1') c.source = m[2];
      } else if (e.data.startsWith('EOF (peer closed') && c.eofT === null && c.closeT === null) c.eofT = e.t;
      else if (e.data.startsWith('client closing socket') && c.closeT === null) c.closeT = e.t;
    }
  }
  return [...conns.values()];
}

/** Splits a byte stream into messages: banner line, then CRLF-terminated lines grouped by blank lines. */
export function parseStream(text: string, ends: Array<{ end: number; t: number }>): Msg[] {
  const out: Msg[] = [];
  const timeAt = (off: number): number => {
    for (const e of ends) if (e.end >= off) return e.t;
    return ends.length ? ends[ends.length - 1].t : 0;
  };
  let pos = 0;
  const first = text.indexOf('\r\n');
  if (first >= 0 && !/^[A-Za-z0-9_.-]+:/.test(text.slice(0, first))) {
    out.push({ kind: 'banner', headers: [['(banner)', text.slice(0, first)]], t: timeAt(first + 2) });
    pos = first + 2;
  }
  let cur: Array<[string, string]> = [];
  for (;;) {
    const i = text.indexOf('\r\n', pos);
    if (i < 0) break;
    const line = text.slice(pos, i);
    pos = i + 2;
    if (line === '') {
      if (cur.length) out.push({ kind: 'ami', headers: cur, t: timeAt(pos) });
      else out.push({ kind: 'ami', headers: [['(extra blank line)', '']], t: timeAt(pos) });
      cur = [];
    } else {
      const c = line.indexOf(':');
      if (c < 0) cur.push(['(no colon)', line]);
      else if (line[c + 1] === ' ') cur.push([line.slice(0, c), line.slice(c + 2)]);
      else cur.push([line.slice(0, c) + ' [no space after colon]', line.slice(c + 1)]);
    }
  }
  if (cur.length || pos < text.length)
    out.push({ kind: 'partial', headers: [...cur, ['(unterminated)', text.slice(pos)]], t: 0 });
  return out;
}

const RX_CHAN = /(\/[^\s/!,]*?-)([0-9a-f]{8})(?![0-9A-Za-z])/g;
const RX_UID = /(?<![\d.])(1[5-9]\d{8}\.\d{1,5})(?![\d.])/g;

/** Replaces volatile values by tokens numbered by first appearance (or rank for counters). */
export class Normalizer {
  private maps = new Map<string, Map<string, string>>();
  private rank = new Map<string, Map<string, string>>();

  prepare(msgs: Msg[]): void {
    const chans = new Set<string>();
    const uids = new Set<string>();
    for (const m of msgs)
      for (const [n, v] of m.headers) {
        for (const x of v.matchAll(RX_CHAN)) chans.add(x[2]);
        const ln = n.toLowerCase();
        if (
          (ln.endsWith('uniqueid') || ln.endsWith('linkedid')) &&
          ln !== 'bridgeuniqueid' &&
          /^\d+\.\d+$/.test(v)
        )
          uids.add(v);
        else if (ln !== 'timestamp') for (const x of v.matchAll(RX_UID)) uids.add(x[1]);
      }
    this.rank.set(
      'CH',
      new Map(
        [...chans].sort((a, b) => parseInt(a, 16) - parseInt(b, 16)).map((c, i) => [c, `<CH${i + 1}>`]),
      ),
    );
    const seq = (u: string): number[] => u.split('.').map(Number);
    this.rank.set(
      'UID',
      new Map(
        [...uids]
          .sort((a, b) => seq(a)[1] - seq(b)[1] || seq(a)[0] - seq(b)[0])
          .map((u, i) => [u, `<UID${i + 1}>`]),
      ),
    );
  }

  private tok(cls: string, raw: string): string {
    const r = this.rank.get(cls)?.get(raw);
    if (r) return r;
    let m = this.maps.get(cls);
    if (!m) this.maps.set(cls, (m = new Map()));
    let t = m.get(raw);
    if (!t) m.set(raw, (t = `<${cls}${m.size + 1}>`));
    return t;
  }

  value(name: string, v: string): string {
    const ln = name.toLowerCase().replace(' [no space after colon]', '');
    if (ln === 'timestamp' && /^\d{9,11}\.\d{1,6}$/.test(v)) return '<timestamp>';
    if (
      (ln === 'eventtv' || ln === 'sessiontv') &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/.test(v)
    )
      return '<tv>';
    if (ln === 'sessionid' && /^0x[0-9a-fA-F]+$/.test(v)) return this.tok('SESSION', v);
    if (ln === 'localaddress' || ln === 'remoteaddress') {
      const m = /^(IPV[46])\/(TCP|TLS|UDP|WS|WSS)\/(.+)\/(\d+)$/.exec(v);
      if (m)
        return `${m[1]}/${m[2]}/${ln === 'localaddress' ? '<server>' : this.tok('CLIENT', m[3] + ':' + m[4])}`;
    }
    if (['uptime', 'lastreload', 'coreprocessedcalls'].includes(ln) && /^\d+$/.test(v)) return '<int>';
    if (['corestartuptime', 'corereloadtime'].includes(ln) && /^\d\d:\d\d:\d\d$/.test(v)) return '<time>';
    if (['corestartupdate', 'corereloaddate'].includes(ln) && /^\d{4}-\d\d-\d\d$/.test(v)) return '<date>';
    // CDR times are the recording's wall clock: tokens by identity, so equal times stay equal.
    if (['starttime', 'answertime', 'endtime'].includes(ln) && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(v))
      return this.tok('TIME', v);
    if (ln === 'challenge' && /^[0-9A-Za-z]{1,40}$/.test(v)) return '<challenge>';
    if (ln === 'expectedresponse' || ln === 'response') {
      if (/^[0-9a-f]{32}$/.test(v)) return '<md5>';
    }
    if (
      (ln.endsWith('uniqueid') || ln.endsWith('linkedid')) &&
      ln !== 'bridgeuniqueid' &&
      /^\d+\.\d+$/.test(v)
    )
      return this.tok('UID', v);
    v = v.replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, (x) =>
      this.tok('BRIDGE', x),
    );
    v = v.replace(RX_CHAN, (_x, a: string, b: string) => a + this.tok('CH', b));
    v = v.replace(RX_UID, (x) => this.tok('UID', x));
    v = v.replace(/\b\d+ secs? ago/g, '<n> secs ago');
    v = v.replace(
      /\b\d+ (?:years?|weeks?|days?|hours?|minutes?|seconds?)(?:, \d+ (?:years?|weeks?|days?|hours?|minutes?|seconds?))*/g,
      '<uptime>',
    );
    v = v.replace(/\b\d+ calls? processed/g, '<n> calls processed');
    // `core show version`: who built it, where and when differ from machine to machine; the version stays.
    v = v.replace(
      /^(Asterisk \S+) built by \S+ @ \S+ on a \S+ running \S+ on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
      '$1 built by <user> @ <host> on a <arch> running <os> on <date>',
    );
    return v;
  }

  message(m: Msg): Msg {
    return { ...m, headers: m.headers.map(([n, v]) => [n, this.value(n, v)]) };
  }
}

function isRegistryNoise(m: Msg): boolean {
  const ev = m.headers.find(([n]) => n.toLowerCase() === 'event');
  return ev?.[1] === 'Registry' && !m.headers.some(([n]) => n.toLowerCase() === 'actionid');
}

function countComplete(msgs: Msg[], ignore?: (m: Msg) => boolean): number {
  return msgs.filter((m) => m.kind !== 'partial' && !isRegistryNoise(m) && !ignore?.(m)).length;
}

class LiveConn {
  sock: net.Socket | null = null;
  buf = '';
  ends: Array<{ end: number; t: number }> = [];
  eofT: number | null = null;
  clientClosed = false;
  lastSendT: number;
  connectT: number;
  waiters: Array<() => void> = [];

  constructor(t: number) {
    this.connectT = t;
    this.lastSendT = t;
  }

  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Replays one scenario; returns reference and live messages per connection, normalized. */
export async function replay(path: string, target: ReplayTarget): Promise<ConnResult[]> {
  const refs = loadScenario(path);
  const t0 = Date.now();
  const rel = (): number => (Date.now() - t0) / 1000;
  const live = new Map<string, LiveConn>();
  const refMsgs = new Map<string, Msg[]>();
  for (const r of refs) {
    let text = '';
    const ends: Array<{ end: number; t: number }> = [];
    for (const c of r.recvs) {
      text += c.data;
      ends.push({ end: text.length, t: c.t });
    }
    refMsgs.set(r.label, parseStream(text, ends));
  }
  type Action = { t: number; order: number; kind: 'connect' | 'send' | 'close'; ref: RefConn; data?: string };
  const actions: Action[] = [];
  for (const r of refs) {
    actions.push({ t: r.connectT, order: 0, kind: 'connect', ref: r });
    for (const s of r.sends) actions.push({ t: s.t, order: 1, kind: 'send', ref: r, data: s.data });
    if (r.closeT !== null && (r.eofT === null || r.closeT < r.eofT))
      actions.push({ t: r.closeT, order: 2, kind: 'close', ref: r });
  }
  actions.sort((a, b) => a.t - b.t || a.order - b.order);

  const liveMsgs = (label: string): Msg[] => {
    const lc = live.get(label);
    return lc ? parseStream(lc.buf, lc.ends) : [];
  };

  /** Waits until every connection has what the recording had by time t (bounded). */
  const syncTo = async (t: number, capSec: number): Promise<void> => {
    const deadline = Date.now() + capSec * 1000;
    for (const r of refs) {
      const lc = live.get(r.label);
      if (!lc || lc.clientClosed) continue;
      const want = countComplete(
        (refMsgs.get(r.label) ?? []).filter((m) => m.t <= t + 1e-6),
        target.ignore,
      );
      const wantEof = r.eofT !== null && r.eofT <= t + 1e-6;
      while (Date.now() < deadline) {
        const have = countComplete(liveMsgs(r.label), target.ignore);
        if ((have >= want && (!wantEof || lc.eofT !== null)) || lc.eofT !== null) break;
        await new Promise<void>((res) => {
          const timer = setTimeout(res, 20);
          lc.waiters.push(() => {
            clearTimeout(timer);
            res();
          });
        });
      }
    }
  };

  /** Channel name suffixes (`-0000000b`) in the order they first appeared, recorded by time t or live so far. */
  const suffixesSeen = (chunks: Array<{ t: number; data: string }>): string[] => {
    const out: string[] = [];
    for (const c of chunks.sort((x, y) => x.t - y.t))
      for (const m of c.data.matchAll(RX_CHAN)) if (!out.includes(m[2])) out.push(m[2]);
    return out;
  };
  /**
   * A client names a channel by the name the server gave it: a recorded send naming the recording's
   * n-th channel names the live server's n-th (channel numbers depend on what the server did before).
   */
  const liveChannelNames = (data: string, t: number): string => {
    if (data.search(RX_CHAN) < 0) return data;
    const ref = suffixesSeen(refs.flatMap((r) => r.recvs.filter((x) => x.t <= t + 1e-6)));
    const got = suffixesSeen(
      [...live.values()].flatMap((lc) =>
        lc.ends.map((e, i) => ({ t: e.t, data: lc.buf.slice(i ? lc.ends[i - 1].end : 0, e.end) })),
      ),
    );
    return data.replace(RX_CHAN, (x, pre: string, suf: string) => {
      const i = ref.indexOf(suf);
      return i >= 0 && i < got.length ? pre + got[i] : x;
    });
  };

  let sent = 0;
  /** The server's clock reaches the recording's time t: every action sent is taken in first. */
  const advanceClock = async (clock: ReplayClock, gap: number): Promise<void> => {
    const deadline = Date.now() + 10_000;
    // A session runs one action at a time: one that waits for the clock (a sync Originate) holds
    // the next ones back, so "every action taken in" is bounded rather than awaited forever.
    while (clock.taken() < sent && Date.now() < deadline) await clock.changed();
    if (gap > 0) await clock.advance(Math.round(gap * 1000));
  };

  let prevT = 0;
  for (const a of actions) {
    const gap = a.t - prevT;
    if (target.clock && prevT > 0) await advanceClock(target.clock, gap);
    // Where the recording waited for the server (auth failure delay, authtimeout), wait as long.
    await syncTo(a.t, Math.max(3, gap + 2));
    prevT = a.t;
    const r = a.ref;
    if (a.kind === 'connect') {
      const lc = new LiveConn(rel());
      live.set(r.label, lc);
      await new Promise<void>((resolve) => {
        const onData = (d: Buffer): void => {
          lc.buf += d.toString('latin1');
          lc.ends.push({ end: lc.buf.length, t: rel() });
          lc.notify();
        };
        const opts = {
          host: target.host,
          port: r.tls ? (target.tlsPort ?? 0) : target.amiPort,
          localAddress: r.source,
        };
        const sock = r.tls
          ? tls.connect({ ...opts, rejectUnauthorized: false }, () => resolve())
          : net.connect(opts, () => resolve());
        sock.setNoDelay(true);
        lc.sock = sock;
        sock.on('data', onData);
        sock.on('error', () => resolve());
        sock.on('close', () => {
          if (lc.eofT === null && !lc.clientClosed) lc.eofT = rel();
          lc.notify();
          resolve();
        });
      });
    } else if (a.kind === 'send') {
      const lc = live.get(r.label);
      if (!lc?.sock || lc.eofT !== null) continue;
      let data = a.data ?? '';
      const km = /^key:[ \t]*([0-9a-f]{32})\r?$/im.exec(data);
      const um = /^username:[ \t]*(\S+)\r?$/im.exec(data);
      if (km && um) {
        const secret = target.secrets[um[1].toLowerCase()];
        const refChal = [
          ...r.recvs
            .filter((x) => x.t <= a.t)
            .map((x) => x.data)
            .join('')
            .matchAll(/Challenge: ([^\r\n]+)\r\n/g),
        ].pop()?.[1];
        const liveChal = [...lc.buf.matchAll(/Challenge: ([^\r\n]+)\r\n/g)].pop()?.[1];
        if (
          secret !== undefined &&
          refChal &&
          liveChal &&
          createHash('md5')
            .update(refChal + secret)
            .digest('hex') === km[1]
        ) {
          data = data.replace(
            km[1],
            createHash('md5')
              .update(liveChal + secret)
              .digest('hex'),
          );
        }
      }
      data = liveChannelNames(data, a.t);
      lc.lastSendT = rel();
      sent += countActions(data);
      lc.sock.write(Buffer.from(data, 'latin1'));
    } else {
      const lc = live.get(r.label);
      if (!lc?.sock) continue;
      lc.clientClosed = true;
      lc.sock.destroy();
    }
  }
  // Let the last replies (and any message the recording did not have) arrive.
  await syncTo(Infinity, 3);
  await sleep(150);
  for (const lc of live.values()) lc.sock?.destroy();

  const refAll = [...refMsgs.values()].flat();
  const nRef = new Normalizer();
  nRef.prepare(refAll);
  const nLive = new Normalizer();
  nLive.prepare(refs.flatMap((r) => liveMsgs(r.label)));
  return refs.map((r) => {
    const lc = live.get(r.label);
    const lastSend = (t: number): number => {
      let x = r.connectT;
      for (const s of r.sends) if (s.t <= t + 1e-9) x = s.t;
      return x;
    };
    return {
      label: r.label,
      expected: (refMsgs.get(r.label) ?? []).filter((m) => !isRegistryNoise(m)).map((m) => nRef.message(m)),
      got: liveMsgs(r.label)
        .filter((m) => !isRegistryNoise(m))
        .map((m) => nLive.message(m)),
      expectServerClose: r.eofT !== null,
      serverClosed: lc?.eofT !== null && lc?.eofT !== undefined,
      expectCloseAfter: r.eofT !== null ? r.eofT - lastSend(r.eofT) : null,
      closeAfter: lc && lc.eofT !== null ? lc.eofT - lc.lastSendT : null,
    };
  });
}

/** Readable form of a message list for assertion diffs. */
export function render(msgs: Msg[]): string[] {
  return msgs.map((m) => m.headers.map(([n, v]) => `${n}: ${v}`).join(' | '));
}

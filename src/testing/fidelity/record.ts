/**
 * Runs a fidelity scenario against a live AMI server (a real Asterisk, or amikit) and records what
 * it sent, in the transcript format of test/fixtures/conformance (one JSON object per line: a
 * header, then connects, sends, received chunks and closes with their times), which
 * src/testing/replay.ts replays.
 */
import net from 'node:net';
import tls from 'node:tls';
import { parseStream } from '../replay.js';
import { globMatch, type Scenario, type Step } from './scenario.js';

export interface RecordTarget {
  host: string;
  amiPort: number;
  tlsPort?: number;
  /** user -> secret */
  secrets: Record<string, string>;
}

interface Entry {
  t: number;
  conn: string;
  dir: 'send' | 'recv' | 'event';
  data: string;
  len?: number;
}

class Conn {
  sock!: net.Socket;
  buf = '';
  /** Length of buf when the current step began: waits look at what came after. */
  mark = 0;
  closed = false;
  waiters: Array<() => void> = [];
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

function headersMatch(h: Array<[string, string]>, want: Record<string, string>): boolean {
  return Object.entries(want).every(([k, v]) =>
    h.some(([n, x]) => n.toLowerCase() === k.toLowerCase() && globMatch(v, x)),
  );
}

/**
 * The offset just past the count-th message from `from` on whose headers match `want`, or
 * undefined while fewer have arrived. Messages end with an empty line.
 */
function matchEnd(
  buf: string,
  from: number,
  want: Record<string, string>,
  count: number,
): number | undefined {
  let pos = from;
  let n = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) return undefined;
    const msgs = parseStream(buf.slice(pos, end + 4), []).filter((m) => m.kind === 'ami');
    if (msgs.some((m) => headersMatch(m.headers, want)) && ++n >= count) return end + 4;
    pos = end + 4;
  }
}

export interface Recording {
  lines: string[];
  /** Steps that timed out (the recording is still written; the caller decides). */
  problems: string[];
}

export async function recordScenario(sc: Scenario, target: RecordTarget): Promise<Recording> {
  const t0 = process.hrtime.bigint();
  const now = (): number => Math.round(Number(process.hrtime.bigint() - t0) / 1000) / 1e6;
  const entries: Entry[] = [];
  const conns = new Map<string, Conn>();
  const problems: string[] = [];

  const messagesSince = (c: Conn, from: number): Array<Array<[string, string]>> =>
    parseStream(c.buf.slice(from), [])
      .filter((m) => m.kind === 'ami')
      .map((m) => m.headers);

  /** Waits until pred holds on c's input (re-checked on every chunk) or the timeout passes. */
  const waitFor = async (c: Conn, pred: () => boolean, seconds: number): Promise<boolean> => {
    const deadline = Date.now() + seconds * 1000;
    while (!pred()) {
      if (c.closed || Date.now() >= deadline) return pred();
      await new Promise<void>((res) => {
        const timer = setTimeout(res, Math.max(1, Math.min(100, deadline - Date.now())));
        c.waiters.push(() => {
          clearTimeout(timer);
          res();
        });
      });
    }
    return true;
  };

  const open = async (label: string, useTls: boolean, source?: string): Promise<Conn> => {
    const c = new Conn();
    conns.set(label, c);
    const port = useTls ? (target.tlsPort ?? 0) : target.amiPort;
    await new Promise<void>((resolve) => {
      const opts = { host: target.host, port, localAddress: source };
      const onConnect = (): void => {
        const a = c.sock.address() as net.AddressInfo;
        entries.push({
          t: now(),
          conn: label,
          dir: 'event',
          data: `connected ${useTls ? 'TLS ' : ''}${target.host}:${port} from ${a.address}:${a.port}`,
        });
        resolve();
      };
      c.sock = useTls
        ? tls.connect({ ...opts, rejectUnauthorized: false }, onConnect)
        : net.connect(opts, onConnect);
      c.sock.setNoDelay(true);
      c.sock.on('data', (d: Buffer) => {
        const s = d.toString('latin1');
        entries.push({ t: now(), conn: label, dir: 'recv', data: s, len: d.length });
        c.buf += s;
        c.notify();
      });
      c.sock.on('error', (e) => {
        problems.push(`${label}: ${e.message}`);
        resolve();
      });
      c.sock.on('close', () => {
        if (!c.closed)
          entries.push({ t: now(), conn: label, dir: 'event', data: 'EOF (peer closed connection)' });
        c.closed = true;
        c.notify();
        resolve();
      });
    });
    // The banner comes first.
    await waitFor(c, () => c.buf.includes('\r\n'), 5);
    return c;
  };

  const write = (label: string, c: Conn, data: string): void => {
    c.mark = c.buf.length;
    entries.push({ t: now(), conn: label, dir: 'send', data, len: Buffer.byteLength(data, 'latin1') });
    c.sock.write(Buffer.from(data, 'latin1'));
  };

  /** The reply to an action: its Response, and a whole event list when it starts one. */
  const awaitReply = async (label: string, c: Conn, what: string): Promise<void> => {
    const from = c.mark;
    const done = (): boolean => {
      const msgs = messagesSince(c, from);
      const i = msgs.findIndex((h) => h.some(([n]) => n.toLowerCase() === 'response'));
      if (i < 0) return false;
      const list = msgs[i].find(([n]) => n.toLowerCase() === 'eventlist')?.[1];
      if (list?.toLowerCase() !== 'start') return true;
      return msgs.slice(i + 1).some((h) => h.some(([n, v]) => n === 'EventList' && v === 'Complete'));
    };
    if (!(await waitFor(c, done, 15))) problems.push(`${label}: no reply to ${what}`);
  };

  const get = (label: string): Conn => {
    const c = conns.get(label);
    if (!c) throw new Error(`connection ${label} is not open`);
    return c;
  };

  for (const step of sc.steps) await run(step);

  async function run(step: Step): Promise<void> {
    switch (step.kind) {
      case 'connect':
        await open(step.conn, step.tls, step.source);
        return;
      case 'login': {
        const c = conns.get(step.conn) ?? (await open(step.conn, step.tls, step.source));
        const secret = step.secret ?? target.secrets[step.user] ?? '';
        let msg = `Action: Login\r\nUsername: ${step.user}\r\nSecret: ${secret}\r\n`;
        if (step.events !== undefined) msg += `Events: ${step.events}\r\n`;
        write(step.conn, c, msg + '\r\n');
        await awaitReply(step.conn, c, 'Login');
        return;
      }
      case 'send': {
        const c = get(step.conn);
        write(step.conn, c, step.headers.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n');
        if (step.wait === 'response') await awaitReply(step.conn, c, step.headers[0]?.[1] ?? 'action');
        return;
      }
      case 'raw': {
        const c = get(step.conn);
        write(step.conn, c, step.data);
        return;
      }
      case 'wait':
        await new Promise((r) => setTimeout(r, step.seconds * 1000));
        return;
      case 'until': {
        const c = get(step.conn);
        const from = c.mark;
        let end: number | undefined;
        const ok = await waitFor(
          c,
          () => (end = matchEnd(c.buf, from, step.match, step.count)) !== undefined,
          step.timeout,
        );
        if (!ok) problems.push(`${step.conn}: timed out waiting for ${JSON.stringify(step.match)}`);
        // The next wait starts right after the matching message, not after the whole chunk it came
        // in: two untils in a row must both see messages that arrived together.
        c.mark = end ?? c.buf.length;
        return;
      }
      case 'close': {
        const c = get(step.conn);
        if (!c.closed) {
          entries.push({ t: now(), conn: step.conn, dir: 'event', data: 'client closing socket' });
          c.closed = true;
          c.sock.destroy();
        }
        return;
      }
    }
  }

  // What is still open closes at the end, after a moment for the last events to arrive.
  await new Promise((r) => setTimeout(r, 500));
  for (const [label, c] of conns) {
    if (c.closed) continue;
    entries.push({ t: now(), conn: label, dir: 'event', data: 'client closing socket' });
    c.closed = true;
    c.sock.destroy();
  }
  const header = {
    scenario: sc.name,
    title: sc.title,
    encoding: 'data fields are raw bytes decoded as latin-1',
    settle: sc.settle,
  };
  return { lines: [JSON.stringify(header), ...entries.map((e) => JSON.stringify(e))], problems };
}

/** The readable rendering of a transcript (CR as \r, LF as \n plus a newline). */
export function renderTranscript(lines: string[]): string {
  const out: string[] = [];
  for (const l of lines.slice(1)) {
    const e = JSON.parse(l) as Entry;
    const data = e.data
      .replace(/\r/g, '\\r')
      .replace(/\n/g, '\\n\n')
      .replace(
        /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\xff]/g,
        (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
      );
    out.push(`--- ${e.t.toFixed(6)} ${e.conn} ${e.dir}`);
    out.push(e.dir === 'event' ? data : data.replace(/\n$/, ''));
  }
  return out.join('\n') + '\n';
}

/**
 * Replays a recorded transcript against a server with the telephony core and compares the
 * messages that belong to the core (issue 4). What other modules produce (queues, SIP
 * registrations, `queue show`, `sip show peers`...) is left out on both sides; values that depend
 * on wall-clock time (CDR times, durations) become tokens. Messages are compared as multisets
 * (Asterisk lists channels in hash order), responses also in order.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replay, render, type Msg } from '../../src/testing/replay.js';
import { CONFORMANCE_DIR, CONFORMANCE_SECRETS } from '../helpers/fixtures.js';
import { replayClock } from '../../src/testing/replay-clock.js';
import { VirtualClock } from '../../src/pbx/clock.js';
import type { CoreServer } from './helpers.js';

/** Events other modules raise. */
const FOREIGN_EVENTS = new Set([
  'QueueMemberStatus',
  'QueueParams',
  'QueueMember',
  'QueueEntry',
  'Registry',
  'PeerStatus',
  'AgentCalled',
]);

export interface ReplayCheck {
  /** ActionIDs whose replies belong to other modules (left out on both sides). */
  foreignActionIds?: string[];
}

function header(m: Msg, name: string): string | undefined {
  const l = name.toLowerCase();
  return m.headers.find(([n]) => n.toLowerCase() === l)?.[1];
}

function belongs(m: Msg, check: ReplayCheck): boolean {
  const ev = header(m, 'Event');
  if (ev && FOREIGN_EVENTS.has(ev)) return false;
  if (ev === 'DeviceStateChange' && (header(m, 'Device') ?? '').startsWith('Queue:')) return false;
  const id = header(m, 'ActionID');
  if (id && check.foreignActionIds?.includes(id)) return false;
  return true;
}

const TIME_HEADERS = new Set(['starttime', 'answertime', 'endtime']);

/** Tokens for what depends on wall-clock timing. */
function normalizeTiming(m: Msg): Msg {
  const headers = m.headers.map(([n, v]): [string, string] => {
    const ln = n.toLowerCase();
    if (TIME_HEADERS.has(ln) && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(v)) return [n, '<time>'];
    if (ln === 'duration' && /^\d\d:\d\d:\d\d$/.test(v)) return [n, '<hms>'];
    if ((ln === 'seconds' || ln === 'duration' || ln === 'billableseconds') && /^\d+$/.test(v))
      return [n, '<secs>'];
    if (ln === 'output' && v.split('!').length === 14) {
      const f = v.split('!');
      f[11] = '<secs>';
      return [n, f.join('!')];
    }
    return [n, v];
  });
  // `core show channels` lists channels in Asterisk's hash order: compare the rows sorted.
  const rows = headers.filter(([n, v]) => n === 'Output' && /^(Local|SIP)\//.test(v));
  if (rows.length > 1) {
    const sorted = [...rows].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    let i = 0;
    return {
      ...m,
      headers: headers.map((h) => (h[0] === 'Output' && /^(Local|SIP)\//.test(h[1]) ? sorted[i++] : h)),
    };
  }
  return { ...m, headers };
}

export interface ReplayResult {
  expected: string[];
  got: string[];
  /** Raw (normalized) messages of the first connection, for extra checks. */
  expectedMsgs: Msg[];
  gotMsgs: Msg[];
  /** Every message, other modules' included. */
  allExpected: Msg[];
  allGot: Msg[];
}

export async function replayCore(
  srv: CoreServer,
  scenario: string,
  check: ReplayCheck = {},
): Promise<ReplayResult> {
  const res = await replay(join(CONFORMANCE_DIR, `${scenario}.jsonl`), {
    host: '127.0.0.1',
    amiPort: srv.port,
    secrets: CONFORMANCE_SECRETS,
    // On the virtual clock the server reaches the recorded states by the recorded gaps, not by luck.
    ignore: (m) => !belongs(m, check),
    clock: srv.pbx.clock instanceof VirtualClock ? replayClock(srv.srv.manager, srv.pbx.clock) : undefined,
  });
  assert.equal(res.length, 1, 'one connection');
  const c = res[0];
  const expectedMsgs = c.expected.filter((m) => belongs(m, check)).map(normalizeTiming);
  const gotMsgs = c.got.filter((m) => belongs(m, check)).map(normalizeTiming);
  return {
    expected: render(expectedMsgs),
    got: render(gotMsgs),
    expectedMsgs,
    gotMsgs,
    allExpected: c.expected,
    allGot: c.got,
  };
}

/** Same messages (as multisets), and the responses in the same order. */
export function assertSameMessages(r: ReplayResult, what: string): void {
  const sort = (a: string[]): string[] => [...a].sort();
  assert.deepEqual(sort(r.got), sort(r.expected), `${what}: messages differ`);
  const responses = (l: string[]): string[] => l.filter((s) => s.startsWith('Response: '));
  assert.deepEqual(responses(r.got), responses(r.expected), `${what}: responses in order`);
}

/**
 * The conformance transcripts (test/fixtures/conformance, recorded from a real Asterisk 20.20.1 in
 * one run, in RECORDED_ORDER) replayed against one amikit as the recording's Asterisk was: the
 * recorded configuration, every module loaded (core, app_queue, chan_sip, the HTTP manager), the
 * loopback SIP stub answering test-202 and test-203 and nothing on test-204's port or the
 * registrar's, the telephony core on a virtual clock. Each transcript is scored with the fidelity
 * scorer (score.ts): every message, in order per connection; HTTP responses count one message
 * each. State carries from one transcript to the next as it did in the recording (channel
 * numbers, queue statistics), so replaying them in order is part of the measure.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replay, type ConnResult, type Msg } from '../replay.js';
import { replayHttp, type HttpConnResult } from '../replay-http.js';
import { replayClock } from '../replay-clock.js';
import { VirtualClock } from '../../pbx/clock.js';
import { configDirWithTestCertificate, startTestServer, type TestServer } from '../server.js';
import { freeUdpPort, startStub, type SipStub } from '../sip-stub.js';
import { closeMsg, tokenizeEpochs } from './run.js';
import { combine, scoreConnection, type ConnScore, type ScenarioScore } from './score.js';
import type { RaceRule } from './scenario.js';

export const CONFORMANCE_DIR = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'conformance');

/** Users of test/fixtures/conformance/config/manager.conf and their secrets (for MD5 keys). */
export const CONFORMANCE_SECRETS: Record<string, string> = {
  admin: 'admin',
  hello: 'world',
  limited: 'limited',
  filtered: 'filtered',
  filtered2: 'filtered2',
  acluser: 'acluser',
};

/**
 * The order the transcripts were recorded in, one Asterisk run (conform.py's RECORDED_ORDER);
 * some of them were never checked in, and are skipped.
 */
export const RECORDED_ORDER = [
  '01_banner',
  '02_login_ok_logoff',
  '03_login_bad_secret',
  '04_login_unknown_user',
  '05_action_before_login',
  '06_ping',
  '07_unknown_action',
  '08_no_action_header',
  '09_challenge_md5',
  '10_events_mask',
  '11_originate_async_app',
  '12_originate_sync',
  '13_queue_wait_hangup',
  '14_queue_actions',
  '15_redirect',
  '16_sip',
  '18_db',
  '19_getvar_setvar',
  '20_status_lists',
  '21_limited_user',
  '22_filtered_user',
  '23_acl_refused',
  '24_filter_action',
  '25_userevent',
  '26_malformed',
  '27_authtimeout',
  '30_queue_call_connected',
  '31_session_edge_cases',
  '32_misc_actions',
  '28a_http_rawman',
  '28b_http_manager_html',
  '28c_http_mxml',
  '28d_http_digest',
  '29_tls',
  '28e_http_cookie_expiry',
  '17_command',
];

/** The checked-in transcripts, in recorded order. */
export function conformanceTranscripts(dir = CONFORMANCE_DIR): string[] {
  const present = new Set(
    readdirSync(dir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => f.slice(0, -6)),
  );
  const known = RECORDED_ORDER.filter((n) => present.has(n));
  return [...known, ...[...present].filter((n) => !RECORDED_ORDER.includes(n)).sort()];
}

/**
 * Where Asterisk's order depends on a race, per transcript: which messages may swap, and why.
 * Nothing else may come in another order.
 */
const DEVICE_STATE_RACE: RaceRule = {
  why:
    'DeviceStateChange is published by the device state thread (devstate.c do_devstate_changes, ' +
    'forwarded by res_manager_devicestate), after a channel thread asked for it: it lands among ' +
    "the channels' own events wherever that thread happened to run",
  events: ['DeviceStateChange'],
  floats: true,
};
const CDR_RACE: RaceRule = {
  why:
    "Cdr comes from the CDR engine's own stasis subscription (cdr.c, cdr_manager.c manager_log " +
    "calls manager_event directly), not from the manager's channel router: its place among the " +
    'channel events of the hangup depends on which thread runs first',
  events: ['Cdr'],
  floats: true,
};
const QUEUE_MEMBER_RACE: RaceRule = {
  why:
    "QueueMemberStatus follows the member's device state through app_queue's own device state " +
    'subscription (device_state_cb): a thread of its own, like DeviceStateChange',
  events: ['QueueMemberStatus'],
  floats: true,
};

export const CONFORMANCE_RACES: Record<string, RaceRule[]> = {
  '11_originate_async_app': [DEVICE_STATE_RACE, CDR_RACE, QUEUE_MEMBER_RACE],
  '12_originate_sync': [DEVICE_STATE_RACE, CDR_RACE],
  '17_command': [DEVICE_STATE_RACE, CDR_RACE],
  '20_status_lists': [DEVICE_STATE_RACE, CDR_RACE],
};

/** `core show version` of the recorded Asterisk, after `built by`. */
export const RECORDED_BUILD = 'root @ vm on a x86_64 running Linux on 2026-11-22 10:56:01 UTC';

/** Header values that carry a UDP port of the SIP side (mapped back to the recorded ports). */
const PORT_HEADERS = new Set(['IPport', 'Address-Port', 'Port']);

export interface ConformanceResult {
  name: string;
  score: ScenarioScore;
  /** Per connection, for tests that look closer. */
  conns: ConnScore[];
  /** Per connection, the messages compared (normalized; the last one is the close). */
  messages: Array<{ label: string; expected: Msg[]; got: Msg[] }>;
}

export interface ConformanceBench {
  server: TestServer;
  stub: SipStub;
  /** Replays one transcript against the bench's amikit and scores it. */
  run(name: string, opts?: { maxDiffs?: number }): Promise<ConformanceResult>;
  dispose(): Promise<void>;
}

function isHttp(path: string): boolean {
  for (const raw of readFileSync(path, 'utf8').split('\n').slice(1)) {
    if (!raw.trim()) continue;
    const e = JSON.parse(raw) as { dir: string; data: string };
    if (e.dir === 'send') return /^(GET|POST|HEAD|PUT|DELETE|OPTIONS) /.test(e.data);
  }
  return false;
}

/** One HTTP response as a message: its lines, `Name: value` where they have that form. */
function httpMsg(text: string): Msg {
  const headers = text.split(/\r?\n/).map((l): [string, string] => {
    const c = l.indexOf(': ');
    return c > 0 && /^[A-Za-z0-9_.-]+$/.test(l.slice(0, c)) ? [l.slice(0, c), l.slice(c + 2)] : ['(line)', l];
  });
  return { kind: 'http', headers, t: 0 };
}

function httpMessages(conns: HttpConnResult[]): ConformanceResult['messages'] {
  return conns.map((c) => ({
    label: c.label,
    expected: [...c.exchanges.map((x) => httpMsg(x.expected)), closeMsg(c.expectServerClose)],
    got: [...c.exchanges.map((x) => httpMsg(x.got)), closeMsg(c.serverClosed)],
  }));
}

/**
 * Starts the bench: amikit on a copy of the recorded configuration, its peers' ports moved to a
 * stub (test-202, test-203) and to free ports nothing answers on (test-204, the registrar).
 */
export async function startConformanceBench(): Promise<ConformanceBench> {
  const stub = await startStub(2);
  const dead = await freeUdpPort();
  const registrar = await freeUdpPort();
  const portMap = new Map<string, string>([
    [String(stub.ports[0]), '15062'],
    [String(stub.ports[1]), '15064'],
    [String(dead), '15066'],
    [String(registrar), '15070'],
  ]);
  const configDir = configDirWithTestCertificate(join(CONFORMANCE_DIR, 'config'));
  const sipConf = join(configDir, 'sip.conf');
  writeFileSync(
    sipConf,
    readFileSync(sipConf, 'utf8')
      .replace('port = 15062', `port = ${stub.ports[0]}`)
      .replace('port = 15064', `port = ${stub.ports[1]}`)
      .replace('port = 15066', `port = ${dead}`)
      .replace('@127.0.0.1:15070/', `@127.0.0.1:${registrar}/`),
  );
  // The recorded Asterisk's build line (17_command and 28a print it with `core show version`).
  writeFileSync(join(configDir, 'asterisk.conf'), `[options]\nbuildinfo = ${RECORDED_BUILD}\n`);
  const server = await startTestServer({ configDir, virtualClock: true, seed: 1 });
  const vclock = server.core?.pbx.clock;
  if (!(vclock instanceof VirtualClock)) {
    await server.dispose();
    await stub.close();
    throw new Error('the conformance replay needs the virtual clock');
  }
  const clock = replayClock(server.manager, vclock);
  // The recording's Asterisk had qualified its peers before the first transcript: test-202
  // answered, nothing answered for test-204 (UNREACHABLE after twice its maxms).
  const sipCore = server.sip?.core;
  const p202 = sipCore?.findPeer('test-202');
  const p204 = sipCore?.findPeer('test-204');
  for (let end = Date.now() + 10_000; p202 && p204 && Date.now() < end;) {
    if (p202.lastms > 0 && p204.lastms < 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const livePorts = [...portMap.keys()];
  const mapPorts = (msgs: Msg[]): Msg[] =>
    msgs.map((m) => ({
      ...m,
      headers: m.headers.map(([n, v]): [string, string] => {
        if (PORT_HEADERS.has(n)) return [n, portMap.get(v) ?? v];
        // `sip show peers` prints the port in a column of its own.
        if (n === 'Output')
          return [n, v.replace(/\b(\d{4,5})\b/g, (p) => (livePorts.includes(p) ? (portMap.get(p) ?? p) : p))];
        return [n, v];
      }),
    }));
  const httpPort = server.httpAddress?.port ?? 0;
  /**
   * Transcripts of the recorded run that are not in the set (13, 15, 19, ...) made channels, so the
   * recording's channel numbers are ahead of ours. Asterisk lists channels in the hash order of
   * their names (Status, CoreShowChannels, `core show channels`, Hangup by pattern), so the
   * numbers matter: the PBX's counters move on to the first number the transcript shows (never back).
   */
  const catchUpChannelNumbers = (path: string): void => {
    const pbx = server.core?.pbx;
    if (!pbx) return;
    const first = new Map<string, number>();
    for (const m of readFileSync(path, 'utf8').matchAll(
      /\b(Local|SIP)\/[^\s/!,;]*?-([0-9a-f]{8})(?![0-9A-Za-z])/g,
    )) {
      const n = parseInt(m[2], 16);
      first.set(m[1], Math.min(first.get(m[1]) ?? n, n));
    }
    for (const [tech, n] of first) while (pbx.ids.nextChannelNumber(tech) < n) pbx.ids.channelSuffix(tech);
  };
  /**
   * The recording's stub answered qualify within a millisecond (`OK (1 ms)`); on a loaded machine
   * a poke may take longer, which is the network's doing, not amikit's: poke test-202 again (a few
   * times at most) until the latency is the recorded one.
   */
  const fastStub = async (): Promise<void> => {
    const sip = server.sip?.core;
    const peer = sip?.findPeer('test-202');
    if (!sip || !peer) return;
    for (let i = 0; i < 20 && peer.lastms !== 1; i++) {
      sip.pokePeer(peer, true);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  return {
    server,
    stub,
    run: async (name, opts = {}) => {
      const maxDiffs = opts.maxDiffs ?? 20;
      await fastStub();
      const path = join(CONFORMANCE_DIR, `${name}.jsonl`);
      catchUpChannelNumbers(path);
      let messages: ConformanceResult['messages'];
      if (isHttp(path)) {
        messages = httpMessages(await replayHttp(path, { host: '127.0.0.1', port: httpPort }));
      } else {
        // The replay counts the actions it sends from zero: so does the clock it is given.
        const base = clock.taken();
        const res: ConnResult[] = await replay(path, {
          host: '127.0.0.1',
          amiPort: server.port,
          tlsPort: server.tlsPort,
          secrets: CONFORMANCE_SECRETS,
          clock: { ...clock, taken: () => clock.taken() - base },
        });
        const exp = tokenizeEpochs(res, 'expected');
        const got = tokenizeEpochs(res, 'got').map(mapPorts);
        messages = res.map((c, i) => ({
          label: c.label,
          expected: [...exp[i], closeMsg(c.expectServerClose)],
          got: [...got[i], closeMsg(c.serverClosed)],
        }));
      }
      const races = CONFORMANCE_RACES[name] ?? [];
      const conns = messages.map((m) => scoreConnection(m.expected, m.got, races, maxDiffs));
      return { name, score: combine(name, conns), conns, messages };
    },
    dispose: async () => {
      await server.dispose();
      await stub.close();
    },
  };
}

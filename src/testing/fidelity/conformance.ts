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
export const CONFORMANCE_RACES: Record<string, RaceRule[]> = {};

/** Header values that carry a UDP port of the SIP side (mapped back to the recorded ports). */
const PORT_HEADERS = new Set(['IPport', 'Address-Port', 'Port']);

export interface ConformanceResult {
  name: string;
  score: ScenarioScore;
  /** Per connection, for tests that look closer. */
  conns: ConnScore[];
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

function scoreHttp(conns: HttpConnResult[], maxDiffs: number): ConnScore[] {
  return conns.map((c) =>
    scoreConnection(
      [...c.exchanges.map((x) => httpMsg(x.expected)), closeMsg(c.expectServerClose)],
      [...c.exchanges.map((x) => httpMsg(x.got)), closeMsg(c.serverClosed)],
      [],
      maxDiffs,
    ),
  );
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
  const server = await startTestServer({ configDir, virtualClock: true, seed: 1 });
  const vclock = server.core?.pbx.clock;
  if (!(vclock instanceof VirtualClock)) {
    await server.dispose();
    await stub.close();
    throw new Error('the conformance replay needs the virtual clock');
  }
  const clock = replayClock(server.manager, vclock);
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

  return {
    server,
    stub,
    run: async (name, opts = {}) => {
      const maxDiffs = opts.maxDiffs ?? 20;
      const path = join(CONFORMANCE_DIR, `${name}.jsonl`);
      let conns: ConnScore[];
      if (isHttp(path)) {
        conns = scoreHttp(await replayHttp(path, { host: '127.0.0.1', port: httpPort }), maxDiffs);
      } else {
        const res: ConnResult[] = await replay(path, {
          host: '127.0.0.1',
          amiPort: server.port,
          tlsPort: server.tlsPort,
          secrets: CONFORMANCE_SECRETS,
          clock,
        });
        const exp = tokenizeEpochs(res, 'expected');
        const got = tokenizeEpochs(res, 'got').map(mapPorts);
        const races = CONFORMANCE_RACES[name] ?? [];
        conns = res.map((c, i) =>
          scoreConnection(
            [...exp[i], closeMsg(c.expectServerClose)],
            [...got[i], closeMsg(c.serverClosed)],
            races,
            maxDiffs,
          ),
        );
      }
      return { name, score: combine(name, conns), conns };
    },
    dispose: async () => {
      await server.dispose();
      await stub.close();
    },
  };
}

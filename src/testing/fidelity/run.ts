/**
 * Replays a recorded fidelity scenario against amikit and scores it: a fresh server on the
 * scenario's configuration and a virtual clock, moved on by the scenario's settle time (the time
 * the recorded Asterisk had been up), then the recording replayed (src/testing/replay.ts) and every
 * connection's messages scored in order (score.ts).
 */
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { replay, type ConnResult, type Msg } from '../replay.js';
import { replayClock } from '../replay-clock.js';
import { VirtualClock } from '../../pbx/clock.js';
import { startTestServer, useTestCertificate } from '../server.js';
import { freeUdpPort, startStub, type SipStub } from '../sip-stub.js';
import { mergedConfigDir } from './config.js';
import { FIDELITY_DIR, FIDELITY_SECRETS } from './fixtures.js';
import { loadScenario, type Scenario } from './scenario.js';
import { combine, scoreConnection, type ScenarioScore } from './score.js';

/**
 * Epoch seconds (LastCall, LoginTime, ...) and wall-clock times (the Cdr event's StartTime,
 * AnswerTime, EndTime) become tokens per header: their identity and order still count, the
 * recording's date does not.
 */
export function tokenizeEpochs(conns: ConnResult[], side: 'expected' | 'got'): Msg[][] {
  const maps = new Map<string, Map<string, string>>();
  return conns.map((c) =>
    c[side].map((m) => ({
      ...m,
      headers: m.headers.map(([n, v]): [string, string] => {
        if (!/^1\d{9}$/.test(v) && !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(v)) return [n, v];
        let map = maps.get(n);
        if (!map) maps.set(n, (map = new Map()));
        let t = map.get(v);
        if (!t) map.set(v, (t = `<${n}${map.size + 1}>`));
        return [n, t];
      }),
    })),
  );
}

/** The server closing the connection (or not) is part of what a client sees. */
export function closeMsg(closed: boolean): Msg {
  return { kind: 'close', headers: [['(connection)', closed ? 'closed by the server' : 'kept open']], t: 0 };
}

export interface FidelityResult {
  scenario: Scenario;
  score: ScenarioScore;
  conns: ConnResult[];
}

/** The configuration with manager.conf's TLS paths on the test certificate. */
function configFor(sc: Scenario): string {
  const dir = mergedConfigDir(join(FIDELITY_DIR, 'config'), sc.config);
  useTestCertificate(dir);
  return dir;
}

/** Recorded SIP ports of the peers: test-202 and test-203 (the stub answered), test-204 (nothing did). */
const STUB_PORTS = ['15062', '15064'];
const DEAD_PORT = '15066';

/**
 * As when the scenario was recorded, a stub answers for test-202 and test-203 and nothing for
 * test-204, on free ports written into sip.conf; the map takes live ports back to the recorded ones.
 */
async function sipPeers(configDir: string): Promise<{ stub: SipStub; portMap: Map<string, string> }> {
  const stub = await startStub(STUB_PORTS.length);
  const dead = await freeUdpPort();
  const portMap = new Map<string, string>([[String(dead), DEAD_PORT]]);
  STUB_PORTS.forEach((p, i) => portMap.set(String(stub.ports[i]), p));
  const p = join(configDir, 'sip.conf');
  let text = readFileSync(p, 'utf8');
  for (const [live, recorded] of portMap)
    text = text.replace(new RegExp(`^port = ${recorded}$`, 'm'), `port = ${live}`);
  writeFileSync(p, text);
  return { stub, portMap };
}

/** Live SIP ports back to the recorded ones, in port headers and in `address:port` texts. */
function mapPorts(conns: ConnResult[], portMap: Map<string, string>): void {
  const swap = (v: string): string =>
    v.replace(
      /\b(127\.0\.0\.1[:/ ]+)(\d+)\b/g,
      (x, a: string, port: string) => a + (portMap.get(port) ?? port),
    );
  for (const c of conns)
    c.got = c.got.map((m) => ({
      ...m,
      headers: m.headers.map(([n, v]): [string, string] => [
        n,
        ['IPport', 'Address-Port', 'Port'].includes(n) ? (portMap.get(v) ?? v) : swap(v),
      ]),
    }));
}

export async function runFidelity(name: string): Promise<FidelityResult> {
  const sc = loadScenario(join(FIDELITY_DIR, 'scenarios', `${name}.yaml`));
  const configDir = configFor(sc);
  const sip = sc.sip ? await sipPeers(configDir) : null;
  const srv = await startTestServer({ configDir, virtualClock: true, seed: 1 });
  try {
    const clock = srv.core?.pbx.clock;
    if (!(clock instanceof VirtualClock)) throw new Error('the fidelity replay needs the virtual clock');
    await clock.runFor(sc.settle * 1000);
    const conns = await replay(join(FIDELITY_DIR, 'recorded', `${name}.jsonl`), {
      host: '127.0.0.1',
      amiPort: srv.port,
      tlsPort: srv.tlsPort,
      secrets: FIDELITY_SECRETS,
      clock: replayClock(srv.manager, clock),
    });
    if (sip) mapPorts(conns, sip.portMap);
    const exp = tokenizeEpochs(conns, 'expected');
    const got = tokenizeEpochs(conns, 'got');
    const scores = conns.map((c, i) =>
      scoreConnection(
        [...exp[i], closeMsg(c.expectServerClose)],
        [...got[i], closeMsg(c.serverClosed)],
        sc.races,
      ),
    );
    return { scenario: sc, score: combine(name, scores), conns };
  } finally {
    await srv.dispose();
    await sip?.stub.close();
    rmSync(configDir, { recursive: true, force: true });
  }
}

/**
 * 16_sip replayed against amikit with the SIP module: the recorded configuration, with the phones'
 * ports moved to free ones (a loopback stub answers for test-202 and test-203, nothing listens for
 * test-204, nothing answers the `register =>` registrar). Live port numbers are mapped back to the
 * recorded ones before comparing, so every other byte must match.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replay, render, type Msg } from '../../src/testing/replay.js';
import { CONFORMANCE_DIR, CONFORMANCE_SECRETS } from '../helpers/fixtures.js';
import { startStub, freeUdpPort, type SipStub } from '../../src/testing/sip-stub.js';
import { startSipServer, waitFor, sleep, type SipTestServer } from './helpers.js';

let stub: SipStub;
let env: SipTestServer;
const portMap = new Map<string, string>();

before(async () => {
  stub = await startStub(2);
  const dead = await freeUdpPort();
  const registrar = await freeUdpPort();
  portMap.set(String(stub.ports[0]), '15062');
  portMap.set(String(stub.ports[1]), '15064');
  portMap.set(String(dead), '15066');
  portMap.set(String(registrar), '15070');
  env = await startSipServer((t) =>
    t
      .replace('port = 15062', `port = ${stub.ports[0]}`)
      .replace('port = 15064', `port = ${stub.ports[1]}`)
      // Nothing listens: UNREACHABLE after 2 x maxms; a smaller maxms keeps the test short.
      .replace('port = 15066\nqualify = yes', `port = ${dead}\nqualify = 250`)
      .replace('@127.0.0.1:15070/', `@127.0.0.1:${registrar}/`),
  );
  const core = env.sip.core;
  const p202 = core.findPeer('test-202');
  const p204 = core.findPeer('test-204');
  assert.ok(p202 && p204);
  await waitFor(() => p202.lastms > 0 && p204.lastms < 0, 5000, 'first qualify results');
  // The recording's stub answered within a millisecond; retry the rare slow first answer.
  for (let i = 0; i < 20 && p202.lastms !== 1; i++) {
    core.pokePeer(p202, true);
    await sleep(50);
  }
});

after(async () => {
  await env.dispose();
  await stub.close();
});

function mapPorts(msgs: Msg[]): Msg[] {
  return msgs.map((m) => ({
    ...m,
    headers: m.headers.map(
      ([n, v]) =>
        [n, ['IPport', 'Address-Port', 'Port'].includes(n) ? (portMap.get(v) ?? v) : v] as [string, string],
    ),
  }));
}

test('replay 16_sip', async () => {
  const res = await replay(join(CONFORMANCE_DIR, '16_sip.jsonl'), {
    host: '127.0.0.1',
    amiPort: env.srv.port,
    secrets: CONFORMANCE_SECRETS,
  });
  for (const c of res) {
    assert.deepEqual(render(mapPorts(c.got)), render(c.expected), `connection ${c.label}`);
    assert.equal(c.serverClosed, c.expectServerClose);
  }
  // The NOTIFYs of the scenario reached the stub: two to test-202, two to test-203.
  await waitFor(() => stub.requests.filter((r) => r.method === 'NOTIFY').length >= 4, 2000, 'NOTIFYs');
  const notifies = stub.requests.filter((r) => r.method === 'NOTIFY');
  assert.equal(notifies.filter((r) => r.port === stub.ports[0]).length, 2);
  assert.equal(notifies.filter((r) => r.port === stub.ports[1]).length, 2);
  assert.match(notifies[0].text, /\r\nEvent: check-sync\r\n/);
  assert.match(notifies[0].text, /\r\nSubscription-State: terminated\r\n/);
  assert.doesNotMatch(notifies[0].text, /Content-Length: 0\r\nContent-Length/);
});

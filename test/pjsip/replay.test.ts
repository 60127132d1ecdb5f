/**
 * 41_pjsip_lists and 43_pjsip_cli (Asterisk 22.10.1) replayed in order against amikit with the
 * PJSIP module on the recorded pjsip.conf. The phones' ports move to free ones (a loopback stub
 * answers OPTIONS for test-202 and test-203, nothing listens for test-204); live ports, and the
 * contact hashes made from the live URIs, are mapped back to the recorded ones before comparing.
 * The round-trip times differ on every run: both sides' RTTs become a token.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { replay, render, type Msg } from '../../src/testing/replay.js';
import { startStub, freeUdpPort, type SipStub } from '../../src/testing/sip-stub.js';
import { CONFORMANCE_SECRETS } from '../helpers/fixtures.js';
import { waitFor } from '../sip/helpers.js';
import { CONFORMANCE_22_DIR, okFor, startPjsipServer, UdpPeer, type PjsipTestServer } from './helpers.js';

let stub: SipStub;
let env: PjsipTestServer;
let registrar: UdpPeer;
const textMap: Array<[string, string]> = [];

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

before(async () => {
  stub = await startStub(2);
  const dead = await freeUdpPort();
  // The registrar of `refuser`: silent while 41 runs (the REGISTER is in flight: Unregistered),
  // then answering 503 so that 43 finds the registration Rejected, as the recording did.
  registrar = await UdpPeer.open();
  registrar.answer = () => null;
  const ports: Array<[number, string]> = [
    [stub.ports[0], '15062'],
    [stub.ports[1], '15064'],
    [dead, '15066'],
    [registrar.port, '15070'],
  ];
  for (const [live, rec] of ports) {
    const ext = rec === '15070' ? '' : `test-${{ 15062: 202, 15064: 203, 15066: 204 }[rec]}`;
    if (ext) {
      const l = md5(`sip:${ext}@127.0.0.1:${live}`);
      const r = md5(`sip:${ext}@127.0.0.1:${rec}`);
      textMap.push([l, r], [l.slice(0, 10), r.slice(0, 10)]);
    }
    textMap.push([`127.0.0.1:${live}`, `127.0.0.1:${rec}`]);
  }
  env = await startPjsipServer(
    (t) => {
      let s = t.replace('max_initial_qualify_time = 4', 'max_initial_qualify_time = 1');
      for (const [live, rec] of ports) s = s.replaceAll(`127.0.0.1:${rec}`, `127.0.0.1:${live}`);
      // The recording's qualify_timeout is the default 3 s; nothing listens for test-204, so it is
      // Unreachable 3 s after its first OPTIONS. Waiting for that is the test's only long wait.
      return s;
    },
    // No random spread: the first OPTIONS go at once, the first REGISTER after 1 s.
    { random: () => 0 },
  );
  const st = env.pjsip.state;
  await waitFor(
    () => {
      const c = st.allContacts();
      return (
        c.some((x) => x.aor === 'test-202' && x.status === 'Reachable') &&
        c.some((x) => x.aor === 'test-204' && x.status === 'Unreachable')
      );
    },
    8000,
    'first qualify results',
  );
});

after(async () => {
  await env.dispose();
  await stub.close();
  await registrar.close();
});

function mapValue(v: string): string {
  for (const [l, r] of textMap) v = v.replaceAll(l, r);
  return v;
}

/** RTTs: `RoundtripUsec: N` and the CLI's `Avail <ms>` column become tokens on both sides. */
function normalize(msgs: Msg[], live: boolean): Msg[] {
  return msgs.map((m) => ({
    ...m,
    headers: m.headers.map(([n, v]) => {
      let x = live ? mapValue(v) : v;
      if (n === 'RoundtripUsec' && /^\d+$/.test(x)) x = '<rtt>';
      if (n === 'Output')
        x = x
          .replace(/ Avail +\d+\.\d{3}$/, ' Avail <rtt>')
          // registration_expires counts from the planned attempt: compared by form, as conform.py does.
          .replace(/ \(exp\. \d+s(?: ago)?\)$/, ' (exp. <n>)');
      return [n, x] as [string, string];
    }),
  }));
}

async function run(name: string): Promise<void> {
  const res = await replay(join(CONFORMANCE_22_DIR, `${name}.jsonl`), {
    host: '127.0.0.1',
    amiPort: env.srv.port,
    secrets: CONFORMANCE_SECRETS,
  });
  for (const c of res) {
    assert.deepEqual(
      render(normalize(c.got, true)),
      render(normalize(c.expected, false)),
      `connection ${c.label}`,
    );
    assert.equal(c.serverClosed, c.expectServerClose);
  }
}

test('replay 41_pjsip_lists', async () => {
  await run('41_pjsip_lists');
});

test('replay 43_pjsip_cli', async () => {
  await waitFor(() => registrar.requests('REGISTER').length > 0, 3000, 'the first REGISTER');
  registrar.answer = (req) => okFor(req, '503 Service Unavailable');
  await waitFor(() => env.pjsip.state.outbound.get('refuser')?.status === 'Rejected', 6000, 'Rejected');
  await run('43_pjsip_cli');
});

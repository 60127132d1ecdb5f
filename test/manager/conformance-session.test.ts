/**
 * Session-level fidelity: every recorded transcript of the server core replayed against amikit on the
 * configuration Asterisk was recorded with; each connection must get the same messages.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replay, render } from '../../src/testing/replay.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir, CONFORMANCE_DIR, CONFORMANCE_SECRETS } from '../helpers/fixtures.js';

let srv: TestServer;
before(async () => {
  // No chan_sip: its peers' first qualify results (PeerStatus) would land in whichever replay runs
  // then; none of these scenarios is about SIP.
  srv = await startTestServer({ configDir: conformanceConfigDir(), sip: false });
});
after(async () => {
  await srv.dispose();
});

const SCENARIOS = [
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
  '23_acl_refused',
  '25_userevent',
  '26_malformed',
  '29_tls',
];

for (const name of SCENARIOS) {
  test(`replay ${name}`, async () => {
    const res = await replay(join(CONFORMANCE_DIR, `${name}.jsonl`), {
      host: '127.0.0.1',
      amiPort: srv.port,
      tlsPort: srv.tlsPort,
      secrets: CONFORMANCE_SECRETS,
    });
    for (const c of res) {
      assert.deepEqual(render(c.got), render(c.expected), `connection ${c.label}`);
      assert.equal(c.serverClosed, c.expectServerClose, `connection ${c.label}: who closes`);
      if (c.expectCloseAfter !== null && c.closeAfter !== null) {
        assert.ok(
          Math.abs(c.closeAfter - c.expectCloseAfter) <= Math.max(0.5, 0.15 * c.expectCloseAfter),
          `connection ${c.label}: closed after ${c.closeAfter.toFixed(2)}s, Asterisk after ${c.expectCloseAfter.toFixed(2)}s`,
        );
      }
    }
  });
}

/**
 * Replays the recorded authtimeout scenario (takes ~19 s): an idle unauthenticated connection and a
 * partial Login are dropped when Asterisk dropped them, an authenticated idle session is kept.
 * Same assertions as conformance-session.test.ts.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replay, render } from '../../src/testing/replay.js';
import { loggedIn } from '../../src/testing/raw-ami.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir, CONFORMANCE_DIR, CONFORMANCE_SECRETS } from '../helpers/fixtures.js';

let srv: TestServer;
before(async () => {
  // No chan_sip: its first qualify results (PeerStatus) are no part of this scenario.
  srv = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir(), sip: false });
});
after(async () => {
  await srv.dispose();
});

test('replay 27_authtimeout', { timeout: 60_000 }, async () => {
  // The replay is paced by messages, so its 'loggedin' connection does not really sit idle for 7 s;
  // this one does (for the whole replay, well past authtimeout = 5) and must still be served.
  const idleAuthed = await loggedIn(srv.port, 'admin', 'admin', [['Events', 'off']]);
  const t0 = Date.now();
  const res = await replay(join(CONFORMANCE_DIR, '27_authtimeout.jsonl'), {
    host: '127.0.0.1',
    amiPort: srv.port,
    tlsPort: srv.tlsPort,
    secrets: CONFORMANCE_SECRETS,
  });
  assert.deepEqual(
    res.map((c) => c.label),
    ['idle', 'partial', 'loggedin'],
  );
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
  try {
    assert.ok(Date.now() - t0 > 7000, 'the replay outlasted authtimeout');
    assert.equal(idleAuthed.closed, false, 'authenticated idle session kept');
    const r = await idleAuthed.action('Ping');
    assert.equal(r.get('Ping'), 'Pong');
  } finally {
    idleAuthed.destroy();
  }
});

/**
 * AJAM sessions keep events between WaitEvents (as Asterisk's do until httptimeout); what one keeps
 * is bounded in count and in bytes, the oldest dropped first, while a session that polls gets all.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { EVENT_FLAG } from '../../src/config/permissions.js';
import type { Session } from '../../src/manager/session.js';
import { ajam, cookieOf, request } from '../../src/testing/raw-http.js';

let srv: TestServer;
let port = 0;
before(async () => {
  srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0 });
  port = srv.httpAddress?.port ?? 0;
});
after(async () => {
  await srv.dispose();
});

/** Logs in over /rawman; returns the cookie and the server-side session it names. */
async function login(): Promise<{ cookie: string; session: Session }> {
  const before = new Set(srv.manager.sessions);
  const r = await ajam(port, 'action=login&username=admin&secret=admin');
  assert.match(r.body, /Response: Success/);
  const session = [...srv.manager.sessions].find((s) => !before.has(s) && s.transport.kind === 'HTTP');
  assert.ok(session);
  return { cookie: cookieOf(r), session };
}

const PAD = 'x'.repeat(1000);
const publish = (n: number, from: number): void => {
  for (let i = from; i < from + n; i++) {
    srv.manager.publish('UserEvent', EVENT_FLAG.USER, [
      ['UserEvent', `H${i}`],
      ['Pad', PAD],
    ]);
  }
};

test('an AJAM session that never polls holds at most maxHeldBytes of events; one that polls gets them all', async () => {
  const idle = await login();
  const poller = await login();
  assert.equal(idle.session.maxHeldBytes, 4 * 1024 * 1024);
  await ajam(port, 'action=waitevent&timeout=0', idle.cookie);
  await ajam(port, 'action=waitevent&timeout=0', poller.cookie);

  // 12 rounds of 1,000 events of about 1 KB (12 MB in all); the poller reads after each round.
  let next = 0;
  let seen = 0;
  for (let round = 0; round < 12; round++) {
    publish(1000, next);
    next += 1000;
    const w = await ajam(port, 'action=waitevent&timeout=0', poller.cookie);
    const got = [...w.body.matchAll(/UserEvent: H(\d+)/g)].map((m) => Number(m[1]));
    assert.equal(got.length, 1000, `round ${round}`);
    assert.equal(got[0], round * 1000);
    seen += got.length;
    const held = idle.session.heldEvents;
    assert.ok(held.bytes <= idle.session.maxHeldBytes, `held ${held.bytes} bytes`);
  }
  assert.equal(seen, 12_000);
  const held = idle.session.heldEvents;
  // About 4 MiB of ~1.1 KB events: far fewer than the 12,000 published, more than a few.
  assert.ok(held.count < 4000 && held.count > 3000, `held ${held.count} events`);

  // The idle session is still alive and gets the newest events, the oldest having gone.
  const w = await ajam(port, 'action=waitevent&timeout=0', idle.cookie);
  const got = [...w.body.matchAll(/UserEvent: H(\d+)/g)].map((m) => Number(m[1]));
  assert.equal(got.length, held.count);
  assert.equal(got[got.length - 1], 11_999);
  assert.ok(got[0] > 0);
  assert.deepEqual(idle.session.heldEvents, { count: 0, bytes: 0 });
  const m = (await request(port, 'GET', '/metrics')).body;
  const dropped = Number(/^amikit_events_dropped_total\{transport="HTTP"\} (\d+)$/m.exec(m)?.[1]);
  assert.equal(dropped, 12_000 - held.count);
});

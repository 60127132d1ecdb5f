/**
 * AJAM fidelity: the recorded HTTP manager transcripts (28a rawman, 28b manager HTML, 28c mxml, 28d
 * digest challenge) replayed against amikit on the recorded configuration; every response must equal
 * Asterisk's byte for byte once volatile values are tokens (see src/testing/replay-http.ts), in order,
 * with the real app_queue answering QueueStatus. test/conformance/replay.test.ts replays them too,
 * in recorded order on the state the recorded run left.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replayHttp } from '../../src/testing/replay-http.js';
import { CONFORMANCE_DIR } from '../helpers/fixtures.js';
import { startQueueServer, type QueueServer } from '../queue/helpers.js';
import { RECORDED_BUILD } from '../../src/testing/fidelity/conformance.js';

let srv: QueueServer;
let port = 0;

before(async () => {
  // The recording's modules, app_queue among them (QueueStatus is its own, not a copy of the
  // recording). No chan_sip: its peers' first qualify results (PeerStatus) would reach a WaitEvent.
  // The recorded Asterisk's build line, which 28a's `core show version` prints.
  srv = await startQueueServer({ virtual: true, buildInfo: RECORDED_BUILD });
  port = srv.srv.httpAddress?.port ?? 0;
  // The state 30_queue_call_connected (recorded before 28a, not in the set) left: Camp200 had
  // completed one call within its service level, user1 had taken it after a pause; the epochs
  // compare as tokens, only their being set counts.
  const engine = srv.module.engine;
  const camp = engine.get('Camp200');
  assert.ok(camp);
  camp.callscompleted = 1;
  camp.callscompletedinsl = 1;
  camp.talktime = 5;
  const user1 = camp.find('Local/200@agents');
  assert.ok(user1);
  const now = engine.now();
  user1.calls = 1;
  user1.lastcall = now - 30;
  user1.lastpause = now - 200;
});
after(async () => {
  await srv.dispose();
});

for (const name of ['28a_http_rawman', '28b_http_manager_html', '28c_http_mxml', '28d_http_digest']) {
  test(`replay ${name}`, async () => {
    assert.ok(port > 0, 'HTTP listener is up');
    const res = await replayHttp(join(CONFORMANCE_DIR, `${name}.jsonl`), { host: '127.0.0.1', port });
    for (const c of res) {
      for (const x of c.exchanges)
        assert.equal(x.got, x.expected, `${x.label}: ${x.request.split('\r\n')[0]}`);
      assert.equal(c.serverClosed, c.expectServerClose, `connection ${c.label}: who closes`);
    }
  });
}

/**
 * AJAM fidelity: the recorded HTTP manager transcripts (28a rawman, 28b manager HTML, 28c mxml, 28d
 * digest challenge) replayed against amikit on the recorded configuration; every response must equal
 * Asterisk's byte for byte once volatile values are tokens (see src/testing/replay-http.ts).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replayHttp } from '../../src/testing/replay-http.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir, CONFORMANCE_DIR } from '../helpers/fixtures.js';
import type { ActionContext } from '../../src/manager/context.js';

let srv: TestServer;
let port = 0;

/**
 * QueueStatus Queue: Camp200 exactly as the recording's app_queue answered it. Used only while no
 * queue module registers the real action, so that these replays test the HTTP side on its own.
 */
function queueStatusStub(ctx: ActionContext): void {
  const id = ctx.idLine();
  const member: Array<[string, string]> = [
    ['Queue', 'Camp200'],
    ['Name', 'user1'],
    ['Location', 'Local/200@agents'],
    ['StateInterface', 'Local/200@agents'],
    ['Membership', 'static'],
    ['Penalty', '0'],
    ['CallsTaken', '1'],
    ['LastCall', '1795346071'],
    ['LastPause', '1795345840'],
    ['LoginTime', '1795345761'],
    ['InCall', '0'],
    ['Status', '1'],
    ['Paused', '0'],
    ['PausedReason', ''],
    ['Wrapuptime', '0'],
  ];
  const params: Array<[string, string]> = [
    ['Queue', 'Camp200'],
    ['Max', '0'],
    ['Strategy', 'ringall'],
    ['Calls', '0'],
    ['Holdtime', '0'],
    ['TalkTime', '5'],
    ['Completed', '1'],
    ['Abandoned', '0'],
    ['ServiceLevel', '0'],
    ['ServicelevelPerf', '100.0'],
    ['ServicelevelPerf2', '100.0'],
    ['Weight', '0'],
  ];
  const block = (event: string, pairs: Array<[string, string]>): string =>
    `Event: ${event}\r\n` + pairs.map(([n, v]) => `${n}: ${v}\r\n`).join('') + id + '\r\n';
  ctx.listStart('Queue status will follow');
  ctx.append(block('QueueParams', params) + block('QueueMember', member));
  ctx.listComplete('QueueStatusComplete', 2);
}

before(async () => {
  // The HTTP side alone: the queue module's own tests replay QueueStatus over HTTP with real queues.
  // No chan_sip either: its peers' first qualify results (PeerStatus) would reach a WaitEvent.
  srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0, core: false, sip: false });
  port = srv.httpAddress?.port ?? 0;
  if (!srv.manager.registry.find('QueueStatus')) {
    srv.manager.registry.register({
      name: 'QueueStatus',
      privilege: 0,
      synopsis: 'Show queue status',
      handler: queueStatusStub,
      module: 'test',
    });
  }
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

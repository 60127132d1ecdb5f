/**
 * amikit as Asterisk 22 against a real Asterisk 22.10.1: the recorded session (banner 11.0.0,
 * Login with events, CoreSettings, CoreStatus, ListCommands, `core show version`, the actions 22
 * removed answering as unknown, Ping, Logoff) replayed on the configuration it was recorded with.
 * Every message must be the same, in order, after the replay's normalization (session ids, times,
 * uptimes, the build line's user, host and date). ListCommands is compared on the actions amikit has:
 * Asterisk's lines for them, byte for byte and in Asterisk's order, with nothing of amikit's own.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replay, render, type Msg } from '../../src/testing/replay.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { CONFORMANCE_22_DIR, CONFORMANCE_SECRETS, conformance22ConfigDir } from '../helpers/fixtures.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ configDir: conformance22ConfigDir(), asterisk: '22' });
});
after(async () => {
  await srv.dispose();
});

const header = (m: Msg, name: string): string | undefined => m.headers.find(([n]) => n === name)?.[1];

/**
 * ListCommands restricted to the actions both servers could list: Asterisk's lines for the actions
 * amikit registers (the modules amikit does not have are left out) and amikit's lines for Asterisk's
 * actions (its own Sim* actions, class test, are not Asterisk's).
 */
function listCommandsOn(m: Msg, names: Set<string>): Msg {
  if (header(m, 'ActionID') !== 'lc-1') return m;
  return { ...m, headers: m.headers.filter(([n]) => n === 'Response' || n === 'ActionID' || names.has(n)) };
}

test('replay 40_v22_session: Asterisk 22 session basics, byte for byte after normalization', async () => {
  const res = await replay(join(CONFORMANCE_22_DIR, '40_v22_session.jsonl'), {
    host: '127.0.0.1',
    amiPort: srv.port,
    secrets: CONFORMANCE_SECRETS,
  });
  const asteriskActions = new Set(
    srv.manager.registry
      .list()
      .filter((d) => d.declared?.doc === 'asterisk')
      .map((d) => d.name),
  );
  assert.ok(asteriskActions.size >= 60, `${asteriskActions.size} actions compared in ListCommands`);
  for (const c of res) {
    const want = c.expected.map((m) => listCommandsOn(m, asteriskActions));
    const got = c.got.map((m) => listCommandsOn(m, asteriskActions));
    assert.deepEqual(render(got), render(want), `connection ${c.label}`);
    assert.equal(c.serverClosed, c.expectServerClose, `connection ${c.label}: who closes`);
  }
  // The comparison really covered the release's texts.
  const all = render(res.flatMap((c) => c.got)).join('\n');
  for (const s of [
    '(banner): Asterisk Call Manager/11.0.0',
    'AMIversion: 11.0.0 | AsteriskVersion: 22.10.1',
    'Output: Asterisk 22.10.1 built by <user>',
    'Message: Invalid/unknown command: SIPpeers.',
    'Message: Invalid/unknown command: Monitor.',
    'QueueStatus: Show queue status.  (Priv: <none>)',
  ])
    assert.ok(all.includes(s), `replay shows ${s}`);
});

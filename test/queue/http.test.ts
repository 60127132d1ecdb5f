/**
 * QueueStatus over HTTP (/rawman, transcript 28a): with the recording's figures set up, the body
 * is byte for byte what Asterisk sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFORMANCE_DIR } from '../helpers/fixtures.js';
import { startQueueServer } from './helpers.js';

function recordedBody(): string {
  const lines = readFileSync(join(CONFORMANCE_DIR, '28a_http_rawman.jsonl'), 'latin1')
    .split('\n')
    .filter(Boolean);
  for (const l of lines.slice(1)) {
    const e = JSON.parse(l) as { conn: string; dir: string; data: string };
    if (e.conn === 'queuestatus' && e.dir === 'recv') return e.data.slice(e.data.indexOf('\r\n\r\n') + 4);
  }
  throw new Error('no queuestatus exchange');
}

test('28a: /rawman?action=queuestatus&queue=Camp200&actionid=001 as Asterisk answered', async () => {
  const srv = await startQueueServer();
  try {
    const camp = srv.module.engine.get('Camp200');
    assert.ok(camp);
    camp.callscompleted = 1;
    camp.callscompletedinsl = 1;
    camp.talktime = 5;
    for (const q of srv.module.engine.list()) for (const m of q.members) m.logintime = 1795345761;
    const user1 = camp.find('Local/200@agents');
    assert.ok(user1);
    user1.calls = 1;
    user1.lastcall = 1795346071;
    user1.lastpause = 1795345840;
    const base = `http://127.0.0.1:${srv.srv.httpAddress?.port ?? 0}`;
    const login = await fetch(`${base}/rawman?action=login&username=admin&secret=admin`);
    assert.equal(login.status, 200);
    const cookie = /mansession_id="[^"]+"/.exec(login.headers.get('set-cookie') ?? '')?.[0] ?? '';
    assert.ok(cookie);
    const res = await fetch(`${base}/rawman?action=queuestatus&queue=Camp200&actionid=001`, {
      headers: { cookie },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), recordedBody());
  } finally {
    await srv.dispose();
  }
});

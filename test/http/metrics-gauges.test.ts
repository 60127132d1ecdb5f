/** /metrics on a full server: channels from the telephony core, queue callers and members from app_queue. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';

test('/metrics carries the channel and queue gauges of the running modules', async () => {
  const srv = await startTestServer({ configDir: conformanceConfigDir() });
  try {
    const port = srv.httpAddress?.port ?? 0;
    const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(body, /^amikit_channels 0$/m);
    assert.match(body, /^amikit_queue_callers\{queue="Camp200"\} 0$/m);
    assert.match(body, /^amikit_queue_callers\{queue="Sales"\} 0$/m);
    // Camp200's member Local/200@agents is idle; Sales has two idle Local members.
    assert.match(body, /^amikit_queue_members\{queue="Camp200",state="NOT_INUSE"\} 1$/m);
    assert.match(body, /^amikit_queue_members\{queue="Sales",state="NOT_INUSE"\} 2$/m);
  } finally {
    await srv.dispose();
  }
});

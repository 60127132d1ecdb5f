/** A Logoff sent through send() ends the client like close(): no reconnect, state closed, no timers left. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiClient } from '../../src/client/index.js';
import { startTestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';

test('send("Logoff") answers Goodbye and closes the client for good', async () => {
  const srv = await startTestServer({ configDir: conformanceConfigDir() });
  try {
    const client = new AmiClient({
      host: '127.0.0.1',
      port: srv.port,
      username: 'admin',
      secret: 'admin',
      keepaliveMs: 0,
    });
    await client.connect();
    const states: string[] = [];
    client.on('state', (s: string) => states.push(s));
    const r = await client.send('Logoff');
    assert.equal(r.Response, 'Goodbye');
    await new Promise((res) => setTimeout(res, 700));
    assert.equal(client.state, 'closed');
    assert.ok(!states.includes('reconnecting'), `states: ${states.join(',')}`);
  } finally {
    await srv.dispose();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { AmiClient, type AmiResponse } from '../../src/client/index.js';
import { startFake } from '../../src/testing/fake-ami-server.js';
import { testCertificate } from '../../src/testing/server.js';
import { skipUnless } from '../helpers/require.js';

/** The test certificate's PEM texts, or null without openssl. */
function selfSigned(): { key: string; cert: string } | null {
  try {
    const { key, cert } = testCertificate();
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } catch {
    return null;
  }
}

test('TLS: connects with a pinned CA, logs in (MD5), sends an action; refuses an unknown certificate', async (t) => {
  const pair = selfSigned();
  const skip = skipUnless('openssl', pair !== null, 'openssl not available');
  if (skip !== false || pair === null) {
    t.skip(skip || 'openssl not available');
    return;
  }
  const server = await startFake({ tls: pair });
  const client = new AmiClient({
    host: '127.0.0.1',
    port: server.port,
    tls: { ca: pair.cert },
    username: 'admin',
    secret: 'secret',
    authType: 'md5',
    keepaliveMs: 0,
  });
  await client.connect();
  assert.equal(client.version, '9.0.0');
  assert.equal(((await client.send('Ping')) as AmiResponse).Ping, 'Pong');
  await client.close();

  const strict = new AmiClient({
    port: server.port,
    tls: true,
    username: 'admin',
    secret: 'secret',
    keepaliveMs: 0,
  });
  await assert.rejects(
    strict.connect(),
    /cannot connect to 127\.0\.0\.1:\d+: .*(self[- ]signed|certificate)/i,
  );
  await strict.close();
  await server.close();
});

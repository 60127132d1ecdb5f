import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmiClient, type AmiResponse } from '../../src/client/index.js';
import { startFake } from '../../src/testing/fake-ami-server.js';
import { skipUnless } from '../helpers/require.js';

function selfSigned(): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'k.pem'),
        '-out',
        join(dir, 'c.pem'),
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore', timeout: 20000 },
    );
    return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
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

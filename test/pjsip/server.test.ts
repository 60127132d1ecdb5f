/**
 * The PJSIP module through the server's wiring: loaded when the release names `chan_pjsip`, its
 * pjsip.conf read at start (a syntax error refuses the start with file and line), its UDP
 * listener moved by `sipPort` as chan_sip's is.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, configDirWithTestCertificate } from '../../src/testing/server.js';
import { ConfSyntaxError } from '../../src/config/types.js';
import { AmiConn, hdr } from '../sip/helpers.js';
import { CONFORMANCE_22_DIR, TEST_PROFILE_22 } from './helpers.js';

const PROFILE = TEST_PROFILE_22;

test('a release with chan_pjsip loads the module on the configuration directory', async () => {
  const configDir = configDirWithTestCertificate(join(CONFORMANCE_22_DIR, 'config'));
  const srv = await startTestServer({ configDir, httpPort: 0, sipPort: 0, profile: PROFILE });
  try {
    const ami = await AmiConn.open(srv.port);
    const res = await ami.action(
      { Action: 'PJSIPShowEndpoints' },
      (m) => hdr(m, 'Event') === 'EndpointListComplete',
    );
    assert.equal(hdr(res.at(-1)!, 'ListItems'), '4');
    ami.close();
  } finally {
    await srv.dispose();
  }
});

test('a syntax error in pjsip.conf refuses the start, naming file and line', async () => {
  const configDir = configDirWithTestCertificate(join(CONFORMANCE_22_DIR, 'config'));
  const p = join(configDir, 'pjsip.conf');
  writeFileSync(p, readFileSync(p, 'utf8') + '\n[broken\ntype = aor\n');
  await assert.rejects(
    startTestServer({ configDir, httpPort: 0, sipPort: 0, profile: PROFILE }),
    (e: unknown) => e instanceof ConfSyntaxError && e.file === p && e.line > 100,
  );
});

test('a busy SIP port stops the start, naming the listener', async () => {
  const dgram = await import('node:dgram');
  const busy = dgram.createSocket('udp4');
  await new Promise<void>((r) => busy.bind(0, '127.0.0.1', () => r()));
  const port = busy.address().port;
  try {
    const configDir = configDirWithTestCertificate(join(CONFORMANCE_22_DIR, 'config'));
    await assert.rejects(
      startTestServer({ configDir, httpPort: 0, sipPort: port, bind: '127.0.0.1', profile: PROFILE }),
      (e: unknown) =>
        e instanceof Error && e.message.includes('SIP over UDP') && e.message.includes(String(port)),
    );
  } finally {
    await new Promise<void>((r) => busy.close(() => r()));
  }
});

/**
 * Serving an Asterisk configuration directory as it is: the recorded configuration loads (its TLS
 * paths point at a build prefix that does not exist, so TLS is off and plain AMI runs, as in
 * Asterisk); files amikit does not use are reported; a syntax error stops the start with file:line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, cpSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startAmikit } from '../../src/server.js';
import { ConfSyntaxError } from '../../src/config/types.js';
import { CONFORMANCE_DIR } from '../helpers/fixtures.js';
import type { Logger } from '../../src/logger.js';

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

test('the recorded Asterisk configuration loads as it is: AMI up, TLS off for its missing key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-raw-'));
  cpSync(join(CONFORMANCE_DIR, 'config'), dir, { recursive: true });
  const { log, lines } = capture();
  const srv = await startAmikit({
    configDir: dir,
    amiPort: 0,
    tlsPort: 0,
    httpPort: 0,
    sipPort: 0,
    logger: log,
  });
  try {
    assert.ok(srv.amiAddress && srv.amiAddress.port > 0);
    assert.equal(srv.tlsAddress, null);
    const text = lines.join('');
    assert.match(text, /TLS disabled/);
    assert.match(text, /logger\.conf: not used by amikit, ignored/);
    assert.match(text, /modules\.conf: not used by amikit, ignored/);
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a syntax error in manager.conf stops the start with file, line and reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-bad-'));
  writeFileSync(join(dir, 'manager.conf'), '[general]\nenabled = yes\n[admin\nsecret = x\n');
  try {
    await assert.rejects(
      startAmikit({ configDir: dir, amiPort: 0, httpPort: 0, sipPort: 0, logLevel: 'silent' }),
      (e: unknown) => e instanceof ConfSyntaxError && e.line === 3 && e.file.endsWith('manager.conf'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a port already in use fails the start cleanly and leaves nothing running', async () => {
  const net = await import('node:net');
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  const port = (blocker.address() as import('node:net').AddressInfo).port;
  const dir = mkdtempSync(join(tmpdir(), 'amikit-busy-'));
  cpSync(join(CONFORMANCE_DIR, 'config'), dir, { recursive: true });
  try {
    await assert.rejects(
      startAmikit({ configDir: dir, amiPort: port, httpPort: 0, sipPort: 0, logLevel: 'silent' }),
      new RegExp(`^ListenError: cannot listen on 127\\.0\\.0\\.1:${port} \\(AMI\\): address in use$`),
    );
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

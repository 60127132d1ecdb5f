/**
 * The build line of `core show version` (`Asterisk 20.20.1 built by <buildinfo>`): amikit's own
 * asterisk.conf `[options] buildinfo`, so that a recording's line can be matched, and this
 * machine's line by default. CoreSettings reports the version only (AsteriskVersion), as
 * manager.c action_coresettings does, whatever buildinfo says.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer } from '../../src/testing/server.js';
import { loggedIn } from '../../src/testing/raw-ami.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';

const BUILD = 'root @ vm on a x86_64 running Linux on 2026-11-22 10:56:01 UTC';

async function versionAndSettings(
  asteriskConf: string | null,
  buildInfo?: string,
): Promise<{ output: string[]; version: string | undefined }> {
  const configDir = conformanceConfigDir();
  if (asteriskConf !== null) writeFileSync(join(configDir, 'asterisk.conf'), asteriskConf);
  const srv = await startTestServer({ configDir, sip: false, buildInfo });
  const c = await loggedIn(srv.port, 'admin', 'admin', [['Events', 'off']]);
  try {
    const v = await c.action('Command', [['Command', 'core show version']]);
    const s = await c.action('CoreSettings');
    return { output: v.all('Output'), version: s.get('AsteriskVersion') };
  } finally {
    c.destroy();
    await srv.dispose();
  }
}

test('asterisk.conf [options] buildinfo is the line core show version prints', async () => {
  const r = await versionAndSettings(`[options]\nmaxcalls = 0\nbuildinfo = ${BUILD}\n`);
  assert.deepEqual(r.output, [`Asterisk 20.20.1 built by ${BUILD}`]);
  assert.equal(r.version, '20.20.1');
});

test('without buildinfo: this machine, as a build here would say', async () => {
  const r = await versionAndSettings(null);
  assert.equal(r.output.length, 1);
  assert.match(
    r.output[0],
    /^Asterisk 20\.20\.1 built by \S+ @ \S+ on a \S+ running \S+ on \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
  );
  assert.notEqual(r.output[0], `Asterisk 20.20.1 built by ${BUILD}`);
});

test('an empty buildinfo is no setting; the server option wins over the file', async () => {
  const empty = await versionAndSettings('[options]\nbuildinfo =\n');
  assert.match(empty.output[0], / built by \S+ @ \S+ on a /);
  const opt = await versionAndSettings(`[options]\nbuildinfo = someone @ elsewhere\n`, BUILD);
  assert.deepEqual(opt.output, [`Asterisk 20.20.1 built by ${BUILD}`]);
});

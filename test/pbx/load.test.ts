import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPbxFromConfigDir, VirtualClock } from '../../src/pbx/index.js';
import { CONF_DIR, T0 } from './helpers.js';

test('createPbxFromConfigDir loads the conformance config (dialplan, SIP peers, cdr.conf)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'amikit-load-'));
  const clock = new VirtualClock(T0);
  const pbx = createPbxFromConfigDir(CONF_DIR, { clock, dataDir });
  assert.deepEqual(
    [...pbx.sipPeers.values()].map((p) => p.name),
    ['test-201', 'test-202', 'test-203', 'test-204'],
  );
  assert.ok(pbx.dialplan.exists('agents', '200'));
  assert.equal(pbx.getVar(undefined, 'GLOBALTEST'), 'hello');
  void pbx.originate({ channel: 'Local/500@default', application: 'Wait', data: '1' });
  await clock.runFor(5000);
  const csv = readFileSync(join(dataDir, 'cdr-csv', 'Master.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(csv.length, 2);
  assert.match(csv[0], /,"ANSWERED","DOCUMENTATION","1795345815\.0",""$/);
  pbx.close();
  rmSync(dataDir, { recursive: true, force: true });
});

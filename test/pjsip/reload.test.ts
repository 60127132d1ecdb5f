/**
 * `Reload Module: res_pjsip.so`: pjsip.conf read again (new objects listed, a vanished aor's
 * registered contacts removed with ContactStatus Removed), and a file that no longer parses leaves
 * the running configuration in place.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AmiConn, hdr, waitFor } from '../sip/helpers.js';
import { startPjsipServer, type PjsipTestServer } from './helpers.js';

let env: PjsipTestServer;
let ami: AmiConn;

before(async () => {
  env = await startPjsipServer();
  ami = await AmiConn.open(env.srv.port);
});

after(async () => {
  ami.close();
  await env.dispose();
});

async function endpoints(): Promise<string[]> {
  const list = await ami.action(
    { Action: 'PJSIPShowEndpoints' },
    (m) => hdr(m, 'Event') === 'EndpointListComplete',
  );
  return list.filter((m) => hdr(m, 'Event') === 'EndpointList').map((m) => hdr(m, 'ObjectName') ?? '');
}

test('a reload reads pjsip.conf again', async () => {
  const p = join(env.configDir, 'pjsip.conf');
  const original = readFileSync(p, 'utf8');
  // A registered contact on test-201, whose aor the new file drops.
  const aor = env.pjsip.state.find('aor', 'test-201')!;
  const c = env.pjsip.state.newContact(aor, 'sip:test-201@127.0.0.1:9', false);
  env.pjsip.state.putContact(c);
  writeFileSync(
    p,
    original.replace(/\[test-201\]\ntype = aor\nmax_contacts = 1\n/, '') +
      '\n[test-206]\ntype = endpoint\ncontext = default\n',
  );
  const [res] = await ami.action({ Action: 'Reload', Module: 'res_pjsip.so' });
  assert.equal(hdr(res, 'Response'), 'Success');
  assert.deepEqual(await endpoints(), ['test-201', 'test-202', 'test-203', 'test-204', 'test-206']);
  assert.equal(env.pjsip.state.find('aor', 'test-201'), undefined);
  await waitFor(
    () => ami.events('ContactStatus').some((m) => hdr(m, 'ContactStatus') === 'Removed'),
    2000,
    'Removed',
  );

  appendFileSync(p, '\n[broken\n');
  await ami.action({ Action: 'Reload', Module: 'res_pjsip.so' });
  assert.deepEqual(await endpoints(), ['test-201', 'test-202', 'test-203', 'test-204', 'test-206']);
});

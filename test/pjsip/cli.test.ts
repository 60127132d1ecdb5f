/**
 * `pjsip show|list ...` beyond the recording: `like <regex>` filters, an unknown object, an empty
 * result, `pjsip list` without children, and a registered contact's line.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmiConn, hdr } from '../sip/helpers.js';
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

async function cli(command: string): Promise<{ response: string; out: string[] }> {
  const [m] = await ami.action({ Action: 'Command', Command: command });
  return { response: hdr(m, 'Response') ?? '', out: m.filter(([n]) => n === 'Output').map(([, v]) => v) };
}

test('like <regex> filters the objects by id', async () => {
  const r = await cli('pjsip list endpoints like 20[34]$');
  assert.deepEqual(
    r.out.filter((l) => l.startsWith(' Endpoint:  test')).map((l) => l.slice(12, 20)),
    ['test-203', 'test-204'],
  );
  assert.ok(r.out.includes('Objects found: 2'));
  const none = await cli('pjsip show aors like ^nothing');
  assert.deepEqual(none.out, ['No objects found.', '']);
  const bad = await cli('pjsip show auths like');
  assert.equal(bad.response, 'Error');
});

test('an unknown object, and pjsip list without children', async () => {
  const r = await cli('pjsip show endpoint nosuch');
  assert.equal(r.response, 'Success');
  assert.deepEqual(r.out, ['Unable to find object nosuch.', '']);
  const aors = await cli('pjsip list aors');
  assert.deepEqual(aors.out.slice(0, 4), [
    '',
    '      Aor:  <Aor..............................................>  <MaxContact>',
    '==========================================================================================',
    '',
  ]);
  assert.ok(!aors.out.some((l) => l.includes('Contact:')));
  const t = await cli('pjsip show transport transport-udp');
  assert.ok(t.out.includes(' bind                        : 127.0.0.1:5070'));
});

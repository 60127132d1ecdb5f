/**
 * PJSIP list actions on shapes the recording does not have: an endpoint with two aors (one
 * `Contacts` line each), one with none (no `Contacts` line), an aor named by two endpoints (listed
 * under each in PJSIPShowRegistrationsInbound), and empty lists' errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmiConn, hdr } from '../sip/helpers.js';
import { startPjsipServer, type PjsipTestServer } from './helpers.js';

let env: PjsipTestServer;
let ami: AmiConn;

before(async () => {
  env = await startPjsipServer(
    () =>
    [
      '[multi]', 'type = endpoint', 'aors = a1, a2', '',
      '[other]', 'type = endpoint', 'aors = a2', '',
      '[none]', 'type = endpoint', '',
      '[a1]', 'type = aor', 'contact = sip:x@127.0.0.1:9', '',
      '[a2]', 'type = aor', 'contact = sip:y@127.0.0.1:9, sip:z@127.0.0.1:9', '',
    ].join('\n'), // prettier-ignore
  );
  ami = await AmiConn.open(env.srv.port);
});

after(async () => {
  ami.close();
  await env.dispose();
});

test('EndpointList: Aor as written, one Contacts line per aor', async () => {
  const list = await ami.action(
    { Action: 'PJSIPShowEndpoints' },
    (m) => hdr(m, 'Event') === 'EndpointListComplete',
  );
  const multi = list.find((m) => hdr(m, 'ObjectName') === 'multi')!;
  assert.equal(hdr(multi, 'Aor'), 'a1, a2');
  assert.deepEqual(
    multi.filter(([n]) => n === 'Contacts').map(([, v]) => v),
    ['a1/sip:x@127.0.0.1:9,', 'a2/sip:y@127.0.0.1:9,a2/sip:z@127.0.0.1:9,'],
  );
  const none = list.find((m) => hdr(m, 'ObjectName') === 'none')!;
  assert.equal(none.filter(([n]) => n === 'Contacts').length, 0);
  assert.equal(hdr(none, 'DeviceState'), 'Unavailable');
});

test('InboundRegistrationDetail per endpoint and aor; empty lists answer with their errors', async () => {
  const reg = await ami.action(
    { Action: 'PJSIPShowRegistrationsInbound' },
    (m) => hdr(m, 'Event') === 'InboundRegistrationDetailComplete',
  );
  assert.deepEqual(
    reg.filter((m) => hdr(m, 'Event') === 'InboundRegistrationDetail').map((m) => hdr(m, 'ObjectName')),
    ['a1', 'a2', 'a2'],
  );
  const auths = await ami.action({ Action: 'PJSIPShowAuths' });
  assert.equal(hdr(auths[0], 'Message'), 'No Auths found\n');
  const outbound = await ami.action(
    { Action: 'PJSIPShowRegistrationsOutbound' },
    (m) => hdr(m, 'Event') === 'OutboundRegistrationDetailComplete',
  );
  assert.equal(hdr(outbound.at(-1)!, 'ListItems'), '0');
});

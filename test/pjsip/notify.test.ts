/**
 * PJSIPNotify and PJSIPQualify on the wire: NOTIFY from a pjsip_notify.conf option, from Variable
 * headers (a body from Content-type / Content) and to a URI, reaching a loopback phone; OPTIONS on
 * PJSIPQualify and `pjsip qualify`; the errors worded as res_pjsip_notify and pjsip_options word them.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AmiConn, hdr, waitFor } from '../sip/helpers.js';
import { sipHeader, startPjsipServer, UdpPeer, type PjsipTestServer } from './helpers.js';

let env: PjsipTestServer;
let phone: UdpPeer;
let ami: AmiConn;

before(async () => {
  phone = await UdpPeer.open();
  env = await startPjsipServer((t) => t.replaceAll('127.0.0.1:15064', `127.0.0.1:${phone.port}`));
  ami = await AmiConn.open(env.srv.port);
});

after(async () => {
  ami.close();
  await env.dispose();
  await phone.close();
});

test('an Option of pjsip_notify.conf reaches every contact of the endpoint', async () => {
  const res = await ami.action({
    Action: 'PJSIPNotify',
    Endpoint: 'PJSIP/test-203',
    Option: 'polycom-check-cfg',
  });
  assert.equal(hdr(res[0], 'Response'), 'Success');
  assert.equal(hdr(res[0], 'Message'), 'NOTIFY sent');
  await waitFor(() => phone.requests('NOTIFY').length === 1, 2000, 'NOTIFY');
  const n = phone.requests('NOTIFY')[0];
  assert.match(n, new RegExp(`^NOTIFY sip:test-203@127\\.0\\.0\\.1:${phone.port} SIP/2\\.0\\r\\n`));
  assert.equal(sipHeader(n, 'Event'), 'check-sync');
  assert.equal(sipHeader(n, 'Subscription-State'), 'terminated');
  assert.equal(sipHeader(n, 'Content-Length'), '0');
});

test('Variable headers: extra headers and a body; forbidden headers are dropped', async () => {
  await ami.action({
    Action: 'PJSIPNotify',
    Endpoint: 'test-203',
    Variable: [
      'Event=message-summary,X-Test=1',
      'Call-ID=forged',
      'Content-type=application/simple-message-summary',
      'Content=Messages-Waiting: yes',
      'Content=Voice-Message: 1/0',
    ],
  });
  await waitFor(() => phone.requests('NOTIFY').length === 2, 2000, 'NOTIFY');
  const n = phone.requests('NOTIFY')[1];
  assert.equal(sipHeader(n, 'Event'), 'message-summary');
  assert.equal(sipHeader(n, 'X-Test'), '1');
  assert.notEqual(sipHeader(n, 'Call-ID'), 'forged');
  assert.equal(sipHeader(n, 'Content-Type'), 'application/simple-message-summary');
  assert.ok(n.endsWith('\r\n\r\nMessages-Waiting: yes\r\nVoice-Message: 1/0'));
});

test('a URI gets the NOTIFY directly', async () => {
  const res = await ami.action({
    Action: 'PJSIPNotify',
    URI: `sip:someone@127.0.0.1:${phone.port}`,
    Variable: 'Event=check-sync',
  });
  assert.equal(hdr(res[0], 'Message'), 'NOTIFY sent');
  await waitFor(() => phone.requests('NOTIFY').length === 3, 2000, 'NOTIFY');
  assert.match(phone.requests('NOTIFY')[2], /^NOTIFY sip:someone@127\.0\.0\.1:\d+ SIP\/2\.0/);
});

test('PJSIPNotify errors', async () => {
  const cases: Array<[Record<string, string>, string]> = [
    [
      { Endpoint: 'test-203' },
      'PJSIPNotify requires either an Option or Variable(s).You must use only one of them.',
    ],
    [
      { Endpoint: 'test-203', URI: 'sip:a@b', Option: 'x' },
      'PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.  You must use only one of them.',
    ],
    [{ Option: 'x' }, 'PJSIPNotify requires either an endpoint name, a SIP URI, or a channel.'],
    [{ Endpoint: 'test-203', Option: 'nosuch' }, "Unable to find notify type 'nosuch'\n"],
    [{ Endpoint: 'nosuch', Variable: 'Event=x' }, 'Unable to retrieve endpoint nosuch'],
  ];
  for (const [fields, message] of cases) {
    const res = await ami.action({ Action: 'PJSIPNotify', ...fields });
    assert.equal(hdr(res[0], 'Response'), 'Error', message);
    assert.equal(hdr(res[0], 'Message'), message);
  }
});

test('PJSIPQualify and `pjsip qualify` send OPTIONS to the endpoint contacts', async () => {
  const res = await ami.action({ Action: 'PJSIPQualify', Endpoint: 'test-203' });
  assert.equal(hdr(res[0], 'Message'), 'Endpoint found, will qualify');
  await waitFor(() => phone.requests('OPTIONS').length === 1, 2000, 'OPTIONS');
  const cli = await ami.action({ Action: 'Command', Command: 'pjsip qualify test-203' });
  assert.equal(hdr(cli[0], 'Response'), 'Success');
  assert.equal(hdr(cli[0], 'Output'), "Qualifying AOR 'test-203' on endpoint 'test-203'");
  await waitFor(() => phone.requests('OPTIONS').length === 2, 2000, 'OPTIONS');
  const bad = await ami.action({ Action: 'PJSIPQualify', Endpoint: 'nosuch' });
  assert.equal(hdr(bad[0], 'Message'), 'Unable to retrieve endpoint\n');
});

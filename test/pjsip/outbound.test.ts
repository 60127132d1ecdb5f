/**
 * Outbound registrations on the wire: amikit registers to a loopback registrar that challenges
 * with a digest, re-registers, unregisters on PJSIPUnregister and again on PJSIPRegister, retries a
 * temporal failure and stops on a fatal one; Registry events (ChannelType PJSIP) and
 * PJSIPShowRegistrationsOutbound / `pjsip show registrations` follow.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AmiConn, hdr, waitFor } from '../sip/helpers.js';
import { okFor, sipHeader, startPjsipServer, UdpPeer, type PjsipTestServer } from './helpers.js';

let env: PjsipTestServer;
let registrar: UdpPeer;
let fatal: UdpPeer;
let ami: AmiConn;
const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

before(async () => {
  registrar = await UdpPeer.open();
  fatal = await UdpPeer.open();
  fatal.answer = (req) => okFor(req, '403 Forbidden');
  // Challenge every REGISTER without credentials; accept a correct digest.
  registrar.answer = (req) => {
    const auth = sipHeader(req, 'Authorization');
    if (!auth)
      return okFor(req, '401 Unauthorized', [
        'WWW-Authenticate: Digest realm="upstream",nonce="n0nce",qop="auth"',
      ]);
    const get = (k: string): string => new RegExp(`${k}="?([^",]*)"?`).exec(auth)?.[1] ?? '';
    const ha1 = md5('trunkuser:upstream:trunksecret');
    const ha2 = md5(`REGISTER:${get('uri')}`);
    const want = md5(`${ha1}:n0nce:${get('nc')}:${get('cnonce')}:auth:${ha2}`);
    if (get('response') !== want) return okFor(req, '403 Forbidden');
    const expires = sipHeader(req, 'Expires') ?? '0';
    const contact = sipHeader(req, 'Contact') ?? '';
    return okFor(req, '200 OK', expires === '0' ? [] : [`Contact: ${contact};expires=120`]);
  };
  env = await startPjsipServer(
    (t) =>
      t +
      [
        '',
        '[trunk]',
        'type = registration',
        `server_uri = sip:127.0.0.1:${registrar.port}`,
        `client_uri = sip:trunkuser@127.0.0.1:${registrar.port}`,
        'outbound_auth = trunk-auth',
        'contact_user = 7000',
        'retry_interval = 5',
        '',
        '[trunk-auth]',
        'type = auth',
        'username = trunkuser',
        'password = trunksecret',
        '',
        '[closed]',
        'type = registration',
        `server_uri = sip:127.0.0.1:${fatal.port}`,
        `client_uri = sip:x@127.0.0.1:${fatal.port}`,
        '',
      ].join('\n'),
    { random: () => 0 },
  );
  ami = await AmiConn.open(env.srv.port);
});

after(async () => {
  ami.close();
  await env.dispose();
  await registrar.close();
  await fatal.close();
});

const registry = (status: string, domainPort: number): boolean =>
  ami
    .events('Registry')
    .some((m) => hdr(m, 'Status') === status && hdr(m, 'Domain') === `sip:127.0.0.1:${domainPort}`);

test('registers with a digest: Registry event, Registered in the lists and the CLI', async () => {
  await waitFor(() => registry('Registered', registrar.port), 5000, 'Registered');
  const ev = ami.events('Registry').find((m) => hdr(m, 'Status') === 'Registered')!;
  assert.deepEqual(
    ev.filter(([n]) => n !== 'Privilege'),
    [
      ['Event', 'Registry'],
      ['ChannelType', 'PJSIP'],
      ['Username', `sip:trunkuser@127.0.0.1:${registrar.port}`],
      ['Domain', `sip:127.0.0.1:${registrar.port}`],
      ['Status', 'Registered'],
    ],
  );
  const regs = registrar.requests('REGISTER');
  assert.equal(regs.length, 2);
  assert.match(sipHeader(regs[0], 'Contact') ?? '', /^<sip:7000@127\.0\.0\.1:\d+>$/);
  assert.equal(sipHeader(regs[0], 'Expires'), '3600');
  assert.match(sipHeader(regs[1], 'Authorization') ?? '', /^Digest username="trunkuser", realm="upstream"/);

  const list = await ami.action(
    { Action: 'PJSIPShowRegistrationsOutbound' },
    (m) => hdr(m, 'Event') === 'OutboundRegistrationDetailComplete',
  );
  const trunk = list.find((m) => hdr(m, 'ObjectName') === 'trunk')!;
  assert.equal(hdr(trunk, 'Status'), 'Registered');
  const next = Number(hdr(trunk, 'NextReg'));
  assert.ok(next > 100 && next <= 110, `NextReg ${next}`);
  const done = list.find((m) => hdr(m, 'Event') === 'OutboundRegistrationDetailComplete')!;
  assert.equal(hdr(done, 'Registered'), '1');

  const cli = await ami.action({ Action: 'Command', Command: 'pjsip show registrations' });
  const line = cli[0]
    .filter(([n]) => n === 'Output')
    .map(([, v]) => v)
    .find((v) => v.startsWith(' trunk/'));
  assert.match(line ?? '', /^ trunk\/sip:127\.0\.0\.1:\d+ +trunk-auth {18}Registered {8}\(exp\. 1\d\ds\)$/);
});

test('a fatal answer (403) stops the registration: Rejected, no retry', async () => {
  await waitFor(() => registry('Rejected', fatal.port), 5000, 'Rejected');
  assert.equal(env.pjsip.state.outbound.get('closed')?.status, 'Rejected');
  assert.equal(env.pjsip.state.outbound.get('closed')?.nextReg, 0);
  assert.equal(fatal.requests('REGISTER').length, 1);
});

test('PJSIPUnregister sends Expires 0; PJSIPRegister registers again; errors as Asterisk words them', async () => {
  const un = await ami.action({ Action: 'PJSIPUnregister', Registration: 'trunk' });
  assert.equal(hdr(un[0], 'Message'), 'Unregistration sent');
  await waitFor(() => registry('Unregistered', registrar.port), 3000, 'Unregistered');
  const last = registrar.requests('REGISTER').at(-1)!;
  assert.equal(sipHeader(last, 'Expires'), '0');
  assert.equal(env.pjsip.state.outbound.get('trunk')?.status, 'Unregistered');

  const n = ami.events('Registry').filter((m) => hdr(m, 'Status') === 'Registered').length;
  const re = await ami.action({ Action: 'PJSIPRegister', Registration: 'trunk' });
  assert.equal(hdr(re[0], 'Message'), 'Reregistration sent');
  await waitFor(
    () => ami.events('Registry').filter((m) => hdr(m, 'Status') === 'Registered').length > n,
    3000,
    'again',
  );

  const missing = await ami.action({ Action: 'PJSIPRegister' });
  assert.equal(hdr(missing[0], 'Message'), 'Registration parameter missing.');
  const unknown = await ami.action({ Action: 'PJSIPUnregister', Registration: 'nosuch' });
  assert.equal(hdr(unknown[0], 'Response'), 'Error');
  assert.equal(hdr(unknown[0], 'Message'), 'Unable to retrieve registration entry\n');
});

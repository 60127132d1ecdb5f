/**
 * The PJSIP registrar on the wire (real UDP on 127.0.0.1): digest challenge and check, contacts
 * bound to the aor with their expiry, max_contacts and remove_existing, minimum_expiration (423),
 * unregistration; the contact in PJSIPShowContacts / PJSIPShowEndpoint, ContactStatus and
 * PeerStatus events on AMI, qualify of a registered contact.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { AmiConn, hdr, waitFor } from '../sip/helpers.js';
import { releaseSpec } from '../../src/spec.js';
import { authorityToString } from '../../src/config/permissions.js';
import { startPjsipServer, UdpPeer, sipHeader, type PjsipTestServer } from './helpers.js';

let env: PjsipTestServer;
let phone: UdpPeer;
let ami: AmiConn;
let sipPort = 0;
let cseq = 1;

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

before(async () => {
  env = await startPjsipServer((t) =>
    t
      // A second phone whose aor lets a new registration push the old contact out.
      .concat(
        '\n[test-205]\ntype = endpoint\ncontext = default\nauth = test-205\naors = test-205\n',
        '[test-205]\ntype = auth\nusername = test-205\npassword = s205\n',
        '[test-205]\ntype = aor\nmax_contacts = 1\nremove_existing = yes\nqualify_frequency = 30\nminimum_expiration = 30\n',
      ),
  );
  sipPort = env.pjsip.address().port;
  phone = await UdpPeer.open();
  ami = await AmiConn.open(env.srv.port);
});

after(async () => {
  ami.close();
  await phone.close();
  await env.dispose();
});

function register(
  user: string,
  opts: { contactUser?: string; expires?: number; auth?: string; contact?: string; to?: string } = {},
): string {
  const contact = opts.contact ?? `<sip:${opts.contactUser ?? user}@127.0.0.1:${phone.port}>`;
  return [
    `REGISTER sip:127.0.0.1:${sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bK${md5(String(Math.random())).slice(0, 12)};rport`,
    'Max-Forwards: 70',
    `From: <sip:${user}@127.0.0.1>;tag=ph${cseq}`,
    `To: <sip:${opts.to ?? user}@127.0.0.1>`,
    `Call-ID: reg-${user}@127.0.0.1`,
    `CSeq: ${cseq++} REGISTER`,
    `Contact: ${contact}`,
    ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
    ...(opts.auth ? [`Authorization: ${opts.auth}`] : []),
    'User-Agent: amikit-test-phone',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

function authFor(challenge: string, user: string, secret: string): string {
  const h = sipHeader(challenge, 'WWW-Authenticate') ?? '';
  const realm = /realm="([^"]*)"/.exec(h)?.[1] ?? '';
  const nonce = /nonce="([^"]*)"/.exec(h)?.[1] ?? '';
  const uri = `sip:127.0.0.1:${sipPort}`;
  const cnonce = 'abcdef';
  const nc = '00000001';
  const ha1 = md5(`${user}:${realm}:${secret}`);
  const ha2 = md5(`REGISTER:${uri}`);
  const response = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, cnonce="${cnonce}", nc=${nc}`;
}

/** REGISTER, answer the challenge, return the final response. */
async function registerWithAuth(
  user: string,
  secret: string,
  opts: { contactUser?: string; expires?: number; to?: string } = {},
): Promise<string> {
  const first = await phone.request(register(user, opts), sipPort);
  assert.match(first, /^SIP\/2\.0 401 Unauthorized/);
  return phone.request(register(user, { ...opts, auth: authFor(first, user, secret) }), sipPort);
}

test('a wrong password is challenged again; the right one registers the contact', async () => {
  const first = await phone.request(register('test-201'), sipPort);
  assert.match(first, /^SIP\/2\.0 401 Unauthorized/);
  assert.match(
    sipHeader(first, 'WWW-Authenticate') ?? '',
    /^Digest realm="asterisk",nonce="\d+\/[0-9a-f]{32}",opaque="[0-9a-f]+",algorithm=MD5,qop="auth"$/,
  );
  const wrong = await phone.request(
    register('test-201', { auth: authFor(first, 'test-201', 'nope') }),
    sipPort,
  );
  assert.match(wrong, /^SIP\/2\.0 401/);

  const ok = await registerWithAuth('test-201', 'test201secret', { expires: 600 });
  assert.match(ok, /^SIP\/2\.0 200 OK/);
  assert.equal(sipHeader(ok, 'Contact'), `<sip:test-201@127.0.0.1:${phone.port}>;expires=600`);

  await waitFor(
    () => ami.events('ContactStatus').length > 0 && ami.events('PeerStatus').length > 0,
    2000,
    'events',
  );
  const cs = ami.events('ContactStatus')[0];
  assert.deepEqual(
    cs.filter(([n]) => n !== 'Privilege'),
    [
      ['Event', 'ContactStatus'],
      ['URI', `sip:test-201@127.0.0.1:${phone.port}`],
      ['ContactStatus', 'NonQualified'],
      ['AOR', 'test-201'],
      ['EndpointName', 'test-201'],
      ['RoundtripUsec', '0'],
    ],
  );
  const ps = ami.events('PeerStatus')[0];
  assert.equal(hdr(ps, 'ChannelType'), 'PJSIP');
  assert.equal(hdr(ps, 'Peer'), 'PJSIP/test-201');
  assert.equal(hdr(ps, 'PeerStatus'), 'Reachable');

  const list = await ami.action(
    { Action: 'PJSIPShowContacts' },
    (m) => hdr(m, 'Event') === 'ContactListComplete',
  );
  const item = list.find((m) => hdr(m, 'Event') === 'ContactList');
  assert.ok(item);
  const hash = md5(`sip:test-201@127.0.0.1:${phone.port}`);
  assert.equal(hdr(item, 'ObjectName'), `test-201;@${hash}`);
  assert.equal(hdr(item, 'UserAgent'), 'amikit-test-phone');
  assert.equal(hdr(item, 'Status'), 'NonQualified');
  assert.equal(hdr(item, 'Endpoint'), 'test-201');

  const ep = await ami.action(
    { Action: 'PJSIPShowEndpoints' },
    (m) => hdr(m, 'Event') === 'EndpointListComplete',
  );
  const e201 = ep.find((m) => hdr(m, 'ObjectName') === 'test-201');
  assert.equal(hdr(e201!, 'Contacts'), `test-201/sip:test-201@127.0.0.1:${phone.port},`);
  assert.equal(hdr(e201!, 'DeviceState'), 'Not in use');
});

test('max_contacts without remove_existing refuses a second contact with 403', async () => {
  const res = await registerWithAuth('test-201', 'test201secret', { contactUser: 'other', expires: 600 });
  assert.match(res, /^SIP\/2\.0 403/);
  const st = env.pjsip.state.contactsOf('test-201').filter((c) => !c.permanent);
  assert.equal(st.length, 1);
});

test('an unregistration removes the contact: ContactStatus Removed, PeerStatus Unreachable', async () => {
  const before = ami.events('ContactStatus').length;
  const res = await registerWithAuth('test-201', 'test201secret', { expires: 0 });
  assert.match(res, /^SIP\/2\.0 200 OK/);
  assert.equal(sipHeader(res, 'Contact'), undefined);
  await waitFor(() => ami.events('ContactStatus').length > before, 2000, 'Removed');
  assert.equal(hdr(ami.events('ContactStatus')[before], 'ContactStatus'), 'Removed');
  await waitFor(
    () => ami.events('PeerStatus').some((m) => hdr(m, 'PeerStatus') === 'Unreachable'),
    2000,
    'PeerStatus',
  );
  const res2 = await ami.action({ Action: 'PJSIPShowContacts' });
  assert.equal(hdr(res2[0], 'Message'), 'No Contacts found\n');
});

test('minimum_expiration: 423 Interval Too Brief with Min-Expires; above the maximum the expiry is capped', async () => {
  const brief = await registerWithAuth('test-205', 's205', { expires: 10 });
  assert.match(brief, /^SIP\/2\.0 423 Interval Too Brief/);
  assert.equal(sipHeader(brief, 'Min-Expires'), '30');
  const long = await registerWithAuth('test-205', 's205', { expires: 99999 });
  assert.match(long, /^SIP\/2\.0 200/);
  assert.match(sipHeader(long, 'Contact') ?? '', /;expires=7200$/);
});

test('remove_existing makes room; a registered contact of a qualified aor is qualified', async () => {
  const res = await registerWithAuth('test-205', 's205', { contactUser: 'second', expires: 300 });
  assert.match(res, /^SIP\/2\.0 200/);
  const contacts = env.pjsip.state.contactsOf('test-205');
  assert.deepEqual(
    contacts.map((c) => c.uri),
    [`sip:second@127.0.0.1:${phone.port}`],
  );
  // The phone answers the OPTIONS: the contact becomes Reachable with its RTT.
  await waitFor(() => contacts[0].status === 'Reachable', 3000, 'qualified');
  assert.ok(phone.requests('OPTIONS').length >= 1);
  await waitFor(
    () =>
      ami
        .events('ContactStatus')
        .some((m) => hdr(m, 'AOR') === 'test-205' && hdr(m, 'ContactStatus') === 'Reachable'),
    2000,
    'Reachable event',
  );
});

test('a request from no endpoint is challenged, and challenged again (never passes), with security events', async () => {
  const n = ami.msgs.length;
  const first = await phone.request(register('nobody'), sipPort);
  assert.match(first, /^SIP\/2\.0 401/);
  const second = await phone.request(register('nobody', { auth: authFor(first, 'nobody', 'x') }), sipPort);
  assert.match(second, /^SIP\/2\.0 401/);
  await waitFor(
    () => ami.msgs.slice(n).filter((m) => hdr(m, 'Privilege') === 'security,all').length >= 4,
    2000,
    'security events',
  );
  const sec = ami.msgs.slice(n).filter((m) => hdr(m, 'Privilege') === 'security,all');
  assert.deepEqual(
    sec.map((m) => [hdr(m, 'Event'), hdr(m, 'AccountID')]),
    [
      ['InvalidAccountID', 'nobody'],
      ['ChallengeSent', '<unknown>'],
      ['InvalidAccountID', 'nobody'],
      ['ChallengeResponseFailed', '<unknown>'],
    ],
  );
  const crf = sec[3];
  assert.deepEqual(
    crf.map(([k]) => k),
    [
      'Event',
      'Privilege',
      'EventTV',
      'Severity',
      'Service',
      'EventVersion',
      'AccountID',
      'SessionID',
      'LocalAddress',
      'RemoteAddress',
      'Challenge',
      'Response',
      'ExpectedResponse',
    ],
  );
  assert.equal(hdr(crf, 'Service'), 'PJSIP');
  assert.equal(hdr(crf, 'Severity'), 'Error');
  assert.equal(hdr(crf, 'SessionID'), 'reg-nobody@127.0.0.1');
  assert.equal(hdr(crf, 'LocalAddress'), `IPV4/UDP/127.0.0.1/${sipPort}`);
  assert.equal(hdr(crf, 'RemoteAddress'), `IPV4/UDP/127.0.0.1/${phone.port}`);
  assert.match(hdr(crf, 'Challenge') ?? '', /^\d+\/[0-9a-f]{32}$/);
});

test('an identified endpoint: ChallengeSent, then SuccessfulAuth (UsingPassword 1) or ChallengeResponseFailed', async () => {
  const n = ami.msgs.length;
  const ok = await registerWithAuth('test-201', 'test201secret', { expires: 0 });
  assert.match(ok, /^SIP\/2\.0 200/);
  const first = await phone.request(register('test-201'), sipPort);
  await phone.request(register('test-201', { auth: authFor(first, 'test-201', 'wrong') }), sipPort);
  await waitFor(
    () => ami.msgs.slice(n).filter((m) => hdr(m, 'Privilege') === 'security,all').length >= 4,
    2000,
    'security events',
  );
  const sec = ami.msgs.slice(n).filter((m) => hdr(m, 'Privilege') === 'security,all');
  assert.deepEqual(
    sec.map((m) => [hdr(m, 'Event'), hdr(m, 'AccountID'), hdr(m, 'Severity')]),
    [
      ['ChallengeSent', 'test-201', 'Informational'],
      ['SuccessfulAuth', 'test-201', 'Informational'],
      ['ChallengeSent', 'test-201', 'Informational'],
      ['ChallengeResponseFailed', 'test-201', 'Error'],
    ],
  );
  assert.equal(hdr(sec[1], 'UsingPassword'), '1');
});

test('an aor the endpoint does not list is 404', async () => {
  const res = await registerWithAuth('test-201', 'test201secret', { to: 'test-205' });
  assert.match(res, /^SIP\/2\.0 404 Not Found/);
});

test('the module registers its actions with the privileges and list flags of the spec', () => {
  const spec = releaseSpec(env.srv.manager.profile);
  const mine = env.srv.manager.registry.list().filter((d) => d.name.startsWith('PJSIP'));
  assert.ok(mine.length >= 15, `${mine.length} PJSIP actions`);
  for (const def of mine) {
    const a = spec.actions.get(def.name.toLowerCase());
    assert.ok(a, `${def.name} is an action of the release`);
    assert.equal(authorityToString(def.privilege), authorityToString(a.authorityBits), def.name);
    assert.equal(def.declared?.list, a.eventList, `${def.name} list`);
  }
});

test('OPTIONS are authenticated like any request: an endpoint with auth is challenged', async () => {
  const opts = (user: string): string =>
    [
      `OPTIONS sip:127.0.0.1:${sipPort} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${phone.port};branch=z9hG4bKopt${cseq};rport`,
      `From: <sip:${user}@127.0.0.1>;tag=o${cseq}`,
      `To: <sip:127.0.0.1:${sipPort}>`,
      `Call-ID: opt-${cseq}@127.0.0.1`,
      `CSeq: ${cseq++} OPTIONS`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  assert.match(await phone.request(opts('test-201'), sipPort), /^SIP\/2\.0 401/);
  assert.match(await phone.request(opts('nobody'), sipPort), /^SIP\/2\.0 401/);
});

test('an aor without max_contacts does not take registrations (403)', async () => {
  const res = await registerWithAuth('test-202', 'test202secret', { expires: 60 });
  assert.match(res, /^SIP\/2\.0 403/);
});

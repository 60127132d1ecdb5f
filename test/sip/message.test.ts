/** The SIP message model, digest arithmetic, sip.conf parsing and chan_sip's small algorithms. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseMessage,
  serialize,
  getHeader,
  getHeaderList,
  parseUri,
  parseNameAddr,
  parseVia,
  parseDigest,
  digestResponse,
  buildResponse,
  SipParseError,
  type SipRequest,
} from '../../src/sip/index.js';
import {
  parseRegisterLine,
  parseSipConf,
  splitCallerId,
  updateCodecs,
} from '../../src/modules/sip/config.js';
import { astStrCaseHash } from '../../src/modules/sip/core.js';
import { parseConfText } from '../../src/config/index.js';
import { ASTERISK_20, sipUserAgent } from '../../src/profiles/index.js';

const REG = [
  'REGISTER sip:127.0.0.1:5060 SIP/2.0',
  'Via: SIP/2.0/UDP 10.0.0.2:5062;branch=z9hG4bK-1;rport',
  'v: SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK-0',
  'f: <sip:test-201@127.0.0.1>;tag=abc',
  't: "Test" <sip:test-201@127.0.0.1>',
  'i: 1234@10.0.0.2',
  'CSeq: 7 REGISTER',
  'm: <sip:test-201@10.0.0.2:5062>;expires=300, <sip:x@10.0.0.9>',
  'Subject: a folded',
  '  header value',
  'l: 4',
  '',
  'bodyEXTRA',
].join('\r\n');

test('parses a request with compact forms, folding and Content-Length', () => {
  const m = parseMessage(Buffer.from(REG, 'latin1'));
  assert.equal(m.kind, 'request');
  const r = m as SipRequest;
  assert.equal(r.method, 'REGISTER');
  assert.equal(r.uri, 'sip:127.0.0.1:5060');
  assert.equal(getHeader(r, 'Call-ID'), '1234@10.0.0.2');
  assert.equal(getHeader(r, 'from'), '<sip:test-201@127.0.0.1>;tag=abc');
  assert.deepEqual(getHeaderList(r, 'Via').length, 2);
  assert.deepEqual(getHeaderList(r, 'Contact'), [
    '<sip:test-201@10.0.0.2:5062>;expires=300',
    '<sip:x@10.0.0.9>',
  ]);
  assert.equal(getHeader(r, 'Subject'), 'a folded header value');
  assert.equal(r.body.toString(), 'body');
});

test('parses responses and round-trips through serialize', () => {
  const text =
    'SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKx\r\nCall-ID: a@b\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n';
  const m = parseMessage(Buffer.from(text));
  assert.equal(m.kind, 'response');
  if (m.kind !== 'response') return;
  assert.equal(m.status, 401);
  assert.equal(m.reason, 'Unauthorized');
  assert.equal(serialize(m).toString(), text);
});

test('rejects malformed input with SipParseError', () => {
  const bad = [
    '',
    'garbage',
    'REGISTER sip:x SIP/2.0\r\n\r\n',
    'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=1\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: 1 INVITE\r\n\r\n',
    'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=1\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\nCall-ID: 1\r\nCSeq: x REGISTER\r\n\r\n',
    'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a\r\nFrom: a\r\nTo: b\r\nCall-ID: 1\r\nCSeq: 1 REGISTER\r\nContent-Length: 99\r\n\r\nshort',
    'REGISTER sip:x SIP/2.0\r\nno colon here\r\n\r\n',
    'SIP/2.0 999 Nope\r\nVia: x\r\nCall-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n',
    'REGISTER sip:x SIP/2.0\r\nVia: a\u0000b\r\n\r\n',
    'REGISTER  sip:x SIP/2.0\r\n\r\n',
  ];
  for (const b of bad)
    assert.throws(() => parseMessage(Buffer.from(b, 'latin1')), SipParseError, JSON.stringify(b));
  assert.throws(
    () => parseMessage(Buffer.from('OPTIONS sip:x SIP/2.0\r\n' + 'X: y\r\n'.repeat(300) + '\r\n')),
    SipParseError,
  );
});

test('URIs, name-addr and Via', () => {
  assert.deepEqual(
    { ...parseUri('sip:alice:pw@[::1]:5070;transport=udp?x=y'), params: undefined },
    { scheme: 'sip', user: 'alice', password: 'pw', host: '::1', port: 5070, params: undefined },
  );
  assert.equal(parseUri('sip:bob%40x@example.com')?.user, 'bob@x');
  assert.equal(parseUri('tel:+123'), undefined);
  assert.equal(parseUri('sip:a@host:99999'), undefined);
  const na = parseNameAddr('"A, \\"B\\"" <sip:a@b;lr>;tag=x;expires=60');
  assert.equal(na?.uri, 'sip:a@b;lr');
  assert.equal(na?.params.get('tag'), 'x');
  assert.equal(parseNameAddr('sip:a@b;tag=1')?.params.get('tag'), '1');
  const v = parseVia('SIP/2.0/UDP 10.0.0.1:5062;branch=z9hG4bK1;rport');
  assert.equal(v?.host, '10.0.0.1');
  assert.equal(v?.port, 5062);
  assert.equal(v?.params.get('branch'), 'z9hG4bK1');
  assert.ok(v?.params.has('rport'));
});

test('digest: RFC 2617 example and the plain (no qop) form chan_sip uses', () => {
  const d = parseDigest(
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  assert.ok(d);
  const r = digestResponse({
    username: d.get('username') ?? '',
    realm: d.get('realm') ?? '',
    secret: 'Circle Of Life',
    method: 'GET',
    uri: d.get('uri') ?? '',
    nonce: d.get('nonce') ?? '',
    qop: d.get('qop'),
    nc: d.get('nc'),
    cnonce: d.get('cnonce'),
  });
  assert.equal(r, d.get('response'));
  // HA1 from md5secret gives the same answer as the secret.
  const plain = digestResponse({
    username: 'u',
    realm: 'asterisk',
    secret: 's',
    method: 'REGISTER',
    uri: 'sip:x',
    nonce: 'n',
  });
  const ha1 = digestResponse({
    username: '',
    realm: '',
    secret: 'b21d9e0ce0d6dde39f8f9f2f1f82d1bd',
    ha1: true,
    method: 'REGISTER',
    uri: 'sip:x',
    nonce: 'n',
  });
  assert.equal(plain.length, 32);
  assert.notEqual(ha1, plain);
  assert.equal(parseDigest('Basic abc'), undefined);
});

test('buildResponse copies the dialog headers and adds a To tag', () => {
  const req = parseMessage(Buffer.from(REG, 'latin1')) as SipRequest;
  const res = buildResponse(req, 200, 'OK', { toTag: 'as1' });
  assert.equal(getHeader(res, 'To'), '"Test" <sip:test-201@127.0.0.1>;tag=as1');
  assert.equal(getHeaderList(res, 'Via').length, 2);
  assert.match(serialize(res).toString(), /^SIP\/2\.0 200 OK\r\n/);
});

test('register => lines as sip_parse_register_line reads them', () => {
  const r = parseRegisterLine('refuser:refsecret@127.0.0.1:15070/9999', 120);
  assert.ok(typeof r !== 'string');
  assert.deepEqual(
    { u: r.username, s: r.secret, h: r.hostname, p: r.portno, cb: r.callback, e: r.expiry, d: r.regdomain },
    { u: 'refuser', s: 'refsecret', h: '127.0.0.1', p: 15070, cb: '9999', e: 120, d: '' },
  );
  const r2 = parseRegisterLine('peer1?tcp://user@dom.example:secret:authu@host.example~600', 120);
  assert.ok(typeof r2 !== 'string');
  assert.deepEqual(
    {
      peer: r2.peername,
      t: r2.transport,
      u: r2.username,
      d: r2.regdomain,
      s: r2.secret,
      a: r2.authuser,
      h: r2.hostname,
      p: r2.portno,
      cb: r2.callback,
      e: r2.expiry,
    },
    {
      peer: 'peer1',
      t: 'tcp',
      u: 'user',
      d: 'dom.example',
      s: 'secret',
      a: 'authu',
      h: 'host.example',
      p: 5060,
      cb: 's',
      e: 600,
    },
  );
  assert.equal(typeof parseRegisterLine('nohost', 120), 'string');
});

test('sip.conf: general defaults flow into peers; templates, qualify, codecs, nat, acl', () => {
  const doc = parseConfText(
    [
      '[general]',
      'udpbindaddr = 127.0.0.1:15060',
      'qualifyfreq = 30',
      'realm = example.org',
      'disallow = all',
      'allow = alaw,ulaw',
      'register => a:b@10.0.0.1',
      '[phone](!)',
      'type = friend',
      'host = dynamic',
      'qualify = yes',
      'nat = force_rport,comedia',
      '[p1](phone)',
      'secret = x',
      'callerid = "Al \\"X\\"" <201>',
      'deny = 0.0.0.0/0',
      'permit = 10.0.0.0/8',
      'qualifyfreq = 5',
      '[p2]',
      'type = peer',
      'host = 192.0.2.5',
      'qualify = 1500',
      'disallow = all',
      'allow = g722',
      '[u1]',
      'type = user',
      '[bad]',
      'host = dynamic',
    ].join('\n'),
    'sip.conf',
  );
  const c = parseSipConf(doc, sipUserAgent(ASTERISK_20));
  assert.equal(c.general.bindHost, '127.0.0.1');
  assert.equal(c.general.bindPort, 15060);
  assert.equal(c.general.realm, 'example.org');
  assert.equal(c.registrations.length, 1);
  const [p1, p2, u1] = c.peers;
  assert.deepEqual(
    c.peers.map((p) => p.name),
    ['p1', 'p2', 'u1'],
  );
  assert.ok(c.warnings.some((w) => w.includes("Section 'bad' lacks type")));
  assert.equal(p1.hostDynamic, true);
  assert.equal(p1.maxms, 2000);
  assert.equal(p1.qualifyFreq, 5000);
  assert.deepEqual(p1.codecs, ['alaw', 'ulaw']);
  assert.equal(p1.flags.forceRport, true);
  assert.equal(p1.flags.comedia, true);
  assert.equal(p1.flags.autoRport, false);
  assert.equal(p1.cidName, 'Al "X"');
  assert.equal(p1.cidNum, '201');
  assert.ok(p1.acl?.allows('10.1.2.3'));
  assert.ok(!p1.acl?.allows('192.0.2.1'));
  assert.equal(p2.maxms, 1500);
  assert.equal(p2.qualifyFreq, 30_000);
  assert.equal(p2.host, '192.0.2.5');
  assert.deepEqual(p2.codecs, ['g722']);
  assert.equal(p2.flags.autoRport, true);
  assert.equal(u1.isPeer, false);
  assert.deepEqual(splitCallerId('201'), { name: '', num: '201' });
  assert.deepEqual(
    updateCodecs(['ulaw'], 'all', false, () => undefined),
    [],
  );
});

test('ast_str_case_hash matches Asterisk (SIPpeerstatus order)', () => {
  // Values computed with Asterisk's own function (C) for the recorded peers.
  assert.equal(astStrCaseHash('test-201'), 1617221197);
  assert.equal(astStrCaseHash('test-204'), 1617221192);
  assert.equal(astStrCaseHash('TEST-204'), 1617221192);
  const order = ['test-201', 'test-202', 'test-203', 'test-204'].sort(
    (a, b) => (astStrCaseHash(a) % 563) - (astStrCaseHash(b) % 563),
  );
  assert.deepEqual(order, ['test-204', 'test-201', 'test-202', 'test-203']);
});

test('property: the parser never throws anything but SipParseError', () => {
  const valid = Buffer.from(REG, 'latin1');
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 2048 }),
        fc.tuple(fc.nat(valid.length), fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([at, junk]) => {
          const b = Buffer.from(valid);
          b.set(junk.subarray(0, Math.max(0, b.length - at)), at);
          return new Uint8Array(b);
        }),
        fc
          .string({ maxLength: 512 })
          .map((s) => new Uint8Array(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n' + s + '\r\n\r\n'))),
      ),
      (bytes) => {
        try {
          parseMessage(Buffer.from(bytes));
        } catch (e) {
          if (!(e instanceof SipParseError)) throw e;
        }
      },
    ),
    { numRuns: 3000 },
  );
});

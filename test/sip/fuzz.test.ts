/**
 * Hostile and malformed datagrams against a running server (fast-check generated, plus a few known
 * nasties): every one is dropped or answered, the server never throws, and afterwards it still
 * answers OPTIONS over SIP and Ping over AMI.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fc from 'fast-check';
import { startSipServer, waitFor, sleep, AmiConn, hdr, type SipTestServer } from './helpers.js';

let env: SipTestServer;
let sock: dgram.Socket;
const answers: string[] = [];

before(async () => {
  env = await startSipServer(
    (t) => t + '\n[fz]\ntype = friend\nhost = dynamic\nsecret = fz\nqualify = yes\n',
  );
  sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  sock.on('message', (d) => answers.push(d.toString('latin1')));
});

after(async () => {
  sock.close();
  await env.dispose();
});

function fire(b: Buffer): Promise<void> {
  return new Promise((r) => sock.send(b, env.sip.address().port, '127.0.0.1', () => r()));
}

const hostileValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom(
    '',
    '<',
    '>',
    '<sip:>',
    '<sip:@>',
    'sip:a@[::1',
    '"unterminated <sip:a@b>',
    '*',
    '-1',
    '99999999999999999999',
    'Digest',
    'Digest ,,,=',
    'Digest username="',
  ),
  fc.string({ maxLength: 300 }).map((s) => `<sip:${s}@127.0.0.1>`),
);

function request(
  method: string,
  to: string,
  contact: string,
  expires: string,
  auth: string,
  extra: string,
): Buffer {
  const port = env.sip.address().port;
  const lines = [
    `${method} sip:127.0.0.1:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${sock.address().port};branch=z9hG4bK${Math.random().toString(36).slice(2)}`,
    `From: <sip:fz@127.0.0.1>;tag=1`,
    `To: ${to}`,
    `Call-ID: fz-${Math.random()}`,
    `CSeq: 1 ${method}`,
    `Contact: ${contact}`,
    `Expires: ${expires}`,
    `Authorization: ${auth}`,
    extra,
    'Content-Length: 0',
    '',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

test('fuzzed datagrams never crash the server', async () => {
  const known = [
    Buffer.alloc(0),
    Buffer.from('\r\n\r\n'),
    Buffer.alloc(65000, 0x41),
    Buffer.from('INVITE sip:x SIP/2.0\r\n' + 'Via: SIP/2.0/UDP a;branch=1\r\n'.repeat(5000) + '\r\n'),
    Buffer.from(
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.1.1.1;branch=z9hG4bKnothing\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n',
    ),
    Buffer.from(
      'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.1.1.1;branch=z9\r\nFrom: a\r\nTo: b\r\nCall-ID: 1\r\nCSeq: 4294967296 REGISTER\r\n\r\n',
    ),
    Buffer.from(
      'REGISTER sip:x SIP/2.0\r\nVia: SIP/2.0/UDP 1.1.1.1;branch=z9\r\nFrom: a\r\nTo: <sip:fz@127.0.0.1>\r\nCall-ID: 1\r\nCSeq: 1 REGISTER\r\nContent-Length: 100000\r\n\r\n',
    ),
    request(
      'REGISTER',
      '<sip:fz@127.0.0.1>',
      '<sip:fz@999.1.1.1:0>',
      '-5',
      'Digest username="fz", nonce="x", response="y"',
      'X: y',
    ),
    request('REGISTER', '<sip:@127.0.0.1>', '*', '60', '', 'X: y'),
    request('REGISTER', '<sips:[::1]>', '<sip:fz@host.invalid>', '0', '', 'X: y'),
  ];
  for (const b of known) await fire(b);
  const gen = fc.oneof(
    fc.uint8Array({ maxLength: 1500 }).map((a) => Buffer.from(a)),
    fc
      .tuple(
        fc.constantFrom('REGISTER', 'INVITE', 'OPTIONS', 'BYE', 'ACK', 'NOTIFY', 'SUBSCRIBE', 'FOO'),
        hostileValue,
        hostileValue,
        hostileValue,
        hostileValue,
        hostileValue,
      )
      .map(([m, to, c, e, a, x]) => request(m, to, c, e, a, `X-Fuzz: ${x}`)),
    fc.tuple(fc.nat(400), fc.uint8Array({ minLength: 1, maxLength: 40 })).map(([at, junk]) => {
      const b = request(
        'REGISTER',
        '<sip:fz@127.0.0.1>',
        '<sip:fz@127.0.0.1:5999>',
        '60',
        'Digest username="fz"',
        'X: y',
      );
      b.set(junk.subarray(0, Math.max(0, b.length - at)), Math.min(at, b.length - 1));
      return b;
    }),
  );
  await fc.assert(
    fc.asyncProperty(gen, async (b) => {
      await fire(b);
    }),
    { numRuns: 1500 },
  );
  await sleep(200);
  const core = env.sip.core;
  assert.ok(core.stats.received >= known.length, 'datagrams were received');
  assert.ok(core.stats.dropped > 0, 'malformed datagrams were dropped');
  assert.equal(core.stats.handlerErrors, 0, 'no handler threw on a parsed message');

  // Still alive: OPTIONS answered, AMI answers.
  const before = answers.length;
  await fire(request('OPTIONS', '<sip:fz@127.0.0.1>', '<sip:fz@127.0.0.1>', '60', 'x', 'X: ok'));
  await waitFor(
    () => answers.slice(before).some((a) => a.startsWith('SIP/2.0 200 OK') && a.includes('X-Fuzz') === false),
    3000,
    'OPTIONS answer',
  );
  const ami = await AmiConn.open(env.srv.port);
  try {
    const [pong] = await ami.action({ Action: 'Ping' });
    assert.equal(hdr(pong, 'Ping'), 'Pong');
    const peers = await ami.action({ Action: 'SIPpeers' }, (m) => hdr(m, 'Event') === 'PeerlistComplete');
    assert.ok(peers.some((m) => hdr(m, 'ObjectName') === 'fz'));
  } finally {
    ami.close();
  }
});

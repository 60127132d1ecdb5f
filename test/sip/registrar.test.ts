/**
 * The registrar and the other request handlers over real UDP, driven by a small TypeScript UA:
 * challenge, good and bad digests, unknown users (alwaysauthreject), static peers, Expires limits,
 * retransmissions, unregistration, INVITE refused, OPTIONS answered; plus `sip show peers` as
 * 17_command recorded it, and the simulated peers with their events and device states.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFORMANCE_DIR } from '../helpers/fixtures.js';
import {
  parseMessage,
  parseDigest,
  digestResponse,
  getHeader,
  type SipResponse,
} from '../../src/sip/index.js';
import { startStub, freeUdpPort, type SipStub } from '../../src/testing/sip-stub.js';
import { startSipServer, waitFor, sleep, AmiConn, hdr, type SipTestServer } from './helpers.js';

let env: SipTestServer;
let stub: SipStub;
let ami: AmiConn;
let ua: dgram.Socket;
let uaPort = 0;
const inbox: SipResponse[] = [];
let seq = 0;

before(async () => {
  stub = await startStub(2);
  const dead = await freeUdpPort();
  env = await startSipServer(
    (t) =>
      t
        .replace('port = 15062', `port = ${stub.ports[0]}`)
        .replace('port = 15064', `port = ${stub.ports[1]}`)
        .replace('port = 15066\nqualify = yes', `port = ${dead}\nqualify = 200`) +
      '\n[sim-1]\ntype = friend\nhost = dynamic\nsecret = s1\nqualify = 200\n' +
      '\n[ua-1]\ntype = friend\nhost = dynamic\nsecret = uasecret\ndefaultuser = uauser\n',
  );
  const p202 = env.sip.core.findPeer('test-202');
  const p204 = env.sip.core.findPeer('test-204');
  assert.ok(p202 && p204);
  await waitFor(() => p202.lastms > 0 && p204.lastms < 0, 5000, 'first qualify results');
  // The recording's stub answered within a millisecond; retry the rare slow first answer.
  for (let i = 0; i < 20 && p202.lastms !== 1; i++) {
    env.sip.core.pokePeer(p202, true);
    await sleep(50);
  }
  ami = await AmiConn.open(env.srv.port);
  ua = dgram.createSocket('udp4');
  await new Promise<void>((r) => ua.bind(0, '127.0.0.1', () => r()));
  uaPort = ua.address().port;
  ua.on('message', (d) => {
    const m = parseMessage(d);
    if (m.kind === 'response') inbox.push(m);
  });
});

after(async () => {
  ami.close();
  ua.close();
  await env.dispose();
  await stub.close();
});

function send(text: string): void {
  ua.send(Buffer.from(text.replace(/\n/g, '\r\n'), 'latin1'), env.sip.address().port, '127.0.0.1');
}

async function request(
  method: string,
  user: string,
  opts: { callId?: string; extra?: string[]; branch?: string } = {},
): Promise<SipResponse> {
  const branch = opts.branch ?? `z9hG4bK${++seq}x${Date.now()}`;
  const before = inbox.length;
  const sip = env.sip.address().port;
  send(
    [
      `${method} sip:127.0.0.1:${sip} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${uaPort};branch=${branch}`,
      `From: <sip:${user}@127.0.0.1>;tag=ua${seq}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: ${opts.callId ?? 'c' + seq + '@ua'}`,
      `CSeq: ${++seq} ${method}`,
      `Max-Forwards: 70`,
      ...(opts.extra ?? []),
      'Content-Length: 0',
      '',
      '',
    ].join('\n'),
  );
  await waitFor(
    () => inbox.slice(before).some((r) => r.headers.some(([n, v]) => n === 'Via' && v.includes(branch))),
    3000,
    `${method} response`,
  );
  return inbox
    .slice(before)
    .find((r) => r.headers.some(([n, v]) => n === 'Via' && v.includes(branch))) as SipResponse;
}

function authFor(res: SipResponse, user: string, secret: string): string {
  const ch = parseDigest(getHeader(res, 'WWW-Authenticate') ?? '');
  assert.ok(ch);
  const uri = `sip:127.0.0.1:${env.sip.address().port}`;
  const nonce = ch.get('nonce') ?? '';
  const response = digestResponse({
    username: user,
    realm: ch.get('realm') ?? '',
    secret,
    method: 'REGISTER',
    uri,
    nonce,
  });
  return `Authorization: Digest username="${user}", realm="${ch.get('realm')}", uri="${uri}", nonce="${nonce}", response="${response}", algorithm=MD5`;
}

test('REGISTER: 401 challenge, 200 with the binding, Expires clamped, PeerStatus Registered, then unregister', async () => {
  const callId = 'reg-1@ua';
  const contact = `Contact: <sip:ua-1@127.0.0.1:${uaPort}>`;
  const r1 = await request('REGISTER', 'ua-1', { callId, extra: [contact, 'Expires: 10'] });
  assert.equal(r1.status, 401);
  assert.match(
    getHeader(r1, 'WWW-Authenticate') ?? '',
    /^Digest algorithm=MD5, realm="asterisk", nonce="[0-9a-f]+"$/,
  );
  const r2 = await request('REGISTER', 'ua-1', {
    callId,
    extra: [contact, 'Expires: 10', authFor(r1, 'ua-1', 'uasecret')],
  });
  assert.equal(r2.status, 200);
  assert.equal(getHeader(r2, 'Expires'), '60');
  assert.equal(getHeader(r2, 'Contact'), `<sip:ua-1@127.0.0.1:${uaPort}>;expires=60`);
  await waitFor(() =>
    ami
      .events('PeerStatus')
      .some((m) => hdr(m, 'Peer') === 'SIP/ua-1' && hdr(m, 'PeerStatus') === 'Registered'),
  );
  const [show] = await ami.action({ Action: 'SIPshowpeer', Peer: 'ua-1' });
  assert.equal(hdr(show, 'Address-Port'), String(uaPort));
  assert.equal(hdr(show, 'Default-Username'), 'uauser');
  assert.match(hdr(show, 'RegExpire') ?? '', /^(69|70) seconds$/);
  const cli = await ami.action({ Action: 'Command', Command: 'sip show peers' });
  assert.ok(cli.some((m) => m.some(([n, v]) => n === 'Output' && v.startsWith('ua-1/uauser'))));

  // The same nonce again is stale: a new challenge with stale=true.
  const r3 = await request('REGISTER', 'ua-1', {
    callId,
    extra: [contact, 'Expires: 99999', authFor(r1, 'ua-1', 'uasecret')],
  });
  assert.equal(r3.status, 401);
  assert.match(getHeader(r3, 'WWW-Authenticate') ?? '', /, stale=true$/);
  const r4 = await request('REGISTER', 'ua-1', {
    callId,
    extra: [contact, 'Expires: 99999', authFor(r3, 'ua-1', 'uasecret')],
  });
  assert.equal(getHeader(r4, 'Expires'), '3600');

  const r5 = await request('REGISTER', 'ua-1', { callId, extra: ['Contact: *', 'Expires: 0'] });
  const r6 = await request('REGISTER', 'ua-1', {
    callId,
    extra: ['Contact: *', 'Expires: 0', authFor(r5, 'ua-1', 'uasecret')],
  });
  assert.equal(r6.status, 200);
  assert.equal(getHeader(r6, 'Expires'), '0');
  await waitFor(() =>
    ami
      .events('PeerStatus')
      .some((m) => hdr(m, 'Peer') === 'SIP/ua-1' && hdr(m, 'PeerStatus') === 'Unregistered'),
  );
  assert.equal(env.sip.deviceState('ua-1'), 'UNAVAILABLE');
});

test('REGISTER failures: wrong secret 403, unknown user and static peer look the same as a challenge', async () => {
  const c1 = await request('REGISTER', 'ua-1', {
    callId: 'bad-1@ua',
    extra: [`Contact: <sip:ua-1@127.0.0.1:${uaPort}>`],
  });
  const c2 = await request('REGISTER', 'ua-1', {
    callId: 'bad-1@ua',
    extra: [`Contact: <sip:ua-1@127.0.0.1:${uaPort}>`, authFor(c1, 'ua-1', 'wrong')],
  });
  assert.equal(c2.status, 403);
  const u1 = await request('REGISTER', 'nobody', {
    callId: 'bad-2@ua',
    extra: [`Contact: <sip:nobody@127.0.0.1:${uaPort}>`],
  });
  assert.equal(u1.status, 401);
  const u2 = await request('REGISTER', 'nobody', {
    callId: 'bad-2@ua',
    extra: [`Contact: <sip:nobody@127.0.0.1:${uaPort}>`, authFor(u1, 'nobody', 'x')],
  });
  assert.equal(u2.status, 403);
  const s1 = await request('REGISTER', 'test-203', {
    callId: 'bad-3@ua',
    extra: [`Contact: <sip:x@127.0.0.1:${uaPort}>`],
  });
  assert.equal(s1.status, 401);
});

test('retransmitted requests get the same answer; INVITE is refused clearly; OPTIONS is answered', async () => {
  const a = await request('REGISTER', 'ua-1', {
    callId: 'rt@ua',
    branch: 'z9hG4bKretrans1',
    extra: [`Contact: <sip:ua-1@127.0.0.1:${uaPort}>`],
  });
  const b = await request('REGISTER', 'ua-1', {
    callId: 'rt@ua',
    branch: 'z9hG4bKretrans1',
    extra: [`Contact: <sip:ua-1@127.0.0.1:${uaPort}>`],
  });
  assert.equal(getHeader(a, 'WWW-Authenticate'), getHeader(b, 'WWW-Authenticate'));
  const inv = await request('INVITE', 'test-201');
  assert.equal(inv.status, 603);
  assert.match(getHeader(inv, 'Warning') ?? '', /^399 amikit "/);
  assert.match(getHeader(inv, 'To') ?? '', /;tag=/);
  const opt = await request('OPTIONS', 'test-201');
  assert.equal(opt.status, 200);
  assert.match(getHeader(opt, 'Via') ?? '', new RegExp(`;received=127\\.0\\.0\\.1|branch=`));
});

test('`sip show peers` prints what 17_command recorded', async () => {
  const lines = readFileSync(join(CONFORMANCE_DIR, '17_command.jsonl'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean);
  let buf = '';
  let on = false;
  for (const l of lines) {
    const e = JSON.parse(l) as { dir: string; data: string };
    if (e.dir === 'send' && e.data.includes('sip show peers')) on = true;
    else if (on && e.dir === 'recv') {
      buf += e.data;
      if (buf.includes('sip peers [')) break;
    }
  }
  const want = buf.split('\r\n').filter((l) => l.startsWith('Output: '));
  // The recording had only the four test peers; this server has two more (sim-1, ua-1).
  const live = await ami.action({ Action: 'Command', Command: 'sip show peers' });
  const got = (live[0] ?? [])
    .filter(([n]) => n === 'Output')
    .map(([, v]) => 'Output: ' + v)
    .filter((l) => !/^Output: (sim-1|ua-1)/.test(l));
  const ports = new Map([
    [String(stub.ports[0]), '15062'],
    [String(stub.ports[1]), '15064'],
  ]);
  const norm = got.map((l) =>
    l.replace(
      / (\d{4,5})( +)(OK|Unmonitored|UNREACHABLE)/,
      (_m, p: string, sp: string, s: string) =>
        ` ${ports.get(p) ?? (s === 'UNREACHABLE' ? '15066' : p)}${sp}${s}`,
    ),
  );
  // Header, the four peers; the totals line differs only by the two extra peers.
  assert.deepEqual(norm.slice(0, 5), want.slice(0, 5));
  assert.match(
    norm[norm.length - 1],
    /^Output: 6 sip peers \[Monitored: \d online, \d offline Unmonitored: \d online, \d offline\]$/,
  );
  assert.equal(
    want[want.length - 1],
    'Output: 4 sip peers [Monitored: 1 online, 1 offline Unmonitored: 1 online, 1 offline]',
  );
});

test('simulated peers: register, latency, unreachable, unregister with real events and device states', async () => {
  const sim = env.sip.sim;
  const evs = (): string[] =>
    ami
      .events('PeerStatus')
      .filter((m) => hdr(m, 'Peer') === 'SIP/sim-1')
      .map((m) => [hdr(m, 'PeerStatus'), hdr(m, 'Time') ?? hdr(m, 'Cause') ?? hdr(m, 'Address')].join(' '));
  assert.deepEqual(sim.register('sim-1', { port: 6001 }), { ok: true });
  await waitFor(() => evs().length >= 2, 3000, 'sim register events');
  assert.deepEqual(evs(), ['Registered 127.0.0.1:6001', 'Reachable 1']);
  assert.equal(env.sip.deviceState('SIP/sim-1'), 'NOT_INUSE');
  sim.latency('sim-1', 300);
  await waitFor(() => evs().length >= 3, 3000, 'Lagged');
  assert.equal(evs()[2], 'Lagged 300');
  assert.equal(env.sip.deviceState('sim-1'), 'UNAVAILABLE');
  const [st] = (await ami.action({ Action: 'SIPpeerstatus', Peer: 'SIP/sim-1' })).filter(
    (m) => hdr(m, 'Event') === 'PeerStatus',
  );
  assert.equal(hdr(st, 'PeerStatus'), 'Lagged');
  sim.unreachable('sim-1');
  await waitFor(() => evs().length >= 4, 3000, 'Unreachable');
  assert.equal(evs()[3], 'Unreachable -1');
  sim.latency('sim-1', 5);
  await waitFor(() => evs().length >= 5, 3000, 'Reachable again');
  assert.equal(evs()[4], 'Reachable 5');
  assert.deepEqual(sim.unregister('sim-1'), { ok: true });
  await waitFor(() => evs().length >= 6, 3000, 'Unregistered');
  assert.equal(evs()[5], 'Unregistered Expired');
  assert.equal(env.sip.deviceState('sim-1'), 'UNAVAILABLE');
  assert.deepEqual(
    env.devstates.filter(([d]) => d === 'SIP/sim-1').map(([, s]) => s),
    ['UNAVAILABLE', 'NOT_INUSE', 'UNAVAILABLE', 'NOT_INUSE', 'UNAVAILABLE'],
  );
  assert.equal(sim.register('test-202').ok, false);
  assert.equal(sim.unregister('nosuch').ok, false);
  assert.equal(sim.unreachable('test-203').ok, false);
});

test('Reload Module: chan_sip re-reads sip.conf and keeps registrations', async () => {
  assert.deepEqual(env.sip.sim.register('sim-1', { port: 6002 }), { ok: true });
  const p = join(env.configDir, 'sip.conf');
  writeFileSync(
    p,
    readFileSync(p, 'utf8') +
      '\n[late-1]\ntype = peer\nhost = 127.0.0.1\nport = 6010\ndescription = added later\n',
  );
  const [res] = await ami.action({ Action: 'Reload', Module: 'chan_sip' });
  assert.equal(hdr(res, 'Message'), 'Module Reloaded');
  const peers = await ami.action({ Action: 'SIPpeers' }, (m) => hdr(m, 'Event') === 'PeerlistComplete');
  const late = peers.find((m) => hdr(m, 'ObjectName') === 'late-1');
  assert.equal(hdr(late ?? [], 'Description'), 'added later');
  assert.equal(hdr(late ?? [], 'Status'), 'Unmonitored');
  const [sim] = await ami.action({ Action: 'SIPshowpeer', Peer: 'sim-1' });
  assert.equal(hdr(sim, 'Address-Port'), '6002');
  const reg = await ami.action({ Action: 'Command', Command: 'sip show registry' });
  assert.deepEqual(
    (reg[0] ?? []).filter(([n]) => n === 'Output').length,
    3,
    'header, one registration, total',
  );
});

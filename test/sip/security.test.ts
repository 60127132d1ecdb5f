/**
 * chan_sip's security events over real UDP and AMI (issue 11, finding 4): a brute force of 1,000
 * wrong digests raises ChallengeSent + InvalidPassword for each guess in security_events.c's
 * header order; each other outcome of register_verify() raises its event (SuccessfulAuth,
 * ChallengeResponseFailed, FailedACL, InvalidAccountID); and amikit's optional `authfaillimit`
 * (off by default) refuses an address after too many failures and raises AuthFailureLimit.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseMessage,
  parseDigest,
  digestResponse,
  getHeader,
  getHeaderLines,
  type SipResponse,
} from '../../src/sip/index.js';
import { startSipServer, waitFor, AmiConn, hdr, type AmiMsg, type SipTestServer } from './helpers.js';

/** A small UA: one UDP socket, requests retransmitted every 500 ms until answered (10 s at most). */
class Ua {
  private readonly pending = new Map<string, (r: SipResponse) => void>();
  private seq = 0;
  private constructor(
    private readonly sock: dgram.Socket,
    readonly host: string,
    readonly port: number,
    private readonly server: number,
  ) {
    sock.on('message', (d) => {
      const m = parseMessage(d);
      if (m.kind !== 'response') return;
      const branch = /branch=([^;\s]+)/.exec(getHeaderLines(m, 'Via')[0] ?? '')?.[1] ?? '';
      this.pending.get(branch)?.(m);
      this.pending.delete(branch);
    });
  }

  static async open(server: number, host = '127.0.0.1'): Promise<Ua> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, host, () => r()));
    return new Ua(sock, host, sock.address().port, server);
  }

  get uri(): string {
    return `sip:127.0.0.1:${this.server}`;
  }

  register(user: string, callId: string, extra: string[] = []): Promise<SipResponse> {
    const branch = `z9hG4bK${this.port}x${++this.seq}`;
    const text = [
      `REGISTER ${this.uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.host}:${this.port};branch=${branch}`,
      `From: <sip:${user}@127.0.0.1>;tag=ua${this.seq}`,
      `To: <sip:${user}@127.0.0.1>`,
      `Call-ID: ${callId}`,
      `CSeq: ${this.seq} REGISTER`,
      'Max-Forwards: 70',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return new Promise<SipResponse>((resolve, reject) => {
      let tries = 0;
      const send = (): void => {
        if (!this.pending.has(branch)) return;
        if (++tries > 20) {
          this.pending.delete(branch);
          reject(new Error(`no answer to REGISTER ${callId}`));
          return;
        }
        this.sock.send(Buffer.from(text, 'latin1'), this.server, '127.0.0.1');
        setTimeout(send, 500).unref();
      };
      this.pending.set(branch, resolve);
      send();
    });
  }

  authorization(res: SipResponse, user: string, response: string): string {
    const ch = parseDigest(getHeader(res, 'WWW-Authenticate') ?? '');
    assert.ok(ch, 'a digest challenge');
    return `Authorization: Digest username="${user}", realm="${ch.get('realm')}", uri="${this.uri}", nonce="${ch.get('nonce')}", response="${response}", algorithm=MD5`;
  }

  goodResponse(res: SipResponse, user: string, secret: string): string {
    const ch = parseDigest(getHeader(res, 'WWW-Authenticate') ?? '');
    assert.ok(ch);
    return digestResponse({
      username: user,
      realm: ch.get('realm') ?? '',
      secret,
      method: 'REGISTER',
      uri: this.uri,
      nonce: ch.get('nonce') ?? '',
    });
  }

  close(): void {
    this.sock.close();
  }
}

function nonceOf(res: SipResponse): string {
  return parseDigest(getHeader(res, 'WWW-Authenticate') ?? '')?.get('nonce') ?? '';
}

const COMMON = [
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
];

/** SIP security events of that name (manager logins raise the same names with Service AMI). */
function sipEvents(ami: AmiConn, name: string): AmiMsg[] {
  return ami.events(name).filter((m) => hdr(m, 'Service') === 'SIP');
}

/** The whole event, header names in order and values, against security_events.c's layout. */
function assertEvent(
  m: AmiMsg,
  name: string,
  severity: string,
  version: string,
  fields: Array<[string, string]>,
  addr: { account: string; local: number; remote: number },
): void {
  assert.deepEqual(
    m.map(([n]) => n),
    [...COMMON, ...fields.map(([n]) => n)],
    `${name}: header order`,
  );
  assert.equal(hdr(m, 'Event'), name);
  assert.equal(hdr(m, 'Privilege'), 'security,all');
  assert.match(hdr(m, 'EventTV') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  assert.equal(hdr(m, 'Severity'), severity);
  assert.equal(hdr(m, 'Service'), 'SIP');
  assert.equal(hdr(m, 'EventVersion'), version);
  assert.equal(hdr(m, 'AccountID'), addr.account);
  assert.match(hdr(m, 'SessionID') ?? '', /^0x[0-9a-f]+$/);
  assert.equal(hdr(m, 'LocalAddress'), `IPV4/UDP/127.0.0.1/${addr.local}`);
  assert.equal(hdr(m, 'RemoteAddress'), `IPV4/UDP/127.0.0.1/${addr.remote}`);
  for (const [n, v] of fields) assert.equal(hdr(m, n), v, `${name}: ${n}`);
}

let env: SipTestServer;
let ami: AmiConn;
let sipPort = 0;

before(async () => {
  env = await startSipServer(
    (t) => t + '\n[bf-1]\ntype = friend\nhost = dynamic\nsecret = right-one\ncontext = default\n',
  );
  sipPort = env.sip.address().port;
  ami = await AmiConn.open(env.srv.port);
});

after(async () => {
  ami.close();
  await env.dispose();
});

test('1,000 wrong digests: ChallengeSent then InvalidPassword per guess, in Asterisk order; no limit by default', async () => {
  const uas = await Promise.all(Array.from({ length: 10 }, () => Ua.open(sipPort)));
  const sent = new Map<string, { nonce: string; hash: string; port: number }>();
  const started = Date.now();
  try {
    await Promise.all(
      uas.map(async (ua, w) => {
        for (let i = 0; i < 100; i++) {
          const callId = `bf-${w}-${i}@ua`;
          const r1 = await ua.register('bf-1', callId);
          assert.equal(r1.status, 401);
          const hash = createHash('md5').update(`guess ${w} ${i}`).digest('hex');
          const r2 = await ua.register('bf-1', callId, [ua.authorization(r1, 'bf-1', hash)]);
          assert.equal(r2.status, 403, 'a wrong digest is Forbidden');
          sent.set(nonceOf(r1), { nonce: nonceOf(r1), hash, port: ua.port });
        }
      }),
    );
    const elapsed = Date.now() - started;
    await waitFor(() => sipEvents(ami, 'InvalidPassword').length >= 1000, 30_000, '1,000 InvalidPassword');
    const challenges = sipEvents(ami, 'ChallengeSent');
    const failures = sipEvents(ami, 'InvalidPassword');
    assert.equal(challenges.length, 1000);
    assert.equal(failures.length, 1000);
    const bySession = new Map<string, number>();
    ami.msgs.forEach((m, i) => {
      if (hdr(m, 'Service') === 'SIP' && hdr(m, 'Event') === 'ChallengeSent')
        bySession.set(hdr(m, 'SessionID') ?? '', i);
    });
    for (const m of failures) {
      const nonce = hdr(m, 'Challenge') ?? '';
      const guess = sent.get(nonce);
      assert.ok(guess, 'InvalidPassword names the nonce we were challenged with');
      assertEvent(
        m,
        'InvalidPassword',
        'Error',
        '2',
        [
          ['Challenge', guess.nonce],
          ['ReceivedChallenge', guess.nonce],
          ['ReceivedHash', guess.hash],
        ],
        { account: 'bf-1', local: sipPort, remote: guess.port },
      );
      // The dialog's ChallengeSent came first and carries the same SessionID.
      const at = bySession.get(hdr(m, 'SessionID') ?? '');
      assert.ok(at !== undefined && at < ami.msgs.indexOf(m), 'ChallengeSent precedes InvalidPassword');
    }
    const c = challenges[0];
    assertEvent(c, 'ChallengeSent', 'Informational', '1', [['Challenge', hdr(c, 'Challenge') ?? '']], {
      account: 'bf-1',
      local: sipPort,
      remote: Number(hdr(c, 'RemoteAddress')?.split('/')[3]),
    });
    assert.ok(sent.has(hdr(c, 'Challenge') ?? ''));
    assert.equal(ami.events('AuthFailureLimit').length, 0, 'no limit unless configured');
    // Nothing was refused: the right secret still registers from the same addresses.
    const callId = 'bf-good@ua';
    const r1 = await uas[0].register('bf-1', callId);
    const ok = await uas[0].register('bf-1', callId, [
      uas[0].authorization(r1, 'bf-1', uas[0].goodResponse(r1, 'bf-1', 'right-one')),
      `Contact: <sip:bf-1@127.0.0.1:${uas[0].port}>`,
    ]);
    assert.equal(ok.status, 200);
    await waitFor(() => sipEvents(ami, 'SuccessfulAuth').length === 1, 5000, 'SuccessfulAuth');
    process.stdout.write(`# 1,000 wrong digests answered in ${elapsed} ms\n`);
  } finally {
    for (const ua of uas) ua.close();
  }
});

test('each register_verify() outcome raises its event: SuccessfulAuth, ChallengeResponseFailed, FailedACL, InvalidAccountID', async () => {
  const ua = await Ua.open(sipPort);
  const at = { local: sipPort, remote: ua.port };
  const mark = ami.msgs.length;
  const fresh = (name: string): AmiMsg[] => sipEvents(ami, name).filter((m) => ami.msgs.indexOf(m) >= mark);
  try {
    // A good registration; its contact user becomes chan_sip's peer->username.
    const r1 = await ua.register('test-201', 'ok-1@ua');
    const r2 = await ua.register('test-201', 'ok-1@ua', [
      ua.authorization(r1, 'test-201', ua.goodResponse(r1, 'test-201', 'test201secret')),
      `Contact: <sip:phone201@127.0.0.1:${ua.port}>`,
      'Expires: 60',
    ]);
    assert.equal(r2.status, 200);
    await waitFor(() => fresh('SuccessfulAuth').length === 1, 5000, 'SuccessfulAuth');
    assertEvent(
      fresh('SuccessfulAuth')[0],
      'SuccessfulAuth',
      'Informational',
      '1',
      [['UsingPassword', '1']],
      {
        account: 'test-201',
        ...at,
      },
    );
    assertEvent(
      fresh('ChallengeSent')[0],
      'ChallengeSent',
      'Informational',
      '1',
      [['Challenge', nonceOf(r1)]],
      {
        account: 'test-201',
        ...at,
      },
    );
    assert.equal(hdr(fresh('ChallengeSent')[0], 'SessionID'), hdr(fresh('SuccessfulAuth')[0], 'SessionID'));

    // Digest username differs from the peer: ChallengeResponseFailed (and a new challenge).
    const m1 = await ua.register('test-201', 'mm-1@ua');
    const m2 = await ua.register('test-201', 'mm-1@ua', [ua.authorization(m1, 'intruder', '0'.repeat(32))]);
    assert.equal(m2.status, 403, 'alwaysauthreject answers as to a wrong password (fake auth)');
    await waitFor(() => fresh('ChallengeResponseFailed').length === 1, 5000, 'ChallengeResponseFailed');
    assertEvent(
      fresh('ChallengeResponseFailed')[0],
      'ChallengeResponseFailed',
      'Error',
      '1',
      [
        ['Challenge', nonceOf(m1)],
        ['Response', 'intruder'],
        ['ExpectedResponse', 'phone201'],
      ],
      { account: 'test-201', ...at },
    );

    // A static peer may not register: FailedACL peer_not_dynamic; answered like a wrong password.
    const s1 = await ua.register('test-203', 'st-1@ua');
    assert.equal(s1.status, 401);
    const s2 = await ua.register('test-203', 'st-1@ua', [ua.authorization(s1, 'test-203', '0'.repeat(32))]);
    assert.equal(s2.status, 403);
    await waitFor(() => fresh('FailedACL').length === 2, 5000, 'FailedACL');
    assertEvent(fresh('FailedACL')[1], 'FailedACL', 'Error', '1', [['ACLName', 'peer_not_dynamic']], {
      account: 'test-203',
      ...at,
    });

    // An unknown name under alwaysauthreject=yes is challenged like a real one (no disclosure).
    const u1 = await ua.register('nobody', 'nb-1@ua');
    assert.equal(u1.status, 401);
    assert.equal(fresh('InvalidAccountID').length, 0);

    // With alwaysauthreject=no the unknown name is a 404 and InvalidAccountID.
    const p = join(env.configDir, 'sip.conf');
    writeFileSync(p, readFileSync(p, 'utf8').replace('alwaysauthreject = yes', 'alwaysauthreject = no'));
    await env.sip.reload?.(env.srv.manager);
    const u2 = await ua.register('nobody', 'nb-2@ua');
    assert.equal(u2.status, 404);
    await waitFor(() => fresh('InvalidAccountID').length === 1, 5000, 'InvalidAccountID');
    assertEvent(fresh('InvalidAccountID')[0], 'InvalidAccountID', 'Error', '1', [], {
      account: 'nobody',
      ...at,
    });
  } finally {
    ua.close();
  }
});

test('sip.conf authfaillimit: the 20th failure raises AuthFailureLimit and the address is refused, right secret included', async () => {
  const limited = await startSipServer((t) =>
    t
      .replace('[general]\n', '[general]\nauthfaillimit = 20\nauthfailwindow = 60\nauthfailblock = 300\n')
      .concat('\n[bf-2]\ntype = friend\nhost = dynamic\nsecret = right-two\n'),
  );
  const port = limited.sip.address().port;
  const watch = await AmiConn.open(limited.srv.port);
  const ua = await Ua.open(port);
  try {
    for (let i = 0; i < 20; i++) {
      const r1 = await ua.register('bf-2', `lim-${i}@ua`);
      assert.equal(r1.status, 401, `guess ${i} is challenged`);
      const r2 = await ua.register('bf-2', `lim-${i}@ua`, [ua.authorization(r1, 'bf-2', 'f'.repeat(32))]);
      assert.equal(r2.status, 403);
    }
    await waitFor(() => watch.events('AuthFailureLimit').length === 1, 5000, 'AuthFailureLimit');
    const ev = watch.events('AuthFailureLimit')[0];
    assert.deepEqual(
      ev.map(([n]) => n),
      [
        'Event',
        'Privilege',
        'EventTV',
        'Severity',
        'Service',
        'EventVersion',
        'AccountID',
        'LocalAddress',
        'RemoteAddress',
        'Failures',
        'Window',
        'BlockedFor',
      ],
    );
    assert.equal(hdr(ev, 'Privilege'), 'security,all');
    assert.equal(hdr(ev, 'Service'), 'SIP');
    assert.equal(hdr(ev, 'AccountID'), 'bf-2');
    assert.equal(hdr(ev, 'RemoteAddress'), `IPV4/UDP/127.0.0.1/${ua.port}`);
    assert.deepEqual(
      ['Failures', 'Window', 'BlockedFor'].map((n) => hdr(ev, n)),
      ['20', '60', '300'],
    );
    const before = watch.msgs.length;
    // Refused now: no challenge, no digest check, no further security events.
    const again = await ua.register('bf-2', 'lim-after@ua');
    assert.equal(again.status, 403);
    const good = await ua.register('bf-2', 'lim-after@ua', [
      `Authorization: Digest username="bf-2", realm="asterisk", uri="${ua.uri}", nonce="x", response="${'0'.repeat(32)}"`,
    ]);
    assert.equal(good.status, 403);
    await watch.action({ Action: 'Ping' }, (m) => hdr(m, 'Response') === 'Success');
    assert.equal(
      watch.msgs.slice(before).filter((m) => hdr(m, 'Service') === 'SIP').length,
      0,
      'refused attempts raise no events',
    );
    // Another address is served as usual: the limit is per source address.
    const other = await Ua.open(port, '127.0.0.2');
    try {
      const o1 = await other.register('bf-2', 'other@ua');
      assert.equal(o1.status, 401);
      const o2 = await other.register('bf-2', 'other@ua', [
        other.authorization(o1, 'bf-2', other.goodResponse(o1, 'bf-2', 'right-two')),
        `Contact: <sip:bf-2@127.0.0.2:${other.port}>`,
      ]);
      assert.equal(o2.status, 200);
    } finally {
      other.close();
    }
  } finally {
    ua.close();
    watch.close();
    await limited.dispose();
  }
});

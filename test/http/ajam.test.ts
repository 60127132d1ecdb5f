/**
 * AJAM behaviour beyond the recordings: session expiry on a real clock, WaitEvent bounded by the
 * session's expiry, digest authentication, POST forms, header injection, escaping, permissions and
 * filters identical to TCP, and the manager.conf / http.conf switches.
 */
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ajam, cookieOf, digestHeader, md5, nonceOf, request, TcpAmi } from '../../src/testing/raw-http.js';
import https from 'node:https';
import { startHttp } from '../../src/manager/transports/http/index.js';
import { parseHttpConf } from '../../src/config/http-conf.js';
import { parseConfText } from '../../src/config/conf-parser.js';
import { ASTERISK_20, httpServerName } from '../../src/profiles/index.js';
import { testCertificate } from '../../src/testing/server.js';
import { ListenError } from '../../src/manager/transports/listen-error.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('AJAM on the recorded configuration', () => {
  let srv: TestServer;
  let port = 0;
  before(async () => {
    srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0, sip: false });
    port = srv.httpAddress?.port ?? 0;
  });
  after(async () => {
    await srv.dispose();
  });

  test('POST form body replaces the query string; Logoff ends the session', async () => {
    const login = await request(
      port,
      'POST',
      '/rawman?action=ping',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'action=login&username=admin&secret=admin',
    );
    assert.equal(login.body, 'Response: Success\r\nMessage: Authentication accepted\r\n\r\n');
    const cookie = cookieOf(login);
    const ping = await request(
      port,
      'POST',
      '/rawman',
      {
        'Content-Type': 'application/x-www-form-urlencoded; charset=UTF-8',
        Cookie: `mansession_id="${cookie}"`,
      },
      'action=Ping&ActionID=a+b%21',
    );
    assert.match(
      ping.body,
      /^Response: Success\r\nActionID: a b!\r\nPing: Pong\r\nTimestamp: \d+\.\d{6}\r\n\r\n$/,
    );
    const off = await ajam(port, 'action=logoff', cookie);
    assert.equal(off.body, 'Response: Goodbye\r\nMessage: Thanks for all the fish.\r\n\r\n');
    assert.equal(cookieOf(off), cookie);
    const after = await ajam(port, 'action=ping', cookie);
    assert.equal(after.body, 'Response: Error\r\nMessage: Permission denied\r\n\r\n');
    assert.notEqual(cookieOf(after), cookie, 'a logged-off session gets a fresh cookie');
  });

  test('Challenge then an MD5 Login on the same cookie', async () => {
    const ch = await ajam(port, 'action=challenge&authtype=md5');
    const challenge = /Challenge: (\d+)/.exec(ch.body)?.[1] ?? '';
    const cookie = cookieOf(ch);
    const key = md5(challenge + 'admin');
    const login = await ajam(port, `action=login&username=admin&authtype=md5&key=${key}`, cookie);
    assert.equal(login.body, 'Response: Success\r\nMessage: Authentication accepted\r\n\r\n');
    assert.equal(cookieOf(login), cookie);
  });

  test('CR and LF in URL values cannot inject headers or lines', async () => {
    const cookie = cookieOf(await ajam(port, 'action=login&username=admin&secret=admin'));
    const r = await ajam(port, 'action=ping&actionid=x%0d%0aResponse:%20Hacked%0aX:%20y', cookie);
    const lines = r.body.split('\r\n');
    assert.equal(lines[0], 'Response: Success');
    assert.equal(lines[1], 'ActionID: x  Response: Hacked X: y');
    assert.ok(!lines.slice(2).some((l) => l.startsWith('Response')));
    const x = await ajam(port, 'action=ping&actionid=a%0db', cookie, '/mxml');
    assert.match(x.body, /actionid='a b'/);
  });

  test('mxml escapes values and names; ajaxdest names the object', async () => {
    const cookie = cookieOf(await ajam(port, 'action=login&username=admin&secret=admin', undefined, '/mxml'));
    await ajam(port, 'action=userevent&userevent=Esc&1st%20h%3Cx=%3Ca%20href=%22x%22%3E%27%26', cookie);
    const r = await ajam(port, 'action=waitevent&timeout=1&ajaxdest=dst', cookie, '/mxml');
    assert.match(
      r.body,
      /<response type='object' id='dst'><generic event='UserEvent' privilege='user,all' userevent='Esc' _1st_h_x='&lt;a href=&quot;x&quot;&gt;&apos;&amp;' \/><\/response>/,
    );
    const h = await ajam(port, 'action=ping&actionid=%3Cb%3E', cookie, '/manager');
    assert.match(h.body, /<tr><td>ActionID<\/td><td>&lt;b&gt;<\/td><\/tr>\n/);
  });

  test('the same permission checks as TCP', async () => {
    const tcp = await TcpAmi.connect(srv.port);
    const steps = [
      'action=login&username=limited&secret=limited&actionid=1',
      'action=command&command=core%20show%20version&actionid=2',
      'action=userevent&userevent=X&actionid=3',
      'action=ping&actionid=4',
      'action=nosuch&actionid=5',
      'action=logoff&actionid=6',
    ];
    let cookie = '';
    for (const q of steps) {
      const params = new URLSearchParams(q);
      const text = [...params].map(([n, v]) => `${n}: ${v}\r\n`).join('') + '\r\n';
      const viaTcp = await tcp.send(text);
      const r = await ajam(port, q, cookie || undefined);
      cookie ||= cookieOf(r);
      const norm = (s: string): string => s.replace(/Timestamp: \S+/, 'Timestamp: <t>');
      assert.equal(norm(r.body), norm(viaTcp), q);
    }
    tcp.close();
  });

  test('eventfilter of the user applies to WaitEvent', async () => {
    const cookie = cookieOf(await ajam(port, 'action=login&username=filtered&secret=filtered'));
    await ajam(port, 'action=waitevent&timeout=0', cookie);
    const admin = cookieOf(await ajam(port, 'action=login&username=admin&secret=admin'));
    await ajam(port, 'action=userevent&userevent=NotForFiltered', admin);
    const r = await ajam(port, 'action=waitevent&timeout=0', cookie);
    assert.ok(!r.body.includes('NotForFiltered'), r.body);
    const own = await ajam(port, 'action=waitevent&timeout=0', admin);
    assert.ok(own.body.includes('UserEvent: NotForFiltered'), own.body);
  });

  test('a pending WaitEvent answers when another request of the session arrives', async () => {
    const cookie = cookieOf(await ajam(port, 'action=login&username=admin&secret=admin'));
    await ajam(port, 'action=waitevent&timeout=0', cookie);
    const t0 = Date.now();
    const waiting = ajam(port, 'action=waitevent&timeout=20&actionid=w', cookie);
    await sleep(200);
    const ping = await ajam(port, 'action=ping&actionid=p', cookie);
    assert.match(ping.body, /ActionID: p/);
    const w = await waiting;
    assert.match(w.body, /^Response: Success\r\nActionID: w\r\nMessage: Waiting for Event completed\.\r\n/);
    assert.ok(Date.now() - t0 < 5000);
  });

  test('digest: challenge, success, count replay, wrong secret, ACL', async () => {
    const first = await request(port, 'GET', '/arawman?action=ping');
    assert.equal(first.status, 401);
    const nonce = nonceOf(first);
    const uri = '/arawman?action=ping&actionid=d1';
    const ok = await request(port, 'GET', uri, {
      Authorization: digestHeader({ user: 'admin', secret: 'admin', nonce, method: 'GET', uri, nc: 1 }),
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.header('Set-Cookie'), undefined);
    assert.equal(ok.header('Content-type'), 'text/plain');
    assert.match(ok.body, /^Response: Success\r\nActionID: d1\r\nPing: Pong\r\n/);
    const uri2 = '/amxml?action=ping&actionid=d2';
    const ok2 = await request(port, 'GET', uri2, {
      Authorization: digestHeader({ user: 'admin', secret: 'admin', nonce, method: 'GET', uri: uri2, nc: 2 }),
    });
    assert.match(
      ok2.body,
      /^<ajax-response>\n<response type='object' id='unknown'><generic response='Success' actionid='d2' ping='Pong'/,
    );
    // The same nonce count again: a new nonce, marked stale.
    const replayed = await request(port, 'GET', uri2, {
      Authorization: digestHeader({ user: 'admin', secret: 'admin', nonce, method: 'GET', uri: uri2, nc: 2 }),
    });
    assert.equal(replayed.status, 401);
    assert.match(replayed.header('WWW-authenticate') ?? '', /, stale=true$/);
    const fresh = nonceOf(replayed);
    assert.notEqual(fresh, nonce);
    const ok3 = await request(port, 'GET', uri, {
      Authorization: digestHeader({
        user: 'admin',
        secret: 'admin',
        nonce: fresh,
        method: 'GET',
        uri,
        nc: 1,
      }),
    });
    assert.equal(ok3.status, 200);
    // The old nonce is now stale: asked again with the current one.
    const old = await request(port, 'GET', uri, {
      Authorization: digestHeader({ user: 'admin', secret: 'admin', nonce, method: 'GET', uri, nc: 9 }),
    });
    assert.equal(old.status, 401);
    assert.equal(nonceOf(old), fresh);
    // Wrong secret, unknown user, made-up nonce: challenged again.
    const n2 = nonceOf(await request(port, 'GET', '/arawman'));
    const bad = await request(port, 'GET', uri, {
      Authorization: digestHeader({ user: 'admin', secret: 'nope', nonce: n2, method: 'GET', uri, nc: 1 }),
    });
    assert.equal(bad.status, 401);
    const nobody = await request(port, 'GET', uri, {
      Authorization: digestHeader({ user: 'nobody', secret: 'x', nonce: n2, method: 'GET', uri, nc: 1 }),
    });
    assert.equal(nobody.status, 401);
    const invented = await request(port, 'GET', uri, {
      Authorization: digestHeader({
        user: 'hello',
        secret: 'world',
        nonce: '0badf00d',
        method: 'GET',
        uri,
        nc: 1,
      }),
    });
    assert.equal(invented.status, 401);
    // acluser may only come from 127.0.0.2.
    const acl = await request(port, 'GET', uri, {
      Authorization: digestHeader({
        user: 'acluser',
        secret: 'acluser',
        nonce: n2,
        method: 'GET',
        uri,
        nc: 1,
      }),
    });
    assert.equal(acl.status, 403);
    assert.match(acl.body, /<title>403 Permission denied<\/title>/);
    // A digest session is the user's: its permissions apply.
    const n3 = nonceOf(await request(port, 'GET', '/arawman'));
    const cmd = '/arawman?action=command&command=core%20show%20uptime';
    const lim = await request(port, 'GET', cmd, {
      Authorization: digestHeader({
        user: 'limited',
        secret: 'limited',
        nonce: n3,
        method: 'GET',
        uri: cmd,
        nc: 1,
      }),
    });
    assert.equal(lim.body, 'Response: Error\r\nMessage: Permission denied\r\n\r\n');
  });

  test('unknown methods on AJAM URIs are 501; /healthz; 404 under a wrong path', async () => {
    const put = await request(port, 'PUT', '/rawman?action=ping');
    assert.equal(put.status, 501);
    assert.match(put.body, /<p>Attempt to use unimplemented \/ unsupported method<\/p>/);
    const h = await request(port, 'GET', '/healthz');
    assert.equal(h.status, 200);
    assert.equal(h.body, 'ok');
    assert.equal((await request(port, 'GET', '/rawman/x?action=ping')).status, 404);
    assert.equal((await request(port, 'GET', '/RAWMAN/?action=ping')).status, 200);
    const big = await request(
      port,
      'POST',
      '/rawman',
      { 'Content-Type': 'application/x-www-form-urlencoded' },
      'a=' + 'x'.repeat(41000),
    );
    assert.equal(big.status, 413);
  });
});

describe('AJAM with httptimeout = 2', () => {
  let srv: TestServer;
  let port = 0;
  before(async () => {
    const dir = conformanceConfigDir((t) => t.replace(/^;httptimeout.*$/m, 'httptimeout = 2'));
    srv = await startTestServer({ configDir: dir, httpPort: 0, sip: false });
    port = srv.httpAddress?.port ?? 0;
  });
  after(async () => {
    await srv.dispose();
  });

  test('a session expires after httptimeout idle seconds; requests keep it alive', async () => {
    const login = await ajam(port, 'action=login&username=admin&secret=admin');
    assert.match(login.header('Set-Cookie') ?? '', /; Version=1; Max-Age=2$/);
    const cookie = cookieOf(login);
    await sleep(1200);
    const alive = await ajam(port, 'action=ping', cookie);
    assert.match(alive.body, /^Response: Success\r\nPing: Pong/);
    await sleep(1200);
    const still = await ajam(port, 'action=ping', cookie);
    assert.match(still.body, /^Response: Success\r\nPing: Pong/, 'requests reset the timer');
    await sleep(3100);
    const gone = await ajam(port, 'action=ping', cookie);
    assert.equal(gone.body, 'Response: Error\r\nMessage: Permission denied\r\n\r\n');
    assert.notEqual(cookieOf(gone), cookie);
  });

  test('WaitEvent is capped at the session expiry minus 10 s (here: it answers at once)', async () => {
    const cookie = cookieOf(await ajam(port, 'action=login&username=admin&secret=admin'));
    const t0 = Date.now();
    const r = await ajam(port, 'action=waitevent&timeout=30', cookie);
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
    assert.match(r.body, /^Response: Success\r\nMessage: Waiting for Event completed\.\r\n/);
  });
});

describe('switches', () => {
  test('webenabled = no: the AJAM URIs are 404, /healthz stays', async () => {
    const dir = conformanceConfigDir((t) => t.replace(/^webenabled = yes$/m, 'webenabled = no'));
    const srv = await startTestServer({ configDir: dir, httpPort: 0, sip: false });
    try {
      const port = srv.httpAddress?.port ?? 0;
      assert.equal((await request(port, 'GET', '/rawman?action=ping')).status, 404);
      assert.equal((await request(port, 'GET', '/healthz')).status, 200);
    } finally {
      await srv.dispose();
    }
  });

  test('http.conf prefix, servername and disabled HTTP', async () => {
    const dir = conformanceConfigDir();
    writeFileSync(
      join(dir, 'http.conf'),
      '[general]\nenabled = yes\nbindaddr = 127.0.0.1\nprefix = asterisk\nservername = Test/1\n',
    );
    const srv = await startTestServer({ configDir: dir, httpPort: 0, sip: false });
    try {
      const port = srv.httpAddress?.port ?? 0;
      assert.equal((await request(port, 'GET', '/rawman?action=ping')).status, 404);
      const r = await request(port, 'GET', '/asterisk/rawman?action=ping');
      assert.equal(r.status, 200);
      assert.equal(r.header('Server'), 'Test/1');
    } finally {
      await srv.dispose();
    }
    const off = conformanceConfigDir();
    writeFileSync(join(off, 'http.conf'), '[general]\nenabled = no\nbindaddr = 127.0.0.1\n');
    const srv2 = await startTestServer({ configDir: off, httpPort: 0, sip: false });
    try {
      assert.equal(srv2.httpAddress, null);
    } finally {
      await srv2.dispose();
    }
  });

  test('tlsenable: the same endpoints over HTTPS', async () => {
    const srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0, sip: false });
    const { cert, key } = testCertificate();
    const conf = parseHttpConf(
      parseConfText(
        `[general]\nenabled = yes\nbindaddr = 127.0.0.1\ntlsenable = yes\ntlsbindaddr = 127.0.0.1\ntlscertfile = ${cert}\ntlsprivatekey = ${key}\n`,
        'http.conf',
      ),
      httpServerName(ASTERISK_20),
    );
    const h = await startHttp(srv.manager, conf, { port: 0, tlsPort: 0, metrics: false });
    try {
      assert.ok(h.tlsAddress);
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get(
            {
              host: '127.0.0.1',
              port: h.tlsAddress?.port,
              path: '/rawman?action=ping',
              rejectUnauthorized: false,
            },
            (res) => {
              let b = '';
              res.on('data', (d: Buffer) => (b += d.toString()));
              res.on('end', () => resolve(b));
            },
          )
          .on('error', reject);
      });
      assert.equal(body, 'Response: Error\r\nMessage: Permission denied\r\n\r\n');
    } finally {
      await h.close();
      await srv.dispose();
    }
  });

  test('a busy HTTP port stops the start (Asterisk would run on without HTTP)', async () => {
    const a = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0, sip: false });
    const dir = conformanceConfigDir();
    try {
      await assert.rejects(
        startTestServer({ configDir: dir, httpPort: a.httpAddress?.port, sip: false }),
        (e: unknown) => e instanceof ListenError && e.listener === 'HTTP manager' && e.code === 'EADDRINUSE',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await a.dispose();
    }
  });
});

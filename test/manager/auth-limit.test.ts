/**
 * manager.conf `authfaillimit` / `authfailwindow` / `authfailblock` (amikit, off by default) over
 * real TCP: the Login failure that reaches the limit raises AuthFailureLimit (class security,
 * Service AMI), later Logins from that address are refused even with the right secret, and with
 * no such option any number of failures changes nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { AmiConn, hdr } from '../sip/helpers.js';
import { AuthFailureLimiter } from '../../src/manager/auth-failures.js';
import { AUTHFAIL_DEFAULTS, readAuthFailOption } from '../../src/config/authfail.js';

/** One connection, one Login; resolves with the response's headers and the local port used. */
async function login(port: number, user: string, secret: string): Promise<{ msg: string; local: number }> {
  const sock = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((r, j) => {
    sock.once('connect', () => r());
    sock.once('error', j);
  });
  const local = sock.localPort ?? 0;
  let buf = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error('no Login response'));
    }, 10_000);
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const start = buf.indexOf('Response:');
      const end = start >= 0 ? buf.indexOf('\r\n\r\n', start) : -1;
      if (end < 0) return;
      clearTimeout(timer);
      sock.destroy();
      resolve({ msg: buf.slice(start, end), local });
    });
    sock.write(`Action: Login\r\nUsername: ${user}\r\nSecret: ${secret}\r\n\r\n`);
  });
}

function serverWith(general: string): Promise<TestServer> {
  return startTestServer({
    configDir: conformanceConfigDir((t) => t.replace('[general]\n', `[general]\n${general}`)),
  });
}

test('authfaillimit = 3: the third failed Login raises AuthFailureLimit; the address is then refused', async () => {
  const srv = await serverWith('authfaillimit = 3\nauthfailwindow = 60\nauthfailblock = 300\n');
  const watch = await AmiConn.open(srv.port);
  try {
    const fails = await Promise.all([1, 2, 3].map(() => login(srv.port, 'hello', 'wrong')));
    for (const f of fails) assert.match(f.msg, /^Response: Error\r\nMessage: Authentication failed/);
    await watch.wait((m) => hdr(m, 'Event') === 'AuthFailureLimit');
    const ev = watch.events('AuthFailureLimit');
    assert.equal(ev.length, 1);
    assert.deepEqual(
      ev[0].map(([n]) => n),
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
    assert.equal(hdr(ev[0], 'Privilege'), 'security,all');
    assert.equal(hdr(ev[0], 'Severity'), 'Error');
    assert.equal(hdr(ev[0], 'Service'), 'AMI');
    assert.equal(hdr(ev[0], 'AccountID'), 'hello');
    assert.equal(hdr(ev[0], 'LocalAddress'), `IPV4/TCP/127.0.0.1/${srv.port}`);
    assert.match(hdr(ev[0], 'RemoteAddress') ?? '', /^IPV4\/TCP\/127\.0\.0\.1\/\d+$/);
    assert.ok(fails.some((f) => hdr(ev[0], 'RemoteAddress') === `IPV4/TCP/127.0.0.1/${f.local}`));
    assert.deepEqual(
      ['Failures', 'Window', 'BlockedFor'].map((n) => hdr(ev[0], n)),
      ['3', '60', '300'],
    );
    assert.equal(watch.events('InvalidPassword').length, 3, "each failure still raises Asterisk's event");
    const marks = watch.msgs.length;
    // The right secret is refused now, and the refused attempt raises no security event.
    const refused = await login(srv.port, 'hello', 'world');
    assert.match(refused.msg, /^Response: Error\r\nMessage: Authentication failed/);
    await watch.action({ Action: 'Ping' }, (m) => hdr(m, 'Response') === 'Success');
    const after = watch.msgs.slice(marks).map((m) => hdr(m, 'Event'));
    assert.ok(!after.includes('SuccessfulAuth') && !after.includes('InvalidPassword'));
    // The session that logged in before keeps working.
    assert.equal(hdr(watch.msgs[watch.msgs.length - 1], 'Response'), 'Success');
  } finally {
    watch.close();
    await srv.dispose();
  }
});

test('off by default: 6 failed Logins change nothing, the right secret is accepted', async () => {
  const srv = await serverWith('');
  const watch = await AmiConn.open(srv.port);
  try {
    const fails = await Promise.all(Array.from({ length: 6 }, () => login(srv.port, 'hello', 'wrong')));
    for (const f of fails) assert.match(f.msg, /^Response: Error\r\nMessage: Authentication failed/);
    const ok = await login(srv.port, 'hello', 'world');
    assert.match(ok.msg, /^Response: Success\r\nMessage: Authentication accepted/);
    await watch.wait((m) => hdr(m, 'Event') === 'SuccessfulAuth' && hdr(m, 'AccountID') === 'hello');
    assert.equal(watch.events('AuthFailureLimit').length, 0);
    assert.equal(watch.events('InvalidPassword').length, 6);
  } finally {
    watch.close();
    await srv.dispose();
  }
});

test('the limiter: a window opens at the first failure, the block ends, success forgets; options parse', () => {
  let now = 1_000_000;
  const lim = new AuthFailureLimiter({ limit: 3, windowSec: 10, blockSec: 30 }, () => now);
  assert.equal(lim.fail('10.0.0.1'), false);
  assert.equal(lim.fail('10.0.0.1'), false);
  now += 10_000; // the window closed: counting starts again
  assert.equal(lim.fail('10.0.0.1'), false);
  assert.equal(lim.fail('10.0.0.1'), false);
  assert.equal(lim.blocked('10.0.0.1'), false);
  assert.equal(lim.fail('10.0.0.1'), true, 'third failure inside one window trips');
  assert.equal(lim.blocked('10.0.0.1'), true);
  assert.equal(lim.blocked('10.0.0.2'), false, 'per address');
  assert.equal(lim.fail('10.0.0.1'), false, 'trips once per block');
  now += 30_000;
  assert.equal(lim.blocked('10.0.0.1'), false, 'the block ends');
  lim.fail('10.0.0.3');
  lim.fail('10.0.0.3');
  lim.succeed('10.0.0.3');
  assert.equal(lim.fail('10.0.0.3'), false, 'a success forgot the earlier failures');
  const off = new AuthFailureLimiter({ ...AUTHFAIL_DEFAULTS });
  for (let i = 0; i < 100; i++) assert.equal(off.fail('10.0.0.9'), false);
  assert.equal(off.size, 0, 'off: nothing is tracked');
  const many = new AuthFailureLimiter({ limit: 5, windowSec: 60, blockSec: 60 }, () => now);
  for (let i = 0; i < 10_050; i++) many.fail(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  assert.equal(many.size, 10_000, 'at most 10,000 addresses are tracked');

  const s = { ...AUTHFAIL_DEFAULTS };
  const warnings: string[] = [];
  assert.equal(
    readAuthFailOption(s, 'AuthFailLimit', '5', (m) => warnings.push(m)),
    true,
  );
  assert.equal(
    readAuthFailOption(s, 'authfailwindow', '0', (m) => warnings.push(m)),
    true,
  );
  assert.equal(
    readAuthFailOption(s, 'authfailblock', 'soon', (m) => warnings.push(m)),
    true,
  );
  assert.equal(
    readAuthFailOption(s, 'authlimit', '5', (m) => warnings.push(m)),
    false,
  );
  assert.deepEqual(s, { limit: 5, windowSec: 60, blockSec: 300 });
  assert.deepEqual(warnings, [
    "Invalid authfailwindow value '0', using 60",
    "Invalid authfailblock value 'soon', using 300",
  ]);
});

/**
 * Issue 11, finding 1: a pattern from a client or a config file cannot stop the event loop. Each
 * place that takes one (REGEX(), Hangup /re/, the Filter action, eventfilter in manager.conf,
 * GetConfig's Filter, the CLI's /re/ and `like`) gets a pattern that takes JavaScript's backtracking
 * RegExp seconds or more on the subject it meets; here it must answer at once while another
 * session's Ping is answered too. Patterns RE2 cannot run get Asterisk's invalid-pattern answer.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { loggedIn, type RawAmi, type RawMsg } from '../../src/testing/raw-ami.js';
import { MAX_SESSION_FILTERS } from '../../src/manager/filters.js';

/** Far more than any of these requests needs; a backtracking RegExp takes seconds to minutes. */
const FAST_MS = 1000;

let srv: TestServer;
const clients: RawAmi[] = [];

before(async () => {
  srv = await startTestServer({
    configDir: conformanceConfigDir(
      (t) => t + '\n[evil]\nsecret = evil\nread = all\nwrite = all\neventfilter = (a+)+$\n',
    ),
  });
  // A value that `(a+)+$` makes a backtracking engine walk 2^28 ways.
  writeFileSync(join(srv.configDir, 'dos.conf'), `[cat]\nkey = ${'a'.repeat(28)}!\n`);
});
after(async () => {
  for (const c of clients) c.destroy();
  await srv.dispose();
});

async function login(user = 'admin', secret = user): Promise<RawAmi> {
  const c = await loggedIn(srv.port, user, secret);
  clients.push(c);
  return c;
}

/**
 * Sends `send` on one session and a Ping on another at the same moment; both answers must come
 * within FAST_MS. Returns the first session's answer.
 */
async function answeredWhilePinging(a: RawAmi, send: () => Promise<RawMsg>): Promise<RawMsg> {
  const b = await login('hello', 'world');
  const t0 = performance.now();
  const [res, pong] = await Promise.all([
    send().then((m) => ({ m, ms: performance.now() - t0 })),
    b.action('Ping').then((m) => ({ m, ms: performance.now() - t0 })),
  ]);
  assert.equal(pong.m.get('Ping'), 'Pong');
  assert.ok(pong.ms < FAST_MS, `the other session's Ping took ${pong.ms.toFixed(0)} ms`);
  assert.ok(res.ms < FAST_MS, `the request took ${res.ms.toFixed(0)} ms`);
  return res.m;
}

const getvar = (c: RawAmi, variable: string): Promise<RawMsg> => c.action('Getvar', [['Variable', variable]]);

test('the issue\'s example: Getvar REGEX("(a+)+$" aaa…a!) by a read=call write=call user', async () => {
  const c = await login('limited');
  const r = await answeredWhilePinging(c, () => getvar(c, `REGEX("(a+)+$" ${'a'.repeat(28)}!)`));
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Value'), '0');
  assert.equal((await getvar(c, `REGEX("(a+)+$" ${'a'.repeat(28)})`)).get('Value'), '1');
  // POSIX bracket classes still work.
  assert.equal((await getvar(c, 'REGEX("^[[:digit:]]+$" 12345)')).get('Value'), '1');
});

test('REGEX(): what RE2 cannot run gets the regerror() text Getvar answers for an invalid pattern', async () => {
  const c = await login('limited');
  assert.equal((await getvar(c, 'REGEX("(a)\\1" aa)')).get('Value'), 'Invalid back reference');
  assert.equal((await getvar(c, 'REGEX("a(?=b)" ab)')).get('Value'), 'Invalid preceding regular expression');
  assert.equal((await getvar(c, 'REGEX("(?<=a)b" ab)')).get('Value'), 'Invalid preceding regular expression');
  assert.equal((await getvar(c, 'REGEX("(ab" ab)')).get('Value'), 'Unmatched ( or \\(');
  // Past the program-size cap (before compiling it) and past what the pattern may scan.
  assert.equal((await getvar(c, 'REGEX("(a{0,30}){0,30}" ab)')).get('Value'), 'Regular expression too big');
  assert.equal((await getvar(c, `REGEX("a{300}b" ${'a'.repeat(900)})`)).get('Value'), '');
});

test('Hangup Channel: /re/ with a catastrophic pattern answers at once; a backreference does not compile', async () => {
  const c = await login();
  const o = await c.action('Originate', [
    ['Channel', 'Local/100@default'],
    ['Application', 'Wait'],
    ['Data', '30'],
    ['Async', 'true'],
  ]);
  await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === o.get('ActionID'), 5000);
  const before = srv.core?.pbx.channels().length ?? 0;
  assert.ok(before >= 2);
  // `Local/100@default-0000000x;1`: 2^22 ways for a backtracking engine, per channel.
  const r = await answeredWhilePinging(c, () => c.action('Hangup', [['Channel', '/^.{5}(.|.)*X/']]));
  assert.equal(r.get('Response'), 'Success');
  const done = await c.waitEvent(
    'ChannelsHungupListComplete',
    (m) => m.get('ActionID') === r.get('ActionID'),
  );
  assert.equal(done.get('ListItems'), '0');
  assert.equal(srv.core?.pbx.channels().length, before);
  const bad = await c.action('Hangup', [['Channel', '/(L)\\1/']]);
  assert.equal(bad.get('Message'), 'Regex compile failed on: /(L)\\1/');
  const all = await c.action('Hangup', [['Channel', '/^Local\\/100@default-[[:xdigit:]]{8};[12]$/']]);
  const listed = await c.waitEvent(
    'ChannelsHungupListComplete',
    (m) => m.get('ActionID') === all.get('ActionID'),
  );
  assert.equal(listed.get('ListItems'), String(before));
});

test('the Filter action: a catastrophic include costs nothing per event; a backreference does not compile', async () => {
  const a = await login();
  const f = await a.action('Filter', [
    ['Operation', 'Add'],
    ['Filter', '(a+)+$'],
  ]);
  assert.equal(f.get('Response'), 'Success');
  const bad = await a.action('Filter', [
    ['Operation', 'Add'],
    ['Filter', '(a)\\1'],
  ]);
  assert.equal(bad.get('Message'), 'Filter did not compile.  Check the syntax of the filter given.');
  const look = await a.action('Filter', [
    ['Operation', 'Add'],
    ['Filter', 'Data: (?!x)'],
  ]);
  assert.equal(look.get('Message'), 'Filter did not compile.  Check the syntax of the filter given.');
  const b = await login('hello', 'world');
  // The event text (`…Data: aaa…a!`) is where `(a+)+$` backtracks for each of the filtered sessions.
  const r = await answeredWhilePinging(b, () =>
    b.action('UserEvent', [
      ['UserEvent', 'Probe'],
      ['Data', 'a'.repeat(28) + '!'],
    ]),
  );
  assert.equal(r.get('Response'), 'Success');
  // The filters still work: a second include lets `Probe2` through; `Probe` matched neither
  // (`$` is the end of the event text, after its last CRLF, as regexec without REG_NEWLINE sees it).
  await a.action('Filter', [
    ['Operation', 'Add'],
    ['Filter', 'UserEvent: Probe2'],
  ]);
  await b.action('UserEvent', [
    ['UserEvent', 'Probe2'],
    ['Data', 'a'.repeat(28)],
  ]);
  const ev = await a.waitEvent('UserEvent', (m) => m.get('UserEvent') === 'Probe2');
  assert.equal(ev.get('Data'), 'a'.repeat(28));
  assert.equal(a.seen((m) => m.get('UserEvent') === 'Probe').length, 0);
});

test('eventfilter = (a+)+$ in manager.conf: events reach the others without delay', async () => {
  const evil = await login('evil');
  const b = await login('hello', 'world');
  const r = await answeredWhilePinging(b, () =>
    b.action('UserEvent', [
      ['UserEvent', 'Probe3'],
      ['Data', 'a'.repeat(28) + '!'],
    ]),
  );
  assert.equal(r.get('Response'), 'Success');
  const ping = await evil.action('Ping');
  assert.equal(ping.get('Ping'), 'Pong');
  assert.equal(evil.seen((m) => m.get('UserEvent') === 'Probe3').length, 0);
});

test('GetConfig Filter: a catastrophic name=value pair answers at once; an invalid one matches nothing', async () => {
  const c = await login();
  const r = await answeredWhilePinging(c, () =>
    c.action('GetConfig', [
      ['Filename', 'dos.conf'],
      ['Filter', 'key=(a+)+$'],
    ]),
  );
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Category-000000'), undefined);
  const ok = await c.action('GetConfig', [
    ['Filename', 'dos.conf'],
    ['Filter', 'key=^a+!$'],
  ]);
  assert.equal(ok.get('Category-000000'), 'cat');
  const bad = await c.action('GetConfig', [
    ['Filename', 'dos.conf'],
    ['Filter', 'key=(a)\\1'],
  ]);
  assert.equal(bad.get('Response'), 'Success');
  assert.equal(bad.get('Category-000000'), undefined);
});

test('CLI: channel request hangup /re/ and sip show peers like take the same engine', async () => {
  const c = await login();
  const cmd = (command: string): Promise<RawMsg> => c.action('Command', [['Command', command]]);
  const r = await answeredWhilePinging(c, () => cmd('channel request hangup /^(.|.)*X/'));
  assert.match(r.raw, /\/\^\(\.\|\.\)\*X\/ did not match a known channel/);
  const bad = await cmd('channel request hangup /(a)\\1/');
  assert.match(
    bad.raw,
    /\/\(a\)\\1\/ is not a valid POSIX Extended Regular Expression: Invalid back reference/,
  );
  const peers = await answeredWhilePinging(c, () => cmd('sip show peers like ^(.|.)*X'));
  assert.match(peers.raw, /0 sip peers/);
  const usage = await cmd('sip show peers like (a)\\1');
  assert.match(usage.raw, /Usage: sip show peers/);
});

test('the Filter action: a session holds at most MAX_SESSION_FILTERS filters', async () => {
  const c = await login();
  const add = (filter: string): Promise<RawMsg> =>
    c.action('Filter', [
      ['Operation', 'Add'],
      ['Filter', filter],
    ]);
  for (let i = 0; i < MAX_SESSION_FILTERS; i++)
    assert.equal((await add(`Event: E${i}$`)).get('Response'), 'Success');
  const over = await add('Event: one-too-many');
  assert.equal(over.get('Response'), 'Error');
  assert.equal(over.get('Message'), `Too many filters: a session may add ${MAX_SESSION_FILTERS}`);
  assert.equal((await c.action('Ping')).get('Ping'), 'Pong');
});

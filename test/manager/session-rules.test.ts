/**
 * Session rules of manager.c, checked on the wire: authtimeout, authlimit, allowmultiplelogin,
 * Login/Challenge, Events, Filter, eventfilter users, permission classes, WaitEvent, ListCommands,
 * Command, Reload, line-break injection, and the security events with Asterisk's header orders
 * (main/security_events.c: required fields, then optional ones; main/manager.c report_*()).
 */
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { RawAmi, loggedIn, sleep, type RawMsg } from '../../src/testing/raw-ami.js';

/** The recorded configuration plus a user that may log in only once. */
function withSingleUser(conf: string): string {
  return conf + '\n[single]\nsecret = single\nread = all\nwrite = all\nallowmultiplelogin = no\n';
}

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir(withSingleUser) });
});
after(async () => {
  await srv.dispose();
});

const open: RawAmi[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.destroy();
});

async function conn(port = srv.port): Promise<RawAmi> {
  const c = await RawAmi.connect(port);
  open.push(c);
  return c;
}

async function as(
  user: string,
  secret: string,
  extra: Array<[string, string]> = [],
  port = srv.port,
): Promise<RawAmi> {
  const c = await loggedIn(port, user, secret, extra);
  open.push(c);
  return c;
}

/** Raises a UserEvent from a session of its own; resolves once the server has answered it. */
async function raise(name: string, headers: Array<[string, string]> = [], port = srv.port): Promise<void> {
  const c = await as('hello', 'world', [['Events', 'off']], port);
  const r = await c.action('UserEvent', [['UserEvent', name], ...headers]);
  assert.equal(r.get('Message'), 'Event Sent');
  c.destroy();
}

/** After this, everything the server wrote to `c` before the call has arrived. */
async function settle(c: RawAmi): Promise<void> {
  const r = await c.action('Ping');
  assert.equal(r.get('Ping'), 'Pong');
}

/** Waits until the server has no authenticated session of `user` left. */
async function noSessionOf(user: string): Promise<void> {
  const deadline = Date.now() + 3000;
  while ([...srv.manager.sessions].some((s) => s.authenticated && s.username === user)) {
    if (Date.now() > deadline) throw new Error(`sessions of ${user} still open`);
    await sleep(10);
  }
}

function userEvents(c: RawAmi, name: string): RawMsg[] {
  return c.seen((m) => m.event === 'UserEvent' && m.get('UserEvent') === name);
}

// ---------------------------------------------------------------------------------------------
// authtimeout, authlimit, allowmultiplelogin
// ---------------------------------------------------------------------------------------------

test('authtimeout = 1: an idle unauthenticated connection closes after 1-2.5 s; a logged-in one stays', async () => {
  const s = await startTestServer({
    httpPort: 0,
    configDir: conformanceConfigDir((c) => c.replace(/^authtimeout = \d+$/m, 'authtimeout = 1')),
  });
  try {
    const idle = await conn(s.port);
    const partial = await conn(s.port);
    partial.write('Action: Login\r\nUsername: admin\r\n');
    const authed = await as('admin', 'admin', [['Events', 'off']], s.port);
    const closedAfter = await idle.waitClose(4000);
    assert.ok(closedAfter >= 1000 && closedAfter <= 2500, `idle closed after ${closedAfter} ms`);
    const partialAfter = await partial.waitClose(4000);
    assert.ok(partialAfter >= 1000 && partialAfter <= 2500, `partial login closed after ${partialAfter} ms`);
    assert.equal(idle.msgs.length, 0, 'nothing but the banner');
    await sleep(Math.max(0, 3000 - (Date.now() - authed.openedAt)));
    assert.equal(authed.closed, false, 'authenticated session kept past authtimeout');
    await settle(authed);
  } finally {
    await s.dispose();
  }
});

test('authlimit = 2: a third unauthenticated connection is closed without a banner', async () => {
  const s = await startTestServer({
    httpPort: 0,
    configDir: conformanceConfigDir((c) => c.replace(/^authlimit = \d+$/m, 'authlimit = 2')),
  });
  try {
    const a = await conn(s.port);
    const b = await conn(s.port);
    assert.equal(a.banner, 'Asterisk Call Manager/9.0.0');
    assert.equal(b.banner, 'Asterisk Call Manager/9.0.0');
    const third = await RawAmi.connect(s.port, { banner: false });
    open.push(third);
    await third.waitClose(2000);
    assert.equal(third.text, '', 'no banner, no bytes');
    // Logging one in frees a slot: a new connection gets its banner again.
    const r = await a.login('admin', 'admin', [['Events', 'off']]);
    assert.equal(r.get('Message'), 'Authentication accepted');
    const fourth = await conn(s.port);
    assert.equal(fourth.banner, 'Asterisk Call Manager/9.0.0');
    // An authenticated session does not count: two unauthenticated ones are allowed again.
    const fifth = await RawAmi.connect(s.port, { banner: false });
    open.push(fifth);
    await fifth.waitClose(2000);
    assert.equal(fifth.text, '');
  } finally {
    await s.dispose();
  }
});

test('allowmultiplelogin = no: a second Login waits ~1 s, gets Login Already In Use, and is closed', async () => {
  await noSessionOf('single');
  const first = await as('single', 'single', [['Events', 'off']]);
  const second = await conn();
  const t0 = Date.now();
  const r = await second.login('single', 'single');
  const took = Date.now() - t0;
  assert.equal(r.get('Response'), 'Error');
  assert.equal(r.get('Message'), 'Login Already In Use');
  assert.ok(took >= 900 && took < 2500, `answered after ${took} ms`);
  await second.waitClose(1000);
  // Challenge for that user is refused the same way.
  const third = await conn();
  const c = await third.action('Challenge', [
    ['AuthType', 'MD5'],
    ['Username', 'single'],
  ]);
  assert.equal(c.get('Message'), 'Login Already In Use');
  await third.waitClose(1000);
  // Other users (allowmultiplelogin default yes) may log in many times.
  await as('admin', 'admin', [['Events', 'off']]);
  await as('admin', 'admin', [['Events', 'off']]);
  await settle(first);
  // Once the first logs off, the user may log in again.
  first.destroy();
  await noSessionOf('single');
  await as('single', 'single', [['Events', 'off']]);
});

test('allowmultiplelogin = no: the refused Login raises a SessionLimit security event (report_session_limit)', async () => {
  await noSessionOf('single');
  const watcher = await as('admin', 'admin', [['Events', 'security']]);
  await as('single', 'single', [['Events', 'off']]);
  const second = await conn();
  const r = await second.login('single', 'single');
  assert.equal(r.get('Message'), 'Login Already In Use');
  const ev = await watcher.waitEvent('SessionLimit', undefined, 2000);
  assert.deepEqual(ev.names(), [
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
    'SessionTV',
  ]);
  assert.equal(ev.get('Severity'), 'Error');
  assert.equal(ev.get('AccountID'), '', 'the session had no username yet');
});

// ---------------------------------------------------------------------------------------------
// Login, Challenge, Events
// ---------------------------------------------------------------------------------------------

test('Login on an authenticated session: Already authenticated, session kept', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const r = await c.login('hello', 'world');
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Message'), 'Already authenticated');
  await settle(c);
  assert.equal(c.closed, false);
  // Still admin: the second Login changed nothing.
  const s = [...srv.manager.sessions].find((x) => x.transport.remotePort === c.localPort);
  assert.equal(s?.username, 'admin');
});

test('MD5 login: Challenge then Key = md5(challenge + secret); a wrong key fails and closes', async () => {
  const c = await conn();
  const ch = await c.action('Challenge', [['AuthType', 'MD5']]);
  assert.equal(ch.get('Response'), 'Success');
  const challenge = ch.get('Challenge') ?? '';
  assert.match(challenge, /^\d+$/);
  const again = await c.action('Challenge', [['AuthType', 'md5']]);
  assert.equal(again.get('Challenge'), challenge, 'same challenge for the session');
  const key = createHash('md5')
    .update(challenge + 'world')
    .digest('hex');
  const ok = await c.action('Login', [
    ['AuthType', 'MD5'],
    ['Username', 'hello'],
    ['Key', key],
  ]);
  assert.equal(ok.get('Message'), 'Authentication accepted');
  await settle(c);

  const bad = await conn();
  await bad.action('Challenge', [['AuthType', 'MD5']]);
  const t0 = Date.now();
  const r = await bad.action('Login', [
    ['AuthType', 'MD5'],
    ['Username', 'hello'],
    ['Key', '0'.repeat(32)],
  ]);
  assert.equal(r.get('Message'), 'Authentication failed');
  assert.ok(Date.now() - t0 >= 900);
  await bad.waitClose(1000);

  const unsupported = await conn();
  const u = await unsupported.action('Challenge', [['AuthType', 'SHA1']]);
  assert.equal(u.get('Response'), 'Error');
  assert.equal(u.get('Message'), 'Must specify AuthType');
});

test('Challenge is at most 9 characters (char challenge[10] in mansession_session)', async () => {
  const lens: number[] = [];
  for (let i = 0; i < 30; i++) {
    const c = await conn();
    const ch = await c.action('Challenge', [['AuthType', 'MD5']]);
    lens.push((ch.get('Challenge') ?? '').length);
    c.destroy();
  }
  assert.ok(
    lens.every((n) => n >= 1 && n <= 9),
    `challenge lengths: ${lens.join(',')}`,
  );
});

test('Events action: on/off/class list/bogus/missing/all, and what each lets through', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const cases: Array<[string | null, string, string, boolean]> = [
    // EventMask, expected header, expected value, receives a UserEvent afterwards
    ['on', 'Events', 'On', true],
    ['off', 'Events', 'Off', false],
    ['system,call', 'Events', 'On', false],
    ['user', 'Events', 'On', true],
    ['bogus', 'Events', 'Off', false],
    [null, 'Message', 'Invalid event mask', false],
    ['all', 'Events', 'On', true],
  ];
  for (const [i, [mask, header, value, receives]] of cases.entries()) {
    const r = await c.action('Events', mask === null ? [] : [['EventMask', mask]]);
    assert.equal(r.get(header), value, `EventMask ${mask}`);
    assert.equal(r.get('Response'), mask === null ? 'Error' : 'Success');
    const name = `Mask${i}`;
    await raise(name);
    await settle(c);
    assert.equal(userEvents(c, name).length, receives ? 1 : 0, `EventMask ${mask}: UserEvent delivered?`);
    if (mask === null) {
      // An invalid mask leaves the previous one (off, from 'bogus') in place.
      assert.equal(receives, false);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// Filter action and manager.conf eventfilter users
// ---------------------------------------------------------------------------------------------

test('Filter Operation Add: legacy regex include and exclude', async () => {
  const c = await as('admin', 'admin');
  const r = await c.action('Filter', [
    ['Operation', 'Add'],
    ['Filter', 'UserEvent: Keep'],
  ]);
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Message'), 'Success');
  const x = await c.action('Filter', [
    ['Operation', 'add'],
    ['Filter', '!Spam: yes'],
  ]);
  assert.equal(x.get('Message'), 'Success');
  await raise('Keep');
  await raise('Drop');
  await raise('KeepSpam', [['Spam', 'yes']]);
  await settle(c);
  assert.equal(userEvents(c, 'Keep').length, 1);
  assert.equal(userEvents(c, 'Drop').length, 0);
  assert.equal(userEvents(c, 'KeepSpam').length, 0, 'exclude vetoes an included event');
  // The include filter also stops other events, e.g. another login's SuccessfulAuth.
  assert.equal(c.seen((m) => m.event === 'SuccessfulAuth' && m.get('AccountID') === 'hello').length, 0);
});

test('Filter with MatchCriteria name(UserEvent),header(UserEvent),method(exact)', async () => {
  const c = await as('admin', 'admin');
  const r = await c.action('Filter', [
    ['Operation', 'Add'],
    ['MatchCriteria', 'name(UserEvent),header(UserEvent),method(exact)'],
    ['Filter', 'Exact1'],
  ]);
  assert.equal(r.get('Message'), 'Success');
  await raise('Exact1');
  await raise('Exact1x');
  await raise('xExact1');
  await settle(c);
  assert.equal(userEvents(c, 'Exact1').length, 1);
  assert.equal(userEvents(c, 'Exact1x').length + userEvents(c, 'xExact1').length, 0);
});

test('Filter with MatchCriteria action(exclude),name(UserEvent),header(UserEvent),method(starts_with)', async () => {
  const c = await as('admin', 'admin', [['Events', 'user']]);
  const r = await c.action('Filter', [
    ['Operation', 'Add'],
    ['MatchCriteria', 'action(exclude),name(UserEvent),header(UserEvent),method(starts_with)'],
    ['Filter', 'Drop'],
  ]);
  assert.equal(r.get('Message'), 'Success');
  await raise('DropMe');
  await raise('KeepMe');
  await settle(c);
  assert.equal(userEvents(c, 'DropMe').length, 0);
  assert.equal(userEvents(c, 'KeepMe').length, 1);
});

test('Filter legacy regex is POSIX ERE: bracket classes like [[:digit:]] work', async () => {
  const c = await as('admin', 'admin', [['Events', 'user']]);
  const r = await c.action('Filter', [
    ['Operation', 'Add'],
    ['Filter', 'UserEvent: [[:digit:]]+x\\r'],
  ]);
  assert.equal(r.get('Message'), 'Success');
  await raise('123x');
  await raise('abcx');
  await settle(c);
  assert.equal(userEvents(c, 'abcx').length, 0);
  assert.equal(userEvents(c, '123x').length, 1, 'regcomp(REG_EXTENDED) knows [[:digit:]]');
});

test('Filter errors: Unknown operation, formatted incorrectly, did not compile', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const cases: Array<[Array<[string, string]>, string]> = [
    [[['Filter', 'Event: X']], 'Unknown operation'],
    [
      [
        ['Operation', 'Remove'],
        ['Filter', 'Event: X'],
      ],
      'Unknown operation',
    ],
    [[['Operation', 'Add']], 'Filter was formatted incorrectly.  Check the syntax of the filter given.'],
    [
      [
        ['Operation', 'Add'],
        ['Filter', '!'],
      ],
      'Filter was formatted incorrectly.  Check the syntax of the filter given.',
    ],
    [
      [
        ['Operation', 'Add'],
        ['MatchCriteria', 'bogus(x)'],
        ['Filter', 'x'],
      ],
      'Filter was formatted incorrectly.  Check the syntax of the filter given.',
    ],
    [
      [
        ['Operation', 'Add'],
        ['MatchCriteria', 'method(fuzzy)'],
        ['Filter', 'x'],
      ],
      'Filter was formatted incorrectly.  Check the syntax of the filter given.',
    ],
    [
      [
        ['Operation', 'Add'],
        ['Filter', 'Event: ('],
      ],
      'Filter did not compile.  Check the syntax of the filter given.',
    ],
    [
      [
        ['Operation', 'Add'],
        ['Filter', '[unclosed'],
      ],
      'Filter did not compile.  Check the syntax of the filter given.',
    ],
    [
      [
        ['Operation', 'Add'],
        ['MatchCriteria', 'name(UserEvent),header(UserEvent)'],
        ['Filter', 'x'],
      ],
      // No method(): the advanced form defaults to 'none', which takes no pattern.
      'Filter was formatted incorrectly.  Check the syntax of the filter given.',
    ],
    [
      [
        ['Operation', 'Add'],
        ['MatchCriteria', 'method(exact)'],
      ],
      'Filter was formatted incorrectly.  Check the syntax of the filter given.',
    ],
  ];
  for (const [headers, message] of cases) {
    const r = await c.action('Filter', headers);
    assert.equal(r.get('Response'), 'Error', JSON.stringify(headers));
    assert.equal(r.get('Message'), message, JSON.stringify(headers));
  }
});

test('manager.conf eventfilter: filtered (include Newchannel, exclude Local/) and filtered2 (include only)', async () => {
  const f1 = await as('filtered', 'filtered');
  const f2 = await as('filtered2', 'filtered2');
  const all = await as('admin', 'admin');
  // "UserEvent: Newchannel" contains "Event: Newchannel": the unanchored include regex matches it.
  await raise('Newchannel', [['Channel', 'SIP/test-201-00000001']]);
  await raise('Newchannel', [['Channel', 'Local/200@agents-00000001;1']]);
  await raise('Other', [['Channel', 'SIP/test-201-00000002']]);
  for (const c of [f1, f2, all]) await settle(c);
  const chans = (c: RawAmi): string[] =>
    c.seen((m) => m.event === 'UserEvent').map((m) => `${m.get('UserEvent')} ${m.get('Channel')}`);
  assert.deepEqual(chans(f1), ['Newchannel SIP/test-201-00000001']);
  assert.deepEqual(chans(f2), ['Newchannel SIP/test-201-00000001', 'Newchannel Local/200@agents-00000001;1']);
  assert.deepEqual(chans(all), [
    'Newchannel SIP/test-201-00000001',
    'Newchannel Local/200@agents-00000001;1',
    'Other SIP/test-201-00000002',
  ]);
  // Filters also keep out the security events of the raisers' logins.
  assert.equal(f1.seen((m) => m.event === 'SuccessfulAuth').length, 0);
  assert.ok(all.seen((m) => m.event === 'SuccessfulAuth').length >= 3);
});

// ---------------------------------------------------------------------------------------------
// Permission classes
// ---------------------------------------------------------------------------------------------

test('limited (read=call write=call): UserEvent is Permission denied; it never receives user events', async () => {
  const lim = await as('limited', 'limited');
  assert.equal(
    lim.seen((m) => m.event === 'FullyBooted').length,
    0,
    'no FullyBooted without the system class',
  );
  const r = await lim.action('UserEvent', [['UserEvent', 'FromLimited']]);
  assert.equal(r.get('Response'), 'Error');
  assert.equal(r.get('Message'), 'Permission denied');
  const cmd = await lim.action('Command', [['Command', 'core show version']]);
  assert.equal(cmd.get('Message'), 'Permission denied');
  await raise('ForAll');
  await settle(lim);
  assert.equal(userEvents(lim, 'ForAll').length, 0);
  // Events: on cannot widen what read= allows.
  const e = await lim.action('Events', [['EventMask', 'on']]);
  assert.equal(e.get('Events'), 'On');
  await raise('ForAll2');
  await settle(lim);
  assert.equal(userEvents(lim, 'ForAll2').length, 0);
  assert.equal(lim.seen((m) => m.event === 'SuccessfulAuth').length, 0, 'no security class either');
});

// ---------------------------------------------------------------------------------------------
// WaitEvent
// ---------------------------------------------------------------------------------------------

test('WaitEvent with Timeout: answers after ~N s, then WaitEventComplete', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const t0 = Date.now();
  c.write('Action: WaitEvent\r\nActionID: we-1\r\nTimeout: 1\r\n\r\n');
  const r = await c.waitFor((m) => m.get('ActionID') === 'we-1' && m.get('Response') !== undefined, 4000);
  const took = Date.now() - t0;
  assert.ok(took >= 900 && took < 2500, `WaitEvent returned after ${took} ms`);
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Message'), 'Waiting for Event completed.');
  const done = await c.waitEvent('WaitEventComplete', (m) => m.get('ActionID') === 'we-1', 1000);
  assert.deepEqual(done.headers, [
    ['Event', 'WaitEventComplete'],
    ['ActionID', 'we-1'],
  ]);
  // Timeout: 0 returns at once.
  const t1 = Date.now();
  c.write('Action: WaitEvent\r\nActionID: we-0\r\nTimeout: 0\r\n\r\n');
  await c.waitEvent('WaitEventComplete', (m) => m.get('ActionID') === 'we-0', 1000);
  assert.ok(Date.now() - t1 < 500);
});

test('WaitEvent returns early when another session raises a UserEvent, with that event inside', async () => {
  const c = await as('admin', 'admin', [['Events', 'user']]);
  // Logged in first: any event (its SuccessfulAuth too) would end the wait.
  const raiser = await as('hello', 'world', [['Events', 'off']]);
  await settle(c);
  const t0 = Date.now();
  c.write('Action: WaitEvent\r\nActionID: we-2\r\nTimeout: 10\r\n\r\n');
  await sleep(300);
  await raiser.action('UserEvent', [
    ['UserEvent', 'Wake'],
    ['Foo', 'bar'],
  ]);
  const done = await c.waitEvent('WaitEventComplete', (m) => m.get('ActionID') === 'we-2', 3000);
  assert.ok(Date.now() - t0 < 2500, 'returned well before the timeout');
  const i = c.msgs.findIndex((m) => m.get('ActionID') === 'we-2' && m.get('Response') === 'Success');
  const j = c.msgs.findIndex((m) => m.event === 'UserEvent' && m.get('UserEvent') === 'Wake');
  const k = c.msgs.indexOf(done);
  assert.ok(i >= 0 && j > i && k > j, `order: response ${i}, event ${j}, complete ${k}`);
  assert.equal(c.msgs[i].get('Message'), 'Waiting for Event completed.');
  assert.equal(c.msgs[j].get('Foo'), 'bar');
});

test('WaitEvent: input that arrives later ends a pipelined WaitEvent, as ast_wait_for_input() on the fd does', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  // Two WaitEvents in one write (both read into Asterisk's inbuf), then a Ping in a later write:
  // the Ping's bytes make the fd readable, which ends the first wait and, still unread, the second.
  c.write(
    'Action: WaitEvent\r\nActionID: pw-1\r\nTimeout: 5\r\n\r\nAction: WaitEvent\r\nActionID: pw-2\r\nTimeout: 5\r\n\r\n',
  );
  await sleep(300);
  const t0 = Date.now();
  const r = await c.action('Ping', [], 8000);
  const took = Date.now() - t0;
  assert.equal(r.get('Ping'), 'Pong');
  assert.ok(c.seen((m) => m.event === 'WaitEventComplete').length === 2);
  assert.ok(took < 1500, `Ping answered ${took} ms after it was sent`);
});

// ---------------------------------------------------------------------------------------------
// ListCommands, Command, Reload
// ---------------------------------------------------------------------------------------------

function listCommands(r: RawMsg): Array<{ name: string; synopsis: string; priv: string }> {
  return r.headers
    .filter(([n]) => n !== 'Response' && n !== 'ActionID')
    .map(([name, v]) => {
      const m = /^(.*) \(Priv: ([^)]+)\)$/.exec(v);
      assert.ok(m, `ListCommands line '${name}: ${v}'`);
      return { name, synopsis: m[1], priv: m[2] };
    });
}

test('ListCommands: Name: synopsis (Priv: x), sorted case-insensitively; limited sees only what it may run', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const r = await c.action('ListCommands');
  assert.equal(r.get('Response'), 'Success');
  const all = listCommands(r);
  const names = all.map((x) => x.name);
  for (const n of [
    'Ping',
    'Login',
    'Logoff',
    'Events',
    'Filter',
    'UserEvent',
    'WaitEvent',
    'Command',
    'Reload',
    'ListCommands',
  ])
    assert.ok(names.includes(n), `lists ${n}`);
  const sorted = [...names].sort((a, b) => {
    const x = a.toLowerCase();
    const y = b.toLowerCase();
    return x < y ? -1 : x > y ? 1 : 0;
  });
  assert.deepEqual(names, sorted);
  assert.equal(all.find((x) => x.name === 'Ping')?.priv, '<none>');
  assert.equal(all.find((x) => x.name === 'ListCommands')?.synopsis, 'List available manager commands. ');
  assert.equal(all.find((x) => x.name === 'UserEvent')?.priv, 'user,all');

  const lim = await as('limited', 'limited');
  const lr = listCommands(await lim.action('ListCommands'));
  assert.ok(lr.length > 0 && lr.length < all.length);
  for (const x of lr)
    assert.ok(x.priv === '<none>' || x.priv.split(',').includes('call'), `${x.name} (Priv: ${x.priv})`);
  const ln = lr.map((x) => x.name);
  assert.ok(ln.includes('Ping') && !ln.includes('UserEvent') && !ln.includes('Command'));
  // Every action admin may run and limited's mask allows is listed for limited too.
  const expected = all
    .filter((x) => x.priv === '<none>' || x.priv.split(',').includes('call'))
    .map((x) => x.name);
  assert.deepEqual(ln, expected);
});

async function command(c: RawAmi, cmd: string | null): Promise<RawMsg> {
  return c.action('Command', cmd === null ? [] : [['Command', cmd]]);
}

test('Command: core show version / uptime, manager show commands / connected / users / command Ping', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const v = await command(c, 'core show version');
  assert.equal(v.get('Response'), 'Success');
  assert.equal(v.get('Message'), 'Command output follows');
  assert.match(v.all('Output')[0], /^Asterisk 20\.20\.1 built by \S+ @ \S+ on a \S+ running \S+ on .+$/);

  const up = await command(c, 'core show uptime');
  const upOut = up.all('Output');
  assert.match(upOut[0], /^System uptime: \d+ (year|week|day|hour|minute|second)s?(, .*)?$/);
  assert.match(upOut[1], /^Last reload: \d+ (year|week|day|hour|minute|second)s?(, .*)?$/);
  const ups = await command(c, 'core show uptime seconds');
  assert.match(ups.all('Output')[0], /^System uptime: \d+$/);

  const cmds = (await command(c, 'manager show commands')).all('Output');
  assert.match(cmds[0], /^ {2}Action +Synopsis$/);
  assert.match(cmds[1], /^ {2}------ +--------$/);
  assert.ok(
    cmds.some((l) => /^ {2}Ping +Keepalive command\.\s*$/.test(l)),
    cmds.join('\n'),
  );

  const other = await as('hello', 'world', [['Events', 'off']]);
  const conn = (await command(c, 'manager show connected')).all('Output');
  assert.match(
    conn[0],
    /^ {2}Username +IP Address +Start +Elapsed +FileDes +HttpCnt +ReadPerms +WritePerms$/,
  );
  assert.ok(conn.some((l) => /^ {2}hello +127\.0\.0\.1 /.test(l)));
  assert.ok(conn.some((l) => /^ {2}admin +127\.0\.0\.1 /.test(l)));
  assert.match(conn[conn.length - 1], /^\d+ users connected\.$/);
  other.destroy();

  const users = (await command(c, 'manager show users')).all('Output');
  for (const u of ['admin', 'hello', 'limited', 'filtered', 'filtered2', 'acluser', 'single'])
    assert.ok(users.includes(u), `lists ${u}`);
  assert.ok(users.includes('7 manager users configured.'), users.join('\n'));

  const show = (await command(c, 'manager show command Ping')).all('Output');
  assert.ok(
    show.some((l) => l.includes("-= Info about Manager Command 'Ping' =-")),
    show.join('\n'),
  );
  assert.ok(show.includes('[Synopsis]'));
  assert.ok(
    show.some((l) => l.trim() === 'Keepalive command.'),
    show.join('\n'),
  );
});

test('Command errors: unknown command, blacklisted, missing Command', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const u = await command(c, 'no such command here');
  assert.equal(u.get('Response'), 'Error');
  assert.equal(u.get('Message'), 'Command output follows');
  assert.deepEqual(u.all('Output'), [
    "No such command 'no such command here' (type 'core show help no such' for other possible commands)",
  ]);
  for (const cmd of ['module load x', 'module unload chan_sip.so', 'Module  Load x', 'restart gracefully']) {
    const b = await command(c, cmd);
    assert.equal(b.get('Response'), 'Error', cmd);
    assert.equal(b.get('Message'), 'Command blacklisted', cmd);
  }
  const m = await command(c, null);
  assert.equal(m.get('Response'), 'Error');
  assert.equal(m.get('Message'), 'No command provided');
  const e = await command(c, '');
  assert.equal(e.get('Message'), 'No command provided');
});

test('Reload: Module manager reloads, unknown module is refused', async () => {
  const c = await as('admin', 'admin', [['Events', 'off']]);
  const ok = await c.action('Reload', [['Module', 'manager']]);
  assert.equal(ok.get('Response'), 'Success');
  assert.equal(ok.get('Message'), 'Module Reloaded');
  const no = await c.action('Reload', [['Module', 'nosuch']]);
  assert.equal(no.get('Response'), 'Error');
  assert.equal(no.get('Message'), 'No such module');
});

test('Reload re-reads users without dropping sessions', async () => {
  const s = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir() });
  try {
    const old = await as('admin', 'admin', [['Events', 'off']], s.port);
    const before = await conn(s.port);
    const refused = await before.login('newbie', 'n3wb');
    assert.equal(refused.get('Message'), 'Authentication failed');

    const p = join(s.configDir, 'manager.conf');
    writeFileSync(p, readFileSync(p, 'utf8') + '\n[newbie]\nsecret = n3wb\nread = user\nwrite = user\n');
    const r = await old.action('Reload', [['Module', 'manager']]);
    assert.equal(r.get('Message'), 'Module Reloaded');

    const nb = await as('newbie', 'n3wb', [], s.port);
    const ue = await nb.action('UserEvent', [['UserEvent', 'Hi']]);
    assert.equal(ue.get('Message'), 'Event Sent', 'write=user from the new section');
    await settle(old);
    assert.equal(old.closed, false, 'old session kept');
    const users = (await command(old, 'manager show users')).all('Output');
    assert.ok(users.includes('newbie'));
    // A full Reload (no Module) works as well.
    const full = await old.action('Reload');
    assert.equal(full.get('Message'), 'Module Reloaded');
    await settle(nb);
  } finally {
    await s.dispose();
  }
});

// ---------------------------------------------------------------------------------------------
// Line-break injection
// ---------------------------------------------------------------------------------------------

/** Header lines of a raw block under a line-splitting rule. */
function splitHeaders(block: string, rule: 'crlf' | 'lf'): Array<[string, string]> {
  const lines = rule === 'crlf' ? block.split('\r\n') : block.split('\n').map((l) => l.replace(/\r$/, ''));
  return lines
    .filter((l) => l !== '')
    .map((l): [string, string] => {
      const i = l.indexOf(': ');
      return i < 0 ? ['', l] : [l.slice(0, i), l.slice(i + 2)];
    });
}

test('a bare CR in a value is echoed but creates no header under CRLF or LF line rules', async () => {
  const listener = await as('admin', 'admin', [['Events', 'user']]);
  const sender = await as('hello', 'world', [['Events', 'off']]);
  sender.write(
    'Action: UserEvent\r\nActionID: inj\rInjected: id\r\nUserEvent: Inj\r\nX: a\rInjected: yes\r\n\r\n',
  );
  const resp = await sender.waitFor((m) => m.get('Response') !== undefined);
  const ev = await listener.waitEvent('UserEvent', (m) => m.get('UserEvent') === 'Inj');
  for (const rule of ['crlf', 'lf'] as const) {
    const h = splitHeaders(ev.raw, rule);
    assert.deepEqual(
      h.map(([n]) => n),
      ['Event', 'Privilege', 'UserEvent', 'ActionID', 'X'],
      `event under ${rule}`,
    );
    assert.equal(h.find(([n]) => n === 'X')?.[1], 'a\rInjected: yes');
    const rh = splitHeaders(resp.raw, rule);
    assert.deepEqual(
      rh.map(([n]) => n),
      ['Response', 'ActionID', 'Message'],
      `response under ${rule}`,
    );
    assert.equal(rh[1][1], 'inj\rInjected: id');
  }
});

// ---------------------------------------------------------------------------------------------
// Security events
// ---------------------------------------------------------------------------------------------

const COMMON = ['Event', 'Privilege', 'EventTV', 'Severity', 'Service', 'EventVersion'];
const ADDRS = ['SessionID', 'LocalAddress', 'RemoteAddress'];
const TV = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/;
const NO_SESSION_TV = '1970-01-01T00:00:00.000+0000';

function checkCommon(ev: RawMsg, c: RawAmi, version: string, severity = 'Error'): void {
  assert.equal(ev.get('Privilege'), 'security,all');
  assert.match(ev.get('EventTV') ?? '', TV);
  assert.equal(ev.get('Severity'), severity);
  assert.equal(ev.get('Service'), 'AMI');
  assert.equal(ev.get('EventVersion'), version);
  assert.match(ev.get('SessionID') ?? '', /^0x[0-9a-f]+$/);
  assert.equal(ev.get('LocalAddress'), `IPV4/TCP/127.0.0.1/${srv.port}`);
  assert.equal(ev.get('RemoteAddress'), `IPV4/TCP/127.0.0.1/${c.localPort}`);
}

function from(c: RawAmi): (m: RawMsg) => boolean {
  return (m) => m.get('RemoteAddress') === `IPV4/TCP/127.0.0.1/${c.localPort}`;
}

test('security events: the orders and values of manager.c report_*() and security_events.c', async () => {
  const watcher = await as('admin', 'admin', [['Events', 'security']]);

  // The recorded SuccessfulAuth, as reference for the common part.
  const okc = await as('hello', 'world', [['Events', 'off']]);
  const okEv = await watcher.waitEvent('SuccessfulAuth', from(okc));
  assert.deepEqual(okEv.names(), [...COMMON, 'AccountID', ...ADDRS, 'UsingPassword', 'SessionTV']);
  checkCommon(okEv, okc, '1', 'Informational');
  assert.equal(okEv.get('AccountID'), 'hello');
  assert.equal(okEv.get('UsingPassword'), '0');
  assert.match(okEv.get('SessionTV') ?? '', TV);
  assert.notEqual(okEv.get('SessionTV'), NO_SESSION_TV);

  // The failing logins run in parallel (each waits 1 s).
  const badPw = await conn();
  const noUser = await conn();
  const acl = await conn();
  const md5 = await conn();
  const ch = await md5.action('Challenge', [['AuthType', 'MD5']]);
  const challenge = ch.get('Challenge') ?? '';
  const wrongKey = 'ffffffffffffffffffffffffffffffff';
  await Promise.all([
    badPw.login('hello', 'not-the-secret-7'),
    noUser.login('nosuchuser', 'whatever-secret-8'),
    acl.login('acluser', 'acluser'),
    md5.action('Login', [
      ['AuthType', 'MD5'],
      ['Username', 'hello'],
      ['Key', wrongKey],
    ]),
  ]);

  const ip = await watcher.waitEvent('InvalidPassword', from(badPw));
  assert.deepEqual(ip.names(), [...COMMON, 'AccountID', ...ADDRS, 'SessionTV']);
  checkCommon(ip, badPw, '2');
  assert.equal(ip.get('AccountID'), 'hello');
  assert.equal(ip.get('SessionTV'), NO_SESSION_TV);

  const ia = await watcher.waitEvent('InvalidAccountID', from(noUser));
  assert.deepEqual(ia.names(), [...COMMON, 'AccountID', ...ADDRS, 'SessionTV']);
  checkCommon(ia, noUser, '1');
  assert.equal(ia.get('AccountID'), 'nosuchuser');

  const fa = await watcher.waitEvent('FailedACL', from(acl));
  assert.deepEqual(fa.names(), [...COMMON, 'AccountID', ...ADDRS, 'SessionTV']);
  checkCommon(fa, acl, '1');
  assert.equal(fa.get('AccountID'), 'acluser');

  const cr = await watcher.waitEvent('ChallengeResponseFailed', from(md5));
  assert.deepEqual(cr.names(), [
    ...COMMON,
    'AccountID',
    ...ADDRS,
    'Challenge',
    'Response',
    'ExpectedResponse',
    'SessionTV',
  ]);
  checkCommon(cr, md5, '1');
  assert.equal(cr.get('AccountID'), '', 'username of the not yet authenticated session');
  assert.equal(cr.get('Challenge'), challenge);
  assert.equal(cr.get('Response'), wrongKey);
  assert.equal(
    cr.get('ExpectedResponse'),
    createHash('md5')
      .update(challenge + 'world')
      .digest('hex'),
  );

  // RequestNotAllowed: before login, and for a class the user lacks.
  const pre = await conn();
  await pre.action('Ping');
  const rn = await watcher.waitEvent('RequestNotAllowed', from(pre));
  assert.deepEqual(rn.names(), [...COMMON, 'AccountID', ...ADDRS, 'RequestType', 'SessionTV']);
  checkCommon(rn, pre, '1');
  assert.equal(rn.get('AccountID'), '');
  assert.equal(rn.get('RequestType'), 'Action: Ping');
  assert.equal(rn.get('SessionTV'), NO_SESSION_TV);
  const lim = await as('limited', 'limited');
  await lim.action('UserEvent', [['UserEvent', 'x']]);
  const rn2 = await watcher.waitEvent('RequestNotAllowed', from(lim));
  assert.equal(rn2.get('AccountID'), 'limited');
  assert.equal(rn2.get('RequestType'), 'Action: UserEvent');
  assert.notEqual(rn2.get('SessionTV'), NO_SESSION_TV);

  // RequestBadFormat: AccountID is optional there and comes last.
  await okc.action('NoSuchThing');
  const bf = await watcher.waitEvent('RequestBadFormat', from(okc));
  assert.deepEqual(bf.names(), [...COMMON, ...ADDRS, 'RequestType', 'SessionTV', 'AccountID']);
  checkCommon(bf, okc, '1');
  assert.equal(bf.get('RequestType'), 'Action: NoSuchThing');
  assert.equal(bf.get('AccountID'), 'hello');
  okc.write('ActionID: no-action\r\n\r\n');
  const bf2 = await watcher.waitEvent('RequestBadFormat', from(okc));
  assert.equal(bf2.get('RequestType'), 'Action: NONE');

  // Secrets never appear in any event, nor do the secrets tried.
  await settle(watcher);
  for (const m of watcher.msgs) {
    for (const secret of ['world', 'not-the-secret-7', 'whatever-secret-8']) {
      assert.ok(!m.raw.includes(secret), `${m.event} shows a secret: ${m.raw}`);
    }
  }
});

test('security events: RequestBadFormat from a session without a username carries an empty AccountID', async () => {
  const watcher = await as('admin', 'admin', [['Events', 'security']]);
  const pre = await conn();
  const r = await pre.action('', []);
  assert.equal(r.get('Message'), 'Missing action in request');
  const bf = await watcher.waitEvent('RequestBadFormat', from(pre));
  // s->session->username is a char array: the optional AccountID is always there, empty before login.
  assert.deepEqual(bf.names(), [...COMMON, ...ADDRS, 'RequestType', 'SessionTV', 'AccountID']);
  assert.equal(bf.get('AccountID'), '');
  assert.equal(bf.get('RequestType'), 'Action: NONE');
});

test('security events: RequestType is cut to 63 characters (char request_type[64])', async () => {
  const watcher = await as('admin', 'admin', [['Events', 'security']]);
  const c = await as('hello', 'world', [['Events', 'off']]);
  const name = 'X'.repeat(100);
  const r = await c.action(name);
  assert.equal(
    r.get('Message'),
    `Invalid/unknown command: ${name}. Use Action: ListCommands to show available commands.`,
  );
  const bf = await watcher.waitEvent('RequestBadFormat', from(c));
  assert.equal(bf.get('RequestType'), `Action: ${name}`.slice(0, 63));
});

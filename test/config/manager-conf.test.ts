import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  Acl,
  ConfSyntaxError,
  loadManagerConf,
  managerDefaults,
  parseConfText,
  parseHttpConf,
  parseManagerConf,
  type ManagerConfig,
} from '../../src/config/index.js';
import { EVENT_FLAG } from '../../src/config/permissions.js';
import { ASTERISK_20, httpServerName } from '../../src/profiles/index.js';

const FIXTURES = new URL('../fixtures/conformance/config/', import.meta.url).pathname;

const tmpRoots: string[] = [];
after(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

function confDir(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'amikit-mgr-'));
  tmpRoots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

function fromText(text: string): ManagerConfig {
  return parseManagerConf(parseConfText(text, 'manager.conf'));
}

test('the recorded reference manager.conf', () => {
  const cfg = loadManagerConf(FIXTURES);
  const g = cfg.general;
  assert.equal(g.enabled, true);
  assert.equal(g.webenabled, true);
  assert.equal(g.port, 15038);
  assert.equal(g.bindaddr, '127.0.0.1');
  assert.equal(g.authtimeout, 5);
  assert.equal(g.authlimit, 50);
  assert.equal(g.httptimeout, 60);
  assert.equal(g.displayconnects, true);
  assert.equal(g.timestampevents, false);
  assert.equal(g.tls.enabled, true);
  assert.equal(g.tls.bindaddr, '127.0.0.1');
  assert.equal(g.tls.port, 15039);
  assert.equal(g.tls.certfile, '@PREFIX@/etc/asterisk/keys/ami.crt');
  assert.equal(g.tls.privatekey, '@PREFIX@/etc/asterisk/keys/ami.key');
  assert.deepEqual(cfg.warnings, []);

  assert.deepEqual([...cfg.users.keys()], ['admin', 'hello', 'limited', 'filtered', 'filtered2', 'acluser']);
  const admin = cfg.users.get('admin')!;
  assert.equal(admin.secret, 'admin');
  assert.equal(admin.read, EVENT_FLAG.ALL);
  assert.equal(admin.write, EVENT_FLAG.ALL);
  assert.equal(admin.writetimeout, 100);
  assert.equal(admin.displayconnects, true);
  assert.equal(admin.allowmultiplelogin, true);
  assert.deepEqual(admin.acl, []);
  const limited = cfg.users.get('limited')!;
  assert.equal(limited.read, EVENT_FLAG.CALL);
  assert.equal(limited.write, EVENT_FLAG.CALL);
  const filtered = cfg.users.get('filtered')!;
  assert.deepEqual(
    filtered.eventfilters.map((f) => [f.criteria, f.pattern, f.line]),
    [
      ['eventfilter', 'Event: Newchannel', 37],
      ['eventfilter', '!Channel: Local/', 38],
    ],
  );
  assert.deepEqual(
    cfg.users.get('filtered2')!.eventfilters.map((f) => f.pattern),
    ['Event: Newchannel'],
  );
  const acluser = cfg.users.get('acluser')!;
  assert.deepEqual(acluser.acl, [
    { sense: 'deny', cidr: '0.0.0.0/0' },
    { sense: 'permit', cidr: '127.0.0.2/32' },
  ]);
  const acl = new Acl(acluser.acl);
  assert.equal(acl.allows('127.0.0.2'), true);
  assert.equal(acl.allows('127.0.0.1'), false);
  assert.equal(acl.allows('::ffff:127.0.0.1'), false);
});

test('defaults, and a missing manager.conf gives them with a warning', () => {
  const dir = confDir({});
  const cfg = loadManagerConf(dir);
  assert.deepEqual(cfg.general, managerDefaults());
  assert.equal(cfg.users.size, 0);
  assert.equal(cfg.warnings.length, 1);
  const d = managerDefaults();
  assert.equal(d.enabled, false);
  assert.equal(d.port, 5038);
  assert.equal(d.bindaddr, '::');
  assert.equal(d.allowmultiplelogin, true);
  assert.equal(d.displayconnects, true);
  assert.equal(d.httptimeout, 60);
  assert.equal(d.authtimeout, 30);
  assert.equal(d.authlimit, 50);
  assert.equal(d.tls.port, 5039);
  assert.equal(d.tls.certfile, 'asterisk.pem');
});

test('[general] options, case-insensitive names, ast_true booleans', () => {
  const cfg = fromText(
    [
      '[General]',
      'ENABLED = On',
      'webenabled = t',
      'port = 6000',
      'bindaddr = [::1]:7000',
      'brokeneventsaction = yes',
      'allowmultiplelogin = no',
      'displayconnects = 0',
      'timestampevents = y',
      'debug = true',
      'httptimeout = 120',
      'authtimeout = 7',
      'authlimit = 3',
      'channelvars = FOO,CDR(a,b),"Q,R",\\,X',
      'disabledevents = Newexten, VarSet ,Hangup',
      'sslenable = yes',
      'tlscipher = HIGH',
      'tlsservercipherorder = yes',
      'tlsdisablev1 = yes',
      'tlsdisablev11 = yes',
      'tlsdisablev12 = yes',
      'sslcert = /k/cert.pem',
      'sslprivatekey = /k/key.pem',
    ].join('\n'),
  );
  const g = cfg.general;
  assert.deepEqual(cfg.warnings, []);
  assert.equal(g.enabled, true);
  assert.equal(g.webenabled, true);
  assert.equal(g.port, 6000);
  assert.equal(g.bindaddr, '::1');
  assert.equal(g.brokeneventsaction, true);
  assert.equal(g.allowmultiplelogin, false);
  assert.equal(g.displayconnects, false);
  assert.equal(g.timestampevents, true);
  assert.equal(g.debug, true);
  assert.equal(g.httptimeout, 120);
  assert.equal(g.authtimeout, 7);
  assert.equal(g.authlimit, 3);
  assert.deepEqual(g.channelvars, ['FOO', 'CDR(a,b)', 'Q,R', ',X']);
  assert.deepEqual(g.disabledevents, ['Newexten', 'VarSet ', 'Hangup']);
  assert.deepEqual(g.tls, {
    enabled: true,
    bindaddr: '::1',
    port: 5039,
    certfile: '/k/cert.pem',
    privatekey: '/k/key.pem',
    cipher: 'HIGH',
    servercipherorder: true,
    disablev1: true,
    disablev11: true,
    disablev12: true,
  });
});

test('tlsbindaddr: own port kept; none or the plain port means 5039; default follows bindaddr', () => {
  const tls = (lines: string) => fromText(`[general]\n${lines}\n`).general.tls;
  assert.deepEqual(
    [tls('tlsbindaddr = 10.0.0.1:6000').bindaddr, tls('tlsbindaddr = 10.0.0.1:6000').port],
    ['10.0.0.1', 6000],
  );
  assert.equal(tls('tlsbindaddr = 10.0.0.1').port, 5039);
  assert.equal(tls('port = 6000\ntlsbindaddr = 10.0.0.1:6000').port, 5039);
  assert.equal(tls('sslbindaddr = [::1]:7001').port, 7001);
  assert.equal(tls('bindaddr = 192.168.0.9').bindaddr, '192.168.0.9');
  const bad = fromText('[general]\ntlsbindaddr = nohost\n');
  assert.equal(bad.general.tls.bindaddr, '::');
  assert.equal(bad.warnings[0].line, 2);
});

test('warnings: bad numbers, refused TLS options, unknown keywords name file and line', () => {
  const cfg = fromText(
    [
      '[general]',
      'port = 80',
      'port2 = 1',
      'authtimeout = 0',
      'authlimit = -5',
      'httptimeout = 0',
      'tlscafile = /ca.pem',
      'tlsverifyclient = yes',
      'bindaddr = not-an-address',
      'port = 99999',
    ].join('\n'),
  );
  assert.deepEqual(
    cfg.warnings.map((w) => [w.file, w.line]),
    [2, 3, 4, 5, 6, 7, 8, 9, 10].map((l) => ['manager.conf', l]),
  );
  assert.match(cfg.warnings[1].message, /Invalid keyword <port2> = <1> in manager.conf \[general\]/);
  assert.match(cfg.warnings[5].message, /tlscafile/);
  const g = cfg.general;
  assert.equal(g.port, 80, 'an out-of-range port still applies (99999 is no port at all)');
  assert.equal(g.authtimeout, 30);
  assert.equal(g.authlimit, 50);
  assert.equal(g.httptimeout, 60);
  assert.equal(g.bindaddr, '::');
});

test('only the first [general] counts', () => {
  const cfg = fromText('[general]\nport=6000\n[general]\nport=7000\n');
  assert.equal(cfg.general.port, 6000);
  assert.equal(cfg.users.size, 0);
});

test('users: case-insensitive names, defaults from [general], every user option', () => {
  const cfg = fromText(
    [
      '[general]',
      'displayconnects = no',
      'allowmultiplelogin = no',
      '[Mark]',
      'secret = pw',
      'read = system,call',
      'write = originate',
      'writetimeout = 250',
      'setvar = A=1',
      'setvar = B=x=y',
      'setvar = novalue',
      'eventfilter(action(exclude),name(Newexten)) = ',
      'eventfilter = Event: Hangup',
      'EventFilter = case matters for this key',
      'unknownkey = ignored',
      '[nosecret]',
      'displayconnects = yes',
      'writetimeout = 50',
    ].join('\n'),
  );
  const mark = cfg.users.get('mark')!;
  assert.equal(mark.name, 'Mark');
  assert.equal(mark.secret, 'pw');
  assert.equal(mark.read, EVENT_FLAG.SYSTEM | EVENT_FLAG.CALL);
  assert.equal(mark.write, EVENT_FLAG.ORIGINATE);
  assert.equal(mark.writetimeout, 250);
  assert.equal(mark.displayconnects, false);
  assert.equal(mark.allowmultiplelogin, false);
  // Asterisk's list order: the last setvar line first.
  assert.deepEqual(mark.setvars, [
    ['B', 'x=y'],
    ['A', '1'],
  ]);
  assert.deepEqual(
    mark.eventfilters.map((f) => [f.criteria, f.pattern]),
    [
      ['eventfilter(action(exclude),name(Newexten))', ''],
      ['eventfilter', 'Event: Hangup'],
    ],
  );
  const ns = cfg.users.get('nosecret')!;
  assert.equal(ns.secret, undefined);
  assert.equal(ns.read, 0);
  assert.equal(ns.write, 0);
  assert.equal(ns.displayconnects, true);
  assert.equal(ns.writetimeout, 100);
  assert.ok(cfg.warnings.some((w) => w.line === 18 && /writetimeout/.test(w.message)));
});

test('a repeated user section updates the same user; filters, setvars and ACL start over', () => {
  const cfg = fromText('[u]\nsecret=a\nread=call\neventfilter=x\npermit=1.2.3.4\n[U]\nwrite=call\n');
  const u = cfg.users.get('u')!;
  assert.equal(u.secret, 'a');
  assert.equal(u.read, EVENT_FLAG.CALL);
  assert.equal(u.write, EVENT_FLAG.CALL);
  assert.deepEqual(u.eventfilters, []);
  assert.deepEqual(u.acl, []);
});

test('user deny/permit rules in order, with all address forms', () => {
  const cfg = fromText(
    '[u]\ndeny = 0.0.0.0/0.0.0.0\npermit = 192.168.1.0/255.255.255.0\npermit = 10.0.0.0/8,::1\ndeny = !2001:db8::/32\n',
  );
  assert.deepEqual(cfg.users.get('u')!.acl, [
    { sense: 'deny', cidr: '0.0.0.0/0' },
    { sense: 'permit', cidr: '192.168.1.0/24' },
    { sense: 'permit', cidr: '10.0.0.0/8' },
    { sense: 'permit', cidr: '::1/128' },
    { sense: 'permit', cidr: '2001:db8::/32' },
  ]);
});

test('an invalid ACL line deletes the user, with a warning', () => {
  const cfg = fromText('[bad]\nsecret=x\npermit = 300.1.1.1\n[good]\nsecret=y\n');
  assert.deepEqual([...cfg.users.keys()], ['good']);
  assert.ok(cfg.warnings.some((w) => w.line === 3 && /Deleting user/.test(w.message)));
});

test('acl = name: expanded from acl.conf; undefined names refuse all; no acl.conf deletes the user', () => {
  const dir = confDir({
    'manager.conf':
      '[general]\n[u1]\nsecret=a\nacl = office\n[u2]\nsecret=b\nacl = nosuch\n[u3]\npermit=10.0.0.0/8\nacl=office, office\n',
    'acl.conf': '[general]\n[office]\ndeny = 0.0.0.0/0\npermit = 10.1.0.0/16\n',
  });
  const cfg = loadManagerConf(dir);
  const u1 = cfg.users.get('u1')!;
  assert.deepEqual(u1.acl, [
    { sense: 'deny', cidr: '0.0.0.0/0', list: 'office' },
    { sense: 'permit', cidr: '10.1.0.0/16', list: 'office' },
  ]);
  assert.equal(new Acl(u1.acl).allows('10.1.2.3'), true);
  assert.equal(new Acl(u1.acl).allows('10.2.0.1'), false);
  const u2 = cfg.users.get('u2')!;
  assert.equal(new Acl(u2.acl).allows('127.0.0.1'), false);
  assert.equal(new Acl(u2.acl).allows('::1'), false);
  assert.ok(cfg.warnings.some((w) => /ACL 'nosuch' does not exist/.test(w.message)));
  // Naming the same ACL twice is an error in Asterisk: the user goes.
  assert.equal(cfg.users.has('u3'), false);

  const noAclConf = confDir({ 'manager.conf': '[u1]\nsecret=a\nacl = office\n[u2]\nsecret=b\n' });
  const cfg2 = loadManagerConf(noAclConf);
  assert.deepEqual([...cfg2.users.keys()], ['u2']);
  assert.ok(cfg2.warnings.some((w) => w.line === 3 && /no acl.conf/.test(w.message)));
});

test('users.conf hasmanager users come first; manager.conf sections update them', () => {
  const dir = confDir({
    'manager.conf': '[general]\nenabled=yes\n[bob]\nwrite=call\n[carol]\nsecret=c\n',
    'users.conf': [
      '[general]',
      'hasmanager = no',
      'writetimeout = 300',
      '[alice]',
      'hasmanager = yes',
      'secret = a',
      '[Bob]',
      'hasmanager = yes',
      'secret = b',
      'read = call',
      '[dave]',
      'secret = d',
    ].join('\n'),
  });
  const cfg = loadManagerConf(dir);
  assert.deepEqual([...cfg.users.keys()], ['alice', 'bob', 'carol']);
  const alice = cfg.users.get('alice')!;
  assert.equal(alice.secret, 'a');
  assert.equal(alice.read, -1, 'read/write are every bit when users.conf sets none');
  assert.equal(alice.write, -1);
  assert.equal(alice.writetimeout, 300);
  const bob = cfg.users.get('bob')!;
  assert.equal(bob.name, 'Bob');
  assert.equal(bob.secret, 'b');
  assert.equal(bob.read, EVENT_FLAG.CALL);
  assert.equal(bob.write, EVENT_FLAG.CALL);
});

test('users.conf [general] hasmanager = yes applies to users that do not say', () => {
  const dir = confDir({
    'manager.conf': '[general]\n',
    'users.conf': '[general]\nhasmanager=yes\nread=call\n[a]\nsecret=1\n[b]\nhasmanager=no\n',
  });
  const cfg = loadManagerConf(dir);
  assert.deepEqual([...cfg.users.keys()], ['a']);
  assert.equal(cfg.users.get('a')!.read, EVENT_FLAG.CALL);
  assert.equal(cfg.users.get('a')!.write, -1);
});

test('manager.conf with #include of manager.d/*.conf users and templates', () => {
  const dir = confDir({
    'manager.conf': '[general]\nenabled = yes\n#include "manager.d/*.conf"\n',
    'manager.d/00-templates.conf': '[ops](!)\nread = system,call\nwrite = call\n',
    'manager.d/10-users.conf': '[op1](ops)\nsecret = one\n[op2](ops)\nsecret = two\nwrite = all\n',
  });
  const cfg = loadManagerConf(dir);
  assert.deepEqual([...cfg.users.keys()], ['op1', 'op2']);
  assert.equal(cfg.users.get('op1')!.read, EVENT_FLAG.SYSTEM | EVENT_FLAG.CALL);
  assert.equal(cfg.users.get('op1')!.write, EVENT_FLAG.CALL);
  assert.equal(cfg.users.get('op2')!.write, EVENT_FLAG.ALL);
  assert.equal(cfg.users.get('op2')!.file, join(dir, 'manager.d/10-users.conf'));
});

test('a syntax error in manager.conf throws ConfSyntaxError naming file and line', () => {
  const dir = confDir({ 'manager.conf': '[general]\nenabled=yes\n[admin\n' });
  assert.throws(
    () => loadManagerConf(dir),
    (err: unknown) =>
      err instanceof ConfSyntaxError && err.line === 3 && err.file === join(dir, 'manager.conf'),
  );
});

test('fuzz: the manager and http loaders never throw on any parsed document', () => {
  const key = fc.constantFrom(
    'enabled',
    'port',
    'bindaddr',
    'tlsbindaddr',
    'authtimeout',
    'authlimit',
    'httptimeout',
    'channelvars',
    'disabledevents',
    'secret',
    'read',
    'write',
    'deny',
    'permit',
    'acl',
    'setvar',
    'eventfilter',
    'writetimeout',
    'bindport',
    'prefix',
    'sessionlimit',
    'session_keep_alive',
    'servername',
    'redirect',
  );
  const value = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      '0.0.0.0/0',
      '::1',
      '[::1]:5038',
      '1.2.3.4/255.255.0.0',
      '!10.0.0.0/8',
      'all',
      '-1',
      '0x10',
    ),
  );
  const section = fc.record({
    name: fc.oneof(fc.constant('general'), fc.string({ maxLength: 5 })),
    lines: fc.array(fc.tuple(key, value), { maxLength: 8 }),
  });
  fc.assert(
    fc.property(fc.array(section, { maxLength: 5 }), (sections) => {
      const text = sections
        .map(
          (s) =>
            `[${s.name.replace(/[\]\n\r;\\]/g, '')}]\n${s.lines.map(([k, v]) => `${k} = ${v.replace(/[\n\r;\\]/g, '')}`).join('\n')}`,
        )
        .join('\n');
      let doc;
      try {
        doc = parseConfText(text, 'fuzz.conf');
      } catch (err) {
        if (err instanceof ConfSyntaxError) return;
        throw err;
      }
      const cfg = parseManagerConf(doc);
      for (const u of cfg.users.values()) new Acl(u.acl).allows('127.0.0.1');
      parseHttpConf(doc, httpServerName(ASTERISK_20));
    }),
    { numRuns: 1000 },
  );
});

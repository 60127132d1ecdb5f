import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Acl, parseHa, type AclRule } from '../../src/config/index.js';

const cidrs = (value: string, sense: 'permit' | 'deny' = 'permit') =>
  parseHa(sense, value).rules.map((r) => r.cidr);

test('rule forms: netmask, CIDR, bare address, IPv6, masked to the network', () => {
  assert.deepEqual(cidrs('1.2.3.4/255.255.255.0'), ['1.2.3.0/24']);
  assert.deepEqual(cidrs('0.0.0.0/0.0.0.0'), ['0.0.0.0/0']);
  assert.deepEqual(cidrs('10.1.2.3/8'), ['10.0.0.0/8']);
  assert.deepEqual(cidrs('127.0.0.2'), ['127.0.0.2/32']);
  assert.deepEqual(cidrs('::1'), ['::1/128']);
  assert.deepEqual(cidrs('[2001:db8::1]/32'), ['2001:db8::/32']);
  assert.deepEqual(cidrs('2001:DB8:0:0:1::5/ffff:ffff:ffff:ffff::'), ['2001:db8::/64']);
  assert.deepEqual(cidrs('fe80::1:0:0:1/128'), ['fe80::1:0:0:1/128']);
  // IPv4-mapped addresses become IPv4 rules, so their prefix is then an IPv4 one.
  assert.deepEqual(cidrs('::ffff:192.168.1.7'), ['192.168.1.7/32']);
  assert.deepEqual(cidrs('::ffff:192.168.1.7/24'), ['192.168.1.0/24']);
  assert.ok(parseHa('permit', '::ffff:192.168.1.7/120').error);
  // A comma list, and '!' flipping the sense of one item.
  const rules = parseHa('deny', '10.0.0.0/8,!10.1.0.0/16').rules;
  assert.deepEqual(
    rules.map((r) => [r.sense, r.cidr]),
    [
      ['deny', '10.0.0.0/8'],
      ['permit', '10.1.0.0/16'],
    ],
  );
});

test('bad rules are errors (and keep the rules before them, as ast_append_ha does)', () => {
  for (const bad of [
    'nothost',
    '1.2.3.4/33',
    '1.2.3.4/255.0.255.0',
    '1.2.3.4/ffff::',
    '1.2.3.4:80',
    '',
    '::1/129',
    'x/24',
  ]) {
    assert.ok(parseHa('permit', bad).error, bad);
  }
  const res = parseHa('permit', '1.2.3.4,bogus');
  assert.deepEqual(
    res.rules.map((r) => r.cidr),
    ['1.2.3.4/32'],
  );
  assert.match(res.error ?? '', /Invalid IP address: bogus/);
});

test('Acl: start with permit, last matching rule wins', () => {
  const acl = new Acl([
    { sense: 'deny', cidr: '0.0.0.0/0' },
    { sense: 'permit', cidr: '127.0.0.2/32' },
  ]);
  assert.equal(acl.allows('127.0.0.2'), true);
  assert.equal(acl.allows('127.0.0.1'), false);
  assert.equal(acl.allows('8.8.8.8'), false);
  // IPv4-mapped IPv6 peers are matched by IPv4 rules.
  assert.equal(acl.allows('::ffff:127.0.0.2'), true);
  assert.equal(acl.allows('::ffff:127.0.0.1'), false);
  // IPv4 rules do not apply to real IPv6 peers.
  assert.equal(acl.allows('::1'), true);
  const reversed = new Acl([
    { sense: 'permit', cidr: '127.0.0.2/32' },
    { sense: 'deny', cidr: '0.0.0.0/0' },
  ]);
  assert.equal(reversed.allows('127.0.0.2'), false);
});

test('Acl: IPv6 rules match IPv6 peers only', () => {
  const acl = new Acl([
    { sense: 'deny', cidr: '::/0' },
    { sense: 'permit', cidr: '2001:db8::/32' },
  ]);
  assert.equal(acl.allows('2001:db8::99'), true);
  assert.equal(acl.allows('[2001:db8::99]'), true);
  assert.equal(acl.allows('2001:db9::1'), false);
  assert.equal(acl.allows('::1'), false);
  assert.equal(acl.allows('10.0.0.1'), true);
  assert.equal(acl.allows('::ffff:10.0.0.1'), true);
});

test('Acl: no rules allows all; an unparsable peer address is refused when there are rules', () => {
  assert.equal(new Acl([]).allows('anything'), true);
  assert.equal(new Acl([{ sense: 'permit', cidr: '1.2.3.4/32' }]).allows('not an ip'), false);
  assert.equal(new Acl([{ sense: 'permit', cidr: 'garbage' }]).allows('1.2.3.4'), false);
});

test('Acl: each named list must allow on its own (ast_apply_acl)', () => {
  const rules: AclRule[] = [
    { sense: 'deny', cidr: '0.0.0.0/0' },
    { sense: 'permit', cidr: '10.0.0.0/8' },
    { sense: 'deny', cidr: '10.0.0.5/32', list: 'office' },
  ];
  const acl = new Acl(rules);
  assert.equal(acl.allows('10.0.0.4'), true);
  assert.equal(acl.allows('10.0.0.5'), false);
  // Flattened into one list the last match (permit 10/8 is earlier) would differ for a later permit:
  const acl2 = new Acl([
    { sense: 'deny', cidr: '10.0.0.5/32', list: 'office' },
    { sense: 'permit', cidr: '10.0.0.0/8' },
  ]);
  assert.equal(acl2.allows('10.0.0.5'), false);
});

test('property: Acl agrees with a reference last-match evaluation for IPv4', () => {
  const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((t) => t.join('.'));
  const rule = fc.record({
    sense: fc.constantFrom<'permit' | 'deny'>('permit', 'deny'),
    addr: ip,
    prefix: fc.nat(32),
  });
  const toInt = (s: string) => s.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  fc.assert(
    fc.property(fc.array(rule, { maxLength: 6 }), ip, (rs, peer) => {
      const rules = rs.flatMap((r) => parseHa(r.sense, `${r.addr}/${r.prefix}`).rules);
      let want = true;
      for (const r of rs) {
        const size = 2 ** (32 - r.prefix);
        if (Math.floor(toInt(r.addr) / size) === Math.floor(toInt(peer) / size)) want = r.sense === 'permit';
      }
      const acl = new Acl(rules);
      assert.equal(acl.allows(peer), want);
      assert.equal(acl.allows(`::ffff:${peer}`), want);
    }),
  );
});

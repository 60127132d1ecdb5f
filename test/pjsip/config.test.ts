/**
 * pjsip.conf as res_sorcery_config reads it: types, templates, #include, defaults, Asterisk's
 * messages (with file and line) for unknown options and refused values, objects dropped as
 * Asterisk drops them, and a syntax error refusing the start.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPjsipConf, formatDiagnostic, val, type PjsipConfig } from '../../src/modules/pjsip/config.js';
import { ConfSyntaxError } from '../../src/config/types.js';
import { CONFORMANCE_22_DIR } from './helpers.js';

function load(text: string, extra: Record<string, string> = {}): { cfg: PjsipConfig; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-pjsip-'));
  writeFileSync(join(dir, 'pjsip.conf'), text);
  for (const [n, t] of Object.entries(extra)) writeFileSync(join(dir, n), t);
  return { cfg: loadPjsipConf(dir), dir };
}

const ids = (cfg: PjsipConfig, type: string): string[] => (cfg.objects.get(type) ?? []).map((o) => o.id);
const messages = (cfg: PjsipConfig): string[] => cfg.diagnostics.map(formatDiagnostic);

test('the recorded configuration loads without a diagnostic', () => {
  const cfg = loadPjsipConf(join(CONFORMANCE_22_DIR, 'config'));
  assert.deepEqual(cfg.diagnostics, []);
  assert.deepEqual(ids(cfg, 'endpoint'), ['test-201', 'test-202', 'test-203', 'test-204']);
  assert.deepEqual(ids(cfg, 'auth'), ['test-201', 'test-202', 'test-203', 'test-204', 'refuser']);
  assert.deepEqual(ids(cfg, 'identify'), ['test-202', 'test-203', 'test-204']);
  assert.deepEqual(ids(cfg, 'registration'), ['refuser']);
  assert.deepEqual(ids(cfg, 'global'), ['global']);
  const ep = cfg.objects.get('endpoint')![1];
  assert.equal(val(ep, 'allow'), '(ulaw|alaw)');
  assert.equal(val(ep, 'dtmf_mode'), 'rfc4733');
  const aor = cfg.objects.get('aor')![0];
  assert.equal(val(aor, 'max_contacts'), '1');
  assert.equal(val(aor, 'qualify_timeout'), '3.000000');
});

test('templates and #include', () => {
  const { cfg } = load(
    [
      '[phone](!)',
      'type = endpoint',
      'context = phones',
      'disallow = all',
      'allow = g722, ulaw',
      'direct_media = no',
      '',
      '[alice](phone)',
      'callerid = Alice <201>',
      'allow = !ulaw',
      '',
      '#include "more.conf"',
    ].join('\n'),
    { 'more.conf': '[bob](phone)\ncallerid = "Bob B" <202>\ndtmf_mode = RFC2833\n' },
  );
  assert.deepEqual(messages(cfg), []);
  const [alice, bob] = cfg.objects.get('endpoint') ?? [];
  assert.equal(val(bob, 'context'), 'phones');
  assert.equal(val(bob, 'direct_media'), 'false');
  assert.equal(val(bob, 'callerid'), '"Bob B" <202>');
  assert.equal(val(bob, 'dtmf_mode'), 'rfc4733');
  assert.equal(val(bob, 'allow'), '(g722|ulaw)');
  assert.equal(val(alice, 'callerid'), '"Alice" <201>');
  assert.equal(val(alice, 'allow'), '(g722)');
});

test('an unknown option: Asterisk message with file and line, the object is not created', () => {
  const { cfg, dir } = load(
    '[alice]\ntype = endpoint\ncontext = x\nqualify = yes\n\n[bob]\ntype = endpoint\n',
  );
  assert.deepEqual(ids(cfg, 'endpoint'), ['bob']);
  const m = messages(cfg);
  assert.equal(
    m[0],
    `Could not find option suitable for category 'alice' named 'qualify' at line 4 of ${join(dir, 'pjsip.conf')}`,
  );
  assert.equal(
    m[1],
    `${join(dir, 'pjsip.conf')}:1: Could not create an object of type 'endpoint' with id 'alice' from configuration file '${join(dir, 'pjsip.conf')}'`,
  );
  assert.equal(cfg.diagnostics[0].line, 4);
  assert.equal(cfg.diagnostics[0].level, 'error');
});

test('refused values: file, line and reason', () => {
  const { cfg, dir } = load(
    [
      '[a]', 'type = aor', 'max_contacts = many', '',
      '[b]', 'type = aor', 'qualify_frequency = 90000', '',
      '[c]', 'type = endpoint', 'dtmf_mode = morse', '',
      '[d]', 'type = endpoint', 'allow = ulaw,nosuchcodec', '',
      '[e]', 'type = aor', 'contact = 127.0.0.1:5060', '',
      '[f]', 'type = transport', 'bind = example.com:5060', '',
      '[g]', 'type = aor', 'qualify_timeout = soon', '',
      '[ok]', 'type = aor', 'max_contacts = 2', 'qualify_timeout = 1.5', 'contact = sip:a@127.0.0.1:5060, sip:b@127.0.0.1', '',
    ].join('\n'), // prettier-ignore
  );
  const f = join(dir, 'pjsip.conf');
  const m = messages(cfg).filter((x) => x.startsWith('Error parsing'));
  assert.deepEqual(m, [
    `Error parsing max_contacts=many at line 3 of ${f}: not an unsigned integer`,
    `Error parsing qualify_frequency=90000 at line 7 of ${f}: out of range 0..86400`,
    `Error parsing dtmf_mode=morse at line 11 of ${f}: expected one of rfc4733, inband, info, auto, auto_info`,
    `Error parsing allow=ulaw,nosuchcodec at line 15 of ${f}: Cannot allow unknown format 'nosuchcodec'`,
    `Error parsing contact=127.0.0.1:5060 at line 19 of ${f}: Contact uri or hostname length exceeds pjproject limit or is not a sip(s) uri: 127.0.0.1:5060`,
    `Error parsing bind=example.com:5060 at line 23 of ${f}: not a numeric address[:port]`,
    `Error parsing qualify_timeout=soon at line 27 of ${f}: not a number`,
  ]);
  assert.deepEqual(ids(cfg, 'aor'), ['ok']);
  assert.deepEqual(ids(cfg, 'endpoint'), []);
  const ok = cfg.objects.get('aor')![0];
  assert.equal(val(ok, 'contact'), 'ok/sip:a@127.0.0.1:5060,ok/sip:b@127.0.0.1');
  assert.equal(val(ok, 'qualify_timeout'), '1.500000');
});

test('apply checks: registrations and identifies Asterisk would not create', () => {
  const { cfg } = load(
    [
      '[r1]', 'type = registration', 'client_uri = sip:me@127.0.0.1', '',
      '[r2]', 'type = registration', 'server_uri = sip:127.0.0.1', 'client_uri = sip:me@127.0.0.1', 'line = yes', '',
      '[i1]', 'type = identify', 'match = 10.0.0.0/8', '',
      '[i2]', 'type = identify', 'endpoint = x', 'match = 10.0.0.0/255.255.0.0, 192.168.1.10:5062', '',
    ].join('\n'), // prettier-ignore
  );
  const m = messages(cfg).map((x) => x.replace(/^.*?:\d+: /, ''));
  assert.ok(m.includes("No server URI specified on outbound registration 'r1'"));
  assert.ok(
    m.includes("Line support has been enabled on outbound registration 'r2' without providing an endpoint"),
  );
  assert.ok(m.includes("Identify 'i1' missing required endpoint name."));
  assert.deepEqual(ids(cfg, 'registration'), []);
  assert.deepEqual(ids(cfg, 'identify'), ['i2']);
  assert.equal(
    val(cfg.objects.get('identify')![0], 'match'),
    '10.0.0.0/255.255.0.0,192.168.1.10:5062/255.255.255.255',
  );
});

test('a duplicate object of one type makes the whole type fail, as in res_sorcery_config', () => {
  const { cfg } = load('[a]\ntype = aor\n\n[a]\ntype = aor\n\n[b]\ntype = aor\n\n[a]\ntype = auth\n');
  assert.deepEqual(ids(cfg, 'aor'), []);
  assert.deepEqual(ids(cfg, 'auth'), ['a']);
  assert.match(messages(cfg)[0], /configuration contains a duplicate object: 'a' of type 'aor'/);
});

test('sections without a usable type are reported and ignored', () => {
  const { cfg } = load('[x]\ncontext = a\n\n[y]\ntype = peer\n\n[gl]\ntype = global\n');
  assert.equal(cfg.objects.size, 0);
  assert.equal(cfg.diagnostics.length, 3);
  assert.ok(cfg.diagnostics.every((d) => d.level === 'warning' && d.line > 0));
});

test('a syntax error refuses the load with file and line', () => {
  assert.throws(
    () => load('[a]\ntype = aor\n[broken\n'),
    (e: unknown) => e instanceof ConfSyntaxError && e.line === 3,
  );
});

/**
 * The misc module on the wire: GetConfig / GetConfigJSON / ListCategories (confined to the
 * configuration directory), ModuleCheck, ModuleLoad, LoggerRotate, MailboxCount and MailboxStatus,
 * with main/manager.c's texts and header orders.
 */
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { loggedIn, type RawAmi, type RawMsg } from '../../src/testing/raw-ami.js';

let srv: TestServer;
let outside: string;
before(async () => {
  const dir = conformanceConfigDir();
  writeFileSync(join(dir, 'bad.conf'), '[unclosed\nkey = value\n');
  writeFileSync(join(dir, 'empty.conf'), '');
  writeFileSync(
    join(dir, 'tpl.conf'),
    '[base](!)\ncontext = q\n\n[one](base)\nhost = dynamic\n\n[two]\nhost = 10.0.0.1\n',
  );
  outside = mkdtempSync(join(tmpdir(), 'amikit-outside-'));
  writeFileSync(join(outside, 'secret.conf'), '[leak]\npassword = hunter2\n');
  symlinkSync(join(outside, 'secret.conf'), join(dir, 'link.conf'));
  srv = await startTestServer({ configDir: dir });
});
after(async () => {
  await srv.dispose();
  rmSync(outside, { recursive: true, force: true });
});

const open: RawAmi[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.destroy();
});

async function admin(): Promise<RawAmi> {
  const c = await loggedIn(srv.port, 'admin', 'admin');
  open.push(c);
  return c;
}

function assertError(r: RawMsg, message: string): void {
  assert.equal(r.get('Response'), 'Error', r.raw);
  assert.equal(r.get('Message'), message, r.raw);
}

test('GetConfig lists manager.conf with the admin user category', async () => {
  const c = await admin();
  const r = await c.action('GetConfig', [['Filename', 'manager.conf']]);
  assert.equal(r.get('Response'), 'Success');
  assert.deepEqual(r.names().slice(0, 3), ['Response', 'ActionID', 'Category-000000']);
  assert.equal(r.get('Category-000000'), 'general');
  assert.equal(r.get('Line-000000-000000'), 'enabled=yes');
  const cats = r.headers.filter(([n]) => /^Category-\d{6}$/.test(n)).map(([, v]) => v);
  assert.ok(cats.includes('admin'), r.raw);
  const i = String(cats.indexOf('admin')).padStart(6, '0');
  assert.equal(r.get(`Line-${i}-000000`), 'secret=admin');
  assert.equal(r.get(`Line-${i}-000001`), 'read=all');
});

test('GetConfig filters by Category and Filter', async () => {
  const c = await admin();
  const r = await c.action('GetConfig', [
    ['Filename', 'manager.conf'],
    ['Category', 'admin'],
  ]);
  assert.deepEqual(r.names(), [
    'Response',
    'ActionID',
    'Category-000000',
    'Line-000000-000000',
    'Line-000000-000001',
    'Line-000000-000002',
  ]);
  assert.equal(r.get('Category-000000'), 'admin');
  const none = await c.action('GetConfig', [
    ['Filename', 'manager.conf'],
    ['Category', 'nosuchuser'],
  ]);
  assert.equal(none.get('Response'), 'Success');
  assert.deepEqual(none.headers.slice(2), [['', 'No categories found']]);
  const f = await c.action('GetConfig', [
    ['Filename', 'manager.conf'],
    ['Filter', 'secret=^world$'],
  ]);
  assert.equal(f.get('Category-000000'), 'hello');
  assert.equal(f.get('Category-000001'), undefined);
});

test('GetConfig shows templates only when asked, with IsTemplate and Templates', async () => {
  const c = await admin();
  const r = await c.action('GetConfig', [['Filename', 'tpl.conf']]);
  assert.equal(r.get('Category-000000'), 'one');
  assert.equal(r.get('Templates-000000'), 'base');
  assert.equal(r.get('Line-000000-000000'), 'context=q');
  assert.equal(r.get('Line-000000-000001'), 'host=dynamic');
  assert.equal(r.get('Category-000001'), 'two');
  const t = await c.action('GetConfig', [
    ['Filename', 'tpl.conf'],
    ['Filter', 'TEMPLATES=include'],
  ]);
  assert.equal(t.get('Category-000000'), 'base');
  assert.equal(t.get('IsTemplate-000000'), '1');
  assert.equal(t.get('Category-000001'), 'one');
});

test('GetConfig errors', async () => {
  const c = await admin();
  assertError(await c.action('GetConfig'), 'Filename not specified');
  assertError(await c.action('GetConfig', [['Filename', 'nosuch.conf']]), 'Config file not found');
  assertError(await c.action('GetConfig', [['Filename', 'bad.conf']]), 'Config file has invalid format');
});

test('path escapes are refused by every config reader', async () => {
  const c = await admin();
  const dirName = basename(srv.configDir);
  const attempts = [
    '../../../../etc/passwd',
    '/etc/passwd',
    '/etc/hostname',
    `../${dirName}/../${basename(outside)}/secret.conf`,
    join(outside, 'secret.conf'),
    'link.conf',
    '..',
    '.',
  ];
  for (const fn of attempts) {
    const g = await c.action('GetConfig', [['Filename', fn]]);
    assertError(g, 'Config file not found');
    const l = await c.action('ListCategories', [['Filename', fn]]);
    assertError(l, 'Config file not found');
    const j = await c.action('GetConfigJSON', [['Filename', fn]]);
    assertError(j, 'File requires escalated privileges');
    assert.ok(!g.raw.includes('hunter2') && !j.raw.includes('hunter2'));
  }
  // A path that stays inside the directory is fine.
  const ok = await c.action('GetConfig', [['Filename', `../${dirName}/manager.conf`]]);
  assert.equal(ok.get('Category-000000'), 'general');
});

test('GetConfigJSON', async () => {
  const c = await admin();
  const r = await c.action('GetConfigJSON', [['Filename', 'manager.conf']]);
  assert.deepEqual(r.names(), ['Response', 'ActionID', 'JSON']);
  const json = JSON.parse(r.get('JSON') ?? '') as Record<string, Record<string, string>>;
  assert.equal(json.admin.secret, 'admin');
  assert.equal(json.general.enabled, 'yes');
  const t = await c.action('GetConfigJSON', [
    ['Filename', 'tpl.conf'],
    ['Filter', 'TEMPLATES=restrict'],
  ]);
  assert.equal(t.get('JSON'), '{"base":{"istemplate":1,"context":"q"}}');
  assertError(await c.action('GetConfigJSON'), 'Filename not specified');
  assertError(
    await c.action('GetConfigJSON', [['Filename', 'nosuch.conf']]),
    'File requires escalated privileges',
  );
  assertError(await c.action('GetConfigJSON', [['Filename', 'bad.conf']]), 'Config file has invalid format');
});

test('ListCategories', async () => {
  const c = await admin();
  const r = await c.action('ListCategories', [['Filename', 'manager.conf']]);
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Category-000000'), 'general');
  assert.equal(r.get('Category-000001'), 'admin');
  const m = await c.action('ListCategories', [
    ['Filename', 'manager.conf'],
    ['Match', 'secret=world'],
  ]);
  assert.deepEqual(r.names().slice(0, 2), ['Response', 'ActionID']);
  assert.equal(m.get('Category-000000'), 'hello');
  const e = await c.action('ListCategories', [['Filename', 'empty.conf']]);
  assert.equal(e.get('Response'), 'Success');
  assert.equal(e.get('Error'), 'no categories found');
  assertError(await c.action('ListCategories'), 'Filename not specified');
  assertError(await c.action('ListCategories', [['Filename', 'nosuch.conf']]), 'Config file not found');
  assertError(await c.action('ListCategories', [['Filename', 'bad.conf']]), 'Config file has invalid format');
});

test('ModuleCheck', async () => {
  const c = await admin();
  for (const name of ['manager', 'chan_sip.so', 'chan_sip', 'app_queue.so', 'pbx_config.so']) {
    const r = await c.action('ModuleCheck', [['Module', name]]);
    assert.deepEqual(r.names(), ['Response', 'ActionID', 'Version'], `${name}: ${r.raw}`);
    assert.equal(r.get('Version'), '');
  }
  assertError(await c.action('ModuleCheck', [['Module', 'app_voicemail.so']]), 'Module not loaded');
  assertError(await c.action('ModuleCheck'), 'Module not loaded');
});

test('ModuleLoad', async () => {
  const c = await admin();
  const ml = (h: Array<[string, string]>): Promise<RawMsg> => c.action('ModuleLoad', h);
  const ok = await ml([
    ['LoadType', 'reload'],
    ['Module', 'chan_sip.so'],
  ]);
  assert.equal(ok.get('Response'), 'Success');
  assert.equal(ok.get('Message'), 'Module reloaded.');
  const all = await ml([['LoadType', 'reload']]);
  assert.equal(all.get('Message'), 'All modules reloaded');
  assertError(
    await ml([
      ['LoadType', 'load'],
      ['Module', 'chan_sip.so'],
    ]),
    'Could not load module.',
  );
  assertError(
    await ml([
      ['LoadType', 'unload'],
      ['Module', 'app_queue.so'],
    ]),
    'Could not unload module.',
  );
  assertError(
    await ml([
      ['LoadType', 'load'],
      ['Module', 'app_nosuch.so'],
    ]),
    'Module not found.',
  );
  assertError(
    await ml([
      ['LoadType', 'reload'],
      ['Module', '../../etc/passwd'],
    ]),
    'Module not found.',
  );
  assertError(
    await ml([
      ['LoadType', 'bogus'],
      ['Module', 'chan_sip.so'],
    ]),
    'Incomplete ModuleLoad action.',
  );
  assertError(await ml([['LoadType', 'load']]), 'Need module name');
});

test('LoggerRotate', async () => {
  const c = await admin();
  const r = await c.action('LoggerRotate');
  assert.deepEqual(r.names(), ['Response', 'ActionID', 'Message']);
  assert.equal(r.get('Response'), 'Success');
  assert.equal(r.get('Message'), 'Reloaded the logger and rotated log files');
});

test('MailboxCount and MailboxStatus answer as for an empty mailbox', async () => {
  const c = await admin();
  const n = await c.action('MailboxCount', [['Mailbox', '1234@default']]);
  assert.deepEqual(n.headers, [
    ['Response', 'Success'],
    ['ActionID', n.get('ActionID')],
    ['Message', 'Mailbox Message Count'],
    ['Mailbox', '1234@default'],
    ['UrgMessages', '0'],
    ['NewMessages', '0'],
    ['OldMessages', '0'],
  ]);
  const s = await c.action('MailboxStatus', [['Mailbox', '1234@default']]);
  assert.deepEqual(s.headers, [
    ['Response', 'Success'],
    ['ActionID', s.get('ActionID')],
    ['Message', 'Mailbox Status'],
    ['Mailbox', '1234@default'],
    ['Waiting', '0'],
  ]);
  assertError(await c.action('MailboxCount'), 'Mailbox not specified');
  assertError(await c.action('MailboxStatus'), 'Mailbox not specified');
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpDefaults, loadHttpConf, parseConfText, parseHttpConf } from '../../src/config/index.js';
import { ASTERISK_20, httpServerName } from '../../src/profiles/index.js';

const FIXTURES = new URL('../fixtures/conformance/config/', import.meta.url).pathname;
const SERVER_NAME = httpServerName(ASTERISK_20);
const http = (text: string) => parseHttpConf(parseConfText(text, 'http.conf'), SERVER_NAME);

const tmpRoots: string[] = [];
after(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

test('the recorded reference http.conf', () => {
  const cfg = loadHttpConf(FIXTURES, SERVER_NAME);
  assert.equal(cfg.enabled, true);
  assert.equal(cfg.bindaddr, '127.0.0.1');
  assert.equal(cfg.bindport, 18088);
  assert.equal(cfg.enablestatic, false);
  assert.equal(cfg.prefix, '');
  assert.equal(cfg.sessionlimit, 100);
  assert.equal(cfg.servername, 'Asterisk/20.20.1');
  assert.equal(cfg.tls.enabled, false);
  assert.equal(cfg.tls.bindaddr, '127.0.0.1');
  assert.equal(cfg.tls.port, 8089);
  assert.deepEqual(cfg.warnings, []);
});

test('defaults; a missing http.conf means disabled with a warning', () => {
  const d = httpDefaults(SERVER_NAME);
  assert.equal(d.enabled, false);
  assert.equal(d.bindport, 8088);
  assert.equal(d.sessionlimit, 100);
  assert.equal(d.servername, 'Asterisk/20.20.1');
  assert.equal(d.tls.port, 8089);
  assert.equal(d.tls.disablev1, true);
  const dir = mkdtempSync(join(tmpdir(), 'amikit-http-'));
  tmpRoots.push(dir);
  const cfg = loadHttpConf(dir, SERVER_NAME);
  assert.equal(cfg.enabled, false);
  assert.equal(cfg.warnings.length, 1);
});

test('every [general] option', () => {
  const cfg = http(
    [
      '[general]',
      'enabled = yes',
      'bindaddr = 0.0.0.0',
      'bindport = 8080',
      'prefix = asterisk',
      'sessionlimit = 5',
      'session_inactivity = 1000',
      'session_keep_alive = 0',
      'servername = MyPBX',
      'enable_static = yes',
      'enable_status = yes',
      'redirect = / /static/index.html',
      'tlsenable = yes',
      'tlsbindaddr = 0.0.0.0:4443',
      'tlscertfile = /c.pem',
      'tlsprivatekey = /k.pem',
    ].join('\n'),
  );
  assert.deepEqual(cfg.warnings, []);
  assert.equal(cfg.bindaddr, '0.0.0.0');
  assert.equal(cfg.bindport, 8080);
  assert.equal(cfg.prefix, '/asterisk');
  assert.equal(cfg.sessionlimit, 5);
  assert.equal(cfg.sessionInactivity, 1000);
  assert.equal(cfg.sessionKeepAlive, 0);
  assert.equal(cfg.servername, 'MyPBX');
  assert.equal(cfg.enablestatic, true);
  assert.equal(cfg.enablestatus, true);
  assert.deepEqual(cfg.redirects, [['/', '/static/index.html']]);
  assert.deepEqual([cfg.tls.enabled, cfg.tls.bindaddr, cfg.tls.port], [true, '0.0.0.0', 4443]);
  assert.deepEqual([cfg.tls.certfile, cfg.tls.privatekey], ['/c.pem', '/k.pem']);
});

test('a port in bindaddr wins; tlsbindaddr without port uses 8089; empty servername means none', () => {
  const cfg = http(
    '[general]\nenabled=yes\nbindaddr=[::1]:9000\nbindport=8080\ntlsbindaddr=::1\nservername=\n',
  );
  assert.equal(cfg.bindaddr, '::1');
  assert.equal(cfg.bindport, 9000);
  assert.equal(cfg.tls.port, 8089);
  assert.equal(cfg.servername, '');
  assert.equal(http('[general]\nbindaddr=localhost\n').bindaddr, 'localhost');
});

test('bad values fall back to defaults; unknown and refused keys warn with file and line', () => {
  const cfg = http(
    '[general]\nbindport = 70000\nsessionlimit = 0\nfoo = bar\ntlscafile = x\nenabled = yes\nsession_keep_alive = -1\n',
  );
  assert.equal(cfg.bindport, 8088);
  assert.equal(cfg.sessionlimit, 100);
  assert.equal(cfg.sessionKeepAlive, 15000);
  assert.deepEqual(
    cfg.warnings.map((w) => [w.file, w.line]),
    [
      ['http.conf', 2],
      ['http.conf', 3],
      ['http.conf', 4],
      ['http.conf', 5],
      ['http.conf', 7],
      ['http.conf', 0],
    ],
  );
  assert.match(cfg.warnings[2].message, /Ignoring unknown option 'foo'/);
  assert.match(cfg.warnings[5].message, /no usable bindaddr/);
});

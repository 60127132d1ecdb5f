/**
 * Assembly: modules start after the modules they require, in the release's order otherwise; a cycle
 * or a missing module is refused with a clear error before anything starts; the release profile
 * decides which modules exist.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadOrder, type AmiModule } from '../../src/manager/module.js';
import { Manager } from '../../src/manager/manager.js';
import { loadManagerConf } from '../../src/config/manager-conf.js';
import { silentLogger } from '../../src/logger.js';
import { ASTERISK_20 } from '../../src/profiles/index.js';
import { startTestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';

const started: string[] = [];
const mod = (name: string, requires: string[] = []): AmiModule => ({
  name,
  requires,
  start: () => void started.push(name),
});
const names = (ms: AmiModule[]): string[] => ms.map((m) => m.name);

test('modules start after what they require, otherwise in the given order', () => {
  assert.deepEqual(names(loadOrder([mod('a'), mod('b'), mod('c')])), ['a', 'b', 'c']);
  assert.deepEqual(
    names(loadOrder([mod('queue', ['core']), mod('sip'), mod('core', ['manager']), mod('manager')])),
    ['manager', 'core', 'queue', 'sip'],
  );
  // Already running modules satisfy a requirement.
  assert.deepEqual(names(loadOrder([mod('queue', ['core'])], new Set(['core']))), ['queue']);
});

test('a cycle, a missing module or a module loaded twice is a clear error', () => {
  assert.throws(
    () => loadOrder([mod('a', ['b']), mod('b', ['c']), mod('c', ['a'])]),
    /module dependency cycle: a -> b -> c -> a/,
  );
  assert.throws(() => loadOrder([mod('self', ['self'])]), /module dependency cycle: self -> self/);
  assert.throws(
    () => loadOrder([mod('app_queue', ['core'])]),
    /module 'app_queue' requires 'core', which is not loaded/,
  );
  assert.throws(() => loadOrder([mod('x'), mod('x')]), /module 'x' is loaded twice/);
  assert.throws(() => loadOrder([mod('x')], new Set(['x'])), /module 'x' is loaded twice/);
});

test('the manager refuses a bad set before starting any of it', async () => {
  const manager = new Manager({
    config: loadManagerConf(conformanceConfigDir()),
    log: silentLogger(),
    profile: ASTERISK_20,
  });
  started.length = 0;
  await assert.rejects(
    manager.loadModules([mod('one'), mod('two', ['three']), mod('three', ['two'])]),
    /cycle/,
  );
  await assert.rejects(manager.addModule(mod('queue', ['core'])), /requires 'core', which is not loaded/);
  assert.deepEqual(started, []);
  await manager.loadModules([mod('queue', ['core']), mod('core')]);
  assert.deepEqual(started, ['core', 'queue']);
  assert.deepEqual(names([...manager.loadedModules()]), ['core', 'queue']);
  await manager.shutdown();
});

test('the release profile decides which modules exist; its versions are what clients read', async () => {
  const profile = { ...ASTERISK_20, id: 'test-no-sip', modules: ['manager', 'misc', 'core'] };
  const srv = await startTestServer({ configDir: conformanceConfigDir(), profile });
  try {
    assert.deepEqual(
      srv.manager.loadedModules().map((m) => m.name),
      ['manager', 'misc', 'core'],
    );
    assert.equal(srv.sip, null);
    assert.equal(srv.manager.registry.find('SIPpeers'), undefined);
    assert.equal(srv.manager.registry.find('QueueStatus'), undefined);
    assert.ok(srv.manager.registry.find('Originate'));
    assert.equal(srv.manager.amiVersion, '9.0.0');
  } finally {
    await srv.dispose();
  }
  const broken = { ...ASTERISK_20, id: 'test-unknown-module', modules: ['manager', 'chan_iax2'] };
  await assert.rejects(
    startTestServer({ configDir: conformanceConfigDir(), profile: broken }),
    /release module 'chan_iax2' is not available in amikit/,
  );
});

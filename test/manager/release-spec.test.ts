/**
 * The server against its release's spec: every action it registers states its privilege, and that
 * privilege (and whether the action answers with a list) is the one Asterisk's registration passes;
 * every event a module can raise is an event of the release, raised with the class the spec gives it.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { releaseSpec } from '../../src/spec.js';
import { AMIKIT_EVENT_NAMES } from '../../src/manager/event-def.js';
import { authorityToString } from '../../src/config/permissions.js';
import type { ActionSpec } from '../../src/manager/action.js';
import { loggedIn, RawAmi } from '../../src/testing/raw-ami.js';

let srv: TestServer;
before(async () => {
  // Every module of the release, chan_sip included (on an ephemeral UDP port).
  srv = await startTestServer({ configDir: conformanceConfigDir() });
});
after(async () => {
  await srv.dispose();
});

test('every registered action states its privilege; Asterisk actions match the release spec', () => {
  const spec = releaseSpec(srv.manager.profile);
  const registered = srv.manager.registry.list();
  const modules = new Set(registered.map((d) => d.module));
  for (const m of ['manager', 'core', 'app_queue', 'chan_sip'])
    assert.ok(modules.has(m), `${m} registered actions`);

  const got: string[] = [];
  const want: string[] = [];
  for (const def of registered) {
    assert.ok(def.declared, `${def.name} was registered through the action definer`);
    const line = `${def.name}: ${authorityToString(def.privilege)} list=${String(def.declared.list)}`;
    if (def.declared.doc === 'asterisk') {
      const a = spec.actions.get(def.name.toLowerCase());
      assert.ok(a, `${def.name} is an action of the release`);
      got.push(line);
      want.push(`${a.name}: ${authorityToString(a.authorityBits)} list=${String(a.eventList)}`);
    } else {
      // amikit's own actions: not Asterisk's, and only for sessions with the `test` class.
      assert.equal(spec.actions.get(def.name.toLowerCase()), undefined, `${def.name} is not Asterisk's`);
      assert.equal(authorityToString(def.privilege), 'test,all', `${def.name} privilege`);
    }
  }
  assert.ok(got.length >= 60, `compared ${got.length} actions`);
  assert.deepEqual(got, want);
});

test('an action registered without a privilege stops the start-up', () => {
  const noPrivilege = { name: 'NoPrivilege', handler: () => undefined } as unknown as ActionSpec;
  assert.throws(
    () => srv.manager.addActions('test', [noPrivilege]),
    /action 'NoPrivilege' registered without a privilege/,
  );
  const empty = { name: 'EmptyPrivilege', privilege: [], handler: () => undefined } as unknown as ActionSpec;
  assert.throws(() => srv.manager.addActions('test', [empty]), /without a privilege/);
  const unknown = {
    name: 'OddPrivilege',
    privilege: ['sytem'],
    handler: () => undefined,
  } as unknown as ActionSpec;
  assert.throws(() => srv.manager.addActions('test', [unknown]), /unknown privilege class 'sytem'/);
  assert.throws(
    () => srv.manager.registry.register({ name: 'ByHand', synopsis: '', handler: () => undefined } as never),
    /without a privilege/,
  );
  for (const n of ['NoPrivilege', 'EmptyPrivilege', 'OddPrivilege', 'ByHand'])
    assert.equal(srv.manager.registry.find(n), undefined, `${n} not registered`);
});

test('every event of every loaded module exists in the release spec with the same class', () => {
  const spec = releaseSpec(srv.manager.profile);
  const modules = srv.manager.loadedModules();
  assert.deepEqual(
    modules.map((m) => m.name),
    ['manager', 'misc', 'core', 'app_queue', 'chan_sip'],
  );
  let checked = 0;
  for (const m of modules) {
    for (const def of m.events ?? []) {
      if ((AMIKIT_EVENT_NAMES as readonly string[]).includes(def.name)) {
        // amikit's own events: never Asterisk's, always class security.
        assert.equal(spec.events.get(def.name.toLowerCase()), undefined, `${def.name} is not Asterisk's`);
        assert.deepEqual(def.classes, ['security']);
        continue;
      }
      const e = spec.events.get(def.name.toLowerCase());
      assert.ok(e, `${m.name}: ${def.name} is an event of the release`);
      const documented = [e.classes, ...(e.instances ?? []).map((i) => i.classes)].map((c) =>
        [...c].sort().join(','),
      );
      const ours = [...def.classes].sort().join(',');
      assert.ok(
        documented.includes(ours),
        `${m.name}: ${def.name} class ${ours}, spec ${documented.join(' | ')}`,
      );
      checked++;
    }
  }
  // Channel, dial, bridge, transfer, CDR ... events; queue and agent events; chan_sip's; the manager's.
  assert.ok(checked >= 60, `checked ${checked} event definitions`);
  for (const name of ['Newexten', 'QueueCallerJoin', 'PeerStatus', 'SuccessfulAuth', 'OriginateResponse'])
    assert.ok(
      modules.some((m) => m.events?.some((d) => d.name === name)),
      `${name} is declared by a module`,
    );
});

test('what the server raises on a busy run is all declared by its modules', async () => {
  const declared = new Set(srv.manager.loadedModules().flatMap((m) => (m.events ?? []).map((d) => d.name)));
  const seen = new Set<string>();
  const off = srv.manager.bus.subscribe((ev) => void seen.add(ev.name));
  const c = await loggedIn(srv.port, 'admin', 'admin');
  try {
    const bad = await RawAmi.connect(srv.port);
    await bad.login('admin', 'wrong');
    bad.destroy();
    await c.action('UserEvent', [['UserEvent', 'Probe']]);
    const added = await c.action('QueueAdd', [
      ['Queue', 'Sales'],
      ['Interface', 'Local/299@agents'],
    ]);
    assert.equal(added.get('Message'), 'Added interface to queue');
    await c.waitEvent('QueueMemberAdded', undefined, 5000);
    await c.action('SIPqualifypeer', [['Peer', 'test-201']]);
    await c.action('Originate', [
      ['Channel', 'Local/200@agents'],
      ['Application', 'Wait'],
      ['Data', '1'],
      ['Async', 'true'],
    ]);
    await c.waitEvent('OriginateResponse', undefined, 5000);
    await c.action('Hangup', [['Channel', '/^Local/']]);
    await c.action('Reload', [['Module', 'manager']]);
    await c.waitEvent('Reload', undefined, 5000);
  } finally {
    c.destroy();
    off();
  }
  for (const name of ['SuccessfulAuth', 'InvalidPassword', 'UserEvent', 'QueueMemberAdded', 'Newchannel'])
    assert.ok(seen.has(name), `${name} was raised`);
  assert.deepEqual(
    [...seen].filter((n) => !declared.has(n as never)),
    [],
    'raised but declared by no module',
  );
});

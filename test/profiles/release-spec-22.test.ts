/**
 * The server as Asterisk 22 against Asterisk 22.10.1's spec (spec/22, generated from its source):
 * every Asterisk action it registers is one 22 has, with 22's privilege and list behaviour; every
 * event its modules can raise is one 22 documents, with 22's class; nothing 22 removed is there.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformance22ConfigDir } from '../helpers/fixtures.js';
import { releaseSpec } from '../../src/spec.js';
import { AMIKIT_EVENT_NAMES } from '../../src/manager/event-def.js';
import { authorityToString } from '../../src/config/permissions.js';
import { ASTERISK_22 } from '../../src/profiles/index.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ configDir: conformance22ConfigDir(), asterisk: '22' });
});
after(async () => {
  await srv.dispose();
});

test('the 22 spec is read for the 22 profile', () => {
  assert.equal(srv.manager.profile, ASTERISK_22);
  const spec = releaseSpec(ASTERISK_22);
  assert.equal(spec.actions.size, 154);
  assert.ok(spec.actions.has('pjsipshowendpoints'));
  assert.equal(spec.actions.get('sippeers'), undefined);
  assert.equal(spec.events.get('monitorstart'), undefined);
  assert.ok(spec.events.has('contactstatus'));
});

test('every registered action is an Asterisk 22 action with its privilege and list behaviour', () => {
  const spec = releaseSpec(ASTERISK_22);
  const got: string[] = [];
  const want: string[] = [];
  for (const def of srv.manager.registry.list()) {
    assert.ok(def.declared, `${def.name} was registered through the action definer`);
    if (def.declared.doc !== 'asterisk') {
      assert.equal(authorityToString(def.privilege), 'test,all', `${def.name}: amikit's own, class test`);
      continue;
    }
    const a = spec.actions.get(def.name.toLowerCase());
    assert.ok(a, `${def.name} is an action of Asterisk 22`);
    got.push(`${def.name}: ${authorityToString(def.privilege)} list=${String(def.declared.list)}`);
    want.push(`${a.name}: ${authorityToString(a.authorityBits)} list=${String(a.eventList)}`);
  }
  assert.ok(got.length >= 60, `compared ${got.length} actions`);
  assert.deepEqual(got, want);
});

test('every event of the loaded modules is an Asterisk 22 event with its class', () => {
  const spec = releaseSpec(ASTERISK_22);
  let checked = 0;
  for (const m of srv.manager.loadedModules()) {
    for (const def of m.events ?? []) {
      if ((AMIKIT_EVENT_NAMES as readonly string[]).includes(def.name)) continue;
      const e = spec.events.get(def.name.toLowerCase());
      assert.ok(e, `${m.name}: ${def.name} is an event of Asterisk 22`);
      const documented = [e.classes, ...(e.instances ?? []).map((i) => i.classes)].map((c) =>
        [...c].sort().join(','),
      );
      assert.ok(documented.includes([...def.classes].sort().join(',')), `${m.name}: ${def.name} class`);
      checked++;
    }
  }
  assert.ok(checked >= 50, `checked ${checked} event definitions`);
});

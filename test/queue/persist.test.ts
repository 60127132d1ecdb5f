/** persistentmembers: dynamic members kept in astdb (Asterisk's value format) and restored at start. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeWorld } from './helpers.js';
import { PM_FAMILY } from '../../src/modules/queue/engine.js';

const CONF = `[general]
persistentmembers = yes

[support]
strategy = rrmemory
member => SIP/static1

[other]
strategy = linear
`;

test('dynamic members survive a restart (a new PBX on the same astdb file)', async () => {
  const w1 = makeWorld(CONF);
  const dir = w1.dir;
  assert.equal(
    w1.engine.addMember('support', 'SIP/a9', {
      membername: 'Nine',
      penalty: 3,
      stateInterface: 'SIP/phone9',
    }),
    'OK',
  );
  assert.equal(w1.engine.addMember('support', 'Local/7@agents', { membername: 'Seven' }), 'OK');
  assert.equal(w1.engine.setPaused('support', 'SIP/a9', 'Lunch', true), true);
  assert.equal(w1.engine.addMember('other', 'SIP/a9', { wrapuptime: 12 }), 'OK');
  // dump_queue_members: interface;penalty;paused;membername;state_interface;reason;wrapuptime joined by '|',
  // in container order ("/a9" hashes to bucket 2, "/7@ag" to 12).
  assert.equal(
    w1.pbx.astdb.get(PM_FAMILY, 'support'),
    'SIP/a9;3;1;Nine;SIP/phone9;Lunch;0|Local/7@agents;0;0;Seven;Local/7@agents;;0',
  );
  assert.equal(w1.pbx.astdb.get(PM_FAMILY, 'other'), 'SIP/a9;0;0;SIP/a9;SIP/a9;;12');
  w1.close();

  const w2 = makeWorld(CONF, { dir });
  try {
    const q = w2.engine.get('support');
    assert.ok(q);
    assert.deepEqual(
      q.members.map((m) => [
        m.interface,
        m.membername,
        m.penalty,
        m.paused,
        m.reasonPaused,
        m.dynamic,
        m.stateInterface,
      ]),
      [
        ['SIP/a9', 'Nine', 3, true, 'Lunch', true, 'SIP/phone9'],
        ['SIP/static1', 'SIP/static1', 0, false, '', false, 'SIP/static1'],
        ['Local/7@agents', 'Seven', 0, false, '', true, 'Local/7@agents'],
      ],
    );
    assert.equal(w2.engine.get('other')?.find('SIP/a9')?.wrapuptime, 12);
    // Removing the last dynamic member deletes the key.
    assert.equal(w2.engine.removeMember('other', 'SIP/a9'), 'OK');
    assert.equal(w2.pbx.astdb.get(PM_FAMILY, 'other'), undefined);
    assert.equal(w2.engine.removeMember('support', 'SIP/static1'), 'NOT_DYNAMIC');
  } finally {
    w2.close();
  }
});

test('without persistentmembers nothing is written; entries of unknown queues are dropped at start', () => {
  const w1 = makeWorld(CONF.replace('persistentmembers = yes', 'persistentmembers = no'));
  const dir = w1.dir;
  w1.engine.addMember('support', 'SIP/a1');
  assert.equal(w1.pbx.astdb.get(PM_FAMILY, 'support'), undefined);
  w1.pbx.astdb.put(PM_FAMILY, 'gone', 'SIP/x;0;0;SIP/x;SIP/x;;0');
  w1.close();
  const w2 = makeWorld(CONF, { dir });
  try {
    assert.equal(w2.pbx.astdb.get(PM_FAMILY, 'gone'), undefined);
    assert.equal(w2.engine.get('support')?.find('SIP/a1'), undefined);
  } finally {
    w2.close();
  }
});

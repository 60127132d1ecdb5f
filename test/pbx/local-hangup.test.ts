import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makePbx } from './helpers.js';

const DIALPLAN = `
[default]
exten => 600,1,Answer()
 same => n,Echo()
`;

test('hanging up both halves of a Local pair in one turn ends both, once each (no recursion)', async () => {
  const { pbx, clock, events } = makePbx({ extensions: DIALPLAN });
  void pbx.originate({
    channel: 'Local/600@default',
    context: 'default',
    exten: '600',
    priority: 1,
    timeout: 30_000,
  });
  await clock.runFor(2_000);
  const pair = pbx.channels().filter((c) => c.name.startsWith('Local/600@default-'));
  assert.equal(pair.length, 2);
  for (const ch of pair) pbx.hangup(ch);
  await clock.runFor(2_000);
  assert.equal(pbx.channels().length, 0);
  const hangups = events
    .filter((e) => e.name === 'Hangup')
    .map((e) => (e.payload as { channel: { name: string } }).channel.name);
  assert.deepEqual([...hangups].sort(), pair.map((c) => c.name).sort());
  pbx.close();
});

/**
 * The fidelity scorer's race rules: a keyed rule accepts any interleaving of sources that keeps
 * each source's own order, and a rule's streams are compared apart from the other messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Msg } from '../../src/testing/replay.js';
import { scoreConnection } from '../../src/testing/fidelity/score.js';
import { parseScenario, type RaceRule } from '../../src/testing/fidelity/scenario.js';

function ev(name: string, headers: Record<string, string>): Msg {
  return { kind: 'ami', headers: [['Event', name], ...Object.entries(headers)], t: 0 };
}

const keyed: RaceRule = {
  why: 'test',
  events: ['Newstate', 'Hangup', 'DeviceStateChange', 'Cdr'],
  key: ['Channel', 'Device'],
  streams: ['DeviceStateChange', 'Cdr'],
};

test('a keyed rule accepts another interleaving of two channels', () => {
  const a1 = ev('Newstate', { Channel: 'A' });
  const a2 = ev('Hangup', { Channel: 'A' });
  const b1 = ev('Newstate', { Channel: 'B' });
  const b2 = ev('Hangup', { Channel: 'B' });
  assert.equal(scoreConnection([a1, a2, b1, b2], [a1, b1, b2, a2], [keyed]).score, 1);
  assert.equal(scoreConnection([a1, b1, a2, b2], [b1, a1, b2, a2], [keyed]).score, 1);
});

test('a keyed rule keeps the order of one channel', () => {
  const a1 = ev('Newstate', { Channel: 'A' });
  const a2 = ev('Hangup', { Channel: 'A' });
  assert.ok(scoreConnection([a1, a2], [a2, a1], [keyed]).score < 1);
});

test('a message the rule does not cover is a barrier for runs', () => {
  const a1 = ev('Newstate', { Channel: 'A' });
  const b1 = ev('Newstate', { Channel: 'B' });
  const r: Msg = { kind: 'ami', headers: [['Response', 'Success']], t: 0 };
  assert.ok(scoreConnection([a1, r, b1], [b1, r, a1], [keyed]).score < 1);
});

test('stream messages float across barriers but keep their order per source', () => {
  const a1 = ev('Newstate', { Channel: 'A' });
  const r: Msg = { kind: 'ami', headers: [['Response', 'Success']], t: 0 };
  const d1 = ev('DeviceStateChange', { Device: 'X', State: 'INUSE' });
  const d2 = ev('DeviceStateChange', { Device: 'X', State: 'NOT_INUSE' });
  const c1 = ev('Cdr', { Channel: 'A' });
  assert.equal(scoreConnection([a1, d1, r, d2, c1], [d1, a1, r, c1, d2], [keyed]).score, 1);
  assert.ok(scoreConnection([a1, d1, r, d2], [a1, d2, r, d1], [keyed]).score < 1);
});

test('without a rule, order counts', () => {
  const a1 = ev('Newstate', { Channel: 'A' });
  const b1 = ev('Newstate', { Channel: 'B' });
  assert.ok(scoreConnection([a1, b1], [b1, a1]).score < 1);
});

test('races: key and streams are parsed; streams need a key', () => {
  const sc = parseScenario(
    [
      'title: t',
      'races:',
      '  - why: w',
      '    events: [Hangup, Cdr]',
      '    key: [Channel]',
      '    streams: [Cdr]',
      'steps:',
      '  - login: admin',
    ].join('\n'),
    'x.yaml',
  );
  assert.deepEqual(sc.races[0].key, ['Channel']);
  assert.deepEqual(sc.races[0].streams, ['Cdr']);
  assert.throws(
    () =>
      parseScenario(
        [
          'title: t',
          'races:',
          '  - why: w',
          '    events: [Cdr]',
          '    streams: [Cdr]',
          'steps:',
          '  - login: admin',
        ].join('\n'),
        'y.yaml',
      ),
    /streams/,
  );
});

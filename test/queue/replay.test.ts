/**
 * Transcript 14_queue_actions replayed against amikit with the core and the queue module on the
 * recorded configuration: every message of the scenario, in order, must equal Asterisk's after
 * normalization. The recording's Asterisk had been up for 89 s and had seen two abandoned calls
 * in Camp200 and a pause of user1; the test sets the same state up first. Epoch values of
 * LoginTime / LastPause / LastCall become tokens numbered per header (the recording's clock is
 * not ours), so their identity and order are still compared.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { replay, render, type Msg } from '../../src/testing/replay.js';
import { CONFORMANCE_DIR, CONFORMANCE_SECRETS } from '../helpers/fixtures.js';
import { startQueueServer, type QueueServer } from './helpers.js';
import { replayClock } from '../../src/testing/replay-clock.js';
import { VirtualClock } from '../../src/pbx/clock.js';
import { DeviceState } from '../../src/pbx/devicestate.js';

function virtualClock(srv: QueueServer): VirtualClock {
  const clock = srv.pbx.clock;
  assert.ok(clock instanceof VirtualClock, 'the replays run the PBX on the virtual clock');
  return clock;
}

/** The replay moves the PBX clock by the recorded gaps (see src/testing/replay.ts). */
function clockOf(srv: QueueServer): ReturnType<typeof replayClock> {
  return replayClock(srv.srv.manager, virtualClock(srv));
}

const EPOCH_HEADERS = new Set(['LoginTime', 'LastPause', 'LastCall']);

function tokenizeEpochs(msgs: Msg[]): Msg[] {
  const maps = new Map<string, Map<string, string>>();
  return msgs.map((m) => ({
    ...m,
    headers: m.headers.map(([n, v]): [string, string] => {
      if (!EPOCH_HEADERS.has(n) || !/^\d{9,}$/.test(v)) return [n, v];
      let map = maps.get(n);
      if (!map) maps.set(n, (map = new Map()));
      let t = map.get(v);
      if (!t) map.set(v, (t = `<${n}${map.size + 1}>`));
      return [n, t];
    }),
  }));
}

test('replay 14_queue_actions: every message as Asterisk', async () => {
  const srv = await startQueueServer({ virtual: true });
  try {
    const engine = srv.module.engine;
    const camp = engine.get('Camp200');
    assert.ok(camp);
    const now = engine.now();
    camp.callsabandoned = 2;
    for (const q of engine.list()) for (const m of q.members) m.logintime = now - 96;
    const user1 = camp.find('Local/200@agents');
    assert.ok(user1);
    user1.lastpause = now - 10;
    // Scenario 11 had made user1 busy and free again: the hint of Camp200 shows a member available.
    srv.pbx.setDeviceState('Queue:Camp200_avail', DeviceState.NOT_INUSE);
    await virtualClock(srv).runFor(0);

    const res = await replay(join(CONFORMANCE_DIR, '14_queue_actions.jsonl'), {
      host: '127.0.0.1',
      amiPort: srv.port,
      secrets: CONFORMANCE_SECRETS,
      clock: clockOf(srv),
    });
    assert.equal(res.length, 1);
    const expected = render(tokenizeEpochs(res[0].expected));
    const got = render(tokenizeEpochs(res[0].got));
    assert.ok(expected.length > 60, 'the whole scenario is compared');
    assert.deepEqual(got, expected);
  } finally {
    await srv.dispose();
  }
});

test('replay 17_command: `queue show` as Asterisk prints it', async () => {
  const srv = await startQueueServer({ virtual: true });
  try {
    const engine = srv.module.engine;
    const camp = engine.get('Camp200');
    assert.ok(camp);
    // The recording's Camp200 had completed one call (within the service level, 5 s of talk).
    camp.callscompleted = 1;
    camp.callscompletedinsl = 1;
    camp.talktime = 5;
    const now = engine.now();
    const user1 = camp.find('Local/200@agents');
    assert.ok(user1);
    user1.calls = 1;
    user1.lastcall = now - 125;
    const res = await replay(join(CONFORMANCE_DIR, '17_command.jsonl'), {
      host: '127.0.0.1',
      amiPort: srv.port,
      secrets: CONFORMANCE_SECRETS,
      clock: clockOf(srv),
    });
    const pick = (msgs: Msg[]): string[] =>
      render(msgs.filter((m) => m.headers.some(([n, v]) => n === 'ActionID' && v === 'cmd-2')));
    const expected = pick(res[0].expected);
    assert.equal(expected.length, 1);
    assert.deepEqual(pick(res[0].got), expected);
  } finally {
    await srv.dispose();
  }
});

test('replay 11_originate_async_app: QueueMemberStatus and the queue hint follow the member device', async () => {
  const srv = await startQueueServer({ virtual: true });
  try {
    // The recording's Asterisk had just started: static members logged in 54 s before.
    const engine = srv.module.engine;
    for (const q of engine.list()) for (const m of q.members) m.logintime = engine.now() - 54;
    const res = await replay(join(CONFORMANCE_DIR, '11_originate_async_app.jsonl'), {
      host: '127.0.0.1',
      amiPort: srv.port,
      secrets: CONFORMANCE_SECRETS,
      clock: clockOf(srv),
    });
    const ev = (m: Msg, name: string): string | undefined => m.headers.find(([n]) => n === name)?.[1];
    const queueRelated = (msgs: Msg[]): string[] =>
      render(
        tokenizeEpochs(
          msgs.filter(
            (m) =>
              ev(m, 'Event') === 'QueueMemberStatus' ||
              (ev(m, 'Event') === 'DeviceStateChange' && (ev(m, 'Device') ?? '').startsWith('Queue:')),
          ),
        ),
      );
    const expected = queueRelated(res[0].expected);
    assert.equal(expected.length, 3);
    assert.deepEqual(queueRelated(res[0].got), expected);
    // Each QueueMemberStatus comes after the member's own DeviceStateChange, as in the recording.
    const order = (msgs: Msg[]): string[] =>
      msgs
        .filter(
          (m) =>
            ev(m, 'Event') === 'QueueMemberStatus' ||
            (ev(m, 'Event') === 'DeviceStateChange' && ev(m, 'Device') === 'Local/200@agents'),
        )
        .map((m) => `${ev(m, 'Event')}:${ev(m, 'State') ?? ev(m, 'Status')}`);
    const want = order(res[0].expected);
    assert.deepEqual(order(res[0].got), want);
  } finally {
    await srv.dispose();
  }
});

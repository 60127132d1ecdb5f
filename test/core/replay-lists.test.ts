/**
 * Transcripts 17 (Command: core show channels, Hangup by regex), 18 (DB* actions) and 20
 * (CoreShowChannels, Status, Hangup lists) replayed against the core on the recorded
 * configuration. Replies of other modules (`queue show`, `sip show peers`, `core show version`,
 * CoreSettings' HTTP flag, the full ListCommands) are left out; ListCommands is checked to list
 * the core's actions exactly as Asterisk does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer } from './helpers.js';
import { assertSameMessages, replayCore } from './replay-util.js';

test('replay 17_command', async () => {
  // The recording waited a second after the async Originate (events off: nothing to wait for) and
  // found the call up; on the virtual clock the replay moves the PBX on by that second.
  const srv = await startCoreServer({ virtual: true });
  try {
    // The recording's PBX had processed calls before; the counters are tokens in the comparison.
    const r = await replayCore(srv, '17_command', { foreignActionIds: ['cmd-2', 'cmd-3', 'cmd-5'] });
    assertSameMessages(r, '17');
  } finally {
    await srv.dispose();
  }
});

test('replay 18_db', async () => {
  const srv = await startCoreServer({ virtual: true });
  try {
    const r = await replayCore(srv, '18_db');
    assertSameMessages(r, '18');
    // Byte-exact: no token was needed for the DB replies.
    assert.ok(
      r.got.some((s) => s === 'Event: DBGetTreeResponse | Key: /amitest/sub/k2 | Val: v2 | ActionID: db-5'),
    );
  } finally {
    await srv.dispose();
  }
});

test('replay 20_status_lists', async () => {
  const srv = await startCoreServer({ virtual: true });
  try {
    // The recording's channel is Local/100@default-0000000b and Status names it.
    for (let i = 0; i < 0x0b; i++) srv.pbx.ids.channelSuffix('Local');
    const r = await replayCore(srv, '20_status_lists', { foreignActionIds: ['cset-1', 'lc-1'] });
    assertSameMessages(r, '20');
    // ListCommands: every action the core lists, Asterisk lists with the same synopsis and privilege.
    const lc = (msgs: typeof r.allGot): string[] =>
      (msgs.find((m) => m.headers.some(([n, v]) => n === 'ActionID' && v === 'lc-1'))?.headers ?? [])
        .filter(([n]) => n !== 'Response' && n !== 'ActionID')
        .map(([n, v]) => `${n}: ${v}`);
    const asterisk = new Set(lc(r.allExpected));
    const ours = lc(r.allGot).filter((l) => !l.startsWith('Sim'));
    const core = [
      'Originate',
      'Hangup',
      'Redirect',
      'Getvar',
      'Setvar',
      'Status',
      'CoreShowChannels',
      'CoreShowChannelMap',
      'Bridge',
      'BridgeList',
      'BridgeInfo',
      'BlindTransfer',
      'Atxfer',
      'PlayDTMF',
      'SendText',
      'AbsoluteTimeout',
      'ShowDialPlan',
      'ExtensionState',
      'ExtensionStateList',
      'DeviceStateList',
      'DBGet',
      'DBPut',
      'DBDel',
      'DBDelTree',
      'DBGetTree',
      'LocalOptimizeAway',
    ];
    for (const name of core)
      assert.ok(
        ours.some((l) => l.startsWith(name + ': ')),
        `ListCommands lists ${name}`,
      );
    for (const l of ours) assert.ok(asterisk.has(l), `ListCommands line as Asterisk: ${l}`);
  } finally {
    await srv.dispose();
  }
});

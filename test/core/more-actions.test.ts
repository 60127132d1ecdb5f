/**
 * DialplanExtensionAdd/Remove (pbx_config.c), BridgeKick, BridgeDestroy, BridgeTechnology*
 * (manager_bridges.c, bridge.c), MuteAudio (res_mutestream.c), SendFlash (app_senddtmf.c) and
 * CancelAtxfer (manager.c) on the wire, with Asterisk 20.20.1's texts.
 */
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawAmi, RawMsg } from '../../src/testing/raw-ami.js';

let s: CoreServer;
before(async () => {
  s = await startCoreServer({ answerMediaWaitMs: 20 });
});
afterEach(async () => {
  for (const ch of s.pbx.channels())
    if (!(ch.localHalf === 2 && ch.localPeer && !ch.localPeer.dead)) s.pbx.hangup(ch, 16);
  const deadline = Date.now() + 3000;
  while (s.pbx.channels().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
});
after(async () => {
  await s.dispose();
});

const msg = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;

async function call(c: RawAmi, channel: string): Promise<string> {
  const r = await c.action('Originate', [
    ['Channel', channel],
    ['Application', 'Wait'],
    ['Data', '30'],
    ['Async', 'true'],
  ]);
  const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'), 5000);
  return o.get('Channel') ?? '';
}

test('DialplanExtensionAdd and DialplanExtensionRemove: add, duplicate, Replace, new context, errors', async () => {
  const c = await s.login();
  const add = (h: Array<[string, string]>): Promise<RawMsg> => c.action('DialplanExtensionAdd', h);
  const base: Array<[string, string]> = [
    ['Context', 'default'],
    ['Extension', '777'],
    ['Priority', '1'],
    ['Application', 'Wait'],
  ];
  assert.equal(msg(await add([...base, ['ApplicationData', '1']])), 'Success: Added requested extension');
  assert.equal(
    msg(await add([...base, ['ApplicationData', '2']])),
    'Error: That extension and priority already exist at that context',
  );
  assert.equal(
    msg(await add([...base, ['ApplicationData', '3'], ['Replace', 'yes']])),
    'Success: Added requested extension',
  );
  assert.equal(s.pbx.dialplan.find('default', '777', 1)?.priority.appData, '3');
  assert.equal(
    msg(
      await add([
        ['Context', 'fresh'],
        ['Extension', '_X.'],
        ['Priority', '1'],
        ['Application', 'NoOp'],
      ]),
    ),
    'Success: Added requested extension',
  );
  // A new context is the last created: ShowDialPlan lists it first, under pbx_config.
  const sd = await c.action('ShowDialPlan');
  const first = await c.waitEvent('ListDialplan', (m) => m.get('ActionID') === sd.get('ActionID'));
  assert.deepEqual([first.get('Context'), first.get('Registrar')], ['fresh', 'pbx_config']);
  await c.waitEvent('ShowDialPlanComplete', (m) => m.get('ActionID') === sd.get('ActionID'));
  assert.equal(
    msg(await add([...base.slice(0, 2), ['Priority', 'abc'], ['Application', 'NoOp']])),
    'Error: The priority specified was invalid.',
  );
  assert.equal(
    msg(await add(base.slice(0, 2))),
    'Error: Context, Extension, Priority, and Application must be defined for DialplanExtensionAdd.',
  );
  const rm = (h: Array<[string, string]>): Promise<RawMsg> => c.action('DialplanExtensionRemove', h);
  assert.equal(
    msg(await rm([...base.slice(0, 2), ['Priority', '1']])),
    'Success: Removed the requested priority from the extension',
  );
  // The extension went with its last priority.
  assert.equal(msg(await rm(base.slice(0, 2))), 'Error: Failed to remove requested extension');
  assert.equal(
    msg(
      await rm([
        ['Context', 'fresh'],
        ['Extension', '_X.'],
      ]),
    ),
    'Success: Removed the requested extension',
  );
  assert.equal(
    msg(await rm([])),
    'Error: Context and Extension must be provided for DialplanExtensionRemove',
  );
});

test('BridgeTechnologyList, Suspend and Unsuspend; BridgeKick and BridgeDestroy', async () => {
  const c = await s.login();
  const l = await c.action('BridgeTechnologyList');
  assert.equal(msg(l), 'Success: Bridge technology listing will follow');
  const done = await c.waitEvent(
    'BridgeTechnologyListComplete',
    (m) => m.get('ActionID') === l.get('ActionID'),
  );
  assert.equal(done.get('ListItems'), '4');
  const items = c.msgs.filter((m) => m.get('Event') === 'BridgeTechnologyListItem');
  assert.deepEqual(
    items.map((m) => `${m.get('BridgeTechnology')}/${m.get('BridgeType')}/${m.get('BridgePriority')}`),
    ['native_rtp/Native/90', 'holding_bridge/Holding/50', 'simple_bridge/1to1Mix/50', 'softmix/MultiMix/10'],
  );
  assert.equal(items[0].names().at(-1), 'ActionID');
  const tech = (a: string, t?: string): Promise<RawMsg> => c.action(a, t ? [['BridgeTechnology', t]] : []);
  assert.equal(
    msg(await tech('BridgeTechnologySuspend', 'Simple_Bridge')),
    'Success: Suspended bridge technology',
  );
  assert.equal(msg(await tech('BridgeTechnologySuspend', 'nosuch')), 'Error: BridgeTechnology not found');
  assert.equal(msg(await tech('BridgeTechnologyUnsuspend')), 'Error: BridgeTechnology must be provided');

  // Two calls bridged by the Bridge action; simple_bridge suspended, the bridge mixes with softmix.
  const a = await call(c, 'Local/100@default');
  const b = await call(c, 'Local/100@default');
  await c.action('Bridge', [
    ['Channel1', a],
    ['Channel2', b],
  ]);
  const enter = await c.waitEvent('BridgeEnter', (m) => m.get('Channel') === a, 3000);
  assert.equal(enter.get('BridgeTechnology'), 'softmix');
  assert.equal(
    msg(await tech('BridgeTechnologyUnsuspend', 'simple_bridge')),
    'Success: Unsuspended bridge technology',
  );
  const id = enter.get('BridgeUniqueid') ?? '';
  assert.equal(msg(await c.action('BridgeKick')), 'Error: Channel must be provided');
  assert.equal(
    msg(await c.action('BridgeKick', [['Channel', 'Local/x-0;1']])),
    'Error: Channel does not exist',
  );
  assert.equal(
    msg(
      await c.action('BridgeKick', [
        ['Channel', a],
        ['BridgeUniqueid', 'nosuch'],
      ]),
    ),
    'Error: Bridge not found',
  );
  assert.equal(
    msg(
      await c.action('BridgeKick', [
        ['Channel', a],
        ['BridgeUniqueid', id],
      ]),
    ),
    'Success: Channel has been kicked',
  );
  await c.waitEvent('BridgeLeave', (m) => m.get('Channel') === a, 3000);
  await c.waitEvent('BridgeDestroy', (m) => m.get('BridgeUniqueid') === id, 3000);
  assert.equal(msg(await c.action('BridgeKick', [['Channel', b]])), 'Error: Channel is not in a bridge');
  assert.equal(msg(await c.action('BridgeDestroy')), 'Error: BridgeUniqueid must be provided');
  assert.equal(
    msg(await c.action('BridgeDestroy', [['BridgeUniqueid', id]])),
    'Error: Specified BridgeUniqueid not found',
  );
});

test('MuteAudio, SendFlash and CancelAtxfer on a Local call', async () => {
  const c = await s.login();
  const a = await call(c, 'Local/100@default');
  const two = a.replace(/;1$/, ';2');
  const mute = (h: Array<[string, string]>): Promise<RawMsg> => c.action('MuteAudio', h);
  const ok = await mute([
    ['Channel', a],
    ['Direction', 'in'],
    ['State', 'on'],
  ]);
  // A bare success: no Message line.
  assert.deepEqual(ok.names(), ['Response', 'ActionID']);
  assert.equal(
    msg(
      await mute([
        ['Channel', a],
        ['Direction', 'sideways'],
        ['State', 'on'],
      ]),
    ),
    'Error: Failed to mute/unmute stream',
  );
  assert.equal(msg(await mute([])), 'Error: Channel not specified');
  assert.equal(msg(await mute([['Channel', a]])), 'Error: State not specified');
  assert.equal(
    msg(
      await mute([
        ['Channel', 'Local/x-0;1'],
        ['Direction', 'in'],
        ['State', 'on'],
      ]),
    ),
    'Error: No such channel',
  );
  // SendFlash writes to the Local half: its peer reads the flash.
  assert.equal(msg(await c.action('SendFlash', [['Channel', a]])), 'Success: Flash successfully queued');
  const fl = await c.waitEvent('Flash', () => true, 2000);
  assert.equal(fl.get('Channel'), two);
  assert.equal(fl.get('Privilege'), 'call,all');
  assert.equal(msg(await c.action('SendFlash', [['Channel', 'Local/x-0;1']])), 'Error: Channel not found');
  // CancelAtxfer queues the atxferabort code (*1 by default) as DTMF the channel reads.
  assert.equal(
    msg(await c.action('CancelAtxfer', [['Channel', a]])),
    'Success: CancelAtxfer successfully queued',
  );
  const star = await c.waitEvent('DTMFEnd', (m) => m.get('Channel') === a && m.get('Digit') === '*', 2000);
  assert.equal(star.get('Direction'), 'Received');
  await c.waitEvent('DTMFEnd', (m) => m.get('Channel') === a && m.get('Digit') === '1', 2000);
  assert.equal(msg(await c.action('CancelAtxfer')), 'Error: No channel specified');
  assert.equal(
    msg(await c.action('CancelAtxfer', [['Channel', 'Local/x-0;1']])),
    'Error: Channel specified does not exist',
  );
});

test('DEVICE_STATE(): Custom: devices set through Setvar, published and cached; others refused', async () => {
  const c = await s.login();
  const set = (v: string, value: string): Promise<RawMsg> =>
    c.action('Setvar', [
      ['Variable', v],
      ['Value', value],
    ]);
  assert.equal(msg(await set('DEVICE_STATE(Custom:lamp)', 'INUSE')), 'Success: Variable Set');
  const ev = await c.waitEvent('DeviceStateChange', (m) => m.get('Device') === 'Custom:lamp', 2000);
  assert.equal(ev.get('State'), 'INUSE');
  assert.equal(
    (await c.action('Getvar', [['Variable', 'DEVICE_STATE(Custom:lamp)']])).get('Value'),
    'In use',
  );
  assert.equal(s.pbx.astdb.get('CustomDevstate', 'lamp'), 'INUSE');
  assert.equal(msg(await set('DEVICE_STATE(SIP/test-201)', 'INUSE')), 'Error: Variable not set');
  assert.equal(msg(await set('DEVICE_STATE(Custom:lamp)', 'SIDEWAYS')), 'Error: Variable not set');
  const d = await c.action('DeviceStateList');
  const item = await c.waitEvent(
    'DeviceStateChange',
    (m) => m.get('ActionID') === d.get('ActionID') && m.get('Device') === 'Custom:lamp',
  );
  assert.equal(item.get('State'), 'INUSE');
});

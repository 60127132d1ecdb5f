/**
 * Dialplan, state and astdb actions and the core's CLI commands on the wire: ShowDialPlan,
 * ExtensionState, ExtensionStateList, DeviceStateList, DB*, `core show channels
 * [concise|verbose|count]`, `core show channel`, `dialplan show`, `database show`,
 * `channel request hangup`; astdb persistence across a restart.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawAmi, RawMsg } from '../../src/testing/raw-ami.js';

const HINTS = `
[hints]
exten => 201,hint,SIP/test-201
exten => 201,1,Dial(SIP/test-201,5)
 same => n(done),Hangup()
exten => 202,hint,SIP/test-202&SIP/test-203
exten => _3XX,hint,SIP/test-204
include => default
ignorepat => 9
`;

let s: CoreServer;
before(async () => {
  s = await startCoreServer({ append: { 'extensions.conf': HINTS } });
});
after(async () => {
  await s.dispose();
});

const msg = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;

/** Runs a CLI command; returns Response and the Output lines. */
async function cli(c: RawAmi, command: string): Promise<{ response: string; out: string[] }> {
  const r = await c.action('Command', [['Command', command]]);
  return { response: r.get('Response') ?? '', out: r.all('Output') };
}

/** Collects list items until the Complete event of an action. */
async function list(
  c: RawAmi,
  action: string,
  headers: Array<[string, string]> = [],
): Promise<{ resp: RawMsg; items: RawMsg[]; done: RawMsg }> {
  const resp = await c.action(action, headers);
  const id = resp.get('ActionID');
  const done = await c.waitFor((m) => m.get('ActionID') === id && m.get('EventList') === 'Complete');
  const items = c.seen((m) => m.get('ActionID') === id && m !== resp && m !== done && m.event !== undefined);
  return { resp, items, done };
}

test('ShowDialPlan: items, includes, ignore patterns, counters, errors', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const { resp, items, done } = await list(c, 'ShowDialPlan', [['Context', 'hints']]);
  assert.equal(resp.get('Message'), 'DialPlan list will follow');
  const render = items.map((m) =>
    m.headers
      .filter(([n]) => n !== 'ActionID')
      .map(([n, v]) => `${n}=${v}`)
      .join(' '),
  );
  assert.deepEqual(render, [
    'Event=ListDialplan Context=hints Extension=201 Priority=hint Application=SIP/test-201 Registrar=pbx_config',
    'Event=ListDialplan Context=hints Extension=201 Priority=1 Application=Dial AppData=SIP/test-201,5 Registrar=pbx_config',
    'Event=ListDialplan Context=hints Extension=201 ExtensionLabel=done Priority=2 Application=Hangup AppData= Registrar=pbx_config',
    'Event=ListDialplan Context=hints Extension=202 Priority=hint Application=SIP/test-202&SIP/test-203 Registrar=pbx_config',
    'Event=ListDialplan Context=hints Extension=_3XX Priority=hint Application=SIP/test-204 Registrar=pbx_config',
    'Event=ListDialplan Context=hints IncludeContext=default Registrar=pbx_config',
    'Event=ListDialplan Context=hints IgnorePattern=9 Registrar=pbx_config',
  ]);
  assert.deepEqual(items[0].names(), [
    'Event',
    'ActionID',
    'Context',
    'Extension',
    'Priority',
    'Application',
    'Registrar',
  ]);
  assert.deepEqual(done.headers.slice(2), [
    ['EventList', 'Complete'],
    ['ListItems', '7'],
    ['ListExtensions', '3'],
    ['ListPriorities', '5'],
    ['ListContexts', '1'],
  ]);
  // An extension through an include.
  const inc = await list(c, 'ShowDialPlan', [
    ['Context', 'hints'],
    ['Extension', '100'],
  ]);
  assert.deepEqual(
    inc.items.map((m) => `${m.get('Context')}/${m.get('Extension')}/${m.get('Priority')}`),
    ['default/100/1', 'default/100/2', 'default/100/3'],
  );
  assert.equal(inc.done.get('ListContexts'), '2');
  const all = await list(c, 'ShowDialPlan');
  // The configuration's four contexts and func_periodic_hook's, listed first (the last created).
  assert.equal(all.done.get('ListContexts'), '5');
  assert.equal(all.items[0].get('Context'), '__func_periodic_hook_context__');
  assert.equal(all.items[0].get('Registrar'), 'func_periodic_hook');
  assert.equal(
    msg(await c.action('ShowDialPlan', [['Context', 'nope']])),
    'Error: Did not find context nope',
  );
  assert.equal(
    msg(
      await c.action('ShowDialPlan', [
        ['Context', 'agents'],
        ['Extension', '999'],
      ]),
    ),
    'Error: Did not find extension 999@agents',
  );
  assert.equal(
    msg(await c.action('ShowDialPlan', [['Extension', '88888']])),
    'Error: Did not find extension 88888 in any context',
  );
});

test('ExtensionState, ExtensionStateList, DeviceStateList follow the simulated phones', async () => {
  const c = await s.login();
  assert.equal(
    msg(await c.action('ExtensionState', [['Context', 'hints']])),
    'Error: Extension not specified',
  );
  const r = await c.action('ExtensionState', [
    ['Exten', '201'],
    ['Context', 'hints'],
  ]);
  assert.deepEqual(r.headers.slice(2), [
    ['Message', 'Extension Status'],
    ['Exten', '201'],
    ['Context', 'hints'],
    ['Hint', 'SIP/test-201'],
    ['Status', '0'],
    ['StatusText', 'Idle'],
  ]);
  const none = await c.action('ExtensionState', [['Exten', '100']]);
  assert.deepEqual(
    [none.get('Context'), none.get('Hint'), none.get('Status'), none.get('StatusText')],
    ['default', '', '-1', 'Unknown'],
  );
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-201'],
    ['Mode', 'unreachable'],
  ]);
  const ev = await c.waitEvent('ExtensionStatus', (m) => m.get('Exten') === '201', 3000);
  assert.deepEqual(
    [ev.get('Status'), ev.get('StatusText'), ev.get('Hint')],
    ['4', 'Unavailable', 'SIP/test-201'],
  );
  await c.waitEvent(
    'DeviceStateChange',
    (m) => m.get('Device') === 'SIP/test-201' && m.get('State') === 'UNAVAILABLE',
    3000,
  );
  const l = await list(c, 'ExtensionStateList');
  assert.equal(l.resp.get('Message'), 'Extension Statuses will follow');
  assert.deepEqual(
    l.items.map(
      (m) => `${m.event} ${m.get('Exten')}@${m.get('Context')} ${m.get('Status')} ${m.get('StatusText')}`,
    ),
    // pbx.c's hints container order: ast_str_case_hash("202") % 563 = 51 comes before "201"'s 52.
    ['ExtensionStatus 202@hints 0 Idle', 'ExtensionStatus 201@hints 4 Unavailable'],
  );
  assert.deepEqual(l.items[0].names(), [
    'Event',
    'ActionID',
    'Exten',
    'Context',
    'Hint',
    'Status',
    'StatusText',
  ]);
  const d = await list(c, 'DeviceStateList');
  assert.equal(d.resp.get('Message'), 'Device State Changes will follow');
  const states = new Map(d.items.map((m) => [m.get('Device'), m.get('State')]));
  // The device state cache: SIP/test-201 published its change; SIP/test-202 never published
  // anything (chan_sip answers its state on demand), so it is not listed.
  assert.equal(states.get('SIP/test-201'), 'UNAVAILABLE');
  assert.equal(states.has('SIP/test-202'), false);
  assert.deepEqual(d.items[0].names(), ['Event', 'ActionID', 'Device', 'State']);
  assert.equal(d.done.get('ListItems'), String(d.items.length));
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-201'],
    ['Reset', 'yes'],
  ]);
});

test('DB actions beyond the transcript: errors, key trees, `database show`', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  assert.equal(msg(await c.action('DBPut', [['Key', 'k']])), 'Error: No family specified');
  assert.equal(msg(await c.action('DBGet', [['Key', 'k']])), 'Error: No family specified.');
  assert.equal(msg(await c.action('DBDel', [['Family', 'f']])), 'Error: No key specified.');
  for (const [k, v] of [
    ['a/x', '1'],
    ['a/y', '2'],
    ['b', '3'],
  ])
    assert.equal(
      msg(
        await c.action('DBPut', [
          ['Family', 'fam'],
          ['Key', k],
          ['Val', v],
        ]),
      ),
      'Success: Updated database successfully',
    );
  const t = await list(c, 'DBGetTree', [
    ['Family', 'fam'],
    ['Key', 'a'],
  ]);
  assert.deepEqual(
    t.items.map((m) => `${m.get('Key')}=${m.get('Val')}`),
    ['/fam/a/x=1', '/fam/a/y=2'],
  );
  const shown = await cli(c, 'database show fam');
  assert.equal(shown.response, 'Success');
  assert.deepEqual(shown.out, [
    `${'/fam/a/x'.padEnd(50)}: ${'1'.padEnd(25)}`,
    `${'/fam/a/y'.padEnd(50)}: ${'2'.padEnd(25)}`,
    `${'/fam/b'.padEnd(50)}: ${'3'.padEnd(25)}`,
    '3 results found.',
  ]);
  assert.deepEqual((await cli(c, 'database show fam/a')).out.at(-1), '2 results found.');
  assert.deepEqual((await cli(c, 'database showkey b')).out, [
    `${'/fam/b'.padEnd(50)}: ${'3'.padEnd(25)}`,
    '1 results found.',
  ]);
  assert.equal(
    msg(
      await c.action('DBDelTree', [
        ['Family', 'fam'],
        ['Key', 'a'],
      ]),
    ),
    'Success: Key tree deleted successfully',
  );
  assert.equal((await cli(c, 'database show fam')).out.at(-1), '1 results found.');
  assert.equal(
    msg(await c.action('DBDelTree', [['Family', 'fam']])),
    'Success: Key tree deleted successfully',
  );
  assert.equal((await cli(c, 'database show a b c')).response, 'Error');
});

test('astdb survives a restart of the server (dataDir)', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'amikit-data-'));
  try {
    const one = await startCoreServer({ dataDir });
    const c1 = await one.login('admin', 'admin', [['Events', 'off']]);
    assert.equal(
      msg(
        await c1.action('DBPut', [
          ['Family', 'persist'],
          ['Key', 'k'],
          ['Val', 'kept'],
        ]),
      ),
      'Success: Updated database successfully',
    );
    await one.dispose();
    const two = await startCoreServer({ dataDir });
    const c2 = await two.login('admin', 'admin', [['Events', 'off']]);
    await c2.action('DBGet', [
      ['Family', 'persist'],
      ['Key', 'k'],
    ]);
    const item = await c2.waitEvent('DBGetResponse');
    assert.equal(item.get('Val'), 'kept');
    await two.dispose();
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('CLI: core show channels (all formats), core show channel, dialplan show, channel request hangup', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  const empty = await cli(c, 'core show channels');
  assert.deepEqual(empty.out, [
    'Channel                                                          Location                         State   Application(Data)             ',
    '0 active channels',
    '0 active calls',
    `${s.pbx.stats().callsProcessed} calls processed`.replace(/^1 calls/, '1 call'),
  ]);
  assert.deepEqual((await cli(c, 'core show channels count')).out.slice(0, 2), [
    '0 active channels',
    '0 active calls',
  ]);
  const bad = await cli(c, 'core show channels sideways');
  assert.equal(bad.response, 'Error');
  assert.equal(bad.out[0], 'Usage: core show channels [concise|verbose|count]');
  const r = await c.action(
    'Originate',
    [
      ['Channel', 'Local/100@default'],
      ['Application', 'Wait'],
      ['Data', '20'],
      ['CallerID', '555'],
      ['Timeout', '5000'],
    ],
    5000,
  );
  assert.equal(msg(r), 'Success: Originate successfully queued');
  const name = s.pbx.channels()[0].name;
  const verbose = await cli(c, 'core show channels verbose');
  assert.equal(
    verbose.out[0],
    'Channel                                                                          Context                  Extension                Prio State   Application  Data                      CallerID        Duration Accountcode PeerAccount BridgeID            ',
  );
  // Rows come in the hash order of the channel names (Asterisk's container): here ;2 before ;1.
  assert.match(verbose.out[1], /^Local\/100@default-00000000;2 /);
  assert.match(
    verbose.out[2],
    /^Local\/100@default-[0-9a-f]{8};1 +default +100 + {3}1 Up {6}Wait {9}20 +555 +00:00:0\d/,
  );
  const concise = await cli(c, 'core show channels concise');
  assert.match(
    concise.out[1],
    /^Local\/100@default-[0-9a-f]{8};1!default!100!1!Up!Wait!20!555!!!3!\d+!!\d+\.\d+$/,
  );
  assert.equal(concise.out.length, 2);
  const one = await cli(c, `core show channel ${name}`);
  assert.equal(one.out[0], ' -- General --');
  assert.equal(one.out[1], `           Name: ${name}`);
  assert.ok(one.out.includes('           Type: Local'));
  assert.ok(one.out.includes('      Caller ID: 555'));
  assert.ok(one.out.includes('          State: Up (6)'));
  assert.ok(one.out.includes('    Application: Wait'));
  assert.ok(one.out.includes('      Bridge ID: (Not bridged)'));
  assert.deepEqual((await cli(c, 'core show channel Local/none;1')).out, [
    'Local/none;1 is not a known channel',
  ]);
  assert.equal((await cli(c, 'core show channel')).response, 'Error');

  const dp = await cli(c, 'dialplan show hints');
  assert.deepEqual(dp.out, [
    "[ Context 'hints' created by 'pbx_config' ]",
    `  ${"'201' =>".padEnd(17)} ${'hint: SIP/test-201'.padEnd(45)} [pbx_config]`,
    `  ${''.padEnd(17)} ${'1. Dial(SIP/test-201,5)'.padEnd(45)} [extensions.conf:59]`,
    `  ${'   [done]'.padEnd(17)} ${'2. Hangup()'.padEnd(45)} [extensions.conf:60]`,
    `  ${"'202' =>".padEnd(17)} ${'hint: SIP/test-202&SIP/test-203'.padEnd(45)} [pbx_config]`,
    `  ${"'_3XX' =>".padEnd(17)} ${'hint: SIP/test-204'.padEnd(45)} [pbx_config]`,
    `  Include =>        ${"'default'".padEnd(45)} [pbx_config]`,
    `  Ignore pattern => ${"'9'".padEnd(45)} [pbx_config]`,
    '',
    '-= 3 extensions (5 priorities) in 1 context. =-',
  ]);
  const nodp = await cli(c, 'dialplan show nope');
  assert.deepEqual([nodp.response, nodp.out.at(-1)], ['Error', "There is no existence of 'nope' context"]);
  assert.equal(
    (await cli(c, 'dialplan show 500@default')).out.at(-1),
    '-= 1 extension (3 priorities) in 1 context. =-',
  );

  assert.deepEqual((await cli(c, 'channel request hangup nosuch')).out, ['nosuch is not a known channel']);
  assert.deepEqual((await cli(c, 'channel request hangup /^SIP/')).out, [
    '/^SIP/ did not match a known channel',
  ]);
  const h = await cli(c, `channel request hangup ${name}`);
  assert.deepEqual(h.out, [`Requested Hangup on channel '${name}'`]);
  await c.until(() => s.pbx.channels().length === 0, 3000, 'hangup');
  assert.equal((await cli(c, 'channel request hangup')).response, 'Error');
  assert.equal((await cli(c, 'channel request hangup all')).response, 'Success');
});

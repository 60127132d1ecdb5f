/**
 * The channel actions on the wire against live simulated calls: Hangup, Redirect, Getvar/Setvar,
 * Status, CoreShowChannels, CoreShowChannelMap, Bridge, BridgeList, BridgeInfo, BlindTransfer,
 * Atxfer, PlayDTMF, SendText, AbsoluteTimeout, LocalOptimizeAway; texts as Asterisk 20.20.1.
 */
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawAmi, RawMsg } from '../../src/testing/raw-ami.js';

let s: CoreServer;
before(async () => {
  s = await startCoreServer({
    answerMediaWaitMs: 20,
    editManagerConf: (t) => t + '\n[orig]\nsecret = orig\nread = all\nwrite = originate,call,reporting\n',
  });
});
afterEach(async () => {
  // One half of each Local pair: the PBX recurses when both halves are hung up in one turn.
  for (const ch of s.pbx.channels())
    if (!(ch.localHalf === 2 && ch.localPeer && !ch.localPeer.dead)) s.pbx.hangup(ch, 16);
  const deadline = Date.now() + 3000;
  while (s.pbx.channels().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
});
after(async () => {
  await s.dispose();
});

const msg = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;

/** Async Originate of an application; resolves with the ;1 channel name once answered. */
async function call(c: RawAmi, channel: string, app = 'Wait', data = '30'): Promise<string> {
  const r = await c.action('Originate', [
    ['Channel', channel],
    ['Application', app],
    ['Data', data],
    ['Async', 'true'],
  ]);
  const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'), 5000);
  assert.equal(o.get('Response'), 'Success');
  return o.get('Channel') ?? '';
}

const two = (one: string): string => one.replace(/;1$/, ';2');

test('Hangup: errors, by name with a Cause, by /regex/ as a list', async () => {
  const c = await s.login();
  assert.equal(msg(await c.action('Hangup')), 'Error: No channel specified');
  assert.equal(msg(await c.action('Hangup', [['Channel', 'SIP/nobody-00000000']])), 'Error: No such channel');
  assert.equal(
    msg(await c.action('Hangup', [['Channel', '/abc']])),
    'Error: Regex format invalid, Channel param should be /regex/',
  );
  assert.equal(msg(await c.action('Hangup', [['Channel', '/[/']])), 'Error: Regex compile failed on: /[/');
  const a = await call(c, 'Local/100@default');
  assert.equal(
    msg(
      await c.action('Hangup', [
        ['Channel', two(a)],
        ['Cause', '17'],
      ]),
    ),
    'Success: Channel Hungup',
  );
  const h = await c.waitEvent('Hangup', (m) => m.get('Channel') === two(a), 3000);
  assert.equal(h.get('Cause'), '17');
  assert.equal(h.get('Cause-txt'), 'User busy');
  await c.waitEvent('Hangup', (m) => m.get('Channel') === a, 3000);
  const b = await call(c, 'Local/100@default');
  const r = await c.action('Hangup', [
    ['Channel', '/^Local\\/100@default-.*;[12]$/'],
    ['Cause', 'bogus'],
  ]);
  assert.equal(
    r.raw,
    `Response: Success\r\nActionID: ${r.get('ActionID')}\r\nEventList: start\r\nMessage: Channels hung up will follow`,
  );
  const items = [await c.waitEvent('ChannelHungup'), await c.waitEvent('ChannelHungup')];
  assert.deepEqual(items.map((m) => m.get('Channel')).sort(), [b, two(b)]);
  assert.deepEqual(items[0].names(), ['Event', 'Channel', 'ActionID']);
  const done = await c.waitEvent('ChannelsHungupListComplete');
  assert.deepEqual(done.headers, [
    ['Event', 'ChannelsHungupListComplete'],
    ['ActionID', r.get('ActionID') ?? ''],
    ['EventList', 'Complete'],
    ['ListItems', '2'],
  ]);
  const none = await c.action('Hangup', [['Channel', '/^nothing$/']]);
  assert.equal(none.get('EventList'), 'start');
  assert.equal((await c.waitEvent('ChannelsHungupListComplete')).get('ListItems'), '0');
});

test('Redirect: errors, single and dual', async () => {
  const c = await s.login();
  const a = await call(c, 'Local/100@default');
  const b = await call(c, 'Local/100@default');
  const base: Array<[string, string]> = [
    ['Channel', two(a)],
    ['Context', 'default'],
    ['Exten', '600'],
    ['Priority', '1'],
  ];
  const without = (h: string): Array<[string, string]> => base.filter(([n]) => n !== h);
  assert.equal(msg(await c.action('Redirect', without('Channel'))), 'Error: Channel not specified');
  assert.equal(msg(await c.action('Redirect', without('Context'))), 'Error: Context not specified');
  assert.equal(msg(await c.action('Redirect', without('Exten'))), 'Error: Exten not specified');
  assert.equal(msg(await c.action('Redirect', without('Priority'))), 'Error: Priority not specified');
  assert.equal(
    msg(await c.action('Redirect', [...without('Priority'), ['Priority', 'nolabel']])),
    'Error: Priority is invalid',
  );
  assert.equal(
    msg(await c.action('Redirect', [...without('Channel'), ['Channel', 'Local/x-1;1']])),
    'Error: Channel does not exist: Local/x-1;1',
  );
  const extra: Array<[string, string]> = [
    ['ExtraChannel', two(b)],
    ['ExtraContext', 'default'],
  ];
  assert.equal(msg(await c.action('Redirect', [...base, ...extra])), 'Error: ExtraExten not specified');
  assert.equal(
    msg(await c.action('Redirect', [...base, ...extra, ['ExtraExten', '600']])),
    'Error: ExtraPriority not specified',
  );
  assert.equal(
    msg(await c.action('Redirect', [...base, ...extra, ['ExtraExten', '600'], ['ExtraPriority', 'x']])),
    'Error: ExtraPriority is invalid',
  );
  assert.equal(
    msg(
      await c.action('Redirect', [
        ...base,
        ['ExtraChannel', 'Local/none;2'],
        ['ExtraContext', 'default'],
        ['ExtraExten', '600'],
        ['ExtraPriority', '1'],
      ]),
    ),
    'Error: ExtraChannel does not exist: Local/none;2',
  );
  assert.equal(msg(await c.action('Redirect', base)), 'Success: Redirect successful');
  await c.waitEvent('VarSet', (m) => m.get('Channel') === two(a) && m.get('Variable') === 'REDIRECTED', 3000);
  const dual = await c.action('Redirect', [
    ['Channel', a],
    ...without('Channel'),
    ...extra,
    ['ExtraExten', '600'],
    ['ExtraPriority', '1'],
  ]);
  assert.equal(msg(dual), 'Success: Dual Redirect successful');
  await c.waitEvent('VarSet', (m) => m.get('Channel') === two(b) && m.get('Variable') === 'REDIRECTED', 3000);
  await c.waitEvent('VarSet', (m) => m.get('Channel') === a && m.get('Variable') === 'REDIRECTED', 3000);
});

test('Getvar / Setvar: channel, global, functions, guards', async () => {
  const c = await s.login();
  assert.equal(msg(await c.action('Setvar', [['Value', 'x']])), 'Error: No variable specified');
  assert.equal(msg(await c.action('Getvar')), 'Error: No variable specified');
  assert.equal(
    msg(
      await c.action('Setvar', [
        ['Channel', 'nope'],
        ['Variable', 'A'],
      ]),
    ),
    'Error: No such channel',
  );
  assert.equal(
    msg(
      await c.action('Getvar', [
        ['Channel', 'nope'],
        ['Variable', 'A'],
      ]),
    ),
    'Error: No such channel',
  );
  const g = await c.action('Getvar', [['Variable', 'GLOBALTEST']]);
  assert.deepEqual(g.headers, [
    ['Response', 'Success'],
    ['ActionID', g.get('ActionID') ?? ''],
    ['Variable', 'GLOBALTEST'],
    ['Value', 'hello'],
  ]);
  assert.equal(
    msg(
      await c.action('Setvar', [
        ['Variable', 'GLOBALFOO'],
        ['Value', 'bar'],
      ]),
    ),
    'Success: Variable Set',
  );
  const gv = await c.waitEvent('VarSet', (m) => m.get('Variable') === 'GLOBALFOO');
  // varset_to_ami(): a global has no snapshot, so `none` stands in for the channel.
  assert.deepEqual(
    gv.headers.map(([n]) => n),
    ['Event', 'Privilege', 'Channel', 'Uniqueid', 'Variable', 'Value'],
  );
  assert.equal(gv.get('Channel'), 'none');
  assert.equal(gv.get('Uniqueid'), 'none');
  // The event's value is C-escaped (ast_escape_c_alloc); Getvar answers the raw value.
  await c.action('Setvar', [
    ['Variable', 'GLOBALQ'],
    ['Value', `it's "q"?\\`],
  ]);
  const q = await c.waitEvent('VarSet', (m) => m.get('Variable') === 'GLOBALQ');
  assert.equal(q.get('Value'), `it\\'s \\"q\\"\\?\\\\`);
  assert.equal((await c.action('Getvar', [['Variable', 'GLOBALQ']])).get('Value'), `it's "q"?\\`);
  assert.equal((await c.action('Getvar', [['Variable', 'GLOBALFOO']])).get('Value'), 'bar');
  assert.equal((await c.action('Getvar', [['Variable', 'UNSET_ANYWHERE']])).get('Value'), '');
  assert.equal((await c.action('Getvar', [['Variable', 'LEN(abcd)']])).get('Value'), '4');
  const a = await call(c, 'Local/100@default');
  assert.equal(
    msg(
      await c.action('Setvar', [
        ['Channel', a],
        ['Variable', 'FOO'],
        ['Value', 'one'],
      ]),
    ),
    'Success: Variable Set',
  );
  const vs = await c.waitEvent('VarSet', (m) => m.get('Variable') === 'FOO');
  assert.equal(vs.get('Channel'), a);
  assert.equal(vs.get('Privilege'), 'dialplan,all');
  assert.equal(
    (
      await c.action('Getvar', [
        ['Channel', a],
        ['Variable', 'FOO'],
      ])
    ).get('Value'),
    'one',
  );
  assert.equal(
    (
      await c.action('Getvar', [
        ['Channel', a],
        ['Variable', 'CHANNEL(state)'],
      ])
    ).get('Value'),
    'Up',
  );
  assert.equal(
    msg(
      await c.action('Setvar', [
        ['Channel', a],
        ['Variable', 'CALLERID(name)'],
        ['Value', 'Bob'],
      ]),
    ),
    'Success: Variable Set',
  );
  const nc = await c.waitEvent('NewCallerid', (m) => m.get('Channel') === a);
  assert.equal(nc.get('CallerIDName'), 'Bob');
  assert.equal(
    msg(
      await c.action('Setvar', [
        ['Channel', a],
        ['Variable', 'LEN(x)'],
        ['Value', '1'],
      ]),
    ),
    'Error: Variable not set',
  );
  // SHELL / EVAL need the system write class.
  const o = await s.login('orig', 'orig', [['Events', 'off']]);
  assert.equal(
    msg(await o.action('Getvar', [['Variable', 'SHELL(id)']])),
    'Error: GetVar Access Forbidden: Variable',
  );
  assert.equal(
    msg(await o.action('Status', [['Variables', 'EVAL(x)']])),
    'Error: Status Access Forbidden: Variables',
  );
});

test('Status, CoreShowChannels, AbsoluteTimeout, SendText, PlayDTMF', async () => {
  const c = await s.login();
  assert.equal(msg(await c.action('Status', [['Channel', 'Local/nosuch-0000;1']])), 'Error: No such channel');
  const a = await call(c, 'Local/100@default', 'Wait', '30');
  await c.waitEvent('Newexten', (m) => m.get('Channel') === two(a) && m.get('Application') === 'Wait', 3000);
  await c.action('Setvar', [
    ['Channel', a],
    ['Variable', 'ZED'],
    ['Value', 'z'],
  ]);
  const st = await c.action('Status', [
    ['Channel', a],
    ['AllVariables', 'true'],
  ]);
  const item = await c.waitEvent('Status', (m) => m.get('ActionID') === st.get('ActionID'));
  assert.deepEqual(item.names().slice(0, 3), ['Event', 'Privilege', 'Channel']);
  assert.equal(item.get('Privilege'), 'Call');
  assert.equal(item.get('Type'), 'Local');
  assert.equal(item.get('Application'), 'Wait');
  assert.equal(item.get('Data'), '30');
  assert.ok(item.all('Variable').includes('ZED=z'));
  assert.equal(item.names().at(-1), 'ActionID');
  const sc = await c.waitEvent('StatusComplete', (m) => m.get('ActionID') === st.get('ActionID'));
  assert.deepEqual(sc.names(), ['Event', 'ActionID', 'EventList', 'ListItems', 'Items']);
  const all = await c.action('Status');
  assert.equal(
    (await c.waitEvent('StatusComplete', (m) => m.get('ActionID') === all.get('ActionID'))).get('Items'),
    '2',
  );
  const csc = await c.action('CoreShowChannels');
  assert.equal(csc.get('Message'), 'Channels will follow');
  const rows = [await c.waitEvent('CoreShowChannel'), await c.waitEvent('CoreShowChannel')];
  assert.deepEqual(rows[0].names().slice(0, 3), ['Event', 'ActionID', 'Channel']);
  assert.deepEqual(rows[0].names().slice(-4), ['Application', 'ApplicationData', 'Duration', 'BridgeId']);
  assert.match(rows[0].get('Duration') ?? '', /^00:00:0\d$/);
  assert.equal((await c.waitEvent('CoreShowChannelsComplete')).get('ListItems'), '2');

  assert.equal(msg(await c.action('SendText', [['Message', 'hi']])), 'Error: No channel specified');
  assert.equal(msg(await c.action('SendText', [['Channel', a]])), 'Error: No Message specified');
  assert.equal(
    msg(
      await c.action('SendText', [
        ['Channel', 'x'],
        ['Message', 'hi'],
      ]),
    ),
    'Error: No such channel',
  );
  assert.equal(
    msg(
      await c.action('SendText', [
        ['Channel', a],
        ['Message', 'hi'],
      ]),
    ),
    'Success: Success',
  );

  assert.equal(
    msg(
      await c.action('PlayDTMF', [
        ['Channel', 'x'],
        ['Digit', '1'],
      ]),
    ),
    'Error: Channel not found',
  );
  assert.equal(msg(await c.action('PlayDTMF', [['Channel', a]])), 'Error: No digit specified');
  assert.equal(
    msg(
      await c.action('PlayDTMF', [
        ['Channel', a],
        ['Digit', '1'],
        ['Duration', 'long'],
      ]),
    ),
    'Error: Could not convert Duration parameter',
  );
  assert.equal(
    msg(
      await c.action('PlayDTMF', [
        ['Channel', a],
        ['Digit', '59'],
        ['Duration', '80'],
      ]),
    ),
    'Success: DTMF successfully queued',
  );
  // Sent to a Local half: its peer reads the digit (ast_unreal_digit_begin/end), at least 100 ms
  // long (AST_DEFAULT_EMULATE_DTMF_DURATION); the half it was sent to raises nothing.
  const db = await c.waitEvent('DTMFBegin', (m) => m.get('Channel') === two(a));
  assert.deepEqual(
    [db.get('Digit'), db.get('Direction'), db.get('Privilege')],
    ['5', 'Received', 'dtmf,all'],
  );
  const de = await c.waitEvent('DTMFEnd', (m) => m.get('Channel') === two(a), 2000);
  assert.deepEqual([de.get('Digit'), de.get('DurationMs')], ['5', '100']);
  // Received: a DTMF end frame queued on the channel itself, no begin, its length as given.
  await c.action('PlayDTMF', [
    ['Channel', a],
    ['Digit', '#'],
    ['Receive', 'yes'],
  ]);
  const re = await c.waitEvent('DTMFEnd', (m) => m.get('Digit') === '#');
  assert.deepEqual([re.get('Channel'), re.get('Direction'), re.get('DurationMs')], [a, 'Received', '0']);
  assert.ok(!c.msgs.some((m) => m.get('Event') === 'DTMFBegin' && m.get('Channel') === a));

  assert.equal(msg(await c.action('AbsoluteTimeout', [['Timeout', '1']])), 'Error: No channel specified');
  assert.equal(msg(await c.action('AbsoluteTimeout', [['Channel', a]])), 'Error: No timeout specified');
  assert.equal(
    msg(
      await c.action('AbsoluteTimeout', [
        ['Channel', 'x'],
        ['Timeout', '1'],
      ]),
    ),
    'Error: No such channel',
  );
  assert.equal(
    msg(
      await c.action('AbsoluteTimeout', [
        ['Channel', two(a)],
        ['Timeout', '0.3'],
      ]),
    ),
    'Success: Timeout Set',
  );
  const st2 = await c.action('Status', [['Channel', two(a)]]);
  const it2 = await c.waitEvent('Status', (m) => m.get('ActionID') === st2.get('ActionID'));
  assert.ok(
    Number(it2.get('TimeToHangup')) >= Math.floor(Date.now() / 1000) - 1,
    'TimeToHangup is the epoch second',
  );
  // The timeout ends the dialplan (ast_check_hangup sets the TIMEOUT flag silently).
  await c.waitEvent('Hangup', (m) => m.get('Channel') === two(a), 3000);
});

test('Bridge, BridgeList, BridgeInfo, CoreShowChannelMap, BlindTransfer, Atxfer, LocalOptimizeAway', async () => {
  const c = await s.login();
  const a = await call(c, 'Local/100@default');
  const b = await call(c, 'Local/100@default');
  assert.equal(
    msg(await c.action('Bridge', [['Channel1', a]])),
    'Error: Missing channel parameter in request',
  );
  assert.equal(
    msg(
      await c.action('Bridge', [
        ['Channel1', 'nope'],
        ['Channel2', b],
      ]),
    ),
    'Error: Channel1 does not exist: nope',
  );
  assert.equal(
    msg(
      await c.action('Bridge', [
        ['Channel1', a],
        ['Channel2', 'nope'],
      ]),
    ),
    'Error: Channel2 does not exist: nope',
  );
  // BlindTransfer of an unbridged channel is invalid.
  assert.equal(msg(await c.action('BlindTransfer', [['Exten', '600']])), 'Error: No channel specified');
  assert.equal(msg(await c.action('BlindTransfer', [['Channel', a]])), 'Error: No extension specified');
  assert.equal(
    msg(
      await c.action('BlindTransfer', [
        ['Channel', 'x'],
        ['Exten', '600'],
      ]),
    ),
    'Error: Channel specified does not exist',
  );
  assert.equal(
    msg(
      await c.action('BlindTransfer', [
        ['Channel', a],
        ['Exten', '600'],
      ]),
    ),
    'Error: Transfer invalid',
  );
  assert.equal((await c.waitEvent('BlindTransfer')).get('Result'), 'Invalid');

  assert.equal(
    msg(
      await c.action('Bridge', [
        ['Channel1', a],
        ['Channel2', b],
      ]),
    ),
    'Success: Channels have been bridged',
  );
  const be = await c.waitEvent('BridgeEnter', (m) => m.get('Channel') === b);
  const bid = be.get('BridgeUniqueid') ?? '';
  const bl = await c.action('BridgeList');
  assert.equal(bl.get('Message'), 'Bridge listing will follow');
  const li = await c.waitEvent('BridgeListItem', (m) => m.get('ActionID') === bl.get('ActionID'));
  assert.deepEqual(li.names(), [
    'Event',
    'ActionID',
    'BridgeUniqueid',
    'BridgeType',
    'BridgeTechnology',
    'BridgeCreator',
    'BridgeName',
    'BridgeNumChannels',
    'BridgeVideoSourceMode',
  ]);
  assert.equal(li.get('BridgeNumChannels'), '2');
  assert.equal((await c.waitEvent('BridgeListComplete')).get('ListItems'), '1');
  const bt = await c.action('BridgeList', [['BridgeType', 'softmix']]);
  assert.equal(
    (await c.waitEvent('BridgeListComplete', (m) => m.get('ActionID') === bt.get('ActionID'))).get(
      'ListItems',
    ),
    '0',
  );

  assert.equal(msg(await c.action('BridgeInfo')), 'Error: BridgeUniqueid must be provided');
  assert.equal(
    msg(await c.action('BridgeInfo', [['BridgeUniqueid', 'nope']])),
    'Error: Specified BridgeUniqueid not found',
  );
  const bi = await c.action('BridgeInfo', [['BridgeUniqueid', bid]]);
  assert.equal(bi.get('Message'), 'Bridge channel listing will follow');
  const chans = [await c.waitEvent('BridgeInfoChannel'), await c.waitEvent('BridgeInfoChannel')];
  assert.deepEqual(chans.map((m) => m.get('Channel')).sort(), [a, b].sort());
  const bic = await c.waitEvent('BridgeInfoComplete');
  assert.deepEqual(bic.names().slice(0, 5), [
    'Event',
    'ActionID',
    'EventList',
    'ListItems',
    'BridgeUniqueid',
  ]);
  assert.equal(bic.get('BridgeUniqueid'), bid);

  const map = await c.action('CoreShowChannelMap', [['Channel', a]]);
  assert.equal(map.get('Message'), 'Channel map will follow');
  const m1 = [await c.waitEvent('CoreShowChannelMap'), await c.waitEvent('CoreShowChannelMap')];
  assert.deepEqual(
    m1.map((m) => m.get('ConnectedChannel')),
    [b, two(b)],
  );
  assert.deepEqual(m1[0].names(), ['Event', 'ActionID', 'Channel', 'ConnectedChannel']);
  assert.equal((await c.waitEvent('CoreShowChannelMapComplete')).get('ListItems'), '2');
  c.write('Action: CoreShowChannelMap\r\nActionID: nomap\r\n\r\n');
  await c.until(
    () =>
      c.text.includes(
        'Response: Error\r\nActionID: nomap\r\nMessage: CoreShowChannelMap requires a channel.\n\r\n',
      ),
    3000,
    'map error',
  );

  assert.equal(msg(await c.action('LocalOptimizeAway')), "Error: 'Channel' not specified.");
  assert.equal(
    msg(await c.action('LocalOptimizeAway', [['Channel', 'nope']])),
    'Error: Channel does not exist.',
  );
  assert.equal(
    msg(await c.action('LocalOptimizeAway', [['Channel', a]])),
    'Success: Queued channel to be optimized away',
  );

  assert.equal(msg(await c.action('Atxfer', [['Exten', '100']])), 'Error: No channel specified');
  assert.equal(msg(await c.action('Atxfer', [['Channel', a]])), 'Error: No extension specified');
  assert.equal(
    msg(
      await c.action('Atxfer', [
        ['Channel', 'x'],
        ['Exten', '100'],
      ]),
    ),
    'Error: Channel specified does not exist',
  );

  // BlindTransfer: the peer goes to 600@default, the transferer hangs up.
  assert.equal(
    msg(
      await c.action('BlindTransfer', [
        ['Channel', a],
        ['Exten', '600'],
        ['Context', 'default'],
      ]),
    ),
    'Success: Transfer succeeded',
  );
  const bte = await c.waitEvent('BlindTransfer', (m) => m.get('Result') === 'Success');
  assert.equal(bte.get('TransfererChannel'), a);
  assert.equal(bte.get('TransfereeChannel'), b);
  await c.waitEvent('VarSet', (m) => m.get('Channel') === b && m.get('Variable') === 'REDIRECTED', 3000);
  await c.waitEvent('Hangup', (m) => m.get('Channel') === a, 3000);
});

test('Atxfer: the transferer dials the target through a Local channel', async () => {
  const c = await s.login();
  const a = await call(c, 'Local/100@default');
  const b = await call(c, 'Local/100@default');
  await c.action('Bridge', [
    ['Channel1', a],
    ['Channel2', b],
  ]);
  await c.waitEvent('BridgeEnter', (m) => m.get('Channel') === a);
  const r = await c.action('Atxfer', [
    ['Channel', a],
    ['Exten', '600'],
    ['Context', 'default'],
  ]);
  assert.equal(msg(r), 'Success: Atxfer successfully queued');
  await c.waitEvent('Hold', (m) => m.get('Channel') === b, 3000);
  await c.waitEvent('Newchannel', (m) => /^Local\/600@default-/.test(m.get('Channel') ?? ''), 3000);
  assert.equal(
    (
      await c.action('Getvar', [
        ['Channel', a],
        ['Variable', 'TRANSFER_CONTEXT'],
      ])
    ).get('Value'),
    'default',
  );
});

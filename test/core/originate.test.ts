/**
 * Originate on the wire: every parameter, sync and async, OriginateResponse and its Reason codes,
 * Asterisk's error texts, the system-class guard, and manager.conf `setvar` on originated channels.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawMsg } from '../../src/testing/raw-ami.js';

let s: CoreServer;
before(async () => {
  s = await startCoreServer({
    editManagerConf: (t) =>
      t +
      '\n[orig]\nsecret = orig\nread = all\nwrite = originate,call\n' +
      '\n[varuser]\nsecret = varuser\nread = all\nwrite = all\nsetvar = X=1\nsetvar = Y=2\n',
  });
});
after(async () => {
  await s.dispose();
});

const err = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;

test('Originate error texts', async () => {
  const c = await s.login('admin', 'admin', [['Events', 'off']]);
  assert.equal(err(await c.action('Originate', [['Application', 'Wait']])), 'Error: Channel not specified');
  assert.equal(
    err(
      await c.action('Originate', [
        ['Channel', 'Local'],
        ['Application', 'Wait'],
      ]),
    ),
    'Error: Invalid channel',
  );
  assert.equal(
    err(
      await c.action('Originate', [
        ['Channel', 'Local/100@default'],
        ['Context', 'default'],
        ['Exten', '100'],
        ['Priority', 'nolabel'],
      ]),
    ),
    'Error: Invalid priority',
  );
  assert.equal(
    err(
      await c.action('Originate', [
        ['Channel', 'Local/100@default'],
        ['Application', 'Wait'],
        ['Timeout', 'soon'],
      ]),
    ),
    'Error: Invalid timeout',
  );
  assert.equal(
    err(
      await c.action('Originate', [
        ['Channel', 'Local/100@default'],
        ['Context', 'default'],
        ['Exten', '999'],
        ['Priority', '1'],
      ]),
    ),
    'Error: Extension does not exist.',
  );
  assert.equal(
    err(
      await c.action('Originate', [
        ['Channel', 'Local/100@default'],
        ['Context', 'default'],
        ['Exten', '100'],
      ]),
    ),
    "Error: Originate with 'Exten' requires 'Context' and 'Priority'",
  );
  assert.equal(
    err(
      await c.action('Originate', [
        ['Channel', 'Bogus/123'],
        ['Application', 'Wait'],
        ['Data', '1'],
      ]),
    ),
    'Error: Originate failed',
  );
  // A too long ChannelId: Asterisk's message ends with a newline of its own.
  c.write(
    `Action: Originate\r\nActionID: long\r\nChannel: Local/100@default\r\nApplication: Wait\r\nChannelId: ${'x'.repeat(150)}\r\n\r\n`,
  );
  await c.until(
    () =>
      c.text.includes(
        'Response: Error\r\nActionID: long\r\nMessage: Uniqueid length exceeds maximum of 149\n\r\n\r\n',
      ),
    3000,
    'uniqueid error',
  );
  // A label as Priority resolves through the dialplan (none in the recorded one): still invalid.
  assert.equal(s.pbx.channels().length, 0);
});

test('Originate: applications and data Asterisk guards need the system class', async () => {
  const c = await s.login('orig', 'orig', [['Events', 'off']]);
  for (const [app, data] of [
    ['System', 'echo hi'],
    ['Exec', 'Wait(1)'],
    ['AGI', 'x.agi'],
    ['MixMonitor', 'x.wav'],
    ['Wait', '${SHELL(id)}'],
    ['NoOp', '${DB(f/k)}'],
    ['Queue', 'q,,,,,some.agi'],
  ]) {
    const r = await c.action('Originate', [
      ['Channel', 'Local/100@default'],
      ['Application', app],
      ['Data', data],
      ['Async', 'yes'],
    ]);
    assert.equal(err(r), 'Error: Originate Access Forbidden: app or data blacklisted', `${app}(${data})`);
  }
  // Not guarded: plain Queue, lower-case db.
  const ok = await c.action('Originate', [
    ['Channel', 'Local/500@default'],
    ['Application', 'NoOp'],
    ['Data', 'db'],
    ['Async', 'yes'],
  ]);
  assert.equal(err(ok), 'Success: Originate successfully queued');
  // The admin (write = all, so system) may.
  const a = await s.login('admin', 'admin', [['Events', 'off']]);
  const sys = await a.action('Originate', [
    ['Channel', 'Local/500@default'],
    ['Application', 'Verbose'],
    ['Data', 'EVAL'],
    ['Async', 'yes'],
  ]);
  assert.equal(err(sys), 'Success: Originate successfully queued');
  await a.until(() => s.pbx.channels().length === 0, 5000, 'calls end');
});

test('async Originate to an extension: OriginateResponse with Context/Exten, caller ID, ids, account', async () => {
  const c = await s.login('admin', 'admin');
  const r = await c.action('Originate', [
    ['Channel', 'Local/600@default'],
    ['Context', 'default'],
    ['Exten', '600'],
    ['Priority', '1'],
    ['CallerID', `"Ref O'Test" <555-1234>`],
    ['Account', 'acct7'],
    ['ChannelId', 'chan-one'],
    ['OtherChannelId', 'chan-two'],
    ['Async', 'true'],
    ['Timeout', '5000'],
  ]);
  assert.equal(err(r), 'Success: Originate successfully queued');
  const id = r.get('ActionID');
  const resp = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === id, 5000);
  assert.deepEqual(resp.names(), [
    'Event',
    'Privilege',
    'ActionID',
    'Response',
    'Channel',
    'Context',
    'Exten',
    'Reason',
    'Uniqueid',
    'CallerIDNum',
    'CallerIDName',
  ]);
  assert.equal(resp.get('Privilege'), 'call,all');
  assert.equal(resp.get('Response'), 'Success');
  assert.match(resp.get('Channel') ?? '', /^Local\/600@default-[0-9a-f]{8};1$/);
  assert.equal(resp.get('Reason'), '4');
  assert.equal(resp.get('Uniqueid'), 'chan-one');
  assert.equal(resp.get('CallerIDNum'), '5551234');
  // OriginateResponse prints the name as given; channel events C-escape it (manager_channels.c).
  assert.equal(resp.get('CallerIDName'), "Ref O'Test");
  const nc2 = await c.waitEvent('Newchannel', (m) => (m.get('Channel') ?? '').endsWith(';2'));
  assert.equal(nc2.get('Uniqueid'), 'chan-two');
  assert.equal(nc2.get('Linkedid'), 'chan-one');
  // The ;1 half runs 600@default too (Set(REDIRECTED=yes) then Wait(600)).
  const redirected = await c.waitEvent(
    'VarSet',
    (m) => m.get('Variable') === 'REDIRECTED' && m.get('Uniqueid') === 'chan-one',
    5000,
  );
  assert.equal(redirected.get('CallerIDName'), "Ref O\\'Test");
  const st = await c.action('Getvar', [
    ['Channel', resp.get('Channel') ?? ''],
    ['Variable', 'CDR(accountcode)'],
  ]);
  assert.equal(st.get('Value'), 'acct7');
  const h = await c.action('Hangup', [['Channel', '/^Local\\/600@default-/']]);
  assert.equal(h.get('EventList'), 'start');
  await c.waitEvent('ChannelsHungupListComplete');
  await c.until(() => s.pbx.channels().length === 0, 5000, 'hangup');
});

test('async Originate failures: Reason 0 for a missing extension, 5 for a busy phone, 3 on timeout', async () => {
  const c = await s.login('admin', 'admin');
  const r1 = await c.action('Originate', [
    ['Channel', 'Local/999@default'],
    ['Application', 'Wait'],
    ['Data', '1'],
    ['Async', '1'],
  ]);
  const o1 = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r1.get('ActionID'), 5000);
  assert.deepEqual(
    [
      o1.get('Response'),
      o1.get('Channel'),
      o1.get('Application'),
      o1.get('Data'),
      o1.get('Reason'),
      o1.get('Uniqueid'),
      o1.get('CallerIDNum'),
    ],
    ['Failure', 'Local/999@default', 'Wait', '1', '0', '<unknown>', '<unknown>'],
  );
  const se = await c.action('SimEndpoint', [
    ['Endpoint', 'test-201'],
    ['Mode', 'busy'],
    ['AnswerAfter', '50'],
  ]);
  assert.equal(se.get('Mode'), 'busy');
  const r2 = await c.action('Originate', [
    ['Channel', 'SIP/test-201'],
    ['Application', 'Wait'],
    ['Data', '1'],
    ['Async', 'yes'],
  ]);
  const o2 = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r2.get('ActionID'), 5000);
  assert.equal(o2.get('Response'), 'Failure');
  assert.equal(o2.get('Reason'), '5');
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-201'],
    ['Mode', 'noanswer'],
  ]);
  const r3 = await c.action('Originate', [
    ['Channel', 'SIP/test-201'],
    ['Application', 'Wait'],
    ['Data', '1'],
    ['Async', 'yes'],
    ['Timeout', '300'],
  ]);
  const o3 = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r3.get('ActionID'), 5000);
  assert.equal(o3.get('Response'), 'Failure');
  assert.equal(o3.get('Reason'), '3');
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-201'],
    ['Reset', 'yes'],
  ]);
  await c.until(() => s.pbx.channels().length === 0, 5000, 'calls end');
});

test('sync Originate: the response comes when answered, before the held events; failure after the timeout', async () => {
  const c = await s.login('admin', 'admin');
  const before = c.text.length;
  const r = await c.action(
    'Originate',
    [
      ['Channel', 'Local/500@default'],
      ['Application', 'Wait'],
      ['Data', '1'],
      ['Timeout', '10000'],
    ],
    5000,
  );
  assert.equal(err(r), 'Success: Originate successfully queued');
  const text = c.text.slice(before);
  assert.ok(text.indexOf('Response: Success') < text.indexOf('Event: Newchannel'), 'response first');
  await c.waitEvent(
    'Newstate',
    (m) => (m.get('Channel') ?? '').endsWith(';1') && m.get('ChannelState') === '6',
  );
  assert.equal(
    c.seen((m) => m.event === 'OriginateResponse' && m.get('ActionID') === r.get('ActionID')).length,
    0,
    'no OriginateResponse when sync',
  );
  await c.action('SimEndpoint', [
    ['Endpoint', 'SIP/test-202'],
    ['Mode', 'noanswer'],
  ]);
  const t0 = Date.now();
  const f = await c.action(
    'Originate',
    [
      ['Channel', 'SIP/test-202'],
      ['Application', 'Wait'],
      ['Data', '1'],
      ['Timeout', '400'],
    ],
    5000,
  );
  assert.equal(err(f), 'Error: Originate failed');
  assert.ok(Date.now() - t0 >= 350, 'waited for the timeout');
  await c.action('SimEndpoint', [
    ['Endpoint', 'SIP/test-202'],
    ['Reset', 'yes'],
  ]);
  await c.until(() => s.pbx.channels().length === 0, 5000, 'calls end');
});

test('Originate variables: repeated and comma-separated, after the user setvars, in Asterisk order; Codecs', async () => {
  const c = await s.login('varuser', 'varuser');
  const r = await c.action('Originate', [
    ['Channel', 'Local/100@default'],
    ['Application', 'Wait'],
    ['Data', '30'],
    ['Variable', 'A=1,B=2'],
    ['Variable', 'C=3=three'],
    ['Codecs', 'ulaw,alaw'],
    ['Async', 'true'],
  ]);
  const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'), 5000);
  const chan = o.get('Channel') ?? '';
  const sets = c
    .seen((m) => m.event === 'VarSet' && m.get('Channel') === chan)
    .map((m) => `${m.get('Variable')}=${m.get('Value')}`);
  assert.deepEqual(sets.slice(0, 5), ['Y=2', 'X=1', 'C=3=three', 'B=2', 'A=1']);
  const st = await c.action('Status', [
    ['Channel', chan],
    ['Variables', 'A,X,NOPE'],
  ]);
  assert.equal(st.get('EventList'), 'start');
  const item = await c.waitEvent('Status', (m) => m.get('ActionID') === st.get('ActionID'));
  assert.equal(item.get('Nativeformats'), '(ulaw|alaw)');
  assert.equal(item.get('Readformat'), 'ulaw');
  assert.deepEqual(item.all('Variable'), ['A=1', 'X=1', 'NOPE=(null)']);
  await c.action('Hangup', [['Channel', chan]]);
  await c.until(() => s.pbx.channels().length === 0, 5000, 'calls end');
});

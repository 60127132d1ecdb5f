/**
 * Domain events reach the sessions with manager.conf `channelvars` appended as Asterisk does
 * (`ChanVariable: NAME=value` on channel events, `ChanVariable(channel): NAME=value` on
 * OriginateResponse, unset ones empty); cdr_manager.conf decides whether Cdr events are sent;
 * cdr.conf feeds CoreSettings; CoreStatus counts the PBX's channels.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCoreServer } from './helpers.js';

test('channelvars on channel events and OriginateResponse; no Cdr events when cdr_manager is off', async () => {
  const s = await startCoreServer({
    editManagerConf: (t) => t.replace(/^\[general\]$/m, '[general]\nchannelvars = FOO,BAR'),
    append: { 'cdr_manager.conf': '\nenabled = no\n', 'cdr.conf': '' },
  });
  try {
    const c = await s.login();
    const r = await c.action('Originate', [
      ['Channel', 'Local/500@default'],
      ['Application', 'Wait'],
      ['Data', '1'],
      ['Variable', 'FOO=one'],
      ['Async', 'true'],
    ]);
    const o = await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'), 5000);
    const chan = o.get('Channel') ?? '';
    assert.deepEqual(o.names().slice(-2), [`ChanVariable(${chan})`, `ChanVariable(${chan})`]);
    assert.deepEqual(o.all(`ChanVariable(${chan})`), ['FOO=one', 'BAR=']);
    const ds = await c.waitEvent('Newstate', (m) => m.get('Channel') === chan);
    assert.deepEqual(ds.names().slice(-3), ['Linkedid', 'ChanVariable', 'ChanVariable']);
    assert.deepEqual(ds.all('ChanVariable'), ['FOO=one', 'BAR=']);
    assert.equal(ds.get('Linkedid'), ds.get('Uniqueid'));
    const nc = c.seen((m) => m.event === 'Newchannel' && m.get('Channel') === chan)[0];
    assert.deepEqual(nc.all('ChanVariable'), ['FOO=', 'BAR=']);
    const dial = c.seen((m) => m.event === 'DialBegin')[0];
    assert.ok(dial.names().includes('DestChanVariable'));
    await c.waitEvent('Hangup', (m) => m.get('Channel') === chan, 5000);
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(c.seen((m) => m.event === 'Cdr').length, 0, 'cdr_manager disabled');
    const cs = await c.action('CoreSettings');
    assert.equal(cs.get('CoreCDRenabled'), 'Yes');
  } finally {
    await s.dispose();
  }
});

test('CoreStatus counts the PBX channels; Cdr events with cdr_manager on', async () => {
  const s = await startCoreServer();
  try {
    const c = await s.login();
    const r = await c.action('Originate', [
      ['Channel', 'Local/100@default'],
      ['Application', 'Wait'],
      ['Data', '30'],
      ['Async', 'true'],
    ]);
    await c.waitEvent('OriginateResponse', (m) => m.get('ActionID') === r.get('ActionID'), 5000);
    const st = await c.action('CoreStatus');
    assert.equal(st.get('CoreCurrentCalls'), '2');
    assert.equal(st.get('CoreProcessedCalls'), String(s.pbx.stats().callsProcessed));
    await c.action('Hangup', [['Channel', '/^Local\\//']]);
    const cdr = await c.waitEvent('Cdr', () => true, 5000);
    assert.equal(cdr.get('Privilege'), 'cdr,all');
    assert.equal(cdr.get('Destination'), '100');
  } finally {
    await s.dispose();
  }
});

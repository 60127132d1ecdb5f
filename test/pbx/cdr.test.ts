import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { csvLine, dispositionFor, formatCdrTime, type CdrRecord } from '../../src/pbx/cdr.js';
import { makePbx } from './helpers.js';

test('cdr_csv line format: quoted strings, bare integers, optional uniqueid/userfield', () => {
  const r: CdrRecord = {
    accountCode: 'acc',
    source: '5551234',
    destination: '500',
    destinationContext: 'default',
    callerId: '"Ref "Q" Test" <5551234>',
    channel: 'Local/500@default-00000004;1',
    destinationChannel: '',
    lastApplication: 'Hangup',
    lastData: '',
    start: Date.UTC(2026, 10, 22, 11, 10, 34),
    answer: Date.UTC(2026, 10, 22, 11, 10, 34),
    end: Date.UTC(2026, 10, 22, 11, 10, 35),
    startTime: '',
    answerTime: '',
    endTime: '',
    duration: 1,
    billableSeconds: 1,
    disposition: 'ANSWERED',
    amaFlags: 'DOCUMENTATION',
    uniqueId: '1795345834.8',
    userField: 'uf',
    linkedId: '1795345834.8',
    peerAccount: '',
    sequence: 0,
  };
  assert.equal(
    csvLine(r, { loguniqueid: true, loguserfield: true, usegmtime: true }),
    '"acc","5551234","500","default","""Ref ""Q"" Test"" <5551234>","Local/500@default-00000004;1","","Hangup","","2026-11-22 11:10:34","2026-11-22 11:10:34","2026-11-22 11:10:35",1,1,"ANSWERED","DOCUMENTATION","1795345834.8","uf"',
  );
  assert.equal(
    csvLine({ ...r, answer: 0 }, { loguniqueid: false, loguserfield: false, usegmtime: true }).split(',')
      .length,
    16,
  );
  assert.equal(formatCdrTime(0), '');
  assert.equal(dispositionFor(false, 17), 'BUSY');
  assert.equal(dispositionFor(false, 34), 'FAILED');
  assert.equal(dispositionFor(false, 34, true), 'CONGESTION');
  assert.equal(dispositionFor(false, 1), 'FAILED');
  assert.equal(dispositionFor(false, 16), 'NO ANSWER');
  assert.equal(dispositionFor(true, 17), 'ANSWERED');
});

test('calls write Master.csv (and the account file) and raise Cdr events; unanswered ones are skipped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-cdr-'));
  const h = makePbx({
    dataDir: dir,
    extensions:
      '[default]\nexten => 1,1,Answer()\n same => n,Set(CDR(userfield)=hello)\n same => n,Wait(2)\nexten => 2,1,Wait(1)\n',
  });
  void h.pbx.originate({ channel: 'Local/1@default', application: 'Wait', data: '1', account: 'sales' });
  await h.clock.runFor(10_000);
  void h.pbx.originate({ channel: 'Local/2@default', application: 'Wait', data: '1', timeout: 3000 });
  await h.clock.runFor(10_000);
  const lines = readFileSync(join(dir, 'cdr-csv', 'Master.csv'), 'utf8')
    .trim()
    .split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^"sales","","1","default",""""" <>","Local\/1@default-00000000;1","","Wait","1",/);
  assert.match(
    lines[1],
    /"Local\/1@default-00000000;2","","Wait","2",.*,1,1,"ANSWERED","DOCUMENTATION","[0-9.]+","hello"$/,
  );
  assert.ok(existsSync(join(dir, 'cdr-csv', 'sales.csv')));
  assert.equal(h.events.filter((e) => e.name === 'Cdr').length, 2);
  h.pbx.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an unanswered Dial is logged with the dialed channel as party B (NO ANSWER / BUSY)', async () => {
  const h = makePbx({
    extensions: '[default]\nexten => 1,1,Dial(SIP/test-201,5)\nexten => 2,1,Dial(SIP/test-202,5)\n',
    simulation: '[test-201]\nmode=noanswer\n[test-202]\nmode=busy\n',
  });
  h.pbx.incomingCall({ from: 'test-203', exten: '1' });
  await h.clock.runFor(10_000);
  h.pbx.incomingCall({ from: 'test-203', exten: '2' });
  await h.clock.runFor(10_000);
  const cdrs = h.events
    .filter((e) => e.name === 'Cdr')
    .map((e) => (e.payload as unknown as { cdr: Record<string, unknown> }).cdr);
  assert.deepEqual(
    cdrs.map((c) => [c.destinationChannel, c.disposition, c.billableSeconds]),
    [
      ['SIP/test-201-00000001', 'NO ANSWER', 0],
      ['SIP/test-202-00000003', 'BUSY', 0],
    ],
  );
  h.pbx.close();
});

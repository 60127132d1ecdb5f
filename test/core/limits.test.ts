/**
 * Issue 11, finding 5 and its class: every user-given duration is parsed as Asterisk parses it and no
 * timer can overflow (Node turns a delay past 2^31-1 ms into 1 ms); an account code that would make a
 * hidden or escaping CSV file is refused as cdr_csv refuses it. Real AMI sessions over TCP; the PBX on
 * the virtual clock (SimClock drives it), plus one server on the real clock for the overflow itself.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCoreServer, type CoreServer } from './helpers.js';
import type { RawAmi, RawMsg } from '../../src/testing/raw-ami.js';
import {
  MAX_DELAY_MS,
  MAX_NODE_TIMER_MS,
  RealClock,
  VirtualClock,
  clampDelayMs,
} from '../../src/pbx/clock.js';
import { atoi, parseTimelen, scanfInt } from '../../src/config/cstr.js';

const DIALPLAN = `
[limits]
exten => wait,1,Answer()
 same => n,Wait(99999999999)
 same => n,Hangup()
exten => dial,1,Dial(SIP/test-204,1e10)
 same => n,Hangup()
exten => park,1,Answer()
 same => n,Wait(2000000)
 same => n,Hangup()
`;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let s: CoreServer;
let dataDir: string;
let c: RawAmi;
before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'amikit-limits-'));
  s = await startCoreServer({ virtual: true, seed: 11, dataDir, append: { 'extensions.conf': DIALPLAN } });
  c = await s.login('admin', 'admin', [['Events', 'off']]);
  // test-204 never answers: every ring lasts as long as its timeout says.
  await c.action('SimEndpoint', [
    ['Endpoint', 'test-204'],
    ['Mode', 'noanswer'],
  ]);
});
after(async () => {
  await s.dispose();
  rmSync(dataDir, { recursive: true, force: true });
});

const msg = (r: RawMsg): string => `${r.get('Response')}: ${r.get('Message')}`;
const advance = (ms: number): Promise<RawMsg> =>
  c.action('SimClock', [
    ['Operation', 'advance'],
    ['Milliseconds', String(ms)],
  ]);
const channelsLike = (re: RegExp): string[] =>
  s.pbx
    .channels()
    .map((ch) => ch.name)
    .filter((n) => re.test(n));
async function hangupAll(): Promise<void> {
  await c.action('Hangup', [['Channel', '/.*/']]);
  await c.action('SimClock', [['Operation', 'run']]);
  assert.equal(s.pbx.channels().length, 0);
}

test('C parsing of numbers: int overflow as glibc stores it, timelen saturation', () => {
  assert.equal(scanfInt('99999999999999999999999'), -1); // strtol saturates, the int keeps the low bits
  assert.equal(scanfInt('2147483648'), -2147483648);
  assert.equal(scanfInt('5000000000'), 705032704);
  assert.equal(scanfInt('  42abc'), 42);
  assert.equal(scanfInt('x'), undefined);
  assert.equal(atoi('-99999999999999999999'), 0); // LONG_MIN's low 32 bits
  assert.equal(parseTimelen('99999999999', 's'), 2 ** 31 - 1);
  assert.equal(parseTimelen('1.5', 's'), 1500);
  assert.equal(parseTimelen('2m', 's'), 120_000);
  assert.equal(parseTimelen('250ms', 's'), 250);
  assert.equal(parseTimelen('3 parsecs', 's'), undefined);
  assert.equal(clampDelayMs(Number.NaN), 0);
  assert.equal(clampDelayMs(-5), 0);
  assert.equal(clampDelayMs(Infinity), MAX_DELAY_MS);
  assert.equal(clampDelayMs(1e300), MAX_DELAY_MS);
});

test('Originate Timeout: 99999999999999999999999 wraps to -1 as in Asterisk: it rings with no timeout', async () => {
  const r = await c.action('Originate', [
    ['Channel', 'SIP/test-204'],
    ['Application', 'Wait'],
    ['Data', '1'],
    ['Timeout', '99999999999999999999999'],
    ['Async', 'true'],
  ]);
  assert.equal(msg(r), 'Success: Originate successfully queued');
  await advance(DAY);
  assert.equal(channelsLike(/^SIP\/test-204-/).length, 1, 'still ringing a day later');
  await hangupAll();
  // A value that wraps to a positive int is that many milliseconds: 5000000000 is 705032704 ms.
  await c.action('Originate', [
    ['Channel', 'SIP/test-204'],
    ['Application', 'Wait'],
    ['Data', '1'],
    ['Timeout', '5000000000'],
    ['Async', 'true'],
  ]);
  await advance(705_032_704 - 1000);
  assert.equal(channelsLike(/^SIP\/test-204-/).length, 1);
  await advance(2000);
  assert.equal(channelsLike(/^SIP\/test-204-/).length, 0, 'the wrapped timeout expired');
});

test('Wait(99999999999) waits INT_MAX ms (ast_app_parse_timelen saturates), not 1 ms', async () => {
  const r = await c.action('Originate', [
    ['Channel', 'Local/wait@limits'],
    ['Application', 'Wait'],
    ['Data', '99999999999'],
    ['Async', 'true'],
  ]);
  assert.equal(msg(r), 'Success: Originate successfully queued');
  await advance(1000);
  assert.equal(channelsLike(/^Local\/wait@limits-/).length, 2);
  await advance(MAX_NODE_TIMER_MS - 10_000);
  assert.equal(channelsLike(/^Local\/wait@limits-/).length, 2, 'still waiting after 24.8 days');
  await advance(20_000);
  // The dialplan half hung up after Wait(); the originating half had 99999999999 s too, clamped alike.
  assert.ok(channelsLike(/^Local\/wait@limits-.*;2$/).length === 0, 'Wait() ended at INT_MAX ms');
  await hangupAll();
});

test('Dial(SIP/x,1e10): the timeout does not fit an int, so it rings until hung up (app_dial)', async () => {
  await c.action('Originate', [
    ['Channel', 'Local/dial@limits'],
    ['Application', 'Wait'],
    ['Data', '2000000'],
    ['Timeout', '-1'], // the Originate itself waits with no timeout (<= 0), as ast_dial does
    ['Async', 'true'],
  ]);
  await advance(DAY);
  assert.equal(channelsLike(/^SIP\/test-204-/).length, 1, 'still ringing');
  await hangupAll();
});

test('AbsoluteTimeout with 1e300 seconds is accepted and never fires early; SimClock advance is bounded', async () => {
  await c.action('Originate', [
    ['Channel', 'Local/park@limits'],
    ['Application', 'Wait'],
    ['Data', '2000000'],
    ['Async', 'true'],
  ]);
  await advance(1000);
  const [name] = channelsLike(/^Local\/park@limits-.*;1$/);
  assert.ok(name);
  const r = await c.action('AbsoluteTimeout', [
    ['Channel', name],
    ['Timeout', '1e300'],
  ]);
  assert.equal(msg(r), 'Success: Timeout Set');
  await advance(20 * DAY);
  assert.ok(channelsLike(/^Local\/park@limits-.*;1$/).includes(name), 'not hung up by the timeout');
  // An advance past every timer (1e300 ms) returns, and at most Limit events run.
  const big = await c.action('SimClock', [
    ['Operation', 'advance'],
    ['Milliseconds', '1e300'],
    ['Limit', '5'],
  ]);
  assert.equal(big.get('Response'), 'Success');
  assert.ok(Number(big.get('Events')) <= 5, `ran ${big.get('Events')} events`);
  assert.ok(Number(big.get('Now')) < Date.now() + 2 * MAX_DELAY_MS);
  await hangupAll();
});

test('a CDR account code that would make a hidden or escaping file writes only Master.csv', async () => {
  const codes = ['.probe', '..', '../escape', 'ok-acct'];
  for (const code of codes) {
    await c.action('Originate', [
      ['Channel', 'Local/park@limits'],
      ['Application', 'Wait'],
      ['Data', '1'],
      ['Account', code],
      ['Async', 'true'],
    ]);
    await c.action('SimClock', [['Operation', 'run']]);
  }
  const dir = join(dataDir, 'cdr-csv');
  const files = readdirSync(dir).sort();
  assert.deepEqual(files, ['Master.csv', 'ok-acct.csv'], `files: ${files.join(', ')}`);
  assert.equal(existsSync(join(dataDir, 'escape.csv')), false);
});

test('the clocks themselves: a real timer past 2^31-1 ms does not fire early, a virtual one is clamped', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  const real = new RealClock();
  let fired = false;
  real.setTimer(1e23, () => (fired = true));
  real.setTimer(Number.NaN, () => undefined);
  await new Promise((r) => setTimeout(r, 50));
  real.clearAll();
  process.off('warning', onWarning);
  assert.equal(fired, false);
  assert.deepEqual(warnings, []);
  const v = new VirtualClock(0);
  v.setTimer(Infinity, () => undefined);
  v.setTimer(Number.NaN, () => undefined);
  assert.equal(await v.runUntil(1), 1, 'NaN runs at once');
  assert.equal(v.nextAt(), MAX_DELAY_MS);
});

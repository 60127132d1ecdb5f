import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AmiParser, AmiMessage, serialize } from '../../src/protocol/index.js';

function parseAll(input: string | Buffer, server = true, chunk = 0): AmiMessage[] {
  const out: AmiMessage[] = [];
  const p = server ? AmiParser.forServer((m) => out.push(m)) : new AmiParser((m) => out.push(m));
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  if (chunk <= 0) p.feed(buf);
  else for (let i = 0; i < buf.length; i += chunk) p.feed(buf.subarray(i, i + chunk));
  return out;
}

test('CRLF and bare LF both end lines; a blank line ends the message', () => {
  const msgs = parseAll('Action: Ping\r\nActionID: 1\r\n\r\nAction: Ping\nActionID: 2\n\n');
  assert.equal(msgs.length, 2);
  assert.deepEqual(msgs[0].lines, ['Action: Ping', 'ActionID: 1']);
  assert.deepEqual(msgs[1].lines, ['Action: Ping', 'ActionID: 2']);
});

test('header names are case-insensitive, leading blanks skipped, trailing kept, first duplicate wins', () => {
  const [m] = parseAll('ACTION:    Ping   \r\nactionid: a\r\nActionID: b\r\n\r\n');
  assert.equal(m.get('Action'), 'Ping   ');
  assert.equal(m.get('ActionID'), 'a');
  assert.deepEqual(m.getAll('actionid'), ['a', 'b']);
});

test('a space before the colon or a leading space makes a different header name', () => {
  const [a, b] = parseAll('Action : Ping\r\n\r\n Action: Ping\r\n\r\n');
  assert.equal(a.get('Action'), undefined);
  assert.equal(b.get('Action'), undefined);
});

test('a bare CR is data', () => {
  const [m] = parseAll('Action: Ping\rActionID: cr-1\r\r' + 'Action: Ping\r\nActionID: x\r\n\r\n');
  assert.equal(m.get('Action'), 'Ping\rActionID: cr-1\r\rAction: Ping');
  assert.equal(m.get('ActionID'), 'x');
});

test('a line longer than the 1024-byte buffer marks the message and keeps earlier headers', () => {
  const big = 'X-Big: ' + 'A'.repeat(70000);
  const msgs = parseAll(
    `Action: Ping\r\nActionID: big-1\r\n${big}\r\n\r\nAction: Ping\r\nActionID: after\r\n\r\n`,
    true,
    4096,
  );
  assert.equal(msgs.length, 2);
  assert.equal(msgs[0].lineTooLong, true);
  assert.equal(msgs[0].get('ActionID'), 'big-1');
  assert.equal(msgs[1].lineTooLong, false);
  assert.equal(msgs[1].get('ActionID'), 'after');
});

test('a line of 1022 characters plus CRLF fits; 1023 plus CRLF does not', () => {
  const ok = parseAll(`Action: Ping\r\nX: ${'a'.repeat(1019)}\r\n\r\n`);
  assert.equal(ok[0].lineTooLong, false);
  const bad = parseAll(`Action: Ping\r\nX: ${'a'.repeat(1020)}\r\n\r\n`, true, 7);
  assert.equal(
    bad.some((m) => m.lineTooLong),
    true,
  );
});

test('more than 128 lines: extra lines dropped, message flagged, ActionID still read', () => {
  let s = 'Action: Ping\r\nActionID: many-1\r\n';
  for (let i = 0; i < 200; i++) s += `X-H${i}: v${i}\r\n`;
  const [m] = parseAll(s + '\r\n');
  assert.equal(m.tooManyLines, true);
  assert.equal(m.lines.length, 128);
  assert.equal(m.get('ActionID'), 'many-1');
});

test('NUL cuts a line; a NUL-led line is blank (as C strings do in Asterisk)', () => {
  const bytes = Buffer.concat([Buffer.from([0, 1, 2, 10]), Buffer.from('\x0b\x0cgarbage\r\n\r\n', 'latin1')]);
  const msgs = parseAll(bytes);
  assert.equal(msgs.length, 2);
  assert.equal(msgs[0].lines.length, 0);
  assert.equal(msgs[1].lines.length, 1);
});

test('server mode reports a blank line with no headers as an empty message; client mode skips it', () => {
  assert.equal(parseAll('\r\n').length, 1);
  assert.equal(parseAll('\r\n', false).length, 0);
});

test('client mode reads the banner and decodes UTF-8 across chunk boundaries', () => {
  const out: AmiMessage[] = [];
  let banner = '';
  const p = new AmiParser((m) => out.push(m), { encoding: 'utf8', banner: true });
  p.onBanner = (b) => (banner = b);
  const buf = Buffer.from(
    'Asterisk Call Manager/9.0.0\r\nEvent: X\r\nCallerIDName: Jürgen Ñandú 😀\r\n\r\n',
    'utf8',
  );
  for (let i = 0; i < buf.length; i++) p.feed(buf.subarray(i, i + 1));
  assert.equal(banner, 'Asterisk Call Manager/9.0.0');
  assert.equal(out[0].get('CallerIDName'), 'Jürgen Ñandú 😀');
});

test('entries() keeps exact values; toObject() turns repeats into arrays', () => {
  const [m] = parseAll('Response: Follows\r\nOutput:    indented\r\nOutput: b\r\n\r\n', false);
  assert.deepEqual(
    [...m.entries()],
    [
      ['Response', 'Follows'],
      ['Output', '   indented'],
      ['Output', 'b'],
    ],
  );
  assert.deepEqual({ ...m.toObject() }, { Response: 'Follows', Output: ['   indented', 'b'] });
});

test('a value with CR/LF can never start a new header when serialized', () => {
  const m = new AmiMessage().add('Response', 'Success').add('Message', 'a\r\nInjected: yes\nMore: 1');
  const back = parseAll(serialize(m));
  assert.equal(back.length, 1);
  assert.equal(back[0].get('Injected'), undefined);
  assert.equal(back[0].lines.length, 2);
});

test('property: any byte stream in any chunking never throws and keeps bounded buffers', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 6000 }), fc.integer({ min: 1, max: 2000 }), (bytes, chunk) => {
      const p = AmiParser.forServer(() => {});
      const buf = Buffer.from(bytes);
      for (let i = 0; i < buf.length; i += chunk) {
        p.feed(buf.subarray(i, i + chunk));
        assert.ok(p.bufferedBytes < 1024);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: chunking does not change the result', () => {
  const line = fc.stringMatching(/^[A-Za-z-]{1,12}: [ -~]{0,40}$/);
  const msg = fc.array(line, { minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(fc.array(msg, { maxLength: 10 }), fc.integer({ min: 1, max: 64 }), (msgs, chunk) => {
      const text = msgs.map((m) => m.join('\r\n') + '\r\n\r\n').join('');
      const whole = parseAll(text, false).map((m) => m.lines);
      const pieces = parseAll(text, false, chunk).map((m) => m.lines);
      assert.deepEqual(pieces, whole);
      assert.deepEqual(whole, msgs);
    }),
  );
});

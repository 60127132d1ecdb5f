import { test } from 'node:test';
import assert from 'node:assert/strict';
import { astStrip, atoi, parseInt32, parseUint32, separateArgs } from '../../src/config/cstr.js';

test('astStrip drops every char below "!" at both ends', () => {
  assert.equal(astStrip(' \t\x01a b\r\n'), 'a b');
});

test('atoi reads a leading integer like C', () => {
  assert.deepEqual(['30', ' 30s', '-5', '+7', 'x1', '', '4294967297'].map(atoi), [30, 30, -5, 7, 0, 0, 1]);
});

test('parseUint32 / parseInt32 follow ast_parse_arg (base 0, whole string, no minus for unsigned)', () => {
  assert.deepEqual(['5038', '0x10', '010', ' 7', '-1', '12ab', '', '4294967296'].map(parseUint32), [
    5038,
    16,
    8,
    7,
    undefined,
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual(['-3', '100', '2147483648', 'x'].map(parseInt32), [-3, 100, undefined, undefined]);
});

test('separateArgs splits like AST_STANDARD_APP_ARGS', () => {
  assert.deepEqual(separateArgs('A,B', ',', 128), ['A', 'B']);
  assert.deepEqual(separateArgs('A,', ',', 128), ['A', '']);
  assert.deepEqual(separateArgs('', ',', 128), []);
  assert.deepEqual(separateArgs('F(a,b),[x,y],"q,r",\\,z', ',', 128), ['F(a,b)', '[x,y]', 'q,r', ',z']);
  assert.deepEqual(separateArgs('a,b,c,d', ',', 2), ['a', 'b,c,d']);
});

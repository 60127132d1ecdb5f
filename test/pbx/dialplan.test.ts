import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfText } from '../../src/config/index.js';
import { loadDialplan, splitApp } from '../../src/pbx/dialplan.js';
import { compareExtensions, extenCanMatch, extenMatches } from '../../src/pbx/extpattern.js';
import { evaluateExpression } from '../../src/pbx/expr.js';
import { substitute } from '../../src/pbx/substitute.js';
import { conformanceDialplanText } from './helpers.js';

const dp = (text: string) => loadDialplan(parseConfText(text, 'extensions.conf'));

test('loads the conformance extensions.conf: contexts, same => n, globals', () => {
  const d = dp(conformanceDialplanText());
  assert.deepEqual([...d.contexts.keys()], ['agents', 'DialCamp', 'default']);
  assert.equal(d.globals.get('GLOBALTEST'), 'hello');
  const p = d.find('default', '600', 2);
  assert.equal(p?.priority.app, 'Set');
  assert.equal(p?.priority.appData, 'REDIRECTED=yes');
  assert.equal(d.find('agents', '200', 2)?.priority.appData, '600');
  assert.equal(d.find('agents', '200', 4), undefined);
  assert.equal(d.exists('default', '999'), false);
  assert.equal(d.general.get('static'), 'yes');
  assert.deepEqual(d.warnings, []);
});

test('patterns, labels, includes, hints and match order', () => {
  const d = dp(`
[inc]
exten => _9XX,1,NoOp(inc)
[test]
include => inc
exten => _X.,1,NoOp(any)
exten => _2XX,1,NoOp(2xx)
exten => _[1-5]XX,1,NoOp(range)
exten => 201,1,NoOp(literal)
 same => n(lbl),NoOp(labelled)
 same => n,Goto(lbl)
exten => 201,hint,SIP/test-201
exten => _NXXNXXXXXX,1,NoOp(nanp)
exten => _0!,1,NoOp(bang)
exten => _Z,1,NoOp(z)
exten => 300/5551234,1,NoOp(cid)
exten => 300,1,NoOp(nocid)
`);
  const app = (e: string, cid = '') => d.find('test', e, 1, cid)?.priority.appData;
  assert.equal(app('201'), 'literal');
  assert.equal(app('250'), '2xx');
  assert.equal(app('350'), 'range');
  assert.equal(app('650'), 'any');
  assert.equal(app('2125551234'), 'nanp');
  assert.equal(app('0'), 'bang');
  assert.equal(app('7'), 'z');
  assert.equal(app('300', '5551234'), 'cid');
  assert.equal(app('300', '111'), 'nocid');
  assert.equal(app('950'), 'any'); // own _X. beats the include
  assert.equal(d.findLabel('test', '201', 'lbl'), 2);
  assert.equal(d.find('test', '201', 3)?.priority.app, 'Goto');
  assert.equal(d.hint('test', '201'), 'SIP/test-201');
  assert.deepEqual(d.hints(), [{ context: 'test', exten: '201', hint: 'SIP/test-201' }]);
  assert.ok(d.canMatch('test', '2'));
});

test('extension pattern primitives', () => {
  assert.ok(extenMatches('_X.', '12'));
  assert.ok(!extenMatches('_X.', '1'));
  assert.ok(extenMatches('_X!', '1'));
  assert.ok(extenMatches('_1-800-NXX', '1800555'));
  assert.ok(extenMatches('_[a-c]1', 'b1'));
  assert.ok(!extenMatches('_N', '1'));
  assert.ok(extenCanMatch('_1XXX', '12'));
  assert.ok(compareExtensions('201', '_2XX') < 0);
  assert.ok(compareExtensions('_2XX', '_X.') < 0);
  assert.ok(compareExtensions('_2XX', '_XXX') < 0);
  assert.deepEqual(splitApp('Dial(SIP/a,20)'), { app: 'Dial', data: 'SIP/a,20' });
  assert.deepEqual(splitApp('Dial,SIP/a'), { app: 'Dial', data: 'SIP/a' });
  assert.deepEqual(splitApp('Answer'), { app: 'Answer', data: '' });
});

test('$[...] expressions', () => {
  assert.equal(evaluateExpression('1 + 2 * 3'), '7');
  assert.equal(evaluateExpression('(1 + 2) * 3'), '9');
  assert.equal(evaluateExpression('7 / 2'), '3');
  assert.equal(evaluateExpression('7 % 4'), '3');
  assert.equal(evaluateExpression('5 > 3'), '1');
  assert.equal(evaluateExpression('abc = abc'), '1');
  assert.equal(evaluateExpression('"a b" != "a b"'), '0');
  assert.equal(evaluateExpression('1 & 0'), '0');
  assert.equal(evaluateExpression('0 | 4'), '4');
  assert.equal(evaluateExpression('!0'), '1');
  assert.equal(evaluateExpression('1 ? yes :: no'), 'yes');
  assert.equal(evaluateExpression('"abc123" =~ "[a-z]+([0-9]+)"'), '123');
  assert.equal(evaluateExpression('-3 + 1'), '-2');
});

test('${} substitution: variables, substrings, nested functions, expressions', () => {
  const vars: Record<string, string> = { A: 'hello', N: '3', NAME: 'A' };
  const scope = {
    getVar: (n: string) => vars[n],
    callFunction: (n: string, a: string) =>
      n === 'LEN' ? String(a.length) : n === 'TOUPPER' ? a.toUpperCase() : '',
  };
  assert.equal(substitute('${A} world', scope), 'hello world');
  assert.equal(substitute('${A:1:3}', scope), 'ell');
  assert.equal(substitute('${A:-2}', scope), 'lo');
  assert.equal(substitute('${LEN(${A})}', scope), '5');
  assert.equal(substitute('${${NAME}}', scope), 'hello');
  assert.equal(substitute('$[${N} + 1]', scope), '4');
  assert.equal(substitute('${TOUPPER(x)}${MISSING}!', scope), 'X!');
  assert.equal(substitute('no vars', scope), 'no vars');
});

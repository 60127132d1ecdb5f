/** The AJAM encoders and request parsing, against Asterisk's C behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { xmlTranslate, renderAjam } from '../../src/manager/transports/http/ajam-format.js';
import {
  parseCookies,
  managerIdFromCookies,
  parseUrlEncoded,
  uriDecode,
  messageFromParams,
} from '../../src/manager/transports/http/params.js';
import { parseDigest, expectedResponse, md5hex } from '../../src/manager/transports/http/digest.js';

test('xml_translate: repeated names, opaque data, escaping, lowercase names', () => {
  const text = 'Response: Success\r\nOutput: a\r\nOutput: b<\r\nX-Y.z: 1\r\n\r\n';
  assert.equal(
    xmlTranslate(text, [], 'xml'),
    "<response type='object' id='unknown'><generic response='Success' output='a' output-2='b&lt;' x_y_z='1' /></response>\n",
  );
  assert.equal(
    xmlTranslate('Response: Follows\r\nline one\r\nline two\r\n\r\n', [['ajaxobjtype', 'o']], 'xml'),
    "<response type='object' id='unknown'><o response='Follows' opaque_data='line one\nline two' /></response>\n",
  );
  assert.equal(
    xmlTranslate('Response: Follows\r\nline one\r\nline two\r\n\r\n', [], 'html'),
    '<tr><td>Response</td><td>Follows</td></tr>\n<tr><td>Opaque-data</td><td>line one<br>\nline two</td></tr>\n<tr><td colspan="2"><hr></td></tr>\r\n',
  );
  assert.equal(renderAjam('', [], 'xml'), '<ajax-response>\n</ajax-response>\n');
  assert.equal(
    xmlTranslate('A: 1\r\n\r\n', [['ajaxdest', "x'><y"]], 'xml'),
    "<response type='object' id='x&apos;&gt;&lt;y'><generic a='1' /></response>\n",
  );
});

test('uri decoding, cookies, message building', () => {
  assert.equal(uriDecode('a+b%41%4g%'), 'a bA\x04%');
  assert.deepEqual(parseUrlEncoded('a=1&b&=c&d=%0d%0a'), [
    ['a', '1'],
    ['b', ''],
    ['', 'c'],
    ['d', '\r\n'],
  ]);
  const c = parseCookies('foo=bar; mansession_id="0a0b0c0d"; x=');
  assert.equal(managerIdFromCookies(c), 0x0a0b0c0d);
  assert.equal(managerIdFromCookies(parseCookies('mansession_id=zz')), 0);
  const m = messageFromParams([
    ['Action', 'Ping'],
    ['ActionID', 'a\r\nAction: Logoff'],
  ]);
  assert.deepEqual(m.lines, ['Action: Ping', 'ActionID: a  Action: Logoff']);
  assert.equal(
    messageFromParams(Array.from({ length: 200 }, (_, i) => [`h${i}`, 'v'] as const)).lines.length,
    128,
  );
});

test('digest parsing and response (RFC 2617 example)', () => {
  const d = parseDigest(
    'Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
  );
  assert.ok(d);
  assert.equal(d.username, 'Mufasa');
  assert.equal(d.qop, true);
  assert.equal(d.nc, '00000001');
  assert.equal(parseDigest('Basic abc'), undefined);
  assert.equal(
    parseDigest('Digest username="a", nonce="1", uri="/", response="x"'),
    undefined,
    'realm is required',
  );
  assert.equal(
    parseDigest('Digest username="a", realm="r", nonce="1", uri="/", response="x", algorithm=SHA-256'),
    undefined,
  );
  const a1 = md5hex('admin:asterisk:admin');
  const dd = parseDigest(
    `Digest username="admin", realm="asterisk", nonce="0000abcd", uri="/arawman", qop=auth, nc=00000001, cnonce="c", response="x"`,
  );
  assert.ok(dd);
  const ha2 = md5hex('GET:/arawman');
  assert.equal(expectedResponse(a1, 'GET', dd, 0xabcd), md5hex(`${a1}:0000abcd:00000001:c:auth:${ha2}`));
});

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConfSyntaxError, parseConfFile, parseConfText, type ConfDocument } from '../../src/config/index.js';

const tmpRoots: string[] = [];
after(() => {
  for (const d of tmpRoots) rmSync(d, { recursive: true, force: true });
});

/** A temp config dir holding `files` (relative path -> text). */
function confDir(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'amikit-conf-'));
  tmpRoots.push(root);
  for (const [rel, text] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  }
  return root;
}

function kv(doc: ConfDocument, section: string): Array<[string, string]> {
  const s = doc.sections.find((x) => x.name === section);
  assert.ok(s, `section ${section}`);
  return s.entries.map((e) => [e.key, e.value]);
}

function syntaxError(fn: () => unknown): ConfSyntaxError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfSyntaxError, `expected ConfSyntaxError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfSyntaxError');
}

test('sections, = and =>, trimmed keys and values, file and line', () => {
  const doc = parseConfText(
    '[general]\n  enabled =  yes  \nexten => 100,1,NoOp()\n\n[admin]\nsecret=x\n',
    'm.conf',
  );
  assert.deepEqual(
    doc.sections.map((s) => [s.name, s.line]),
    [
      ['general', 1],
      ['admin', 5],
    ],
  );
  const g = doc.sections[0];
  assert.deepEqual(g.entries[0], { key: 'enabled', value: 'yes', op: '=', file: 'm.conf', line: 2 });
  assert.deepEqual([g.entries[1].key, g.entries[1].value, g.entries[1].op], ['exten', '100,1,NoOp()', '=>']);
  assert.deepEqual(doc.warnings, []);
});

test('a section name may repeat: both are kept in file order', () => {
  const doc = parseConfText('[a]\nx=1\n[b]\n[a]\nx=2\n', 'f.conf');
  assert.deepEqual(
    doc.sections.map((s) => s.name),
    ['a', 'b', 'a'],
  );
});

test('comments: ";" ends the line, "\\;" is a literal semicolon, CRLF and BOM are fine', () => {
  const doc = parseConfText(
    '\uFEFF[s] ; trailing\r\na = b ; note\r\nc = x\\;y ; z\r\n; whole line\r\n',
    'f.conf',
  );
  assert.deepEqual(kv(doc, 's'), [
    ['a', 'b'],
    ['c', 'x;y'],
  ]);
});

test('block comments ;-- --; span lines, nest, and can sit inside a line', () => {
  const text = [
    '[s]',
    'a = 1 ;-- hidden',
    'b = 2',
    ';-- nested --;',
    'still hidden --;',
    'c = 3',
    'd = 4 ;-- inline --; e',
    ';--- not a block comment (three dashes)',
    'f = 5',
  ].join('\n');
  const doc = parseConfText(text, 'f.conf');
  assert.deepEqual(kv(doc, 's'), [
    ['a', '1'],
    ['c', '3'],
    ['d', '4  e'],
    ['f', '5'],
  ]);
});

test('an unterminated block comment is a warning naming its first line', () => {
  const doc = parseConfText('[s]\na=1\n;-- open\nb=2\n', 'f.conf');
  assert.deepEqual(kv(doc, 's'), [['a', '1']]);
  assert.equal(doc.warnings.length, 1);
  assert.equal(doc.warnings[0].line, 3);
  assert.match(doc.warnings[0].message, /Unterminated comment/);
});

test('a stray --; behaves as in Asterisk (what follows is skipped) and warns', () => {
  const doc = parseConfText('[s]\na = x--; note\nb = 2\n', 'f.conf');
  // The C code counts the comment depth below zero and keeps the line uncut.
  assert.deepEqual(kv(doc, 's'), [['a', 'x--; note']]);
  assert.ok(doc.warnings.some((w) => w.line === 2 && /without an open/.test(w.message)));
});

test('+= appends to the last value of that key; with none it just sets it', () => {
  const doc = parseConfText('[s]\nallow = ulaw\nallow += ,alaw\nnew += v\n', 'f.conf');
  const s = doc.sections[0];
  assert.deepEqual(
    s.entries.map((e) => [e.key, e.value, e.op]),
    [
      ['allow', 'ulaw ,alaw', '='],
      ['new', 'v', '+='],
    ],
  );
});

test('templates (!), inheritance (tpl1,tpl2) with inherited entries first, and (+) additions', () => {
  const text = [
    '[base](!)',
    'read = all',
    'write = call',
    '[extra](!)',
    'displayconnects = no',
    '[user1](base,extra)',
    'secret = s1',
    '[user1](+)',
    'write = all',
  ].join('\n');
  const doc = parseConfText(text, 'f.conf');
  assert.deepEqual(
    doc.sections.map((s) => s.name),
    ['user1'],
  );
  assert.deepEqual([...doc.templates.keys()], ['base', 'extra']);
  const u = doc.sections[0];
  assert.deepEqual(u.templates, ['base', 'extra']);
  assert.deepEqual(
    u.entries.map((e) => [e.key, e.value, e.inherited ?? false, e.line]),
    [
      ['read', 'all', true, 2],
      ['write', 'call', true, 3],
      ['displayconnects', 'no', true, 5],
      ['secret', 's1', false, 7],
      ['write', 'all', false, 9],
    ],
  );
});

test('a non-template section can be inherited from; lookup ignores case', () => {
  const doc = parseConfText('[One]\na=1\n[two](one)\nb=2\n', 'f.conf');
  assert.deepEqual(kv(doc, 'two'), [
    ['a', '1'],
    ['b', '2'],
  ]);
});

test('errors Asterisk rejects a file for name file and line', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['[general\nx=1\n', 1, /no closing '\]'/],
    ['[a]\n[b](tpl\n', 2, /no closing '\)'/],
    ['[a]\n[b](nope)\n', 2, /Inheritance requested, but category 'nope' does not exist/],
    ['[a]\n[b](+)\n', 2, /Category addition requested, but category 'b' does not exist/],
    ['x = 1\n[a]\n', 1, /No category context/],
    ['[a]\n\\ x = 1\n', 2, /Invalid escape/],
  ];
  for (const [text, line, re] of cases) {
    const err = syntaxError(() => parseConfText(text, 'bad.conf'));
    assert.equal(err.file, 'bad.conf');
    assert.equal(err.line, line, text);
    assert.match(err.reason, re);
    assert.match(err.message, new RegExp(`^bad\\.conf:${line}: `));
  }
});

test('what Asterisk only warns about becomes a warning with file and line', () => {
  const doc = parseConfText(
    '[a]\njust words\n#frobnicate x\n#include\n = novalue\n#exec /bin/date\nok=1\n',
    'w.conf',
  );
  assert.deepEqual(kv(doc, 'a'), [['ok', '1']]);
  assert.deepEqual(
    doc.warnings.map((w) => [w.file, w.line]),
    [
      ['w.conf', 2],
      ['w.conf', 3],
      ['w.conf', 4],
      ['w.conf', 5],
      ['w.conf', 6],
    ],
  );
  assert.match(doc.warnings[0].message, /No '='/);
  assert.match(doc.warnings[1].message, /Unknown directive '#frobnicate'/);
  assert.match(doc.warnings[2].message, /needs an argument/);
  assert.match(doc.warnings[3].message, /No variable name/);
  assert.match(doc.warnings[4].message, /#exec/);
});

test('allowPreamble keeps entries before the first section instead of failing', () => {
  const doc = parseConfText('x = 1\n[a]\ny = 2\n', 'p.conf', { allowPreamble: true });
  assert.deepEqual(
    doc.preamble.map((e) => [e.key, e.value]),
    [['x', '1']],
  );
  assert.deepEqual(kv(doc, 'a'), [['y', '2']]);
});

test('lines of 8191 bytes or more are skipped with a warning', () => {
  const doc = parseConfText(`[a]\nlong = ${'x'.repeat(9000)}\nok = 1\n`, 'l.conf');
  assert.deepEqual(kv(doc, 'a'), [['ok', '1']]);
  assert.equal(doc.warnings[0].line, 2);
});

test('#include and #tryinclude resolve against the config dir, with sorted globs', () => {
  const dir = confDir({
    'manager.conf':
      '[general]\nenabled=yes\n#include "manager.d/*.conf"\n#tryinclude missing.conf\n#include <extra.conf>\n',
    'manager.d/20-b.conf': '[b]\nsecret=b\n',
    'manager.d/10-a.conf': '[a]\nsecret=a\n',
    'manager.d/.hidden.conf': '[hidden]\n',
    'manager.d/readme.txt': '[txt]\n',
    'extra.conf': '[c]\nsecret=c\n',
  });
  const doc = parseConfFile(join(dir, 'manager.conf'));
  assert.deepEqual(
    doc.sections.map((s) => s.name),
    ['general', 'a', 'b', 'c'],
  );
  const a = doc.sections[1];
  assert.equal(a.file, join(dir, 'manager.d/10-a.conf'));
  assert.equal(a.entries[0].line, 2);
  assert.deepEqual(doc.warnings, []);
});

test('an included file continues the current section; the includer keeps its own', () => {
  const dir = confDir({
    'main.conf': '[a]\nx=1\n#include part.conf\ny=2\n',
    'part.conf': 'p=1\n[b]\nq=1\n',
  });
  const doc = parseConfFile(join(dir, 'main.conf'));
  assert.deepEqual(kv(doc, 'a'), [
    ['x', '1'],
    ['p', '1'],
    ['y', '2'],
  ]);
  assert.deepEqual(kv(doc, 'b'), [['q', '1']]);
});

test('a missing #include target, or a glob matching nothing, rejects the file', () => {
  const dir = confDir({ 'm.conf': '[a]\n#include nothere.conf\n', 'g.conf': '[a]\n#include "d/*.conf"\n' });
  const err = syntaxError(() => parseConfFile(join(dir, 'm.conf')));
  assert.equal(err.line, 2);
  assert.equal(err.file, join(dir, 'm.conf'));
  assert.match(err.reason, /does not exist/);
  assert.match(syntaxError(() => parseConfFile(join(dir, 'g.conf'))).reason, /does not exist/);
});

test('syntax errors in an included file name that file and its line', () => {
  const dir = confDir({ 'm.conf': '[a]\n#include inc/x.conf\n', 'inc/x.conf': '; c\n[broken\n' });
  const err = syntaxError(() => parseConfFile(join(dir, 'm.conf')));
  assert.equal(err.file, join(dir, 'inc/x.conf'));
  assert.equal(err.line, 2);
});

test('include cycles are detected', () => {
  const dir = confDir({ 'a.conf': '[a]\n#include b.conf\n', 'b.conf': '#include a.conf\n' });
  const err = syntaxError(() => parseConfFile(join(dir, 'a.conf')));
  assert.match(err.reason, /cycle/);
  assert.equal(err.file, join(dir, 'b.conf'));
  // Self-inclusion through a glob as well.
  const dir2 = confDir({ 'm.conf': '[a]\n#tryinclude *.conf\n' });
  assert.match(syntaxError(() => parseConfFile(join(dir2, 'm.conf'))).reason, /cycle/);
});

test('includes may not leave the config directory (.., absolute paths, symlinks, globs)', () => {
  const outside = confDir({ 'secret.conf': '[stolen]\nx=1\n' });
  const dir = confDir({ 'inner/ok.conf': '[ok]\n' });
  symlinkSync(join(outside, 'secret.conf'), join(dir, 'link.conf'));
  const attempts = [
    '#include ../secret.conf',
    `#include ${join(outside, 'secret.conf')}`,
    '#tryinclude "../*/secret.conf"',
    '#include inner/../../x.conf',
    '#tryinclude /etc/passwd',
    '#include link.conf',
  ];
  for (const line of attempts) {
    writeFileSync(join(dir, 'm.conf'), `[a]\n${line}\n`);
    const err = syntaxError(() => parseConfFile(join(dir, 'm.conf')));
    assert.equal(err.line, 2, line);
    assert.match(err.reason, /outside the configuration directory/, line);
  }
  // An absolute path inside the directory is fine.
  writeFileSync(join(dir, 'm.conf'), `[a]\n#include ${join(dir, 'inner/ok.conf')}\n`);
  assert.deepEqual(
    parseConfFile(join(dir, 'm.conf')).sections.map((s) => s.name),
    ['a', 'ok'],
  );
});

test('baseDir option: includes resolve against it, not the file', () => {
  const dir = confDir({ 'sub/inc.conf': '[x]\n' });
  const doc = parseConfText('[a]\n#include sub/inc.conf\n', 'virtual.conf', { baseDir: dir });
  assert.deepEqual(
    doc.sections.map((s) => s.name),
    ['a', 'x'],
  );
});

test('nesting deeper than 10 includes fails like Asterisk', () => {
  const files: Record<string, string> = { 'l0.conf': '[a]\n#include l1.conf\n' };
  for (let i = 1; i <= 10; i++) files[`l${i}.conf`] = `#include l${i + 1}.conf\n`;
  files['l11.conf'] = 'x=1\n';
  // Eleven nested includes: one too many.
  const dir = confDir(files);
  assert.match(syntaxError(() => parseConfFile(join(dir, 'l0.conf'))).reason, /Maximum Include level/);
  // Ten levels are allowed.
  files['l10.conf'] = 'x=1\n';
  const ok = confDir(files);
  assert.deepEqual(kv(parseConfFile(join(ok, 'l0.conf')), 'a'), [['x', '1']]);
});

test('parseConfFile on a missing file is a ConfSyntaxError at line 0', () => {
  const err = syntaxError(() => parseConfFile('/nonexistent/dir/x.conf'));
  assert.equal(err.line, 0);
});

test('fuzz: any text parses or fails with ConfSyntaxError only', () => {
  const dir = confDir({ 'inc.conf': '[inc]\na=1\n', 'sub/x.conf': 'b=2\n' });
  const piece = fc.oneof(
    fc.constantFrom(
      '[',
      ']',
      '(',
      ')',
      '!',
      '+',
      ',',
      '=',
      '=>',
      '+=',
      ';',
      ';--',
      '--;',
      '\\',
      '\\;',
      '#',
      '#include ',
      '#tryinclude ',
      '#exec ',
      'inc.conf',
      '"sub/*.conf"',
      '[a-',
      '[!x]',
      '?',
      '[z-a]',
      '../x',
      '*',
      '\n',
      '\r\n',
      ' ',
      '\t',
      '\0',
      '\uFEFF',
      'general',
      'a',
      'key',
      'value',
    ),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'binary', maxLength: 4 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 60 }), (parts) => {
      const text = parts.join('');
      try {
        const doc = parseConfText(text, join(dir, 'fuzz.conf'), { baseDir: dir });
        for (const w of doc.warnings) assert.equal(typeof w.line, 'number');
      } catch (err) {
        if (!(err instanceof ConfSyntaxError)) throw err;
      }
    }),
    { numRuns: 3000 },
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { AstDb, MEMORY_DB_MAX_ENTRIES } from '../../src/pbx/astdb.js';

test('astdb get/put/del/deltree/gettree with Asterisk prefix semantics (transcript 18)', () => {
  const db = new AstDb(':memory:');
  db.put('amitest', 'k1', 'value one');
  db.put('amitest/sub', 'k2', 'v2');
  db.put('amitest', 'empty', '');
  db.put('amitest2', 'x', 'other family');
  assert.equal(db.get('amitest', 'k1'), 'value one');
  assert.equal(db.get('amitest', 'empty'), '');
  assert.equal(db.get('amitest', 'nokey'), undefined);
  assert.deepEqual(db.gettree('amitest'), [
    { key: '/amitest/empty', value: '' },
    { key: '/amitest/k1', value: 'value one' },
    { key: '/amitest/sub/k2', value: 'v2' },
  ]);
  assert.deepEqual(db.gettree('amitest', 'sub'), [{ key: '/amitest/sub/k2', value: 'v2' }]);
  assert.deepEqual(db.gettree('nosuchfamily'), []);
  assert.equal(db.gettree().length, 4);
  assert.equal(db.del('amitest', 'k1'), true);
  assert.equal(db.del('amitest', 'k1'), false);
  assert.equal(db.deltree('amitest'), 2);
  assert.equal(db.deltree('amitest'), 0);
  assert.equal(db.get('amitest2', 'x'), 'other family');
  assert.equal(db.deltree('', 'x'), -1);
  assert.deepEqual(db.showkey('x'), [{ key: '/amitest2/x', value: 'other family' }]);
  assert.equal(db.deltree(''), 1);
  db.close();
});

test('acknowledged astdb writes survive kill -9 of the writer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-astdb-'));
  const path = join(dir, 'astdb.sqlite3');
  const script = `
    import { AstDb } from ${JSON.stringify(new URL('../../src/pbx/astdb.ts', import.meta.url).pathname)};
    const db = new AstDb(${JSON.stringify(path)});
    for (let i = 0; i < 200; i++) db.put('crash', 'k' + i, 'v' + i);
    process.stdout.write('ACK\\n');
    setInterval(() => db.put('crash', 'spin', String(Date.now())), 1);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('ACK')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
  });
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGKILL');
  await exited;
  const db = new AstDb(path);
  assert.equal(db.get('crash', 'k0'), 'v0');
  assert.equal(db.get('crash', 'k199'), 'v199');
  assert.ok(db.gettree('crash').length >= 200);
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

test('an in-memory astdb holds at most maxEntries keys; overwriting one is always allowed', () => {
  const db = new AstDb(':memory:', 3);
  assert.equal(db.put('f', 'a', '1'), true);
  assert.equal(db.put('f', 'b', '2'), true);
  assert.equal(db.put('g', 'c', '3'), true);
  assert.equal(db.put('g', 'd', '4'), false, 'a fourth key is refused');
  assert.equal(db.get('g', 'd'), undefined);
  assert.equal(db.put('f', 'a', 'x'.repeat(1000)), true, 'an existing key may change');
  db.del('f', 'b');
  assert.equal(db.put('g', 'd', '4'), true, 'room again after a delete');
  db.close();
  assert.equal(MEMORY_DB_MAX_ENTRIES, 100_000);
});

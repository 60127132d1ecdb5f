/**
 * The package as users get it: build dist/ with tsc into a staging copy, `npm pack` it, unpack the
 * tarball into an application's node_modules (its dependencies linked from ours: nothing is fetched
 * from the network) and import every entry of package.json's "exports" and run its "bin" from there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

interface Pkg {
  name: string;
  version: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
}

function run(
  file: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        env: {
          ...process.env,
          // npm must not reach for the registry, nor print nags.
          npm_config_offline: 'true',
          npm_config_update_notifier: 'false',
          npm_config_fund: 'false',
          npm_config_audit: 'false',
        },
      },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

/** Each export's names, as a user's module sees them. */
const IMPORT_ALL = `
const pkg = JSON.parse(process.argv[2]);
const out = {};
for (const sub of Object.keys(pkg.exports)) {
  const spec = sub === '.' ? pkg.name : pkg.name + sub.slice(1);
  const m = await import(spec, sub.endsWith('.json') ? { with: { type: 'json' } } : undefined);
  out[sub] = Object.keys(sub.endsWith('.json') ? m.default : m).sort();
}
process.stdout.write(JSON.stringify(out));
`;

/** A server started from the installed package, reached with the installed client. */
const SMOKE = `
import { startAmikit } from 'amikit/server';
import { AmiClient } from 'amikit/client';
const srv = await startAmikit({ demo: true, amiPort: 0, httpPort: 0, sipPort: 0, logLevel: 'silent' });
try {
  const c = new AmiClient({ host: '127.0.0.1', port: srv.amiAddress.port, username: 'demo', secret: 'demo' });
  await c.connect();
  const r = await c.send('Ping');
  process.stdout.write(String(r.Ping));
  await c.close();
} finally {
  await srv.close();
}
// The Asterisk 22 release reads its spec documents (spec/22) from the installed package.
const s22 = await startAmikit({ demo: true, asterisk: '22', amiPort: 0, httpPort: 0, logLevel: 'silent' });
try {
  const c = new AmiClient({ host: '127.0.0.1', port: s22.amiAddress.port, username: 'demo', secret: 'demo' });
  await c.connect();
  const r = await c.send('CoreSettings');
  process.stdout.write(' ' + c.version + ' ' + r.AsteriskVersion);
  await c.close();
} finally {
  await s22.close();
}
`;

test('npm pack: every export imports from the installed tarball, the bin runs, a server starts', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Pkg;
  const dir = mkdtempSync(join(tmpdir(), 'amikit-pack-'));
  try {
    // A staging copy, so that the checkout's own dist/ is neither needed nor touched.
    const stage = join(dir, 'stage');
    mkdirSync(stage);
    for (const f of ['package.json', 'README.md', 'spec', 'demo'])
      cpSync(join(ROOT, f), join(stage, f), { recursive: true });
    await run(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(ROOT, 'tsconfig.build.json'),
        '--outDir',
        join(stage, 'dist'),
        // Emit only: type checking is npm run check's job, and it costs minutes on a loaded machine.
        '--noCheck',
      ],
      ROOT,
      240_000,
    );
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const packed = await run(
      npm,
      ['pack', '--ignore-scripts', '--json', '--pack-destination', dir],
      stage,
      120_000,
    );
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = new Set(info.files.map((f) => f.path));

    // Every target package.json names is in the tarball.
    const targets = [
      ...Object.values(pkg.bin),
      ...Object.values(pkg.exports).flatMap((t) => (typeof t === 'string' ? [t] : [t.types, t.default])),
    ].map((t) => t.replace(/^\.\//, ''));
    for (const t of targets) assert.ok(files.has(t), `${t} is named in package.json but not packed`);
    for (const f of ['demo/manager.conf', 'spec/ami-actions.json', 'spec/22/ami-actions.json', 'README.md'])
      assert.ok(files.has(f), `${f} is not packed`);
    assert.ok(
      ![...files].some((f) => f.startsWith('test/') || f.startsWith('src/')),
      'no sources or tests packed',
    );

    // Installed as npm would: the tarball's package/ under node_modules/amikit, dependencies beside it.
    const app = join(dir, 'app');
    const installed = join(app, 'node_modules', pkg.name);
    mkdirSync(installed, { recursive: true });
    await run(
      'tar',
      ['-xzf', join(dir, info.filename), '-C', installed, '--strip-components=1'],
      dir,
      60_000,
    );
    for (const dep of Object.keys(pkg.dependencies)) {
      const link = join(app, 'node_modules', dep);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), link, 'dir');
    }
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
    writeFileSync(join(app, 'import-all.mjs'), IMPORT_ALL);
    writeFileSync(join(app, 'smoke.mjs'), SMOKE);

    const names = JSON.parse(
      (await run(process.execPath, ['import-all.mjs', JSON.stringify(pkg)], app, 60_000)).stdout,
    ) as Record<string, string[]>;
    assert.deepEqual(Object.keys(names).sort(), Object.keys(pkg.exports).sort());
    for (const [sub, keys] of Object.entries(names)) assert.ok(keys.length > 0, `${sub} exports nothing`);
    assert.ok(names['.'].includes('startAmikit'));
    assert.ok(names['./server'].includes('startAmikit'));
    assert.ok(names['./client'].includes('AmiClient'));
    assert.ok(names['./protocol'].includes('AmiParser'));
    assert.ok(names['./config'].includes('loadManagerConf'));
    assert.ok(names['./package.json'].includes('version'));

    const version = await run(process.execPath, [join(installed, pkg.bin.amikit), '--version'], app, 60_000);
    assert.equal(version.stdout.trim(), pkg.version);
    const smoke = await run(process.execPath, ['smoke.mjs'], app, 60_000);
    assert.equal(smoke.stdout, 'Pong 11.0.0 22.10.1');
    assert.ok(existsSync(join(installed, 'demo', 'sip.conf')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

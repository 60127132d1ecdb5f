/**
 * Release profiles on the wire: amikit as Asterisk 20 (the default) and as Asterisk 22, chosen by the
 * server option, by `amikit serve --asterisk`, or by asterisk.conf `[amikit]`: banner, CoreSettings,
 * `core show version`, the HTTP Server header, the actions each release has (ListCommands, `manager
 * show command(s)`), the channel drivers it loads, and the shell's help following the banner.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { loggedIn, RawAmi } from '../../src/testing/raw-ami.js';
import { request } from '../../src/testing/raw-http.js';
import { ASTERISK_20, ASTERISK_22, profileFor } from '../../src/profiles/index.js';
import { ConfSyntaxError } from '../../src/config/types.js';
import { ActionCatalog, packageRoot } from '../../src/cli/spec.js';
import { AmiClient } from '../../src/client/index.js';
import { DEMO_DIR, startAmikit } from '../../src/server.js';
import { silentLogger } from '../../src/logger.js';
import { conformance22ConfigDir, conformanceConfigDir } from '../helpers/fixtures.js';
import { amikit, inProcess } from '../cli/run.js';

async function withServer(srv: TestServer, fn: (c: RawAmi) => Promise<void>): Promise<void> {
  const c = await loggedIn(srv.port, 'admin', 'admin');
  try {
    await fn(c);
  } finally {
    c.destroy();
    await srv.dispose();
  }
}

async function command(c: RawAmi, cmd: string): Promise<string[]> {
  return (await c.action('Command', [['Command', cmd]])).all('Output');
}

test('profileFor: the major version or the full one; anything else names the choices', () => {
  assert.equal(profileFor('22'), ASTERISK_22);
  assert.equal(profileFor('22.10.1'), ASTERISK_22);
  assert.equal(profileFor(' 20 '), ASTERISK_20);
  assert.throws(() => profileFor('21'), /unknown Asterisk release '21' \(amikit can be: 20, 22\)/);
});

test('Asterisk 22: banner 11.0.0, CoreSettings, core show version, Server header, no chan_sip', async () => {
  const srv = await startTestServer({ configDir: conformance22ConfigDir(), asterisk: '22' });
  assert.deepEqual(
    srv.manager.loadedModules().map((m) => m.name),
    ['manager', 'misc', 'core', 'app_queue'],
  );
  assert.equal(srv.sip, null);
  const http = await request(srv.httpAddress?.port ?? 0, 'GET', '/rawman?action=ping');
  assert.equal(http.header('Server'), 'Asterisk/22.10.1');
  await withServer(srv, async (c) => {
    assert.equal(c.banner, 'Asterisk Call Manager/11.0.0');
    const cs = await c.action('CoreSettings');
    assert.equal(cs.get('AMIversion'), '11.0.0');
    assert.equal(cs.get('AsteriskVersion'), '22.10.1');
    const [version] = await command(c, 'core show version');
    assert.match(version, /^Asterisk 22\.10\.1 built by \S+ @ \S+ on a \S+ running \S+ on /);
    // chan_sip is gone in 22: its actions are unknown, its CLI too (the recorded texts).
    for (const a of ['SIPpeers', 'SIPshowpeer', 'SIPqualifypeer', 'Monitor', 'SKINNYdevices']) {
      const r = await c.action(a);
      assert.equal(
        r.get('Message'),
        `Invalid/unknown command: ${a}. Use Action: ListCommands to show available commands.`,
      );
    }
    const sip = await c.action('Command', [['Command', 'sip show peers']]);
    assert.equal(sip.get('Response'), 'Error');
    assert.equal(
      sip.get('Output'),
      "No such command 'sip show peers' (type 'core show help sip show' for other possible commands)",
    );
  });
});

test('the action set follows the release: ListCommands and manager show command(s)', async () => {
  const lines = async (asterisk: string): Promise<{ list: string[]; show: string[]; sip: string[] }> => {
    const srv = await startTestServer({ configDir: conformanceConfigDir(), asterisk });
    let out = { list: [] as string[], show: [] as string[], sip: [] as string[] };
    await withServer(srv, async (c) => {
      const lc = await c.action('ListCommands');
      out = {
        list: lc.names().filter((n) => n !== 'Response' && n !== 'ActionID'),
        show: await command(c, 'manager show commands'),
        sip: await command(c, 'manager show command SIPpeers'),
      };
    });
    return out;
  };
  const v20 = await lines('20');
  const v22 = await lines('22');
  for (const a of [
    'SIPpeers',
    'SIPshowpeer',
    'SIPqualifypeer',
    'SIPnotify',
    'SIPshowregistry',
    'SIPpeerstatus',
  ]) {
    assert.ok(v20.list.includes(a), `20 lists ${a}`);
    assert.ok(!v22.list.includes(a), `22 does not list ${a}`);
    assert.ok(!v22.show.some((l) => l.trim().startsWith(a + ' ')), `manager show commands on 22: no ${a}`);
  }
  for (const a of ['QueueStatus', 'Originate', 'CoreSettings', 'DBGet', 'GetConfig'])
    assert.ok(v20.list.includes(a) && v22.list.includes(a), `${a} on both`);
  // The documentation is the release's: Asterisk 20's text for SIPpeers, nothing on 22 (no such action).
  assert.ok(v20.sip.includes("  -= Info about Manager Command 'SIPpeers' =- "), v20.sip.join('\n'));
  assert.deepEqual(v22.sip, ['']);
});

test('manager show command on 22 is Asterisk 22.10.1 documentation (generated into spec/22)', async () => {
  const srv = await startTestServer({ configDir: conformance22ConfigDir(), asterisk: '22' });
  await withServer(srv, async (c) => {
    const out = await command(c, 'manager show command QueueStatus');
    const text = out.join('\n');
    assert.match(
      text,
      /^\n {2}-= Info about Manager Command 'QueueStatus' =- \n\n\[Synopsis\]\nShow queue status. \n/,
    );
    assert.match(text, /\[Privilege\]\n<none>\n/);
    assert.match(text, /\[Provided By\]\napp_queue\n\n\[Since\]\n0\.5\.0\n/);
  });
});

test('asterisk.conf [amikit] asterisk = 22 chooses the release; a bad value stops the start with file and line', async () => {
  const dir = conformance22ConfigDir();
  appendFileSync(join(dir, 'asterisk.conf'), '\n[amikit]\nasterisk = 22\n');
  const srv = await startTestServer({ configDir: dir });
  assert.equal(srv.manager.profile, ASTERISK_22);
  await withServer(srv, async (c) => assert.equal(c.banner, 'Asterisk Call Manager/11.0.0'));

  const bad = conformanceConfigDir();
  writeFileSync(join(bad, 'asterisk.conf'), '[options]\nverbose = 3\n\n[amikit]\nasterisk = 21\n');
  try {
    await assert.rejects(
      startAmikit({
        configDir: bad,
        amiPort: 0,
        tlsPort: 0,
        httpPort: 0,
        sipPort: 0,
        logger: silentLogger(),
      }),
      (e: unknown) =>
        e instanceof ConfSyntaxError &&
        e.message ===
          `${join(bad, 'asterisk.conf')}:5: unknown Asterisk release '21' (amikit can be: 20, 22)`,
    );
    // The server option wins over the file.
    const srv20 = await startTestServer({ configDir: bad, asterisk: '20' });
    await withServer(srv20, async (c) => assert.equal(c.banner, 'Asterisk Call Manager/9.0.0'));
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});

test('on 22 a sip.conf is not read: no SIP listener, a warning names the file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-22demo-'));
  cpSync(DEMO_DIR, dir, { recursive: true });
  const warnings: string[] = [];
  const log = silentLogger();
  log.warn = ((msg: unknown) => void warnings.push(String(msg))) as typeof log.warn;
  const srv = await startAmikit({ configDir: dir, asterisk: '22', amiPort: 0, httpPort: 0, logger: log });
  try {
    assert.equal(srv.sip, null);
    assert.ok(
      warnings.includes(`${join(dir, 'sip.conf')}: Asterisk 22.10.1 has no chan_sip, ignored`),
      warnings.join('\n'),
    );
    assert.equal(srv.core?.pbx.sipPeers.size, 0);
    // SIP/ is no technology on 22: an Originate to a demo phone fails as one to an unknown technology.
    const c = await loggedIn(srv.amiAddress?.port ?? 0, 'demo', 'demo');
    try {
      const originate = async (channel: string): Promise<string> => {
        const r = await c.action('Originate', [
          ['Channel', channel],
          ['Application', 'Wait'],
          ['Data', '1'],
        ]);
        return `${r.get('Response')}: ${r.get('Message')}`;
      };
      const unknown = await originate('Nosuchtech/agent-201');
      assert.match(unknown, /^Error: /);
      assert.equal(await originate('SIP/agent-201'), unknown);
    } finally {
      c.destroy();
    }
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('amikit serve --asterisk 22: says which release it is; a release amikit cannot be is a usage error', async () => {
  const r = await inProcess(
    ['serve', '--demo', '--asterisk', '22', '--ami-port', '0', '--http-port', '0', '--data-dir', 'none'],
    {
      stdoutIsTTY: true,
      until: (lines) => (lines.some((l) => /live events/.test(l)) ? 'SIGINT' : undefined),
    },
  );
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.ok(
    r.out.some((l) => /INFO: serving as Asterisk 22\.10\.1 \(AMI 11\.0\.0\)$/.test(l)),
    r.out.join('\n'),
  );
  const d = await inProcess(
    ['serve', '--demo', '--ami-port', '0', '--http-port', '0', '--sip-port', '0', '--data-dir', 'none'],
    {
      stdoutIsTTY: true,
      until: (lines) => (lines.some((l) => /live events/.test(l)) ? 'SIGINT' : undefined),
    },
  );
  assert.equal(d.code, 0, d.err.join('\n'));
  assert.ok(
    d.out.some((l) => /INFO: serving as Asterisk 20\.20\.1 \(AMI 9\.0\.0\)$/.test(l)),
    'the demo is 20',
  );
  const bad = await inProcess(['serve', '--demo', '--asterisk', '21']);
  assert.equal(bad.code, 2);
  assert.match(bad.err.join('\n'), /--asterisk: unknown Asterisk release '21' \(amikit can be: 20, 22\)/);
});

test("the shell's help follows the server's release (its banner)", async () => {
  const srv = await startTestServer({ configDir: conformance22ConfigDir(), asterisk: '22' });
  const client = new AmiClient({ host: '127.0.0.1', port: srv.port, username: 'admin', secret: 'admin' });
  try {
    await client.connect();
    assert.equal(client.version, '11.0.0');
    const release = ActionCatalog.releaseFor(client.version);
    assert.equal(release, ASTERISK_22);
    const catalog = ActionCatalog.load(packageRoot(), release);
    assert.equal(catalog.get('SIPpeers'), undefined);
    assert.match(catalog.help('PJSIPShowEndpoints') ?? '', /\[Syntax\]\nAction: PJSIPShowEndpoints\n/);
    assert.ok(ActionCatalog.load(packageRoot(), ActionCatalog.releaseFor('9.0.0')).get('SIPpeers'));
  } finally {
    await client.close();
    await srv.dispose();
  }
});

test('amikit shell against a 22 server: help <Action> answers from Asterisk 22 documentation', async () => {
  const srv = await startTestServer({ configDir: conformance22ConfigDir(), asterisk: '22' });
  let quit = false;
  try {
    const r = await amikit(
      ['shell', '--host', '127.0.0.1', '--port', String(srv.port), '--user', 'admin', '--no-events'],
      {
        env: { AMI_SECRET: 'admin', XDG_CONFIG_HOME: join(tmpdir(), 'amikit-none') },
        input: 'help PJSIPShowEndpoints\nhelp SIPpeers\nPing\n',
        converse: (out, stdin) => {
          if (/Ping: Pong\n/.test(out) && !quit) {
            quit = true;
            stdin.write('/quit\n');
          }
        },
        timeoutMs: 45000,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Connected to 127\.0\.0\.1:\d+ \(AMI 11\.0\.0\)/);
    assert.match(r.stdout, /\[Syntax\]\nAction: PJSIPShowEndpoints\n/);
    assert.match(r.stdout + r.stderr, /no such action in the spec: SIPpeers/);
  } finally {
    await srv.dispose();
  }
});

test('a release whose spec documents are missing does not start (it would have no actions)', async () => {
  const broken = {
    ...ASTERISK_22,
    id: 'test-no-spec',
    spec: { ...ASTERISK_22.spec, actions: 'spec/none.json' },
  };
  await assert.rejects(
    startAmikit({
      configDir: conformance22ConfigDir(),
      profile: broken,
      amiPort: 0,
      httpPort: 0,
      logger: silentLogger(),
    }),
    /Asterisk 22\.10\.1: no actions in spec\/none\.json \(spec documents missing\)/,
  );
});

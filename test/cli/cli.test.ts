/** The amikit command as a process: exit statuses, one-line errors, action/events/shell/serve. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConnection } from '../../src/cli/connection.js';
import { eventMatcher } from '../../src/cli/program.js';
import { startFake, until, wire } from '../../src/testing/fake-ami-server.js';
import { amikit, inProcess } from './run.js';

test('--help for every command, exit 0', async () => {
  for (const cmd of [[], ['serve'], ['shell'], ['action'], ['events']]) {
    const r = await amikit([...cmd, '--help']);
    assert.equal(r.code, 0, `${cmd.join(' ')} --help`);
    assert.match(r.stdout, /^Usage: amikit/);
  }
});

test('usage errors: one line, no stack trace, exit 2', async () => {
  for (const args of [
    ['action', '--bogus'],
    ['nosuch'],
    ['action', 'Ping', 'notkv', '-u', 'a', '-s', 'b'],
    ['action', 'Ping'],
  ]) {
    const r = await amikit(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^amikit: /);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('action: response, list collected, JSON, exit 1 on Response: Error, exit 3 when unreachable; secret never printed', async () => {
  const server = await startFake({
    users: { admin: 's3cr3t-value' },
    onAction: (a, c) => {
      if (a.get('Action') === 'Originate') {
        c.reply(a, [
          ['Response', 'Success'],
          ['Message', 'Originate successfully queued'],
        ]);
        const ok = a.get('Channel') === 'Local/200@agents';
        c.send(
          wire([
            ['Event', 'OriginateResponse'],
            ['ActionID', a.get('ActionID') ?? ''],
            ['Response', ok ? 'Success' : 'Failure'],
            ['Channel', a.get('Channel') ?? ''],
          ]),
        );
        return true;
      }
      if (a.get('Action') !== 'QueueStatus') return false;
      const id = a.get('ActionID') ?? '';
      c.send(
        wire([
          ['Response', 'Success'],
          ['ActionID', id],
          ['EventList', 'start'],
          ['Message', 'Queue status will follow'],
        ]),
      );
      c.send(
        wire([
          ['Event', 'QueueParams'],
          ['Queue', a.get('Queue') ?? ''],
          ['ActionID', id],
        ]),
      );
      c.send(
        wire([
          ['Event', 'QueueStatusComplete'],
          ['ActionID', id],
          ['EventList', 'Complete'],
          ['ListItems', '1'],
        ]),
      );
      return true;
    },
  });
  const env = { AMI_PORT: String(server.port), AMI_USER: 'admin', AMI_SECRET: 's3cr3t-value' };
  try {
    const ping = await amikit(['action', 'Ping'], { env });
    assert.equal(ping.code, 0, ping.stderr);
    assert.match(ping.stdout, /Response: Success\n.*\nPing: Pong/);
    const list = await amikit(['action', 'QueueStatus', 'Queue=sales', '--json'], { env });
    assert.equal(list.code, 0, list.stderr);
    const j = JSON.parse(list.stdout) as {
      response: { Response: string };
      events: Array<{ Queue: string }>;
      complete: { ListItems: string };
    };
    assert.equal(j.response.Response, 'Success');
    assert.equal(j.events[0].Queue, 'sales');
    assert.equal(j.complete.ListItems, '1');
    const bad = await amikit(['action', 'NoSuch'], { env });
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /Response: Error/);
    const cmd = await amikit(['action', 'Command', 'Command=core show version'], { env });
    assert.equal(cmd.code, 1, 'unknown CLI command → Response: Error');
    const orig = await amikit(
      ['action', 'Originate', 'Channel=Local/200@agents', 'Application=Wait', 'Async=true'],
      { env },
    );
    assert.equal(orig.code, 0, orig.stderr);
    // The response first, then the event.
    assert.match(
      orig.stdout,
      /^Response: Success\n(.*\n)*Message: Originate successfully queued\n(.*\n)*\nEvent: OriginateResponse\n.*\nResponse: Success/,
    );
    const origFail = await amikit(
      ['action', 'Originate', 'Channel=Local/999@nowhere', 'Async=yes', '--json'],
      { env },
    );
    assert.equal(origFail.code, 1);
    const failed = JSON.parse(origFail.stdout) as {
      response: { Message: string };
      event: { Event: string; Response: string };
    };
    assert.equal(failed.response.Message, 'Originate successfully queued');
    assert.deepEqual([failed.event.Event, failed.event.Response], ['OriginateResponse', 'Failure']);
    const refused = await amikit(['action', 'Ping', '--secret', 'wrong'], { env });
    assert.equal(refused.code, 3);
    assert.match(
      refused.stderr,
      /^amikit: login to 127\.0\.0\.1:\d+ as admin refused: Authentication failed\n$/,
    );
    const down = await amikit(['action', 'Ping', '--port', '1'], { env });
    assert.equal(down.code, 3);
    assert.equal(down.stderr.trim().split('\n').length, 1);
    for (const r of [ping, list, bad, refused, down])
      assert.ok(!(r.stdout + r.stderr).includes('s3cr3t-value'));
  } finally {
    await server.close();
  }
});

test('events: tails events with --filter until SIGINT, exit 0; --json is one object per line', async () => {
  const server = await startFake();
  const env = {
    AMI_HOST: '127.0.0.1',
    AMI_PORT: String(server.port),
    AMI_USER: 'admin',
    AMI_SECRET: 'secret',
  };
  try {
    const pushing = setInterval(() => {
      server.push({ Event: 'Newchannel', Channel: 'SIP/a' });
      server.push({ Event: 'QueueCallerJoin', Queue: 'sales', Position: '1' });
    }, 50);
    const r = await amikit(['events', '--filter', 'Event: Queue.*', '--json'], {
      env,
      until: (out) => out.includes('QueueCallerJoin'),
    });
    clearInterval(pushing);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    for (const l of lines) assert.equal((JSON.parse(l) as { Event: string }).Event, 'QueueCallerJoin');
    assert.match(r.stderr, /connected to 127\.0\.0\.1:\d+ \(AMI 9\.0\.0\)/);
  } finally {
    await server.close();
  }
});

test('shell over stdin/stdout: help, an action, an event, /quit', async () => {
  const server = await startFake({
    onAction: (a, c) => {
      if (a.get('Action') !== 'UserEvent') return false;
      c.reply(a, [['Response', 'Success']]);
      server.push([
        ['Event', 'UserEvent'],
        ['UserEvent', a.get('UserEvent') ?? ''],
      ]);
      return true;
    },
  });
  let quit = false;
  try {
    const r = await amikit(
      ['shell', '--host', '127.0.0.1', '--port', String(server.port), '--user', 'admin'],
      {
        env: { AMI_SECRET: 'secret', XDG_CONFIG_HOME: join(tmpdir(), 'amikit-none') },
        input: 'help Ping\nPing\nUserEvent UserEvent=Hello\n',
        converse: (out, stdin) => {
          if (/Event: UserEvent\n/.test(out) && !quit) {
            quit = true;
            stdin.write('/quit\n');
          }
        },
        timeoutMs: 45000,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Connected to 127\.0\.0\.1:\d+ \(AMI 9\.0\.0\)/);
    assert.match(r.stdout, /\[Syntax\]\nAction: Ping/);
    assert.match(r.stdout, /Ping: Pong/);
    assert.match(r.stdout, /Event: UserEvent\nUserEvent: Hello/);
    assert.doesNotMatch(r.stdout, /\x1b\[/, 'no colour when not a TTY');
  } finally {
    await server.close();
  }
});

test('serve: prints where it listens and the demo credentials; SIGINT exits 0; a bad config is one line, exit 1', async () => {
  const r = await amikit(
    [
      'serve',
      '--demo',
      '--ami-port',
      '0',
      '--http-port',
      '0',
      '--sip-port',
      '0',
      '--data-dir',
      'none',
      '--log-level',
      'warn',
    ],
    { until: (out) => /live events/.test(out), timeoutMs: 60000 },
  );
  assert.equal(r.code, 0, r.stderr);
  // The summary is printed whatever the log level.
  assert.match(r.stdout, /AMI listening on 127\.0\.0\.1:\d+/);
  assert.match(r.stdout, /demo login: username \w+, secret \w+/);
  const dir = mkdtempSync(join(tmpdir(), 'amikit-badconf-'));
  try {
    writeFileSync(join(dir, 'manager.conf'), '[general\nenabled=yes\n');
    const bad = await amikit(['serve', '--config', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^amikit: .*manager\.conf:1: .*\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('connection settings: flags over environment over profile; profile file in XDG_CONFIG_HOME', () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-prof-'));
  try {
    mkdirSync(join(dir, 'amikit'));
    writeFileSync(
      join(dir, 'amikit', 'profiles.json'),
      JSON.stringify({
        default: { host: 'pbx1', port: 6000, user: 'pu', secret: 'ps' },
        lab: { host: 'lab', tls: true, user: 'l', secret: 'x', authType: 'md5' },
      }),
    );
    const env = { XDG_CONFIG_HOME: dir } as NodeJS.ProcessEnv;
    assert.deepEqual((({ host, port, username }) => ({ host, port, username }))(resolveConnection({}, env)), {
      host: 'pbx1',
      port: 6000,
      username: 'pu',
    });
    const lab = resolveConnection({ profile: 'lab' }, env);
    assert.deepEqual([lab.host, lab.port, lab.tls, lab.authType], ['lab', 5039, true, 'md5']);
    const mixed = resolveConnection(
      { port: '7000' },
      { ...env, AMI_HOST: 'envhost', AMI_PORT: '6500', AMI_USER: 'eu' },
    );
    assert.deepEqual([mixed.host, mixed.port, mixed.username, mixed.secret], ['envhost', 7000, 'eu', 'ps']);
    assert.throws(() => resolveConnection({ profile: 'nope' }, env), /profile "nope" not found/);
    assert.throws(() => resolveConnection({ port: 'x' }, env), /invalid port/);
    const home = resolveConnection({}, { HOME: join(dir, 'nohome') } as NodeJS.ProcessEnv);
    assert.deepEqual([home.host, home.port, home.username], ['127.0.0.1', 5038, undefined]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('event filters: regex on header lines, ! excludes', () => {
  const m = eventMatcher(['Event: Queue.*', '!Queue: internal']);
  assert.equal(m({ Event: 'QueueMemberAdded', Queue: 'sales' }), true);
  assert.equal(m({ Event: 'QueueMemberAdded', Queue: 'internal' }), false);
  assert.equal(m({ Event: 'Newchannel' }), false);
  assert.equal(eventMatcher([])({ Event: 'X' }), true);
});

void until;

test('action Originate Async=true against amikit itself prints the OriginateResponse', async () => {
  const { startTestServer } = await import('../../src/testing/server.js');
  const { conformanceConfigDir } = await import('../helpers/fixtures.js');
  const srv = await startTestServer({ configDir: conformanceConfigDir() });
  try {
    const r = await amikit(
      [
        'action',
        'Originate',
        'Channel=Local/100@default',
        'Application=Wait',
        'Data=1',
        'Async=true',
        '--port',
        String(srv.port),
        '--user',
        'admin',
        '--secret',
        'admin',
      ],
      { timeoutMs: 20000 },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Event: OriginateResponse/);
    assert.match(r.stdout, /Reason: 4/);
  } finally {
    await srv.dispose();
  }
});

test('action Originate Async=true honours --timeout when no OriginateResponse comes (virtual clock at rest; in this process)', async () => {
  const { startTestServer } = await import('../../src/testing/server.js');
  const { conformanceConfigDir } = await import('../helpers/fixtures.js');
  // Nobody advances the virtual clock: the call never resolves, so no OriginateResponse is sent.
  const srv = await startTestServer({ configDir: conformanceConfigDir(), virtualClock: true });
  const conn = ['--port', String(srv.port), '--user', 'admin', '--secret', 'admin'];
  const originate = ['action', 'Originate', 'Channel=Local/100@default', 'Application=Wait', 'Async=true'];
  try {
    const started = Date.now();
    const run = await inProcess([...originate, ...conn, '--timeout', '1500']);
    const r = { code: run.code, stdout: run.out.join('\n'), stderr: run.err.join('\n') + '\n' };
    const took = Date.now() - started;
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /^Response: Success\n(.*\n)*Message: Originate successfully queued\n/);
    assert.doesNotMatch(r.stdout, /OriginateResponse/);
    assert.match(r.stderr, /^amikit: Originate: no OriginateResponse for ActionID \S+ within 1500 ms\n$/);
    assert.ok(took >= 1500 && took < 25000, `took ${took} ms`);
    const jr = await inProcess([...originate, ...conn, '--timeout', '500', '--json', 'ActionID=mine-1']);
    const j = { code: jr.code, stdout: jr.out.join('\n'), stderr: jr.err.join('\n') };
    assert.equal(j.code, 3, j.stderr);
    const out = JSON.parse(j.stdout) as { response: { ActionID: string; Response: string }; event: null };
    assert.deepEqual([out.response.Response, out.response.ActionID, out.event], ['Success', 'mine-1', null]);
    assert.match(j.stderr, /for ActionID mine-1 within 500 ms/);
  } finally {
    await srv.dispose();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AmiClient } from '../../src/client/index.js';
import { AmiShell, isSensitive, parseParams, splitWords } from '../../src/cli/shell.js';
import { ActionCatalog } from '../../src/cli/spec.js';
import { startFake, until, wire } from '../../src/testing/fake-ami-server.js';

const catalog = ActionCatalog.load();

async function withShell(
  fn: (ctx: {
    shell: AmiShell;
    input: PassThrough;
    text: () => string;
    server: Awaited<ReturnType<typeof startFake>>;
  }) => Promise<void>,
  shellOpts: { terminal?: boolean; historyFile?: string; color?: boolean } = {},
) {
  const server = await startFake({
    onAction: (a, c) => {
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
          ['Queue', a.get('Queue') ?? 'all'],
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
  const client = new AmiClient({ port: server.port, username: 'admin', secret: 'secret', keepaliveMs: 0 });
  await client.connect();
  const input = new PassThrough();
  const output = new PassThrough();
  let buf = '';
  output.on('data', (d: Buffer) => (buf += d.toString()));
  const shell = new AmiShell({ client, catalog, input, output, terminal: false, color: false, ...shellOpts });
  const done = shell.run();
  try {
    await fn({ shell, input, text: () => buf, server });
  } finally {
    input.end();
    assert.equal(await done, 0);
    await client.close();
    await server.close();
  }
}

test('catalogue: loaded from spec/ at run time, with docs', () => {
  assert.ok(catalog.names.length > 150);
  const qs = catalog.get('queuestatus');
  assert.equal(qs?.name, 'QueueStatus');
  assert.equal(qs?.eventList, true);
  assert.equal(qs?.completeEvent, 'QueueStatusComplete');
});

test('completion: action names, parameter names, help and /events arguments', async () => {
  await withShell(async ({ shell }) => {
    const [a] = await shell.complete('QueueS');
    assert.deepEqual(a, ['QueueStatus', 'QueueSummary']);
    const [b, sub] = await shell.complete('queuest');
    assert.deepEqual([b, sub], [['QueueStatus'], 'queuest']);
    const [c, word] = await shell.complete('QueueStatus Qu');
    assert.deepEqual([c, word], [['Queue='], 'Qu']);
    const [d] = await shell.complete('QueueStatus Queue=sales ');
    assert.ok(d.includes('Member=') && !d.includes('Queue='), 'used parameters are not offered again');
    assert.deepEqual((await shell.complete('help Originat'))[0], ['Originate']);
    assert.deepEqual((await shell.complete('/events f'))[0], ['filter']);
    assert.ok((await shell.complete('/q'))[0].includes('/quit'));
  });
});

test('help <Action>: syntax, required and optional parameters, privilege, list', async () => {
  await withShell(async ({ input, text }) => {
    input.write('help Originate\n');
    input.write('help QueueStatus\n');
    await until(() => text().includes('QueueStatusComplete'), 3000, 'help output');
    const t = text();
    assert.match(t, /\[Syntax\]\nAction: Originate\n/);
    assert.match(t, /\[Required\]\nChannel\n/);
    assert.match(t, /\[Optional\]\n.*Async.*\n/);
    assert.match(t, /\[Privilege\]\noriginate,all/);
    assert.match(t, /\[List\]\nyes: events follow the response, ending with QueueStatusComplete/);
    assert.match(t, /\[Synopsis\]\nShow queue status/i);
  });
});

test('an action (one line and multi-line), a list, an error, and a live event with a filter', async () => {
  await withShell(async ({ input, text, server }) => {
    input.write('Ping\n');
    await until(() => text().includes('Ping: Pong'), 3000, 'ping');
    input.write('QueueStatus Queue="sales team"\n');
    await until(() => text().includes('-- 1 event in list'), 3000, 'list');
    assert.match(text(), /Event: QueueParams\nQueue: sales team\n/);
    input.write('Action: Ping\nActionID: multi-1\n\n');
    await until(() => text().includes('ActionID: multi-1'), 3000, 'multi-line');
    input.write('NoSuchAction\n');
    await until(() => text().includes('Invalid/unknown command: NoSuchAction'), 3000, 'error');
    assert.match(text(), /Response: Error/);
    input.write('/events filter ^Event: Queue\n');
    await until(() => text().includes('showing events'), 3000, 'filter set');
    server.push({ Event: 'Newchannel', Channel: 'SIP/hidden' });
    server.push({ Event: 'QueueMemberAdded', Queue: 'sales', Interface: 'SIP/shown' });
    await until(() => text().includes('SIP/shown'), 3000, 'event shown');
    assert.ok(!text().includes('SIP/hidden'), 'filtered out');
    input.write('/events off\n');
    await until(() => text().includes('[events off]'), 3000, 'off');
    server.push({ Event: 'QueueMemberAdded', Queue: 'sales', Interface: 'SIP/after-off' });
    input.write('Ping\n');
    await until(() => (text().match(/Ping: Pong/g) ?? []).length === 3, 3000, 'second ping');
    assert.ok(!text().includes('SIP/after-off'));
    input.write('Queue: x\n');
    await until(() => text().includes('error: start a multi-line action'), 3000, 'hint');
  });
});

test('history is persisted (terminal mode), lines with secrets never', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-hist-'));
  const file = join(dir, 'amikit', 'shell_history');
  try {
    await withShell(
      async ({ input, text }) => {
        input.write('Ping\r');
        input.write('Login Username=x Secret=hunter2\r');
        input.write('CoreStatus\r');
        await until(
          () => existsSync(file) && readFileSync(file, 'utf8').includes('CoreStatus'),
          3000,
          'history',
        );
        void text;
      },
      { terminal: true, historyFile: file },
    );
    const h = readFileSync(file, 'utf8');
    assert.deepEqual(h.trim().split('\n'), ['Ping', 'CoreStatus']);
    assert.ok(!h.includes('hunter2'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('word splitting and Key=Value parsing', () => {
  assert.deepEqual(splitWords(`Originate Channel="Local/1@x" Data='a b' Variable=x\\ y`), [
    'Originate',
    'Channel=Local/1@x',
    'Data=a b',
    'Variable=x y',
  ]);
  assert.deepEqual(parseParams(['Variable=a=1', 'Variable=b=2', 'X=']), { Variable: ['a=1', 'b=2'], X: '' });
  assert.throws(() => parseParams(['oops']), /expected Key=Value/);
  assert.ok(isSensitive('Login Username=a Secret=b'));
  assert.ok(isSensitive('Key: abc'));
  assert.ok(!isSensitive('QueueStatus Queue=sales'));
});

test('Ctrl-C clears the typed line; Ctrl-C on an empty line leaves the shell', async () => {
  const server = await startFake();
  const client = new AmiClient({ port: server.port, username: 'admin', secret: 'secret', keepaliveMs: 0 });
  await client.connect();
  const input = new PassThrough();
  const output = new PassThrough();
  let buf = '';
  output.on('data', (d: Buffer) => (buf += d.toString()));
  const shell = new AmiShell({ client, catalog, input, output, terminal: true, color: false });
  const done = shell.run();
  input.write('Pin');
  input.write('\x03');
  await until(() => buf.includes('^C'), 2000, 'line cleared');
  input.write('g\r');
  await until(() => buf.includes('Invalid/unknown command: g'), 2000, 'only "g" was sent');
  input.write('\x03');
  assert.equal(await done, 0);
  await client.close();
  await server.close();
});

/**
 * Shell completion of values the server knows, against amikit serving the demo configuration (queues
 * support and sales, SIP peers agent-201..204, contexts default and agents): queue names, live
 * channels, peers, member interfaces, contexts, extensions, dial strings and the server's own action
 * names; the cache (one request per list while fresh); a user who may not read a list gets nothing,
 * at once; and Tab through readline in terminal mode, as a user types it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { AmiClient } from '../../src/client/index.js';
import { AmiShell } from '../../src/cli/shell.js';
import { ServerValues } from '../../src/cli/completion.js';
import { ActionCatalog } from '../../src/cli/spec.js';
import { DEMO_DIR } from '../../src/server.js';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { until } from '../../src/testing/fake-ami-server.js';

const catalog = ActionCatalog.load();
let srv: TestServer;

before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'amikit-demo-'));
  cpSync(DEMO_DIR, dir, { recursive: true });
  // A user whose write classes allow none of the lists completion asks for.
  appendFileSync(join(dir, 'manager.conf'), '\n[nolists]\nsecret = nolists\nread = call\nwrite = call\n');
  srv = await startTestServer({ configDir: dir, demo: true, httpPort: 0 });
});
after(async () => {
  await srv.dispose();
});

async function withShell(
  user: string,
  fn: (ctx: {
    shell: AmiShell;
    client: AmiClient;
    values: ServerValues;
    clock: { now: number };
  }) => Promise<void>,
): Promise<void> {
  const client = new AmiClient({ port: srv.port, username: user, secret: user, keepaliveMs: 0 });
  await client.connect();
  const clock = { now: 1_000_000 };
  const values = new ServerValues(client, () => clock.now);
  const input = new PassThrough();
  const output = new PassThrough();
  output.resume();
  const shell = new AmiShell({ client, catalog, input, output, terminal: false, color: false, values });
  const done = shell.run();
  try {
    await fn({ shell, client, values, clock });
  } finally {
    input.end();
    assert.equal(await done, 0);
    await client.close();
  }
}

test('values: queues, peers, member interfaces, contexts, extensions, dial strings, actions', async () => {
  await withShell('demo', async ({ shell }) => {
    const c = async (line: string): Promise<string[]> => (await shell.complete(line))[0];
    assert.deepEqual((await c('QueueStatus Queue=')).sort(), ['Queue=sales', 'Queue=support']);
    assert.deepEqual(await shell.complete('QueueStatus Queue=SU'), [['Queue=support'], 'Queue=SU']);
    assert.deepEqual(await c('SIPshowpeer Peer=agent-20'), [
      'Peer=agent-201',
      'Peer=agent-202',
      'Peer=agent-203',
      'Peer=agent-204',
    ]);
    assert.deepEqual(await c('SIPqualifypeer Peer=agent-203'), ['Peer=agent-203']);
    assert.deepEqual(await c('SIPnotify Channel=agent-202'), ['Channel=agent-202']);
    assert.deepEqual(await c('SimCall From=agent-201'), ['From=agent-201']);
    assert.deepEqual(await c('MessageSend From='), []);
    // Queue members as configured, then any SIP peer.
    const ifaces = await c('QueuePause Queue=support Interface=');
    for (const i of ['Local/201@agents', 'Local/204@agents', 'SIP/agent-201'])
      assert.ok(ifaces.includes(`Interface=${i}`), `${i} in ${ifaces.join(' ')}`);
    // func_periodic_hook's context is there too, as on any Asterisk 20 that loads the module.
    assert.deepEqual((await c('Redirect Context=')).sort(), [
      'Context=__func_periodic_hook_context__',
      'Context=agents',
      'Context=default',
    ]);
    // Extensions of the context given on the line; patterns (_1XX) are no extension to type.
    assert.deepEqual((await c('Redirect Context=default Exten=')).sort(), [
      'Exten=100',
      'Exten=200',
      'Exten=300',
      'Exten=600',
    ]);
    assert.deepEqual(await c('Redirect Context=agents Exten='), []);
    // Originate's Channel is a dial string: SIP/peer or Local/exten@context.
    assert.deepEqual(await c('Originate Channel=Local/6'), ['Channel=Local/600@default']);
    assert.deepEqual((await c('Originate Channel=SIP/agent-20')).length, 4);
    // The server's own actions complete too (Sim* are not Asterisk's).
    const sim = await c('SimE');
    assert.ok(sim.includes('SimEndpoint') && sim.includes('SimEndpointList'), sim.join(' '));
    assert.deepEqual(await c('Action: SimClo'), ['SimClock']);
    // Free-form parameters complete nothing.
    assert.deepEqual(await c('Originate Data='), []);
  });
});

test('live channels, multi-line entry, and the cache', async () => {
  await withShell('demo', async ({ shell, client, values, clock }) => {
    const c = async (line: string): Promise<string[]> => (await shell.complete(line))[0];
    assert.deepEqual(await c('Hangup Channel=Local/'), []);
    await client.send('Originate', {
      Channel: 'Local/100@default',
      Application: 'Wait',
      Data: '600',
      Async: 'true',
    });
    // Cached for 2 s: the new call shows once the list is stale (the test's clock, not the wall's).
    const before = values.requests;
    assert.deepEqual(await c('Hangup Channel=Local/'), []);
    assert.equal(values.requests, before, 'answered from the cache');
    clock.now += 2_001;
    // The call comes up on the PBX's clock: wait for that state (bounded), asking again each time.
    const deadline = Date.now() + 5000;
    while ((await c('Hangup Channel=Local/100')).length !== 2) {
      assert.ok(Date.now() < deadline, 'the call in the completion');
      clock.now += 2_001;
      await new Promise((r) => setTimeout(r, 10));
    }
    const chans = await c('Hangup Channel=Local/100');
    assert.ok(
      chans.every((x) => /^Channel=Local\/100@default-[0-9a-f]{8};[12]$/.test(x)),
      chans.join(' '),
    );
    // Multi-line entry: `Key: value`.
    await shell.handle('Action: Hangup');
    const [hits, sub] = await shell.complete('Channel: Local/100@default');
    assert.equal(sub, 'Channel: Local/100@default');
    assert.deepEqual(hits.map((h) => h.replace(/-[0-9a-f]{8};/, '-X;')).sort(), [
      'Channel: Local/100@default-X;1',
      'Channel: Local/100@default-X;2',
    ]);
    await shell.handle('Channel: /^Local\\/100@/');
    await shell.handle('');
    // Repeated Tabs on fresh lists cost no request.
    const n = values.requests;
    for (let i = 0; i < 5; i++) await c('QueueStatus Queue=s');
    await c('QueueStatus Queue=s');
    assert.ok(values.requests - n <= 1, `${values.requests - n} requests for six Tabs`);
  });
});

test('a user who may not ask for a list completes nothing, without waiting', async () => {
  await withShell('nolists', async ({ shell, values }) => {
    const t0 = Date.now();
    assert.deepEqual((await shell.complete('SIPshowpeer Peer=agent'))[0], []);
    // (QueueSummary needs no privilege in Asterisk: queues still complete.)
    assert.equal((await shell.complete('QueueStatus Queue='))[0].length, 2);
    assert.deepEqual((await shell.complete('Redirect Context=default Exten='))[0], []);
    assert.ok(values.requests >= 4, 'the server was asked');
    assert.ok(Date.now() - t0 < 2500, 'bounded');
    // Action names still complete from the spec when ListCommands is refused.
    assert.deepEqual((await shell.complete('QueueSu'))[0], ['QueueSummary']);
  });
});

test('Tab in terminal mode completes the value the server knows, then Enter sends it', async () => {
  const client = new AmiClient({ port: srv.port, username: 'demo', secret: 'demo', keepaliveMs: 0 });
  await client.connect();
  const input = new PassThrough();
  const output = new PassThrough();
  let buf = '';
  output.on('data', (d: Buffer) => (buf += d.toString()));
  const shell = new AmiShell({ client, catalog, input, output, terminal: true, color: false, events: false });
  const done = shell.run();
  try {
    input.write('QueueStatus Queue=supp\t');
    await until(() => buf.includes('Queue=support'), 5000, 'completed on the line');
    input.write('\r');
    await until(() => /Event: QueueParams\r?\nQueue: support\r?\n/.test(buf), 5000, 'sent and answered');
    assert.ok(!/Queue: sales/.test(buf), 'only the completed queue was asked for');
  } finally {
    input.end();
    assert.equal(await done, 0);
    await client.close();
  }
});

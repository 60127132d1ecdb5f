import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AmiAuthError,
  AmiClient,
  AmiConnectionError,
  AmiError,
  AmiTimeoutError,
  isListResult,
  type AmiEvent,
  type AmiListResult,
  type AmiResponse,
  type ClientState,
} from '../../src/client/index.js';
import { startFake, until, wire, type FakeServerOptions } from '../../src/testing/fake-ami-server.js';

async function setup(
  opts: FakeServerOptions = {},
  clientOpts: Partial<ConstructorParameters<typeof AmiClient>[0]> = {},
) {
  const server = await startFake(opts);
  const client = new AmiClient({
    host: '127.0.0.1',
    port: server.port,
    username: 'admin',
    secret: 'secret',
    keepaliveMs: 0,
    actionTimeoutMs: 2000,
    ...clientOpts,
  });
  return {
    server,
    client,
    async done() {
      await client.close();
      await server.close();
    },
  };
}

test('connects, reads any Call Manager banner, logs in; state tells the truth', async () => {
  const { server, client, done } = await setup({ banner: 'Asterisk Call Manager/2.10.6' });
  const states: ClientState[] = [];
  client.on('state', (s) => states.push(s));
  assert.equal(client.state, 'closed');
  await client.connect();
  assert.equal(client.state, 'ready');
  assert.equal(client.version, '2.10.6');
  assert.deepEqual(states, ['connecting', 'authenticating', 'ready']);
  const login = (await server.waitFor('Login'))[0];
  assert.equal(login.get('Secret'), 'secret');
  await done();
  assert.equal(client.state, 'closed');
  assert.equal(states.at(-1), 'closed');
});

test('MD5 login: Challenge then Key = md5(challenge + secret); Events option sent at login', async () => {
  const { server, client, done } = await setup({}, { authType: 'md5', events: 'system,call' });
  await client.connect();
  const [login] = await server.waitFor('Login');
  assert.equal(login.get('AuthType'), 'MD5');
  assert.equal(login.get('Secret'), undefined);
  assert.match(login.get('Key') ?? '', /^[0-9a-f]{32}$/);
  assert.equal(login.get('Events'), 'system,call');
  await done();
});

test('a refused login rejects connect() with AmiAuthError and closes', async () => {
  const { client, done } = await setup({}, { secret: 'wrong' });
  await assert.rejects(client.connect(), (e: Error) => {
    assert.ok(e instanceof AmiAuthError);
    assert.match(e.message, /Authentication failed/);
    assert.ok(!e.message.includes('wrong'), 'the secret is never in a message');
    return true;
  });
  assert.equal(client.state, 'closed');
  await done();
});

test('a server that is not AMI, and a refused port, give one clear AmiConnectionError', async () => {
  const { client, done } = await setup({ banner: 'SSH-2.0-OpenSSH_9.6' });
  await assert.rejects(client.connect(), /not an AMI server/);
  await done();
  const c2 = new AmiClient({ port: 1, username: 'a', secret: 'b', keepaliveMs: 0 });
  await assert.rejects(
    c2.connect(),
    (e: Error) => e instanceof AmiConnectionError && /cannot connect/.test(e.message),
  );
  await c2.close();
});

test('send(): ActionIDs generated, unique and prefixed; user ActionID kept; AmiError carries Message', async () => {
  const { server, client, done } = await setup({}, { actionIdPrefix: 'tst-' });
  await client.connect();
  const r = (await client.send('Ping')) as AmiResponse;
  assert.equal(r.Response, 'Success');
  assert.equal(r.Ping, 'Pong');
  assert.match(r.ActionID ?? '', /^tst-\d+$/);
  const r2 = (await client.send('Ping', { ActionID: 'mine' })) as AmiResponse;
  assert.equal(r2.ActionID, 'mine');
  const ids = (await server.waitFor('Ping', 2)).map((a) => a.get('ActionID'));
  assert.notEqual(ids[0], ids[1]);
  await assert.rejects(client.send('NoSuchThing'), (e: Error) => {
    assert.ok(e instanceof AmiError);
    assert.match(e.message, /^Invalid\/unknown command: NoSuchThing/);
    assert.equal(e.response.Response, 'Error');
    assert.equal(e.action, 'NoSuchThing');
    return true;
  });
  await done();
});

test('values can never inject headers', async () => {
  const { server, client, done } = await setup({
    onAction: (a, c) => {
      if (a.get('Action') !== 'UserEvent') return false;
      c.reply(a, [['Response', 'Success']]);
      return true;
    },
  });
  await client.connect();
  await client.send('UserEvent', { UserEvent: 'x\r\nAction: Logoff', Header: ['a\nb', 'c'] });
  const [ue] = await server.waitFor('UserEvent');
  assert.equal(ue.get('UserEvent'), 'x Action: Logoff');
  assert.deepEqual(ue.getAll('Header'), ['a b', 'c']);
  assert.equal(server.actions.filter((a) => a.get('Action') === 'Logoff').length, 0);
  await done();
});

test('correlation survives interleaved events, pipelining and duplicate user ActionIDs', async () => {
  const { client, done } = await setup({
    onAction: (a, c) => {
      if (a.get('Action') !== 'Slow') return false;
      // An event with the same ActionID but no list, an unrelated event, then the answer.
      c.send(
        wire([
          ['Event', 'Noise'],
          ['ActionID', a.get('ActionID') ?? ''],
        ]),
      );
      c.send(wire({ Event: 'Other', Value: '1' }));
      c.reply(a, [
        ['Response', 'Success'],
        ['Seq', a.get('Seq') ?? ''],
      ]);
      return true;
    },
  });
  await client.connect();
  const seen: AmiEvent[] = [];
  client.on('event', (e) => seen.push(e));
  const rs = (await Promise.all([
    client.send('Slow', { ActionID: 'dup', Seq: '1' }),
    client.send('Slow', { ActionID: 'dup', Seq: '2' }),
    client.send('Slow', { Seq: '3' }),
  ])) as AmiResponse[];
  assert.deepEqual(
    rs.map((r) => r.Seq),
    ['1', '2', '3'],
  );
  assert.equal(seen.filter((e) => e.Event === 'Noise').length, 3);
  assert.equal(seen.filter((e) => e.Event === 'Other').length, 3);
  await done();
});

test('responses without ActionID (a server that does not echo it) match FIFO', async () => {
  const { client, done } = await setup({ noActionIdEcho: true });
  await client.connect();
  const [a, b] = (await Promise.all(
    [client.send('Ping'), client.send('NoSuch')].map((p) => p.catch((e) => e)),
  )) as [AmiResponse, AmiError];
  assert.equal(a.Ping, 'Pong');
  assert.ok(b instanceof AmiError);
  await done();
});

test('per-action timeout rejects with AmiTimeoutError; a late answer is ignored', async () => {
  const { client, done } = await setup({ onAction: (a) => a.get('Action') === 'Never' });
  await client.connect();
  await assert.rejects(client.send('Never', {}, { timeoutMs: 50 }), (e: Error) => {
    assert.ok(e instanceof AmiTimeoutError);
    assert.match(e.message, /^Never \(ActionID amikit-\w+-\d+\): no response within 50 ms$/);
    return true;
  });
  assert.equal(client.pendingActions, 0);
  await done();
});

const queueMembers = (a: { get(n: string): string | undefined }, c: { send(s: string): boolean }) => {
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
      ['Queue', 'sales'],
      ['ActionID', id],
    ]),
  );
  c.send(wire({ Event: 'Newchannel', Channel: 'SIP/x-1' })); // unsolicited, interleaved
  c.send(
    wire([
      ['Event', 'QueueMember'],
      ['Queue', 'sales'],
      ['Name', 'a'],
      ['ActionID', id],
    ]),
  );
  c.send(
    wire([
      ['Event', 'QueueStatusComplete'],
      ['ActionID', id],
      ['EventList', 'Complete'],
      ['ListItems', '2'],
    ]),
  );
};

test('list actions resolve with { response, events, complete }; unrelated events still reach listeners', async () => {
  const { client, done } = await setup({
    onAction: (a, c) => {
      const n = a.get('Action');
      if (n === 'QueueStatus' || n === 'SomeNewList') {
        queueMembers(a, c);
        return true;
      }
      if (n === 'Hangup') {
        const id = a.get('ActionID') ?? '';
        if (a.get('Channel')?.startsWith('/')) {
          c.send(
            wire([
              ['Response', 'Success'],
              ['ActionID', id],
              ['EventList', 'start'],
              ['Message', 'Channels hung up will follow'],
            ]),
          );
          c.send(
            wire([
              ['Event', 'ChannelHungup'],
              ['Channel', 'Local/1'],
              ['ActionID', id],
            ]),
          );
          c.send(
            wire([
              ['Event', 'ChannelsHungupListComplete'],
              ['ActionID', id],
              ['EventList', 'Complete'],
              ['ListItems', '1'],
            ]),
          );
        } else
          c.reply(a, [
            ['Response', 'Success'],
            ['Message', 'Channel Hungup'],
          ]);
        return true;
      }
      return false;
    },
  });
  await client.connect();
  const others: string[] = [];
  client.on('Newchannel', (e) => others.push(e.Event));
  const qs = (await client.send('QueueStatus', { Queue: 'sales' })) as AmiListResult;
  assert.ok(isListResult(qs));
  assert.equal(qs.response.Message, 'Queue status will follow');
  assert.deepEqual(
    qs.events.map((e) => e.Event),
    ['QueueParams', 'QueueMember'],
  );
  assert.equal(qs.complete.ListItems, '2');
  assert.deepEqual(others, ['Newchannel']);
  // Unknown action answering with EventList: start is detected generically.
  const generic = await client.send('SomeNewList');
  assert.ok(isListResult(generic));
  assert.equal(generic.events.length, 2);
  // Hangup: a list only with a /regex/ channel.
  const hl = await client.send('Hangup', { Channel: '/^Local\\/.*$/' });
  assert.ok(isListResult(hl));
  assert.equal(hl.events[0].Channel, 'Local/1');
  const h1 = await client.send('Hangup', { Channel: 'SIP/x-1' });
  assert.ok(!isListResult(h1));
  await done();
});

test('command(): Asterisk 14+ Output form and the old Follows/--END COMMAND-- form (blank lines inside)', async () => {
  const lines = [
    'Camp200 has 0 calls (max unlimited)',
    '   Members: ',
    '      user1 (Local/200@agents)',
    '',
    'Name: with colon',
  ];
  for (const oldCommand of [false, true]) {
    const { client, done } = await setup({ oldCommand, commands: { 'queue show': lines } });
    await client.connect();
    const out = await client.command('queue show');
    if (oldCommand) assert.deepEqual(out, lines);
    else assert.deepEqual(out, lines);
    await assert.rejects(
      client.command('no such'),
      (e: Error) => e instanceof AmiError && /No such command 'no such'/.test(e.message),
    );
    // The client still works after a multi-block Follows.
    assert.equal(((await client.send('Ping')) as AmiResponse).Ping, 'Pong');
    await done();
  }
});

test('originate(): async resolves with the OriginateResponse for its ActionID; sync with the response', async () => {
  const { client, done } = await setup({
    onAction: (a, c) => {
      if (a.get('Action') !== 'Originate') return false;
      const id = a.get('ActionID') ?? '';
      if (a.get('Async') === 'true') {
        c.reply(a, [
          ['Response', 'Success'],
          ['Message', 'Originate successfully queued'],
        ]);
        setTimeout(() => {
          c.send(
            wire([
              ['Event', 'OriginateResponse'],
              ['ActionID', 'someone-else'],
              ['Response', 'Failure'],
            ]),
          );
          c.send(wire({ Event: 'Newchannel', Channel: 'Local/200@agents-0001;1' }));
          c.send(
            wire([
              ['Event', 'OriginateResponse'],
              ['Privilege', 'call,all'],
              ['ActionID', id],
              ['Response', 'Success'],
              ['Channel', 'Local/200@agents'],
              ['Uniqueid', '1700000000.1'],
            ]),
          );
        }, 20);
      } else
        c.reply(a, [
          ['Response', 'Success'],
          ['Message', 'Originate successfully queued'],
        ]);
      return true;
    },
  });
  await client.connect();
  const heard: string[] = [];
  client.on('OriginateResponse', (e) => heard.push(String(e.ActionID)));
  const ev = await client.originate({
    Channel: 'Local/200@agents',
    Application: 'Wait',
    Data: '1',
    async: true,
  });
  assert.equal(ev.Event, 'OriginateResponse');
  assert.equal(ev.Response, 'Success');
  assert.equal(ev.Uniqueid, '1700000000.1');
  assert.equal(heard.length, 2, 'OriginateResponse events also reach listeners');
  const sync = (await client.originate({ Channel: 'Local/200@agents', Application: 'Wait' })) as AmiResponse;
  assert.equal(sync.Response, 'Success');
  await done();
});

test('typed EventEmitter, "event" for all, and events() iterator with filters', async () => {
  const { server, client, done } = await setup();
  await client.connect();
  const byName: AmiEvent[] = [];
  client.on('QueueMemberAdded', (e) => byName.push(e));
  const byString = client.events({ filter: 'QueueMemberAdded' });
  const byRegex = client.events({ filter: /^Queue/ });
  const byPredicate = client.events({ filter: (e) => e.Channel === 'SIP/b' });
  server.push({ Event: 'QueueMemberAdded', Queue: 'sales', Interface: 'SIP/a' });
  server.push([
    ['Event', 'QueueCallerJoin'],
    ['Queue', 'sales'],
    ['Channel', 'SIP/b'],
    ['Variable', 'x=1'],
    ['Variable', 'y=2'],
  ]);
  server.push({ Event: 'Hangup', Channel: 'SIP/c' });
  const a = await byString.next();
  assert.equal(a.value?.Interface, 'SIP/a');
  const r1 = await byRegex.next();
  const r2 = await byRegex.next();
  assert.deepEqual([r1.value?.Event, r2.value?.Event], ['QueueMemberAdded', 'QueueCallerJoin']);
  const p = await byPredicate.next();
  assert.deepEqual(p.value?.Variable, ['x=1', 'y=2'], 'repeated headers are kept in order');
  assert.equal(byName.length, 1);
  await byRegex.return?.();
  await done();
  assert.deepEqual(await byString.next(), { value: undefined, done: true }, 'close() ends iterators');
});

test('an events() iterator created before connect() receives events', async () => {
  const { server, client, done } = await setup();
  const it = client.events();
  await client.connect();
  server.push({ Event: 'Early', N: '1' });
  const r = await it.next();
  assert.equal(r.value?.Event, 'Early');
  await done();
});

test('several clients at once, against two servers, without interference', async () => {
  const a = await setup({}, { actionIdPrefix: 'same-' });
  const b = await setup({ users: { admin: 'other' } }, { actionIdPrefix: 'same-', secret: 'other' });
  await Promise.all([a.client.connect(), b.client.connect()]);
  const ea: string[] = [];
  const eb: string[] = [];
  a.client.on('event', (e) => ea.push(e.Event));
  b.client.on('event', (e) => eb.push(e.Event));
  a.server.push({ Event: 'OnlyA' });
  b.server.push({ Event: 'OnlyB' });
  await Promise.all([a.client.send('Ping'), b.client.send('Ping')]);
  await until(() => ea.length === 1 && eb.length === 1);
  assert.deepEqual([ea, eb], [['OnlyA'], ['OnlyB']]);
  await a.done();
  await b.done();
});

test('send() when not ready rejects at once with AmiConnectionError', async () => {
  const c = new AmiClient({ username: 'a', secret: 'b' });
  await assert.rejects(
    c.send('Ping'),
    (e: Error) => e instanceof AmiConnectionError && /client is closed/.test(e.message),
  );
});

/** The client against amikit's own server (src/server.ts) on 127.0.0.1. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiClient, AmiError, type AmiEvent, type AmiResponse } from '../../src/client/index.js';
import { startAmikit } from '../../src/server.js';
import { until } from '../../src/testing/fake-ami-server.js';

type Running = Awaited<ReturnType<typeof startAmikit>>;

async function start(port = 0): Promise<Running> {
  return startAmikit({
    demo: true,
    amiPort: port,
    tlsPort: 0,
    httpPort: 0,
    sipPort: 0,
    bind: '127.0.0.1',
    logLevel: 'silent',
  });
}

test('against amikit: plain and MD5 login, Ping, Command, UserEvent as a typed event and through events()', async () => {
  const server = await start();
  const port = server.amiAddress?.port ?? 0;
  const creds = server.demoCredentials ?? { username: 'demo', secret: 'demo' };
  const a = new AmiClient({ port, ...creds, keepaliveMs: 0 });
  const b = new AmiClient({ port, ...creds, authType: 'md5', keepaliveMs: 0 });
  try {
    await Promise.all([a.connect(), b.connect()]);
    assert.match(a.version ?? '', /^\d+\.\d+\.\d+$/);
    assert.equal(((await a.send('Ping')) as AmiResponse).Ping, 'Pong');
    const lines = await b.command('core show version');
    assert.match(lines.join('\n'), /^Asterisk /);
    await assert.rejects(
      b.command('no such command here'),
      (e: Error) => e instanceof AmiError && /No such command/.test(e.message),
    );
    const it = b.events({ filter: 'UserEvent' });
    const heard: AmiEvent[] = [];
    b.on('UserEvent', (e) => heard.push(e));
    await a.send('UserEvent', { UserEvent: 'Hello', Foo: ['1', '2'] });
    const first = await it.next();
    assert.equal(first.value?.UserEvent, 'Hello');
    assert.deepEqual(first.value?.Foo, ['1', '2']);
    await until(() => heard.length === 1);
    await assert.rejects(a.send('NoSuchAction'), /Invalid\/unknown command: NoSuchAction/);
  } finally {
    await a.close();
    await b.close();
    await server.close();
  }
});

test('against amikit: reconnect after a server restart restores the event mask and filters', async () => {
  let server = await start();
  const port = server.amiAddress?.port ?? 0;
  const creds = server.demoCredentials ?? { username: 'demo', secret: 'demo' };
  const client = new AmiClient({
    port,
    ...creds,
    keepaliveMs: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200, factor: 2, jitter: 0.2 },
  });
  const sender = new AmiClient({
    port,
    ...creds,
    keepaliveMs: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
  });
  client.on('error', () => {});
  sender.on('error', () => {});
  try {
    await client.connect();
    await sender.connect();
    await client.setEventMask('user');
    await client.filter('UserEvent: Keep.*');
    await server.close();
    await until(() => client.state !== 'ready', 3000, 'loss noticed');
    server = await start(port);
    await until(() => client.state === 'ready' && sender.state === 'ready', 5000, 'both back');
    const got: string[] = [];
    client.on('UserEvent', (e) => got.push(String(e.UserEvent)));
    await sender.send('UserEvent', { UserEvent: 'Drop' });
    await sender.send('UserEvent', { UserEvent: 'KeepMe' });
    await until(() => got.length >= 1, 3000, 'filtered event');
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got, ['KeepMe'], 'the session filter is active again after reconnect');
  } finally {
    await client.close();
    await sender.close();
    await server.close();
  }
});

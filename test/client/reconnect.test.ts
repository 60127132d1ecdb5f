import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiClient, AmiConnectionError, type ClientState } from '../../src/client/index.js';
import { startFake, until } from '../../src/testing/fake-ami-server.js';

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

test('reconnect after the server restarts: backoff, re-login, event mask and filters restored, in-flight actions rejected', async () => {
  const server = await startFake({ onAction: (a) => a.get('Action') === 'Hold' });
  const port = server.port;
  const client = new AmiClient({
    host: '127.0.0.1',
    port,
    username: 'admin',
    secret: 'secret',
    events: 'off',
    keepaliveMs: 0,
    reconnect: { initialDelayMs: 20, maxDelayMs: 100, factor: 2, jitter: 0.5 },
  });
  const states: ClientState[] = [];
  const delays: number[] = [];
  client.on('state', (s) => states.push(s));
  client.on('reconnecting', (i) => delays.push(i.delayMs));
  client.on('error', () => {}); // failed attempts while the server is down
  await client.connect();
  await client.setEventMask('call,agent');
  await client.filter('Event: Queue*');
  await client.send('Filter', { Operation: 'Add', Filter: '!Channel: Local/' });
  const inflight = client.send('Hold');
  await server.waitFor('Hold');
  await server.close();
  await assert.rejects(inflight, (e: Error) => {
    assert.ok(e instanceof AmiConnectionError);
    assert.match(e.message, /^Hold \(ActionID .+\): connection to 127\.0\.0\.1:\d+ lost/);
    return true;
  });
  await until(() => states.includes('reconnecting'), 2000, 'reconnecting');
  assert.equal(client.state === 'reconnecting' || client.state === 'connecting', true);
  await new Promise((r) => setTimeout(r, 150)); // a few refused attempts
  await server.listen(port);
  await until(() => client.state === 'ready', 3000, 'ready again');
  assert.equal(server.logins, 2);
  const conn = [...server.conns][0];
  await until(() => conn.filters.length === 2, 2000, 'filters restored');
  assert.equal(conn.eventMask, 'call,agent');
  assert.deepEqual(conn.filters, ['Event: Queue*', '!Channel: Local/']);
  const login2 = conn.actions.find((a) => a.get('Action') === 'Login');
  assert.equal(login2?.get('Events'), 'off');
  assert.ok(delays.length >= 2, `several attempts (${delays.join(',')})`);
  for (const d of delays) assert.ok(d >= 0 && d <= 100, `delay ${d} within maxDelayMs`);
  // Works after the reconnect.
  await client.send('Ping');
  await client.close();
  await server.close();
  assert.equal(client.state, 'closed');
});

test('keepalive: an unanswered Ping declares the connection dead, it is destroyed and reconnected', async () => {
  const server = await startFake({ answerPing: false });
  const client = new AmiClient({
    host: '127.0.0.1',
    port: server.port,
    username: 'admin',
    secret: 'secret',
    keepaliveMs: 40,
    keepaliveTimeoutMs: 60,
    reconnect: { initialDelayMs: 10, maxDelayMs: 50, factor: 2, jitter: 0 },
  });
  const disconnects: (Error | undefined)[] = [];
  client.on('disconnect', (e) => disconnects.push(e));
  await client.connect();
  await until(() => disconnects.length >= 1, 3000, 'dead connection detected');
  assert.match(String(disconnects[0]?.message), /keepalive: no answer to Ping within 60 ms/);
  await until(() => server.logins >= 2 && client.state === 'ready', 3000, 're-login');
  server.opts.answerPing = true;
  await client.close();
  await server.close();
});

test('reconnect: false → a lost connection closes the client', async () => {
  const server = await startFake();
  const client = new AmiClient({
    port: server.port,
    username: 'admin',
    secret: 'secret',
    keepaliveMs: 0,
    reconnect: false,
  });
  await client.connect();
  const it = client.events();
  await server.close();
  await until(() => client.state === 'closed', 2000, 'closed');
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  await client.close();
});

test('close() during a reconnect wait leaves no timers behind', async () => {
  const before = timers();
  const server = await startFake();
  const client = new AmiClient({
    port: server.port,
    username: 'admin',
    secret: 'secret',
    keepaliveMs: 1000,
    reconnect: { initialDelayMs: 5000, maxDelayMs: 5000, factor: 2, jitter: 0 },
  });
  await client.connect();
  await server.close();
  await until(() => client.state === 'reconnecting', 2000, 'reconnecting');
  await client.close();
  assert.equal(client.state, 'closed');
  assert.equal(timers(), before, 'no timer left');
});

test('close() while connect() waits for a banner: connect rejects, nothing left running', async () => {
  const before = timers();
  const net = await import('node:net');
  const socks: import('node:net').Socket[] = [];
  const silent = net.createServer((s) => socks.push(s)); // accepts, never speaks
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const client = new AmiClient({ port, username: 'a', secret: 'b', connectTimeoutMs: 5000 });
  const p = client.connect();
  await until(() => socks.length === 1, 2000, 'accepted');
  assert.equal(client.state, 'connecting');
  await client.close();
  await assert.rejects(p, (e: Error) => e instanceof AmiConnectionError && /client closed/.test(e.message));
  assert.equal(client.state, 'closed');
  for (const s of socks) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  assert.equal(timers(), before);
});

test('connect timeout: a server that never sends the banner', async () => {
  const net = await import('node:net');
  const socks: import('node:net').Socket[] = [];
  const silent = net.createServer((s) => socks.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  const port = (silent.address() as import('node:net').AddressInfo).port;
  const client = new AmiClient({ port, username: 'a', secret: 'b', connectTimeoutMs: 100 });
  await assert.rejects(client.connect(), /timed out after 100 ms \(while connecting\)/);
  assert.equal(client.state, 'closed');
  for (const s of socks) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
});

/**
 * Interoperability: third-party npm AMI clients, used unmodified and as their READMEs show, against
 * amikit. Each one logs in, pings, receives a UserEvent raised by another session and logs off; the
 * assertions are on what each library hands its user.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { loggedIn, sleep, type RawAmi } from '../../src/testing/raw-ami.js';

const require = createRequire(import.meta.url);

type Dict = Record<string, string | undefined>;

/** asterisk-manager 0.2.0: a function returning an emitter with connect/login/action/disconnect. */
interface AsteriskManagerApi extends EventEmitter {
  connect(port: number, host: string, cb?: () => void): void;
  login(cb: (err?: Dict) => void): void;
  action(action: Record<string, string>, cb: (err: Dict | undefined, res: Dict) => void): string;
  disconnect(cb?: () => void): void;
  isConnected(): boolean;
}
type AsteriskManagerCtor = new (
  port: number | null,
  host: string,
  username: string,
  password: string,
  events: boolean,
) => AsteriskManagerApi;

/** asterisk-ami-client 1.1.5. */
interface AmiClientApi extends EventEmitter {
  connect(user: string, secret: string, options: { host: string; port: number }): Promise<unknown>;
  action(message: Record<string, string>, promisable: true): Promise<Dict>;
  disconnect(): AmiClientApi;
  readonly isConnected: boolean | null;
}
type AmiClientCtor = new (options: Record<string, unknown>) => AmiClientApi;

/** yana 0.3.0. */
interface YanaApi extends EventEmitter {
  connect(cb?: () => void): void;
  send(options: Record<string, string>, cb: (res: Dict) => void): unknown;
  disconnect(cb?: () => void): void;
  version?: string;
  socket?: { destroy(): void };
  _clearPeriodicCleanup?: () => void;
}
type YanaCtor = new (options: Record<string, unknown>) => YanaApi;

const AsteriskManager = require('asterisk-manager') as AsteriskManagerCtor;
const AmiClient = require('asterisk-ami-client') as AmiClientCtor;
const Yana = require('yana') as YanaCtor;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir() });
});
after(async () => {
  await srv.dispose();
});

/** Rejects after ms unless p settles first. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}

function once<T = unknown>(em: EventEmitter, name: string, ms = 3000): Promise<T> {
  return within(new Promise<T>((resolve) => em.once(name, (v: T) => resolve(v))), ms, `event '${name}'`);
}

/** Raises a UserEvent from a raw admin session until `got` resolves (the library may subscribe late). */
async function raiseUserEvent(name: string, headers: Array<[string, string]>): Promise<RawAmi> {
  const raiser = await loggedIn(srv.port, 'hello', 'world');
  const r = await raiser.action('UserEvent', [['UserEvent', name], ...headers]);
  assert.equal(r.get('Message'), 'Event Sent');
  return raiser;
}

/** Waits until the server has `n` authenticated sessions of `user`. */
async function sessionsOf(user: string, n: number): Promise<void> {
  const deadline = Date.now() + 3000;
  const count = (): number =>
    [...srv.manager.sessions].filter((s) => s.authenticated && s.username === user).length;
  while (count() !== n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} sessions of ${user}, have ${count()}`);
    await sleep(10);
  }
}

test('asterisk-manager 0.2.0: login, Ping, UserEvent from another session, Logoff', async () => {
  const ami = new AsteriskManager(null, '127.0.0.1', 'admin', 'admin', true);
  const closed = once(ami, 'close', 5000);
  let raiser: RawAmi | null = null;
  try {
    await within(new Promise<void>((r) => ami.connect(srv.port, '127.0.0.1', () => r())), 3000, 'connect');
    const loginErr = await within(
      new Promise<Dict | undefined>((r) => ami.login((err) => r(err))),
      3000,
      'login',
    );
    assert.equal(loginErr, undefined, 'login callback gets no error');
    assert.equal(ami.isConnected(), true);
    await sessionsOf('admin', 1);

    const [pingErr, pong] = await within(
      new Promise<[Dict | undefined, Dict]>((r) =>
        ami.action({ action: 'ping' }, (err, res) => r([err, res])),
      ),
      3000,
      'ping',
    );
    assert.equal(pingErr, undefined);
    assert.equal(pong.response, 'Success');
    assert.equal(pong.ping, 'Pong');
    assert.match(pong.timestamp ?? '', /^\d{10}\.\d{6}$/);
    assert.match(pong.actionid ?? '', /^\d+$/);

    // A failing action reaches the callback as its error argument.
    const [unkErr] = await within(
      new Promise<[Dict | undefined, Dict]>((r) =>
        ami.action({ action: 'nosuchaction' }, (err, res) => r([err, res])),
      ),
      3000,
      'unknown action',
    );
    assert.equal(unkErr?.response, 'Error');
    assert.equal(
      unkErr?.message,
      'Invalid/unknown command: nosuchaction. Use Action: ListCommands to show available commands.',
    );

    const specific = once<Dict>(ami, 'userevent-interopam');
    const generic = once<Dict>(ami, 'managerevent');
    raiser = await raiseUserEvent('InteropAM', [
      ['Foo', 'bar'],
      ['Colon', 'a: b'],
    ]);
    const ev = await specific;
    assert.equal(ev.event, 'UserEvent');
    assert.equal(ev.privilege, 'user,all');
    assert.equal(ev.userevent, 'InteropAM');
    assert.equal(ev.foo, 'bar');
    assert.equal(ev.colon, 'a: b');
    const anyEv = await generic;
    assert.equal(typeof anyEv.event, 'string');

    const [byeErr, bye] = await within(
      new Promise<[Dict | undefined, Dict]>((r) =>
        ami.action({ action: 'logoff' }, (err, res) => r([err, res])),
      ),
      3000,
      'logoff',
    );
    assert.equal(byeErr, undefined);
    assert.equal(bye.response, 'Goodbye');
    assert.equal(bye.message, 'Thanks for all the fish.');
    await closed;
    await sessionsOf('admin', 0);
  } finally {
    ami.disconnect();
    raiser?.destroy();
  }
});

test('asterisk-ami-client 1.1.5: login, Ping, UserEvent from another session, Logoff', async () => {
  const client = new AmiClient({ reconnect: false, keepAlive: false });
  client.on('internalError', () => {});
  let raiser: RawAmi | null = null;
  try {
    await within(client.connect('admin', 'admin', { host: '127.0.0.1', port: srv.port }), 3000, 'connect');
    assert.equal(client.isConnected, true);
    await sessionsOf('admin', 1);

    const pong = await within(client.action({ Action: 'Ping' }, true), 3000, 'ping');
    assert.equal(pong.Response, 'Success');
    assert.equal(pong.Ping, 'Pong');
    assert.match(pong.Timestamp ?? '', /^\d{10}\.\d{6}$/);

    const own = await within(
      client.action({ Action: 'Ping', ActionID: 'mine-1' }, true),
      3000,
      'ping with id',
    );
    assert.equal(own.ActionID, 'mine-1');
    assert.equal(own.Ping, 'Pong');

    const got = once<Dict>(client, 'UserEvent');
    raiser = await raiseUserEvent('InteropAC', [['Foo', 'bar']]);
    const ev = await got;
    assert.equal(ev.Event, 'UserEvent');
    assert.equal(ev.Privilege, 'user,all');
    assert.equal(ev.UserEvent, 'InteropAC');
    assert.equal(ev.Foo, 'bar');

    const disconnected = once(client, 'disconnect', 3000);
    const bye = await within(client.action({ Action: 'Logoff' }, true), 3000, 'logoff');
    assert.equal(bye.Response, 'Goodbye');
    assert.equal(bye.Message, 'Thanks for all the fish.');
    await disconnected;
    assert.equal(client.isConnected, false);
    await sessionsOf('admin', 0);
  } finally {
    client.disconnect();
    raiser?.destroy();
  }
});

test('asterisk-ami-client 1.1.5: wrong secret rejects connect with the server message', async () => {
  const client = new AmiClient({ reconnect: false });
  try {
    await assert.rejects(
      within(client.connect('admin', 'wrong', { host: '127.0.0.1', port: srv.port }), 4000, 'connect'),
      (e: Error) => e.message === 'AMI message: Authentication failed',
    );
  } finally {
    client.disconnect();
  }
});

function yana(events = true): YanaApi {
  return new Yana({
    port: srv.port,
    host: '127.0.0.1',
    login: 'admin',
    password: 'admin',
    events,
    reconnect: false,
  });
}

function yanaCleanup(ami: YanaApi): void {
  ami._clearPeriodicCleanup?.();
  ami.socket?.destroy();
}

test('yana 0.3.0: login, Ping, UserEvent from another session, Logoff', async () => {
  const ami = yana();
  const errors: unknown[] = [];
  ami.on('error', (e) => errors.push(e));
  let raiser: RawAmi | null = null;
  try {
    await within(new Promise<void>((r) => ami.connect(() => r())), 3000, 'connect');
    assert.equal(ami.version, '9.0.0');
    await sessionsOf('admin', 1);

    const pong = await within(new Promise<Dict>((r) => ami.send({ Action: 'Ping' }, r)), 3000, 'ping');
    assert.equal(pong.Response, 'Success');
    assert.equal(pong.Ping, 'Pong');
    assert.match(pong.Timestamp ?? '', /^\d{10}\.\d{6}$/);

    const specific = once<Dict>(ami, 'UserEvent-InteropYana');
    raiser = await raiseUserEvent('InteropYana', [['Foo', 'bar']]);
    const ev = await specific;
    assert.equal(ev.Event, 'UserEvent');
    assert.equal(ev.Privilege, 'user,all');
    assert.equal(ev.Foo, 'bar');

    const disconnected = once(ami, 'disconnect', 3000);
    const bye = await within(new Promise<Dict>((r) => ami.send({ Action: 'Logoff' }, r)), 3000, 'logoff');
    assert.equal(bye.Response, 'Goodbye');
    assert.equal(bye.Message, 'Thanks for all the fish.');
    await disconnected;
    await sessionsOf('admin', 0);
    assert.deepEqual(errors, ['Connection closed'], 'yana reports the server closing after Goodbye');
  } finally {
    yanaCleanup(ami);
    raiser?.destroy();
  }
});

test('yana 0.3.0: disconnect() logs off cleanly; Events: off gets no UserEvent', async () => {
  const ami = yana(false);
  const errors: unknown[] = [];
  ami.on('error', (e) => errors.push(e));
  const events: Dict[] = [];
  ami.on('event', (e: Dict) => events.push(e));
  let raiser: RawAmi | null = null;
  try {
    await within(new Promise<void>((r) => ami.connect(() => r())), 3000, 'connect');
    await sessionsOf('admin', 1);
    raiser = await raiseUserEvent('NotForYana', []);
    const pong = await within(new Promise<Dict>((r) => ami.send({ Action: 'Ping' }, r)), 3000, 'ping');
    assert.equal(pong.Ping, 'Pong');
    assert.deepEqual(
      events.map((e) => e.Event),
      [],
    );
    await within(new Promise<void>((r) => ami.disconnect(() => r())), 3000, 'disconnect');
    await sessionsOf('admin', 0);
    assert.deepEqual(errors, []);
  } finally {
    yanaCleanup(ami);
    raiser?.destroy();
  }
});

/** /metrics (Prometheus text) and /healthz. */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import { registerGauge } from '../../src/manager/metrics.js';
import { TcpAmi, ajam, request } from '../../src/testing/raw-http.js';

let srv: TestServer;
let port = 0;
before(async () => {
  srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0 });
  port = srv.httpAddress?.port ?? 0;
});
after(async () => {
  await srv.dispose();
});

test('counters and gauges', async () => {
  const tcp = await TcpAmi.connect(srv.port);
  await tcp.send('Action: Login\r\nUsername: admin\r\nSecret: admin\r\n\r\n', 2);
  await tcp.send('Action: Ping\r\n\r\n');
  await tcp.send('Action: Ping\r\n\r\n');
  await tcp.send('Action: NoSuchThing\r\n\r\n');
  await tcp.send('Action: UserEvent\r\nUserEvent: M\r\n\r\n');
  await ajam(port, 'action=ping');
  registerGauge(srv.manager, { name: 'amikit_channels', help: 'Active channels', collect: () => 3 });
  registerGauge(srv.manager, {
    name: 'amikit_queue_members',
    help: 'Queue members by queue and device state',
    labelNames: ['queue', 'state'],
    collect: () => [
      { labels: { queue: 'Camp200', state: 'NOT_INUSE' }, value: 2 },
      { labels: { queue: 'Camp200', state: 'INUSE' }, value: 1 },
    ],
  });
  registerGauge(srv.manager, {
    name: 'amikit_custom_thing',
    help: 'A gauge a module added',
    collect: () => 7,
  });
  const r = await request(port, 'GET', '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.header('Content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const m = r.body;
  assert.match(m, /^amikit_sessions\{transport="TCP",state="authenticated"\} 1$/m);
  assert.match(m, /^amikit_sessions\{transport="HTTP",state="unauthenticated"\} 1$/m);
  assert.match(m, /^amikit_actions_total\{action="Ping",result="Success"\} 2$/m);
  assert.match(m, /^amikit_actions_total\{action="Ping",result="Error"\} 1$/m);
  assert.match(m, /^amikit_actions_total\{action="unknown",result="Error"\} 1$/m);
  assert.match(m, /^amikit_actions_total\{action="Login",result="Success"\} 1$/m);
  assert.match(m, /^amikit_events_published_total\{event="UserEvent"\} 1$/m);
  assert.match(m, /^amikit_events_published_total\{event="SuccessfulAuth"\} 1$/m);
  assert.match(m, /^amikit_events_dropped_total\{transport="HTTP"\} 0$/m);
  assert.match(m, /^amikit_slow_consumer_disconnects_total\{transport="TCP"\} 0$/m);
  assert.match(m, /^amikit_channels 3$/m);
  assert.match(m, /^amikit_queue_members\{queue="Camp200",state="NOT_INUSE"\} 2$/m);
  assert.match(m, /^# TYPE amikit_queue_callers gauge$/m);
  assert.match(m, /^amikit_custom_thing 7$/m);
  tcp.close();
});

test('held HTTP events beyond the limit are counted as dropped', async () => {
  const login = await ajam(port, 'action=login&username=admin&secret=admin');
  const cookie = /mansession_id="([0-9a-f]+)"/.exec(login.header('Set-Cookie') ?? '')?.[1] ?? '';
  const session = [...srv.manager.sessions].find((s) => s.transport.kind === 'HTTP' && s.authenticated);
  assert.ok(session);
  session.maxHeldEvents = 3;
  for (let i = 0; i < 5; i++) await ajam(port, `action=userevent&userevent=D${i}`, cookie);
  const w = await ajam(port, 'action=waitevent&timeout=0', cookie);
  assert.deepEqual(
    [...w.body.matchAll(/UserEvent: (D\d)/g)].map((x) => x[1]),
    ['D2', 'D3', 'D4'],
  );
  const m = (await request(port, 'GET', '/metrics')).body;
  assert.match(m, /^amikit_events_dropped_total\{transport="HTTP"\} [1-9]\d*$/m);
});

test('/healthz', async () => {
  const r = await request(port, 'GET', '/healthz');
  assert.equal(r.status, 200);
  assert.equal(r.body, 'ok');
});

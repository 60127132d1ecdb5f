/**
 * The SIP core on the PBX's virtual clock: registration expiry, qualify schedules (qualifyfreq when
 * reachable, 10 s when not), and the events and device states they produce, without waiting.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtualClock } from '../../src/pbx/clock.js';
import { parseConfText } from '../../src/config/index.js';
import { parseSipConf } from '../../src/modules/sip/config.js';
import { ASTERISK_20, sipUserAgent } from '../../src/profiles/index.js';
import { SipCore, type PeerStatusName } from '../../src/modules/sip/core.js';
import { silentLogger, type Logger } from '../../src/logger.js';

function makeCore(
  conf: string,
  opts: { log?: Logger; bind?: { host: string; port: number } } = {},
): { core: SipCore; clock: VirtualClock; events: string[]; dev: string[] } {
  const clock = new VirtualClock(Date.UTC(2026, 10, 22, 11, 0, 0));
  const events: string[] = [];
  const dev: string[] = [];
  const core = new SipCore({
    config: parseSipConf(parseConfText(conf, 'sip.conf'), sipUserAgent(ASTERISK_20)),
    log: opts.log ?? silentLogger(),
    clock,
    bind: opts.bind ?? { host: '127.0.0.1', port: 0 },
    deviceState: { setDeviceState: (d, s) => void dev.push(`${d} ${s}`) },
    events: {
      peerStatus: (peer: string, status: PeerStatusName, extra: Array<[string, string]>) =>
        void events.push(
          `${clock.now() - Date.UTC(2026, 10, 22, 11, 0, 0)} ${peer} ${status} ${extra.map(([k, v]) => `${k}=${v}`).join(' ')}`.trim(),
        ),
      registry: () => undefined,
    },
  });
  return { core, clock, events, dev };
}

test('a registration expires (expire + 10 s) with PeerStatus Unregistered, Cause Expired', async () => {
  const { core, clock, events, dev } = makeCore(
    '[general]\n[ph]\ntype = friend\nhost = dynamic\nqualify = 500\nqualifyfreq = 30\n',
  );
  await core.start();
  try {
    assert.deepEqual(core.simRegister('ph', { port: 7000, expires: 60, latencyMs: 20 }), { ok: true });
    await clock.runFor(1000);
    assert.deepEqual(events, ['0 ph Registered Address=127.0.0.1:7000', '20 ph Reachable Time=20']);
    // Re-qualified every 30 s while reachable; no new event while nothing changes.
    await clock.runFor(50_000);
    assert.equal(events.length, 2);
    await clock.runFor(20_000);
    assert.equal(events[2], '60000 ph Unregistered Cause=Expired');
    assert.deepEqual(dev, ['SIP/ph UNAVAILABLE', 'SIP/ph NOT_INUSE', 'SIP/ph UNAVAILABLE']);
    assert.equal(core.regExpireIn(core.findPeer('ph')!), -1);
  } finally {
    await core.stop();
  }
});

test('qualify on the virtual clock: Lagged above maxms, UNREACHABLE after 2 x maxms, retried every 10 s', async () => {
  const { core, clock, events } = makeCore('[general]\n[ph]\ntype = friend\nhost = dynamic\nqualify = 100\n');
  await core.start();
  try {
    core.simRegister('ph', { port: 7001 });
    await clock.runFor(10);
    core.simLatency('ph', 150);
    await clock.runFor(1000);
    core.findPeer('ph')!.sim = { answer: false, latencyMs: 0 };
    // Not reachable (lagged): the next poke comes after DEFAULT_FREQ_NOTOK, unanswered after 2 x maxms.
    await clock.runFor(10_000);
    core.simLatency('ph', 150);
    await clock.runFor(1000);
    core.simLatency('ph', 5);
    await clock.runFor(1000);
    assert.deepEqual(events, [
      '0 ph Registered Address=127.0.0.1:7001',
      '1 ph Reachable Time=1',
      '160 ph Lagged Time=150',
      '10360 ph Unreachable Time=-1',
      // UNREACHABLE -> LAGGED is no change for chan_sip (neither is reachable): no event.
      '12015 ph Reachable Time=5',
    ]);
    assert.equal(core.deviceStateOf(core.findPeer('ph')!), 'NOT_INUSE');
  } finally {
    await core.stop();
  }
});

test('a busy SIP port is logged, not fatal; host names of peers are resolved', async () => {
  const busy = (await import('node:dgram')).createSocket('udp4');
  await new Promise<void>((r) => busy.bind(0, '127.0.0.1', () => r()));
  const port = busy.address().port;
  const errors: string[] = [];
  const quiet = silentLogger();
  const log: Logger = {
    info: quiet.info,
    warn: quiet.warn,
    debug: quiet.debug,
    child: quiet.child,
    level: quiet.level,
    error: ((m: string) => void errors.push(m)) as Logger['error'],
  };
  const { core } = makeCore('[general]\n[h]\ntype = peer\nhost = localhost\nport = 5099\n', {
    log,
    bind: { host: '127.0.0.1', port },
  });
  try {
    await core.start();
    assert.equal(core.address().port, 0);
    assert.match(errors.join('\n'), /failed to bind to 127\.0\.0\.1:\d+: .*SIP over UDP is off/);
    assert.deepEqual(core.findPeer('h')?.addr, { host: '127.0.0.1', port: 5099 });
    // Simulated phones still work without a socket.
    assert.equal(core.simLatency('h', 3).ok, true);
  } finally {
    await core.stop();
    busy.close();
  }
});

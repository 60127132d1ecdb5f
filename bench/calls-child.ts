/**
 * The server under test for bench/calls.ts, in its own process: amikit (`startAmikit`, as `amikit
 * serve` runs it: chan_sip, the telephony core on the real clock, app_queue, AMI over TCP) on the
 * generated configuration directory of bench/lib/calls-config.ts on loopback, logging silenced
 * (AMIKIT_BENCH_LOG=warn shows the server's warnings on stderr). The peers are registered as
 * simulated phones at start.
 *
 * Prints one JSON line `{"port":N,"pid":P}` when listening. Reads commands from stdin, one a line:
 * `mem` answers with one JSON line (after two forced collections when node runs with --expose-gc):
 * `{"rssKiB","heapUsed","heapTotal","external","arrayBuffers","channels","gc"}`. Closes when stdin
 * ends or on SIGTERM/SIGINT; the configuration directory is removed on exit.
 *
 *   node --expose-gc --import tsx bench/calls-child.ts [PEERS] [ANSWER_MS] [WRITETIMEOUT_MS]
 */
import { rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { startAmikit } from '../src/server.js';
import { createLogger, silentLogger } from '../src/logger.js';
import { writeCallsConfig } from './lib/calls-config.js';

const peers = Math.max(1, Math.min(100, Number(process.argv[2] ?? 100) || 100));
const answerMs = Math.max(0, Number(process.argv[3] ?? 20) || 0);
/** manager.conf writetimeout of the bench user (ms; Asterisk's default is 100). */
const writeTimeout = Math.max(100, Number(process.argv[4] ?? 100) || 100);

const dir = writeCallsConfig({ peers, answerMs, writeTimeoutMs: writeTimeout });
process.once('exit', () => rmSync(dir, { recursive: true, force: true }));

const srv = await startAmikit({
  configDir: dir,
  amiPort: 0,
  tlsPort: 0,
  sipPort: 0,
  bind: '127.0.0.1',
  staticRoot: false,
  // AMIKIT_BENCH_LOG=warn shows the server's warnings (a dropped slow subscriber, ...) on stderr.
  logger: process.env.AMIKIT_BENCH_LOG ? createLogger(process.env.AMIKIT_BENCH_LOG) : silentLogger(),
});
if (!srv.amiAddress || !srv.core) {
  console.error('AMI listener or telephony core did not start');
  process.exit(1);
}
if (srv.sip) for (const p of srv.sip.peerNames()) srv.sip.sim.register(p.name, {});
const pbx = srv.core.pbx;
process.stdout.write(JSON.stringify({ port: srv.amiAddress.port, pid: process.pid }) + '\n');

const gc = (globalThis as { gc?: () => void }).gc;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'mem') return;
  if (gc) {
    gc();
    gc();
  }
  const m = process.memoryUsage();
  process.stdout.write(
    JSON.stringify({
      rssKiB: Math.round(m.rss / 1024),
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      channels: pbx.stats().activeChannels,
      gc: Boolean(gc),
    }) + '\n',
  );
});

let closing = false;
const stop = (): void => {
  if (closing) return;
  closing = true;
  const hard = setTimeout(() => process.exit(0), 3000);
  hard.unref();
  void srv.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.on('close', stop);

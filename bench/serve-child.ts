/**
 * The server under test, in its own process: amikit with the demo configuration (user demo/demo,
 * read=all write=all) on an ephemeral loopback port, logging silenced. Prints one JSON line
 * `{"port":N,"pid":P}` when listening; closes when stdin ends or on SIGTERM/SIGINT.
 *
 *   node --import tsx bench/serve-child.ts
 */
import { startAmikit, DEMO_CREDENTIALS } from '../src/server.js';
import { silentLogger } from '../src/logger.js';

const srv = await startAmikit({
  demo: true,
  amiPort: 0,
  tlsPort: 0,
  bind: '127.0.0.1',
  logger: silentLogger(),
});
if (!srv.amiAddress) {
  console.error('AMI listener did not start');
  process.exit(1);
}
process.stdout.write(
  JSON.stringify({ port: srv.amiAddress.port, pid: process.pid, user: DEMO_CREDENTIALS.username }) + '\n',
);

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
process.stdin.resume();

/**
 * amikit in a child process of its own, so that a test can read the server's memory apart from its
 * clients'. Started by startChildServer(); answers 'rss' with its resident set size, 'retained' with
 * its heap and external memory after a full GC, and exits on
 * 'stop' (or when its parent goes away).
 */
import { startAmikit } from '../../src/server.js';
import { silentLogger } from '../../src/logger.js';

const configDir = process.argv[2];
const srv = await startAmikit({
  configDir,
  amiPort: 0,
  tlsPort: 0,
  httpPort: 0,
  sipPort: 0,
  logger: silentLogger(),
});
const send = (m: unknown): void => {
  process.send?.(m);
};
process.on('message', (m: unknown) => {
  if (m === 'rss') send({ rss: process.memoryUsage().rss });
  else if (m === 'retained') {
    // What is still referenced: heap, and the Buffers of queued output outside it.
    (globalThis as { gc?: () => void }).gc?.();
    const u = process.memoryUsage();
    send({ retained: u.heapUsed + u.external });
  } else if (m === 'stop') void srv.close().then(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
send({ ready: true, amiPort: srv.amiAddress?.port ?? 0, httpPort: srv.httpAddress?.port ?? 0 });

/**
 * Transcripts 11 (async Originate of an application) and 12 (sync Originate, failures, variables,
 * caller ID) replayed against the core on the recorded configuration: every message that belongs
 * to the core must be what Asterisk 20.20.1 sent.
 */
import { test } from 'node:test';
import { startCoreServer } from './helpers.js';
import { assertSameMessages, replayCore } from './replay-util.js';

test('replay 11_originate_async_app', async () => {
  const srv = await startCoreServer({ virtual: true });
  try {
    const r = await replayCore(srv, '11_originate_async_app');
    assertSameMessages(r, '11');
  } finally {
    await srv.dispose();
  }
});

test('replay 12_originate_sync', async () => {
  const srv = await startCoreServer({ virtual: true });
  try {
    const r = await replayCore(srv, '12_originate_sync');
    assertSameMessages(r, '12');
  } finally {
    await srv.dispose();
  }
});

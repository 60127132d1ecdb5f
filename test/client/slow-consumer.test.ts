import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiClient } from '../../src/client/index.js';
import { startFake, until, type FakeConn } from '../../src/testing/fake-ami-server.js';

test('slow consumer: a full events() buffer pauses the socket; memory stays bounded; nothing is lost', async () => {
  const TOTAL = 200_000;
  let sent = 0;
  let flooding: Promise<void> | null = null;
  const flood = async (c: FakeConn): Promise<void> => {
    while (sent < TOTAL && !c.socket.destroyed) {
      const ok = c.send(
        `Event: Flood\r\nPrivilege: call,all\r\nSeq: ${sent}\r\nChannel: SIP/flood-00000001\r\n\r\n`,
      );
      sent++;
      if (!ok) await new Promise<void>((r) => c.socket.once('drain', r).once('close', r));
    }
  };
  const server = await startFake({
    onAction: (a, c) => {
      if (a.get('Action') !== 'StartFlood') return false;
      c.reply(a, [['Response', 'Success']]);
      flooding = flood(c);
      return true;
    },
  });
  const client = new AmiClient({ port: server.port, username: 'admin', secret: 'secret', keepaliveMs: 0 });
  await client.connect();
  const CAP = 500;
  const it = client.events({ filter: 'Flood', bufferSize: CAP });
  const heap0 = process.memoryUsage().heapUsed;
  await client.send('StartFlood');
  await until(() => client.readingPaused, 5000, 'socket paused');
  // The server can no longer write: its progress stops.
  await new Promise((r) => setTimeout(r, 200));
  const s1 = sent;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(sent, s1, 'the server is blocked by TCP backpressure');
  assert.ok(sent < TOTAL, `flood stalled at ${sent} of ${TOTAL}`);
  // At most one socket read (64 KiB, >= 70 bytes per event) beyond the capacity.
  assert.ok(it.buffered >= CAP && it.buffered <= CAP + Math.ceil(65536 / 70), `buffered ${it.buffered}`);
  const grown = process.memoryUsage().heapUsed - heap0;
  assert.ok(grown < 64 * 1024 * 1024, `heap grew ${grown} bytes`);
  // Draining resumes reading; every event arrives, in order.
  let expect = 0;
  for await (const e of it) {
    assert.equal(e.Seq, String(expect));
    expect++;
    if (expect === TOTAL) break;
  }
  assert.equal(expect, TOTAL);
  assert.equal(client.readingPaused, false);
  await flooding;
  await client.close();
  await server.close();
});

test('EventEmitter listeners are never buffered; a break in for-await releases the pause', async () => {
  const server = await startFake();
  const client = new AmiClient({ port: server.port, username: 'admin', secret: 'secret', keepaliveMs: 0 });
  await client.connect();
  const it = client.events({ bufferSize: 4 });
  for (let i = 0; i < 10; i++) server.push({ Event: 'E', N: String(i) });
  await until(() => client.readingPaused, 2000, 'paused');
  let n = 0;
  for await (const e of it) {
    assert.equal(e.N, String(n));
    if (++n === 2) break;
  }
  assert.equal(client.readingPaused, false, 'an abandoned iterator no longer holds the socket');
  const seen: string[] = [];
  client.on('E', (e) => seen.push(String(e.N)));
  server.push({ Event: 'E', N: 'x' });
  await until(() => seen.length === 1, 2000, 'listener');
  await client.close();
  await server.close();
});

/** Compile-time checks (tsc -p tsconfig.json covers test/): the typed surface from the generated spec types. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AmiClient, type AmiListResult, type AmiResponse } from '../../src/client/index.js';

test('typed events and parameters (checked by tsc)', () => {
  const client = new AmiClient({ username: 'u', secret: 's' });
  client.on('QueueMemberAdded', (e) => {
    const queue: string = e.Queue;
    const name: 'QueueMemberAdded' = e.Event;
    void queue;
    void name;
  });
  client.on('state', (s, prev) => {
    const x: 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'closed' = s;
    void x;
    void prev;
  });
  client.on('SomeCustomEvent', (e) => void e.Anything);
  const check = async (): Promise<void> => {
    const list: AmiListResult = await client.send('QueueStatus', { Queue: 'sales' });
    const one: AmiResponse = await client.send('Ping');
    // @ts-expect-error Queue must be a string
    await client.send('QueueAdd', { Queue: 1, Interface: 'SIP/a' });
    void list;
    void one;
  };
  void check;
  assert.equal(client.state, 'closed');
});

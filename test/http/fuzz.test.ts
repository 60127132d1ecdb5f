/**
 * The suite's short runs of the `npm run fuzz` targets that go through HTTP: mutated /rawman (and the
 * other AJAM paths) requests on fresh connections, and mutated WebSocket frames on `/ws` in both
 * subprotocols. fast-check draws the seeds of scripts/fuzz's mutator, so a failure shrinks to a seed
 * that `npm run fuzz` can replay. After each input the server must answer (a full HTTP response, a Ping
 * over the socket or a clean close), and it must still serve AMI afterwards. The parser, live AMI
 * sessions and SIP datagrams have theirs in test/protocol/parser.test.ts, test/manager/fuzz.test.ts,
 * test/sip/fuzz.test.ts and the `parser targets` test below.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir } from '../helpers/fixtures.js';
import {
  AmiSessionTarget,
  Rng,
  WsTarget,
  chunkSizes,
  fuzzHttpRequest,
  fuzzParsers,
  httpFromAmi,
  loadCorpus,
  mutatedInput,
  rawmanLogin,
  wsInput,
} from '../../scripts/fuzz/targets.js';

let srv: TestServer;
let httpPort = 0;
const admin = { username: 'admin', secret: 'admin' };
const corpus = loadCorpus();

before(async () => {
  srv = await startTestServer({ configDir: conformanceConfigDir(), httpPort: 0, sip: false });
  httpPort = srv.httpAddress?.port ?? 0;
});
after(async () => {
  await srv.dispose();
});

async function amiStillServes(): Promise<void> {
  const t = new AmiSessionTarget(srv.port, admin);
  try {
    await t.run(Buffer.from('Action: Ping\r\n\r\n'), []);
  } finally {
    t.close();
  }
}

test('parser targets: mutated AMI, HTTP and SIP messages through every in-process parser', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
      const rng = new Rng(seed);
      const seeds = [...corpus.ami, ...corpus.http, ...corpus.sip];
      for (let i = 0; i < 20; i++) fuzzParsers(mutatedInput(rng, seeds, 16384), chunkSizes(rng), rng.int(4));
    }),
    { numRuns: 300, seed: 11 },
  );
});

test(
  'mutated /rawman requests each get an answer or a close; AMI still serves',
  { timeout: 120_000 },
  async () => {
    const cookie = await rawmanLogin(httpPort, admin);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), async (seed, withCookie) => {
        const rng = new Rng(seed);
        const base = rng.chance(0.5)
          ? rng.pick(corpus.http)
          : httpFromAmi(rng, rng.pick(corpus.ami), withCookie ? cookie : undefined);
        await fuzzHttpRequest(httpPort, mutatedInput(rng, [base], 64 * 1024), chunkSizes(rng));
      }),
      { numRuns: 150, seed: 20261205, endOnFailure: true },
    );
    await amiStillServes();
  },
);

test(
  'mutated WebSocket frames (ami and ami-json, logged in or not); AMI still serves',
  { timeout: 120_000 },
  async () => {
    const targets = [
      new WsTarget(httpPort, false, admin),
      new WsTarget(httpPort, true, admin),
      new WsTarget(httpPort, false, undefined),
      new WsTarget(httpPort, true, undefined),
    ];
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.nat(3), async (seed, which) => {
          const rng = new Rng(seed);
          const t = targets[which];
          await t.run(wsInput(rng, corpus.ami, t.json), chunkSizes(rng));
        }),
        { numRuns: 150, seed: 4711, endOnFailure: true },
      );
    } finally {
      for (const t of targets) t.close();
    }
    await amiStillServes();
    assert.ok(srv.manager.sessions.size < 60, `${srv.manager.sessions.size} sessions left`);
  },
);

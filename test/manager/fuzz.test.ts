/**
 * Robustness: random and mutated byte streams written into live sessions (authenticated and not),
 * in random chunks. The server must never crash, the session must still answer `Action: Ping`
 * afterwards, and memory must stay bounded. Inputs never contain Logoff (it ends the session by
 * design), nor WaitEvent (a pipelined WaitEvent legitimately holds the following Ping until new
 * input arrives); the unauthenticated variant also has no Login (a failed one closes the session).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { startTestServer, type TestServer } from '../../src/testing/server.js';
import { conformanceConfigDir, CONFORMANCE_DIR } from '../helpers/fixtures.js';
import { RawAmi, loggedIn, sleep, type RawMsg } from '../../src/testing/raw-ami.js';
import { defangAmi } from '../../scripts/fuzz/corpus.js';

let srv: TestServer;
let rssStart = 0;
before(async () => {
  srv = await startTestServer({ httpPort: 0, configDir: conformanceConfigDir() });
  rssStart = process.memoryUsage().rss;
});
after(async () => {
  await srv.dispose();
});

/** Every chunk a client sent in the recorded transcripts (latin1), as mutation seeds. */
function loadCorpus(): string[] {
  const out = new Set<string>();
  for (const f of readdirSync(CONFORMANCE_DIR)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    const lines = readFileSync(join(CONFORMANCE_DIR, f), 'utf8').split('\n').slice(1);
    for (const l of lines) {
      if (!l.trim()) continue;
      const e = JSON.parse(l) as { dir: string; data: string };
      if (e.dir === 'send' && e.data.length > 0 && e.data.length <= 4096) out.add(e.data);
    }
  }
  return [...out];
}
const CORPUS = loadCorpus();
/** AMIKIT_FUZZ_SCALE=10 runs ten times as many cases (for a longer local hunt). */
const SCALE = Math.max(1, Number(process.env.AMIKIT_FUZZ_SCALE ?? 1) || 1);

type Mutation =
  | { kind: 'flip'; pos: number; byte: number }
  | { kind: 'insert'; pos: number; bytes: Uint8Array }
  | { kind: 'delete'; pos: number; len: number }
  | { kind: 'dup'; pos: number; len: number }
  | { kind: 'eol'; to: string }
  | { kind: 'nul'; pos: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), pos: fc.nat(), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('dup' as const), pos: fc.nat(), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({
    kind: fc.constant('eol' as const),
    to: fc.constantFrom('\n', '\r', '\r\n', '\n\r', '', '\r\r\n'),
  }),
  fc.record({ kind: fc.constant('nul' as const), pos: fc.nat() }),
);

function mutate(seed: string, muts: Mutation[]): Buffer {
  let b = Buffer.from(seed, 'latin1');
  for (const m of muts) {
    const at = (p: number): number => (b.length === 0 ? 0 : p % (b.length + 1));
    switch (m.kind) {
      case 'flip':
        if (b.length) b[m.pos % b.length] = m.byte;
        break;
      case 'insert': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p), Buffer.from(m.bytes), b.subarray(p)]);
        break;
      }
      case 'delete': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + m.len)]);
        break;
      }
      case 'dup': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p + m.len), b.subarray(p)]);
        break;
      }
      case 'eol':
        b = Buffer.from(b.toString('latin1').replace(/\r\n/g, m.to), 'latin1');
        break;
      case 'nul': {
        const p = at(m.pos);
        b = Buffer.concat([b.subarray(0, p), Buffer.from([0]), b.subarray(p)]);
        break;
      }
    }
  }
  return b;
}

const mutatedArb = fc
  .tuple(
    fc.array(fc.constantFrom(...CORPUS), { minLength: 1, maxLength: 4 }),
    fc.array(mutationArb, { maxLength: 8 }),
  )
  .map(([seeds, muts]) => mutate(seeds.join(''), muts));

const randomBinaryArb = fc.uint8Array({ maxLength: 8192 }).map((u) => Buffer.from(u));

const hugeLineArb = fc
  .tuple(
    fc.constantFrom('', 'Action: Ping\r\n', 'Action: UserEvent\r\nUserEvent: X\r\n', 'Action: '),
    fc.integer({ min: 900, max: 200_000 }),
    fc.constantFrom('X', 'a: ', ':', ' ', '\r'),
    fc.constantFrom('', '\r\n', '\r\n\r\n', '\n'),
  )
  .map(([pre, n, unit, end]) => Buffer.from(pre + unit.repeat(Math.ceil(n / unit.length)) + end, 'latin1'));

const manyHeadersArb = fc
  .tuple(
    fc.constantFrom('Action: UserEvent\r\nUserEvent: Many\r\n', 'Action: Ping\r\n', ''),
    fc.integer({ min: 100, max: 3000 }),
    fc.constantFrom('\r\n', '\n'),
    fc.boolean(),
  )
  .map(([pre, n, eol, terminated]) => {
    let s = pre;
    for (let i = 0; i < n; i++) s += `H${i}: v${i}${eol}`;
    return Buffer.from(s + (terminated ? eol : ''), 'latin1');
  });

const inputArb = fc.oneof(
  { weight: 5, arbitrary: mutatedArb },
  { weight: 2, arbitrary: randomBinaryArb },
  { weight: 1, arbitrary: hugeLineArb },
  { weight: 1, arbitrary: manyHeadersArb },
);

/** Cut points as fractions of the input; empty = one write. */
const chunkingArb = fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 16 });

async function writeChunked(c: RawAmi, data: Buffer, sizes: number[]): Promise<void> {
  let pos = 0;
  for (const n of sizes) {
    if (pos >= data.length) break;
    c.write(data.subarray(pos, pos + n));
    pos += n;
    await new Promise((r) => setImmediate(r));
  }
  if (pos < data.length) c.write(data.subarray(pos));
}

let pingSeq = 0;

/** Ends whatever partial line/message the fuzz left, then pings. */
async function pingAfter(c: RawAmi): Promise<RawMsg> {
  const id = `fuzz-ping-${++pingSeq}-${Math.random().toString(36).slice(2)}`;
  c.write(`\r\n\r\nAction: Ping\r\nActionID: ${id}\r\n\r\n`);
  return c.waitFor(
    (m) => m.get('ActionID') === id && m.get('Response') !== undefined,
    8000,
    'ping after fuzz',
  );
}

async function serverStillServes(): Promise<void> {
  const c = await loggedIn(srv.port, 'hello', 'world', [['Events', 'off']]);
  try {
    const r = await c.action('Ping');
    assert.equal(r.get('Ping'), 'Pong');
  } finally {
    c.destroy();
  }
}

test('corpus is loaded', () => {
  assert.ok(CORPUS.length > 50, `corpus has ${CORPUS.length} seeds`);
  assert.ok(CORPUS.some((s) => /^Action: Login/m.test(s)));
});

test(
  'fuzzed bytes into an authenticated session: it still answers Ping',
  { timeout: 60_000 * SCALE },
  async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, chunkingArb, async (raw, sizes) => {
        const c = await loggedIn(srv.port, 'admin', 'admin', [['Events', 'off']]);
        try {
          await writeChunked(c, defangAmi(raw, false), sizes);
          const r = await pingAfter(c);
          assert.equal(r.get('Response'), 'Success', r.raw);
          assert.equal(r.get('Ping'), 'Pong');
          assert.equal(c.closed, false, 'session kept');
        } finally {
          c.destroy();
        }
      }),
      { numRuns: 300 * SCALE, seed: 20261122, endOnFailure: true },
    );
    await serverStillServes();
  },
);

test(
  'fuzzed bytes into an unauthenticated session: Ping still answers Permission denied',
  { timeout: 60_000 * SCALE },
  async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, chunkingArb, async (raw, sizes) => {
        const c = await RawAmi.connect(srv.port);
        try {
          assert.equal(c.banner, 'Asterisk Call Manager/9.0.0');
          await writeChunked(c, defangAmi(raw, true), sizes);
          const r = await pingAfter(c);
          assert.equal(r.get('Response'), 'Error', r.raw);
          assert.equal(r.get('Message'), 'Permission denied');
          assert.equal(c.closed, false, 'session kept');
        } finally {
          c.destroy();
        }
      }),
      { numRuns: 200 * SCALE, seed: 4242, endOnFailure: true },
    );
    await serverStillServes();
  },
);

test(
  'fuzz with fresh seeds (not reproducible run to run), both session kinds',
  { timeout: 60_000 * SCALE },
  async () => {
    await fc.assert(
      fc.asyncProperty(inputArb, chunkingArb, fc.boolean(), async (raw, sizes, auth) => {
        const c = auth
          ? await loggedIn(srv.port, 'hello', 'world', [['Events', 'off']])
          : await RawAmi.connect(srv.port);
        try {
          await writeChunked(c, defangAmi(raw, !auth), sizes);
          const r = await pingAfter(c);
          assert.equal(r.get('Response'), auth ? 'Success' : 'Error', r.raw);
        } finally {
          c.destroy();
        }
      }),
      { numRuns: 150 * SCALE, endOnFailure: true },
    );
    await serverStillServes();
  },
);

test('memory stays bounded after all fuzzing; no session left behind', async () => {
  const deadline = Date.now() + 3000;
  while (srv.manager.sessions.size > 0 && Date.now() < deadline) await sleep(20);
  const growth = (process.memoryUsage().rss - rssStart) / 1048576;
  assert.ok(growth < 200, `RSS grew by ${growth.toFixed(1)} MB`);
  assert.equal(srv.manager.sessions.size, 0, 'sessions left open on the server');
});

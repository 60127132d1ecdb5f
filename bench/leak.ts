/**
 * Memory after a burst of calls: `node --expose-gc --import tsx bench/leak.ts [--calls 10000]
 * [--rounds 2] [--snapshot dir]`.
 *
 * Starts amikit on the demo configuration (in this process, ephemeral loopback ports), and per round
 * sends N async Originates (Local/600@default, which answers and echoes until hung up, to Wait(300)) over one AMI
 * session, waits until every channel is up, sends `Hangup Channel: /.*\/`, waits until no channel is
 * left and the CDRs are written, then forces garbage collection and reports RSS, heap used and the
 * number of Channel, Bridge and CDR objects still reachable (counted in a heap snapshot, which is
 * written to --snapshot when given). Exit status 1 if any of them is retained.
 */
import net from 'node:net';
import v8 from 'node:v8';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmikit, DEMO_DIR } from '../src/server.js';
import { silentLogger } from '../src/logger.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) {
  console.error('run with node --expose-gc');
  process.exit(2);
}

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : dflt;
}
const CALLS = Number(arg('--calls', '10000'));
const ROUNDS = Number(arg('--rounds', '2'));
const SNAPSHOT_DIR = arg('--snapshot', '');

const mb = (n: number): number => Math.round(n / 1048576);

/**
 * Objects in a heap snapshot whose constructor has the given name and that own a property of the given
 * name (`Channel` with `driverTimers` is ours, not node:diagnostics_channel's Channel).
 */
export function countInSnapshot(file: string, kinds: Record<string, string>): Record<string, number> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: {
      meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const meta = snap.snapshot.meta;
  const stride = meta.node_fields.length;
  const estride = meta.edge_fields.length;
  const typeIdx = meta.node_fields.indexOf('type');
  const nameIdx = meta.node_fields.indexOf('name');
  const edgeCountIdx = meta.node_fields.indexOf('edge_count');
  const edgeTypeIdx = meta.edge_fields.indexOf('type');
  const edgeNameIdx = meta.edge_fields.indexOf('name_or_index');
  const objectType = meta.node_types[0].indexOf('object');
  const propertyType = meta.edge_types[0].indexOf('property');
  const toIdx = meta.edge_fields.indexOf('to_node');
  const weakType = meta.edge_types[0].indexOf('weak');
  const internalType = meta.edge_types[0].indexOf('internal');
  // Candidates: objects of a wanted constructor that own the wanted property.
  const candidates = new Map<number, string>();
  let edge = 0;
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const edges = snap.nodes[i + edgeCountIdx];
    const first = edge;
    edge += edges * estride;
    if (snap.nodes[i + typeIdx] !== objectType) continue;
    const name = snap.strings[snap.nodes[i + nameIdx]];
    const prop = kinds[name];
    if (prop === undefined) continue;
    for (let e = first; e < edge; e += estride)
      if (
        snap.edges[e + edgeTypeIdx] === propertyType &&
        snap.strings[snap.edges[e + edgeNameIdx]] === prop
      ) {
        candidates.set(i, name);
        break;
      }
  }
  // Held by something else than a weak edge or V8's allocation-site boilerplate (the JIT's template
  // of an object literal, `transition_info`), which is no object of the program's.
  const held = new Set<number>();
  for (let e = 0; e < snap.edges.length; e += estride) {
    const to = snap.edges[e + toIdx];
    if (!candidates.has(to) || snap.edges[e + edgeTypeIdx] === weakType) continue;
    const internal = snap.edges[e + edgeTypeIdx] === internalType;
    if (internal && snap.strings[snap.edges[e + edgeNameIdx]] === 'transition_info') continue;
    held.add(to);
  }
  const out: Record<string, number> = Object.fromEntries(Object.keys(kinds).map((n) => [n, 0]));
  for (const [node, name] of candidates) if (held.has(node)) out[name]++;
  return out;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}

class Ami {
  private buf = '';
  private waiters: Array<() => void> = [];
  constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      if (this.buf.length > 1 << 20) this.buf = this.buf.slice(-65536);
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async connect(port: number): Promise<Ami> {
    const s = net.connect({ port, host: '127.0.0.1' });
    await new Promise((r) => s.once('connect', r));
    return new Ami(s);
  }
  async until(needle: string, timeoutMs = 120_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.buf.includes(needle)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${needle}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    this.buf = this.buf.slice(this.buf.indexOf(needle) + needle.length);
  }
  send(pairs: Array<[string, string]>): void {
    this.sock.write(pairs.map(([k, v]) => `${k}: ${v}\r\n`).join('') + '\r\n');
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'amikit-leak-'));
  const srv = await startAmikit({
    configDir: DEMO_DIR,
    demo: true,
    dataDir,
    amiPort: 0,
    tlsPort: 0,
    httpPort: 0,
    sipPort: 0,
    bind: '127.0.0.1',
    logger: silentLogger(),
    staticRoot: false,
  });
  const pbx = srv.core?.pbx;
  if (!pbx || !srv.amiAddress || !srv.demoCredentials) throw new Error('no telephony core');
  const ami = await Ami.connect(srv.amiAddress.port);
  ami.send([
    ['Action', 'Login'],
    ['Username', srv.demoCredentials.username],
    ['Secret', srv.demoCredentials.secret],
    ['Events', 'off'],
  ]);
  await ami.until('Authentication accepted');
  await settle();
  const base = process.memoryUsage();
  console.log(`start: RSS ${mb(base.rss)} MB, heap ${mb(base.heapUsed)} MB`);
  let retained = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const t0 = Date.now();
    for (let i = 0; i < CALLS; i++) {
      ami.send([
        ['Action', 'Originate'],
        ['Channel', 'Local/600@default'],
        ['Application', 'Wait'],
        ['Data', '300'],
        ['Async', 'true'],
        ['ActionID', `o${round}-${i}`],
      ]);
      if (i % 500 === 499 || i === CALLS - 1) await ami.until(`ActionID: o${round}-${i}\r\n`);
    }
    // Every call up: two Local halves per call.
    for (let waited = 0; pbx.channels().filter((c) => c.state === 6).length < CALLS * 2; waited += 100) {
      if (waited > 600_000) throw new Error(`only ${pbx.channels().length} channels after 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const peak = process.memoryUsage();
    ami.send([
      ['Action', 'Hangup'],
      ['Channel', '/.*/'],
      ['ActionID', `h${round}`],
    ]);
    await ami.until(`ActionID: h${round}\r\n`);
    while (pbx.channels().length > 0) await new Promise((r) => setTimeout(r, 100));
    // CDRs are written a tick after the hangup.
    await new Promise((r) => setTimeout(r, 500));
    await settle();
    const after = process.memoryUsage();
    let counts: Record<string, number> = {};
    const dir = SNAPSHOT_DIR || mkdtempSync(join(tmpdir(), 'amikit-heap-'));
    const file = v8.writeHeapSnapshot(join(dir, `round${round}.heapsnapshot`));
    counts = countInSnapshot(file, {
      Channel: 'driverTimers', // an object-valued field: a number (Smi) field has no edge in a snapshot
      Bridge: 'members',
      Object: 'disposition', // CDR records are plain objects: { ..., disposition, ... }
    });
    if (!SNAPSHOT_DIR) rmSync(dir, { recursive: true, force: true });
    await settle();
    const afterSnap = process.memoryUsage();
    retained += counts.Channel + counts.Bridge + counts.Object;
    console.log(
      `round ${round}: ${CALLS} calls up in ${((Date.now() - t0) / 1000).toFixed(1)} s; ` +
        `RSS peak ${mb(peak.rss)} MB, after hangup+GC ${mb(after.rss)} MB (heap ${mb(after.heapUsed)} MB, ` +
        `${mb(afterSnap.rss)} MB RSS after the snapshot); retained ${JSON.stringify({ Channel: counts.Channel, Bridge: counts.Bridge, CDR: counts.Object })}`,
    );
  }
  ami.sock.destroy();
  await srv.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(retained ? 1 : 0);
}

if (process.argv[1]?.endsWith('leak.ts')) void main();

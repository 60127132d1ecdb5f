/**
 * The in-process parser target of `npm run fuzz`, in a child process of its own so that it runs at
 * full speed on one core while the socket targets keep the server's event loop in the parent.
 * Argv: <inputs> <seed>. Reports `{ count, failures, peakRssMb, done }` over IPC about once a second.
 */
import { Rng, chunkSizes, fuzzParsers, loadCorpus, mutatedInput } from './targets.js';

interface ParserFailure {
  target: 'parser';
  kind: 'crash';
  message: string;
  input: string;
}

const quota = Number(process.argv[2]);
const rng = new Rng(Number(process.argv[3]) >>> 0);
const corpus = loadCorpus();
const seeds = [...corpus.ami, ...corpus.http, ...corpus.sip];
const failures: ParserFailure[] = [];
let count = 0;

const report = (done: boolean): void => {
  process.send?.({
    count,
    failures: failures.slice(0, 20),
    crashes: failures.length,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    done,
  });
};

/** The input with one byte replaced, or one byte inserted. */
function oneByteVariant(r: Rng, b: Buffer): Buffer {
  const byte = r.pick([0, 10, 13, 32, 58, r.int(256)]);
  if (b.length === 0 || r.chance(0.3)) {
    const p = r.int(b.length + 1);
    return Buffer.concat([b.subarray(0, p), Buffer.from([byte]), b.subarray(p)]);
  }
  const c = Buffer.from(b);
  c[r.int(c.length)] = byte;
  return c;
}

let last = Date.now();
while (count < quota) {
  // A full mutation costs as much as parsing; eight one-byte variants of each spread that cost.
  const base = mutatedInput(rng, seeds, 16384);
  const sizes = chunkSizes(rng);
  for (let v = 0; v < 8 && count < quota; v++, count++) {
    const input = v === 0 ? base : oneByteVariant(rng, base);
    try {
      fuzzParsers(input, sizes, rng.int(4));
    } catch (e) {
      failures.push({
        target: 'parser',
        kind: 'crash',
        message: String((e as Error).stack ?? e),
        input: input.toString('base64'),
      });
    }
  }
  if (Date.now() - last > 1000) {
    last = Date.now();
    report(false);
  }
}
report(true);
process.disconnect?.();

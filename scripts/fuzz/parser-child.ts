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

let last = Date.now();
while (count < quota) {
  const input = mutatedInput(rng, seeds, 16384);
  try {
    fuzzParsers(input, chunkSizes(rng), rng.int(4));
  } catch (e) {
    failures.push({
      target: 'parser',
      kind: 'crash',
      message: String((e as Error).stack ?? e),
      input: input.toString('base64'),
    });
  }
  count++;
  if ((count & 1023) === 0 && Date.now() - last > 1000) {
    last = Date.now();
    report(false);
  }
}
report(true);
process.disconnect?.();

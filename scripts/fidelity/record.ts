/**
 * Records fidelity scenarios from a live AMI server (a real Asterisk 20) into
 * test/fixtures/fidelity/recorded/. For each scenario: the restart command brings the server up on
 * the scenario's configuration (its directory is in $FIDELITY_CONFIG), the scenario's settle time
 * passes, then its steps run and what the server sent is written as NAME.jsonl and NAME.txt.
 *
 *   node --import tsx scripts/fidelity/record.ts [--port 15038] [--tls-port 15039]
 *        [--restart 'bash scripts/fidelity/asterisk-ref.sh'] [NAME|PREFIX ...]
 *
 * See docs/fidelity.md.
 */
import { execSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadScenario } from '../../src/testing/fidelity/scenario.js';
import { recordScenario, renderTranscript } from '../../src/testing/fidelity/record.js';
import { mergedConfigDir } from '../../src/testing/fidelity/config.js';
import { FIDELITY_DIR, FIDELITY_SECRETS } from '../../src/testing/fidelity/fixtures.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '15038' },
    'tls-port': { type: 'string', default: '15039' },
    restart: { type: 'string' },
    out: { type: 'string', default: join(FIDELITY_DIR, 'recorded') },
  },
});

const scenarioDir = join(FIDELITY_DIR, 'scenarios');
const all = readdirSync(scenarioDir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -5))
  .sort();
const chosen = positionals.length ? all.filter((n) => positionals.some((p) => n.startsWith(p))) : all;
if (!chosen.length) {
  console.error(`no scenario matches ${positionals.join(' ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of chosen) {
  const sc = loadScenario(join(scenarioDir, `${name}.yaml`));
  const conf = mergedConfigDir(join(FIDELITY_DIR, 'config'), sc.config);
  try {
    if (values.restart) {
      execSync(values.restart, {
        stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, FIDELITY_CONFIG: conf, FIDELITY_SIP: sc.sip ? '1' : '' },
      });
      await new Promise((r) => setTimeout(r, sc.settle * 1000));
    }
    const rec = await recordScenario(sc, {
      host: values.host ?? '127.0.0.1',
      amiPort: Number(values.port),
      tlsPort: Number(values['tls-port']),
      secrets: FIDELITY_SECRETS,
    });
    writeFileSync(join(values.out ?? '.', `${name}.jsonl`), rec.lines.join('\n') + '\n');
    writeFileSync(join(values.out ?? '.', `${name}.txt`), renderTranscript(rec.lines));
    const n = rec.lines.filter((l) => l.includes('"dir":"recv"')).length;
    console.log(`${name}: ${n} chunks${rec.problems.length ? `; PROBLEMS: ${rec.problems.join('; ')}` : ''}`);
    if (rec.problems.length) failed++;
  } finally {
    rmSync(conf, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);

/**
 * The configuration directory of the call benchmark (bench/calls.ts, bench/calls-child.ts):
 *   - manager.conf: user bench/bench, read=all write=all, writetimeout as given;
 *   - sip.conf: `peers` caller phones `phone-00..` and `peers` answering phones `agent-00..`
 *     (dynamic peers, registered as simulated phones by the server child, as the demo does);
 *   - extensions.conf [bench]: `_1XX` Dial(SIP/agent-XX), `600` Answer + Echo;
 *   - simulation.conf: every phone answers after `answerMs` and never hangs up by itself;
 *   - cdr_manager.conf: enabled, so that every call's Cdr event reaches AMI too.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CallsConfig {
  peers: number;
  answerMs: number;
  writeTimeoutMs: number;
}

/** Writes the files into a new temp directory and returns its path (the caller removes it). */
export function writeCallsConfig(c: CallsConfig): string {
  const pad = (i: number): string => String(i).padStart(2, '0');
  const dir = mkdtempSync(join(tmpdir(), 'amikit-bench-calls-'));
  const files: Record<string, string> = {
    'manager.conf': `[general]
enabled = yes
bindaddr = 127.0.0.1

[bench]
secret = bench
read = all
write = all
writetimeout = ${c.writeTimeoutMs}
`,
    'sip.conf': [
      '[general]',
      'udpbindaddr = 127.0.0.1:0',
      '',
      '[phone](!)',
      'type = friend',
      'host = dynamic',
      'context = bench',
      '',
      ...Array.from({ length: c.peers }, (_, i) => `[phone-${pad(i)}](phone)\n[agent-${pad(i)}](phone)\n`),
    ].join('\n'),
    'extensions.conf': `[bench]
exten => _1XX,1,Dial(SIP/agent-\${EXTEN:1},30)
 same => n,Hangup()

exten => 600,1,Answer()
 same => n,Echo()
`,
    'cdr_manager.conf': `[general]
enabled = yes
`,
    'simulation.conf': `[general]
mode = answer
answerafterms = ${c.answerMs}
talktime = 0
`,
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/**
 * The PJSIP module's CLI commands (through `Command`): `pjsip show|list <objects> [like <regex>]`,
 * `pjsip show <object> <id>` and `pjsip qualify <endpoint>`, laid out by format.ts.
 */
import type { Manager } from '../../manager/manager.js';
import type { CliResult } from '../../manager/cli.js';
import { PatternError, tryCompilePattern } from '../../pattern/index.js';
import { val } from './config.js';
import type { PjsipState } from './state.js';
import type { Qualifier } from './qualify.js';
import { cliTraverse, type CliObjectKind } from './format.js';

export interface PjsipCliEnv {
  state: PjsipState;
  qualifier: Qualifier;
}

const USAGE: Record<string, string> = {
  endpoint: 'Usage: pjsip show endpoint <id>\n       Show PJSIP Endpoint',
};

export function registerPjsipCli(m: Manager, env: PjsipCliEnv): void {
  const now = (): number => Math.floor(Date.now() / 1000);
  const kinds: Array<[string, CliObjectKind]> = [
    ['endpoint', 'endpoint'],
    ['aor', 'aor'],
    ['auth', 'auth'],
    ['contact', 'contact'],
    ['transport', 'transport'],
    ['identify', 'identify'],
    ['registration', 'registration'],
  ];
  const plural = (w: string): string => (w.endsWith('y') ? w.slice(0, -1) + 'ies' : w + 's');
  for (const [word, kind] of kinds) {
    const title = word.charAt(0).toUpperCase() + word.slice(1);
    for (const verb of ['show', 'list'] as const) {
      const usage = `Usage: pjsip ${verb} ${plural(word)} [ like <pattern> ]\n       ${verb === 'show' ? 'Show' : 'List'} the configured PJSIP ${title}s\n       Optional regular expression pattern is used to filter the list.`;
      m.cli.register({
        words: ['pjsip', verb, plural(word)],
        summary: `${verb === 'show' ? 'Show' : 'List'} PJSIP ${title}s`,
        usage,
        handler: (args): CliResult => {
          // ast_sip_cli_traverse_objects: `like <regex>` filters by id; other words are ignored.
          if (args[0] !== 'like')
            return cliTraverse(env.state, kind, verb === 'show', true, undefined, now());
          if (!args[1]) return { lines: usage.split('\n'), failed: true };
          const re = tryCompilePattern(args[1]);
          if (re instanceof PatternError)
            return { lines: [`No container returned for object type ${kind}.`], failed: true };
          return cliTraverse(env.state, kind, verb === 'show', true, undefined, now(), re);
        },
      });
    }
    if (
      kind === 'registration' ||
      kind === 'contact' ||
      kind === 'endpoint' ||
      kind === 'aor' ||
      kind === 'auth' ||
      kind === 'transport' ||
      kind === 'identify'
    ) {
      m.cli.register({
        words: ['pjsip', 'show', word],
        summary: `Show PJSIP ${title}`,
        usage: USAGE[word] ?? `Usage: pjsip show ${word} <id>\n       Show PJSIP ${title}`,
        handler: (args): CliResult => cliTraverse(env.state, kind, true, false, args[0], now()),
      });
    }
  }
  m.cli.register({
    words: ['pjsip', 'qualify'],
    summary: 'Send an OPTIONS request to a PJSIP endpoint',
    usage:
      'Usage: pjsip qualify <endpoint>\n       Send a SIP OPTIONS request to all contacts on the endpoint.',
    handler: (args): CliResult => {
      if (args.length !== 1)
        return {
          lines: [
            'Usage: pjsip qualify <endpoint>',
            '       Send a SIP OPTIONS request to all contacts on the endpoint.',
          ],
          failed: true,
        };
      const ep = env.state.find('endpoint', args[0]);
      if (!ep) return { lines: [`Unable to retrieve endpoint ${args[0]}`], failed: true };
      if (!val(ep, 'aors')) return { lines: [`No AORs configured for endpoint '${args[0]}'`], failed: true };
      const lines: string[] = [];
      for (const aor of env.state.aorsOf(ep)) {
        lines.push(`Qualifying AOR '${aor.id}' on endpoint '${ep.id}'`);
        for (const c of env.state.contactsOf(aor.id)) env.qualifier.poke(c);
      }
      return { lines };
    },
  });
}

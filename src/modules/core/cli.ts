/**
 * The CLI commands of the telephony core that the Command action runs: `core show channels
 * [concise|verbose|count]`, `core show channel`, `channel request hangup`, `dialplan show` and
 * `database show|showkey` (main/cli.c, main/pbx.c, main/db.c), in Asterisk 20.20.1's formats.
 */
import { basename } from 'node:path';
import type { CliResult } from '../../manager/cli.js';
import type { Manager } from '../../manager/manager.js';
import { SoftHangup } from '../../pbx/causes.js';
import type { Channel } from '../../pbx/channel.js';
import { stateDesc } from '../../pbx/channel.js';
import { extenMatches } from '../../pbx/extpattern.js';
import type { Pbx } from '../../pbx/pbx.js';
import { channelFormats } from './channel-actions.js';
import { walkContexts, walkPriorities } from './info-actions.js';
import { compileRegex, ess, globToRegex, hms, padCol, padLeft } from './util.js';
import { PatternError } from '../../pattern/index.js';

export interface CliEnv {
  pbx: Pbx;
  age(ch: Channel): number;
  /** ast_active_calls(): channels running the dialplan. */
  activeCalls(): number;
  processedCalls(): number;
}

const USAGE_CHANNELS =
  'Usage: core show channels [concise|verbose|count]\n' +
  '       Lists currently defined channels and some information about them. If\n' +
  "       'concise' is specified, the format is abridged and in a more easily\n" +
  "       machine parsable format. If 'verbose' is specified, the output includes\n" +
  "       more and longer fields. If 'count' is specified only the channel and call\n" +
  '       count is output.';

const USAGE_CHANNEL =
  'Usage: core show channel <channel>\n       Shows lots of information about the specified channel.';

const USAGE_HANGUP =
  'Usage: channel request hangup <all>|<channel> [<channel> ...]\n' +
  '       Request that one or more channels be hung up. The hangup takes\n' +
  '       effect the next time the driver reads or writes from the channel.\n\n' +
  "       If 'all' is specified instead of a channel name, all channels\n" +
  '       will see the hangup request.\n\n' +
  '       A POSIX Extended Regular Expression can be provided in the place\n' +
  '       of a fixed channel name by wrapping it in forward slashes\n' +
  '       (e.g. /^PJSIP.*/). Note that the expression will match any part\n' +
  '       of the channel name unless anchored explicitly by ^ and/or $.\n\n' +
  '       Finally, wildcards (*) and other glob-like characters can also\n' +
  '       be used to match more than one channel. Similar to how path globs\n' +
  '       behave, a forward slash cannot be matched with a wildcard or\n' +
  '       bracket expression. In other words, if you want to hangup all\n' +
  '       Local channels, you must specify Local/* and not Loc*.';

const USAGE_DIALPLAN = 'Usage: dialplan show [[exten@]context]\n       Show dialplan';

const USAGE_DBSHOW =
  'Usage: database show [family [keytree]]\n' +
  '   OR: database show [family[/keytree]]\n' +
  '       Shows Asterisk database contents, optionally restricted\n' +
  '       to a given family, or family and keytree. The two arguments\n' +
  '       may be separated either by a space or by a slash.';

const USAGE_DBSHOWKEY =
  'Usage: database showkey <keytree>\n       Shows Asterisk database contents, restricted to a given key.';

const usage = (text: string): CliResult => ({ lines: text.split('\n'), failed: true });

/** snprintf into a char[40]: at most 39 characters. */
const buf40 = (s: string): string => s.slice(0, 39);

export function coreShowChannels(env: CliEnv, args: string[]): CliResult {
  const { pbx } = env;
  let concise = false;
  let verbose = false;
  let count = false;
  if (args.length === 1) {
    const a = args[0].toLowerCase();
    if (a === 'concise') concise = true;
    else if (a === 'verbose') verbose = true;
    else if (a === 'count') count = true;
    else return usage(USAGE_CHANNELS);
  } else if (args.length !== 0) return usage(USAGE_CHANNELS);
  const lines: string[] = [];
  const fmt = (a: string, b: string, c: string, d: string): string =>
    `${padCol(a, 64)} ${padCol(b, 32)} ${padCol(c, 7)} ${padCol(d, 30)}`;
  const vfmt = (c: string[]): string =>
    `${padCol(c[0], 80)} ${padCol(c[1], 24)} ${padCol(c[2], 24)} ${c[3]} ${padCol(c[4], 7)} ${padCol(c[5], 12)} ${padCol(c[6], 25)} ${padCol(c[7], 15)} ${padLeft(c[8].slice(0, 8), 8)} ${padCol(c[9], 11)} ${padCol(c[10], 11)} ${padCol(c[11], 20)}`;
  if (!count) {
    if (!concise && !verbose) lines.push(fmt('Channel', 'Location', 'State', 'Application(Data)'));
    else if (verbose)
      lines.push(
        vfmt([
          'Channel',
          'Context',
          'Extension',
          padCol('Priority', 4),
          'State',
          'Application',
          'Data',
          'CallerID',
          'Duration',
          'Accountcode',
          'PeerAccount',
          'BridgeID',
        ]),
      );
    for (const ch of pbx.channelsInContainerOrder()) {
      const state = stateDesc(ch.state);
      const age = env.age(ch);
      if (concise) {
        lines.push(
          [
            ch.name,
            ch.context,
            ch.exten,
            String(ch.priority),
            state,
            ch.application || '(None)',
            ch.applicationData,
            ch.callerIdNum,
            ch.accountCode,
            ch.peerAccount,
            String(ch.amaFlagsNum),
            String(age),
            ch.bridgeId,
            ch.uniqueid,
          ].join('!'),
        );
      } else if (verbose) {
        lines.push(
          vfmt([
            ch.name,
            ch.context,
            ch.exten,
            padLeft(String(ch.priority), 4),
            state,
            ch.application || '(None)',
            ch.applicationData || '(Empty)',
            ch.callerIdNum,
            hms(age),
            ch.accountCode,
            ch.peerAccount,
            ch.bridgeId,
          ]),
        );
      } else {
        const loc = ch.context && ch.exten ? buf40(`${ch.exten}@${ch.context}:${ch.priority}`) : '(None)';
        const appdata = ch.application ? buf40(`${ch.application}(${ch.applicationData})`) : '(None)';
        lines.push(fmt(ch.name, loc, state, appdata));
      }
    }
  }
  if (!concise) {
    const n = pbx.channels().length;
    const calls = env.activeCalls();
    const processed = env.processedCalls();
    lines.push(
      `${n} active channel${ess(n)}`,
      `${calls} active call${ess(calls)}`,
      `${processed} call${ess(processed)} processed`,
    );
  }
  return { lines };
}

export function coreShowChannel(env: CliEnv, args: string[]): CliResult {
  if (args.length !== 1) return usage(USAGE_CHANNEL);
  const { pbx } = env;
  const ch = pbx.findChannel(args[0]);
  if (!ch) return { lines: [`${args[0]} is not a known channel`] };
  const elapsed = env.age(ch);
  const f = channelFormats(ch);
  const na = (s: string): string => s || '(N/A)';
  const lines = [
    ' -- General --',
    `           Name: ${ch.name}`,
    `           Type: ${ch.tech}`,
    `       UniqueID: ${ch.uniqueid}`,
    `       LinkedID: ${ch.linkedid}`,
    `      Caller ID: ${na(ch.callerIdNum)}`,
    ` Caller ID Name: ${na(ch.callerIdName)}`,
    `Connected Line ID: ${na(ch.connectedLineNum)}`,
    `Connected Line ID Name: ${na(ch.connectedLineName)}`,
    `Eff. Connected Line ID: ${na(ch.connectedLineNum)}`,
    `Eff. Connected Line ID Name: ${na(ch.connectedLineName)}`,
    `    DNID Digits: ${na(ch.dnid)}`,
    `       Language: ${ch.language}`,
    `          State: ${stateDesc(ch.state)} (${ch.state})`,
    `  NativeFormats: ${f.native}`,
    `    WriteFormat: ${f.write}`,
    `     ReadFormat: ${f.read}`,
    ' WriteTranscode: No ',
    '  ReadTranscode: No ',
    ` Time to Hangup: ${Math.floor(ch.hangupTime / 1000)}`,
    `   Elapsed Time: ${Math.floor(elapsed / 3600)}h${Math.floor((elapsed % 3600) / 60)}m${elapsed % 60}s`,
    `      Bridge ID: ${ch.bridgeId || '(Not bridged)'}`,
    ' --   PBX   --',
    `        Context: ${ch.context}`,
    `      Extension: ${ch.exten}`,
    `       Priority: ${ch.priority}`,
    '     Call Group: 0',
    '   Pickup Group: 0',
    `    Application: ${ch.application || '(N/A)'}`,
    `           Data: ${ch.applicationData || '(Empty)'}`,
    ' Call Identifier: (None)',
    '      Variables:',
    ...[...ch.vars.entries()].reverse().map(([k, v]) => `${k}=${v}`),
    ' -- Streams --',
    'Name: audio-0',
    '    Type: audio',
    '    State: sendrecv',
    '    Group: -1',
    `    Formats: ${f.native}`,
    '    Metadata:',
  ];
  return { lines };
}

export function channelRequestHangup(env: CliEnv, args: string[]): CliResult {
  if (args.length < 1) return usage(USAGE_HANGUP);
  const { pbx } = env;
  const lines: string[] = [];
  const hangupMatching = (match: (name: string) => boolean): number => {
    let n = 0;
    const done = new Set<Channel>();
    for (const ch of pbx.channelsInContainerOrder()) {
      if (!match(ch.name) || ch.dead) continue;
      lines.push(`Requested Hangup on channel '${ch.name}'`);
      // Same workaround as the Hangup action (see channel-actions.ts).
      if (!(ch.localPeer && done.has(ch.localPeer) && ch.inPbx && ch.localPeer.inPbx))
        pbx.softHangup(ch, SoftHangup.EXPLICIT);
      done.add(ch);
      n++;
    }
    return n;
  };
  if (args[0].toLowerCase() === 'all') {
    hangupMatching(() => true);
    return { lines };
  }
  for (const a of args) {
    const ch = pbx.findChannel(a);
    if (ch) {
      lines.push(`Requested Hangup on channel '${ch.name}'`);
      pbx.softHangup(ch, SoftHangup.EXPLICIT);
      continue;
    }
    if (a.length >= 2 && a.startsWith('/') && a.endsWith('/')) {
      const re = compileRegex(a.slice(1, -1), true);
      if (re instanceof PatternError) {
        lines.push(`${a} is not a valid POSIX Extended Regular Expression: ${re.message}`);
        continue;
      }
      if (!hangupMatching((n) => re.testHead(n))) lines.push(`${a} did not match a known channel`);
    } else if (/[?*[]/.test(a)) {
      const re = globToRegex(a);
      // A glob too big for the engine is one fnmatch would not match anything with either.
      const hit = !(re instanceof PatternError) && hangupMatching((n) => re.testHead(n));
      if (!hit) lines.push(`${a} did not match a known channel`);
    } else lines.push(`${a} is not a known channel`);
  }
  return { lines };
}

export function dialplanShow(env: CliEnv, args: string[]): CliResult {
  if (args.length > 1) return usage(USAGE_DIALPLAN);
  const { pbx } = env;
  let context: string | undefined;
  let exten: string | undefined;
  if (args.length === 1) {
    const at = args[0].indexOf('@');
    if (at >= 0) {
      exten = args[0].slice(0, at) || undefined;
      context = args[0].slice(at + 1) || undefined;
    } else context = args[0] || undefined;
  }
  const dpc = {
    totalContext: 0,
    totalExten: 0,
    totalPrio: 0,
    contextExistence: false,
    extensionExistence: false,
  };
  const lines: string[] = [];
  const out = (a: string, b: string, reg: string): void =>
    void lines.push(`  ${a.padEnd(17)} ${b.padEnd(45)} [${reg}]`);
  const helper = (ctxName: string | undefined, rinclude: boolean, includes: string[]): void => {
    for (const c of walkContexts(pbx)) {
      if (ctxName && c.name !== ctxName) continue;
      dpc.contextExistence = true;
      let printed = false;
      if (!exten) {
        dpc.totalContext++;
        lines.push(`[ Context '${c.name}' created by '${c.registrar}' ]`);
        printed = true;
      }
      for (const e of c.extensions) {
        if (exten && !extenMatches(e.name, exten)) continue;
        dpc.extensionExistence = true;
        if (!printed) {
          dpc.totalContext++;
          lines.push(
            rinclude
              ? `[ Included context '${c.name}' created by '${c.registrar}' ]`
              : `[ Context '${c.name}' created by '${c.registrar}' ]`,
          );
          printed = true;
        }
        const prios = walkPriorities(e);
        prios.forEach((p, i) => {
          dpc.totalPrio++;
          const first = i === 0;
          const label = first
            ? e.cid
              ? `'${e.name}' (CID match '${e.cid}') => `
              : `'${e.name}' =>`
            : p.label
              ? `   [${p.label}]`
              : '';
          const text = p.priority === 'hint' ? `hint: ${p.app}` : `${p.priority}. ${p.app}(${p.appData})`;
          const reg = p.file ? `${basename(p.file)}:${p.line}` : c.registrar;
          out(label, text, reg);
        });
        dpc.totalExten++;
      }
      for (const inc of c.includes) {
        if (exten) {
          if (includes.some((x) => x.toLowerCase() === inc.toLowerCase())) continue;
          helper(inc, true, [...includes, inc]);
        } else lines.push(`  Include =>        ${`'${inc}'`.padEnd(45)} [${c.registrar}]`);
      }
      for (const ip of c.ignorePats) {
        if (!exten || extenMatches(`_${ip}.`, exten))
          lines.push(`  Ignore pattern => ${`'${ip}'`.padEnd(45)} [${c.registrar}]`);
      }
      if (printed) lines.push('');
    }
  };
  helper(context, false, []);
  if (context && !dpc.contextExistence)
    return { lines: [...lines, `There is no existence of '${context}' context`], failed: true };
  if (exten && !dpc.extensionExistence) {
    const msg = context
      ? `There is no existence of ${exten}@${context} extension`
      : `There is no existence of '${exten}' extension in all contexts`;
    return { lines: [...lines, msg], failed: true };
  }
  lines.push(
    `-= ${dpc.totalExten} ${dpc.totalExten === 1 ? 'extension' : 'extensions'} (${dpc.totalPrio} ${dpc.totalPrio === 1 ? 'priority' : 'priorities'}) in ${dpc.totalContext} ${dpc.totalContext === 1 ? 'context' : 'contexts'}. =-`,
  );
  return { lines };
}

export function databaseShow(env: CliEnv, args: string[]): CliResult {
  if (args.length > 2) return usage(USAGE_DBSHOW);
  const rows = env.pbx.astdb.gettree(args[0] ?? '', args[1] ?? '');
  return {
    lines: [
      ...rows.map((r) => `${r.key.padEnd(50)}: ${r.value.padEnd(25)}`),
      `${rows.length} results found.`,
    ],
  };
}

export function databaseShowkey(env: CliEnv, args: string[]): CliResult {
  if (args.length !== 1) return usage(USAGE_DBSHOWKEY);
  const rows = env.pbx.astdb.showkey(args[0]);
  return {
    lines: [
      ...rows.map((r) => `${r.key.padEnd(50)}: ${r.value.padEnd(25)}`),
      `${rows.length} results found.`,
    ],
  };
}

export function registerCoreCli(manager: Manager, env: CliEnv): void {
  const cli = manager.cli;
  cli.register({
    words: ['core', 'show', 'channels'],
    summary: 'Display information on channels',
    usage: USAGE_CHANNELS,
    maxArgs: 1,
    handler: (args) => coreShowChannels(env, args),
  });
  cli.register({
    words: ['core', 'show', 'channel'],
    summary: 'Display information on a specific channel',
    usage: USAGE_CHANNEL,
    handler: (args) => coreShowChannel(env, args),
  });
  cli.register({
    words: ['channel', 'request', 'hangup'],
    summary: 'Request a hangup on a given channel',
    usage: USAGE_HANGUP,
    handler: (args) => channelRequestHangup(env, args),
  });
  cli.register({
    words: ['dialplan', 'show'],
    summary: 'Show dialplan',
    usage: USAGE_DIALPLAN,
    handler: (args) => dialplanShow(env, args),
  });
  cli.register({
    words: ['database', 'show'],
    summary: 'Shows database contents',
    usage: USAGE_DBSHOW,
    handler: (args) => databaseShow(env, args),
  });
  cli.register({
    words: ['database', 'showkey'],
    summary: 'Shows database contents',
    usage: USAGE_DBSHOWKEY,
    handler: (args) => databaseShowkey(env, args),
  });
}

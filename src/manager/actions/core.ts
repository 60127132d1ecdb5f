/**
 * The actions that belong to the manager itself (main/manager.c), and its CLI commands.
 */
import type { ActionContext } from '../context.js';
import type { Manager } from '../manager.js';
import type { AmiModule } from '../module.js';
import type { CliResult } from '../cli.js';
import { compileFilter, MAX_SESSION_FILTERS } from '../filters.js';
import { formatTimestamp } from '../events.js';
import { EVENT_FLAG, authorityToString, stringsToMask } from '../../config/permissions.js';
import { releaseSpec } from '../../spec.js';
import type { ActionSpec } from '../action.js';
import { MANAGER_EVENTS, USER_EVENT } from '../manager-events.js';
import { scanfInt } from '../../config/cstr.js';
import { actionChallenge, actionLogin, actionLogoff } from './auth.js';

function actionPing(ctx: ActionContext): void {
  ctx.success([
    ['Ping', 'Pong'],
    ['Timestamp', formatTimestamp(Date.now())],
  ]);
}

function actionEvents(ctx: ActionContext): void {
  const s = ctx.session;
  const res = stringsToMask(ctx.get('EventMask'));
  if (res >= 0) s.sendEvents = res;
  if (ctx.manager.config.general.brokeneventsaction) {
    // Legacy behaviour: no answer on error or when every class was asked for.
    if (res < 0 || res === EVENT_FLAG.ALL) return;
  }
  if (res > 0) ctx.success([['Events', 'On']]);
  else if (res === 0) ctx.success([['Events', 'Off']]);
  else ctx.error('Invalid event mask');
}

function actionFilter(ctx: ActionContext): void {
  if (ctx.get('Operation').toLowerCase() !== 'add') {
    ctx.error('Unknown operation');
    return;
  }
  const criteria = ctx.get('MatchCriteria');
  const r = compileFilter(criteria ? `eventfilter(${criteria})` : 'eventfilter', ctx.get('Filter'));
  if (!r.ok) {
    ctx.error(
      r.error === 'compile'
        ? 'Filter did not compile.  Check the syntax of the filter given.'
        : 'Filter was formatted incorrectly.  Check the syntax of the filter given.',
    );
    return;
  }
  if (ctx.session.includes.length + ctx.session.excludes.length >= MAX_SESSION_FILTERS) {
    ctx.error(`Too many filters: a session may add ${MAX_SESSION_FILTERS}`);
    return;
  }
  (r.filter.exclude ? ctx.session.excludes : ctx.session.includes).push(r.filter);
  ctx.ack('Success');
}

function actionListCommands(ctx: ActionContext): void {
  const perm = ctx.session.writeperm;
  let out = 'Response: Success\r\n' + ctx.idLine();
  for (const def of ctx.manager.registry.list()) {
    if (def.privilege === 0 || perm & def.privilege) {
      out += `${def.name}: ${def.synopsis} (Priv: ${authorityToString(def.privilege)})\r\n`;
    }
  }
  ctx.append(out + '\r\n');
}

function actionUserEvent(ctx: ActionContext): void {
  const event = ctx.get('UserEvent');
  let body = '';
  for (const line of ctx.message.lines) {
    const l = line.slice(0, 10).toLowerCase();
    if (l.startsWith('userevent:') || l.startsWith('action:')) continue;
    // Lines read from a stream hold no LF; those built from HTTP parameters are made safe here.
    body += (line.indexOf('\n') < 0 ? line : line.replace(/\r?\n/g, ' ')) + '\r\n';
  }
  ctx.ack('Event Sent');
  ctx.manager.raise(USER_EVENT, { userEvent: event }, body);
}

async function actionWaitEvent(ctx: ActionContext): Promise<void> {
  let timeout = -1;
  const t = ctx.get('Timeout');
  if (t) {
    const n = scanfInt(t);
    if (n !== undefined) timeout = n < -1 ? -1 : n;
  }
  const max = ctx.session.maxWaitSec;
  if (max !== undefined) {
    // AMI over HTTP: answer before the session expires, and start recording events.
    if (timeout < 0 || timeout > max) timeout = max;
    if (ctx.session.sendEvents === 0) ctx.session.sendEvents = -1;
  }
  const events = await ctx.session.waitForEvent(timeout);
  if (ctx.session.closed) return;
  ctx.respond('Success', 'Waiting for Event completed.');
  for (const ev of events) ctx.append(ev.text);
  ctx.append('Event: WaitEventComplete\r\n' + ctx.idLine() + '\r\n');
}

function yesNo(b: boolean): string {
  return b ? 'Yes' : 'No';
}

function actionCoreSettings(ctx: ActionContext): void {
  const m = ctx.manager;
  ctx.success([
    ['AMIversion', m.profile.amiVersion],
    ['AsteriskVersion', m.profile.asteriskVersion],
    ['SystemName', m.systemName],
    ['CoreMaxCalls', '0'],
    ['CoreMaxLoadAvg', '0.000000'],
    ['CoreRunUser', ''],
    ['CoreRunGroup', ''],
    ['CoreMaxFilehandles', '0'],
    ['CoreRealTimeEnabled', 'No'],
    ['CoreCDRenabled', yesNo(m.features.cdr)],
    ['CoreHTTPenabled', yesNo(m.config.general.webenabled && m.features.http)],
    ['SoundsSearchCustomDir', 'No'],
  ]);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
function localDate(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}
function localTime(ms: number): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function actionCoreStatus(ctx: ActionContext): void {
  const m = ctx.manager;
  ctx.success([
    ['CoreStartupDate', localDate(m.startTime)],
    ['CoreStartupTime', localTime(m.startTime)],
    ['CoreReloadDate', localDate(m.reloadTime)],
    ['CoreReloadTime', localTime(m.reloadTime)],
    ['CoreCurrentCalls', String(m.currentCalls())],
    ['CoreProcessedCalls', String(m.processedCalls)],
  ]);
}

async function actionReload(ctx: ActionContext): Promise<void> {
  const module = ctx.get('Module');
  const res = await ctx.manager.reloadModule(module || undefined);
  if (res === 'ok') ctx.ack('Module Reloaded');
  else if (res === 'not-found') ctx.error('No such module');
  else ctx.error('An unknown error occurred');
}

const BLACKLIST = [
  ['module', 'load'],
  ['module', 'unload'],
  ['restart', 'gracefully'],
];

function blacklisted(cmd: string): boolean {
  const words = cmd.split(' ').filter((w) => w.length > 0);
  return BLACKLIST.some((b) => b.every((w, i) => words[i] !== undefined && words[i].toLowerCase() === w));
}

async function actionCommand(ctx: ActionContext): Promise<void> {
  const cmd = ctx.get('Command');
  if (!cmd) {
    ctx.error('No command provided');
    return;
  }
  if (blacklisted(cmd)) {
    ctx.error('Command blacklisted');
    return;
  }
  const res = await ctx.manager.runCli(cmd);
  let text = res.lines.join('\n');
  let out = 'Response: ' + (res.failed ? 'Error' : 'Success') + '\r\n' + ctx.idLine();
  out += 'Message: Command output follows\r\n';
  // The output ends with a newline that Asterisk trims once; every remaining line becomes an Output.
  for (const line of text.split('\n')) out += 'Output: ' + line.replace(/\r/g, '') + '\r\n';
  text = '';
  ctx.append(out + '\r\n');
}

/** `7 minutes, 19 seconds` (print_uptimestr). */
export function uptimeString(totalSec: number): string {
  const units: Array<[number, string]> = [
    [365 * 24 * 3600, 'year'],
    [7 * 24 * 3600, 'week'],
    [24 * 3600, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  let rest = Math.max(0, Math.floor(totalSec));
  const parts: string[] = [];
  for (const [size, name] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || (size === 1 && parts.length === 0)) parts.push(`${n} ${name}${n === 1 ? '' : 's'}`);
  }
  return parts.join(', ');
}

function registerCli(m: Manager): void {
  const ok = (lines: string[]): CliResult => ({ lines });
  m.cli.register({
    words: ['manager', 'show', 'commands'],
    summary: 'List manager interface commands',
    usage:
      'Usage: manager show commands\n\tPrints a listing of all the available Asterisk manager interface commands.',
    maxArgs: 0,
    handler: () => {
      const list = m.registry.list();
      const nameLen = Math.max(1, ...list.map((d) => d.name.length));
      const space = Math.max(0, 80 - nameLen - 4);
      const row = (a: string, b: string): string =>
        `  ${a.padEnd(nameLen).slice(0, nameLen)}  ${b.slice(0, space)}`;
      return ok([
        row('Action', 'Synopsis'),
        row('------', '--------'),
        ...list.map((d) => row(d.name, d.synopsis)),
        '',
      ]);
    },
  });
  m.cli.register({
    words: ['manager', 'show', 'command'],
    summary: 'Show a manager interface command',
    usage:
      'Usage: manager show command <actionname> [<actionname> [<actionname> [...]]]\n\tShows the detailed description for a specific Asterisk manager interface command.',
    handler: (args) => {
      if (args.length < 1) return { lines: m.cli.usageOf(['manager', 'show', 'command']), failed: true };
      const lines: string[] = [];
      for (const def of m.registry.list()) {
        if (!args.some((a) => a.toLowerCase() === def.name.toLowerCase())) continue;
        const doc = releaseSpec(m.profile).actionDocs.get(def.name.toLowerCase());
        if (doc?.cliText) {
          // The whole `manager show command` text as the release's Asterisk renders it (its spec documents).
          lines.push(...doc.cliText.replace(/\n$/, '').split('\n'));
          continue;
        }
        const section = (title: string, body: string): void => {
          lines.push(`[${title}]`, body, '');
        };
        lines.push('', `  -= Info about Manager Command '${def.name}' =- `, '');
        section('Synopsis', doc?.synopsis ?? def.synopsis);
        section('Provided By', 'Not available');
        section('Since', 'Not available');
        section('Description', doc?.description || 'Not available');
        section('Syntax', doc?.syntax || `Action: ${def.name}\n[ActionID:] <value>`);
        section(
          'Arguments',
          doc && doc.arguments.length
            ? doc.arguments.map((a) => `${a.name}\n    ${a.text}`).join('\n')
            : 'Not available',
        );
        section('Privilege', authorityToString(def.privilege));
        section('See Also', doc && doc.seeAlso.length ? doc.seeAlso.join(', ') : 'Not available');
        section('List Responses', 'None');
        section('Final Response', 'None');
      }
      return ok(lines.join('\n').split('\n'));
    },
  });
  m.cli.register({
    words: ['manager', 'show', 'connected'],
    summary: 'List connected manager interface users',
    usage:
      'Usage: manager show connected\n\tPrints a listing of the users that are currently connected to the\nAsterisk manager interface.',
    maxArgs: 0,
    handler: () => {
      const now = Math.floor(Date.now() / 1000);
      const f1 = (c: string[]): string =>
        `  ${c[0].padEnd(15).slice(0, 15)}  ${c[1].padEnd(55).slice(0, 55)}  ${c[2].padEnd(10).slice(0, 10)}  ${c[3].padEnd(10).slice(0, 10)}  ${c[4].padEnd(8).slice(0, 8)}  ${c[5].padEnd(8).slice(0, 8)}  ${c[6].padEnd(10).slice(0, 10)}  ${c[7].padEnd(10).slice(0, 10)}`;
      const lines = [
        f1(['Username', 'IP Address', 'Start', 'Elapsed', 'FileDes', 'HttpCnt', 'ReadPerms', 'WritePerms']),
      ];
      let count = 0;
      for (const s of m.sessions) {
        const start = Math.floor((s.sessionStartMs || s.connectedAt) / 1000);
        lines.push(
          f1([
            s.username,
            s.transport.remoteAddress,
            String(start),
            String(now - start),
            String(s.id),
            '0',
            String(s.readperm).padStart(10, '0'),
            String(s.writeperm).padStart(10, '0'),
          ]),
        );
        count++;
      }
      lines.push(`${count} users connected.`);
      return ok(lines);
    },
  });
  m.cli.register({
    words: ['manager', 'show', 'users'],
    summary: 'List configured manager users',
    usage:
      'Usage: manager show users\n       Prints a listing of all managers that are currently configured on that\n system.',
    maxArgs: 0,
    handler: () => {
      if (m.users.size === 0) return ok(['There are no manager users.']);
      return ok([
        '',
        'username',
        '--------',
        ...[...m.users.values()].map((u) => u.name),
        '-------------------',
        `${m.users.size} manager users configured.`,
      ]);
    },
  });
  m.cli.register({
    words: ['manager', 'reload'],
    summary: 'Reload manager configurations',
    usage: 'Usage: manager reload\n       Reloads the manager configuration.',
    maxArgs: 0,
    handler: async () => {
      await m.reloadModule('manager');
      return ok([]);
    },
  });
  m.cli.register({
    words: ['core', 'show', 'version'],
    summary: 'Display version info',
    usage: 'Usage: core show version\n       Shows Asterisk version information.',
    maxArgs: 0,
    handler: () => ok([`Asterisk ${m.profile.asteriskVersion} built by ${m.buildInfo}`]),
  });
  m.cli.register({
    words: ['core', 'show', 'uptime'],
    summary: 'Show uptime information',
    usage: 'Usage: core show uptime [seconds]\n       Shows Asterisk uptime information.',
    maxArgs: 1,
    handler: (args) => {
      const now = Date.now();
      const up = Math.floor((now - m.startTime) / 1000);
      const rl = Math.floor((now - m.reloadTime) / 1000);
      if (args[0] === 'seconds') return ok([`System uptime: ${up}`, `Last reload: ${rl}`]);
      if (args.length) return { lines: m.cli.usageOf(['core', 'show', 'uptime']), failed: true };
      return ok([`System uptime: ${uptimeString(up)}`, `Last reload: ${uptimeString(rl)}`]);
    },
  });
  m.cli.register({
    words: ['core', 'show', 'help'],
    summary: 'Display help list, or specific help on a command',
    usage:
      'Usage: core show help [topic]\n       When called with a topic as an argument, displays usage\n       information on the given command. If called without a\n       topic, it provides a list of commands.',
    handler: (args) => {
      const list = m.cli
        .list()
        .filter((c) => args.every((a, i) => c.words[i]?.toLowerCase().startsWith(a.toLowerCase())));
      return ok(list.map((c) => `${c.words.join(' ').padEnd(30)} -- ${c.summary}`));
    },
  });
}

/** main/manager.c's registrations, with the privileges it passes. */
const ACTIONS: readonly ActionSpec[] = [
  { name: 'Login', privilege: 'none', handler: actionLogin },
  { name: 'Logoff', privilege: 'none', handler: actionLogoff },
  { name: 'Challenge', privilege: 'none', handler: actionChallenge },
  { name: 'Ping', privilege: 'none', handler: actionPing },
  { name: 'Events', privilege: 'none', handler: actionEvents },
  { name: 'Filter', privilege: ['system'], handler: actionFilter },
  { name: 'ListCommands', privilege: 'none', handler: actionListCommands },
  { name: 'UserEvent', privilege: ['user'], handler: actionUserEvent },
  { name: 'WaitEvent', privilege: 'none', handler: actionWaitEvent },
  { name: 'CoreSettings', privilege: ['system', 'reporting'], handler: actionCoreSettings },
  { name: 'CoreStatus', privilege: ['system', 'reporting'], handler: actionCoreStatus },
  { name: 'Reload', privilege: ['config', 'system'], handler: actionReload },
  { name: 'Command', privilege: ['command'], handler: actionCommand },
];

/** Registers the manager's own actions and CLI commands. */
export const managerCoreModule: AmiModule = {
  name: 'manager',
  events: MANAGER_EVENTS,
  start(m: Manager) {
    m.addActions('manager', ACTIONS);
    registerCli(m);
  },
};

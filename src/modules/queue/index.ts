/**
 * The queue module (app_queue): loads queues.conf and queuerules.conf, restores persistent
 * members from astdb, registers the Queue() application family and QUEUE_* functions in the
 * PBX, and gives them their AMI surface: the Queue* actions with Asterisk's replies and error
 * texts, the `queue ...` CLI commands, and the Queue / Agent events with Asterisk 20's headers.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile } from '../../config/index.js';
import type { ConfDocument } from '../../config/types.js';
import type { ActionContext } from '../../manager/context.js';
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import type { Logger } from '../../logger.js';
import type { ActionSpec, Privilege } from '../../manager/action.js';
import type { EventDefinition } from '../../manager/event-def.js';
import { deviceStateText } from '../../pbx/devicestate.js';
import type { ChannelSnapshot } from '../../pbx/channel.js';
import type { Pbx } from '../../pbx/pbx.js';
import { channelHeaders, type Header } from '../core/snapshots.js';
import { registerQueueApps, unregisterQueueApps } from './apps.js';
import { astFalse, astTrue } from '../../config/cstr.js';
import { formatRule, parseQueueRules, parseQueuesConf } from './config.js';
import { registerGauge } from '../../manager/metrics.js';
import { deviceStateName } from '../../pbx/devicestate.js';
import { QueueEngine, type Queue, type QueueEvent } from './engine.js';
import { QUEUE_EVENT_LIST, queueEventDefinition, type Of } from './events.js';

export { QueueEngine } from './engine.js';
export { eventToAmi, memberHeaders, QUEUE_EVENTS } from './events.js';

export interface QueueModuleOptions {
  configDir: string;
  /** Where queue_log is appended (Asterisk: /var/log/asterisk/queue_log); undefined = not written. */
  queueLogPath?: string;
  log: Logger;
}

export interface QueueModule extends AmiModule {
  readonly engine: QueueEngine;
}

/** apps/app_queue.c's registrations: the privilege each passes, and whether it answers with a list. */
const ACTIONS = {
  QueueStatus: { privilege: 'none', list: true },
  QueueSummary: { privilege: 'none', list: true },
  QueueAdd: { privilege: ['agent'] },
  QueueRemove: { privilege: ['agent'] },
  QueuePause: { privilege: ['agent'] },
  QueuePenalty: { privilege: ['agent'] },
  QueueReload: { privilege: 'none' },
  QueueReset: { privilege: 'none' },
  QueueRule: { privilege: 'none' },
  QueueLog: { privilege: ['agent'] },
  QueueMemberRingInUse: { privilege: ['agent'] },
  QueueChangePriorityCaller: { privilege: 'none' },
  QueueWithdrawCaller: { privilege: 'none' },
} as const satisfies Record<string, { privilege: Privilege; list?: boolean }>;
type QueueActionName = keyof typeof ACTIONS;

/** `%2.1f` of C. */
function f1(n: number): string {
  return n.toFixed(1);
}

/** `queue show` lines for one queue (print_queue, colours off). */
export function printQueue(engine: QueueEngine, q: Queue): string[] {
  const now = engine.now();
  const out: string[] = [];
  out.push(
    `${q.name} has ${q.count} calls (max ${q.params.maxlen ? q.params.maxlen : 'unlimited'}) in '${q.params.strategy}' strategy ` +
      `(${q.holdtime}s holdtime, ${q.talktime}s talktime), W:${q.params.weight}, C:${q.callscompleted}, A:${q.callsabandoned}, ` +
      `SL:${f1(q.serviceLevelPerf())}%, SL2:${f1(q.serviceLevelPerf2())}% within ${q.params.servicelevel}s`,
  );
  if (!q.members.length) out.push('   No Members');
  else {
    out.push('   Members: ');
    for (const m of q.members) {
      let s = `      ${m.membername}`;
      if (m.membername.toLowerCase() !== m.interface.toLowerCase()) {
        s += ` (${m.interface}`;
        if (m.stateInterface && m.stateInterface !== m.interface) s += ` from ${m.stateInterface}`;
        s += ')';
      }
      if (m.penalty) s += ` with penalty ${m.penalty}`;
      s += ` (ringinuse ${m.ringinuse ? 'enabled' : 'disabled'})`;
      if (m.dynamic) s += ' (dynamic)';
      if (m.starttime) s += ' (in call)';
      if (m.paused)
        s += ` (paused${m.reasonPaused ? ':' + m.reasonPaused : ''} was ${now - m.lastpause} secs ago)`;
      s += ` (${deviceStateText(m.status)})`;
      s += m.calls
        ? ` has taken ${m.calls} calls (last was ${now - m.lastcall} secs ago)`
        : ' has taken no calls yet';
      s += ` (login was ${now - m.logintime} secs ago)`;
      out.push(s);
    }
  }
  if (!q.callers.length) out.push('   No Callers');
  else {
    out.push('   Callers: ');
    q.callers.forEach((c, i) => {
      const w = now - c.start;
      out.push(
        `      ${i + 1}. ${c.channel.name} (wait: ${Math.floor(w / 60)}:${String(w % 60).padStart(2, '0')}, prio: ${c.prio})`,
      );
    });
  }
  out.push('');
  return out;
}

function readConf(dir: string, name: string): { doc: ConfDocument | undefined; text: string } {
  const p = join(dir, name);
  if (!existsSync(p)) return { doc: undefined, text: '' };
  return { doc: parseConfFile(p, { baseDir: dir }), text: readFileSync(p, 'utf8') };
}

export function createQueueModule(pbx: Pbx, opts: QueueModuleOptions): QueueModule {
  const log = opts.log;
  const warn = (m: string): void => log.warn(`queues.conf: ${m}`);
  const queuesConf = readConf(opts.configDir, 'queues.conf');
  const rulesConf = readConf(opts.configDir, 'queuerules.conf');
  const parsed = parseQueuesConf(queuesConf.doc, warn);
  const engine = new QueueEngine(pbx, {
    general: parsed.general,
    rules: parseQueueRules(rulesConf.doc),
    queueLogPath: opts.queueLogPath,
  });
  engine.applyConfig(parsed.queues);
  if (parsed.general.persistentmembers) engine.restoreMembers();
  let lastQueuesText = queuesConf.text;
  let lastRulesText = rulesConf.text;
  registerQueueApps(pbx, engine);
  engine.queueLog('NONE', 'NONE', 'NONE', 'QUEUESTART', '');

  /** reload_handler: only what changed on disk is re-read (CONFIG_FLAG_FILEUNCHANGED). */
  const reload = (mask: { members: boolean; rules: boolean; parameters: boolean }, only?: string): void => {
    if (mask.rules) {
      const r = readConf(opts.configDir, 'queuerules.conf');
      if (r.text !== lastRulesText) {
        lastRulesText = r.text;
        engine.rules = parseQueueRules(r.doc);
      }
    }
    if (mask.members || mask.parameters) {
      const c = readConf(opts.configDir, 'queues.conf');
      if (c.text !== lastQueuesText) {
        lastQueuesText = c.text;
        const p = parseQueuesConf(c.doc, warn);
        engine.general = p.general;
        engine.applyConfig(p.queues, {
          parameters: mask.parameters,
          members: mask.members,
          only,
          removeMissing: true,
        });
      }
    }
  };

  let offEvents: (() => void) | undefined;
  let holdDepth = 0;
  let held: QueueEvent[] = [];

  return {
    name: 'app_queue',
    requires: ['core'],
    events: QUEUE_EVENT_LIST,
    engine,
    start(manager: Manager) {
      // What /metrics shows of the queues, read when scraped.
      registerGauge(manager, {
        name: 'amikit_queue_callers',
        help: 'Callers waiting in each queue',
        labelNames: ['queue'],
        collect: () => engine.list().map((q) => ({ labels: { queue: q.name }, value: q.callers.length })),
      });
      registerGauge(manager, {
        name: 'amikit_queue_members',
        help: 'Queue members by queue and device state',
        labelNames: ['queue', 'state'],
        collect: () => {
          const out: Array<{ labels: Record<string, string>; value: number }> = [];
          for (const q of engine.list()) {
            const byState = new Map<string, number>();
            for (const m of q.members) {
              const st = m.paused ? 'PAUSED' : deviceStateName(m.status);
              byState.set(st, (byState.get(st) ?? 0) + 1);
            }
            for (const [state, value] of byState) out.push({ labels: { queue: q.name, state }, value });
          }
          return out;
        },
      });
      const lookup = (channel: string, name: string): string | undefined => {
        const c = pbx.findChannel(channel);
        return c ? (pbx.getVar(c, name) ?? '') : undefined;
      };
      const chan = (s: ChannelSnapshot, prefix = ''): Header[] =>
        channelHeaders(s, prefix, manager.config.general.channelvars, lookup);
      const publish = (e: QueueEvent): void => {
        manager.raise(queueEventDefinition(e.type) as EventDefinition<Of<QueueEvent['type']>>, { e, chan });
      };
      offEvents = engine.on((e) => {
        if (holdDepth > 0) held.push(e);
        else publish(e);
      });
      /**
       * Actions answer before the events they cause reach the sessions (Asterisk publishes them
       * through stasis): events are held while the handler runs and published a moment later,
       * after the device states the change raised.
       */
      const holdingEvents =
        (handler: (ctx: ActionContext) => void) =>
        (ctx: ActionContext): void => {
          holdDepth++;
          try {
            handler(ctx);
          } finally {
            holdDepth--;
          }
          if (holdDepth === 0 && held.length) {
            const batch = held;
            held = [];
            pbx.clock.setTimer(0, () => batch.forEach(publish));
          }
        };
      const handlers: Record<QueueActionName, (ctx: ActionContext) => void> = {
        QueueStatus: (ctx) => queueStatus(engine, ctx),
        QueueSummary: (ctx) => queueSummary(engine, ctx),
        QueueAdd: (ctx) => queueAdd(engine, ctx),
        QueueRemove: (ctx) => queueRemove(engine, ctx),
        QueuePause: (ctx) => {
          const iface = ctx.get('Interface');
          const pausedS = ctx.get('Paused');
          if (!iface || !pausedS) return ctx.error("Need 'Interface' and 'Paused' parameters.");
          const paused = astTrue(pausedS);
          if (!engine.setPaused(ctx.get('Queue'), iface, ctx.get('Reason'), paused))
            ctx.error('Interface not found');
          else ctx.ack(paused ? 'Interface paused successfully' : 'Interface unpaused successfully');
        },
        QueuePenalty: (ctx) => {
          const iface = ctx.get('Interface');
          const pen = ctx.get('Penalty');
          if (!iface || !pen) return ctx.error("Need 'Interface' and 'Penalty' parameters.");
          if (!engine.setMemberValue(ctx.get('Queue'), iface, 'penalty', atoi(pen)))
            ctx.error('Invalid interface, queuename or penalty');
          else ctx.ack('Interface penalty set successfully');
        },
        QueueMemberRingInUse: (ctx) => {
          const iface = ctx.get('Interface');
          const v = ctx.get('RingInUse');
          if (!iface || !v) return ctx.error("Need 'Interface' and 'RingInUse' parameters.");
          let ri: number;
          if (astTrue(v)) ri = 1;
          else if (astFalse(v)) ri = 0;
          else return ctx.error("'RingInUse' parameter must be a truth value (yes/no, on/off, 0/1, etc)");
          if (!engine.setMemberValue(ctx.get('Queue'), iface, 'ringinuse', ri))
            ctx.error('Invalid interface, queuename, or ringinuse value\n');
          else ctx.ack('Interface ringinuse set successfully');
        },
        QueueReload: (ctx) => {
          const yes = (h: string): boolean => ctx.get(h).toLowerCase() === 'yes';
          let mask = { members: yes('Members'), rules: yes('Rules'), parameters: yes('Parameters') };
          if (!mask.members && !mask.rules && !mask.parameters)
            mask = { members: true, rules: true, parameters: true };
          reload(mask, ctx.get('Queue') || undefined);
          ctx.ack('Queue reloaded successfully');
        },
        QueueReset: (ctx) => {
          engine.resetStats(ctx.get('Queue') || undefined);
          ctx.ack('Queue stats reset successfully');
        },
        QueueRule: (ctx) => {
          const rule = ctx.get('Rule');
          let s = 'Response: Success\r\n' + ctx.idLine();
          for (const [name, list] of engine.rules) {
            if (rule && rule.toLowerCase() !== name.toLowerCase()) continue;
            s += `RuleList: ${name}\r\n`;
            for (const r of list) s += `Rule: ${formatRule(r)}\r\n`;
            if (rule) break;
          }
          ctx.append(s + '\r\n\r\n');
        },
        QueueLog: (ctx) => {
          const queue = ctx.get('Queue');
          const event = ctx.get('Event');
          if (!queue || !event) return ctx.error("Need 'Queue' and 'Event' parameters.");
          engine.queueLog(
            queue,
            ctx.get('UniqueId') || 'NONE',
            ctx.get('Interface'),
            event,
            ctx.get('Message'),
          );
          ctx.ack('Event added successfully');
        },
        QueueChangePriorityCaller: (ctx) => {
          const queue = ctx.get('Queue');
          const caller = ctx.get('Caller');
          const prio = ctx.get('Priority');
          if (!queue) return ctx.error("'Queue' not specified.");
          if (!caller) return ctx.error("'Caller' not specified.");
          if (!prio) return ctx.error("'Priority' not specified.");
          if (!/^\s*[-+]?\d/.test(prio)) return ctx.error("'Priority' need integer.");
          const r = engine.changePriority(queue, caller, atoi(prio), astTrue(ctx.get('Immediate')));
          if (r === 'OK') ctx.ack('Priority change for caller on queue');
          else if (r === 'NOSUCHQUEUE') ctx.error('Unable to change priority caller on queue: No such queue');
          else ctx.error('Unable to change priority caller on queue: No such caller');
        },
        QueueWithdrawCaller: (ctx) => {
          const queue = ctx.get('Queue');
          const caller = ctx.get('Caller');
          if (!queue) return ctx.error("'Queue' not specified.");
          if (!caller) return ctx.error("'Caller' not specified.");
          const r = engine.withdraw(queue, caller, ctx.get('WithdrawInfo'));
          if (r === 'OK') ctx.ack('Withdraw requested successfully');
          else if (r === 'NOSUCHQUEUE') ctx.error('Unable to request withdraw from queue: No such queue');
          else if (r === 'NOT_CALLER') ctx.error('Unable to request withdraw from queue: No such caller');
          else ctx.error('Unable to request withdraw from queue: Already requested');
        },
      };
      const actions: ActionSpec[] = Object.entries(ACTIONS).map(([name, a]) => ({
        name,
        ...a,
        handler: holdingEvents(handlers[name as QueueActionName]),
      }));
      manager.addActions('app_queue', actions);
      registerCli(manager, engine, reload);
      manager.registerReload('app_queue', () => reload({ members: true, rules: true, parameters: true }));
      // The queue_log is Asterisk's logger's: its reload (`module reload logger`, or a full
      // reload) reopens the file and writes CONFIGRELOAD. A queue reload alone does not.
      manager.registerReload('logger', () => engine.queueLog('NONE', 'NONE', 'NONE', 'CONFIGRELOAD', ''));
    },
    reload() {
      reload({ members: true, rules: true, parameters: true });
    },
    stop() {
      offEvents?.();
      offEvents = undefined;
      engine.close();
      unregisterQueueApps(pbx);
    },
  };
}

/** atoi: leading integer, 0 when none. */
function atoi(s: string): number {
  const m = /^\s*([-+]?\d+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) : 0;
}

/**
 * The body of a QueueStatus reply after its list ack: QueueParams, QueueMember and QueueEntry
 * items (manager_queues_status), each ending with `idLine`; returns the text and the item count.
 */
export function queueStatusItems(
  engine: QueueEngine,
  f: { queue?: string; member?: string; idLine?: string } = {},
): { text: string; items: number } {
  const qf = f.queue ?? '';
  const mf = f.member ?? '';
  const id = f.idLine ?? '';
  const now = engine.now();
  let items = 0;
  const parts: string[] = [];
  for (const q of engine.list()) {
    if (qf && q.name.toLowerCase() !== qf.toLowerCase()) continue;
    parts.push(
      `Event: QueueParams\r\nQueue: ${q.name}\r\nMax: ${q.params.maxlen}\r\nStrategy: ${q.params.strategy}\r\n` +
        `Calls: ${q.count}\r\nHoldtime: ${q.holdtime}\r\nTalkTime: ${q.talktime}\r\nCompleted: ${q.callscompleted}\r\n` +
        `Abandoned: ${q.callsabandoned}\r\nServiceLevel: ${q.params.servicelevel}\r\n` +
        `ServicelevelPerf: ${f1(q.serviceLevelPerf())}\r\nServicelevelPerf2: ${f1(q.serviceLevelPerf2())}\r\n` +
        `Weight: ${q.params.weight}\r\n${id}\r\n`,
    );
    items++;
    for (const m of q.members) {
      if (mf && m.interface !== mf && m.membername !== mf) continue;
      parts.push(
        `Event: QueueMember\r\nQueue: ${q.name}\r\nName: ${m.membername}\r\nLocation: ${m.interface}\r\n` +
          `StateInterface: ${m.stateInterface}\r\nMembership: ${m.dynamic ? 'dynamic' : 'static'}\r\n` +
          `Penalty: ${m.penalty}\r\nCallsTaken: ${m.calls}\r\nLastCall: ${m.lastcall}\r\nLastPause: ${m.lastpause}\r\n` +
          `LoginTime: ${m.logintime}\r\nInCall: ${m.starttime ? 1 : 0}\r\nStatus: ${m.status}\r\n` +
          `Paused: ${m.paused ? 1 : 0}\r\nPausedReason: ${m.reasonPaused}\r\nWrapuptime: ${m.wrapuptime}\r\n${id}\r\n`,
      );
      items++;
    }
    let pos = 1;
    for (const c of q.callers) {
      const ch = c.channel;
      parts.push(
        `Event: QueueEntry\r\nQueue: ${q.name}\r\nPosition: ${pos++}\r\nChannel: ${ch.name}\r\nUniqueid: ${ch.uniqueid}\r\n` +
          `CallerIDNum: ${ch.callerIdNum || 'unknown'}\r\nCallerIDName: ${ch.callerIdName || 'unknown'}\r\n` +
          `ConnectedLineNum: ${ch.connectedLineNum || 'unknown'}\r\nConnectedLineName: ${ch.connectedLineName || 'unknown'}\r\n` +
          `Wait: ${now - c.start}\r\nPriority: ${c.prio}\r\n${id}\r\n`,
      );
      items++;
    }
  }
  return { text: parts.join(''), items };
}

function queueStatus(engine: QueueEngine, ctx: ActionContext): void {
  ctx.listStart('Queue status will follow');
  const { text, items } = queueStatusItems(engine, {
    queue: ctx.get('Queue'),
    member: ctx.get('Member'),
    idLine: ctx.idLine(),
  });
  if (text) ctx.append(text);
  ctx.listComplete('QueueStatusComplete', items);
}

function queueSummary(engine: QueueEngine, ctx: ActionContext): void {
  const qf = ctx.get('Queue');
  ctx.listStart('Queue summary will follow');
  const now = engine.now();
  const id = ctx.idLine();
  let n = 0;
  let out = '';
  for (const q of engine.list()) {
    if (qf && q.name.toLowerCase() !== qf.toLowerCase()) continue;
    let loggedIn = 0;
    let avail = 0;
    for (const m of q.members) {
      if (m.status !== 5 && m.status !== 4) {
        loggedIn++;
        if ((m.status === 1 || m.status === 0) && !m.paused) avail++;
      }
    }
    let longest = 0;
    for (const c of q.callers) longest = Math.max(longest, now - c.start);
    out +=
      `Event: QueueSummary\r\nQueue: ${q.name}\r\nLoggedIn: ${loggedIn}\r\nAvailable: ${avail}\r\n` +
      `Callers: ${q.count}\r\nHoldTime: ${q.holdtime}\r\nTalkTime: ${q.talktime}\r\nLongestHoldTime: ${longest}\r\n${id}\r\n`;
    n++;
  }
  if (out) ctx.append(out);
  ctx.listComplete('QueueSummaryComplete', n);
}

function queueAdd(engine: QueueEngine, ctx: ActionContext): void {
  const queue = ctx.get('Queue');
  const iface = ctx.get('Interface');
  if (!queue) return ctx.error("'Queue' not specified.");
  if (!iface) return ctx.error("'Interface' not specified.");
  const penS = ctx.get('Penalty');
  let penalty = penS ? atoi(penS) : 0;
  if (penalty < 0 || (penS && !/^\s*[-+]?\d/.test(penS))) penalty = 0;
  const wrapS = ctx.get('Wrapuptime');
  let wrap = wrapS ? atoi(wrapS) : 0;
  if (wrap < 0) wrap = 0;
  const pausedS = ctx.get('Paused');
  const paused = pausedS ? astTrue(pausedS) : false;
  const membername = ctx.get('MemberName');
  const r = engine.addMember(queue, iface, {
    membername,
    penalty,
    paused,
    stateInterface: ctx.get('StateInterface'),
    reason: ctx.get('Reason'),
    wrapuptime: wrap,
  });
  if (r === 'OK') {
    const agent = !membername || !engine.general.logMembernameAsAgent ? iface : membername;
    engine.queueLog(queue, 'MANAGER', agent, 'ADDMEMBER', paused ? 'PAUSED' : '');
    ctx.ack('Added interface to queue');
  } else if (r === 'EXISTS') ctx.error('Unable to add interface: Already there');
  else ctx.error('Unable to add interface to queue: No such queue');
}

function queueRemove(engine: QueueEngine, ctx: ActionContext): void {
  const queue = ctx.get('Queue');
  const iface = ctx.get('Interface');
  if (!queue || !iface) return ctx.error("Need 'Queue' and 'Interface' parameters.");
  const mem = engine.general.logMembernameAsAgent ? engine.get(queue)?.find(iface) : undefined;
  const r = engine.removeMember(queue, iface);
  if (r === 'OK') {
    engine.queueLog(queue, 'MANAGER', mem?.membername || iface, 'REMOVEMEMBER', '');
    ctx.ack('Removed interface from queue');
  } else if (r === 'EXISTS') ctx.error('Unable to remove interface: Not there');
  else if (r === 'NOSUCHQUEUE') ctx.error('Unable to remove interface from queue: No such queue');
  else ctx.error('Member not dynamic');
}

function registerCli(
  manager: Manager,
  engine: QueueEngine,
  reload: (mask: { members: boolean; rules: boolean; parameters: boolean }, only?: string) => void,
): void {
  const cli = manager.cli;
  cli.register({
    words: ['queue', 'show'],
    summary: 'Show status of a specified queue',
    usage: 'Usage: queue show\n       Provides summary information on a specified queue.',
    maxArgs: 1,
    handler: (args) => {
      if (args.length === 1) {
        const q = engine.get(args[0]);
        return { lines: q ? printQueue(engine, q) : [`No such queue: ${args[0]}.`] };
      }
      const qs = engine.list().sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      if (!qs.length) return { lines: ['No queues.'] };
      return { lines: qs.flatMap((q) => printQueue(engine, q)) };
    },
  });
  cli.register({
    words: ['queue', 'show', 'rules'],
    summary: 'Show the rules defined in queuerules.conf',
    usage:
      'Usage: queue show rules [rulename]\n\tShow the list of rules associated with rulename. If no\n\trulename is specified, list all rules defined in queuerules.conf\n',
    handler: (args) => {
      const lines: string[] = [];
      for (const [name, list] of engine.rules) {
        if (args[0] && args[0].toLowerCase() !== name.toLowerCase()) continue;
        lines.push(`Rule: ${name}`);
        for (const r of list)
          lines.push(
            `\tAfter ${r.time} seconds, adjust QUEUE_MAX_PENALTY ${r.maxRelative ? 'by' : 'to'} ${r.maxValue}, adjust QUEUE_MIN_PENALTY ${r.minRelative ? 'by' : 'to'} ${r.minValue} and adjust QUEUE_RAISE_PENALTY ${r.raiseRelative ? 'by' : 'to'} ${r.raiseValue}`,
          );
      }
      return { lines };
    },
  });
  cli.register({
    words: ['queue', 'add', 'member'],
    summary: 'Add a channel to a specified queue',
    usage:
      'Usage: queue add member <dial string> to <queue> [penalty <penalty> [as <membername> [state_interface <interface> [paused <reason>]]]]\n       Add a dial string (Such as a channel,e.g. SIP/6001) to a queue with optionally:  a penalty, membername and a state_interface',
    handler: (args) => {
      const argc = args.length + 3;
      if (
        ![6, 8, 10, 12, 14].includes(argc) ||
        args[1] !== 'to' ||
        (argc >= 8 && args[3] !== 'penalty') ||
        (argc >= 10 && args[5] !== 'as') ||
        (argc >= 12 && args[7] !== 'state_interface') ||
        (argc === 14 && args[9] !== 'paused')
      )
        return { lines: cli.usageOf(['queue', 'add', 'member']), failed: true };
      const iface = args[0];
      const queue = args[2];
      let penalty = 0;
      const lines: string[] = [];
      if (argc >= 8) {
        if (/^\s*-?\d+/.test(args[4])) {
          penalty = atoi(args[4]);
          if (penalty < 0) {
            lines.push('Penalty must be >= 0');
            penalty = 0;
          }
        } else {
          lines.push('Penalty must be an integer >= 0');
          penalty = 0;
        }
      }
      const membername = argc >= 10 ? args[6] : undefined;
      const r = engine.addMember(queue, iface, {
        membername,
        penalty,
        stateInterface: argc >= 12 ? args[8] : undefined,
        paused: argc === 14,
        reason: argc === 14 ? args[10] : undefined,
      });
      if (r === 'OK') {
        engine.queueLog(
          queue,
          'CLI',
          membername && engine.general.logMembernameAsAgent ? membername : iface,
          'ADDMEMBER',
          argc === 14 ? 'PAUSED' : '',
        );
        lines.push(`Added interface '${iface}' to queue '${queue}'`);
        return { lines };
      }
      if (r === 'EXISTS') lines.push(`Unable to add interface '${iface}' to queue '${queue}': Already there`);
      else lines.push(`Unable to add interface to queue '${queue}': No such queue`);
      return { lines, failed: true };
    },
  });
  cli.register({
    words: ['queue', 'remove', 'member'],
    summary: 'Removes a channel from a specified queue',
    usage:
      'Usage: queue remove member <channel> from <queue>\n       Remove a specific channel from a queue.',
    handler: (args) => {
      if (args.length !== 3 || args[1] !== 'from')
        return { lines: cli.usageOf(['queue', 'remove', 'member']), failed: true };
      const [iface, , queue] = args;
      const mem = engine.get(queue)?.find(iface);
      const r = engine.removeMember(queue, iface);
      if (r === 'OK') {
        engine.queueLog(
          queue,
          'CLI',
          engine.general.logMembernameAsAgent && mem ? mem.membername : iface,
          'REMOVEMEMBER',
          '',
        );
        return { lines: [`Removed interface ${iface} from queue '${queue}'`] };
      }
      if (r === 'EXISTS')
        return {
          lines: [`Unable to remove interface '${iface}' from queue '${queue}': Not there`],
          failed: true,
        };
      if (r === 'NOSUCHQUEUE')
        return { lines: [`Unable to remove interface from queue '${queue}': No such queue`], failed: true };
      return {
        lines: [`Unable to remove interface '${iface}' from queue '${queue}': Member is not dynamic`],
        failed: true,
      };
    },
  });
  for (const verb of ['pause', 'unpause'] as const) {
    cli.register({
      words: ['queue', verb, 'member'],
      summary: 'Pause or unpause a queue member',
      usage:
        'Usage: queue {pause|unpause} member <member> [queue <queue> [reason <reason>]]\n\tPause or unpause a queue member. Not specifying a particular queue\n\twill pause or unpause a member across all queues to which the member\n\tbelongs.',
      handler: (args) => {
        const argc = args.length + 3;
        if (
          argc < 4 ||
          argc === 5 ||
          argc === 7 ||
          argc > 8 ||
          (argc >= 5 && args[1] !== 'queue') ||
          (argc === 8 && args[3] !== 'reason')
        )
          return { lines: cli.usageOf(['queue', verb, 'member']), failed: true };
        const iface = args[0];
        const queue = argc >= 6 ? args[2] : '';
        const reason = argc === 8 ? args[4] : '';
        const paused = verb === 'pause';
        const ok = engine.setPaused(queue, iface, reason, paused);
        let s = ok
          ? `${paused ? '' : 'un'}paused interface '${iface}'`
          : `Unable to ${paused ? '' : 'un'}pause interface '${iface}'`;
        if (queue) s += ` in queue '${queue}'`;
        if (reason) s += ` for reason '${reason}'`;
        return { lines: [s], failed: !ok };
      },
    });
  }
  cli.register({
    words: ['queue', 'reload'],
    summary: 'Reload queues, members, queue rules, or parameters',
    usage:
      "Usage: queue reload {parameters|members|rules|all} [<queuenames>]\nReload queues. If <queuenames> are specified, only reload information pertaining\nto <queuenames>. One of 'parameters,' 'members,' 'rules,' or 'all' must be\nspecified in order to know what information to reload. Below is an explanation\nof each of these qualifiers.\n",
    handler: (args) => {
      const what = (args[0] ?? '').toLowerCase();
      const mask = {
        members: what === 'members' || what === 'all',
        rules: what === 'rules' || what === 'all',
        parameters: what === 'parameters' || what === 'all',
      };
      if (!mask.members && !mask.rules && !mask.parameters)
        return { lines: cli.usageOf(['queue', 'reload']), failed: true };
      if (args.length === 1) reload(mask);
      else for (const q of args.slice(1)) reload(mask, q);
      return { lines: [] };
    },
  });
  cli.register({
    words: ['queue', 'reset', 'stats'],
    summary: 'Reset statistics for a queue',
    usage:
      'Usage: queue reset stats [<queuenames>]\n\nIssuing this command will reset statistics for\n<queuenames>, or for all queues if no queue is\nspecified.\n',
    handler: (args) => {
      if (!args.length) engine.resetStats();
      else for (const q of args) engine.resetStats(q);
      return { lines: [] };
    },
  });
}

/**
 * The dialplan side of app_queue: the Queue() application and its companions
 * (AddQueueMember, RemoveQueueMember, PauseQueueMember, UnpauseQueueMember, QueueLog) and the
 * QUEUE_* dialplan functions, registered in the PBX's registries.
 */
import { splitArgs, type FuncEnv } from '../../pbx/functions.js';
import type { Pbx } from '../../pbx/pbx.js';
import type { AppContext, AppResult } from '../../pbx/apps/registry.js';
import { astTrue, atoi } from '../../config/cstr.js';
import type { QueueEngine } from './engine.js';
import { queueFigureVars } from './statistics.js';

export const QUEUE_APPS = [
  'Queue',
  'AddQueueMember',
  'RemoveQueueMember',
  'PauseQueueMember',
  'UnpauseQueueMember',
  'QueueLog',
];
export const QUEUE_FUNCTIONS = [
  'QUEUE_MEMBER',
  'QUEUE_MEMBER_COUNT',
  'QUEUE_MEMBER_LIST',
  'QUEUE_MEMBER_PENALTY',
  'QUEUE_WAITING_COUNT',
  'QUEUE_VARIABLES',
  'QUEUE_EXISTS',
  'QUEUE_GET_CHANNEL',
];

export function registerQueueApps(pbx: Pbx, engine: QueueEngine): void {
  pbx.apps.register(
    'Queue',
    async ({ channel }: AppContext, data: string): Promise<AppResult> => {
      const [
        queuename = '',
        options = '',
        url = '',
        announceoverride = '',
        timeout = '',
        agi = '',
        macro = '',
        gosub = '',
        rule = '',
        position = '',
      ] = splitArgs(data);
      if (!queuename.trim()) {
        pbx.log(
          'WARNING',
          'Queue requires an argument: queuename[,options[,URL[,announceoverride[,timeout[,agi[,gosub[,rule[,position]]]]]]]]',
        );
        return -1;
      }
      return engine.run(channel, {
        queuename: queuename.trim(),
        options,
        url,
        announceoverride,
        timeout: Math.max(0, atoi(timeout)), // app_queue: atoi(queuetimeoutstr)
        rule: rule.trim(),
        agi,
        macro,
        gosub,
        position: Math.max(0, Number.parseInt(position, 10) || 0),
      });
    },
    'Queue a call for a call queue.',
  );

  pbx.apps.register(
    'AddQueueMember',
    ({ channel }: AppContext, data: string): AppResult => {
      const [
        queuename = '',
        iface0 = '',
        penalty = '',
        options = '',
        membername = '',
        stateInterface = '',
        wrapuptime = '',
      ] = splitArgs(data);
      if (!queuename) {
        pbx.log(
          'WARNING',
          'AddQueueMember requires an argument (queuename[,interface[,penalty[,options[,membername[,stateinterface]]]]])',
        );
        return -1;
      }
      const iface = iface0 || channel.name.replace(/-[^-]*$/, '');
      const r = engine.addMember(queuename, iface, {
        membername: membername || iface,
        penalty: Math.max(0, Number.parseInt(penalty, 10) || 0),
        stateInterface,
        wrapuptime: Math.max(0, Number.parseInt(wrapuptime, 10) || 0),
      });
      void options;
      if (r === 'OK') {
        const agent = engine.general.logMembernameAsAgent && membername ? membername : iface;
        engine.queueLog(queuename, channel.uniqueid, agent, 'ADDMEMBER', '');
        pbx.setVar(channel, 'AQMSTATUS', 'ADDED');
      } else pbx.setVar(channel, 'AQMSTATUS', r === 'EXISTS' ? 'MEMBERALREADY' : 'NOSUCHQUEUE');
      return 0;
    },
    'Dynamically adds queue members.',
  );

  pbx.apps.register(
    'RemoveQueueMember',
    ({ channel }: AppContext, data: string): AppResult => {
      const [queuename = '', iface0 = ''] = splitArgs(data);
      if (!queuename) {
        pbx.log('WARNING', 'RemoveQueueMember requires an argument (queuename[,interface])');
        return -1;
      }
      const iface = iface0 || channel.name.replace(/-[^-]*$/, '');
      const mem = engine.get(queuename)?.find(iface);
      const r = engine.removeMember(queuename, iface);
      if (r === 'OK') {
        const agent = engine.general.logMembernameAsAgent && mem ? mem.membername : iface;
        engine.queueLog(queuename, channel.uniqueid, agent, 'REMOVEMEMBER', '');
        pbx.setVar(channel, 'RQMSTATUS', 'REMOVED');
      } else
        pbx.setVar(
          channel,
          'RQMSTATUS',
          r === 'EXISTS' ? 'NOTINQUEUE' : r === 'NOT_DYNAMIC' ? 'NOTDYNAMIC' : 'NOSUCHQUEUE',
        );
      return 0;
    },
    'Dynamically removes queue members.',
  );

  const pauseApp =
    (paused: boolean) =>
    ({ channel }: AppContext, data: string): AppResult => {
      const [queuename = '', iface = '', , reason = ''] = splitArgs(data);
      if (!iface) {
        pbx.log(
          'WARNING',
          `${paused ? 'PauseQueueMember' : 'UnpauseQueueMember'} requires an argument ([queuename],interface[,options][,reason])`,
        );
        return -1;
      }
      const ok = engine.setPaused(queuename, iface, reason, paused);
      const v = paused ? 'PQMSTATUS' : 'UPQMSTATUS';
      pbx.setVar(channel, v, ok ? (paused ? 'PAUSED' : 'UNPAUSED') : 'NOTFOUND');
      return 0;
    };
  pbx.apps.register('PauseQueueMember', pauseApp(true), 'Pauses a queue member.');
  pbx.apps.register('UnpauseQueueMember', pauseApp(false), 'Unpauses a queue member.');

  pbx.apps.register(
    'QueueLog',
    (_ctx: AppContext, data: string): AppResult => {
      const [queuename = '', uniqueid = '', membername = '', event = '', params = ''] = splitArgs(data);
      if (!queuename || !uniqueid || !membername || !event) {
        pbx.log(
          'WARNING',
          'QueueLog requires arguments (queuename,uniqueid,queue_member,event[,additionalinfo]',
        );
        return -1;
      }
      engine.queueLog(queuename, uniqueid, membername, event, params);
      return 0;
    },
    'Writes to the queue_log file.',
  );

  registerQueueFunctions(pbx, engine);
}

function registerQueueFunctions(pbx: Pbx, engine: QueueEngine): void {
  const countMembers = (qname: string, what: string): string => {
    const q = engine.get(qname);
    if (!q) return '0';
    let n = 0;
    for (const m of q.members) {
      switch (what) {
        case 'logged':
          if (m.status !== 4 && m.status !== 5) n++;
          break;
        case 'free':
          if ((m.status === 1 || m.status === 0) && !m.paused) n++;
          break;
        case 'ready':
          if ((m.status === 1 || m.status === 0) && !m.paused && engine.isMemberAvailable(q, m)) n++;
          break;
        case 'count':
          n++;
          break;
        case 'paused':
          if (m.paused) n++;
          break;
      }
    }
    return String(n);
  };
  pbx.functions.register('QUEUE_MEMBER', {
    read: (env: FuncEnv, args: string) => {
      const [qname = '', option = '', iface = ''] = splitArgs(args);
      const opt = option.trim().toLowerCase();
      if (['logged', 'free', 'ready', 'count', 'paused'].includes(opt)) return countMembers(qname, opt);
      const q = engine.get(qname);
      const m = q?.find(iface);
      if (!m) {
        env.warn(`Invalid interface, queue or option for QUEUE_MEMBER`);
        return '';
      }
      if (opt === 'penalty') return String(m.penalty);
      if (opt === 'ringinuse') return m.ringinuse ? '1' : '0';
      if (opt === 'wrapuptime') return String(m.wrapuptime);
      return '';
    },
    write: (env: FuncEnv, args: string, value: string) => {
      const [qname = '', option = '', iface = ''] = splitArgs(args);
      const opt = option.trim().toLowerCase();
      if (opt === 'penalty') engine.setMemberValue(qname, iface, 'penalty', Number.parseInt(value, 10) || 0);
      else if (opt === 'ringinuse') engine.setMemberValue(qname, iface, 'ringinuse', astTrue(value) ? 1 : 0);
      else if (opt === 'paused') engine.setPaused(qname, iface, '', astTrue(value));
      else env.warn(`Invalid option '${option}' for QUEUE_MEMBER`);
    },
  });
  pbx.functions.register('QUEUE_MEMBER_COUNT', { read: (_e, args) => countMembers(args.trim(), 'logged') });
  pbx.functions.register('QUEUE_MEMBER_LIST', {
    read: (_e, args) => (engine.get(args.trim())?.members ?? []).map((m) => m.interface).join(','),
  });
  pbx.functions.register('QUEUE_MEMBER_PENALTY', {
    read: (_e, args) => {
      const [qname = '', iface = ''] = splitArgs(args);
      const m = engine.get(qname)?.find(iface);
      return m ? String(m.penalty) : '-1';
    },
    write: (_e, args, value) => {
      const [qname = '', iface = ''] = splitArgs(args);
      engine.setMemberValue(qname, iface, 'penalty', Number.parseInt(value, 10) || 0);
    },
  });
  pbx.functions.register('QUEUE_WAITING_COUNT', {
    read: (_e, args) => String(engine.get(args.trim())?.count ?? 0),
  });
  pbx.functions.register('QUEUE_EXISTS', { read: (_e, args) => (engine.get(args.trim()) ? '1' : '0') });
  pbx.functions.register('QUEUE_GET_CHANNEL', {
    read: (_e, args) => {
      const [qname = '', pos = '1'] = splitArgs(args);
      const c = engine.get(qname)?.callers[(Number.parseInt(pos, 10) || 1) - 1];
      return c?.channel.name ?? '';
    },
  });
  pbx.functions.register('QUEUE_VARIABLES', {
    read: (env: FuncEnv, args: string) => {
      const q = engine.get(args.trim());
      if (!q) {
        env.warn(`queue ${args} was not found`);
        return '0';
      }
      for (const [k, v] of queueFigureVars(q)) env.setVar(k, v);
      return '0';
    },
  });
}

export function unregisterQueueApps(pbx: Pbx): void {
  for (const a of QUEUE_APPS) pbx.apps.unregister(a);
}

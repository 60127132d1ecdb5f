/**
 * The console's live model: channels and bridges, SIP peers, queues and the event log, loaded with
 * list actions (CoreShowChannels, BridgeList, SIPpeers, QueueStatus or QueueSummary) and kept current
 * from the events. Views subscribe and re-render at most once per animation frame.
 *
 * Names follow Asterisk 20 (spec/ami-events.json, spec/ami-actions.json). Every source is optional:
 * an action the server does not know marks its capability `no`, and the views show what the events
 * alone tell.
 */
import { hdr, num, type AmiConnection, type AmiMessage } from './ami';

export interface Chan {
  uniqueid: string;
  channel: string;
  linkedid: string;
  state: string;
  cidNum: string;
  cidName: string;
  connNum: string;
  connName: string;
  context: string;
  exten: string;
  priority: string;
  app: string;
  appData: string;
  bridge: string;
  /** Date.now() at creation (estimated from Duration for listed channels). */
  created: number;
}

export interface Bridge {
  id: string;
  type: string;
  tech: string;
}

export interface Peer {
  name: string;
  address: string;
  dynamic: boolean;
  status: string;
  description: string;
  changed: number;
}

export type AgentState = 'available' | 'ringing' | 'busy' | 'paused' | 'unavailable';

export interface Member {
  iface: string;
  name: string;
  status: number;
  paused: boolean;
  pausedReason: string;
  inCall: boolean;
  callsTaken: number;
}

export interface Caller {
  uniqueid: string;
  channel: string;
  cid: string;
  joined: number;
}

export interface Queue {
  name: string;
  strategy: string;
  members: Map<string, Member>;
  callers: Map<string, Caller>;
  completed: number;
  abandoned: number;
  /** ServiceLevel threshold in seconds, and the percentage answered within it. */
  serviceLevel: number;
  serviceLevelPerf: number;
  holdtime: number;
  talktime: number;
  /** From QueueSummary when QueueStatus is not available. */
  summary?: { loggedIn: number; available: number; callers: number; longest: number; at: number };
}

export interface LogEntry {
  seq: number;
  at: number;
  name: string;
  msg: AmiMessage;
  /** `Name: value` lines, what the filter matches. */
  text: string;
}

export type Capability = 'unknown' | 'yes' | 'no';

export const LOG_LIMIT = 2000;

/**
 * Device state (AST_DEVICE_*) and pause as the wallboard's agent states. A ringing agent is not yet
 * on a call: counted apart, neither busy nor free to take another one.
 */
export function agentState(m: Member): AgentState {
  if (m.paused) return 'paused';
  switch (m.status) {
    case 4: // INVALID
    case 5: // UNAVAILABLE
      return 'unavailable';
    case 6: // RINGING
      return 'ringing';
    case 2: // INUSE
    case 3: // BUSY
    case 7: // RINGINUSE: on a call, and a second one rings
    case 8: // ONHOLD
      return 'busy';
    default: // 0 UNKNOWN, 1 NOT_INUSE: app_queue rings them
      return m.inCall ? 'busy' : 'available';
  }
}

/** Seconds as m:ss (or h:mm:ss). */
export function clockText(sec: number): string {
  if (!Number.isFinite(sec) || sec < 0) return '–';
  const s = Math.floor(sec);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

function parseDuration(d: string): number {
  const p = d.split(':').map(Number);
  if (p.some((x) => !Number.isFinite(x))) return 0;
  return p.reduce((acc, x) => acc * 60 + x, 0);
}

const LIST_ITEMS = new Set([
  'coreshowchannel',
  'peerentry',
  'queueparams',
  'queuemember',
  'queueentry',
  'queuesummary',
  'bridgelistitem',
]);

const UNKNOWN_ACTION = /invalid\/unknown command/i;

export class Live {
  channels = new Map<string, Chan>();
  bridges = new Map<string, Bridge>();
  peers = new Map<string, Peer>();
  queues = new Map<string, Queue>();
  log: LogEntry[] = [];
  logSeq = 0;
  /** The event log view's filter and pause (a frozen copy), kept while other views are shown. */
  logFilter = '';
  logPaused: LogEntry[] | null = null;
  caps: Record<'channels' | 'bridges' | 'peers' | 'queueStatus' | 'queueSummary', Capability> = {
    channels: 'unknown',
    bridges: 'unknown',
    peers: 'unknown',
    queueStatus: 'unknown',
    queueSummary: 'unknown',
  };
  errors: string[] = [];
  version = 0;

  private subs = new Set<() => void>();
  private frame = 0;
  private queueRefresh: ReturnType<typeof setTimeout> | null = null;
  private off: Array<() => void> = [];

  constructor(readonly conn: AmiConnection) {
    this.off.push(conn.onEvent((m) => this.onMessage(m)));
  }

  dispose(): void {
    for (const f of this.off) f();
    if (this.queueRefresh) clearTimeout(this.queueRefresh);
    this.subs.clear();
  }

  subscribe(fn: () => void): () => void {
    this.subs.add(fn);
    return () => this.subs.delete(fn);
  }

  changed(): void {
    this.version++;
    if (this.frame) return;
    const run = (): void => {
      this.frame = 0;
      for (const fn of this.subs) fn();
    };
    this.frame =
      typeof requestAnimationFrame === 'function'
        ? requestAnimationFrame(run)
        : (setTimeout(run, 16) as unknown as number);
  }

  /** Loads every view's list; actions the server lacks mark their capability `no`. */
  async refreshAll(): Promise<void> {
    await Promise.all([this.refreshChannels(), this.refreshPeers(), this.refreshQueues()]);
  }

  private async list(cap: keyof Live['caps'], action: Record<string, string>): Promise<AmiMessage[] | null> {
    try {
      const r = await this.conn.action(action);
      if (!r.ok) {
        const msg = hdr(r.response, 'Message');
        if (UNKNOWN_ACTION.test(msg)) this.caps[cap] = 'no';
        else this.note(`${action.Action}: ${msg || 'error'}`);
        return null;
      }
      this.caps[cap] = 'yes';
      return r.events;
    } catch (e) {
      this.note(`${action.Action}: ${(e as Error).message}`);
      return null;
    }
  }

  private note(text: string): void {
    this.errors = [...this.errors.slice(-4), text];
    this.changed();
  }

  async refreshChannels(): Promise<void> {
    const [chans, bridges] = await Promise.all([
      this.list('channels', { Action: 'CoreShowChannels' }),
      this.list('bridges', { Action: 'BridgeList' }),
    ]);
    const now = Date.now();
    if (chans) {
      const next = new Map<string, Chan>();
      for (const e of chans) {
        const c = this.chanFrom(e, now - parseDuration(hdr(e, 'Duration')) * 1000);
        c.bridge = hdr(e, 'BridgeId');
        c.app = hdr(e, 'Application');
        c.appData = hdr(e, 'ApplicationData');
        next.set(c.uniqueid, c);
      }
      this.channels = next;
    }
    if (bridges) {
      const next = new Map<string, Bridge>();
      for (const e of bridges) next.set(hdr(e, 'BridgeUniqueid'), this.bridgeFrom(e));
      this.bridges = next;
    }
    this.changed();
  }

  async refreshPeers(): Promise<void> {
    const list = await this.list('peers', { Action: 'SIPpeers' });
    if (list) {
      const next = new Map<string, Peer>();
      for (const e of list) {
        const name = hdr(e, 'ObjectName');
        const ip = hdr(e, 'IPaddress');
        const port = hdr(e, 'IPport');
        next.set(name, {
          name,
          address: ip && ip !== '-none-' ? `${ip}:${port}` : '',
          dynamic: /^y/i.test(hdr(e, 'Dynamic')),
          status: hdr(e, 'Status'),
          description: hdr(e, 'Description'),
          changed: 0,
        });
      }
      this.peers = next;
    }
    this.changed();
  }

  async refreshQueues(): Promise<void> {
    if (this.caps.queueStatus !== 'no') {
      const list = await this.list('queueStatus', { Action: 'QueueStatus' });
      if (list) {
        const now = Date.now();
        const next = new Map<string, Queue>();
        for (const e of list) {
          const name = hdr(e, 'Queue');
          const q = next.get(name) ?? this.newQueue(name);
          next.set(name, q);
          const ev = hdr(e, 'Event').toLowerCase();
          if (ev === 'queueparams') {
            q.strategy = hdr(e, 'Strategy');
            q.completed = num(e, 'Completed') || 0;
            q.abandoned = num(e, 'Abandoned') || 0;
            q.serviceLevel = num(e, 'ServiceLevel');
            q.serviceLevelPerf = num(e, 'ServicelevelPerf');
            q.holdtime = num(e, 'Holdtime');
            q.talktime = num(e, 'TalkTime');
          } else if (ev === 'queuemember') {
            const m = memberFrom(e);
            q.members.set(m.iface, m);
          } else if (ev === 'queueentry') {
            const id = hdr(e, 'Uniqueid') || hdr(e, 'Channel');
            q.callers.set(id, {
              uniqueid: id,
              channel: hdr(e, 'Channel'),
              cid: cidText(hdr(e, 'CallerIDNum'), hdr(e, 'CallerIDName')),
              joined: now - (num(e, 'Wait') || 0) * 1000,
            });
          }
        }
        this.queues = next;
        this.changed();
        return;
      }
    }
    if (this.caps.queueStatus === 'no' && this.caps.queueSummary !== 'no') {
      const list = await this.list('queueSummary', { Action: 'QueueSummary' });
      if (list) {
        const now = Date.now();
        for (const e of list) {
          const q = this.queue(hdr(e, 'Queue'));
          q.summary = {
            loggedIn: num(e, 'LoggedIn') || 0,
            available: num(e, 'Available') || 0,
            callers: num(e, 'Callers') || 0,
            longest: num(e, 'LongestHoldTime') || 0,
            at: now,
          };
        }
      }
    }
    this.changed();
  }

  /** After queue activity, re-read the exact counters (service level) once things settle. */
  private scheduleQueueRefresh(): void {
    if (this.caps.queueStatus !== 'yes' && this.caps.queueSummary !== 'yes') return;
    if (this.queueRefresh) clearTimeout(this.queueRefresh);
    this.queueRefresh = setTimeout(() => {
      this.queueRefresh = null;
      void this.refreshQueues();
    }, 1500);
  }

  private newQueue(name: string): Queue {
    return {
      name,
      strategy: '',
      members: new Map(),
      callers: new Map(),
      completed: 0,
      abandoned: 0,
      serviceLevel: NaN,
      serviceLevelPerf: NaN,
      holdtime: NaN,
      talktime: NaN,
    };
  }

  private queue(name: string): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = this.newQueue(name);
      this.queues.set(name, q);
    }
    return q;
  }

  private chanFrom(e: AmiMessage, created: number): Chan {
    return {
      uniqueid: hdr(e, 'Uniqueid'),
      channel: hdr(e, 'Channel'),
      linkedid: hdr(e, 'Linkedid'),
      state: hdr(e, 'ChannelStateDesc'),
      cidNum: hdr(e, 'CallerIDNum'),
      cidName: hdr(e, 'CallerIDName'),
      connNum: hdr(e, 'ConnectedLineNum'),
      connName: hdr(e, 'ConnectedLineName'),
      context: hdr(e, 'Context'),
      exten: hdr(e, 'Exten'),
      priority: hdr(e, 'Priority'),
      app: '',
      appData: '',
      bridge: '',
      created,
    };
  }

  private bridgeFrom(e: AmiMessage): Bridge {
    return { id: hdr(e, 'BridgeUniqueid'), type: hdr(e, 'BridgeType'), tech: hdr(e, 'BridgeTechnology') };
  }

  /** Channel snapshot headers (Newstate, Newexten, ...) refresh what they carry. */
  private touchChan(e: AmiMessage): Chan | undefined {
    const id = hdr(e, 'Uniqueid');
    if (!id) return undefined;
    let c = this.channels.get(id);
    if (!c) {
      if (!hdr(e, 'Channel')) return undefined;
      c = this.chanFrom(e, Date.now());
      this.channels.set(id, c);
      return c;
    }
    const set = (k: keyof Chan, h: string): void => {
      const v = hdr(e, h);
      if (v !== '' || h in e) (c as unknown as Record<string, unknown>)[k] = v;
    };
    set('channel', 'Channel');
    set('state', 'ChannelStateDesc');
    set('cidNum', 'CallerIDNum');
    set('cidName', 'CallerIDName');
    set('connNum', 'ConnectedLineNum');
    set('connName', 'ConnectedLineName');
    set('context', 'Context');
    set('exten', 'Exten');
    set('priority', 'Priority');
    return c;
  }

  private logEvent(m: AmiMessage, name: string): void {
    const text = Object.entries(m)
      .map(([k, v]) => (Array.isArray(v) ? v.map((x) => `${k}: ${x}`).join('\n') : `${k}: ${v}`))
      .join('\n');
    this.log.push({ seq: ++this.logSeq, at: Date.now(), name, msg: m, text });
    if (this.log.length > LOG_LIMIT) this.log.splice(0, this.log.length - LOG_LIMIT);
  }

  onMessage(m: AmiMessage): void {
    const name = hdr(m, 'Event');
    if (!name) return;
    this.logEvent(m, name);
    const ev = name.toLowerCase();
    if (!LIST_ITEMS.has(ev)) this.apply(ev, m);
    this.changed();
  }

  private apply(ev: string, e: AmiMessage): void {
    switch (ev) {
      case 'newchannel': {
        const c = this.chanFrom(e, Date.now());
        if (c.uniqueid) this.channels.set(c.uniqueid, c);
        return;
      }
      case 'newstate':
      case 'newcallerid':
      case 'newconnectedline':
      case 'varset':
        this.touchChan(e);
        return;
      case 'newexten': {
        const c = this.touchChan(e);
        if (c) {
          c.app = hdr(e, 'Application');
          c.appData = hdr(e, 'AppData');
        }
        return;
      }
      case 'rename': {
        const c = this.channels.get(hdr(e, 'Uniqueid'));
        if (c) c.channel = hdr(e, 'Newname') || c.channel;
        return;
      }
      case 'hangup':
        this.channels.delete(hdr(e, 'Uniqueid'));
        for (const q of this.queues.values()) q.callers.delete(hdr(e, 'Uniqueid'));
        return;
      case 'bridgecreate':
        this.bridges.set(hdr(e, 'BridgeUniqueid'), this.bridgeFrom(e));
        return;
      case 'bridgedestroy':
        this.bridges.delete(hdr(e, 'BridgeUniqueid'));
        return;
      case 'bridgeenter': {
        const id = hdr(e, 'BridgeUniqueid');
        if (!this.bridges.has(id)) this.bridges.set(id, this.bridgeFrom(e));
        const c = this.touchChan(e);
        if (c) c.bridge = id;
        return;
      }
      case 'bridgeleave': {
        const c = this.touchChan(e);
        if (c) c.bridge = '';
        return;
      }
      case 'peerstatus': {
        const name = hdr(e, 'Peer').replace(/^[A-Za-z0-9]+\//, '');
        const p = this.peers.get(name) ?? {
          name,
          address: '',
          dynamic: false,
          status: '',
          description: '',
          changed: 0,
        };
        const time = hdr(e, 'Time');
        p.status = hdr(e, 'PeerStatus') + (time ? ` (${time} ms)` : '');
        const addr = hdr(e, 'Address');
        if (addr) p.address = addr.includes(':') || !hdr(e, 'Port') ? addr : `${addr}:${hdr(e, 'Port')}`;
        p.changed = Date.now();
        this.peers.set(name, p);
        return;
      }
      case 'queuecallerjoin': {
        const q = this.queue(hdr(e, 'Queue'));
        const id = hdr(e, 'Uniqueid') || hdr(e, 'Channel');
        q.callers.set(id, {
          uniqueid: id,
          channel: hdr(e, 'Channel'),
          cid: cidText(hdr(e, 'CallerIDNum'), hdr(e, 'CallerIDName')),
          joined: Date.now(),
        });
        if (q.summary) q.summary.callers = q.callers.size;
        this.scheduleQueueRefresh();
        return;
      }
      case 'queuecallerleave':
      case 'queuecallerabandon': {
        const q = this.queue(hdr(e, 'Queue'));
        const removed = q.callers.delete(hdr(e, 'Uniqueid') || hdr(e, 'Channel'));
        if (ev === 'queuecallerabandon') q.abandoned++;
        if (q.summary && removed) q.summary.callers = q.callers.size;
        this.scheduleQueueRefresh();
        return;
      }
      case 'queuememberstatus':
      case 'queuememberadded':
      case 'queuememberpause':
      case 'queuememberpaused':
      case 'queuememberpenalty':
      case 'queuememberringinuse': {
        const q = this.queue(hdr(e, 'Queue'));
        const m = memberFrom(e);
        const old = q.members.get(m.iface);
        if (old && !('Status' in e)) m.status = old.status;
        q.members.set(m.iface, m);
        return;
      }
      case 'queuememberremoved':
        this.queue(hdr(e, 'Queue')).members.delete(hdr(e, 'Interface'));
        return;
      case 'agentconnect':
      case 'agentcomplete': {
        const q = this.queue(hdr(e, 'Queue'));
        const m = q.members.get(hdr(e, 'Interface'));
        if (m) m.inCall = ev === 'agentconnect';
        if (ev === 'agentcomplete') q.completed++;
        this.scheduleQueueRefresh();
        return;
      }
      default:
        return;
    }
  }
}

function cidText(num: string, name: string): string {
  const n = num && num !== '<unknown>' ? num : '';
  const a = name && name !== '<unknown>' ? name : '';
  return a && n ? `${a} <${n}>` : a || n;
}

function memberFrom(e: AmiMessage): Member {
  return {
    iface: hdr(e, 'Interface') || hdr(e, 'Location') || hdr(e, 'StateInterface'),
    name: hdr(e, 'MemberName') || hdr(e, 'Name'),
    status: num(e, 'Status') || 0,
    paused: hdr(e, 'Paused') === '1' || /^true$/i.test(hdr(e, 'Paused')),
    pausedReason: hdr(e, 'PausedReason'),
    inCall: hdr(e, 'InCall') === '1',
    callsTaken: num(e, 'CallsTaken') || 0,
  };
}

/** Numbers a queue card shows. */
export function queueFigures(q: Queue, now: number) {
  const agents = { available: 0, ringing: 0, busy: 0, paused: 0, unavailable: 0 };
  for (const m of q.members.values()) agents[agentState(m)]++;
  let longest = 0;
  for (const c of q.callers.values()) longest = Math.max(longest, (now - c.joined) / 1000);
  let waiting = q.callers.size;
  if (q.summary && q.members.size === 0) {
    agents.available = q.summary.available;
    agents.busy = Math.max(0, q.summary.loggedIn - q.summary.available);
    if (waiting === 0) waiting = q.summary.callers;
    if (q.callers.size === 0 && q.summary.callers > 0)
      longest = q.summary.longest + (now - q.summary.at) / 1000;
  }
  return { agents, waiting, longest };
}

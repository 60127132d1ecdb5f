/**
 * queues.conf and queuerules.conf as app_queue reads them: the [general] flags, one section per
 * queue (templates already merged by the parser, so inherited keys come first and the section's
 * own override them), `member =>` lines, and the penalty change rules.
 */
import { astFalse, astTrue, atoi } from '../../config/cstr.js';
import type { ConfDocument, ConfSection } from '../../config/types.js';

export type Strategy =
  'ringall' | 'leastrecent' | 'fewestcalls' | 'random' | 'rrmemory' | 'linear' | 'wrandom' | 'rrordered';

export const STRATEGIES: readonly Strategy[] = [
  'ringall',
  'leastrecent',
  'fewestcalls',
  'random',
  'rrmemory',
  'linear',
  'wrandom',
  'rrordered',
];

/** enum empty_conditions of app_queue. */
export const EMPTY = {
  PENALTY: 1,
  PAUSED: 2,
  INUSE: 4,
  RINGING: 8,
  UNAVAILABLE: 16,
  INVALID: 32,
  UNKNOWN: 64,
  WRAPUP: 128,
} as const;

export interface QueueGeneral {
  persistentmembers: boolean;
  autofill: boolean;
  sharedLastcall: boolean;
  logMembernameAsAgent: boolean;
  logCallerIdName: boolean;
  negativePenaltyInvalid: boolean;
  logUnpauseOnReasonChange: boolean;
  monitorType: string;
}

export interface MemberConf {
  interface: string;
  penalty: number;
  membername: string;
  stateInterface: string;
  ringinuse?: boolean;
  wrapuptime: number;
  paused: boolean;
}

export type AutoPause = 'no' | 'yes' | 'all';
export type TimeoutPriority = 'app' | 'conf';

export interface QueueParams {
  strategy: Strategy;
  timeout: number;
  retry: number;
  timeoutpriority: TimeoutPriority;
  timeoutrestart: boolean;
  wrapuptime: number;
  weight: number;
  maxlen: number;
  servicelevel: number;
  joinempty: number;
  leavewhenempty: number;
  ringinuse: boolean;
  autopause: AutoPause;
  autopausedelay: number;
  autopausebusy: boolean;
  autopauseunavail: boolean;
  penaltymemberslimit: number;
  setinterfacevar: boolean;
  setqueuevar: boolean;
  setqueueentryvar: boolean;
  context: string;
  defaultrule: string;
  memberdelay: number;
  reportholdtime: boolean;
  autofill: boolean;
  announce: string;
  announcefrequency: number;
  minannouncefrequency: number;
  periodicannouncefrequency: number;
  /** announce-holdtime: yes, no or once. */
  announceholdtime: 'yes' | 'no' | 'once';
  /** announce-position: yes, no, limit or more. */
  announceposition: 'yes' | 'no' | 'limit' | 'more';
  announcepositionlimit: number;
  announcepositiononlyup: boolean;
  announcetofirstuser: boolean;
  /** announce-round-seconds (0, 5, 10, 15, 20 or 30). */
  roundingseconds: number;
  periodicannounce: string[];
  periodicannouncestartdelay: number;
  randomperiodicannounce: boolean;
  relativeperiodicannounce: boolean;
  sounds: QueueSounds;
  musicclass: string;
  membermacro: string;
  membergosub: string;
}

/** The queue-* sound settings of a queue. */
export interface QueueSounds {
  next: string;
  thereare: string;
  calls: string;
  quantity1: string;
  quantity2: string;
  holdtime: string;
  minutes: string;
  minute: string;
  seconds: string;
  thanks: string;
  callerannounce: string;
  reporthold: string;
}

const SOUND_KEYS: Record<string, keyof QueueSounds> = {
  'queue-youarenext': 'next',
  'queue-thereare': 'thereare',
  'queue-callswaiting': 'calls',
  'queue-quantity1': 'quantity1',
  'queue-quantity2': 'quantity2',
  'queue-holdtime': 'holdtime',
  'queue-minutes': 'minutes',
  'queue-minute': 'minute',
  'queue-seconds': 'seconds',
  'queue-thankyou': 'thanks',
  'queue-callerannounce': 'callerannounce',
  'queue-reporthold': 'reporthold',
};

export interface QueueConf {
  name: string;
  params: QueueParams;
  members: MemberConf[];
}

export interface PenaltyRule {
  time: number;
  maxValue: number;
  maxRelative: boolean;
  minValue: number;
  minRelative: boolean;
  raiseValue: number;
  raiseRelative: boolean;
  raiseRespectMin: boolean;
}

/** app_queue reads these with atoi() into an int: a huge value wraps as it does there (never past int32). */
function int(v: string, dflt: number): number {
  return /^\s*[+-]?\d/.test(v) ? atoi(v) : dflt;
}

/** parse_empty_options of app_queue. */
export function parseEmptyOptions(value: string, joinempty: boolean): number {
  let empty = 0;
  for (const raw of value.split(',')) {
    const o = raw.trim().toLowerCase();
    if (o === 'paused') empty |= EMPTY.PAUSED;
    else if (o === 'penalty') empty |= EMPTY.PENALTY;
    else if (o === 'inuse') empty |= EMPTY.INUSE;
    else if (o === 'ringing') empty |= EMPTY.RINGING;
    else if (o === 'invalid') empty |= EMPTY.INVALID;
    else if (o === 'wrapup') empty |= EMPTY.WRAPUP;
    else if (o === 'unavailable') empty |= EMPTY.UNAVAILABLE;
    else if (o === 'unknown') empty |= EMPTY.UNKNOWN;
    else if (o === 'loose') empty = EMPTY.PENALTY | EMPTY.INVALID;
    else if (o === 'strict') empty = EMPTY.PENALTY | EMPTY.INVALID | EMPTY.PAUSED | EMPTY.UNAVAILABLE;
    else if ((astFalse(o) && joinempty) || (astTrue(o) && !joinempty))
      empty = EMPTY.PENALTY | EMPTY.INVALID | EMPTY.PAUSED;
    else if ((astFalse(o) && !joinempty) || (astTrue(o) && joinempty)) empty = 0;
  }
  return empty;
}

export function defaultParams(general?: QueueGeneral): QueueParams {
  return {
    strategy: 'ringall',
    timeout: 15,
    retry: 5,
    timeoutpriority: 'app',
    timeoutrestart: false,
    wrapuptime: 0,
    weight: 0,
    maxlen: 0,
    servicelevel: 0,
    joinempty: 0,
    leavewhenempty: 0,
    ringinuse: true,
    autopause: 'no',
    autopausedelay: 0,
    autopausebusy: false,
    autopauseunavail: false,
    penaltymemberslimit: 0,
    setinterfacevar: false,
    setqueuevar: false,
    setqueueentryvar: false,
    context: '',
    defaultrule: '',
    memberdelay: 0,
    reportholdtime: false,
    autofill: general?.autofill ?? false,
    announce: '',
    announcefrequency: 0,
    minannouncefrequency: 15,
    periodicannouncefrequency: 0,
    announceholdtime: 'yes',
    announceposition: 'yes',
    announcepositionlimit: 10,
    announcepositiononlyup: false,
    announcetofirstuser: false,
    roundingseconds: 0,
    periodicannounce: ['queue-periodic-announce'],
    periodicannouncestartdelay: -1,
    randomperiodicannounce: false,
    relativeperiodicannounce: false,
    sounds: {
      next: 'queue-youarenext',
      thereare: 'queue-thereare',
      calls: 'queue-callswaiting',
      quantity1: 'queue-quantity1',
      quantity2: 'queue-quantity2',
      holdtime: 'queue-holdtime',
      minutes: 'queue-minutes',
      minute: 'queue-minute',
      seconds: 'queue-seconds',
      thanks: 'queue-thankyou',
      callerannounce: '',
      reporthold: 'queue-reporthold',
    },
    musicclass: '',
    membermacro: '',
    membergosub: '',
  };
}

/** `member => interface[,penalty[,membername[,state_interface[,ringinuse[,wrapuptime[,paused]]]]]]`. */
export function parseMemberLine(value: string, queueRinginuse: boolean): MemberConf | undefined {
  const parts = value.split(',').map((s) => s.trim());
  const iface = parts[0] ?? '';
  if (!iface) return undefined;
  const penalty = parts[1] ? Math.max(0, int(parts[1], 0)) : 0;
  const ri = parts[4];
  return {
    interface: iface,
    penalty,
    membername: parts[2] || iface,
    stateInterface: parts[3] || iface,
    ringinuse: ri ? (astTrue(ri) ? true : astFalse(ri) ? false : queueRinginuse) : undefined,
    wrapuptime: parts[5] ? Math.max(0, int(parts[5], 0)) : 0,
    paused: parts[6] ? astTrue(parts[6]) : false,
  };
}

/** queue_set_param: one key of a queue section. Unknown keys are ignored (and reported). */
export function setParam(p: QueueParams, key: string, value: string, warn?: (m: string) => void): void {
  const v = value.trim();
  switch (key.toLowerCase()) {
    case 'strategy': {
      const s = v.toLowerCase() === 'roundrobin' ? 'ringall' : v.toLowerCase();
      if ((STRATEGIES as readonly string[]).includes(s)) p.strategy = s as Strategy;
      else warn?.(`'${v}' isn't a valid strategy, using ringall instead`);
      break;
    }
    case 'timeout':
      p.timeout = int(v, 15);
      if (p.timeout < 0) p.timeout = 15;
      break;
    case 'retry':
      p.retry = int(v, 5);
      if (p.retry <= 0) p.retry = 5;
      break;
    case 'timeoutpriority':
      p.timeoutpriority = v.toLowerCase() === 'conf' ? 'conf' : 'app';
      break;
    case 'timeoutrestart':
      p.timeoutrestart = astTrue(v);
      break;
    case 'wrapuptime':
      p.wrapuptime = Math.max(0, int(v, 0));
      break;
    case 'weight':
      p.weight = int(v, 0);
      break;
    case 'maxlen':
      p.maxlen = Math.max(0, int(v, 0));
      break;
    case 'servicelevel':
      p.servicelevel = int(v, 0);
      break;
    case 'joinempty':
      p.joinempty = parseEmptyOptions(v, true);
      break;
    case 'leavewhenempty':
      p.leavewhenempty = parseEmptyOptions(v, false);
      break;
    case 'ringinuse':
      p.ringinuse = astTrue(v);
      break;
    case 'autopause':
      p.autopause = v.toLowerCase() === 'all' ? 'all' : astTrue(v) ? 'yes' : 'no';
      break;
    case 'autopausedelay':
      p.autopausedelay = Math.max(0, int(v, 0));
      break;
    case 'autopausebusy':
      p.autopausebusy = astTrue(v);
      break;
    case 'autopauseunavail':
      p.autopauseunavail = astTrue(v);
      break;
    case 'penaltymemberslimit':
      p.penaltymemberslimit = Math.max(0, int(v, 0));
      break;
    case 'setinterfacevar':
      p.setinterfacevar = astTrue(v);
      break;
    case 'setqueuevar':
      p.setqueuevar = astTrue(v);
      break;
    case 'setqueueentryvar':
      p.setqueueentryvar = astTrue(v);
      break;
    case 'context':
      p.context = v;
      break;
    case 'defaultrule':
      p.defaultrule = v;
      break;
    case 'memberdelay':
      p.memberdelay = Math.max(0, int(v, 0));
      break;
    case 'reportholdtime':
      p.reportholdtime = astTrue(v);
      break;
    case 'autofill':
      p.autofill = astTrue(v);
      break;
    case 'announce':
      p.announce = v;
      break;
    case 'announce-frequency':
      p.announcefrequency = int(v, 0);
      break;
    case 'min-announce-frequency':
      p.minannouncefrequency = int(v, 0);
      break;
    case 'announce-to-first-user':
      p.announcetofirstuser = astTrue(v);
      break;
    case 'announce-round-seconds':
      p.roundingseconds = int(v, 0);
      if (![0, 5, 10, 15, 20, 30].includes(p.roundingseconds)) {
        warn?.(`'${v}' isn't a valid value for ${key} using 0 instead`);
        p.roundingseconds = 0;
      }
      break;
    case 'periodic-announce-frequency':
      p.periodicannouncefrequency = int(v, 0);
      break;
    case 'periodic-announce-startdelay':
      p.periodicannouncestartdelay = int(v, 0);
      break;
    case 'periodic-announce':
      // Up to 10 files, split on ',' or '|' (a single name is kept as given).
      p.periodicannounce = v.includes(',') ? v.split(/[,|]/).slice(0, 10) : [v];
      break;
    case 'random-periodic-announce':
      p.randomperiodicannounce = astTrue(v);
      break;
    case 'relative-periodic-announce':
      p.relativeperiodicannounce = astTrue(v);
      break;
    case 'announce-holdtime':
      p.announceholdtime = v.toLowerCase() === 'once' ? 'once' : astTrue(v) ? 'yes' : 'no';
      break;
    case 'announce-position':
      p.announceposition =
        v.toLowerCase() === 'limit'
          ? 'limit'
          : v.toLowerCase() === 'more'
            ? 'more'
            : astTrue(v)
              ? 'yes'
              : 'no';
      break;
    case 'announce-position-limit':
      p.announcepositionlimit = int(v, 0);
      break;
    case 'announce-position-only-up':
      p.announcepositiononlyup = astTrue(v);
      break;
    case 'musicclass':
    case 'music':
    case 'musiconhold':
      p.musicclass = v;
      break;
    case 'membermacro':
      p.membermacro = v;
      break;
    case 'membergosub':
      p.membergosub = v;
      break;
    case 'member':
      break;
    default:
      if (Object.hasOwn(SOUND_KEYS, key.toLowerCase())) {
        p.sounds = { ...p.sounds, [SOUND_KEYS[key.toLowerCase()]]: v };
        break;
      }
      // Sound files, announce details, monitor options...: accepted, no effect in the simulation.
      break;
  }
}

export function parseGeneral(doc: ConfDocument | undefined): QueueGeneral {
  const g: QueueGeneral = {
    persistentmembers: false,
    autofill: false,
    sharedLastcall: false,
    logMembernameAsAgent: false,
    logCallerIdName: false,
    negativePenaltyInvalid: false,
    logUnpauseOnReasonChange: false,
    monitorType: '',
  };
  const sec = doc?.sections.find((s) => s.name.toLowerCase() === 'general');
  for (const e of sec?.entries ?? []) {
    const v = e.value;
    switch (e.key.toLowerCase()) {
      case 'persistentmembers':
        g.persistentmembers = astTrue(v);
        break;
      case 'autofill':
        g.autofill = astTrue(v);
        break;
      case 'shared_lastcall':
        g.sharedLastcall = astTrue(v);
        break;
      case 'log_membername_as_agent':
        g.logMembernameAsAgent = astTrue(v);
        break;
      case 'log-caller-id-name':
        g.logCallerIdName = astTrue(v);
        break;
      case 'negative_penalty_invalid':
        g.negativePenaltyInvalid = astTrue(v);
        break;
      case 'log_unpause_on_reason_change':
        g.logUnpauseOnReasonChange = astTrue(v);
        break;
      case 'monitor-type':
        g.monitorType = v;
        break;
    }
  }
  return g;
}

/** One queue section: parameters first (a `strategy` anywhere counts), then the members. */
export function parseQueueSection(
  s: ConfSection,
  general: QueueGeneral,
  warn?: (m: string) => void,
): QueueConf {
  const params = defaultParams(general);
  // app_queue reads strategy before creating the member container, then every other key.
  for (const e of s.entries) if (e.key.toLowerCase() === 'strategy') setParam(params, e.key, e.value, warn);
  for (const e of s.entries) if (e.key.toLowerCase() !== 'strategy') setParam(params, e.key, e.value, warn);
  const members: MemberConf[] = [];
  for (const e of s.entries) {
    if (e.key.toLowerCase() !== 'member') continue;
    const m = parseMemberLine(e.value, params.ringinuse);
    if (m) members.push(m);
  }
  return { name: s.name, params, members };
}

export function parseQueuesConf(
  doc: ConfDocument | undefined,
  warn?: (m: string) => void,
): { general: QueueGeneral; queues: QueueConf[] } {
  const general = parseGeneral(doc);
  const queues: QueueConf[] = [];
  for (const s of doc?.sections ?? []) {
    if (s.isTemplate || s.name.toLowerCase() === 'general') continue;
    queues.push(parseQueueSection(s, general, warn));
  }
  return { general, queues };
}

/** insert_penaltychange: `penaltychange => time,max[,min[,raise]]`, kept sorted by time. */
export function parsePenaltyChange(content: string): PenaltyRule | undefined {
  const parts = content.split(',');
  if (parts.length < 2) return undefined;
  const time = int(parts[0], -1);
  if (time < 0) return undefined;
  const maxStr = parts[1].trim();
  const minStr = parts[2]?.trim() ?? '';
  let raiseStr = parts[3]?.trim() ?? '';
  let raiseRespectMin = false;
  if (raiseStr.startsWith('r')) {
    raiseRespectMin = true;
    raiseStr = raiseStr.slice(1);
  }
  return {
    time,
    maxRelative: maxStr === '' || maxStr[0] === '+' || maxStr[0] === '-',
    maxValue: int(maxStr, 0),
    minRelative: minStr === '' || minStr[0] === '+' || minStr[0] === '-',
    minValue: minStr ? int(minStr, 0) : 0,
    raiseRelative: raiseStr === '' || raiseStr[0] === '+' || raiseStr[0] === '-',
    raiseValue: raiseStr ? int(raiseStr, 0) : 0,
    raiseRespectMin,
  };
}

export function parseQueueRules(doc: ConfDocument | undefined): Map<string, PenaltyRule[]> {
  const out = new Map<string, PenaltyRule[]>();
  for (const s of doc?.sections ?? []) {
    if (s.isTemplate || s.name.toLowerCase() === 'general') continue;
    const list = out.get(s.name) ?? [];
    for (const e of s.entries) {
      if (e.key.toLowerCase() !== 'penaltychange') continue;
      const r = parsePenaltyChange(e.value);
      if (!r) continue;
      const i = list.findIndex((x) => x.time > r.time);
      if (i < 0) list.push(r);
      else list.splice(i, 0, r);
    }
    out.set(s.name, list);
  }
  return out;
}

/** `Rule: 30,+3,+0` as manager_queue_rule_show prints a rule. */
export function formatRule(r: PenaltyRule): string {
  const sign = (rel: boolean, v: number): string => (rel && v >= 0 ? '+' : '') + String(v);
  return `${r.time},${sign(r.maxRelative, r.maxValue)},${sign(r.minRelative, r.minValue)}`;
}

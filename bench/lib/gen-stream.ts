/**
 * A deterministic synthetic AMI byte stream, as a client socket receives it from a busy Asterisk 20
 * call-centre box: banner, Login response, FullyBooted, then interleaved calls (Newchannel, Newexten,
 * VarSet, Newstate, DialBegin/End, Bridge..., Queue.../Agent..., Hangup..., Cdr, DeviceStateChange, ...) with a
 * few action responses mixed in.
 *
 * Header sets and their order follow Asterisk 20's manager_channels.c/app_queue.c output (compare the
 * recorded transcripts in test/fixtures/conformance). The stream is built as if manager.conf had
 * `channelvars = CRM_ID,QUEUE_NAME`, so every channel snapshot carries two repeated `ChanVariable:`
 * headers (`DestChanVariable:` for the dial target); Status events carry repeated `Variable:` headers
 * (Status with `Variables:`), UserEvents repeat `Variable:` as AMI applications send them, and Command /
 * QueueRule responses repeat `Output:` / `Rule:`. About 1% of caller names are non-ASCII UTF-8 (2-, 3- and
 * 4-byte characters), and some responses are followed by the stray CRLF that a few Asterisk actions emit.
 *
 * `generate` can hand every message's name/value pairs to a callback: that is the reference the parser
 * check compares against (independent of any parsing of the bytes).
 */

export type Pair = [name: string, value: string];

export interface GenOptions {
  /** Stop once at least this many bytes are produced. */
  targetBytes: number;
  seed?: number;
  /** Fraction of caller names that are non-ASCII. */
  utf8Share?: number;
  /** Fraction of messages that are action responses. */
  responseShare?: number;
}

export interface GenMeta {
  bytes: number;
  seed: number;
  messages: number;
  events: number;
  responses: number;
  /** Responses followed by an extra CRLF (an empty line before the next message). */
  strayCrlf: number;
  /** Messages containing non-ASCII text. */
  nonAscii: number;
  /** Messages in which some header name occurs more than once. */
  repeatedHeaderMessages: number;
  eventTypes: Record<string, number>;
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ASCII_NAMES = [
  'John Smith',
  'Maria Garcia',
  'WIRELESS CALLER',
  'ACME Corp',
  'Sales Dept',
  '<unknown>',
  'Anonymous',
  'Dr. A. Miller',
  "O'Brien Patrick",
  'Kowalski Jan',
];
const UTF8_NAMES = [
  'Jürgen Groß',
  'José Muñoz',
  'Zoë Çelik',
  'Łukasz Żółw',
  'Ærøskøbing Støa',
  '山田 太郎',
  'Σωκράτης Π.',
  'Ανδρέας 📞',
  'Дмитрий Иванов',
  'محمد علي',
];
const QUEUES = ['sales', 'support', 'billing', 'vip-support'];
const AGENTS = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008', '2001', '2002'];
const STATES: Array<[string, string]> = [
  ['0', 'Down'],
  ['4', 'Ring'],
  ['5', 'Ringing'],
  ['6', 'Up'],
];
const APPS: Array<[string, string]> = [
  ['Answer', ''],
  ['Set', 'CDR(userfield)=inbound,queue=sales'],
  ['Queue', 'sales,tT,,,300'],
  ['Dial', 'PJSIP/1001&PJSIP/1002,30,tTkK'],
  ['Playback', 'custom/welcome&custom/menu'],
  ['GotoIf', '$["${CALLERID(num)}" = ""]?anon,s,1'],
  ['NoOp', 'Incoming call from ${CALLERID(all)}'],
  ['AGI', 'agi://127.0.0.1:4573/route?did=4930123456'],
  ['Hangup', ''],
];
const VARS: Array<[string, string]> = [
  ['__CRM_ID', 'A-884211'],
  ['QUEUE_NAME', 'sales'],
  ['DIALSTATUS', 'ANSWER'],
  ['BRIDGEPEER', 'PJSIP/1001-0000a1b2'],
  [
    'RTPAUDIOQOS',
    'ssrc=1421412350;themssrc=3004510202;lp=0;rxjitter=0.000375;rxcount=1034;txjitter=0.001;txcount=1040;rlp=0;rtt=0.000000',
  ],
  ['QEHOLDTIME', '12'],
  ['MEMBERNAME', 'Agent 1001'],
  ['CDR(userfield)', 'inbound'],
  ['SIPCALLID', '4b1f2a3c-7d8e-11ef-9a0b-0242ac120002'],
];
const CAUSES: Array<[string, string]> = [
  ['16', 'Normal Clearing'],
  ['17', 'User busy'],
  ['19', 'No user responding'],
  ['21', 'Call Rejected'],
  ['0', 'Unknown'],
];

interface Chan {
  name: string;
  state: number;
  num: string;
  cname: string;
  lnum: string;
  lname: string;
  context: string;
  exten: string;
  prio: number;
  uid: string;
  linked: string;
  crm: string;
  queue: string;
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/**
 * Generates the stream. `onMessage`, when given, receives each message's pairs (the reference parse).
 */
export function generate(
  opts: GenOptions,
  onMessage?: (pairs: Pair[]) => void,
): { buf: Buffer; meta: GenMeta } {
  const seed = opts.seed ?? 20;
  const R = rng(seed);
  const utf8Share = opts.utf8Share ?? 0.01;
  const responseShare = opts.responseShare ?? 0.03;
  const pick = <T>(a: readonly T[]): T => a[Math.floor(R() * a.length)];

  const meta: GenMeta = {
    bytes: 0,
    seed,
    messages: 0,
    events: 0,
    responses: 0,
    strayCrlf: 0,
    nonAscii: 0,
    repeatedHeaderMessages: 0,
    eventTypes: {},
  };
  const parts: Buffer[] = [];
  let pendingText = '';
  const flush = (): void => {
    if (pendingText) {
      const b = Buffer.from(pendingText, 'utf8');
      parts.push(b);
      meta.bytes += b.length;
      pendingText = '';
    }
  };
  const approxBytes = (): number => meta.bytes + pendingText.length;

  const emit = (pairs: Pair[], stray = false): void => {
    let s = '';
    let nonAscii = false;
    const seen = new Set<string>();
    let repeated = false;
    for (const [n, v] of pairs) {
      s += n + ': ' + v + '\r\n';
      if (!repeated) {
        const k = n.toLowerCase();
        if (seen.has(k)) repeated = true;
        else seen.add(k);
      }
    }
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 127) {
        nonAscii = true;
        break;
      }
    }
    pendingText += s + '\r\n';
    if (stray) {
      pendingText += '\r\n';
      meta.strayCrlf++;
    }
    meta.messages++;
    if (pairs[0][0] === 'Event') {
      meta.events++;
      meta.eventTypes[pairs[0][1]] = (meta.eventTypes[pairs[0][1]] ?? 0) + 1;
    } else meta.responses++;
    if (nonAscii) meta.nonAscii++;
    if (repeated) meta.repeatedHeaderMessages++;
    if (onMessage) onMessage(pairs);
    if (pendingText.length > 1 << 20) flush();
  };

  const snapshot = (c: Chan, prefix = ''): Pair[] => {
    const [st, desc] = STATES[c.state];
    return [
      [prefix + 'Channel', c.name],
      [prefix + 'ChannelState', st],
      [prefix + 'ChannelStateDesc', desc],
      [prefix + 'CallerIDNum', c.num],
      [prefix + 'CallerIDName', c.cname],
      [prefix + 'ConnectedLineNum', c.lnum],
      [prefix + 'ConnectedLineName', c.lname],
      [prefix + 'Language', 'en'],
      [prefix + 'AccountCode', ''],
      [prefix + 'Context', c.context],
      [prefix + 'Exten', c.exten],
      [prefix + 'Priority', String(c.prio)],
      [prefix + 'Uniqueid', c.uid],
      [prefix + 'Linkedid', c.linked],
      [prefix + 'ChanVariable', `CRM_ID=${c.crm}`],
      [prefix + 'ChanVariable', `QUEUE_NAME=${c.queue}`],
    ];
  };

  const base = 1795345000;
  let callNo = 0;
  let actionNo = 0;
  // A pool of live calls so that events of different calls interleave as on a real box.
  interface Call {
    caller: Chan;
    agent: Chan;
    bridge: string;
    queue: string;
    member: string;
    start: number;
  }
  const live: Call[] = [];
  const newCall = (): Call => {
    const n = callNo++;
    const t = base + (n >> 3);
    const utf8 = R() < utf8Share;
    const queue = pick(QUEUES);
    const member = pick(AGENTS);
    const num = `+49${String(300000000 + Math.floor(R() * 600000000))}`;
    const cname = utf8 ? pick(UTF8_NAMES) : pick(ASCII_NAMES);
    const uid = `${t}.${2 * n}`;
    const crm = R() < 0.5 ? '' : `A-${100000 + Math.floor(R() * 899999)}`;
    const caller: Chan = {
      name: `PJSIP/trunk-${hex8(2 * n)}`,
      state: 1,
      num,
      cname,
      lnum: '<unknown>',
      lname: '<unknown>',
      context: 'from-trunk',
      exten: '4930123456',
      prio: 1,
      uid,
      linked: uid,
      crm,
      queue: R() < 0.7 ? queue : '',
    };
    const agent: Chan = {
      name: `PJSIP/${member}-${hex8(2 * n + 1)}`,
      state: 0,
      num: member,
      cname: `Agent ${member}`,
      lnum: num,
      lname: cname,
      context: 'from-internal',
      exten: 's',
      prio: 1,
      uid: `${t}.${2 * n + 1}`,
      linked: uid,
      crm: '',
      queue: '',
    };
    return {
      caller,
      agent,
      bridge: `${hex8(n * 2654435761)}-${hex8(n)}-4c1d-9e2f-${hex8(n ^ 0x5a5a5a5a)}0000`,
      queue,
      member,
      start: t,
    };
  };

  const ev = (name: string, priv: string, ...rest: Pair[][]): Pair[] => {
    const out: Pair[] = [['Event', name]];
    if (priv) out.push(['Privilege', priv]);
    for (const r of rest) out.push(...r);
    return out;
  };

  // event generators, weighted (a busy queue/call-centre box)
  type Gen = (c: Call) => Pair[];
  const chanEv =
    (name: string, priv: string, extra: (c: Call, ch: Chan) => Pair[] = () => []): Gen =>
    (c) => {
      const ch = R() < 0.6 ? c.caller : c.agent;
      return ev(name, priv, snapshot(ch), extra(c, ch));
    };
  const gens: Array<[number, Gen]> = [
    [
      20,
      chanEv('Newexten', 'dialplan,all', (_c, ch) => {
        ch.prio = (ch.prio % 9) + 1;
        const [app, data] = pick(APPS);
        return [
          ['Extension', ch.exten],
          ['Application', app],
          ['AppData', data],
        ];
      }),
    ],
    [
      18,
      chanEv('VarSet', 'dialplan,all', () => {
        const [k, v] = pick(VARS);
        return [
          ['Variable', k],
          ['Value', v],
        ];
      }),
    ],
    [
      8,
      (c) =>
        ev('DeviceStateChange', 'call,all', [
          ['Device', `PJSIP/${c.member}`],
          ['State', pick(['INUSE', 'NOT_INUSE', 'RINGING', 'ONHOLD', 'UNAVAILABLE'])],
        ]),
    ],
    [
      7,
      chanEv('Newstate', 'call,all', (_c, ch) => {
        ch.state = Math.min(3, ch.state + 1);
        return [];
      }),
    ],
    [6, chanEv('Newchannel', 'call,all')],
    [
      5,
      chanEv('Hangup', 'call,all', () => {
        const [cause, txt] = pick(CAUSES);
        return [
          ['Cause', cause],
          ['Cause-txt', txt],
        ];
      }),
    ],
    [2, chanEv('HangupRequest', 'call,all', () => [['Cause', '16']])],
    [2, chanEv('SoftHangupRequest', 'call,all', () => [['Cause', '16']])],
    [
      3,
      (c) =>
        ev('DialBegin', 'call,all', snapshot(c.caller), snapshot(c.agent, 'Dest'), [
          ['DialString', `${c.member}`],
        ]),
    ],
    [
      3,
      (c) =>
        ev('DialEnd', 'call,all', snapshot(c.caller), snapshot(c.agent, 'Dest'), [
          ['DialStatus', pick(['ANSWER', 'ANSWER', 'NOANSWER', 'BUSY', 'CANCEL'])],
        ]),
    ],
    [
      2,
      chanEv('NewCallerid', 'call,all', () => [
        ['CID-CallingPres', '0 (Presentation Allowed, Not Screened)'],
      ]),
    ],
    [3, chanEv('NewConnectedLine', 'call,all')],
    [3, (c) => ev('BridgeEnter', 'call,all', bridge(c, 1), snapshot(R() < 0.5 ? c.caller : c.agent))],
    [3, (c) => ev('BridgeLeave', 'call,all', bridge(c, 2), snapshot(R() < 0.5 ? c.caller : c.agent))],
    [1, (c) => ev('BridgeCreate', 'call,all', bridge(c, 0))],
    [1, (c) => ev('BridgeDestroy', 'call,all', bridge(c, 0))],
    [
      2,
      (c) =>
        ev('QueueMember', '', [
          ['Queue', c.queue],
          ['Name', `Agent ${c.member}`],
          ['Location', `PJSIP/${c.member}`],
          ['StateInterface', `PJSIP/${c.member}`],
          ['Membership', 'dynamic'],
          ['Penalty', '0'],
          ['CallsTaken', String(Math.floor(R() * 80))],
          ['LastCall', String(c.start - 60)],
          ['LastPause', '0'],
          ['LoginTime', String(base - 3600)],
          ['InCall', R() < 0.5 ? '1' : '0'],
          ['Status', String(1 + Math.floor(R() * 3))],
          ['Paused', '0'],
          ['PausedReason', ''],
          ['Wrapuptime', '0'],
          ['ActionID', `qs-${actionNo}`],
        ]),
    ],
    [
      2,
      (c) =>
        ev('QueueMemberStatus', 'agent,all', [
          ['Queue', c.queue],
          ['MemberName', `Agent ${c.member}`],
          ['Interface', `PJSIP/${c.member}`],
          ['StateInterface', `PJSIP/${c.member}`],
          ['Membership', 'dynamic'],
          ['Penalty', '0'],
          ['CallsTaken', String(Math.floor(R() * 80))],
          ['LastCall', String(c.start - 60)],
          ['LastPause', '0'],
          ['LoginTime', String(base - 3600)],
          ['InCall', '1'],
          ['Status', '2'],
          ['Paused', '0'],
          ['PausedReason', ''],
          ['Ringinuse', '0'],
          ['Wrapuptime', '0'],
        ]),
    ],
    [
      1,
      (c) =>
        ev('QueueCallerJoin', 'agent,all', snapshot(c.caller), [
          ['Queue', c.queue],
          ['Position', String(1 + Math.floor(R() * 5))],
          ['Count', String(1 + Math.floor(R() * 5))],
        ]),
    ],
    [
      1,
      (c) =>
        ev('QueueCallerLeave', 'agent,all', snapshot(c.caller), [
          ['Queue', c.queue],
          ['Count', String(Math.floor(R() * 5))],
          ['Position', '1'],
        ]),
    ],
    [
      1,
      (c) =>
        ev('AgentCalled', 'agent,all', snapshot(c.caller), snapshot(c.agent, 'Dest'), [
          ['Queue', c.queue],
          ['Interface', `PJSIP/${c.member}`],
          ['MemberName', `Agent ${c.member}`],
        ]),
    ],
    [
      1,
      (c) =>
        ev('AgentConnect', 'agent,all', snapshot(c.caller), snapshot(c.agent, 'Dest'), [
          ['Queue', c.queue],
          ['Interface', `PJSIP/${c.member}`],
          ['MemberName', `Agent ${c.member}`],
          ['HoldTime', String(Math.floor(R() * 60))],
          ['RingTime', String(Math.floor(R() * 15))],
        ]),
    ],
    [
      1,
      (c) =>
        ev('AgentComplete', 'agent,all', snapshot(c.caller), snapshot(c.agent, 'Dest'), [
          ['Queue', c.queue],
          ['Interface', `PJSIP/${c.member}`],
          ['MemberName', `Agent ${c.member}`],
          ['HoldTime', String(Math.floor(R() * 60))],
          ['TalkTime', String(Math.floor(R() * 600))],
          ['Reason', pick(['caller', 'agent', 'transfer'])],
        ]),
    ],
    [
      2,
      (c) =>
        ev('Cdr', 'cdr,all', [
          ['AccountCode', ''],
          ['Source', c.caller.num],
          ['Destination', c.caller.exten],
          ['DestinationContext', c.caller.context],
          ['CallerID', `"${c.caller.cname}" <${c.caller.num}>`],
          ['Channel', c.caller.name],
          ['DestinationChannel', c.agent.name],
          ['LastApplication', 'Queue'],
          ['LastData', `${c.queue},tT,,,300`],
          ['StartTime', '2026-11-22 11:10:15'],
          ['AnswerTime', '2026-11-22 11:10:27'],
          ['EndTime', '2026-11-22 11:14:02'],
          ['Duration', '227'],
          ['BillableSeconds', '215'],
          ['Disposition', 'ANSWERED'],
          ['AMAFlags', 'DOCUMENTATION'],
          ['UniqueID', c.caller.uid],
          ['UserField', 'inbound'],
        ]),
    ],
    [
      1,
      (c) =>
        ev('UserEvent', 'user,all', [
          ['UserEvent', 'CrmPopup'],
          ['Uniqueid', c.caller.uid],
          ['Variable', `CRM_ID=${c.caller.crm}`],
          ['Variable', `CALLER=${c.caller.cname}`],
          ['Variable', `QUEUE=${c.queue}`],
          ['Note', 'screen pop: key=value; a: b'],
        ]),
    ],
    [
      0.5,
      (c) =>
        ev('Status', 'Call', snapshot(c.caller), [
          ['Type', 'PJSIP'],
          ['DNID', '4930123456'],
          ['EffectiveConnectedLineNum', c.agent.num],
          ['EffectiveConnectedLineName', c.agent.cname],
          ['TimeToHangup', '0'],
          ['BridgeID', c.bridge],
          ['Application', 'Queue'],
          ['Data', `${c.queue},tT,,,300`],
          ['Nativeformats', '(alaw|ulaw)'],
          ['Readformat', 'alaw'],
          ['Readtrans', ''],
          ['Writeformat', 'alaw'],
          ['Writetrans', ''],
          ['Callgroup', '0'],
          ['Pickupgroup', '0'],
          ['Seconds', String(Math.floor(R() * 300))],
          ['Variable', `CRM_ID=${c.caller.crm}`],
          ['Variable', `QUEUE_NAME=${c.queue}`],
          ['Variable', 'DIALSTATUS='],
          ['ActionID', `st-${actionNo}`],
        ]),
    ],
  ];
  function bridge(c: Call, n: number): Pair[] {
    return [
      ['BridgeUniqueid', c.bridge],
      ['BridgeType', 'basic'],
      ['BridgeTechnology', 'simple_bridge'],
      ['BridgeCreator', '<unknown>'],
      ['BridgeName', '<unknown>'],
      ['BridgeNumChannels', String(n)],
      ['BridgeVideoSourceMode', 'none'],
    ];
  }
  const wsum = gens.reduce((a, g) => a + g[0], 0);
  const pickGen = (): Gen => {
    let x = R() * wsum;
    for (const [w, g] of gens) {
      x -= w;
      if (x <= 0) return g;
    }
    return gens[gens.length - 1][1];
  };

  const response = (): void => {
    const id = `a-${++actionNo}`;
    const r = R();
    if (r < 0.35) {
      emit([
        ['Response', 'Success'],
        ['ActionID', id],
        ['Ping', 'Pong'],
        ['Timestamp', `${base + actionNo}.${String(actionNo % 1000000).padStart(6, '0')}`],
      ]);
    } else if (r < 0.55) {
      const out: Pair[] = [
        ['Response', 'Success'],
        ['ActionID', id],
        ['Message', 'Command output follows'],
        ['Output', 'Channel              Location             State   Application(Data)             '],
      ];
      const k = 1 + Math.floor(R() * 5);
      for (let i = 0; i < k; i++) {
        out.push([
          'Output',
          `PJSIP/trunk-${hex8(i)}  ${4930123456 + i}@from-trun Up      Queue(sales,tT,,,300)         `,
        ]);
      }
      out.push(['Output', `${k} active channels`], ['Output', `${k} active calls`]);
      emit(out);
    } else if (r < 0.75) {
      emit([
        ['Response', 'Success'],
        ['ActionID', id],
        ['EventList', 'start'],
        ['Message', 'Queue status will follow'],
      ]);
    } else if (r < 0.85) {
      emit(
        [
          ['Response', 'Success'],
          ['ActionID', id],
          ['RuleList', 'myrule'],
          ['Rule', '30,+3,+0'],
          ['Rule', '60,10,5'],
        ],
        true,
      );
    } else if (r < 0.93) {
      emit(
        [
          ['Response', 'Error'],
          ['ActionID', id],
          ['Message', 'Peer nosuchpeer not found.'],
        ],
        true,
      );
    } else {
      emit([
        ['Response', 'Success'],
        ['ActionID', id],
        ['Message', 'Originate successfully queued'],
      ]);
    }
  };

  pendingText += 'Asterisk Call Manager/9.0.0\r\n';
  emit([
    ['Response', 'Success'],
    ['Message', 'Authentication accepted'],
  ]);
  emit([
    ['Event', 'FullyBooted'],
    ['Privilege', 'system,all'],
    ['Uptime', '78'],
    ['LastReload', '78'],
    ['Status', 'Fully Booted'],
  ]);
  for (let i = 0; i < 24; i++) live.push(newCall());
  while (approxBytes() < opts.targetBytes) {
    if (R() < responseShare) {
      response();
      continue;
    }
    const i = Math.floor(R() * live.length);
    const c = live[i];
    emit(pickGen()(c));
    if (R() < 1 / 30) live[i] = newCall(); // about 30 messages per call
  }
  flush();
  return { buf: Buffer.concat(parts, meta.bytes), meta };
}

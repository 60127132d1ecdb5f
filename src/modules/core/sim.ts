/**
 * Our own control actions for the simulation, in the `test` privilege class (Asterisk has no such
 * actions): SimEndpoint (a simulated phone's behaviour), SimEndpointList, SimClock (the virtual
 * clock) and SimStatus. Documented in docs/simulation.md.
 */
import type { ActionContext } from '../../manager/context.js';
import type { CliResult } from '../../manager/cli.js';
import type { Manager } from '../../manager/manager.js';
import { VirtualClock } from '../../pbx/clock.js';
import { isEndpointMode, type EndpointBehaviour } from '../../pbx/endpoints.js';
import type { Pbx } from '../../pbx/pbx.js';
import { astTrue } from '../../config/cstr.js';

/** What chan_sip offers to simulate its peers' registrations (src/modules/sip `SipModule.sim`). */
export interface SipSimControl {
  register(
    peer: string,
    opts?: { host?: string; port?: number; expires?: number; useragent?: string; latencyMs?: number },
  ): { ok: true } | { ok: false; error: string };
  unregister(peer: string): { ok: true } | { ok: false; error: string };
  unreachable(peer: string): { ok: true } | { ok: false; error: string };
  latency(peer: string, ms: number): { ok: true } | { ok: false; error: string };
  reset(peer: string): { ok: true } | { ok: false; error: string };
}

export interface SimEnv {
  pbx: Pbx;
  /** ast_active_calls() as the core counts it. */
  activeCalls(): number;
  /** The PRNG seed the PBX was built with, when known. */
  seed?: number;
}

/** Speed of a VirtualClock following real time (0 = stopped / run on demand). */
const speeds = new WeakMap<VirtualClock, number>();

function behaviourPairs(device: string, b: EndpointBehaviour): Array<[string, string]> {
  return [
    ['Endpoint', device],
    ['Mode', b.mode],
    ['AnswerAfterMs', String(b.answerAfterMs)],
    ['TalkTimeMs', String(b.talkTimeMs)],
    ['Jitter', String(b.jitter)],
  ];
}

/** `test-201` means `SIP/test-201`; `default` (or `*`) means the defaults of every endpoint. */
function normDevice(s: string): string {
  const d = s.trim();
  return d.includes('/') ? d : `SIP/${d}`;
}

/** Parses the behaviour headers of SimEndpoint; returns an error text or the patch. */
function readPatch(get: (h: string) => string): Partial<EndpointBehaviour> | string {
  const patch: Partial<EndpointBehaviour> = {};
  const mode = get('Mode').trim().toLowerCase();
  if (mode) {
    if (!isEndpointMode(mode))
      return `Invalid Mode '${mode}' (answer, busy, noanswer, unreachable, reject, congestion)`;
    patch.mode = mode;
  }
  const num = (h: string): number | undefined | string => {
    const v = get(h).trim();
    if (!v) return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? n : `Invalid ${h} '${v}'`;
  };
  const answer = num('AnswerAfter');
  if (typeof answer === 'string') return answer;
  if (answer !== undefined) patch.answerAfterMs = Math.round(answer);
  const talk = num('TalkTime');
  if (typeof talk === 'string') return talk;
  if (talk !== undefined) patch.talkTimeMs = Math.round(talk);
  const jitter = num('Jitter');
  if (typeof jitter === 'string') return jitter;
  if (jitter !== undefined) patch.jitter = Math.min(1, jitter);
  return patch;
}

export function actionSimEndpoint(env: SimEnv, ctx: ActionContext): void {
  const { endpoints } = env.pbx;
  const raw = ctx.get('Endpoint');
  if (!raw) return ctx.error('Endpoint not specified');
  const patch = readPatch((h) => ctx.get(h));
  if (typeof patch === 'string') return ctx.error(patch);
  const isDefault = raw === '*' || raw.toLowerCase() === 'default';
  if (isDefault) {
    if (astTrue(ctx.get('Reset'))) return ctx.error('The defaults cannot be reset');
    endpoints.setDefaults(patch);
    return ctx.success([
      ['Message', 'Endpoint defaults updated'],
      ...behaviourPairs('default', endpoints.defaults),
    ]);
  }
  const device = normDevice(raw);
  if (astTrue(ctx.get('Reset'))) endpoints.reset(device);
  const b = Object.keys(patch).length ? endpoints.set(device, patch) : endpoints.get(device);
  ctx.success([['Message', 'Endpoint updated'], ...behaviourPairs(device, b)]);
}

export function actionSimEndpointList(env: SimEnv, ctx: ActionContext): void {
  const { endpoints, sipPeers } = env.pbx;
  const devices = new Map<string, string>();
  for (const p of sipPeers.values()) devices.set(`sip/${p.name}`.toLowerCase(), `SIP/${p.name}`);
  for (const e of endpoints.list())
    if (!devices.has(e.device))
      devices.set(e.device, e.device.replace(/^sip\//, 'SIP/').replace(/^local\//, 'Local/'));
  ctx.listStart('Endpoints will follow');
  ctx.listItem('SimEndpoint', behaviourPairs('default', endpoints.defaults));
  let n = 1;
  for (const name of devices.values()) {
    ctx.listItem('SimEndpoint', [
      ...behaviourPairs(name, endpoints.get(name)),
      ['Override', endpoints.has(name) ? 'Yes' : 'No'],
    ]);
    n++;
  }
  ctx.listComplete('SimEndpointListComplete', n);
}

function clockPairs(pbx: Pbx): Array<[string, string]> {
  const c = pbx.clock;
  const virtual = c instanceof VirtualClock;
  const pairs: Array<[string, string]> = [
    ['Clock', virtual ? 'virtual' : 'real'],
    ['Now', String(c.now())],
    ['NowText', new Date(c.now()).toISOString()],
  ];
  if (virtual) {
    pairs.push(['Pending', String(c.pending())]);
    const next = c.nextAt();
    pairs.push(['NextAt', next === undefined ? '' : String(next)]);
    pairs.push(['Speed', String(speeds.get(c) ?? 0)]);
  }
  return pairs;
}

export async function actionSimClock(env: SimEnv, ctx: ActionContext): Promise<void> {
  const c = env.pbx.clock;
  const op = (ctx.get('Operation') || 'status').toLowerCase();
  if (op === 'status') return ctx.success(clockPairs(env.pbx));
  if (!(c instanceof VirtualClock)) return ctx.error('The server runs on the real clock');
  if (op === 'advance') {
    const ms = ctx.get('Milliseconds')
      ? Number(ctx.get('Milliseconds'))
      : Number(ctx.get('Seconds') || 'NaN') * 1000;
    if (Number.isNaN(ms) || ms < 0) return ctx.error('Invalid Milliseconds/Seconds');
    const limit = ctx.get('Limit') ? Number(ctx.get('Limit')) : 1_000_000;
    if (!Number.isFinite(limit) || limit < 1) return ctx.error('Invalid Limit');
    // runFor clamps the span (MAX_DELAY_MS) and stops after `limit` events, so no advance can hold
    // the event loop for long.
    const ran = await c.runFor(ms, limit);
    return ctx.success([['Message', 'Clock advanced'], ['Events', String(ran)], ...clockPairs(env.pbx)]);
  }
  if (op === 'run') {
    const limit = ctx.get('Limit') ? Number(ctx.get('Limit')) : 1_000_000;
    if (!Number.isFinite(limit) || limit < 1) return ctx.error('Invalid Limit');
    const ran = await c.runAll(limit);
    return ctx.success([
      ['Message', 'Clock ran until idle'],
      ['Events', String(ran)],
      ...clockPairs(env.pbx),
    ]);
  }
  if (op === 'speed') {
    const speed = Number(ctx.get('Speed'));
    if (!Number.isFinite(speed) || speed < 0) return ctx.error('Invalid Speed');
    if (speed === 0) c.stopRealtime();
    else c.startRealtime(speed);
    speeds.set(c, speed);
    return ctx.success([
      ['Message', speed === 0 ? 'Clock stopped' : 'Clock follows real time'],
      ...clockPairs(env.pbx),
    ]);
  }
  if (op === 'stop') {
    c.stopRealtime();
    speeds.set(c, 0);
    return ctx.success([['Message', 'Clock stopped'], ...clockPairs(env.pbx)]);
  }
  ctx.error(`Unknown Operation '${op}' (status, advance, run, speed, stop)`);
}

/**
 * SimPeer: a SIP peer's registration as chan_sip sees it (register, unregister, unreachable,
 * latency, reset), through the SIP module's simulation hooks.
 */
export function actionSimPeer(sip: SipSimControl, ctx: ActionContext): void {
  const peer = ctx.get('Peer').replace(/^SIP\//i, '');
  if (!peer) return ctx.error('Peer not specified');
  const op = ctx.get('Operation').toLowerCase();
  const num = (h: string): number | undefined => {
    const v = ctx.get(h).trim();
    return v && Number.isFinite(Number(v)) ? Number(v) : undefined;
  };
  let res: { ok: true } | { ok: false; error: string };
  if (op === 'register')
    res = sip.register(peer, {
      host: ctx.get('Host') || undefined,
      port: num('Port'),
      expires: num('Expires'),
      useragent: ctx.get('UserAgent') || undefined,
      latencyMs: num('LatencyMs'),
    });
  else if (op === 'unregister') res = sip.unregister(peer);
  else if (op === 'unreachable') res = sip.unreachable(peer);
  else if (op === 'latency') {
    const ms = num('LatencyMs');
    if (ms === undefined || ms < 0) return ctx.error('Invalid LatencyMs');
    res = sip.latency(peer, ms);
  } else if (op === 'reset') res = sip.reset(peer);
  else return ctx.error(`Unknown Operation '${op}' (register, unregister, unreachable, latency, reset)`);
  if (res.ok)
    ctx.success([
      ['Message', 'Peer updated'],
      ['Peer', peer],
      ['Operation', op],
    ]);
  else ctx.error(res.error);
}

/** SimCall: a simulated phone calls the PBX (pbx.incomingCall). */
export function actionSimCall(env: SimEnv, ctx: ActionContext): void {
  const from = ctx.get('From');
  const exten = ctx.get('Exten');
  if (!from) return ctx.error('From not specified');
  if (!exten) return ctx.error('Exten not specified');
  const peer = from.replace(/^SIP\//i, '');
  if (env.pbx.sipPeers.size > 0 && !env.pbx.sipPeers.has(peer.toLowerCase()))
    return ctx.error(`Unknown SIP peer '${peer}'`);
  const ms = (h: string): number | undefined | null => {
    const v = ctx.get(h).trim();
    if (!v) return undefined;
    const n = Number(v);
    return Number.isFinite(n) && n >= 0 ? Math.round(n) : null;
  };
  const hangupAfterMs = ms('HangupAfter');
  const talkTimeMs = ms('TalkTime');
  if (hangupAfterMs === null) return ctx.error('Invalid HangupAfter');
  if (talkTimeMs === null) return ctx.error('Invalid TalkTime');
  const cid = ctx.get('CallerID');
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(cid);
  // amikit's ceiling on channels alive at once: refused before a channel exists.
  if (!env.pbx.roomForChannels(1)) return ctx.error(`Too many channels (limit ${env.pbx.maxChannels})`);
  const ch = env.pbx.incomingCall({
    from: peer,
    exten,
    context: ctx.get('Context') || undefined,
    callerIdNum: cid ? (m ? m[3] : cid) : undefined,
    callerIdName: m ? (m[1] ?? m[2] ?? '').trim() : undefined,
    hangupAfterMs,
    talkTimeMs,
  });
  // maxcalls: chan_sip answered 480 and the channel is already gone.
  if (ch.dead) return ctx.error('Call refused: maximum call limit reached');
  ctx.success([
    ['Message', 'Call placed'],
    ['Channel', ch.name],
    ['Uniqueid', ch.uniqueid],
  ]);
}

export function actionSimStatus(env: SimEnv, ctx: ActionContext): void {
  const { pbx } = env;
  const st = pbx.stats();
  const d = pbx.endpoints.defaults;
  ctx.success([
    ...clockPairs(pbx),
    ['Seed', env.seed === undefined ? '' : String(env.seed)],
    ['Channels', String(st.activeChannels)],
    ['ActiveCalls', String(env.activeCalls())],
    ['CallsProcessed', String(st.callsProcessed)],
    ['Bridges', String(pbx.bridges().length)],
    ['SipPeers', String(pbx.sipPeers.size)],
    ['EndpointOverrides', String(pbx.endpoints.list().length)],
    ['DefaultMode', d.mode],
    ['DefaultAnswerAfterMs', String(d.answerAfterMs)],
    ['DefaultTalkTimeMs', String(d.talkTimeMs)],
  ]);
}

/** `sim show endpoints`, `sim endpoint <device> <mode> [answerafter-ms [talktime-ms]]`, `sim clock`. */
export function registerSimCli(manager: Manager, env: SimEnv): void {
  const { pbx } = env;
  manager.cli.register({
    words: ['sim', 'show', 'endpoints'],
    summary: 'Show simulated endpoint behaviours',
    usage: 'Usage: sim show endpoints\n       Lists the behaviour of every simulated endpoint (amikit).',
    maxArgs: 0,
    handler: (): CliResult => {
      const row = (a: string, b: string, c: string, d: string): string =>
        `${a.padEnd(30)} ${b.padEnd(12)} ${c.padStart(12)} ${d.padStart(12)}`;
      const lines = [row('Endpoint', 'Mode', 'AnswerAfter', 'TalkTime')];
      const d = pbx.endpoints.defaults;
      lines.push(row('(default)', d.mode, String(d.answerAfterMs), String(d.talkTimeMs)));
      const names = new Set<string>([...pbx.sipPeers.values()].map((p) => `SIP/${p.name}`));
      for (const e of pbx.endpoints.list())
        if (![...names].some((n) => n.toLowerCase() === e.device)) names.add(e.device);
      for (const n of names) {
        const b = pbx.endpoints.get(n);
        lines.push(row(n, b.mode, String(b.answerAfterMs), String(b.talkTimeMs)));
      }
      lines.push(`${names.size} endpoints.`);
      return { lines };
    },
  });
  manager.cli.register({
    words: ['sim', 'endpoint'],
    summary: 'Change a simulated endpoint behaviour',
    usage:
      'Usage: sim endpoint <device|default> <answer|busy|noanswer|unreachable|reject|congestion> [answerafter-ms [talktime-ms]]\n' +
      '       Changes how a simulated phone answers (amikit).',
    maxArgs: 4,
    handler: (args): CliResult => {
      const usage = manager.cli.usageOf(['sim', 'endpoint']);
      if (args.length < 2 || !isEndpointMode(args[1].toLowerCase())) return { lines: usage, failed: true };
      const patch: Partial<EndpointBehaviour> = { mode: args[1].toLowerCase() as EndpointBehaviour['mode'] };
      if (args[2] !== undefined) patch.answerAfterMs = Math.max(0, Number(args[2]) || 0);
      if (args[3] !== undefined) patch.talkTimeMs = Math.max(0, Number(args[3]) || 0);
      if (args[0] === '*' || args[0].toLowerCase() === 'default') {
        pbx.endpoints.setDefaults(patch);
        return { lines: ['Endpoint defaults updated.'] };
      }
      const device = normDevice(args[0]);
      pbx.endpoints.set(device, patch);
      return { lines: [`Endpoint ${device} updated.`] };
    },
  });
}

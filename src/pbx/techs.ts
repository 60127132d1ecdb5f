/**
 * Channel technologies: `SIP/peer` (a simulated phone following its endpoint behaviour) and
 * `Local/exten@context[/n]` (a pair of channels whose ;2 half runs the dialplan), with the event
 * sequences of chan_sip and core_local.
 */
import { Cause } from './causes.js';
import { Channel, ChannelState } from './channel.js';
import type { Pbx } from './pbx.js';

export interface RequestOptions {
  /** The calling channel (Dial): its Linkedid and caller ID carry over. */
  requestor?: Channel;
  /** Uniqueid for the channel (Originate ChannelId) and for a Local ;2 (OtherChannelId). */
  uniqueid?: string;
  otherUniqueid?: string;
  accountCode?: string;
}

export type RequestResult = { channel: Channel } | { cause: number; error: string };

/** Technologies the simulator implements. */
export function isKnownTech(tech: string): boolean {
  return ['sip', 'local'].includes(tech.toLowerCase());
}

export function requestChannel(
  pbx: Pbx,
  tech: string,
  resource: string,
  opts: RequestOptions,
): RequestResult {
  const t = tech.toLowerCase();
  if (pbx.techs && !pbx.techs.has(t))
    return { cause: Cause.CHAN_NOT_IMPLEMENTED, error: `No channel type registered for '${tech}'` };
  // amikit's ceiling on channels alive at once: the request fails as an exhausted driver's would.
  if (!pbx.roomForChannels(t === 'local' ? 2 : 1))
    return { cause: Cause.CONGESTION, error: `Too many channels (limit ${pbx.maxChannels})` };
  const res =
    t === 'local'
      ? requestLocal(pbx, resource, opts)
      : t === 'sip'
        ? requestSip(pbx, resource, opts)
        : { cause: Cause.CHAN_NOT_IMPLEMENTED, error: `No channel type registered for '${tech}'` };
  if ('channel' in res && opts.requestor) inheritVariables(opts.requestor, res.channel);
  return res;
}

/** ast_channel_inherit_variables: `_VAR` passes one level (as VAR), `__VAR` forever; no events. */
function inheritVariables(from: Channel, to: Channel): void {
  for (const [k, v] of from.vars) {
    if (k.startsWith('__')) to.vars.set(k, v);
    else if (k.startsWith('_')) to.vars.set(k.slice(1), v);
  }
}

function requestSip(pbx: Pbx, resource: string, opts: RequestOptions): RequestResult {
  const [peerName, exten = ''] = resource.split('/');
  const known = pbx.sipPeers.get(peerName.toLowerCase());
  if (!known && pbx.sipPeers.size > 0)
    return { cause: Cause.UNALLOCATED, error: `Unknown SIP peer '${peerName}'` };
  const name = known?.name ?? peerName;
  const behaviour = pbx.endpoints.get(`SIP/${name}`);
  if (behaviour.mode === 'unreachable')
    return { cause: Cause.SUBSCRIBER_ABSENT, error: `SIP peer '${name}' is unreachable` };
  const req = opts.requestor;
  const ch = pbx.newChannel({
    tech: 'SIP',
    name: `SIP/${name}-${pbx.ids.channelSuffix('SIP')}`,
    state: ChannelState.Down,
    context: known?.context ?? 'default',
    exten: exten || 's',
    device: `SIP/${name}`,
    uniqueid: opts.uniqueid,
    linkedid: req?.linkedid,
    accountCode: opts.accountCode ?? req?.accountCode,
    resource,
  });
  return { channel: ch };
}

/** `exten@context[/options]`; context defaults to 'default'. */
export function parseLocalResource(resource: string): { exten: string; context: string; options: string } {
  const [at, options = ''] = resource.split('/');
  const i = at.indexOf('@');
  return i < 0
    ? { exten: at, context: 'default', options }
    : { exten: at.slice(0, i), context: at.slice(i + 1) || 'default', options };
}

function requestLocal(pbx: Pbx, resource: string, opts: RequestOptions): RequestResult {
  const { exten, context } = parseLocalResource(resource);
  if (!exten) return { cause: Cause.UNALLOCATED, error: 'Local channel requires an extension' };
  const base = `Local/${exten}@${context}-${pbx.ids.channelSuffix('Local')}`;
  const device = `Local/${exten}@${context}`;
  const req = opts.requestor;
  const common = {
    tech: 'Local',
    context,
    exten,
    device,
    resource,
    accountCode: opts.accountCode ?? req?.accountCode,
  };
  const one = pbx.newChannel({
    ...common,
    name: `${base};1`,
    state: ChannelState.Down,
    uniqueid: opts.uniqueid,
    linkedid: req?.linkedid,
  });
  const two = pbx.newChannel({
    ...common,
    name: `${base};2`,
    state: ChannelState.Ring,
    uniqueid: opts.otherUniqueid,
    linkedid: one.linkedid,
  });
  // Local channels carry signed linear audio (Status shows `Nativeformats: (slin)`).
  one.formats = 'slin';
  two.formats = 'slin';
  one.localHalf = 1;
  two.localHalf = 2;
  one.localPeer = two;
  two.localPeer = one;
  return { channel: one };
}

export function callChannel(pbx: Pbx, ch: Channel): boolean {
  if (ch.dead) return false;
  if (ch.tech === 'Local' && ch.localHalf === 1) return callLocal(pbx, ch);
  if (ch.tech === 'SIP') return callSip(pbx, ch);
  return false;
}

/** Applies a +/- jitter from the PBX PRNG. */
function jittered(pbx: Pbx, ms: number, jitter: number): number {
  if (!jitter || !ms) return ms;
  return Math.max(0, Math.round(ms * (1 + (pbx.prng.next() * 2 - 1) * jitter)));
}

/** The simulated phone: rings, then answers / rejects / stays silent according to its behaviour. */
function callSip(pbx: Pbx, ch: Channel): boolean {
  const b = pbx.endpoints.get(ch.device);
  const after = jittered(pbx, b.answerAfterMs, b.jitter);
  const timer = (ms: number, fn: () => void): void => void ch.driverTimers.push(pbx.clock.setTimer(ms, fn));
  if (b.mode === 'busy' || b.mode === 'congestion' || b.mode === 'reject') {
    timer(Math.min(after, 100), () => {
      if (b.mode === 'reject') pbx.deliverControl(ch, { type: 'hangup', cause: Cause.CALL_REJECTED });
      else pbx.deliverControl(ch, { type: b.mode === 'busy' ? 'busy' : 'congestion' });
    });
    return true;
  }
  timer(Math.min(after, 100), () => pbx.deliverControl(ch, { type: 'ringing' }));
  if (b.mode === 'answer')
    timer(after, () => {
      pbx.deliverControl(ch, { type: 'answer' });
      const talk = jittered(pbx, b.talkTimeMs, b.jitter);
      if (talk > 0) timer(talk, () => pbx.queueHangup(ch, Cause.NORMAL_CLEARING));
    });
  return true;
}

/**
 * local_call: fails when the extension does not exist (;2 is destroyed at once); otherwise copies
 * variables and caller ID to ;2, raises LocalBridge and starts the dialplan on ;2.
 */
function callLocal(pbx: Pbx, one: Channel): boolean {
  const two = one.localPeer;
  if (!two || two.dead) return false;
  const { exten, context, options } = parseLocalResource(one.resource);
  const behaviour = pbx.endpoints.has(one.device) ? pbx.endpoints.get(one.device) : undefined;
  if (!pbx.dialplan.exists(context, exten, 1, one.callerIdNum) || behaviour?.mode === 'unreachable') {
    pbx.log('NOTICE', `No such extension/context ${exten}@${context} while calling Local channel`);
    two.localPeer = undefined;
    one.localPeer = undefined;
    pbx.hangupNow(two);
    return false;
  }
  // ast_unreal_call_setup: variables are copied in list order (Asterisk keeps them newest-first,
  // so ;2 gets them in the reverse of the order they were set on ;1), caller ID and connected line
  // cross over, and so do accountcode and peeraccount; all in one snapshot.
  pbx.stage(two, () => {
    for (const [k, v] of [...one.vars].reverse()) pbx.setVar(two, k, v);
    two.callerIdNum = one.connectedLineNum;
    two.callerIdName = one.connectedLineName;
    two.connectedLineNum = one.callerIdNum;
    two.connectedLineName = one.callerIdName;
    two.accountCode = one.peerAccount;
    two.peerAccount = one.accountCode;
    two.language = one.language;
  });
  pbx.emit('LocalBridge', {
    localOne: one.snapshot(),
    localTwo: two.snapshot(),
    context,
    exten,
    localOptimization: !options.includes('n'),
  });
  if (behaviour && behaviour.mode !== 'answer') {
    // A Local destination with its own simulation section behaves as a phone instead of
    // (or before) running its dialplan.
    const after = jittered(pbx, behaviour.answerAfterMs, behaviour.jitter);
    two.driverTimers.push(
      pbx.clock.setTimer(Math.min(after, 100), () => {
        if (behaviour.mode === 'noanswer') pbx.indicate(two, 'ringing');
        else {
          two.hangupCause =
            behaviour.mode === 'busy'
              ? Cause.USER_BUSY
              : behaviour.mode === 'congestion'
                ? Cause.CONGESTION
                : Cause.CALL_REJECTED;
          pbx.hangupNow(two);
        }
      }),
    );
    return true;
  }
  if (behaviour) {
    const after = jittered(pbx, behaviour.answerAfterMs, behaviour.jitter);
    pbx.indicate(two, 'ringing');
    two.driverTimers.push(pbx.clock.setTimer(after, () => pbx.startPbxOrHangup(two)));
    const talk = behaviour.talkTimeMs;
    if (talk > 0) {
      two.onAnswer.push(() =>
        two.driverTimers.push(
          pbx.clock.setTimer(jittered(pbx, talk, behaviour.jitter), () =>
            pbx.hangup(two, Cause.NORMAL_CLEARING),
          ),
        ),
      );
    }
    return true;
  }
  if (!pbx.startPbx(two)) {
    // local_call: ast_pbx_start failed (maxcalls), so the call fails and ;2 goes.
    two.localPeer = undefined;
    one.localPeer = undefined;
    pbx.hangupNow(two);
    return false;
  }
  return true;
}

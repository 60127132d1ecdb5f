/**
 * The builtin applications (pbx_builtins.c, app_*.c) the simulator provides.
 */
import { atoi, parseTimelen } from '../../config/cstr.js';
import { Cause, causeFromName } from '../causes.js';
import { ChannelState } from '../channel.js';
import { expressionTruthy } from '../expr.js';
import { splitArgs } from '../functions.js';
import type { AppContext, AppRegistry, AppResult } from './registry.js';
import { dialApp } from './dial.js';
import { gosubApp, gosubIfApp, returnApp } from './gosub.js';
import { soundLength } from './sounds.js';
import { waitFull, waitResult } from './wait.js';

async function answerApp({ pbx, channel: ch }: AppContext, data: string): Promise<AppResult> {
  if (ch.state === ChannelState.Up) return 0;
  pbx.answer(ch);
  // ast_answer waits (up to 500 ms) for media to flow; a Local channel never gets any.
  const delay = Math.max(0, atoi(splitArgs(data)[0] ?? ''));
  const wait = (ch.tech === 'Local' ? pbx.answerMediaWaitMs : 0) + delay;
  if (wait > 0) return waitResult(await waitFull(pbx, ch, wait));
  return 0;
}

function hangupApp({ channel: ch }: AppContext, data: string): AppResult {
  let cause = 0;
  if (data.trim()) {
    cause = causeFromName(data);
    if (cause <= 0) {
      const n = Number.parseInt(data, 10);
      cause = Number.isFinite(n) && n > 0 ? n : 0;
    }
  }
  if (cause <= 0) cause = ch.hangupCause > 0 ? ch.hangupCause : Cause.NORMAL_CLEARING;
  ch.hangupCause = cause;
  return -1;
}

async function waitApp({ pbx, channel: ch }: AppContext, data: string): Promise<AppResult> {
  // pbx_builtin_wait: ast_app_parse_timelen (saturates at INT_MAX ms); nothing to wait for otherwise.
  const ms = parseTimelen(data, 's');
  if (ms === undefined || ms <= 0) return 0;
  return waitResult(await waitFull(pbx, ch, ms));
}

async function playbackApp({ pbx, channel: ch }: AppContext, data: string): Promise<AppResult> {
  const [files = '', options = ''] = splitArgs(data);
  if (ch.state !== ChannelState.Up && !/noanswer|skip/.test(options)) pbx.answer(ch);
  for (const f of files.split('&').filter(Boolean)) {
    const r = await waitFull(pbx, ch, soundLength(f.trim()));
    if (r !== 'timeout') {
      pbx.setVar(ch, 'PLAYBACKSTATUS', 'FAILED');
      return waitResult(r);
    }
  }
  pbx.setVar(ch, 'PLAYBACKSTATUS', 'SUCCESS');
  return 0;
}

async function echoApp({ pbx, channel: ch }: AppContext): Promise<AppResult> {
  return waitResult(await waitFull(pbx, ch, -1)) === -1 ? -1 : 0;
}

function setApp({ pbx, channel: ch }: AppContext, data: string): AppResult {
  const eq = data.indexOf('=');
  if (eq <= 0) {
    pbx.log('WARNING', 'Set requires an argument (0=value)');
    return 0;
  }
  const name = data.slice(0, eq).trim();
  let value = data.slice(eq + 1);
  if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
  pbx.setVar(ch, name, value);
  return 0;
}

function msetApp(ctx: AppContext, data: string): AppResult {
  for (const pair of splitArgs(data)) setApp(ctx, pair);
  return 0;
}

/** Goto([[context,]exten,]priority|label). */
function gotoTarget(ctx: AppContext, spec: string): boolean {
  const { pbx, channel: ch } = ctx;
  const parts = splitArgs(spec).map((s) => s.trim());
  let context = ch.context;
  let exten = ch.exten;
  let prio: string;
  if (parts.length >= 3) [context, exten, prio] = parts;
  else if (parts.length === 2) [exten, prio] = parts;
  else prio = parts[0] ?? '';
  if (!prio) return false;
  let priority = Number(prio);
  if (!Number.isInteger(priority)) {
    const found = pbx.dialplan.findLabel(context, exten, prio, ch.callerIdNum);
    if (found === undefined) {
      pbx.log('WARNING', `Priority '${prio}' must be a number > 0, or valid label`);
      return false;
    }
    priority = found;
  }
  pbx.setLocation(ch, context, exten, priority);
  return true;
}

function gotoApp(ctx: AppContext, data: string): AppResult {
  return gotoTarget(ctx, data) ? 'jump' : -1;
}

/** GotoIf(cond?true_target[:false_target]). */
function gotoIfApp(ctx: AppContext, data: string): AppResult {
  const q = data.indexOf('?');
  if (q < 0) {
    ctx.pbx.log('WARNING', 'GotoIf requires an argument (condition ? label1 : label2)');
    return 0;
  }
  const [t = '', f = ''] = data.slice(q + 1).split(':');
  const target = expressionTruthy(data.slice(0, q).trim()) ? t : f;
  if (!target.trim()) return 0;
  return gotoTarget(ctx, target) ? 'jump' : -1;
}

/** ExecIf(cond?app(args)[:app(args)]). */
async function execIfApp(ctx: AppContext, data: string): Promise<AppResult> {
  const q = data.indexOf('?');
  if (q < 0) return 0;
  const rest = data.slice(q + 1);
  const m = /^([^(:]*\([^)]*\)|[^:]*)(?::(.*))?$/.exec(rest);
  const branch = expressionTruthy(data.slice(0, q).trim()) ? (m?.[1] ?? '') : (m?.[2] ?? '');
  if (!branch.trim()) return 0;
  const paren = branch.indexOf('(');
  const name = paren < 0 ? branch : branch.slice(0, paren);
  const args = paren < 0 ? '' : branch.slice(paren + 1, branch.lastIndexOf(')'));
  const app = ctx.pbx.apps.get(name.trim());
  if (!app) {
    ctx.pbx.log('WARNING', `Could not find application (${name})`);
    return -1;
  }
  return app.run(ctx, args);
}

function userEventApp({ pbx, channel: ch }: AppContext, data: string): AppResult {
  const [name = '', ...rest] = splitArgs(data);
  const headers: Array<[string, string]> = [];
  for (const h of rest) {
    const c = h.indexOf(':');
    if (c < 0) continue;
    headers.push([h.slice(0, c).trim(), h.slice(c + 1).trim()]);
  }
  pbx.userEvent(ch, name, headers);
  return 0;
}

function indicateAndWait(kind: 'busy' | 'congestion') {
  return async ({ pbx, channel: ch }: AppContext, data: string): Promise<AppResult> => {
    // indicate_busy / indicate_congestion: both leave a channel not yet up in state Busy.
    if (ch.state !== ChannelState.Up) {
      pbx.setState(ch, ChannelState.Busy);
      ch.hangupCause = kind === 'busy' ? Cause.USER_BUSY : Cause.CONGESTION;
    }
    pbx.indicate(ch, kind);
    const secs = Number.parseFloat(data);
    const r = await waitFull(pbx, ch, Number.isFinite(secs) && secs > 0 ? secs * 1000 : -1);
    return r === 'goto' ? 0 : -1;
  };
}

function indicateApp(kind: 'ringing' | 'progress') {
  return ({ pbx, channel: ch }: AppContext): AppResult => {
    pbx.indicate(ch, kind);
    return 0;
  };
}

async function mohApp({ pbx, channel: ch }: AppContext, data: string): Promise<AppResult> {
  const [cls = '', duration = ''] = splitArgs(data);
  const mohClass = cls.trim() || 'default';
  pbx.emit('MusicOnHoldStart', { channel: ch.snapshot(), mohClass });
  const secs = Number.parseFloat(duration);
  const r = await waitFull(pbx, ch, Number.isFinite(secs) && secs > 0 ? secs * 1000 : -1);
  if (!ch.dead) pbx.emit('MusicOnHoldStop', { channel: ch.snapshot() });
  return waitResult(r);
}

function noop(): AppResult {
  return 0;
}

export function registerBuiltinApps(reg: AppRegistry): void {
  reg.register('Answer', answerApp, 'Answer a channel if ringing.');
  reg.register('Hangup', hangupApp, 'Hang up the calling channel.');
  reg.register('Wait', waitApp, 'Waits for some time.');
  reg.register('Playback', playbackApp, 'Play a file.');
  reg.register(
    'Background',
    playbackApp,
    'Play an audio file while waiting for digits of an extension to go to.',
  );
  reg.register('Echo', echoApp, 'Echo media, DTMF back to the calling party');
  reg.register('Dial', dialApp, 'Attempt to connect to another device or endpoint and bridge the call.');
  reg.register('Set', setApp, 'Set channel variable or function value.');
  reg.register('MSet', msetApp, 'Set channel variable(s) or function value(s).');
  reg.register('Goto', gotoApp, 'Jump to a particular priority, extension, or context.');
  reg.register('GotoIf', gotoIfApp, 'Conditional goto.');
  reg.register('ExecIf', execIfApp, 'Executes dialplan application, conditionally.');
  reg.register('NoOp', noop, 'Do Nothing (No Operation).');
  reg.register('Verbose', noop, 'Send arbitrary text to verbose output.');
  reg.register('Log', noop, 'Send arbitrary text to a selected log level.');
  reg.register(
    'UserEvent',
    userEventApp,
    'Send an arbitrary user-defined event to parties interested in a channel',
  );
  reg.register('Busy', indicateAndWait('busy'), 'Indicate the Busy condition.');
  reg.register('Congestion', indicateAndWait('congestion'), 'Indicate the Congestion condition.');
  reg.register('Progress', indicateApp('progress'), 'Indicate progress.');
  reg.register('Ringing', indicateApp('ringing'), 'Indicate ringing tone.');
  reg.register('MusicOnHold', mohApp, 'Play Music On Hold indefinitely.');
  reg.register('WaitExten', waitApp, 'Waits for an extension to be entered.');
  reg.register('Gosub', gosubApp, 'Jump to label, saving return address.');
  reg.register('GosubIf', gosubIfApp, 'Conditionally jump to label, saving return address.');
  reg.register('Return', returnApp, 'Return from gosub routine.');
}

/**
 * What callers and members hear: sound files played for their simulated length, numbers said
 * (English), the caller's position and expected hold time, the periodic announcements, and the
 * hold time reported to the member who answers. Music on hold stops for an announcement and
 * starts again after it. Nothing cuts an announcement short but a hangup.
 */
import type { Channel } from '../../pbx/channel.js';
import { soundLength } from '../../pbx/apps/sounds.js';
import { waitFull } from '../../pbx/apps/wait.js';
import type { Caller } from './caller.js';
import type { QueueContext } from './context.js';

/** The files ast_say_number_full_en plays for `n`. */
export function sayNumberFiles(n: number): string[] {
  const out: string[] = [];
  if (n === 0) return ['digits/0'];
  if (n < 0) {
    out.push('digits/minus');
    n = -n;
  }
  const say = (v: number): void => {
    if (v >= 1000000) {
      say(Math.floor(v / 1000000));
      out.push('digits/million');
      v %= 1000000;
    }
    if (v >= 1000) {
      say(Math.floor(v / 1000));
      out.push('digits/thousand');
      v %= 1000;
    }
    if (v >= 100) {
      out.push(`digits/${Math.floor(v / 100)}`, 'digits/hundred');
      v %= 100;
    }
    if (v >= 20) {
      out.push(`digits/${Math.floor(v / 10) * 10}`);
      v %= 10;
    }
    if (v > 0) out.push(`digits/${v}`);
  };
  say(n);
  return out;
}

/**
 * play_file: `ch` hears `file` for the sound's simulated length (ast_waitstream, nothing can
 * cut it short but a hangup). False when the channel hung up or was redirected meanwhile.
 */
export async function playFile(ctx: QueueContext, ch: Channel, file: string): Promise<boolean> {
  if (!file) return true;
  if (ch.hungUp || ch.dead) return false;
  return (await waitFull(ctx.pbx, ch, soundLength(file))) === 'timeout';
}

/** ast_say_number: the digits/ files said for `n` (English). */
export async function sayNumber(ctx: QueueContext, ch: Channel, n: number): Promise<boolean> {
  for (const f of sayNumberFiles(n)) if (!(await playFile(ctx, ch, f))) return false;
  return true;
}

/** ast_moh_stop / ast_indicate(-1) before an announcement. */
function holdStop(ctx: QueueContext, c: Caller, ringing: boolean): void {
  if (ringing || !c.moh || c.channel.dead) return;
  ctx.pbx.emit('MusicOnHoldStop', { channel: c.channel.snapshot() });
  c.moh = false;
}

/**
 * ast_moh_start for the caller: the class it asks for, else `default`; when no such class is
 * registered (musiconhold.conf), music on hold does not start and nothing is raised.
 */
export function mohStart(ctx: QueueContext, c: Caller): void {
  const cls = ctx.pbx.moh.choose('', c.mohClass);
  if (cls === undefined) return;
  ctx.pbx.emit('MusicOnHoldStart', { channel: c.channel.snapshot(), mohClass: cls });
  c.moh = true;
}

/** ast_moh_start / ast_indicate(RINGING) after it, when the caller stays. */
function holdStart(ctx: QueueContext, c: Caller, ringing: boolean): void {
  if (ringing || c.moh || c.channel.dead) return;
  mohStart(ctx, c);
}

/** What a part of the position announcement came to. */
type Said = 'said' | 'skipped' | 'hungup';

/** The position part of say_position: "you are next", or "there are N calls" (capped by the limit). */
async function announcePosition(ctx: QueueContext, c: Caller): Promise<Said | 'next'> {
  const p = c.queue.params;
  const s = p.sounds;
  const ch = c.channel;
  const announced =
    p.announceposition === 'yes' ||
    p.announceposition === 'more' ||
    (p.announceposition === 'limit' && c.pos <= p.announcepositionlimit);
  if (!announced) return 'skipped';
  let ok: boolean;
  if (c.pos === 1) {
    // app_queue skips the hold time when "you are next" played.
    return (await playFile(ctx, ch, s.next)) ? 'next' : 'hungup';
  } else if (p.announceposition === 'more' && c.pos > p.announcepositionlimit) {
    ok =
      (await playFile(ctx, ch, s.quantity1)) &&
      (await sayNumber(ctx, ch, p.announcepositionlimit)) &&
      (await playFile(ctx, ch, s.quantity2));
  } else {
    ok =
      (await playFile(ctx, ch, s.thereare)) &&
      (await sayNumber(ctx, ch, c.pos)) &&
      (await playFile(ctx, ch, s.calls));
  }
  return ok ? 'said' : 'hungup';
}

/** The hold-time part of say_position: the expected wait in minutes and rounded seconds. */
async function announceHoldTime(ctx: QueueContext, c: Caller, now: number): Promise<Said> {
  const q = c.queue;
  const p = q.params;
  const s = p.sounds;
  const ch = c.channel;
  const left = q.holdtime + 30 - (now - c.start);
  const mins = Math.trunc(Math.abs(left) / 60);
  const secs = p.roundingseconds
    ? Math.trunc((Math.abs(left) - 60 * mins) / p.roundingseconds) * p.roundingseconds
    : 0;
  if (!(mins + secs > 0 && p.announceholdtime !== 'no' && (p.announceholdtime !== 'once' || !c.lastPos)))
    return 'skipped';
  let ok = await playFile(ctx, ch, s.holdtime);
  if (ok && mins >= 1)
    ok = (await sayNumber(ctx, ch, mins)) && (await playFile(ctx, ch, mins === 1 ? s.minute : s.minutes));
  if (ok && secs >= 1) ok = (await sayNumber(ctx, ch, secs)) && (await playFile(ctx, ch, s.seconds));
  return ok ? 'said' : 'hungup';
}

/** say_position: position and expected hold time. False when the caller left while hearing it. */
export async function sayPosition(ctx: QueueContext, c: Caller, ringing: boolean): Promise<boolean> {
  const p = c.queue.params;
  const now = ctx.now();
  if (now - c.lastPos < p.minannouncefrequency) return true;
  if (c.lastPosSaid === c.pos && now - c.lastPos < p.announcefrequency) return true;
  if (p.announcepositiononlyup && c.lastPosSaid > 0 && c.lastPosSaid <= c.pos) return true;
  holdStop(ctx, c, ringing);
  let ok: boolean;
  let sayThanks: boolean;
  const position = await announcePosition(ctx, c);
  if (position === 'hungup' || position === 'next') {
    ok = position === 'next';
    sayThanks = ok;
  } else {
    const holdTime = await announceHoldTime(ctx, c, now);
    ok = holdTime !== 'hungup';
    sayThanks = position === 'said' || holdTime === 'said';
  }
  if (ok && sayThanks) ok = await playFile(ctx, c.channel, p.sounds.thanks);
  c.lastPos = now;
  c.lastPosSaid = c.pos;
  if (ok) holdStart(ctx, c, ringing);
  return ok;
}

/** say_periodic_announcement. False when the caller left while hearing it. */
export async function sayPeriodic(ctx: QueueContext, c: Caller, ringing: boolean): Promise<boolean> {
  const p = c.queue.params;
  const now = ctx.now();
  if (now - c.lastPeriodicAnnounceTime < p.periodicannouncefrequency) return true;
  holdStop(ctx, c, ringing);
  const files = p.periodicannounce;
  if (p.randomperiodicannounce && files.length)
    c.lastPeriodicAnnounceSound = Math.floor(ctx.pbx.prng.next() * files.length);
  else if (c.lastPeriodicAnnounceSound >= files.length || !files[c.lastPeriodicAnnounceSound])
    c.lastPeriodicAnnounceSound = 0;
  const ok = await playFile(ctx, c.channel, files[c.lastPeriodicAnnounceSound] ?? '');
  if (ok) holdStart(ctx, c, ringing);
  c.lastPeriodicAnnounceTime = p.relativeperiodicannounce ? ctx.now() : now;
  if (!p.randomperiodicannounce) c.lastPeriodicAnnounceSound++;
  return ok;
}

/** reportholdtime: the member who answered hears how long the caller waited. */
export async function reportHoldTime(ctx: QueueContext, peer: Channel, c: Caller): Promise<void> {
  const s = c.queue.params.sounds;
  if (!(await playFile(ctx, peer, s.reporthold))) return;
  const held = ctx.now() - c.start;
  const mins = Math.trunc(held / 60);
  const secs = held % 60;
  if (mins > 0 && (await sayNumber(ctx, peer, mins))) await playFile(ctx, peer, s.minutes);
  if (secs > 1 && (await sayNumber(ctx, peer, secs))) await playFile(ctx, peer, s.seconds);
}

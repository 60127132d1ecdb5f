/**
 * Actions that put frames on a live channel: PlayDTMF and SendFlash (apps/app_senddtmf.c),
 * MuteAudio (res/res_mutestream.c) and CancelAtxfer (main/manager.c), with Asterisk 20.20.1's
 * texts. Events come from the frames a channel reads, after the response, as Asterisk's channel
 * threads read them after the manager thread has answered.
 */
import type { ActionContext } from '../../manager/context.js';
import { astTrue } from '../../config/cstr.js';
import type { Channel } from '../../pbx/channel.js';
import type { Pbx } from '../../pbx/pbx.js';
import { scanUnsigned } from './util.js';

/** AST_DEFAULT_EMULATE_DTMF_DURATION: ast_senddigit_external() never sends a shorter digit. */
const MIN_DTMF_MS = 100;

export async function actionPlayDtmf(pbx: Pbx, ctx: ActionContext): Promise<void> {
  const c = pbx.findChannel(ctx.get('Channel'));
  if (!c) return ctx.error('Channel not found');
  const digit = ctx.get('Digit');
  if (!digit) return ctx.error('No digit specified');
  const duration = ctx.get('Duration');
  let ms = 0;
  if (duration) {
    const n = scanUnsigned(duration);
    if (n === undefined) return ctx.error('Could not convert Duration parameter');
    ms = n;
  }
  const d = digit[0];
  if (astTrue(ctx.get('Receive'))) {
    // A DTMF (end) frame queued on the channel itself, its length as given (0 by default).
    ctx.ack('DTMF successfully queued');
    pbx.clock.setTimer(0, () => pbx.receiveDtmfEnd(c, d, ms));
    return;
  }
  // ast_senddigit_external() holds the manager thread for the digit's length, then answers.
  const len = Math.max(ms, MIN_DTMF_MS);
  await new Promise<void>((r) => pbx.clock.setTimer(len, r));
  ctx.ack('DTMF successfully queued');
  pbx.clock.setTimer(0, () => {
    if (!c.dead) pbx.sendDigitToTech(c, d, len);
  });
}

export function actionSendFlash(pbx: Pbx, ctx: ActionContext): void {
  const c = pbx.findChannel(ctx.get('Channel'));
  if (!c) return ctx.error('Channel not found');
  // Received: queued on the channel itself; sent: ast_write() to the technology, which a Local
  // half passes to its peer (other technologies signal the far end: no event here).
  const reader: Channel | undefined = astTrue(ctx.get('Receive'))
    ? c
    : c.localHalf !== 0
      ? c.localPeer
      : undefined;
  ctx.ack('Flash successfully queued');
  if (reader) pbx.clock.setTimer(0, () => pbx.receiveFlash(reader));
}

/** Muted directions per channel (ast_channel_suppress): bit 1 read ("in"), bit 2 write ("out"). */
const muted = new WeakMap<Channel, number>();

export function actionMuteAudio(pbx: Pbx, ctx: ActionContext): void {
  const channel = ctx.get('Channel');
  const state = ctx.get('State');
  const direction = ctx.get('Direction');
  if (!channel) return ctx.error('Channel not specified');
  if (!state) return ctx.error('State not specified');
  if (!direction) return ctx.error('Direction not specified');
  const c = pbx.findChannel(channel);
  if (!c) return ctx.error('No such channel');
  const bits = direction === 'in' ? 1 : direction === 'out' ? 2 : direction === 'all' ? 3 : 0;
  if (!bits) return ctx.error('Failed to mute/unmute stream');
  const now = muted.get(c) ?? 0;
  muted.set(c, astTrue(state) ? now | bits : now & ~bits);
  // astman_append of a bare success: no Message line.
  ctx.append('Response: Success\r\n' + ctx.idLine() + '\r\n');
}

/** Whether MuteAudio left a direction of a channel muted (for status displays and tests). */
export function isMuted(c: Channel, direction: 'in' | 'out'): boolean {
  return ((muted.get(c) ?? 0) & (direction === 'in' ? 1 : 2)) !== 0;
}

/**
 * features.conf `atxferabort`: amikit reads no features.conf, so Asterisk's default applies
 * (DEFAULT_ATXFER_ABORT).
 */
const ATXFER_ABORT = '*1';

export function actionCancelAtxfer(pbx: Pbx, ctx: ActionContext): void {
  const name = ctx.get('Channel');
  if (!name) return ctx.error('No channel specified');
  const c = pbx.findChannel(name);
  if (!c) return ctx.error('Channel specified does not exist');
  // The abort code goes in as DTMF frames the channel reads, as if the transferer dialed it.
  ctx.ack('CancelAtxfer successfully queued');
  pbx.clock.setTimer(0, () => {
    for (const d of ATXFER_ABORT) pbx.receiveDtmfEnd(c, d, 0);
  });
}

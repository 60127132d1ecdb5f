/** Waiting helpers shared by applications. */
import type { Channel } from '../channel.js';
import type { Pbx } from '../pbx.js';

/**
 * Waits `ms` (negative: until hangup) ignoring wake-ups that are not hangup/redirect.
 * Returns 'timeout', 'hangup' or 'goto'.
 */
export async function waitFull(pbx: Pbx, ch: Channel, ms: number): Promise<'timeout' | 'hangup' | 'goto'> {
  const end = ms < 0 ? Infinity : pbx.clock.now() + ms;
  for (;;) {
    const left = end === Infinity ? -1 : Math.max(0, end - pbx.clock.now());
    const r = await ch.wait(pbx.clock, left);
    if (r === 'signal') {
      if (end !== Infinity && pbx.clock.now() >= end) return 'timeout';
      continue;
    }
    return r;
  }
}

/** Maps a wait result to an application result (-1 on hangup). */
export function waitResult(r: 'timeout' | 'hangup' | 'goto'): 0 | -1 {
  return r === 'hangup' ? -1 : 0;
}

/**
 * The ReplayClock of a server whose telephony core runs on a VirtualClock: counts the actions the
 * manager dispatches (so a replay knows the server has taken in what it sent) and advances the PBX
 * clock on the replay's behalf.
 */
import type { Manager } from '../manager/manager.js';
import type { VirtualClock } from '../pbx/clock.js';
import type { ReplayClock } from './replay.js';

export function replayClock(manager: Manager, clock: VirtualClock): ReplayClock {
  let taken = 0;
  let waiters: Array<() => void> = [];
  const dispatch = manager.dispatch.bind(manager);
  manager.dispatch = (msg, session) => {
    taken++;
    const w = waiters;
    waiters = [];
    for (const f of w) f();
    return dispatch(msg, session);
  };
  return {
    taken: () => taken,
    changed: () =>
      new Promise<void>((resolve) => {
        // Re-checked now and then in case an action never reaches dispatch (a parse error).
        const timer = setTimeout(resolve, 50);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    advance: async (ms) => {
      await clock.runFor(ms);
    },
  };
}

/**
 * Members follow their devices (device_state_cb): a device state change reaches, in every queue,
 * the first member whose state interface is that device; the member's status changes (a call
 * that ended is counted) and the queue's `Queue:<queue>_avail` state follows.
 */
import { DeviceState, deviceStateFromName } from '../../pbx/devicestate.js';
import { isMemberAvailable } from './availability.js';
import type { QueueContext } from './context.js';
import { memberView, type Member } from './member.js';
import type { Queue } from './queue.js';
import { recordCompletedCall } from './statistics.js';

/** The device a member's state interface stands for in device_state_cb. */
export function stateDevice(stateInterface: string): string {
  let iface = stateInterface;
  if (iface.toLowerCase().startsWith('local/')) {
    const second = iface.indexOf('/', 6);
    if (second >= 0) iface = iface.slice(0, second);
  }
  return iface.toLowerCase();
}

export class MemberDeviceStates {
  /**
   * The members by state interface (as device_state_cb compares it: lower case, a Local
   * interface cut after its second '/'): for each queue in container order, the first member in
   * member order with that device. Rebuilt lazily after the member lists or the queues change,
   * so a device state change looks at its own members only.
   */
  private index: Map<string, Array<[Queue, Member]>> | undefined;

  constructor(private readonly ctx: QueueContext) {}

  /** The index is stale: a member list or the set of queues changed. */
  readonly invalidate = (): void => {
    this.index = undefined;
  };

  /**
   * Subscribes to the PBX's device state changes; returns the unsubscription. device_state_cb
   * runs on app_queue's stasis subscription, after the change was published: the members follow
   * a moment later (a zero-delay timer), in the order the states came.
   */
  follow(): () => void {
    const pbx = this.ctx.pbx;
    const pendingStates: Array<[string, number]> = [];
    let flush: ReturnType<typeof pbx.clock.setTimer> | undefined;
    const off = pbx.on('DeviceStateChange', (e) => {
      const st = deviceStateFromName(e.state);
      if (st === undefined || e.device.startsWith('Queue:')) return;
      pendingStates.push([e.device, st]);
      flush ??= pbx.clock.setTimer(0, () => {
        flush = undefined;
        for (const [d, s] of pendingStates.splice(0)) this.changed(d, s);
      });
    });
    return () => {
      off();
      if (flush) pbx.clock.clearTimer(flush);
    };
  }

  /** device_state_cb: a device changed; members whose state interface it is follow. */
  changed(device: string, state: number): void {
    const ctx = this.ctx;
    for (const [q, found] of [...this.membersByDevice(device.toLowerCase())]) {
      if (!q.members.includes(found)) continue;
      this.updateStatus(q, found, state);
      const avail = q.members.some((m) => isMemberAvailable(ctx, q, m));
      ctx.pbx.setDeviceState(`Queue:${q.name}_avail`, avail ? DeviceState.NOT_INUSE : DeviceState.INUSE);
    }
  }

  private membersByDevice(dev: string): Array<[Queue, Member]> {
    if (!this.index) {
      const idx = new Map<string, Array<[Queue, Member]>>();
      for (const q of this.ctx.list()) {
        const seen = new Set<string>();
        for (const m of q.members) {
          const d = stateDevice(m.stateInterface);
          if (seen.has(d)) continue;
          seen.add(d);
          let list = idx.get(d);
          if (!list) idx.set(d, (list = []));
          list.push([q, m]);
        }
      }
      this.index = idx;
    }
    return this.index.get(dev) ?? [];
  }

  private updateStatus(q: Queue, m: Member, status: number): void {
    const ctx = this.ctx;
    if (m.status === status) return;
    if (status === DeviceState.NOT_INUSE) recordCompletedCall(ctx, q, m, m.callcompletedinsl, m.starttime);
    m.status = status;
    ctx.pending.delete(m.interface.toLowerCase());
    ctx.emit({ type: 'MemberStatus', queue: q, member: memberView(q, m) });
  }
}

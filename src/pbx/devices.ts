/**
 * Device and extension state tracking. Channels report state changes here; the states are
 * recomputed and published (DeviceStateChange, then ExtensionStatus for hints using the device)
 * in a batch a moment later, as Asterisk's device state thread does. SIP devices are cachable
 * (only changes are published); Local devices are not (every change request is published, which
 * is why Asterisk shows DeviceStateChange twice per Local pair).
 */
import type { Channel } from './channel.js';
import type { Clock, TimerHandle } from './clock.js';
import {
  DeviceState,
  aggregateDeviceStates,
  channelStateToDevice,
  deviceStateName,
  deviceToExtensionState,
  extensionStateText,
  type DeviceStateNum,
} from './devicestate.js';
import type { Dialplan } from './dialplan.js';
import type { EndpointRegistry } from './endpoints.js';
import type { PbxEvents } from './events.js';

export interface DeviceTrackerDeps {
  clock: Clock;
  dialplan: Dialplan;
  endpoints: EndpointRegistry;
  /** Known SIP peers by lower-cased name. */
  sipPeers: ReadonlyMap<string, { name: string }>;
  /** A Local pair of this device (`Local/exten@context`) is in use (see local_devicestate). */
  localInUse(device: string): boolean;
  emitDevice(e: PbxEvents['DeviceStateChange']): void;
  emitExtension(e: PbxEvents['ExtensionStatus']): void;
}

export class DeviceTracker {
  /** Per device (lower-cased): how many live channels contribute each device state. */
  private readonly counts = new Map<string, number[]>();
  private readonly contribution = new Map<Channel, number>();
  /** Last published state per device, with the name as first written. */
  private readonly cache = new Map<string, { device: string; state: DeviceStateNum }>();
  private readonly extCache = new Map<string, number>();
  private readonly custom = new Map<string, { device: string; state: DeviceStateNum }>();
  /** SIP peers (lower-cased names) the SIP layer reports unregistered or unreachable. */
  private readonly sipUnavailable = new Set<string>();
  private pending: string[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly deps: DeviceTrackerDeps) {}

  /** Asks for a recomputation of a device's state; published with the next batch. */
  changed(device: string): void {
    if (!device) return;
    this.pending.push(device);
    if (!this.timer) this.timer = this.deps.clock.setTimer(0, () => this.flush());
  }

  /** Moves a channel's contribution to its device's counts (creation, state/hold change, hangup). */
  recount(ch: Channel, gone = false): void {
    const key = ch.device.toLowerCase();
    let counts = this.counts.get(key);
    if (!counts) this.counts.set(key, (counts = new Array<number>(9).fill(0)));
    const old = this.contribution.get(ch);
    if (old !== undefined) counts[old]--;
    if (gone) {
      this.contribution.delete(ch);
      if (counts.every((n) => n === 0)) this.counts.delete(key);
      return;
    }
    const now = ch.onHold ? DeviceState.ONHOLD : channelStateToDevice(ch.state);
    counts[now]++;
    this.contribution.set(ch, now);
  }

  /**
   * A provider device (Custom:..., Queue:..._avail) set from outside. A known state is published
   * at once, not through the device state thread (ast_devstate_changed_literal), and only when it
   * changed: the cache keeps one aggregate per device.
   */
  setCustom(device: string, state: DeviceStateNum): void {
    const key = device.toLowerCase();
    this.custom.set(key, { device, state });
    const prev = this.cache.get(key)?.state;
    this.cache.set(key, { device: this.cache.get(key)?.device ?? device, state });
    if (prev === state) return;
    this.deps.emitDevice({ device, state: deviceStateName(state) });
    this.updateHints(key);
  }

  /**
   * The SIP layer's view of a peer: registered/reachable or not (chan_sip's device state).
   * `publish` false: the state is known (ast_device_state answers it) but not published, as at load.
   */
  setSipAvailable(peer: string, available: boolean, publish = true): void {
    const key = peer.toLowerCase();
    if (available === !this.sipUnavailable.has(key)) return;
    if (available) this.sipUnavailable.delete(key);
    else this.sipUnavailable.add(key);
    if (publish) this.changed(`SIP/${peer}`);
  }

  state(device: string): DeviceStateNum {
    const key = device.toLowerCase();
    const custom = this.custom.get(key);
    if (custom) return custom.state;
    const slash = device.indexOf('/');
    const tech = slash < 0 ? '' : device.slice(0, slash).toLowerCase();
    const res = slash < 0 ? device : device.slice(slash + 1);
    const counts = this.counts.get(key);
    const present = counts ? counts.flatMap((n, st) => (n > 0 ? [st] : [])) : [];
    if (tech === 'local') {
      // local_devicestate: INVALID without the extension, INUSE while a called pair has its ;1.
      const [exten, context = 'default'] = res.split('/')[0].split('@');
      if (!this.deps.dialplan.exists(context, exten, 1)) return DeviceState.INVALID;
      return this.deps.localInUse(`Local/${exten}@${context}`) ? DeviceState.INUSE : DeviceState.NOT_INUSE;
    }
    if (tech === 'sip') {
      if (!this.deps.sipPeers.has(res.toLowerCase()) && this.deps.sipPeers.size > 0)
        return DeviceState.INVALID;
      if (this.deps.endpoints.get(res).mode === 'unreachable') return DeviceState.UNAVAILABLE;
      if (this.sipUnavailable.has(res.toLowerCase()) && present.length === 0) return DeviceState.UNAVAILABLE;
    }
    return present.length ? aggregateDeviceStates(present) : DeviceState.NOT_INUSE;
  }

  /**
   * The device state cache as DeviceStateList dumps it: every device whose state has been
   * published as cachable (provider devices such as Queue:..._avail and Custom:..., SIP devices
   * once a channel, a registration or a qualify changed them; never Local devices, which are
   * published not cachable), with the last state published, in the order of Asterisk's stasis
   * cache (a hash container iterated bucket by bucket, see cacheOrder).
   */
  list(): Array<{ device: string; state: string }> {
    const entries: Array<{ device: string; state: string; seq: number }> = [];
    let seq = 0;
    for (const [k, v] of this.cache) {
      seq++;
      if (k.startsWith('local/')) continue;
      entries.push({ device: v.device, state: deviceStateName(v.state), seq });
    }
    return entries
      .map((e) => ({ ...e, bucket: cacheBucket(e.device) }))
      .sort((a, b) => a.bucket - b.bucket || a.seq - b.seq)
      .map(({ device, state }) => ({ device, state }));
  }

  /** Extension state of a hinted extension; status -1 when there is no hint. */
  extensionState(context: string, exten: string): { status: number; statusText: string; hint: string } {
    const hint = this.deps.dialplan.hint(context, exten);
    if (hint === undefined) return { status: -1, statusText: 'Unknown', hint: '' };
    const devices = hint.split(',')[0].split('&').filter(Boolean);
    const dev = devices.length
      ? aggregateDeviceStates(devices.map((d) => this.state(d.trim())))
      : DeviceState.INVALID;
    const status = deviceToExtensionState(dev);
    return { status, statusText: extensionStateText(status), hint };
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const device of batch) {
      const state = this.state(device);
      const key = device.toLowerCase();
      // A channel-driven device seen for the first time was idle: only real changes are published.
      const prev = this.cache.get(key)?.state ?? (this.custom.has(key) ? undefined : DeviceState.NOT_INUSE);
      this.cache.set(key, { device: this.cache.get(key)?.device ?? device, state });
      if (!key.startsWith('local/') && prev === state) continue;
      this.deps.emitDevice({ device, state: deviceStateName(state) });
      this.updateHints(key);
    }
  }

  /**
   * A hint's `laststate` before any of its devices has published a change: the state computed
   * when pbx_config added the hint, before its contexts were merged into the live dialplan, so
   * a Local device (whose state needs its extension to exist) counts as INVALID.
   */
  private initialHintState(hint: string): number {
    const devices = hint.split(',')[0].split('&').filter(Boolean);
    if (!devices.length) return deviceToExtensionState(DeviceState.INVALID);
    return deviceToExtensionState(
      aggregateDeviceStates(
        devices.map((d) => (/^local\//i.test(d.trim()) ? DeviceState.INVALID : this.state(d.trim()))),
      ),
    );
  }

  /**
   * The hints as ExtensionStateList walks them: pattern hints left out, each with its laststate
   * (what was last published for it), in the order of pbx.c's hints container (a hash on the
   * extension name, ast_str_case_hash, over 563 buckets; one bucket in insertion order).
   */
  hintStates(): Array<{ context: string; exten: string; hint: string; status: number; statusText: string }> {
    return this.deps.dialplan
      .hints()
      .filter((h) => !h.exten.startsWith('_'))
      .map((h, i) => {
        const status = this.extCache.get(`${h.exten}@${h.context}`) ?? this.initialHintState(h.hint);
        return {
          ...h,
          status,
          statusText: extensionStateText(status),
          i,
          bucket: strCaseHash(h.exten) % 563,
        };
      })
      .sort((a, b) => a.bucket - b.bucket || a.i - b.i)
      .map(({ context, exten, hint, status, statusText }) => ({ context, exten, hint, status, statusText }));
  }

  private updateHints(deviceKey: string): void {
    for (const h of this.deps.dialplan.hints()) {
      if (!h.hint.toLowerCase().split(',')[0].split('&').includes(deviceKey)) continue;
      const st = this.extensionState(h.context, h.exten);
      const key = `${h.exten}@${h.context}`;
      if (this.extCache.get(key) === st.status) continue;
      this.extCache.set(key, st.status);
      this.deps.emitExtension({
        exten: h.exten,
        context: h.context,
        hint: h.hint,
        status: st.status,
        statusText: st.statusText,
      });
    }
  }
}

/** ast_str_case_hash(): djb2 (x33 xor byte) on the lower-cased bytes, as a non-negative int. */
function strCaseHash(s: string): number {
  let h = 5381;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 33) ^ (s.toLowerCase().charCodeAt(i) & 0xff)) >>> 0;
  return h & 0x7fffffff;
}

/**
 * The bucket of a device in the stasis cache (main/stasis_cache.c): 563 buckets, the key's hash
 * being the message type's hash plus the id's, both ast_hashtab_hash_string() (x13 + byte),
 * taken as a C int and reduced with abs(hash % buckets); entries of one bucket keep their
 * insertion order. DeviceStateList walks the buckets in order.
 */
function cacheBucket(device: string): number {
  const h = (DEVICE_STATE_TYPE_HASH + hashtabHashString(device)) | 0;
  return Math.abs(h % CACHE_BUCKETS);
}

const CACHE_BUCKETS = 563;

/** ast_hashtab_hash_string() on the bytes of a string (names are ASCII; others as latin-1). */
function hashtabHashString(s: string): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total = (Math.imul(total, 13) + (s.charCodeAt(i) & 0xff)) >>> 0;
  return total;
}

/** stasis_message_type_hash() of ast_device_state_message_type. */
const DEVICE_STATE_TYPE_HASH = hashtabHashString('ast_device_state_message_type');

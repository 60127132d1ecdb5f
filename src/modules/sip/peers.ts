/**
 * chan_sip's peers: their run-time state (address, registration, qualify), the table built from
 * sip.conf (keeping what a reload must keep), lookups in chan_sip's orders, and `SIP/<peer>`
 * device states.
 */
import type { Logger } from '../../logger.js';
import { type Addr, fmtAddr, isNumericHost } from '../../sip/index.js';
import { type SipConfig, type PeerConfig, STANDARD_SIP_PORT } from './config.js';
import type { DeviceStateSink } from './context.js';

type Timer = { readonly id: number };

export type PeerStatusName =
  'Registered' | 'Unregistered' | 'Reachable' | 'Lagged' | 'Unreachable' | 'Rejected';

export interface SimState {
  /** Whether the simulated phone answers OPTIONS. */
  answer: boolean;
  latencyMs: number;
}

export interface Peer {
  cfg: PeerConfig;
  /** Load order (ties in hash order). */
  order: number;
  addr: Addr | null;
  fullcontact: string;
  useragent: string;
  /** chan_sip's peer->username: defaultuser, else the user part of the first registered contact. */
  username: string;
  /** Epoch ms when the registration expires (0 = no timer). */
  regExpireAt: number;
  expireTimer?: Timer;
  /** chan_sip's lastms: 0 unknown, -1 unreachable, else the last round trip in ms. */
  lastms: number;
  pokeTimer?: Timer;
  noanswerTimer?: Timer;
  pokeBranch?: string;
  pokeSimTimer?: Timer;
  sim: SimState | null;
  devstate: string;
}

const HASH_PEER_SIZE = 563;
export const DEV_NOT_INUSE = 'NOT_INUSE';
export const DEV_UNAVAILABLE = 'UNAVAILABLE';

import { astStrCaseHash } from '../../pbx/strhash.js';

export { astStrCaseHash };

/** peer_status(): the text chan_sip prints, and 1 online / 0 offline / -1 unmonitored. */
export function peerStatusText(p: Peer): { text: string; code: 1 | 0 | -1 } {
  const { maxms } = p.cfg;
  if (maxms) {
    if (p.lastms < 0) return { text: 'UNREACHABLE', code: 0 };
    if (p.lastms > maxms) return { text: `LAGGED (${p.lastms} ms)`, code: 1 };
    if (p.lastms) return { text: `OK (${p.lastms} ms)`, code: 1 };
    return { text: 'UNKNOWN', code: 0 };
  }
  return { text: 'Unmonitored', code: -1 };
}

/** sip_devicestate() without calls: UNAVAILABLE with no address or when qualify fails. */
export function deviceStateOf(p: Peer): string {
  if (!p.addr) return DEV_UNAVAILABLE;
  if (p.cfg.maxms && (p.lastms > p.cfg.maxms || p.lastms < 0)) return DEV_UNAVAILABLE;
  return DEV_NOT_INUSE;
}

export class PeerTable {
  /** By lower-cased name, in configuration order. */
  readonly map = new Map<string, Peer>();

  constructor(
    private readonly log: Logger,
    private readonly sink: DeviceStateSink | undefined,
  ) {}

  /** Rebuilds from sip.conf; registrations of peers that stay dynamic (and lastms) are kept. */
  build(config: SipConfig, old: Map<string, Peer>): void {
    this.map.clear();
    let order = 0;
    for (const cfg of config.peers) {
      const key = cfg.name.toLowerCase();
      const prev = old.get(key);
      const p: Peer = {
        cfg,
        order: order++,
        addr: null,
        fullcontact: '',
        useragent: '',
        username: cfg.defaultuser,
        regExpireAt: 0,
        lastms: 0,
        sim: prev?.sim ?? null,
        devstate: prev?.devstate ?? '',
      };
      if (cfg.hostDynamic) {
        if (prev && prev.cfg.hostDynamic && prev.addr) {
          p.addr = prev.addr;
          p.fullcontact = prev.fullcontact;
          p.useragent = prev.useragent;
          p.username = p.username || prev.username;
          p.regExpireAt = prev.regExpireAt;
          p.lastms = prev.lastms;
        }
      } else if (isNumericHost(cfg.host)) {
        p.addr = { host: cfg.host, port: cfg.port || STANDARD_SIP_PORT };
      } else if (cfg.host.toLowerCase() === 'localhost') {
        p.addr = { host: '127.0.0.1', port: cfg.port || STANDARD_SIP_PORT };
      } else if (prev?.addr && prev.cfg.host === cfg.host) {
        // Resolved before; the core looks it up again only when unknown.
        p.addr = { host: prev.addr.host, port: cfg.port || STANDARD_SIP_PORT };
      }
      if (
        prev &&
        prev.cfg.maxms === cfg.maxms &&
        p.addr &&
        prev.addr &&
        fmtAddr(prev.addr) === fmtAddr(p.addr)
      ) {
        p.lastms = prev.lastms;
      }
      this.map.set(key, p);
    }
  }

  /** sip_find_peer(FINDPEERS): case-insensitive, peers and friends only. */
  find(name: string): Peer | undefined {
    const p = this.map.get(name.toLowerCase());
    return p && p.cfg.isPeer ? p : undefined;
  }

  /** Peers sorted as `sip show peers` lists them (strcmp on names). */
  sorted(): Peer[] {
    return [...this.map.values()]
      .filter((p) => p.cfg.isPeer)
      .sort((a, b) => (a.cfg.name < b.cfg.name ? -1 : a.cfg.name > b.cfg.name ? 1 : 0));
  }

  /** Peers (and users) in the order chan_sip's hash container iterates them (SIPpeerstatus). */
  hashOrder(): Peer[] {
    return [...this.map.values()].sort((a, b) => {
      const ha = astStrCaseHash(a.cfg.name) % HASH_PEER_SIZE;
      const hb = astStrCaseHash(b.cfg.name) % HASH_PEER_SIZE;
      return ha - hb || a.order - b.order;
    });
  }

  /** Tells the telephony core when `SIP/<peer>` changes state (`initial`: at load, unpublished). */
  updateDeviceState(p: Peer, initial = false): void {
    if (!p.cfg.isPeer) return;
    const s = deviceStateOf(p);
    if (s === p.devstate) return;
    p.devstate = s;
    try {
      this.sink?.setDeviceState(`SIP/${p.cfg.name}`, s, initial);
    } catch (e) {
      this.log.error(`device state sink failed for SIP/${p.cfg.name}: ${(e as Error).message}`);
    }
  }
}

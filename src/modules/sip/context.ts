/**
 * What chan_sip's rooms (registrar, qualify, registry, notify, simulation) share: the running
 * configuration, the SIP layer below them, the peer table, the clock, and the one interface
 * through which chan_sip raises its AMI events (SipEvents, built in events.ts).
 */
import type { Logger } from '../../logger.js';
import type { SipConfig } from './config.js';
import type { SipHeaders, SipRequest, TransactionLayer, UdpTransport, Addr } from '../../sip/index.js';
import type { Peer, PeerTable, PeerStatusName } from './peers.js';
import type { AuthLimitEvent, SecurityEvent } from './security.js';

/** What the SIP module needs from the telephony core for `SIP/<peer>` device states. */
export interface DeviceStateSink {
  /**
   * `state` is Asterisk's name: NOT_INUSE, UNAVAILABLE, ... `initial`: the state a peer has when
   * chan_sip loads, which it does not publish (sip_devicestate answers on demand); later changes
   * (registration, qualify) are published.
   */
  setDeviceState(device: string, state: string, initial?: boolean): void;
}

/** Timers for qualify, registration expiry and re-registration (pbx/clock's Clock fits). */
export interface SipClock {
  now(): number;
  setTimer(ms: number, fn: () => void): { readonly id: number };
  clearTimer(handle: { readonly id: number }): void;
}

/** Every AMI event chan_sip raises goes through here (the module turns them into AMI events). */
export interface SipEvents {
  /** PeerStatus: extra headers in chan_sip's order (Cause, Address, Port, Time). */
  peerStatus(peer: string, status: PeerStatusName, extra: Array<[string, string]>): void;
  /** Registry: outbound registration state changes. */
  registry(username: string, domain: string, status: string, cause?: string): void;
  /** Security events (security_events.c), class security. */
  security?(event: SecurityEvent): void;
  /** amikit's failed-authentication limit tripped for an address (sip.conf authfaillimit). */
  authFailureLimit?(event: AuthLimitEvent): void;
}

export interface ChanSipContext {
  readonly config: SipConfig;
  readonly log: Logger;
  readonly clock: SipClock;
  readonly events: SipEvents;
  readonly transport: UdpTransport;
  readonly txns: TransactionLayer;
  readonly peerTable: PeerTable;
  /** True once stop() began. */
  readonly stopped: boolean;
  /** A response with chan_sip's standard headers (respprep), remembered for retransmissions. */
  reply(req: SipRequest, src: Addr, status: number, reason: string, extra?: SipHeaders, toTag?: string): void;
  /** Stops a peer's qualify timers (and its registration expiry when `all`). */
  clearPeerTimers(p: Peer, all: boolean): void;
}

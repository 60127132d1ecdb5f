/**
 * chan_sip's AMI events (channels/chan_sip.c, channels/sip/security_events.c): names, classes and
 * header order. chan_sip's core reports through its `SipEvents` hooks; createSipEvents() is the one
 * place that turns those reports into raised definitions.
 */
import { defineEvent, type AnyEventDefinition, type EventDefinition } from '../../manager/event-def.js';
import { formatEventTV, type EventHeaders } from '../../manager/events.js';
import { AUTH_FAILURE_LIMIT, SECURITY_EVENTS } from '../../manager/manager-events.js';
import { authFailureLimitHeaders, securityAddress } from '../../manager/auth-failures.js';
import type { SipEvents } from './context.js';
import type { SecurityEvent } from './security.js';

/** A peer's reachability or registration changed; `extra` carries Address, Cause, Time... as chan_sip adds them. */
export const PEER_STATUS = defineEvent<{ peer: string; status: string; extra: EventHeaders }>(
  'PeerStatus',
  'system',
  (p) => [['ChannelType', 'SIP'], ['Peer', `SIP/${p.peer}`], ['PeerStatus', p.status], ...p.extra],
);

/** An outbound registration changed state (Cause only on failures). */
export const REGISTRY = defineEvent<{ username: string; domain: string; status: string; cause?: string }>(
  'Registry',
  'system',
  (p) => [
    ['ChannelType', 'SIP'],
    ['Username', p.username],
    ['Domain', p.domain],
    ['Status', p.status],
    ...(p.cause ? ([['Cause', p.cause]] as const) : []),
  ],
);

/** SIPqualifypeer (or `sip qualify peer`) sent its OPTIONS; ActionID only when the action had one. */
export const SIP_QUALIFY_PEER_DONE = defineEvent<{ peer: string; actionId: string }>(
  'SIPQualifyPeerDone',
  'call',
  (p) => [['Peer', p.peer], ...(p.actionId ? ([['ActionID', p.actionId]] as const) : [])],
);

/** AST_SECURITY_EVENT_*_VERSION of the events chan_sip raises. */
const VERSION: Record<SecurityEvent['name'], number> = {
  FailedACL: 1,
  InvalidAccountID: 1,
  SuccessfulAuth: 1,
  ChallengeResponseFailed: 1,
  InvalidPassword: 2,
  ChallengeSent: 1,
};

/**
 * security_event_to_ami_blob(): the required IEs then the optional ones in sec_events[] order.
 * chan_sip sets no Module and no SessionTV, so neither appears.
 */
export function securityEventHeaders(ev: SecurityEvent): EventHeaders {
  const informational = ev.name === 'SuccessfulAuth' || ev.name === 'ChallengeSent';
  return [
    ['EventTV', formatEventTV(Date.now())],
    ['Severity', informational ? 'Informational' : 'Error'],
    ['Service', 'SIP'],
    ['EventVersion', String(VERSION[ev.name])],
    ['AccountID', ev.accountId],
    ['SessionID', ev.sessionId],
    ['LocalAddress', securityAddress('UDP', ev.local.host, ev.local.port)],
    ['RemoteAddress', securityAddress('UDP', ev.remote.host, ev.remote.port)],
    ...ev.fields,
  ];
}

/** How the module raises a definition (the manager's `raise`, once the module is loaded). */
export type RaiseEvent = <P>(def: EventDefinition<P>, payload: P) => void;

export function createSipEvents(raise: RaiseEvent): SipEvents {
  return {
    peerStatus: (peer, status, extra) => raise(PEER_STATUS, { peer, status, extra }),
    registry: (username, domain, status, cause) => raise(REGISTRY, { username, domain, status, cause }),
    security: (ev) => raise(SECURITY_EVENTS[ev.name], securityEventHeaders(ev)),
    authFailureLimit: (ev) =>
      raise(
        AUTH_FAILURE_LIMIT,
        authFailureLimitHeaders({
          service: 'SIP',
          accountId: ev.accountId,
          localAddress: securityAddress('UDP', ev.local.host, ev.local.port),
          remoteAddress: securityAddress('UDP', ev.remote.host, ev.remote.port),
          settings: ev.settings,
        }),
      ),
  };
}

/** Everything chan_sip can raise. */
export const SIP_EVENTS: readonly AnyEventDefinition[] = [
  PEER_STATUS,
  REGISTRY,
  SIP_QUALIFY_PEER_DONE,
  ...(Object.keys(VERSION) as Array<SecurityEvent['name']>).map((n) => SECURITY_EVENTS[n]),
  AUTH_FAILURE_LIMIT,
];

/**
 * chan_sip's AMI events: the one place that turns chan_sip's callbacks (SipEvents) into AMI
 * events with their class and header order. Everything goes out through the `publish` function
 * it is given, so that the way AMI events are defined can change here alone.
 */
import { EVENT_FLAG } from '../../config/permissions.js';
import { formatEventTV } from '../../manager/events.js';
import { authFailureLimitHeaders, securityAddress } from '../../manager/auth-failures.js';
import type { SipEvents } from './context.js';
import type { SecurityEvent } from './security.js';

export type PublishEvent = (name: string, category: number, headers: Array<[string, string]>) => void;

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
export function securityEventHeaders(ev: SecurityEvent): Array<[string, string]> {
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

export function createSipEvents(publish: PublishEvent): SipEvents {
  return {
    peerStatus: (peer, status, extra) => {
      publish('PeerStatus', EVENT_FLAG.SYSTEM, [
        ['ChannelType', 'SIP'],
        ['Peer', `SIP/${peer}`],
        ['PeerStatus', status],
        ...extra,
      ]);
    },
    registry: (username, domain, status, cause) => {
      const h: Array<[string, string]> = [
        ['ChannelType', 'SIP'],
        ['Username', username],
        ['Domain', domain],
        ['Status', status],
      ];
      if (cause) h.push(['Cause', cause]);
      publish('Registry', EVENT_FLAG.SYSTEM, h);
    },
    security: (ev) => publish(ev.name, EVENT_FLAG.SECURITY, securityEventHeaders(ev)),
    authFailureLimit: (ev) =>
      publish(
        'AuthFailureLimit',
        EVENT_FLAG.SECURITY,
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

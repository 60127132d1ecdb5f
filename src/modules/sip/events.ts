/**
 * chan_sip's AMI events (channels/chan_sip.c): names, classes and header order of its
 * manager_event() calls. chan_sip's core reports through its `events` hooks; the module raises these.
 */
import { defineEvent, type AnyEventDefinition } from '../../manager/event-def.js';
import type { EventHeaders } from '../../manager/events.js';

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

export const SIP_EVENTS: readonly AnyEventDefinition[] = [PEER_STATUS, REGISTRY, SIP_QUALIFY_PEER_DONE];

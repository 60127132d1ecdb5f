/**
 * Q.850 hangup causes with Asterisk's names and `Cause-txt` strings (main/channel.c causes[]).
 * Unknown numbers render as "Unknown", as ast_cause2str does.
 */
const TABLE: ReadonlyArray<readonly [number, string, string]> = [
  [1, 'UNALLOCATED', 'Unallocated (unassigned) number'],
  [2, 'NO_ROUTE_TRANSIT_NET', 'No route to specified transmit network'],
  [3, 'NO_ROUTE_DESTINATION', 'No route to destination'],
  [5, 'MISDIALLED_TRUNK_PREFIX', 'Misdialed trunk prefix'],
  [6, 'CHANNEL_UNACCEPTABLE', 'Channel unacceptable'],
  [7, 'CALL_AWARDED_DELIVERED', 'Call awarded and being delivered in an established channel'],
  [8, 'PRE_EMPTED', 'Pre-empted'],
  [14, 'NUMBER_PORTED_NOT_HERE', 'Number ported elsewhere'],
  [16, 'NORMAL_CLEARING', 'Normal Clearing'],
  [17, 'USER_BUSY', 'User busy'],
  [18, 'NO_USER_RESPONSE', 'No user responding'],
  [19, 'NO_ANSWER', 'User alerting, no answer'],
  [20, 'SUBSCRIBER_ABSENT', 'Subscriber absent'],
  [21, 'CALL_REJECTED', 'Call Rejected'],
  [22, 'NUMBER_CHANGED', 'Number changed'],
  [23, 'REDIRECTED_TO_NEW_DESTINATION', 'Redirected to new destination'],
  [26, 'ANSWERED_ELSEWHERE', 'Answered elsewhere'],
  [27, 'DESTINATION_OUT_OF_ORDER', 'Destination out of order'],
  [28, 'INVALID_NUMBER_FORMAT', 'Invalid number format'],
  [29, 'FACILITY_REJECTED', 'Facility rejected'],
  [30, 'RESPONSE_TO_STATUS_ENQUIRY', 'Response to STATus ENQuiry'],
  [31, 'NORMAL_UNSPECIFIED', 'Normal, unspecified'],
  [34, 'NORMAL_CIRCUIT_CONGESTION', 'Circuit/channel congestion'],
  [38, 'NETWORK_OUT_OF_ORDER', 'Network out of order'],
  [41, 'NORMAL_TEMPORARY_FAILURE', 'Temporary failure'],
  [42, 'SWITCH_CONGESTION', 'Switching equipment congestion'],
  [43, 'ACCESS_INFO_DISCARDED', 'Access information discarded'],
  [44, 'REQUESTED_CHAN_UNAVAIL', 'Requested channel not available'],
  [50, 'FACILITY_NOT_SUBSCRIBED', 'Facility not subscribed'],
  [52, 'OUTGOING_CALL_BARRED', 'Outgoing call barred'],
  [54, 'INCOMING_CALL_BARRED', 'Incoming call barred'],
  [57, 'BEARERCAPABILITY_NOTAUTH', 'Bearer capability not authorized'],
  [58, 'BEARERCAPABILITY_NOTAVAIL', 'Bearer capability not available'],
  [65, 'BEARERCAPABILITY_NOTIMPL', 'Bearer capability not implemented'],
  [66, 'CHAN_NOT_IMPLEMENTED', 'Channel not implemented'],
  [69, 'FACILITY_NOT_IMPLEMENTED', 'Facility not implemented'],
  [81, 'INVALID_CALL_REFERENCE', 'Invalid call reference value'],
  [88, 'INCOMPATIBLE_DESTINATION', 'Incompatible destination'],
  [95, 'INVALID_MSG_UNSPECIFIED', 'Invalid message unspecified'],
  [96, 'MANDATORY_IE_MISSING', 'Mandatory information element is missing'],
  [97, 'MESSAGE_TYPE_NONEXIST', 'Message type nonexist.'],
  [98, 'WRONG_MESSAGE', 'Wrong message'],
  [99, 'IE_NONEXIST', 'Info. element nonexist or not implemented'],
  [100, 'INVALID_IE_CONTENTS', 'Invalid information element contents'],
  [101, 'WRONG_CALL_STATE', 'Message not compatible with call state'],
  [102, 'RECOVERY_ON_TIMER_EXPIRE', 'Recover on timer expiry'],
  [103, 'MANDATORY_IE_LENGTH_ERROR', 'Mandatory IE length error'],
  [111, 'PROTOCOL_ERROR', 'Protocol error, unspecified'],
  [127, 'INTERWORKING', 'Interworking, unspecified'],
];

export const Cause = {
  NOTDEFINED: 0,
  UNALLOCATED: 1,
  NO_ROUTE_DESTINATION: 3,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  SUBSCRIBER_ABSENT: 20,
  CALL_REJECTED: 21,
  ANSWERED_ELSEWHERE: 26,
  NORMAL_UNSPECIFIED: 31,
  CONGESTION: 34,
  NETWORK_OUT_OF_ORDER: 38,
  REQUESTED_CHAN_UNAVAIL: 44,
  CHAN_NOT_IMPLEMENTED: 66,
  INTERWORKING: 127,
} as const;

const byNumber = new Map(TABLE.map(([n, , text]) => [n, text]));
const byName = new Map(TABLE.map(([n, name]) => [name, n]));

/** ast_cause2str: the Cause-txt of a Hangup event. */
export function causeText(cause: number): string {
  return byNumber.get(cause) ?? 'Unknown';
}

/** ast_str2cause: symbolic name (case-insensitive) to number, -1 when unknown. */
export function causeFromName(name: string): number {
  return byName.get(name.trim().toUpperCase()) ?? -1;
}

/** All known causes, for listings. */
export function allCauses(): ReadonlyArray<{ cause: number; name: string; text: string }> {
  return TABLE.map(([cause, name, text]) => ({ cause, name, text }));
}

/**
 * Soft hangup reasons (AST_SOFTHANGUP_*). SoftHangupRequest's `Cause` header carries these
 * flags, not a Q.850 cause: the PBX loop ending raises APPUNLOAD (16).
 */
export const SoftHangup = {
  DEV: 1,
  ASYNCGOTO: 2,
  SHUTDOWN: 4,
  TIMEOUT: 8,
  APPUNLOAD: 16,
  EXPLICIT: 32,
  HANGUP_EXEC: 128,
} as const;

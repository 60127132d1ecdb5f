/**
 * Device and extension states with Asterisk's numbers and texts (main/devicestate.c, pbx.c).
 */
export const DeviceState = {
  UNKNOWN: 0,
  NOT_INUSE: 1,
  INUSE: 2,
  BUSY: 3,
  INVALID: 4,
  UNAVAILABLE: 5,
  RINGING: 6,
  RINGINUSE: 7,
  ONHOLD: 8,
} as const;
export type DeviceStateNum = (typeof DeviceState)[keyof typeof DeviceState];

const DEV_TEXT: ReadonlyArray<readonly [string, string]> = [
  ['Unknown', 'UNKNOWN'],
  ['Not in use', 'NOT_INUSE'],
  ['In use', 'INUSE'],
  ['Busy', 'BUSY'],
  ['Invalid', 'INVALID'],
  ['Unavailable', 'UNAVAILABLE'],
  ['Ringing', 'RINGING'],
  ['Ring+Inuse', 'RINGINUSE'],
  ['On Hold', 'ONHOLD'],
];

/** `NOT_INUSE` form (DeviceStateChange State header). */
export function deviceStateName(s: number): string {
  return DEV_TEXT[s]?.[1] ?? 'UNKNOWN';
}

/** `Not in use` form (ast_devstate2str). */
export function deviceStateText(s: number): string {
  return DEV_TEXT[s]?.[0] ?? 'Unknown';
}

export function deviceStateFromName(name: string): DeviceStateNum | undefined {
  const i = DEV_TEXT.findIndex(([, n]) => n === name.trim().toUpperCase());
  return i < 0 ? undefined : (i as DeviceStateNum);
}

/** ast_state_chan2dev. */
export function channelStateToDevice(chanState: number): DeviceStateNum {
  const map: DeviceStateNum[] = [1, 2, 2, 2, 2, 6, 2, 3, 2, 6];
  return map[chanState] ?? DeviceState.UNKNOWN;
}

const ORDER = [1, 3, 6, 7, 0, 2, 5, 8, 4];

/** ast_devstate_aggregate: combines the states of several channels/devices into one. */
export function aggregateDeviceStates(states: number[]): DeviceStateNum {
  let agg: number = DeviceState.INVALID;
  let ringing = false;
  let inuse = false;
  for (const s of states) {
    if (s === DeviceState.RINGING) ringing = true;
    else if (s === DeviceState.INUSE || s === DeviceState.ONHOLD || s === DeviceState.BUSY) inuse = true;
    if (ringing && inuse) agg = DeviceState.RINGINUSE;
    else if (ORDER[s] > ORDER[agg]) agg = s;
  }
  return agg as DeviceStateNum;
}

export const ExtensionState = {
  REMOVED: -2,
  DEACTIVATED: -1,
  NOT_INUSE: 0,
  INUSE: 1,
  BUSY: 2,
  UNAVAILABLE: 4,
  RINGING: 8,
  ONHOLD: 16,
} as const;

const EXT_TEXT = new Map<number, string>([
  [0, 'Idle'],
  [1, 'InUse'],
  [2, 'Busy'],
  [4, 'Unavailable'],
  [8, 'Ringing'],
  [9, 'InUse&Ringing'],
  [16, 'Hold'],
  [17, 'InUse&Hold'],
  [-1, 'Unknown'],
  [-2, 'Unknown'],
]);

/** ast_extension_state2str. */
export function extensionStateText(s: number): string {
  return EXT_TEXT.get(s) ?? 'Unknown';
}

/** ast_devstate_to_extenstate. */
export function deviceToExtensionState(d: number): number {
  switch (d) {
    case DeviceState.ONHOLD:
      return 16;
    case DeviceState.BUSY:
      return 2;
    case DeviceState.UNAVAILABLE:
    case DeviceState.INVALID:
      return 4;
    case DeviceState.RINGINUSE:
      return 9;
    case DeviceState.RINGING:
      return 8;
    case DeviceState.INUSE:
      return 1;
    default:
      return 0;
  }
}

/**
 * Channel and bridge snapshots in AMI form (ast_manager_build_channel_state_string_prefix and
 * ast_manager_build_bridge_state_string_prefix): the header groups every channel and bridge event
 * carries, with an optional prefix (`Dest`, `LocalOne`, ...) and the manager.conf channelvars.
 */
import type { ChannelSnapshot } from '../../pbx/channel.js';
import type { BridgeSnapshot } from '../../pbx/bridge.js';

export type Header = readonly [string, string];

/** Empty caller id parts print as `<unknown>` (S_OR in Asterisk). */
function orUnknown(v: string): string {
  return v.length > 0 ? v : '<unknown>';
}

const C_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '?': '\\?',
};

/**
 * ast_escape_c(): what Asterisk does to caller and connected-line names, channelvars values and
 * VarSet values before they go into an event, so that a quote or a newline cannot break the
 * message (`O'Brien` is sent as `O\'Brien`).
 */
export function escapeC(v: string): string {
  return v.replace(/[\x07\b\f\n\r\t\v\\'"?]/g, (c) => C_ESCAPES[c]);
}

/** Reads a channel variable for channelvars; returns undefined when unset. */
export type VarLookup = (channel: string, name: string) => string | undefined;

export function channelHeaders(
  s: ChannelSnapshot,
  prefix = '',
  channelvars: readonly string[] = [],
  lookup?: VarLookup,
): Header[] {
  const h: Header[] = [
    [prefix + 'Channel', s.name],
    [prefix + 'ChannelState', String(s.state)],
    [prefix + 'ChannelStateDesc', s.stateDesc],
    [prefix + 'CallerIDNum', orUnknown(s.callerIdNum)],
    [prefix + 'CallerIDName', orUnknown(escapeC(s.callerIdName))],
    [prefix + 'ConnectedLineNum', orUnknown(s.connectedLineNum)],
    [prefix + 'ConnectedLineName', orUnknown(escapeC(s.connectedLineName))],
    [prefix + 'Language', s.language],
    [prefix + 'AccountCode', s.accountCode],
    [prefix + 'Context', s.context],
    [prefix + 'Exten', s.exten],
    [prefix + 'Priority', String(s.priority)],
    [prefix + 'Uniqueid', s.uniqueid],
    [prefix + 'Linkedid', s.linkedid],
  ];
  if (lookup) {
    for (const name of channelvars) {
      const v = lookup(s.name, name);
      if (v !== undefined) h.push([prefix + 'ChanVariable', `${name}=${escapeC(v)}`]);
    }
  }
  return h;
}

export function bridgeHeaders(b: BridgeSnapshot, prefix = ''): Header[] {
  const h: Header[] = [
    [prefix + 'BridgeUniqueid', b.uniqueid],
    [prefix + 'BridgeType', b.type],
    [prefix + 'BridgeTechnology', b.technology],
    [prefix + 'BridgeCreator', orUnknown(b.creator)],
    [prefix + 'BridgeName', orUnknown(b.name)],
    [prefix + 'BridgeNumChannels', String(b.numChannels)],
    [prefix + 'BridgeVideoSourceMode', b.videoSourceMode],
  ];
  return h;
}

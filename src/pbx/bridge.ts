/**
 * Bridges: a set of channels exchanging media. Two-party basic bridges use `simple_bridge`,
 * three or more switch to `softmix` as Asterisk's smart bridge does.
 */
import type { Channel } from './channel.js';

export interface BridgeSnapshot {
  uniqueid: string;
  /** 'basic' (Dial, Bridge action) or 'holding'... */
  type: string;
  technology: string;
  /** '' renders as `<unknown>` on the wire. */
  creator: string;
  name: string;
  numChannels: number;
  videoSourceMode: string;
  /** Channel names in join order. */
  channels: string[];
  creationTime: number;
}

/** The bridge technologies of Asterisk 20's default build, in the order the core lists them. */
export const BRIDGE_TECHNOLOGIES: ReadonlyArray<{ name: string; type: string; priority: number }> = [
  { name: 'native_rtp', type: 'Native', priority: 90 },
  { name: 'holding_bridge', type: 'Holding', priority: 50 },
  { name: 'simple_bridge', type: '1to1Mix', priority: 50 },
  { name: 'softmix', type: 'MultiMix', priority: 10 },
];

export class Bridge {
  readonly members: Channel[] = [];
  dissolved = false;

  constructor(
    readonly uniqueid: string,
    readonly type: string,
    readonly creator: string,
    readonly name: string,
    readonly creationTime: number,
    /** Technologies suspended by BridgeTechnologySuspend (the PBX's set, shared). */
    private readonly suspended: ReadonlySet<string> = new Set(),
  ) {}

  /** The smart bridge's choice: simple_bridge for two parties unless suspended, else softmix. */
  get technology(): string {
    return this.members.length > 2 || this.suspended.has('simple_bridge') ? 'softmix' : 'simple_bridge';
  }

  snapshot(): BridgeSnapshot {
    return {
      uniqueid: this.uniqueid,
      type: this.type,
      technology: this.technology,
      creator: this.creator,
      name: this.name,
      numChannels: this.members.length,
      videoSourceMode: 'none',
      channels: this.members.map((c) => c.name),
      creationTime: this.creationTime,
    };
  }
}

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

export class Bridge {
  readonly members: Channel[] = [];
  dissolved = false;

  constructor(
    readonly uniqueid: string,
    readonly type: string,
    readonly creator: string,
    readonly name: string,
    readonly creationTime: number,
  ) {}

  get technology(): string {
    return this.members.length > 2 ? 'softmix' : 'simple_bridge';
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

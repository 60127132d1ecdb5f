/**
 * Identifiers shaped like Asterisk's: Uniqueid `<epoch seconds>.<sequence>` with one sequence for
 * the whole PBX starting at 0, and channel-name suffixes as 8 lowercase hex digits counted per
 * technology (chan_sip and core_local each keep their own counter).
 */
export class IdAllocator {
  private uniqueSeq = 0;
  private readonly suffixes = new Map<string, number>();

  constructor(private readonly nowMs: () => number) {}

  uniqueid(): string {
    return `${Math.floor(this.nowMs() / 1000)}.${this.uniqueSeq++}`;
  }

  /** The number the next suffix of a technology will have. */
  nextChannelNumber(tech: string): number {
    return this.suffixes.get(tech.toLowerCase()) ?? 0;
  }

  /** Next `-0000000a` style suffix for a technology (case-insensitive). */
  channelSuffix(tech: string): string {
    const key = tech.toLowerCase();
    const n = this.suffixes.get(key) ?? 0;
    this.suffixes.set(key, n + 1);
    return (n >>> 0).toString(16).padStart(8, '0');
  }
}

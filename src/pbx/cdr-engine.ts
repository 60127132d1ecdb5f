/**
 * Builds a CDR when a party-A channel goes away and publishes it (Master.csv + Cdr event) a moment
 * later, as Asterisk's CDR engine does after the hangup. Dialed channels (party B) write none: they
 * appear as the caller's DestinationChannel.
 */
import { CdrCsvWriter, dispositionFor, formatCdrTime, type CdrCsvOptions, type CdrRecord } from './cdr.js';
import { formatCallerId, type Channel } from './channel.js';
import type { Clock, TimerHandle } from './clock.js';

export interface CdrEngineOptions {
  clock: Clock;
  /** undefined: no CSV file. */
  csv: CdrCsvOptions | undefined;
  /** cdr.conf `unanswered`. */
  unanswered: boolean;
  /** cdr.conf `congestion`: CONGESTION dispositions (FAILED otherwise). */
  congestion?: boolean;
  emit(cdr: CdrRecord): void;
  /** cdr_csv's LOG_WARNING lines (refused account codes, failed writes). */
  warn?(message: string): void;
}

export class CdrEngine {
  private readonly writer: CdrCsvWriter | undefined;
  private readonly gmt: boolean;
  private seq = 0;
  private pending: CdrRecord[] = [];
  private timer: TimerHandle | undefined;

  constructor(private readonly opts: CdrEngineOptions) {
    this.writer = opts.csv ? new CdrCsvWriter(opts.csv) : undefined;
    this.gmt = opts.csv?.usegmtime ?? true;
  }

  /** The channel has hung up: record its CDR (unless it is someone's party B). */
  channelGone(ch: Channel): void {
    if (ch.cdrSuppressed) return;
    const r = this.build(ch);
    // cdr.c skips unanswered records without a second party unless `unanswered = yes`.
    const unanswered =
      r.disposition === 'NO ANSWER' || r.disposition === 'FAILED' || r.disposition === 'BUSY';
    if (!this.opts.unanswered && unanswered && !r.destinationChannel) return;
    this.pending.push(r);
    if (!this.timer) this.timer = this.opts.clock.setTimer(0, () => this.flush());
  }

  build(ch: Channel): CdrRecord {
    const peer = ch.cdrPeer;
    // With a party B, the call counts as answered when B answered.
    const answer = peer
      ? peer.answeredTime && ch.answeredTime
        ? Math.max(ch.answeredTime, peer.answeredTime)
        : 0
      : ch.answeredTime;
    const end = ch.endTime || this.opts.clock.now();
    const cause = peer && !peer.answeredTime ? peer.hangupCause || ch.hangupCause : ch.hangupCause;
    return {
      // struct ast_cdr holds accountcode in char[AST_MAX_ACCOUNT_CODE] (80).
      accountCode: ch.accountCode.slice(0, 79),
      source: ch.callerIdNum,
      destination: ch.exten,
      destinationContext: ch.context,
      callerId: formatCallerId(ch.callerIdName, ch.callerIdNum),
      channel: ch.name,
      destinationChannel: peer?.name ?? '',
      lastApplication: ch.lastApp,
      lastData: ch.lastData,
      start: ch.creationTime,
      answer,
      end,
      startTime: formatCdrTime(ch.creationTime, this.gmt),
      answerTime: formatCdrTime(answer, this.gmt),
      endTime: formatCdrTime(end, this.gmt),
      duration: Math.floor((end - ch.creationTime) / 1000),
      billableSeconds: answer ? Math.floor((end - answer) / 1000) : 0,
      disposition: dispositionFor(answer > 0, cause, this.opts.congestion),
      amaFlags: 'DOCUMENTATION',
      uniqueId: ch.uniqueid,
      userField: ch.cdrVars.get('userfield') ?? '',
      linkedId: ch.linkedid,
      peerAccount: ch.peerAccount,
      sequence: this.seq++,
    };
  }

  private flush(): void {
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    for (const cdr of batch) {
      for (const w of this.writer?.write(cdr) ?? []) this.opts.warn?.(w);
      this.opts.emit(cdr);
    }
  }
}

/**
 * Call detail records: one per party-A channel, with cdr_csv's field set, written to Master.csv
 * (and `<accountcode>.csv` when accountlogs=yes) and raised as a `Cdr` event (cdr_manager).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface CdrRecord {
  accountCode: string;
  source: string;
  destination: string;
  destinationContext: string;
  callerId: string;
  channel: string;
  destinationChannel: string;
  lastApplication: string;
  lastData: string;
  /** Epoch ms; answer 0 when never answered. */
  start: number;
  answer: number;
  end: number;
  /** 'YYYY-MM-DD HH:MM:SS' (UTC unless the writer says otherwise); '' for no answer. */
  startTime: string;
  answerTime: string;
  endTime: string;
  duration: number;
  billableSeconds: number;
  disposition: 'ANSWERED' | 'NO ANSWER' | 'BUSY' | 'FAILED' | 'CONGESTION';
  amaFlags: string;
  uniqueId: string;
  userField: string;
  linkedId: string;
  peerAccount: string;
  sequence: number;
}

export interface CdrCsvOptions {
  /** Directory of Master.csv (Asterisk: /var/log/asterisk/cdr-csv). */
  dir: string;
  usegmtime: boolean;
  loguniqueid: boolean;
  loguserfield: boolean;
  accountlogs: boolean;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** `%Y-%m-%d %T` in UTC or local time. */
export function formatCdrTime(ms: number, gmt = true): string {
  if (!ms) return '';
  const d = new Date(ms);
  return gmt
    ? `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * Disposition from answer state and hangup cause, as the CDR engine decides it. Congestion is
 * FAILED unless cdr.conf `congestion = yes` (cdr_object_set_disposition).
 */
export function dispositionFor(
  answered: boolean,
  cause: number,
  congestion = false,
): CdrRecord['disposition'] {
  if (answered) return 'ANSWERED';
  if (cause === 17) return 'BUSY';
  if (cause === 34 || cause === 42) return congestion ? 'CONGESTION' : 'FAILED';
  if ([1, 3, 20, 21, 27, 38, 44, 66].includes(cause)) return 'FAILED';
  return 'NO ANSWER';
}

function q(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** One cdr_csv line (without newline). */
export function csvLine(
  r: CdrRecord,
  opts: Pick<CdrCsvOptions, 'loguniqueid' | 'loguserfield' | 'usegmtime'>,
): string {
  const t = (ms: number): string => formatCdrTime(ms, opts.usegmtime);
  const fields = [
    q(r.accountCode),
    q(r.source),
    q(r.destination),
    q(r.destinationContext),
    q(r.callerId),
    q(r.channel),
    q(r.destinationChannel),
    q(r.lastApplication),
    q(r.lastData),
    q(t(r.start)),
    q(t(r.answer)),
    q(t(r.end)),
    String(r.duration),
    String(r.billableSeconds),
    q(r.disposition),
    q(r.amaFlags),
  ];
  if (opts.loguniqueid) fields.push(q(r.uniqueId));
  if (opts.loguserfield) fields.push(q(r.userField));
  return fields.join(',');
}

/** Appends records to Master.csv synchronously (a record is on disk once written). */
export class CdrCsvWriter {
  constructor(private readonly opts: CdrCsvOptions) {
    mkdirSync(opts.dir, { recursive: true });
  }

  /** Writes the record; returns the warnings cdr_csv would log (a refused account file, a failed write). */
  write(r: CdrRecord): string[] {
    const warnings: string[] = [];
    const line = csvLine(r, this.opts) + '\n';
    try {
      appendFileSync(join(this.opts.dir, 'Master.csv'), line);
    } catch (e) {
      warnings.push(
        `Unable to write CSV record to master '${join(this.opts.dir, 'Master.csv')}' : ${(e as Error).message}`,
      );
    }
    const acc = r.accountCode;
    if (this.opts.accountlogs && acc) {
      if (!accountFileAllowed(acc)) warnings.push(`Account code '${acc}' insecure for writing file`);
      else
        try {
          appendFileSync(join(this.opts.dir, `${acc}.csv`), line);
        } catch (e) {
          warnings.push(`Unable to write CSV record to account file '${acc}' : ${(e as Error).message}`);
        }
    }
    return warnings;
  }
}

/**
 * writefile_account of cdr_csv.c refuses a code with a `/` or a leading `.` (no hidden files such as
 * `.probe.csv`, no `..`); a NUL, which C would never see, is refused too.
 */
export function accountFileAllowed(acc: string): boolean {
  return !acc.includes('/') && !acc.startsWith('.') && !acc.includes('\0');
}

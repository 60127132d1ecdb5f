/**
 * queue_log (ast_queue_log): one `epoch|callid|queue|agent|event|data` line per event, appended to
 * the file when one is configured and kept in memory for tests and for a server without a file.
 */
import { appendFileSync } from 'node:fs';

export interface QueueLogSink {
  /** The lines written so far (kept while keepLogLines is set). */
  readonly logLines: string[];
  keepLogLines: boolean;
  /** The queue_log file (Asterisk's format); undefined = not written. */
  queueLogPath: string | undefined;
}

export function writeQueueLog(
  sink: QueueLogSink,
  epoch: number,
  queuename: string,
  callid: string,
  agent: string,
  event: string,
  data: string,
): void {
  const line = `${epoch}|${callid}|${queuename}|${agent}|${event}|${data}`;
  if (sink.keepLogLines) sink.logLines.push(line);
  if (sink.queueLogPath) appendFileSync(sink.queueLogPath, line + '\n');
}

/**
 * One logger for the whole process: pino, as JSON lines or as readable lines
 * (`12:00:01 WARNING[chan_sip]: message`, Asterisk's console style). `amikit serve` chooses the format
 * (--log-format) and writes to stdout; library use without options writes to stderr, readable on a
 * terminal, JSON otherwise (AMIKIT_LOG_FORMAT=json|text overrides). Secrets are never passed to it:
 * callers log user names and addresses, never Secret or Key values, and pino's redact is a second line
 * of defence.
 */
import { pino, destination, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child' | 'level'>;

export type LogFormat = 'text' | 'json';

export interface LoggerOptions {
  level?: string;
  format?: LogFormat;
  /** Where each line goes (without its newline); default: stderr. */
  write?: (line: string) => void;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'FATAL',
};

/** One pino JSON line as `12:00:01 WARNING[chan_sip]: message`. */
export function formatTextLine(line: string): string {
  try {
    const o = JSON.parse(line) as { level: number; time: number; msg?: string; module?: string };
    const t = new Date(o.time).toTimeString().slice(0, 8);
    const mod = o.module ? `[${o.module}]` : '';
    return `${t} ${LEVELS[o.level] ?? o.level}${mod}: ${o.msg ?? ''}`;
  } catch {
    return line.replace(/\n$/, '');
  }
}

function stream(format: LogFormat, write: ((line: string) => void) | undefined): DestinationStream {
  if (!write) {
    if (format === 'json') return destination(2);
    write = (l) => process.stderr.write(l + '\n');
  }
  const out = write;
  return {
    write(line: string): void {
      out(format === 'text' ? formatTextLine(line) : line.replace(/\n$/, ''));
    },
  };
}

/** The format AMIKIT_LOG_FORMAT asks for, if it names one. */
export function envLogFormat(env: NodeJS.ProcessEnv = process.env): LogFormat | undefined {
  const f = env.AMIKIT_LOG_FORMAT;
  return f === 'json' || f === 'text' ? f : undefined;
}

export function createLogger(options: string | LoggerOptions = {}): Logger {
  const o: LoggerOptions = typeof options === 'string' ? { level: options } : options;
  const format = o.format ?? envLogFormat() ?? (process.stderr.isTTY ? 'text' : 'json');
  return pino(
    {
      level: o.level ?? process.env.AMIKIT_LOG_LEVEL ?? 'info',
      base: undefined,
      redact: {
        paths: ['secret', '*.secret', 'key', '*.key', 'password', '*.password'],
        censor: '[redacted]',
      },
    },
    stream(format, o.write),
  );
}

/** A logger that drops everything (tests, library use without a logger). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

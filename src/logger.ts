/**
 * One logger for the whole process: pino, JSON lines to stderr, or readable lines when stderr is a
 * terminal (AMIKIT_LOG_FORMAT=json|text overrides). Secrets are never passed to it: callers log user
 * names and addresses, never Secret or Key values, and pino's redact is a second line of defence.
 */
import { pino, destination, type Logger as PinoLogger, type DestinationStream } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child' | 'level'>;

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'FATAL',
};

/** Formats pino's JSON lines as `12:00:01 WARNING[chan_sip]: message` (Asterisk's console style). */
function textStream(): DestinationStream {
  return {
    write(line: string): void {
      try {
        const o = JSON.parse(line) as { level: number; time: number; msg?: string; module?: string };
        const t = new Date(o.time).toTimeString().slice(0, 8);
        const mod = o.module ? `[${o.module}]` : '';
        process.stderr.write(`${t} ${LEVELS[o.level] ?? o.level}${mod}: ${o.msg ?? ''}\n`);
      } catch {
        process.stderr.write(line);
      }
    },
  };
}

export function createLogger(level = process.env.AMIKIT_LOG_LEVEL ?? 'info'): Logger {
  const format = process.env.AMIKIT_LOG_FORMAT ?? (process.stderr.isTTY ? 'text' : 'json');
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['secret', '*.secret', 'key', '*.key', 'password', '*.password'],
        censor: '[redacted]',
      },
    },
    format === 'text' ? textStream() : destination(2),
  );
}

/** A logger that drops everything (tests, library use without a logger). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

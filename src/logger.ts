/**
 * One logger for the whole process (pino, JSON lines to stderr; pretty enough for a terminal when
 * AMIKIT_LOG_PRETTY is unset and stderr is a TTY). Secrets are never passed to it: callers log user
 * names and addresses, never Secret or Key values, and pino's redact is a second line of defence.
 */
import { pino, destination, type Logger as PinoLogger } from 'pino';

export type Logger = Pick<PinoLogger, 'info' | 'warn' | 'error' | 'debug' | 'child' | 'level'>;

export function createLogger(level = process.env.AMIKIT_LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['secret', '*.secret', 'key', '*.key', 'password', '*.password'],
        censor: '[redacted]',
      },
    },
    destination(2),
  );
}

/** A logger that drops everything (tests, library use without a logger). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

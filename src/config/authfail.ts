/**
 * amikit's failed-authentication limit options, the same in manager.conf and sip.conf [general]:
 * `authfaillimit` (failures that trip it; 0, the default, turns it off), `authfailwindow` (seconds
 * over which they count) and `authfailblock` (seconds the address is then refused). Not in
 * Asterisk; off by default so that a default configuration behaves as Asterisk does.
 */
export interface AuthFailLimitSettings {
  /** Failures that trip the limit; 0 turns it off. */
  limit: number;
  /** Seconds over which failures are counted. */
  windowSec: number;
  /** Seconds an address is refused once the limit trips. */
  blockSec: number;
}

export const AUTHFAIL_DEFAULTS: AuthFailLimitSettings = { limit: 0, windowSec: 60, blockSec: 300 };
/**
 * Reads `authfaillimit`, `authfailwindow`, `authfailblock` (manager.conf and sip.conf [general]).
 * Returns false for an option it does not know; a bad value keeps the previous one and warns.
 */
export function readAuthFailOption(
  settings: AuthFailLimitSettings,
  name: string,
  value: string,
  warn: (msg: string) => void,
): boolean {
  const key = name.toLowerCase();
  const field =
    key === 'authfaillimit'
      ? 'limit'
      : key === 'authfailwindow'
        ? 'windowSec'
        : key === 'authfailblock'
          ? 'blockSec'
          : undefined;
  if (!field) return false;
  const t = value.trim();
  const n = /^\d{1,7}$/.test(t) ? Number(t) : NaN;
  if (!Number.isFinite(n) || (field !== 'limit' && n < 1)) {
    warn(`Invalid ${key} value '${value}', using ${settings[field]}`);
    return true;
  }
  settings[field] = n;
  return true;
}

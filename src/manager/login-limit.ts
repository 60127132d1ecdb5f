/**
 * manager.conf's `authfaillimit` / `authfailwindow` / `authfailblock` (amikit, off by default):
 * failed Logins counted per client address; the Login that trips the limit raises the
 * `AuthFailureLimit` security event, and Login from that address is refused for a while.
 */
import type { ActionContext } from './context.js';
import type { Manager } from './manager.js';
import { AUTH_FAILURE_LIMIT } from './manager-events.js';
import { AuthFailureLimiter, authFailureLimitHeaders, securityAddress } from './auth-failures.js';

/** One failed-login limiter per manager, rebuilt when manager.conf's authfail* settings change. */
const limiters = new WeakMap<Manager, AuthFailureLimiter>();

export function loginLimiter(manager: Manager): AuthFailureLimiter {
  const want = manager.config.general.authFail;
  const have = limiters.get(manager);
  const same =
    have &&
    have.settings.limit === want.limit &&
    have.settings.windowSec === want.windowSec &&
    have.settings.blockSec === want.blockSec;
  if (same) return have;
  const fresh = new AuthFailureLimiter({ ...want });
  limiters.set(manager, fresh);
  return fresh;
}

/** A failed login counts against its address; the one that trips authfaillimit raises AuthFailureLimit. */
export function countLoginFailure(ctx: ActionContext, limiter: AuthFailureLimiter): void {
  const t = ctx.session.transport;
  if (!limiter.fail(t.remoteAddress)) return;
  const s = limiter.settings;
  const proto = t.kind === 'TLS' ? 'TLS' : t.kind === 'WS' ? 'WS' : 'TCP';
  ctx.manager.log.warn(
    `${t.remoteAddress}: ${s.limit} failed logins within ${s.windowSec} s; refusing its logins for ${s.blockSec} s (authfaillimit)`,
  );
  ctx.manager.raise(
    AUTH_FAILURE_LIMIT,
    authFailureLimitHeaders({
      service: 'AMI',
      accountId: ctx.get('Username'),
      localAddress: securityAddress(proto, t.localAddress, t.localPort),
      remoteAddress: securityAddress(proto, t.remoteAddress, t.remotePort),
      settings: s,
    }),
  );
}

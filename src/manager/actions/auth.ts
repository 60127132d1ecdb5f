/**
 * Login, Logoff and Challenge: authenticate() of manager.c. The ACL is checked before the secret;
 * a failure waits one second before it answers and closes the session; secrets are compared in
 * constant time and never logged.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { ActionContext } from '../context.js';
import { delay, type Manager } from '../manager.js';
import { EVENT_FLAG, authorityToString, stringsToMask } from '../../config/permissions.js';
import { countLoginFailure, loginLimiter } from '../login-limit.js';

/** Equal-length digests make the comparison independent of where or whether lengths differ. */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'latin1').digest();
  const hb = createHash('sha256').update(b, 'latin1').digest();
  return timingSafeEqual(ha, hb);
}

/** Tries to log the session in; raises the security events Asterisk raises. */
function authenticate(ctx: ActionContext, manager: Manager): boolean {
  const s = ctx.session;
  const username = ctx.get('Username');
  if (!username) return false;
  const user = manager.findUser(username);
  const remote = s.transport.remoteAddress;
  if (!user) {
    manager.securityEvent('InvalidAccountID', s, username);
    manager.log.info(`${remote} tried to authenticate with nonexistent user '${username}'`);
    return false;
  }
  if (user.aclCheck && !user.aclCheck.allows(remote)) {
    manager.securityEvent('FailedACL', s, username);
    manager.log.info(`${remote} failed to pass IP ACL as '${username}'`);
    return false;
  }
  let ok = false;
  if (ctx.get('AuthType').toLowerCase() === 'md5') {
    const key = ctx.get('Key');
    if (key && s.challenge && user.secret !== undefined) {
      const expected = createHash('md5')
        .update(s.challenge + user.secret, 'latin1')
        .digest('hex');
      ok = constantTimeEqual(expected, key);
      if (!ok) {
        manager.securityEvent('ChallengeResponseFailed', s, s.username, [
          ['Challenge', s.challenge],
          ['Response', key],
          ['ExpectedResponse', expected],
        ]);
      }
    }
  } else if (user.secret !== undefined) {
    ok = constantTimeEqual(ctx.get('Secret'), user.secret);
    if (!ok) manager.securityEvent('InvalidPassword', s, username, [], 2);
  }
  if (!ok) {
    manager.log.info(`${remote} failed to authenticate as '${username}'`);
    return false;
  }
  s.authenticate({
    name: username,
    read: user.read,
    write: user.write,
    writetimeout: user.writetimeout,
    displayconnects: user.displayconnects,
    setvars: user.setvars,
  });
  s.includes = [...user.includes];
  s.excludes = [...user.excludes];
  const mask = stringsToMask(ctx.get('Events'));
  if (mask >= 0) s.sendEvents = mask;
  manager.securityEvent('SuccessfulAuth', s, username, [['UsingPassword', '0']]);
  return true;
}

export async function actionLogin(ctx: ActionContext): Promise<void> {
  const s = ctx.session;
  const manager = ctx.manager;
  if (s.authenticated) {
    ctx.ack('Already authenticated');
    return;
  }
  const limiter = loginLimiter(manager);
  const refused = limiter.blocked(s.transport.remoteAddress);
  if (refused)
    manager.log.info(`${s.transport.remoteAddress} refused: too many failed logins (authfaillimit)`);
  if (refused || !authenticate(ctx, manager)) {
    if (!refused) countLoginFailure(ctx, limiter);
    await delay(1000);
    ctx.error('Authentication failed');
    ctx.endSession = true;
    return;
  }
  limiter.succeed(s.transport.remoteAddress);
  if (s.displayconnects) {
    const http = s.transport.kind === 'HTTP' ? 'HTTP ' : '';
    manager.log.info(
      { user: s.username, remote: s.transport.remoteAddress },
      `${http}Manager '${s.username}' logged on from ${s.transport.remoteAddress}`,
    );
  }
  ctx.ack('Authentication accepted');
  if (s.sendEvents & EVENT_FLAG.SYSTEM && s.readperm & EVENT_FLAG.SYSTEM) {
    const now = Date.now();
    ctx.append(
      'Event: FullyBooted\r\nPrivilege: ' +
        authorityToString(EVENT_FLAG.SYSTEM) +
        '\r\nUptime: ' +
        Math.floor((now - manager.startTime) / 1000) +
        '\r\nLastReload: ' +
        Math.floor((now - manager.reloadTime) / 1000) +
        '\r\nStatus: Fully Booted\r\n\r\n',
    );
  }
}

export function actionLogoff(ctx: ActionContext): void {
  ctx.respond('Goodbye', 'Thanks for all the fish.');
  ctx.endSession = true;
}

export function actionChallenge(ctx: ActionContext): void {
  const s = ctx.session;
  if (ctx.get('AuthType').toLowerCase() === 'md5') {
    // ast_random() printed into a 10-byte buffer: at most 9 digits. Kept for the session.
    if (!s.challenge) s.challenge = String(randomInt(0, 2 ** 31 - 1)).slice(0, 9);
    ctx.success([['Challenge', s.challenge]]);
  } else {
    ctx.error('Must specify AuthType');
  }
}

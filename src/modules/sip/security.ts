/**
 * chan_sip's security events (channels/sip/security_events.c, sip_report_security_event) raised
 * after each REGISTER exactly as handle_incoming() does from register_verify()'s result, and
 * amikit's optional failed-authentication limit per source address (sip.conf `authfaillimit`,
 * `authfailwindow`, `authfailblock`), which refuses REGISTERs from an address that failed too
 * often and announces it with an `AuthFailureLimit` event. Knows nothing of AMI: events.ts
 * turns these into AMI events.
 */
import { type Addr, type SipRequest, fmtAddr, getHeader, parseDigest } from '../../sip/index.js';
import { AuthFailureLimiter, type AuthFailLimitSettings } from '../../manager/auth-failures.js';
import type { ChanSipContext } from './context.js';

/** The security events chan_sip raises (security_events.c names). */
export type SecurityEventName =
  | 'FailedACL'
  | 'InvalidAccountID'
  | 'SuccessfulAuth'
  | 'ChallengeResponseFailed'
  | 'InvalidPassword'
  | 'ChallengeSent';

export interface SecurityEvent {
  name: SecurityEventName;
  accountId: string;
  /** The dialog's identity, a pointer in Asterisk (`%p` of the sip_pvt). */
  sessionId: string;
  local: Addr;
  remote: Addr;
  /** The event's own fields, in security_events.c's order (after RemoteAddress). */
  fields: Array<[string, string]>;
}

/** amikit's limit tripped: `remote` is refused for `settings.blockSec` seconds. */
export interface AuthLimitEvent {
  accountId: string;
  local: Addr;
  remote: Addr;
  settings: AuthFailLimitSettings;
}

/**
 * register_verify()'s outcome (enum check_auth_result): `bad-to` is its bare `return -1` for a To
 * header it cannot parse, which the caller reads as AUTH_SECRET_FAILED.
 */
export type RegisterOutcome =
  'ok' | 'sent' | 'secret' | 'mismatch' | 'not-found' | 'acl' | 'not-dynamic' | 'unknown-domain' | 'bad-to';

/** What the registrar knows of the REGISTER's dialog (a sip_pvt in chan_sip). */
export interface DialogFacts {
  /** p->exten: the name the REGISTER is for ('' before the To header was read). */
  exten: string;
  /** p->nonce: our current challenge. */
  nonce: string;
  sessionId: string;
}

export class SipSecurity {
  private limiter: AuthFailureLimiter;

  constructor(private readonly ctx: ChanSipContext) {
    this.limiter = new AuthFailureLimiter(ctx.config.general.authFail);
  }

  /** After a reload: new settings start a fresh count (as chan_sip forgets state on reload). */
  reconfigure(): void {
    const s = this.ctx.config.general.authFail;
    const o = this.limiter.settings;
    if (s.limit !== o.limit || s.windowSec !== o.windowSec || s.blockSec !== o.blockSec)
      this.limiter = new AuthFailureLimiter(s);
  }

  /** Whether REGISTERs from `src` are refused by the failed-authentication limit. */
  refused(src: Addr): boolean {
    return this.limiter.blocked(src.host);
  }

  /** sip_report_security_event(p->exten, NULL, p, req, res) after a REGISTER. */
  reportRegister(outcome: RegisterOutcome, req: SipRequest, src: Addr, d: DialogFacts): void {
    const { ctx } = this;
    const local: Addr = { host: ctx.transport.ourHostFor(src), port: ctx.transport.address().port };
    const base = { accountId: d.exten, sessionId: d.sessionId, local, remote: src };
    const peer = ctx.peerTable.find(d.exten);
    let ev: SecurityEvent | undefined;
    switch (outcome) {
      case 'ok':
        if (peer) {
          const using = peer.cfg.secret || peer.cfg.md5secret ? '1' : '0';
          ev = { ...base, name: 'SuccessfulAuth', fields: [['UsingPassword', using]] };
        }
        break;
      case 'sent':
        ev = { ...base, name: 'ChallengeSent', fields: [['Challenge', d.nonce]] };
        break;
      case 'secret':
      case 'bad-to': {
        const keys = digestKeys(req);
        ev = {
          ...base,
          name: 'InvalidPassword',
          fields: [
            ['Challenge', d.nonce],
            ['ReceivedChallenge', keys.get('nonce') ?? ''],
            ['ReceivedHash', keys.get('response') ?? ''],
          ],
        };
        break;
      }
      case 'mismatch':
        if (peer) {
          ev = {
            ...base,
            name: 'ChallengeResponseFailed',
            fields: [
              ['Challenge', d.nonce],
              ['Response', digestKeys(req).get('username') ?? ''],
              ['ExpectedResponse', peer.username],
            ],
          };
        }
        break;
      case 'not-found':
        ev = { ...base, name: 'InvalidAccountID', fields: [] };
        break;
      case 'unknown-domain':
        ev = { ...base, name: 'FailedACL', fields: [['ACLName', 'domain_must_match']] };
        break;
      case 'not-dynamic':
        ev = { ...base, name: 'FailedACL', fields: [['ACLName', 'peer_not_dynamic']] };
        break;
      case 'acl':
        ev = { ...base, name: 'FailedACL', fields: [['ACLName', 'device_must_match_acl']] };
        break;
    }
    if (ev) ctx.events.security?.(ev);
    if (outcome === 'ok') this.limiter.succeed(src.host);
    else if (outcome !== 'sent' && this.limiter.fail(src.host)) {
      const s = this.limiter.settings;
      ctx.log.warn(
        `SIP: ${s.limit} failed authentications from ${src.host} within ${s.windowSec} s (last as '${d.exten}', from ${fmtAddr(src)}); refusing its REGISTERs for ${s.blockSec} s (authfaillimit)`,
      );
      ctx.events.authFailureLimit?.({ accountId: d.exten, local, remote: src, settings: { ...s } });
    }
  }
}

/** sip_digest_parser()'s keys of the request's Authorization header ('' when absent). */
function digestKeys(req: SipRequest): Map<string, string> {
  const token = getHeader(req, 'Authorization');
  return (token ? parseDigest(token) : undefined) ?? new Map<string, string>();
}

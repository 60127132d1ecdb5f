/**
 * Inbound REGISTER as res_pjsip handles it: the endpoint identified (endpoint_identifier_order of
 * [global]: by source address through `identify` sections, by the From user as endpoint name),
 * digest authentication against the endpoint's `auth` (res_pjsip_authenticator_digest: a nonce
 * of `timestamp/hash` valid nonce_lifetime seconds, stale when older), then res_pjsip_registrar:
 * the aor named by the To user among the endpoint's aors, each Contact's expiry from its
 * `expires` parameter, the Expires header or default_expiration, refused below
 * minimum_expiration (423 with Min-Expires), capped at maximum_expiration; max_contacts with
 * remove_existing; `Contact: *` with Expires 0 removing them all; a 200 listing every contact.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  buildResponse,
  getHeader,
  getHeaderList,
  parseNameAddr,
  parseUri,
  parseVia,
  getHeaderLines,
  randomHex,
  type SipRequest,
} from '../../sip/message.js';
import { digestMatches, digestResponse, parseDigest } from '../../sip/digest.js';
import { responseVias, type TransactionLayer } from '../../sip/transaction.js';
import type { Addr } from '../../sip/transport.js';
import type { Logger } from '../../logger.js';
import { num, val, type MatchEntry, type PjObject } from './config.js';
import type { Contact, PjsipState } from './state.js';

export interface RegistrarContext {
  state: PjsipState;
  txns: TransactionLayer;
  log: Logger;
  userAgent: string;
  /** [global] default_realm. */
  realm: string;
  /** [global] endpoint_identifier_order. */
  identifierOrder: string[];
  /** res_pjsip/security_events.c: a security event of this request (AMI class security). */
  security(ev: PjsipSecurityEvent): void;
  contactAdded(c: Contact): void;
  contactRemoved(c: Contact): void;
  contactUpdated(c: Contact): void;
}

/** The security events the registrar reports, with their own fields in security_events.c's order. */
export interface PjsipSecurityEvent {
  name: 'InvalidAccountID' | 'ChallengeSent' | 'SuccessfulAuth' | 'ChallengeResponseFailed';
  /** The endpoint's id, `<unknown>` for the artificial endpoint, the From user for InvalidAccountID. */
  accountId: string;
  /** The request's Call-ID. */
  sessionId: string;
  remote: Addr;
  fields: Array<[string, string]>;
}

function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}

/** Whether `ip` (v4 dotted) falls in the match entry's network (and port, when it names one). */
function matchesAddr(m: MatchEntry, src: Addr): boolean {
  if (m.port && m.port !== src.port) return false;
  if (m.v6 || src.host.includes(':')) return !m.v6 ? false : m.host === src.host;
  const toNum = (h: string): number => h.split('.').reduce((a, p) => a * 256 + Number(p), 0);
  const mask = m.bits === 0 ? 0 : (0xffffffff << (32 - m.bits)) >>> 0;
  return (toNum(m.host) & mask) >>> 0 === (toNum(src.host) & mask) >>> 0;
}

export class Registrar {
  /** The secret nonces are hashed with (per run, as Asterisk's per-start entropy). */
  private readonly secret = randomBytes(16).toString('hex');
  private readonly expiry = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly ctx: RegistrarContext) {}

  stop(): void {
    for (const t of this.expiry.values()) clearTimeout(t);
    this.expiry.clear();
  }

  /** The endpoint a request comes from, by the configured identifier order. */
  identify(req: SipRequest, src: Addr): PjObject | undefined {
    const { state } = this.ctx;
    for (const method of this.ctx.identifierOrder) {
      if (method === 'ip') {
        for (const i of state.list('identify'))
          if (i.matches.some((m) => matchesAddr(m, src))) {
            const ep = state.find('endpoint', val(i, 'endpoint'));
            if (ep) return ep;
          }
      } else if (method === 'username' || method === 'auth_username') {
        const from = parseNameAddr(getHeader(req, 'From') ?? '');
        const user = from ? parseUri(from.uri)?.user : undefined;
        if (method === 'username' && user) {
          const ep = state.find('endpoint', user);
          if (ep && val(ep, 'identify_by').split(',').includes('username')) return ep;
        }
        if (method === 'auth_username') {
          const keys = parseDigest(getHeader(req, 'Authorization') ?? '');
          const u = keys?.get('username');
          if (u)
            for (const ep of state.list('endpoint'))
              if (
                val(ep, 'identify_by').split(',').includes('auth_username') &&
                state.authsOf(ep, 'auth').some((a) => val(a, 'username') === u)
              )
                return ep;
        }
      }
    }
    return undefined;
  }

  private nonce(src: Addr, realm: string, ts = Math.floor(Date.now() / 1000)): string {
    return `${ts}/${md5(`${ts}:${src.host}:${realm}:${this.secret}`)}`;
  }

  /** 'ok', 'stale' (an old nonce of ours), or 'bad'. */
  private checkNonce(n: string, src: Addr, realm: string, lifetime: number): 'ok' | 'stale' | 'bad' {
    const slash = n.indexOf('/');
    if (slash <= 0) return 'bad';
    const ts = Number(n.slice(0, slash));
    if (!Number.isInteger(ts) || this.nonce(src, realm, ts) !== n) return 'bad';
    return Math.floor(Date.now() / 1000) - ts > lifetime ? 'stale' : 'ok';
  }

  /** A 401 with a fresh nonce; ChallengeSent only for a first challenge (a failed answer is reported as such). */
  private challenge(
    req: SipRequest,
    src: Addr,
    realm: string,
    stale: boolean,
    accountId: string | null,
  ): undefined {
    const nonce = this.nonce(src, realm);
    const value =
      `Digest realm="${realm}",nonce="${nonce}",opaque="${randomHex(16)}",algorithm=MD5,qop="auth"` +
      (stale ? ',stale=true' : '');
    if (accountId !== null) this.report('ChallengeSent', accountId, req, src, [['Challenge', nonce]]);
    this.respond(req, src, 401, 'Unauthorized', [['WWW-Authenticate', value]]);
    return undefined;
  }

  private report(
    name: PjsipSecurityEvent['name'],
    accountId: string,
    req: SipRequest,
    src: Addr,
    fields: Array<[string, string]> = [],
  ): void {
    this.ctx.security({ name, accountId, sessionId: getHeader(req, 'Call-ID') ?? '', remote: src, fields });
  }

  /** ast_sip_report_auth_failed_challenge_response: the nonce and hash the request carried. */
  private failed(req: SipRequest, src: Addr, accountId: string, keys: Map<string, string> | undefined): void {
    this.ctx.log.warn(
      `Request '${req.method}' from '${getHeader(req, 'From') ?? ''}' failed for '${src.host}:${src.port}' (callid: ${getHeader(req, 'Call-ID') ?? ''}) - Failed to authenticate`,
    );
    this.report('ChallengeResponseFailed', accountId, req, src, [
      ['Challenge', keys?.get('nonce') ?? ''],
      ['Response', keys?.get('response') ?? ''],
      ['ExpectedResponse', ''],
    ]);
  }

  private respond(
    req: SipRequest,
    src: Addr,
    code: number,
    reason: string,
    headers: Array<[string, string]> = [],
  ): void {
    this.ctx.txns.respond(
      req,
      src,
      buildResponse(req, code, reason, {
        via: responseVias(req, src),
        toTag: randomHex(16),
        headers: [...headers, ['Server', this.ctx.userAgent]],
      }),
    );
  }

  /** Handles a REGISTER; returns nothing, always answers. */
  /**
   * pjsip_distributor's endpoint lookup and authenticate() for any request but ACK: the endpoint
   * when the request may go on, undefined when it was answered (challenged) here. OPTIONS skip the
   * check when the endpoint has allow_unauthenticated_options.
   */
  authenticate(req: SipRequest, src: Addr): PjObject | undefined {
    const { state } = this.ctx;
    const ep = this.identify(req, src);
    const auths = ep ? state.authsOf(ep, 'auth') : [];
    const realm = (auths[0] && val(auths[0], 'realm')) || this.ctx.realm;
    const authHeader = getHeader(req, 'Authorization');
    if (!ep) {
      // Asterisk's artificial endpoint: the request is reported, challenged like any other, and its
      // answer can never pass (it is challenged again), so that a scanner cannot tell names apart.
      const from = parseNameAddr(getHeader(req, 'From') ?? '');
      const name = (from ? parseUri(from.uri)?.user : undefined) ?? '';
      this.ctx.log.warn(
        `Request '${req.method}' from '${getHeader(req, 'From') ?? ''}' failed for '${src.host}:${src.port}' (callid: ${getHeader(req, 'Call-ID') ?? ''}) - No matching endpoint found`,
      );
      this.report('InvalidAccountID', name, req, src);
      if (!authHeader) return this.challenge(req, src, realm, false, '<unknown>');
      this.failed(req, src, '<unknown>', parseDigest(authHeader));
      return this.challenge(req, src, realm, false, null);
    }
    const skip = req.method === 'OPTIONS' && val(ep, 'allow_unauthenticated_options') === 'true';
    if (auths.length && !skip) {
      const keys = parseDigest(authHeader ?? '');
      if (!keys) return this.challenge(req, src, realm, false, ep.id);
      const auth = auths.find((a) => (val(a, 'username') || a.id) === keys.get('username'));
      const n = this.checkNonce(keys.get('nonce') ?? '', src, realm, num(auths[0], 'nonce_lifetime'));
      const ok =
        auth !== undefined &&
        n !== 'bad' &&
        digestMatches(
          keys.get('response') ?? '',
          digestResponse({
            username: keys.get('username') ?? '',
            realm: keys.get('realm') ?? realm,
            secret: val(auth, 'auth_type') === 'md5' ? val(auth, 'md5_cred') : val(auth, 'password'),
            ha1: val(auth, 'auth_type') === 'md5',
            method: req.method,
            uri: keys.get('uri') ?? req.uri,
            nonce: keys.get('nonce') ?? '',
            qop: keys.get('qop') || undefined,
            nc: keys.get('nc'),
            cnonce: keys.get('cnonce'),
          }),
        );
      // A good digest on a nonce past its lifetime is challenged again with stale=true.
      if (ok && n === 'stale') return this.challenge(req, src, realm, true, ep.id);
      if (!ok) {
        this.failed(req, src, ep.id, keys);
        return this.challenge(req, src, realm, false, null);
      }
      this.report('SuccessfulAuth', ep.id, req, src, [['UsingPassword', '1']]);
    }
    return ep;
  }

  /** A REGISTER: authenticated, then bound. */
  register(req: SipRequest, src: Addr): void {
    const ep = this.authenticate(req, src);
    if (ep) this.registerContacts(req, src, ep);
  }

  private registerContacts(req: SipRequest, src: Addr, ep: PjObject): void {
    const { state } = this.ctx;
    const to = parseNameAddr(getHeader(req, 'To') ?? '');
    const toUri = to ? parseUri(to.uri) : undefined;
    const aorName = toUri?.user ?? '';
    const aor = state.aorsOf(ep).find((a) => a.id === aorName || a.id === `${aorName}@${toUri?.host ?? ''}`);
    if (!aor) {
      this.ctx.log.warn(`AOR '${aorName}' not found for endpoint '${ep.id}' (${src.host}:${src.port})`);
      return this.respond(req, src, 404, 'Not Found');
    }
    if (num(aor, 'max_contacts') === 0) {
      // Registration is not permitted for this AOR (res_pjsip_registrar's registrar_on_rx_request).
      this.ctx.log.warn(
        `AOR '${aor.id}' has no configured max_contacts. Endpoint '${ep.id}' (${src.host}:${src.port}) unable to register`,
      );
      return this.respond(req, src, 403, 'Forbidden');
    }
    const expiresHdr = getHeader(req, 'Expires');
    const headerExpiry =
      expiresHdr !== undefined && /^\s*\d+\s*$/.test(expiresHdr) ? Number(expiresHdr) : undefined;
    const min = num(aor, 'minimum_expiration');
    const max = num(aor, 'maximum_expiration');
    const def = num(aor, 'default_expiration');
    const values = getHeaderList(req, 'Contact');
    const now = Math.floor(Date.now() / 1000);

    if (values.some((v) => v.trim() === '*')) {
      if (values.length > 1 || headerExpiry !== 0) return this.respond(req, src, 400, 'Bad Request');
      for (const c of state.contactsOf(aor.id).filter((x) => !x.permanent)) this.remove(c);
      return this.ok(req, src, aor, now);
    }

    // registrar_validate_contacts: expiries first, so that nothing changes on a refused request.
    const wanted: Array<{ uri: string; expiry: number }> = [];
    for (const v of values) {
      const na = parseNameAddr(v);
      if (!na || !parseUri(na.uri)) return this.respond(req, src, 400, 'Bad Request');
      const p = na.params.get('expires');
      let e = p !== undefined && /^\d+$/.test(p) ? Number(p) : (headerExpiry ?? def);
      if (e > 0 && e < min)
        return this.respond(req, src, 423, 'Interval Too Brief', [['Min-Expires', String(min)]]);
      if (e > max) e = max;
      wanted.push({ uri: na.uri, expiry: e });
    }
    const existing = state.contactsOf(aor.id).filter((c) => !c.permanent);
    const adds = wanted.filter((w) => w.expiry > 0 && !existing.some((c) => c.uri === w.uri));
    const removes = wanted.filter((w) => w.expiry === 0);
    const maxContacts = num(aor, 'max_contacts');
    const after =
      existing.length + adds.length - existing.filter((c) => removes.some((r) => r.uri === c.uri)).length;
    let evict: Contact[] = [];
    if (maxContacts > 0 && after > maxContacts) {
      if (val(aor, 'remove_existing') !== 'true') {
        this.ctx.log.warn(
          `Registration attempt from endpoint '${ep.id}' (${src.host}:${src.port}) to AOR '${aor.id}' will exceed max contacts of ${maxContacts}`,
        );
        return this.respond(req, src, 403, 'Forbidden');
      }
      // remove_existing: the soonest-expiring contacts make room.
      evict = [...existing]
        .filter((c) => !wanted.some((w) => w.uri === c.uri))
        .sort((a, b) => a.expiration - b.expiration)
        .slice(0, after - maxContacts);
    }
    for (const c of evict) this.remove(c);
    const via = parseVia(getHeaderLines(req, 'Via')[0] ?? '');
    const ua = getHeader(req, 'User-Agent') ?? '';
    const callId = getHeader(req, 'Call-ID') ?? '';
    for (const w of wanted) {
      const cur = state.contactsOf(aor.id).find((c) => !c.permanent && c.uri === w.uri);
      if (w.expiry === 0) {
        if (cur) this.remove(cur);
        continue;
      }
      const c = cur ?? state.newContact(aor, w.uri, false);
      c.expiration = now + w.expiry;
      c.userAgent = ua;
      c.viaAddr = via?.host ?? src.host;
      c.viaPort = via?.port ?? src.port;
      c.callId = callId;
      c.endpointName = ep.id;
      c.path = val(aor, 'support_path') === 'true' ? getHeaderList(req, 'Path').join(',') : '';
      state.putContact(c);
      this.arm(c, w.expiry);
      if (cur) this.ctx.contactUpdated(c);
      else this.ctx.contactAdded(c);
    }
    this.ok(req, src, aor, now);
  }

  private ok(req: SipRequest, src: Addr, aor: PjObject, now: number): void {
    const headers: Array<[string, string]> = this.ctx.state
      .contactsOf(aor.id)
      .filter((c) => !c.permanent)
      .map((c) => ['Contact', `<${c.uri}>;expires=${Math.max(0, c.expiration - now)}`]);
    headers.push(['Date', new Date().toUTCString()]);
    this.respond(req, src, 200, 'OK', headers);
  }

  private arm(c: Contact, seconds: number): void {
    const old = this.expiry.get(c.id);
    if (old) clearTimeout(old);
    const t = setTimeout(() => this.remove(c), seconds * 1000);
    t.unref?.();
    this.expiry.set(c.id, t);
  }

  remove(c: Contact): void {
    const t = this.expiry.get(c.id);
    if (t) clearTimeout(t);
    this.expiry.delete(c.id);
    this.ctx.state.removeContact(c);
    this.ctx.contactRemoved(c);
  }
}

/**
 * chan_sip's registrar (register_verify, check_auth, parse_register_contact, expire_register):
 * REGISTER challenged with a digest, checked against the peer's secret, its Contact bound with
 * the Expires limits of sip.conf, PeerStatus Registered / Unregistered / Rejected, and the
 * registration expiring on the clock.
 */
import {
  type Addr,
  type SipHeaders,
  type SipRequest,
  digestMatches,
  digestResponse,
  fmtAddr,
  getHeader,
  getHeaderList,
  getHeaderLines,
  isNumericHost,
  parseDigest,
  parseNameAddr,
  parseUri,
  parseVia,
  randomHex,
} from '../../sip/index.js';
import { STANDARD_SIP_PORT } from './config.js';
import type { ChanSipContext } from './context.js';
import type { Peer } from './peers.js';
import type { Qualify } from './qualify.js';
import type { DialogFacts, RegisterOutcome, SipSecurity } from './security.js';

/** The part of a sip_pvt a REGISTER dialog (one Call-ID) keeps between its requests. */
interface AuthDialog extends DialogFacts {
  stale: boolean;
  tag: string;
  at: number;
}

const MAX_AUTH_DIALOGS = 4096;

type CheckResult = 'ok' | 'sent' | 'mismatch' | 'secret';

/** A dialog's identity in security events, shaped like the `%p` of a sip_pvt. */
function sessionPointer(): string {
  return '0x7f' + randomHex(5);
}

export class Registrar {
  private readonly authDialogs = new Map<string, AuthDialog>();

  constructor(
    private readonly ctx: ChanSipContext,
    private readonly qualify: Qualify,
    private readonly security: SipSecurity,
  ) {}

  /** After start or reload: expire what expired meanwhile, re-arm the others. */
  resumeExpiry(p: Peer): void {
    if (!p.regExpireAt) return;
    const left = p.regExpireAt - this.ctx.clock.now();
    if (left <= 0) this.expire(p);
    else p.expireTimer = this.ctx.clock.setTimer(left, () => this.expire(p));
  }

  /** Seconds until the registration expires, or -1 (ast_sched_when of no entry). */
  expireIn(p: Peer): number {
    if (!p.regExpireAt) return -1;
    return Math.max(0, Math.round((p.regExpireAt - this.ctx.clock.now()) / 1000));
  }

  /** expire_register(): the registration is gone (expired or removed). */
  expire(peer: Peer): void {
    const { ctx } = this;
    ctx.clearPeerTimers(peer, true);
    peer.regExpireAt = 0;
    if (peer.cfg.hostDynamic) {
      peer.addr = null;
      peer.fullcontact = '';
    }
    peer.lastms = 0;
    ctx.events.peerStatus(peer.cfg.name, 'Unregistered', [['Cause', 'Expired']]);
    ctx.peerTable.updateDeviceState(peer);
  }

  /** Binds a contact for `expires` seconds (0: none) and announces it, as a REGISTER does. */
  bind(peer: Peer, addr: Addr, fullcontact: string, useragent: string, expiresMs: number): Addr | null {
    const { ctx } = this;
    const old = peer.addr;
    ctx.clearPeerTimers(peer, true);
    peer.addr = addr;
    peer.fullcontact = fullcontact;
    peer.useragent = useragent;
    if (expiresMs > 0) {
      peer.regExpireAt = ctx.clock.now() + expiresMs;
      peer.expireTimer = ctx.clock.setTimer(expiresMs, () => this.expire(peer));
    } else peer.regExpireAt = 0;
    return old;
  }

  private authDialog(callId: string): AuthDialog {
    let d = this.authDialogs.get(callId);
    if (!d) {
      if (this.authDialogs.size >= MAX_AUTH_DIALOGS) {
        const oldest = this.authDialogs.keys().next().value;
        if (oldest !== undefined) this.authDialogs.delete(oldest);
      }
      d = {
        nonce: '',
        stale: false,
        tag: 'as' + randomHex(4),
        at: Date.now(),
        exten: '',
        sessionId: sessionPointer(),
      };
      this.authDialogs.set(callId, d);
    }
    return d;
  }

  private challenge(req: SipRequest, src: Addr, d: AuthDialog, stale: boolean): void {
    d.nonce = randomHex(4);
    d.stale = false;
    const realm = this.ctx.config.general.realm;
    this.ctx.reply(
      req,
      src,
      401,
      'Unauthorized',
      [
        [
          'WWW-Authenticate',
          `Digest algorithm=MD5, realm="${realm}", nonce="${d.nonce}"${stale ? ', stale=true' : ''}`,
        ],
      ],
      d.tag,
    );
  }

  /**
   * transmit_fake_auth_response(): answer exactly as a real peer with a wrong password would (a
   * challenge, then 403 to a response to our current nonce), so that nothing tells an unknown,
   * static or ACL-refused name from a real one.
   */
  private fakeAuth(req: SipRequest, src: Addr, d: AuthDialog): void {
    const token = getHeader(req, 'Authorization');
    const theirNonce = token ? (parseDigest(token)?.get('nonce') ?? '') : '';
    if (!d.nonce || !token || d.nonce.toLowerCase() !== theirNonce.toLowerCase()) {
      this.challenge(req, src, d, false);
      return;
    }
    this.ctx.reply(req, src, 403, 'Forbidden', [], d.tag);
  }

  /** handle_request_register(), then the security event handle_incoming() raises for it. */
  handleRegister(req: SipRequest, src: Addr): void {
    if (this.security.refused(src)) {
      this.ctx.reply(req, src, 403, 'Forbidden');
      return;
    }
    const d = this.authDialog(getHeader(req, 'Call-ID') ?? '');
    const outcome = this.verify(req, src, d);
    this.security.reportRegister(outcome, req, src, d);
  }

  /** register_verify(): answers the REGISTER and says how its authentication went. */
  private verify(req: SipRequest, src: Addr, d: AuthDialog): RegisterOutcome {
    const { ctx } = this;
    const g = ctx.config.general;
    const to = parseNameAddr(getHeader(req, 'To') ?? '');
    const toUri = to ? parseUri(to.uri) : undefined;
    if (!toUri) {
      ctx.log.info(`SIP: invalid To address in REGISTER from ${fmtAddr(src)}`);
      ctx.reply(req, src, 400, 'Bad Request', [], d.tag);
      return 'bad-to';
    }
    if (!toUri.host) {
      ctx.reply(req, src, 404, 'Not found', [], d.tag);
      return 'unknown-domain';
    }
    const name = toUri.user || toUri.host;
    d.exten = name;
    const found = ctx.peerTable.find(name);
    let peer: Peer | undefined = found;
    let bogus = false;
    let res: RegisterOutcome = 'ok';
    if (peer && peer.cfg.acl && !peer.cfg.acl.allows(src.host)) {
      peer = undefined;
      res = 'acl';
    } else if (!peer) {
      if (g.alwaysAuthReject) bogus = true;
      else res = 'not-found';
    }
    if (peer && !peer.cfg.hostDynamic) {
      ctx.log.error(`Peer '${peer.cfg.name}' is trying to register, but not configured as host=dynamic`);
      res = 'not-dynamic';
    } else if (peer || bogus) {
      res = this.checkAuth(
        req,
        src,
        d,
        peer ? peer.cfg.name : name,
        peer ? peer.cfg.secret : 'x',
        peer ? peer.cfg.md5secret : '',
        bogus,
      );
    }
    if (res === 'sent') return res;
    if (res === 'ok' && peer) {
      this.registerContact(req, src, peer, d);
      return res;
    }
    const rejected = (cause: string): void => {
      if (g.authFailureEvents && found) {
        ctx.events.peerStatus(found.cfg.name, 'Rejected', [
          ['Cause', cause],
          ['Address', src.host],
          ['Port', String(src.port)],
        ]);
      }
    };
    switch (res) {
      case 'secret':
        ctx.reply(req, src, 403, 'Forbidden', [], d.tag);
        rejected('AUTH_SECRET_FAILED');
        break;
      case 'mismatch':
      case 'not-found':
      case 'not-dynamic':
      case 'acl':
        if (g.alwaysAuthReject) {
          this.fakeAuth(req, src, d);
          rejected(res === 'not-dynamic' ? 'AUTH_PEER_NOT_DYNAMIC' : 'URI_NOT_FOUND');
        } else if (res === 'not-dynamic') {
          ctx.reply(req, src, 403, 'Forbidden', [], d.tag);
          rejected('AUTH_PEER_NOT_DYNAMIC');
        } else {
          ctx.reply(req, src, 404, 'Not found', [], d.tag);
          rejected(res === 'mismatch' ? 'AUTH_USERNAME_MISMATCH' : 'URI_NOT_FOUND');
        }
        break;
      default:
        break;
    }
    return res;
  }

  private checkAuth(
    req: SipRequest,
    src: Addr,
    d: AuthDialog,
    username: string,
    secret: string,
    md5secret: string,
    bogus: boolean,
  ): CheckResult {
    if (!secret && !md5secret) return 'ok';
    const token = getHeader(req, 'Authorization');
    if (!d.nonce || !token) {
      this.challenge(req, src, d, false);
      return 'sent';
    }
    const keys = parseDigest(token) ?? new Map<string, string>();
    if ((keys.get('username') ?? '') !== username && !bogus) {
      this.ctx.log.warn(`username mismatch, have <${username}>, digest has <${keys.get('username') ?? ''}>`);
      return 'mismatch';
    }
    const theirNonce = keys.get('nonce') ?? '';
    let wrongNonce = false;
    let usedNonce = d.nonce;
    if (d.nonce.toLowerCase() !== theirNonce.toLowerCase() || d.stale) {
      wrongNonce = true;
      usedNonce = theirNonce;
    } else d.stale = true;
    const qop = keys.get('qop');
    const expected = digestResponse({
      username,
      realm: this.ctx.config.general.realm,
      secret: md5secret || secret,
      ha1: !!md5secret,
      method: 'REGISTER',
      uri: keys.get('uri') || req.uri,
      nonce: usedNonce,
      qop: qop || undefined,
      nc: keys.get('nc'),
      cnonce: keys.get('cnonce'),
    });
    const good = digestMatches(keys.get('response') ?? '', expected) && !bogus;
    if (wrongNonce) {
      this.challenge(req, src, d, good);
      return 'sent';
    }
    return good ? 'ok' : 'secret';
  }

  private registerContact(req: SipRequest, src: Addr, peer: Peer, d: AuthDialog): void {
    const { ctx } = this;
    const g = ctx.config.general;
    const expiresHdr = getHeader(req, 'Expires');
    const contacts = getHeaderList(req, 'Contact');
    let expire: number;
    if (expiresHdr !== undefined && expiresHdr !== '') expire = Number.parseInt(expiresHdr, 10) || 0;
    else {
      const m = /;\s*expires=\s*(\d+)/i.exec(contacts[0] ?? '');
      expire = m ? Number(m[1]) : g.defaultExpiry;
    }
    if (expire > g.maxExpiry) expire = g.maxExpiry;
    if (expire < g.minExpiry && expire !== 0) expire = g.minExpiry;
    const dateHdr: [string, string] = ['Date', new Date().toUTCString()];
    const uris = contacts.map((c) => {
      const t = c.trim();
      if (t === '*') return '*';
      return parseNameAddr(t)?.uri ?? '';
    });
    const wildcard = uris.includes('*');
    if (wildcard && (expiresHdr === undefined || expire !== 0 || uris.length > 1)) {
      ctx.reply(req, src, 400, 'Bad Request', [dateHdr], d.tag);
      return;
    }
    const curi = uris[0] ?? '';
    if (!curi && (expiresHdr === undefined || expiresHdr === '')) {
      // A query: tell them what we have.
      const left = this.expireIn(peer);
      const extra: SipHeaders = [dateHdr, ['Expires', String(left < 0 ? expire : left)]];
      if (peer.fullcontact)
        extra.push(['Contact', `<${peer.fullcontact}>;expires=${left < 0 ? expire : left}`]);
      ctx.reply(req, src, 200, 'OK', extra, d.tag);
      return;
    }
    if (wildcard || expire === 0) {
      ctx.log.info(`Unregistered SIP '${peer.cfg.name}'`);
      this.expire(peer);
      ctx.reply(req, src, 200, 'OK', [dateHdr, ['Expires', '0']], d.tag);
      return;
    }
    const uri = parseUri(curi);
    if (!uri) {
      ctx.log.warn('Failed to parse contact info');
      ctx.reply(req, src, 400, 'Bad Request', [dateHdr], d.tag);
      return;
    }
    const via = parseVia(getHeaderLines(req, 'Via')[0] ?? '');
    const f = peer.cfg.flags;
    const natDetected = !!via && (via.host !== src.host || (via.port ?? STANDARD_SIP_PORT) !== src.port);
    const useSource =
      f.forceRport || via?.params.has('rport') || (f.autoRport && natDetected) || !isNumericHost(uri.host);
    const addr: Addr = useSource ? { ...src } : { host: uri.host, port: uri.port ?? STANDARD_SIP_PORT };
    const old = this.bind(peer, addr, curi, getHeader(req, 'User-Agent') ?? '', (expire + 10) * 1000);
    if (!peer.username) peer.username = uri.user;
    ctx.reply(
      req,
      src,
      200,
      'OK',
      [dateHdr, ['Expires', String(expire)], ['Contact', `<${curi}>;expires=${expire}`]],
      d.tag,
    );
    ctx.events.peerStatus(peer.cfg.name, 'Registered', [['Address', fmtAddr(addr)]]);
    if (!old || fmtAddr(old) !== fmtAddr(addr))
      ctx.log.info(`Registered SIP '${peer.cfg.name}' at ${fmtAddr(addr)}`);
    this.qualify.poke(peer, false);
    ctx.peerTable.updateDeviceState(peer);
  }
}

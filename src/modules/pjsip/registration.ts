/**
 * Outbound registrations (res_pjsip_outbound_registration.c): each `type=registration` sends
 * REGISTER to its server_uri for its client_uri, answers one digest challenge with its
 * outbound_auth, and keeps itself registered by re-registering `expiration - 10` seconds after each
 * success. A temporal failure (408 / no answer, 500, 502, 503, 504, 6xx, and 401/407 when
 * auth_rejection_permanent is off) retries after retry_interval until max_retries; anything else
 * is permanent (unless forbidden_retry_interval / fatal_retry_interval say otherwise). Every
 * answered attempt publishes a Registry event (ChannelType PJSIP).
 *
 * `expires` is registration_expires: set whenever an attempt is scheduled, so the CLI's
 * "(exp. Ns ago)" counts from the planned attempt as Asterisk's does.
 */
import {
  getHeader,
  getHeaderList,
  newBranch,
  parseNameAddr,
  parseUri,
  randomHex,
  type SipRequest,
  type SipResponse,
} from '../../sip/message.js';
import { authorizationValue, parseDigest, readChallenge } from '../../sip/digest.js';
import type { TransactionLayer } from '../../sip/transaction.js';
import type { Addr, UdpTransport } from '../../sip/transport.js';
import type { Logger } from '../../logger.js';
import { num, val, type PjObject } from './config.js';
import type { OutboundState, PjsipState, RegistrationStatus } from './state.js';

const REREGISTER_BUFFER_TIME = 10;

export interface RegistrationContext {
  state: PjsipState;
  transport: UdpTransport;
  txns: TransactionLayer;
  userAgent: string;
  log: Logger;
  random(): number;
  /** ast_system_publish_registry("PJSIP", client_uri, server_uri, status). */
  registry(clientUri: string, serverUri: string, status: string): void;
}

interface Client {
  reg: PjObject;
  st: OutboundState;
  callId: string;
  fromTag: string;
  cseq: number;
  retries: number;
  authAttempted: boolean;
  timer?: ReturnType<typeof setTimeout>;
  branch?: string;
  /** Set when the current attempt is an unregistration (Expires: 0). */
  unregistering: boolean;
}

function isTemporal(code: number, authRejectionPermanent: boolean): boolean {
  return (
    code === 408 ||
    code === 500 ||
    code === 502 ||
    code === 503 ||
    code === 504 ||
    ((code === 401 || code === 407) && !authRejectionPermanent) ||
    (code >= 600 && code < 700)
  );
}

export class OutboundRegistrations {
  private readonly clients = new Map<string, Client>();
  private stopped = false;

  constructor(private readonly ctx: RegistrationContext) {}

  start(): void {
    for (const reg of this.ctx.state.list('registration')) {
      const st = this.ctx.state.outbound.get(reg.id);
      if (!st) continue;
      const c: Client = {
        reg,
        st,
        callId: randomHex(16),
        fromTag: randomHex(16),
        cseq: Math.floor(this.ctx.random() * 30000) + 1,
        retries: 0,
        authAttempted: false,
        unregistering: false,
      };
      this.clients.set(reg.id, c);
      const maxDelay = num(reg, 'max_random_initial_delay');
      this.schedule(c, (maxDelay ? Math.floor(this.ctx.random() * maxDelay) : 0) + 1);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.clients.values()) this.cancel(c);
  }

  /**
   * After a reload: every registration starts again from its (new) configuration, as
   * res_pjsip_outbound_registration re-creates the state of a changed registration.
   */
  restart(): void {
    for (const c of this.clients.values()) this.cancel(c);
    this.clients.clear();
    this.start();
  }

  has(name: string): boolean {
    return this.clients.has(name);
  }

  /** PJSIPRegister: unregister (when registered) and register again now. */
  reregister(name: string): boolean {
    const c = this.clients.get(name);
    if (!c) return false;
    this.cancel(c);
    c.retries = 0;
    if (c.st.status === 'Registered') {
      this.send(c, true, () => this.send(c, false));
    } else this.send(c, false);
    return true;
  }

  /** PJSIPUnregister: unregister and stop (until PJSIPRegister or a reload). */
  unregister(name: string): boolean {
    const c = this.clients.get(name);
    if (!c) return false;
    this.cancel(c);
    if (c.st.status === 'Registered') this.send(c, true);
    return true;
  }

  names(): string[] {
    return [...this.clients.keys()];
  }

  private cancel(c: Client): void {
    if (c.timer) clearTimeout(c.timer);
    c.timer = undefined;
    if (c.branch) this.ctx.txns.cancel(c.branch);
    c.branch = undefined;
    c.st.nextReg = 0;
  }

  /** schedule_registration: sets registration_expires to the planned attempt. */
  private schedule(c: Client, seconds: number): void {
    if (this.stopped) return;
    if (c.timer) clearTimeout(c.timer);
    const now = Math.floor(Date.now() / 1000);
    c.st.expires = now + seconds;
    c.st.nextReg = now + seconds;
    c.timer = setTimeout(() => {
      c.timer = undefined;
      c.st.nextReg = 0;
      this.send(c, false);
    }, seconds * 1000);
    c.timer.unref?.();
  }

  private setStatus(c: Client, s: RegistrationStatus): void {
    c.st.status = s;
  }

  private dest(c: Client): Addr | undefined {
    const u = parseUri(val(c.reg, 'outbound_proxy') || val(c.reg, 'server_uri'));
    if (!u) return undefined;
    return { host: u.host.replace(/^\[|\]$/g, ''), port: u.port ?? 5060 };
  }

  private build(c: Client, dest: Addr, expires: number, auth?: [string, string]): SipRequest {
    const { transport } = this.ctx;
    const us = transport.ourHostPort(dest);
    const clientUri = val(c.reg, 'client_uri');
    const params = val(c.reg, 'contact_header_params');
    const contact = `<sip:${val(c.reg, 'contact_user') || 's'}@${us}${params ? ';' + params : ''}>`;
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/UDP ${us};rport;branch=${newBranch()}`],
      ['From', `<${clientUri}>;tag=${c.fromTag}`],
      ['To', `<${clientUri}>`],
      ['Call-ID', c.callId],
      ['CSeq', `${++c.cseq} REGISTER`],
      ['Contact', contact],
      ['Expires', String(expires)],
      [
        'Allow',
        'OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER',
      ],
      ['Max-Forwards', '70'],
      ['User-Agent', val(c.reg, 'user_agent') || this.ctx.userAgent],
    ];
    if (auth) headers.push(auth);
    return {
      kind: 'request',
      method: 'REGISTER',
      uri: val(c.reg, 'server_uri'),
      headers,
      body: Buffer.alloc(0),
    };
  }

  private send(c: Client, unregister: boolean, then?: () => void, auth?: [string, string]): void {
    if (this.stopped) return;
    const dest = this.dest(c);
    if (!dest) return;
    c.unregistering = unregister;
    const expires = unregister ? 0 : num(c.reg, 'expiration');
    const req = this.build(c, dest, expires, auth);
    c.branch = this.ctx.txns.sendRequest(
      req,
      dest,
      (res) => {
        if (res.status < 200) return;
        c.branch = undefined;
        this.response(c, req, res, unregister, then);
      },
      () => {
        c.branch = undefined;
        this.failed(c, 408, false);
      },
      () => {
        c.branch = undefined;
        this.failed(c, 408, false);
      },
    );
  }

  private response(
    c: Client,
    req: SipRequest,
    res: SipResponse,
    unregister: boolean,
    then?: () => void,
  ): void {
    const code = res.status;
    if ((code === 401 || code === 407) && !c.authAttempted) {
      const header = getHeader(res, code === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate') ?? '';
      const keys = parseDigest(header);
      const authObj = this.ctx.state.find('auth', val(c.reg, 'outbound_auth').split(',')[0] ?? '');
      if (keys && authObj) {
        c.authAttempted = true;
        const value = authorizationValue(readChallenge(keys), {
          username: val(authObj, 'username') || authObj.id,
          secret: val(authObj, 'password'),
          method: 'REGISTER',
          uri: req.uri,
          cnonce: randomHex(16),
          nc: '00000001',
        });
        this.send(c, unregister, then, [code === 401 ? 'Authorization' : 'Proxy-Authorization', value]);
        return;
      }
      this.ctx.log.warn(
        `Failed to create authenticated REGISTER request to server '${val(c.reg, 'server_uri')}' from client '${val(c.reg, 'client_uri')}'`,
      );
    }
    c.authAttempted = false;
    if (code >= 200 && code < 300) {
      if (unregister) {
        this.setStatus(c, 'Unregistered');
      } else {
        this.setStatus(c, 'Registered');
        c.retries = 0;
        const expiration = this.grantedExpiry(res) || num(c.reg, 'expiration');
        this.schedule(c, Math.max(0, expiration - REREGISTER_BUFFER_TIME));
      }
      this.publish(c);
      if (then) then();
      return;
    }
    const retryAfter = Number.parseInt(getHeader(res, 'Retry-After') ?? '', 10) || 0;
    if (retryAfter > 0) {
      this.setStatus(c, 'Rejected');
      this.schedule(c, retryAfter);
      this.publish(c);
      return;
    }
    this.failed(c, code, true);
  }

  /** A final failure (or no answer: 408): retry as Asterisk's rules say, then publish. */
  private failed(c: Client, code: number, answered: boolean): void {
    const r = c.reg;
    const server = val(r, 'server_uri');
    const client = val(r, 'client_uri');
    const retryInterval = num(r, 'retry_interval');
    const maxRetries = num(r, 'max_retries');
    if (retryInterval && isTemporal(code, val(r, 'auth_rejection_permanent') === 'true')) {
      if (c.retries === maxRetries) {
        this.setStatus(c, 'Rejected');
        this.ctx.log.warn(
          `Maximum retries reached when attempting outbound registration to '${server}' with client '${client}', stopping registration attempt`,
        );
      } else {
        c.retries++;
        this.setStatus(c, 'Rejected');
        this.schedule(c, retryInterval);
        this.ctx.log.warn(
          answered
            ? `Temporal response '${code}' received from '${server}' on registration attempt to '${client}', retrying in '${retryInterval}'`
            : `No response received from '${server}' on registration attempt to '${client}', retrying in '${retryInterval}'`,
        );
      }
    } else if (code === 403 && num(r, 'forbidden_retry_interval') && c.retries < maxRetries) {
      c.retries++;
      this.setStatus(c, 'Rejected');
      this.schedule(c, num(r, 'forbidden_retry_interval'));
    } else if (num(r, 'fatal_retry_interval') && c.retries < maxRetries) {
      c.retries++;
      this.setStatus(c, 'Rejected');
      this.schedule(c, num(r, 'fatal_retry_interval'));
    } else {
      this.setStatus(c, 'Rejected');
      this.ctx.log.warn(
        answered
          ? `Fatal response '${code}' received from '${server}' on registration attempt to '${client}', stopping outbound registration`
          : `Fatal registration attempt to '${client}', stopping outbound registration`,
      );
    }
    this.publish(c);
  }

  private publish(c: Client): void {
    this.ctx.registry(val(c.reg, 'client_uri'), val(c.reg, 'server_uri'), c.st.status);
  }

  /** The expiry the registrar granted our contact (its `expires` param, else Expires). */
  private grantedExpiry(res: SipResponse): number {
    for (const v of getHeaderList(res, 'Contact')) {
      const na = parseNameAddr(v);
      const e = na?.params.get('expires');
      if (e && /^[0-9]+$/.test(e)) return Number(e);
    }
    return Number.parseInt(getHeader(res, 'Expires') ?? '', 10) || 0;
  }
}

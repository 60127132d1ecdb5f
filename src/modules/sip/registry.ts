/**
 * chan_sip's outbound registrations (`register =>`: transmit_register, sip_reg_timeout,
 * handle_response_register): REGISTER to a registrar with digest answers, the timeout and retry
 * rules, re-registration before expiry, and a Registry event on each state change.
 */
import {
  type Addr,
  type SipHeaders,
  type SipRequest,
  type SipResponse,
  authorizationValue,
  getHeader,
  getHeaderList,
  isNumericHost,
  newBranch,
  parseDigest,
  randomHex,
  readChallenge,
} from '../../sip/index.js';
import { type RegistryConfig, type SipConfig, STANDARD_SIP_PORT } from './config.js';
import type { ChanSipContext } from './context.js';
import { SUPPORTED } from './texts.js';

type Timer = { readonly id: number };

export type RegState =
  | 'Unregistered'
  | 'Request Sent'
  | 'Auth. Sent'
  | 'Registered'
  | 'Rejected'
  | 'Timeout'
  | 'No Authentication'
  | 'Failed';

export interface Registry {
  cfg: RegistryConfig;
  state: RegState;
  /** Epoch seconds of the last successful registration (0 = never). */
  regtime: number;
  refresh: number;
  expiry: number;
  callId: string;
  localTag: string;
  cseq: number;
  regattempts: number;
  authtries: number;
  timeoutTimer?: Timer;
  reregTimer?: Timer;
  branch?: string;
  /** The URI of the REGISTER (digest uri). */
  uri: string;
}

const MAX_AUTHTRIES = 3;

/** regstate2str(). */
export function regStateText(s: RegState): string {
  return s === 'Timeout' ? 'Registered' : s;
}

export class Registrations {
  list: Registry[] = [];

  constructor(
    private readonly ctx: ChanSipContext,
    /** Host names resolved at start/reload. */
    private readonly resolved: Map<string, string>,
  ) {}

  /** Rebuilds from sip.conf; a registration that stays keeps its dialog and Registered state. */
  build(config: SipConfig, localHost: string): void {
    const oldRegs = new Map(this.list.map((r) => [r.cfg.line, r]));
    this.list = config.registrations.map((cfg) => {
      const prev = oldRegs.get(cfg.line);
      return {
        cfg,
        state: prev?.state === 'Registered' ? 'Registered' : 'Unregistered',
        regtime: prev?.regtime ?? 0,
        refresh: prev?.refresh ?? cfg.expiry,
        expiry: cfg.expiry,
        callId: prev?.callId ?? `${randomHex(16)}@${localHost}`,
        localTag: prev?.localTag ?? 'as' + randomHex(4),
        cseq: prev?.cseq ?? 101,
        regattempts: 0,
        authtries: 0,
        uri: '',
      };
    });
  }

  startAll(): void {
    this.list.forEach((r, i) => {
      r.reregTimer = this.ctx.clock.setTimer(100 * (i + 1), () => {
        r.reregTimer = undefined;
        if (r.state === 'Registered') r.state = 'Timeout';
        this.transmit(r, undefined);
      });
    });
  }

  clearTimers(r: Registry): void {
    const { ctx } = this;
    if (r.timeoutTimer) ctx.clock.clearTimer(r.timeoutTimer);
    if (r.reregTimer) ctx.clock.clearTimer(r.reregTimer);
    r.timeoutTimer = undefined;
    r.reregTimer = undefined;
    if (r.branch) ctx.txns.cancel(r.branch);
    r.branch = undefined;
  }

  private dest(r: Registry): Addr | undefined {
    const { peerTable: peers } = this.ctx;
    const peer = r.cfg.peername ? peers.find(r.cfg.peername) : peers.find(r.cfg.hostname);
    if (peer?.addr) return peer.addr;
    const h = r.cfg.hostname;
    if (isNumericHost(h)) return { host: h, port: r.cfg.portno };
    const ip = this.resolved.get(h.toLowerCase());
    return ip ? { host: ip, port: r.cfg.portno } : undefined;
  }

  private transmit(r: Registry, auth: { header: string; value: string } | undefined): void {
    const { ctx } = this;
    if (ctx.stopped) return;
    if (!auth && (r.state === 'Request Sent' || r.state === 'Auth. Sent')) {
      ctx.log.info(
        `Strange, trying to register ${r.cfg.username}@${r.cfg.hostname} when registration already pending`,
      );
      return;
    }
    const dest = this.dest(r);
    if (!dest) {
      ctx.log.warn(
        `Probably a DNS error for registration to ${r.cfg.username}@${r.cfg.hostname}, trying REGISTER again (after ${ctx.config.general.registerTimeout} seconds)`,
      );
      this.startTimeout(r);
      r.regattempts++;
      return;
    }
    if (!auth) {
      r.authtries = 0;
      this.startTimeout(r);
    }
    const c = r.cfg;
    const domain = c.regdomain || c.hostname;
    const portno = c.regdomain ? c.regdomainport || STANDARD_SIP_PORT : dest.port;
    const addrUri = portno && portno !== STANDARD_SIP_PORT ? `sip:${domain}:${portno}` : `sip:${domain}`;
    r.uri = addrUri;
    const us = ctx.transport.ourHostPort(dest);
    r.cseq++;
    const headers: SipHeaders = [
      ['Via', `SIP/2.0/UDP ${us};branch=${newBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:${c.username}@${domain}>;tag=${r.localTag}`],
      ['To', `<sip:${c.username}@${domain}>`],
      ['Call-ID', r.callId],
      ['CSeq', `${r.cseq} REGISTER`],
      ['Supported', SUPPORTED],
      ['User-Agent', ctx.config.general.useragent],
    ];
    if (auth) headers.push([auth.header, auth.value]);
    headers.push(['Expires', String(r.expiry)]);
    headers.push(['Contact', `<sip:${c.callback}@${us}>`]);
    const req: SipRequest = {
      kind: 'request',
      method: 'REGISTER',
      uri: addrUri,
      headers,
      body: Buffer.alloc(0),
    };
    r.state = auth ? 'Auth. Sent' : 'Request Sent';
    r.regattempts++;
    if (r.branch) ctx.txns.cancel(r.branch);
    const branch = ctx.txns.sendRequest(
      req,
      dest,
      (res) => {
        if (r.branch !== branch) return;
        r.branch = undefined;
        this.onResponse(r, res);
      },
      () => undefined,
    );
    r.branch = branch;
  }

  private startTimeout(r: Registry): void {
    const { clock, config } = this.ctx;
    if (r.timeoutTimer) clock.clearTimer(r.timeoutTimer);
    r.timeoutTimer = clock.setTimer(config.general.registerTimeout * 1000, () => {
      r.timeoutTimer = undefined;
      this.timeout(r);
    });
  }

  private stopTimeout(r: Registry): void {
    if (r.timeoutTimer) this.ctx.clock.clearTimer(r.timeoutTimer);
    r.timeoutTimer = undefined;
  }

  /** sip_reg_timeout(). */
  private timeout(r: Registry): void {
    const { ctx } = this;
    if (!['Unregistered', 'Request Sent', 'Auth. Sent', 'Timeout'].includes(r.state)) return;
    if (r.branch) ctx.txns.cancel(r.branch);
    r.branch = undefined;
    const max = ctx.config.general.registerAttempts;
    if (max && r.regattempts >= max) {
      ctx.log.info(
        `   -- Last Registration Attempt #${r.regattempts} failed, Giving up forever trying to register '${r.cfg.username}@${r.cfg.hostname}'`,
      );
      r.state = 'Failed';
    } else {
      r.state = 'Unregistered';
      this.transmit(r, undefined);
      ctx.log.info(
        `   -- Registration for '${r.cfg.username}@${r.cfg.hostname}' timed out, trying again (Attempt #${r.regattempts})`,
      );
    }
    this.publish(r);
  }

  private publish(r: Registry): void {
    this.ctx.events.registry(r.cfg.username, r.cfg.hostname, regStateText(r.state));
  }

  /** handle_response_register(). */
  private onResponse(r: Registry, res: SipResponse): void {
    const { ctx } = this;
    const c = r.cfg;
    switch (res.status) {
      case 401:
      case 407: {
        const hdr = getHeader(res, res.status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate');
        const keys = hdr ? parseDigest(hdr) : undefined;
        const user = c.authuser || c.username;
        if (r.authtries === MAX_AUTHTRIES || !keys || !user) {
          ctx.log.info(
            `Failed to authenticate on REGISTER to '${c.username}@${c.hostname}' (Tries ${r.authtries})`,
          );
          return;
        }
        r.authtries++;
        const value = authorizationValue(readChallenge(keys), {
          username: user,
          secret: c.secret,
          method: 'REGISTER',
          uri: r.uri,
          cnonce: randomHex(4),
          nc: '00000001',
        });
        this.transmit(r, { header: res.status === 401 ? 'Authorization' : 'Proxy-Authorization', value });
        return;
      }
      case 403:
        ctx.log.warn(
          `Forbidden - wrong password on authentication for REGISTER for '${c.username}' to '${c.hostname}'`,
        );
        r.state = 'No Authentication';
        this.stopTimeout(r);
        this.publish(r);
        return;
      case 404:
      case 400:
      case 414:
      case 493:
      case 479:
        ctx.log.warn(
          `Got error ${res.status} on register to ${c.username}@${c.hostname}, giving up (check config)`,
        );
        r.state = 'Rejected';
        this.stopTimeout(r);
        this.publish(r);
        return;
      case 408:
        r.regattempts = 0;
        return;
      case 423: {
        const min = Number.parseInt(getHeader(res, 'Min-Expires') ?? '', 10) || 0;
        r.expiry = min;
        if (r.expiry > ctx.config.general.maxExpiry) {
          r.expiry = c.expiry;
          r.state = 'Rejected';
          this.stopTimeout(r);
        } else {
          r.state = 'Unregistered';
          this.transmit(r, undefined);
        }
        this.publish(r);
        return;
      }
      default:
        break;
    }
    if (res.status >= 200 && res.status < 300) {
      this.registered(r, res);
      return;
    }
    // Other failures: the registration timeout retries.
    ctx.log.warn(`Got SIP response ${res.status} "${res.reason}" back from ${c.hostname}`);
  }

  private registered(r: Registry, res: SipResponse): void {
    const { ctx } = this;
    const c = r.cfg;
    r.state = 'Registered';
    this.stopTimeout(r);
    r.regtime = Math.floor(ctx.clock.now() / 1000);
    this.publish(r);
    r.regattempts = 0;
    let expires = 0;
    const ours = `sip:${c.callback}@`;
    const contacts = getHeaderList(res, 'Contact');
    const mine = contacts.find((x) => x.includes(ours)) ?? contacts[0];
    const m = mine ? /expires=\s*(\d+)/i.exec(mine) : null;
    if (m) expires = Number(m[1]);
    if (!expires) expires = Number.parseInt(getHeader(res, 'Expires') ?? '', 10) || 0;
    if (!expires) expires = ctx.config.general.defaultExpiry;
    let ms = expires * 1000;
    if (expires <= 30) ms -= Math.max(ms * 0.2, 500);
    else ms -= 15_000;
    r.refresh = Math.trunc(ms / 1000);
    if (r.reregTimer) ctx.clock.clearTimer(r.reregTimer);
    r.reregTimer = ctx.clock.setTimer(ms, () => {
      r.reregTimer = undefined;
      r.expiry = c.expiry;
      if (r.state === 'Registered') r.state = 'Timeout';
      else if (['Rejected', 'No Authentication', 'Failed'].includes(r.state)) r.state = 'Unregistered';
      this.transmit(r, undefined);
    });
  }
}

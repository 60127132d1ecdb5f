/**
 * chan_sip's SIPnotify: the target's address as create_addr() finds it, and an out-of-dialog
 * NOTIFY with Subscription-State: terminated carrying the caller's headers and body lines.
 */
import {
  type Addr,
  type SipHeaders,
  type SipRequest,
  fmtAddr,
  isNumericHost,
  newBranch,
  randomHex,
} from '../../sip/index.js';
import { STANDARD_SIP_PORT } from './config.js';
import type { ChanSipContext } from './context.js';
import { ALLOWED_METHODS, SUPPORTED } from './texts.js';

export interface NotifyTarget {
  dest: Addr;
  uri: string;
  toUser: string;
}

export class Notifier {
  private cseq = 102;

  constructor(private readonly ctx: ChanSipContext) {}

  /**
   * create_addr() for a NOTIFY target: a peer with a usable address, or a numeric host[:port].
   * Returns undefined as chan_sip fails ("Could not create address").
   */
  target(name: string): NotifyTarget | undefined {
    const peer = this.ctx.peerTable.find(name);
    if (peer) {
      const ok = peer.addr && (!peer.cfg.maxms || (peer.lastms >= 0 && peer.lastms <= peer.cfg.maxms));
      if (!ok || !peer.addr) return undefined;
      const dest = peer.addr;
      const tohost = peer.cfg.tohost || dest.host;
      const hostPart = dest.port === STANDARD_SIP_PORT ? tohost : `${tohost}:${dest.port}`;
      const uri =
        peer.fullcontact || `sip:${peer.cfg.defaultuser ? peer.cfg.defaultuser + '@' : ''}${hostPart}`;
      return { dest, uri, toUser: peer.cfg.defaultuser || peer.cfg.name };
    }
    if (/^\d+$/.test(name)) return undefined;
    const colon = name.lastIndexOf(':');
    const host = colon > 0 && !name.includes('::') ? name.slice(0, colon) : name;
    const portText = colon > 0 && !name.includes('::') ? name.slice(colon + 1) : '';
    const port = portText ? Number(portText) : STANDARD_SIP_PORT;
    if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
    const h = host.toLowerCase() === 'localhost' ? '127.0.0.1' : host;
    if (!isNumericHost(h)) return undefined;
    return { dest: { host: h, port }, uri: `sip:${name}`, toUser: '' };
  }

  /** Sends a NOTIFY with Subscription-State: terminated, the given headers and body lines. */
  send(target: NotifyTarget, headers: Array<[string, string]>, content: string[]): void {
    const { transport, config, log, txns } = this.ctx;
    const dest = target.dest;
    const us = transport.ourHostPort(dest);
    const callId = `${randomHex(16)}@${transport.ourHostFor(dest)}`;
    const hs: SipHeaders = [
      ['Via', `SIP/2.0/UDP ${us};branch=${newBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', `"asterisk" <sip:asterisk@${transport.ourHostFor(dest)}>;tag=as${randomHex(4)}`],
      ['To', `<${target.uri}>`],
      ['Contact', `<sip:asterisk@${us}>`],
      ['Call-ID', callId],
      ['CSeq', `${this.cseq} NOTIFY`],
      ['User-Agent', config.general.useragent],
      ['Date', new Date().toUTCString()],
      ['Allow', ALLOWED_METHODS],
      ['Supported', SUPPORTED],
      ['Subscription-State', 'terminated'],
      ...headers,
    ];
    const body = content.length ? Buffer.from(content.join('\r\n') + '\r\n', 'latin1') : Buffer.alloc(0);
    const req: SipRequest = { kind: 'request', method: 'NOTIFY', uri: target.uri, headers: hs, body };
    txns.sendRequest(
      req,
      dest,
      (res) => log.debug?.(`SIP: NOTIFY to ${fmtAddr(dest)} answered ${res.status} ${res.reason}`),
      () => log.info(`SIP: NOTIFY to ${fmtAddr(dest)} got no answer`),
    );
  }
}

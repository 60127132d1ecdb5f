/**
 * SIP transactions over a transport (RFC 3261 §17): client transactions with Timer E/F
 * retransmission of non-INVITE requests, matched to responses by Via branch and CSeq method; and
 * a bounded cache of our final responses so that a retransmitted request is answered with the
 * same bytes instead of being handled twice. Knows nothing of AMI nor of any channel driver.
 */
import {
  type SipMessage,
  type SipRequest,
  type SipResponse,
  getHeader,
  getHeaderList,
  getHeaderLines,
  parseCSeq,
  parseVia,
  serialize,
  newBranch,
} from './message.js';
import { type Addr, type UdpTransport, fmtAddr } from './transport.js';

export const T1 = 500;
export const T2 = 4000;
export const TIMER_F = 64 * T1;
const MAX_SERVER_TXNS = 4096;

interface ClientTxn {
  branch: string;
  method: string;
  dest: Addr;
  data: Buffer;
  interval: number;
  started: number;
  timer?: ReturnType<typeof setTimeout>;
  onResponse: (res: SipResponse) => void;
  onTimeout: () => void;
}

export class TransactionLayer {
  private readonly clientTxns = new Map<string, ClientTxn>();
  private readonly serverTxns = new Map<string, { data: Buffer; dest: Addr; at: number }>();

  constructor(
    private readonly transport: UdpTransport,
    /** A request that is not a retransmission of one already answered. */
    private readonly onRequest: (req: SipRequest, src: Addr) => void,
  ) {}

  /** Hands a received message to its transaction (responses) or to the request handler. */
  receive(msg: SipMessage, src: Addr): void {
    if (msg.kind === 'response') this.onResponse(msg);
    else this.receiveRequest(msg, src);
  }

  /**
   * Sends a request with RFC 3261 retransmissions (Timer E/F for non-INVITE); returns its branch
   * (taken from the top Via). A send error ends the transaction and calls `onSendError`.
   */
  sendRequest(
    req: SipRequest,
    dest: Addr,
    onResponse: (res: SipResponse) => void,
    onTimeout: () => void,
    onSendError?: () => void,
  ): string {
    const via = getHeaderLines(req, 'Via')[0] ?? '';
    const branch = parseVia(via)?.params.get('branch') ?? newBranch();
    const txn: ClientTxn = {
      branch,
      method: req.method,
      dest,
      data: serialize(req),
      interval: T1,
      started: Date.now(),
      onResponse,
      onTimeout,
    };
    this.clientTxns.set(branch, txn);
    this.transport.send(txn.data, dest, () => {
      if (this.clientTxns.get(branch) === txn) {
        this.cancel(branch);
        onSendError?.();
      }
    });
    this.arm(txn);
    return branch;
  }

  /** Forgets a client transaction: no more retransmissions, its response is ignored. */
  cancel(branch: string): void {
    const t = this.clientTxns.get(branch);
    if (t?.timer) clearTimeout(t.timer);
    this.clientTxns.delete(branch);
  }

  cancelAll(): void {
    for (const t of this.clientTxns.values()) if (t.timer) clearTimeout(t.timer);
    this.clientTxns.clear();
  }

  /** Sends a response and remembers it for retransmissions of the request (ACK excepted). */
  respond(req: SipRequest, src: Addr, res: SipResponse): void {
    const data = serialize(res);
    this.transport.send(data, src);
    if (req.method === 'ACK') return;
    const key = serverKey(req, src);
    if (!key) return;
    if (this.serverTxns.size >= MAX_SERVER_TXNS) {
      const cutoff = Date.now() - TIMER_F;
      for (const [k, v] of this.serverTxns)
        if (v.at < cutoff || this.serverTxns.size >= MAX_SERVER_TXNS) this.serverTxns.delete(k);
    }
    this.serverTxns.set(key, { data, dest: src, at: Date.now() });
  }

  private arm(txn: ClientTxn): void {
    const wait = Math.min(txn.interval, Math.max(0, txn.started + TIMER_F - Date.now()));
    txn.timer = setTimeout(() => {
      if (this.clientTxns.get(txn.branch) !== txn) return;
      if (Date.now() - txn.started >= TIMER_F) {
        this.clientTxns.delete(txn.branch);
        txn.onTimeout();
        return;
      }
      this.transport.send(txn.data, txn.dest);
      txn.interval = Math.min(txn.interval * 2, T2);
      this.arm(txn);
    }, wait);
    txn.timer.unref?.();
  }

  private onResponse(res: SipResponse): void {
    const via = parseVia(getHeaderLines(res, 'Via')[0] ?? '');
    const branch = via?.params.get('branch');
    const txn = branch ? this.clientTxns.get(branch) : undefined;
    if (!txn) return;
    const cseq = parseCSeq(getHeader(res, 'CSeq') ?? '');
    if (!cseq || cseq.method !== txn.method) return;
    if (res.status < 200) {
      if (txn.timer) clearTimeout(txn.timer);
      txn.interval = T2;
      this.arm(txn);
      return;
    }
    this.cancel(txn.branch);
    txn.onResponse(res);
  }

  private receiveRequest(req: SipRequest, src: Addr): void {
    if (req.method !== 'ACK') {
      const key = serverKey(req, src);
      const prev = key ? this.serverTxns.get(key) : undefined;
      if (prev && Date.now() - prev.at < TIMER_F) {
        this.transport.send(prev.data, src);
        return;
      }
    }
    this.onRequest(req, src);
  }
}

function serverKey(req: SipRequest, src: Addr): string | undefined {
  const branch = parseVia(getHeaderLines(req, 'Via')[0] ?? '')?.params.get('branch');
  if (!branch) return undefined;
  return `${branch}|${req.method}|${fmtAddr(src)}`;
}

/** Vias of a request with received/rport filled in (RFC 3261 §18.2.1, RFC 3581). */
export function responseVias(req: SipRequest, src: Addr): string[] {
  const lines = getHeaderLines(req, 'Via');
  if (!lines.length) return lines;
  const all = lines.flatMap((l) => getHeaderList({ headers: [['Via', l]], body: Buffer.alloc(0) }, 'Via'));
  const top = all[0];
  const v = parseVia(top);
  if (!v) return all;
  let out = top;
  if (v.params.has('rport'))
    out = out.replace(/;\s*rport(=[^;]*)?/i, `;received=${src.host};rport=${src.port}`);
  else if (v.host !== src.host) out += `;received=${src.host}`;
  return [out, ...all.slice(1)];
}

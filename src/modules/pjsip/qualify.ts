/**
 * res_pjsip's qualify (pjsip_options.c): every contact of an aor with qualify_frequency > 0 gets an
 * OPTIONS every qualify_frequency seconds; any answer within qualify_timeout (a 2xx only with
 * qualify_2xx_only) makes it Reachable with its round-trip time, no answer makes it Unreachable.
 * The first OPTIONS goes at a random time within min(qualify_frequency, max_initial_qualify_time)
 * after start (the whole frequency when that global option is 0), so that many contacts do not
 * all go at once.
 */
import { newBranch, randomHex, type SipRequest } from '../../sip/message.js';
import { parseUri } from '../../sip/message.js';
import type { TransactionLayer } from '../../sip/transaction.js';
import type { Addr, UdpTransport } from '../../sip/transport.js';
import { num, val } from './config.js';
import type { Contact, ContactStatusType, PjsipState } from './state.js';

export interface QualifyContext {
  state: PjsipState;
  transport: UdpTransport;
  txns: TransactionLayer;
  userAgent: string;
  /** max_initial_qualify_time of [global], seconds (0: none). */
  maxInitial: number;
  /** A contact's status changed (old → new). */
  changed(c: Contact, old: ContactStatusType): void;
  random(): number;
}

interface Job {
  timer?: ReturnType<typeof setTimeout>;
  deadline?: ReturnType<typeof setTimeout>;
  branch?: string;
}

/** A contact URI's destination: host and port (5060 when none); undefined when not numeric. */
export function contactAddr(uri: string): Addr | undefined {
  const u = parseUri(uri);
  if (!u) return undefined;
  return { host: u.host.replace(/^\[|\]$/g, ''), port: u.port ?? 5060 };
}

export class Qualifier {
  private readonly jobs = new Map<string, Job>();
  private stopped = false;

  constructor(private readonly ctx: QualifyContext) {}

  /** Schedules every qualified contact. */
  start(): void {
    for (const aor of this.ctx.state.list('aor')) {
      const freq = num(aor, 'qualify_frequency');
      if (freq <= 0) continue;
      const window = this.ctx.maxInitial > 0 ? Math.min(freq, this.ctx.maxInitial) : freq;
      for (const c of this.ctx.state.contactsOf(aor.id))
        this.schedule(c, Math.floor(this.ctx.random() * window * 1000));
    }
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  /** After a reload: every schedule starts again from the new aors. */
  restart(): void {
    this.clear();
    this.start();
  }

  private clear(): void {
    for (const j of this.jobs.values()) {
      if (j.timer) clearTimeout(j.timer);
      if (j.deadline) clearTimeout(j.deadline);
      if (j.branch) this.ctx.txns.cancel(j.branch);
    }
    this.jobs.clear();
  }

  /** Forgets a contact (removed or expired). */
  forget(c: Contact): void {
    const j = this.jobs.get(c.id);
    if (!j) return;
    if (j.timer) clearTimeout(j.timer);
    if (j.deadline) clearTimeout(j.deadline);
    if (j.branch) this.ctx.txns.cancel(j.branch);
    this.jobs.delete(c.id);
  }

  schedule(c: Contact, ms: number): void {
    if (this.stopped) return;
    const j = this.jobs.get(c.id) ?? {};
    if (j.timer) clearTimeout(j.timer);
    j.timer = setTimeout(() => {
      j.timer = undefined;
      this.poke(c);
    }, ms);
    j.timer.unref?.();
    this.jobs.set(c.id, j);
  }

  /** Sends one OPTIONS now (PJSIPQualify, `pjsip qualify`, the schedule). */
  poke(c: Contact): void {
    if (this.stopped) return;
    const aor = this.ctx.state.find('aor', c.aor);
    const dest = contactAddr(c.uri);
    const j = this.jobs.get(c.id) ?? {};
    this.jobs.set(c.id, j);
    const freq = aor ? num(aor, 'qualify_frequency') : 0;
    const timeoutMs = Math.round((aor ? Number(val(aor, 'qualify_timeout')) : 3) * 1000);
    const only2xx = aor ? val(aor, 'qualify_2xx_only') === 'true' : false;
    const reschedule = (): void => {
      if (freq > 0) this.schedule(c, freq * 1000);
    };
    if (!dest) {
      this.set(c, 'Unreachable', 0);
      reschedule();
      return;
    }
    if (j.branch) this.ctx.txns.cancel(j.branch);
    if (j.deadline) clearTimeout(j.deadline);
    const sentAt = process.hrtime.bigint();
    const req = this.buildOptions(c, dest);
    const finish = (ok: boolean): void => {
      if (j.deadline) clearTimeout(j.deadline);
      j.deadline = undefined;
      if (j.branch) this.ctx.txns.cancel(j.branch);
      j.branch = undefined;
      const rtt = Number((process.hrtime.bigint() - sentAt) / 1000n);
      this.set(c, ok ? 'Reachable' : 'Unreachable', ok ? rtt : 0);
      reschedule();
    };
    const branch = this.ctx.txns.sendRequest(
      req,
      dest,
      (res) => {
        if (res.status < 200) return;
        finish(!only2xx || res.status < 300);
      },
      () => undefined,
      () => finish(false),
    );
    j.branch = branch;
    j.deadline = setTimeout(() => finish(false), timeoutMs);
    j.deadline.unref?.();
  }

  private set(c: Contact, status: ContactStatusType, rtt: number): void {
    const old = c.status;
    c.status = status;
    c.rtt = rtt;
    if (old !== status) this.ctx.changed(c, old);
  }

  private buildOptions(c: Contact, dest: Addr): SipRequest {
    const { transport } = this.ctx;
    const us = transport.ourHostPort(dest);
    const host = transport.ourHostFor(dest);
    return {
      kind: 'request',
      method: 'OPTIONS',
      uri: c.uri,
      headers: [
        ['Via', `SIP/2.0/UDP ${us};rport;branch=${newBranch()}`],
        ['From', `<sip:asterisk@${host}>;tag=${randomHex(16)}`],
        ['To', `<${c.uri}>`],
        ['Contact', `<sip:asterisk@${us}>`],
        ['Call-ID', randomHex(16)],
        ['CSeq', `${Math.floor(this.ctx.random() * 30000) + 1} OPTIONS`],
        ['Max-Forwards', '70'],
        ['User-Agent', this.ctx.userAgent],
      ],
      body: Buffer.alloc(0),
    };
  }
}

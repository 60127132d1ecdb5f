/**
 * Simulated phones driven by the telephony core (the Sim* actions and CLI): a dynamic peer
 * registers, unregisters, stops answering qualify or answers it with a given latency, with the
 * same PeerStatus events and device states as the real network would give.
 */
import { type Addr, fmtAddr } from '../../sip/index.js';
import type { ChanSipContext } from './context.js';
import type { Qualify } from './qualify.js';
import type { Registrar } from './registrar.js';

export type SimResult = { ok: true } | { ok: false; error: string };

export interface SimRegisterOptions {
  host?: string;
  port?: number;
  expires?: number;
  useragent?: string;
  latencyMs?: number;
}

export class Simulation {
  constructor(
    private readonly ctx: ChanSipContext,
    private readonly registrar: Registrar,
    private readonly qualify: Qualify,
  ) {}

  /** A simulated phone registers (dynamic peers): same events as a real REGISTER. */
  register(name: string, opts: SimRegisterOptions = {}): SimResult {
    const { ctx } = this;
    const peer = ctx.peerTable.find(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!peer.cfg.hostDynamic)
      return { ok: false, error: `Peer '${peer.cfg.name}' is not dynamic (host=${peer.cfg.host})` };
    const addr: Addr = {
      host: opts.host ?? '127.0.0.1',
      port: opts.port ?? 5060 + 1000 + (peer.order % 1000),
    };
    peer.sim = { answer: true, latencyMs: opts.latencyMs ?? peer.sim?.latencyMs ?? 1 };
    const expiresMs = opts.expires && opts.expires > 0 ? opts.expires * 1000 : 0;
    const old = this.registrar.bind(
      peer,
      addr,
      `sip:${peer.cfg.name}@${fmtAddr(addr)}`,
      opts.useragent ?? 'amikit simulated phone',
      expiresMs,
    );
    ctx.events.peerStatus(peer.cfg.name, 'Registered', [['Address', fmtAddr(addr)]]);
    if (!old || fmtAddr(old) !== fmtAddr(addr))
      ctx.log.info(`Registered SIP '${peer.cfg.name}' at ${fmtAddr(addr)} (simulated)`);
    this.qualify.poke(peer, false);
    ctx.peerTable.updateDeviceState(peer);
    return { ok: true };
  }

  /** A registration is removed (explicit unregister): PeerStatus Unregistered. */
  unregister(name: string): SimResult {
    const peer = this.ctx.peerTable.find(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!peer.cfg.hostDynamic)
      return { ok: false, error: `Peer '${peer.cfg.name}' is not dynamic (host=${peer.cfg.host})` };
    if (!peer.addr) return { ok: false, error: `Peer '${peer.cfg.name}' is not registered` };
    this.registrar.expire(peer);
    return { ok: true };
  }

  /** The phone stops answering qualify: PeerStatus Unreachable now (a qualified peer is needed). */
  unreachable(name: string): SimResult {
    const peer = this.ctx.peerTable.find(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!peer.cfg.maxms) {
      if (peer.cfg.hostDynamic && peer.addr) {
        peer.sim = { answer: false, latencyMs: peer.sim?.latencyMs ?? 1 };
        this.registrar.expire(peer);
        return { ok: true };
      }
      return {
        ok: false,
        error: `Peer '${peer.cfg.name}' is not qualified (qualify=no): it cannot become unreachable`,
      };
    }
    peer.sim = { answer: false, latencyMs: peer.sim?.latencyMs ?? 1 };
    if (!peer.addr) return { ok: true };
    this.ctx.clearPeerTimers(peer, false);
    this.qualify.noAnswer(peer);
    return { ok: true };
  }

  /** The phone answers qualify after `ms`: Reachable, or Lagged above maxms. */
  latency(name: string, ms: number): SimResult {
    const peer = this.ctx.peerTable.find(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    if (!Number.isFinite(ms) || ms < 0) return { ok: false, error: `Invalid latency '${ms}'` };
    peer.sim = { answer: true, latencyMs: ms };
    if (peer.addr && peer.cfg.maxms) this.qualify.poke(peer, false);
    return { ok: true };
  }

  /** Back to real network behaviour (OPTIONS over UDP). */
  reset(name: string): SimResult {
    const peer = this.ctx.peerTable.find(name);
    if (!peer) return { ok: false, error: `No such peer '${name}'` };
    peer.sim = null;
    if (peer.addr && peer.cfg.maxms) this.qualify.poke(peer, false);
    return { ok: true };
  }
}

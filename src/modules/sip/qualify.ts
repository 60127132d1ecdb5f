/**
 * chan_sip's qualify (sip_poke_peer, handle_response_peerpoke, sip_poke_noanswer): OPTIONS to a
 * peer with an address (or an answer from the simulated phone), Reachable / Lagged / Unreachable
 * with PeerStatus events and device states, and the next poke scheduled as chan_sip does.
 */
import { performance } from 'node:perf_hooks';
import { type Addr, type SipRequest, newBranch, randomHex } from '../../sip/index.js';
import { DEFAULT_FREQ_NOTOK, STANDARD_SIP_PORT } from './config.js';
import type { ChanSipContext } from './context.js';
import type { Peer } from './peers.js';
import { ALLOWED_METHODS, SUPPORTED } from './texts.js';

export class Qualify {
  constructor(private readonly ctx: ChanSipContext) {}

  /**
   * The first poke after start or reload, `index` pokes into the round (sip_poke_all_peers spaces
   * them out a little); returns whether one was scheduled.
   */
  scheduleFirst(p: Peer, index: number): boolean {
    if (!p.cfg.maxms || !p.addr) return false;
    p.pokeTimer = this.ctx.clock.setTimer(index * 5, () => {
      p.pokeTimer = undefined;
      this.poke(p, false);
    });
    return true;
  }

  /** Sends OPTIONS (or asks the simulated phone); `force` is SIPqualifypeer / `sip qualify peer`. */
  poke(peer: Peer, force: boolean): void {
    const { ctx } = this;
    if ((!peer.cfg.maxms && !force) || !peer.addr) {
      ctx.clearPeerTimers(peer, false);
      peer.lastms = 0;
      return;
    }
    ctx.clearPeerTimers(peer, false);
    const sentAt = performance.now();
    if (peer.sim) {
      if (peer.sim.answer) {
        const lat = Math.max(0, peer.sim.latencyMs);
        peer.pokeSimTimer = ctx.clock.setTimer(lat, () => {
          peer.pokeSimTimer = undefined;
          this.answered(peer, Math.floor(lat));
        });
      }
    } else {
      const dest = peer.addr;
      const req = this.buildOptions(peer, dest);
      const branch = ctx.txns.sendRequest(
        req,
        dest,
        () => {
          if (peer.pokeBranch !== branch) return;
          peer.pokeBranch = undefined;
          this.answered(peer, Math.floor(performance.now() - sentAt));
        },
        () => undefined,
        () => {
          if (peer.pokeBranch === branch) this.noAnswer(peer);
        },
      );
      peer.pokeBranch = branch;
    }
    // chan_sip arms the no-answer timer only for scheduled pokes; a forced poke of a qualified peer
    // gets one too here, so that a peer that stops answering is not left without pokes.
    if (peer.cfg.maxms) {
      peer.noanswerTimer = ctx.clock.setTimer(peer.cfg.maxms * 2, () => {
        peer.noanswerTimer = undefined;
        this.noAnswer(peer);
      });
    }
  }

  private buildOptions(peer: Peer, dest: Addr): SipRequest {
    const { transport, config } = this.ctx;
    const us = transport.ourHostPort(dest);
    const tohost = peer.cfg.tohost || dest.host;
    const hostPart = dest.port === STANDARD_SIP_PORT ? tohost : `${tohost}:${dest.port}`;
    const uri =
      peer.fullcontact || `sip:${peer.cfg.defaultuser ? peer.cfg.defaultuser + '@' : ''}${hostPart}`;
    const fromUser = peer.cfg.fromuser || 'asterisk';
    return {
      kind: 'request',
      method: 'OPTIONS',
      uri,
      headers: [
        ['Via', `SIP/2.0/UDP ${us};branch=${newBranch()};rport`],
        ['Max-Forwards', '70'],
        ['From', `"asterisk" <sip:${fromUser}@${transport.ourHostFor(dest)}>;tag=as${randomHex(4)}`],
        ['To', `<sip:${peer.cfg.name}@${hostPart}>`],
        ['Contact', `<sip:${fromUser}@${us}>`],
        ['Call-ID', `${randomHex(16)}@${transport.ourHostFor(dest)}`],
        ['CSeq', '102 OPTIONS'],
        ['User-Agent', config.general.useragent],
        ['Date', new Date().toUTCString()],
        ['Allow', ALLOWED_METHODS],
        ['Supported', SUPPORTED],
      ],
      body: Buffer.alloc(0),
    };
  }

  private answered(peer: Peer, ms: number): void {
    const { ctx } = this;
    if (ctx.stopped) return;
    let pingtime = ms;
    if (pingtime < 1) pingtime = 1;
    if (peer.noanswerTimer) ctx.clock.clearTimer(peer.noanswerTimer);
    peer.noanswerTimer = undefined;
    const maxms = peer.cfg.maxms;
    if (!maxms) return;
    const wasReachable = peer.lastms > 0 && peer.lastms <= maxms;
    const isReachable = pingtime <= maxms;
    const changed = peer.lastms === 0 || wasReachable !== isReachable;
    peer.lastms = pingtime;
    if (changed) {
      const s = isReachable ? 'Reachable' : 'Lagged';
      ctx.log.info(`Peer '${peer.cfg.name}' is now ${s}. (${pingtime}ms / ${maxms}ms)`);
      ctx.events.peerStatus(peer.cfg.name, s, [['Time', String(pingtime)]]);
      ctx.peerTable.updateDeviceState(peer);
    }
    if (peer.pokeTimer) ctx.clock.clearTimer(peer.pokeTimer);
    peer.pokeTimer = ctx.clock.setTimer(isReachable ? peer.cfg.qualifyFreq : DEFAULT_FREQ_NOTOK, () => {
      peer.pokeTimer = undefined;
      this.poke(peer, false);
    });
  }

  /** sip_poke_noanswer(): Unreachable (once), and a poke again after DEFAULT_FREQ_NOTOK. */
  noAnswer(peer: Peer): void {
    const { ctx } = this;
    if (ctx.stopped) return;
    if (peer.noanswerTimer) ctx.clock.clearTimer(peer.noanswerTimer);
    peer.noanswerTimer = undefined;
    if (peer.pokeBranch) ctx.txns.cancel(peer.pokeBranch);
    peer.pokeBranch = undefined;
    if (peer.pokeSimTimer) ctx.clock.clearTimer(peer.pokeSimTimer);
    peer.pokeSimTimer = undefined;
    if (peer.lastms > -1) {
      ctx.log.info(`Peer '${peer.cfg.name}' is now UNREACHABLE!  Last qualify: ${peer.lastms}`);
      ctx.events.peerStatus(peer.cfg.name, 'Unreachable', [['Time', '-1']]);
      peer.lastms = -1;
      ctx.peerTable.updateDeviceState(peer);
    }
    if (peer.pokeTimer) ctx.clock.clearTimer(peer.pokeTimer);
    peer.pokeTimer = ctx.clock.setTimer(DEFAULT_FREQ_NOTOK, () => {
      peer.pokeTimer = undefined;
      this.poke(peer, false);
    });
  }
}

/**
 * AMI-over-HTTP sessions (mansession_session with a managerid): a manager Session whose transport
 * collects the output of one request at a time, looked up by the `mansession_id` cookie (or by the
 * digest nonce on the /a* URIs), destroyed after httptimeout seconds without a request (or, not
 * logged in, after authtimeout seconds in all). Requests of
 * one session run one after another; a request that arrives while a WaitEvent waits ends that wait.
 */
import { randomInt } from 'node:crypto';
import type { Manager } from '../../manager.js';
import { Session, type Transport } from '../../session.js';

/** Collects what the session writes while a request runs; nothing is written between requests. */
export class HttpTransport implements Transport {
  readonly kind = 'HTTP' as const;
  private out: string[] | null = null;
  /** The session ended itself (Logoff, failed Login): destroy it once the response is out. */
  ended = false;

  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
    readonly localAddress: string,
    readonly localPort: number,
  ) {}

  begin(): void {
    this.out = [];
  }

  /** What was written since begin(), as a byte string. */
  take(): string {
    const s = this.out ? this.out.join('') : '';
    this.out = null;
    return s;
  }

  write(data: string | Buffer): void {
    if (this.out) this.out.push(typeof data === 'string' ? data : data.toString('latin1'));
  }

  end(): void {
    this.ended = true;
  }

  pause(): void {}
  resume(): void {}
}

export interface HttpSession {
  /** managerid: the cookie value, or the digest nonce. */
  id: number;
  session: Session;
  transport: HttpTransport;
  /** sessiontimeout: whole seconds (time()) after which the session is destroyed. 0 = not set. */
  timeoutSec: number;
  inuse: number;
  /** Requests of this session run in order through this chain. */
  chain: Promise<void>;
  timer: NodeJS.Timeout | null;
  /** Digest sessions: the user, the last nonce count, when the nonce was issued, the previous nonce. */
  digestUser?: string;
  nc: number;
  noncetime: number;
  oldnonce: number;
}

export interface PeerAddresses {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

export class HttpSessionTable {
  private readonly byId = new Map<number, HttpSession>();

  constructor(private readonly manager: Manager) {}

  get size(): number {
    return this.byId.size;
  }

  /** find_session(): a live session with this managerid. */
  find(id: number): HttpSession | undefined {
    if (id === 0) return undefined;
    const hs = this.byId.get(id);
    return hs && !hs.session.closed && !hs.transport.ended ? hs : undefined;
  }

  /** find_session_by_nonce(): by user and current nonce, or `stale` when it is the previous nonce. */
  findByNonce(user: string, nonce: number): { hs: HttpSession; stale: boolean } | undefined {
    if (nonce === 0) return undefined;
    const l = user.toLowerCase();
    for (const hs of this.byId.values()) {
      if (hs.session.closed || hs.digestUser?.toLowerCase() !== l) continue;
      if (hs.id === nonce) return { hs, stale: false };
      if (hs.oldnonce === nonce) return { hs, stale: true };
    }
    return undefined;
  }

  /**
   * build_mansession(): a new session; `id` 0 draws a fresh managerid. Until it logs in, a session
   * counts against authlimit and ends after authtimeout like a TCP one (Asterisk counts only TCP
   * sessions, so cookie-less requests could pile up sessions there); null when authlimit is full.
   * A digest session is authenticated as it is made and is not counted.
   */
  create(peer: PeerAddresses, id = 0, countUnauth = true): HttpSession | null {
    const transport = new HttpTransport(
      peer.remoteAddress,
      peer.remotePort,
      peer.localAddress,
      peer.localPort,
    );
    const session = this.manager.openSession(transport, { banner: false, countUnauth });
    if (!session) return null;
    session.holdEvents = true;
    let mid = id;
    while (mid === 0 || this.byId.has(mid)) mid = randomInt(1, 2 ** 32 - 1) >>> 0;
    const hs: HttpSession = {
      id: mid,
      session,
      transport,
      timeoutSec: 0,
      inuse: 0,
      chain: Promise.resolve(),
      timer: null,
      nc: 0,
      noncetime: 0,
      oldnonce: 0,
    };
    this.byId.set(mid, hs);
    session.onClose.push(() => {
      if (hs.timer) clearTimeout(hs.timer);
      hs.timer = null;
      if (this.byId.get(hs.id) === hs) this.byId.delete(hs.id);
    });
    return hs;
  }

  /** A session that is never registered: the subject of a security event about a refused request. */
  probe(peer: PeerAddresses): Session {
    return new Session(
      this.manager,
      new HttpTransport(peer.remoteAddress, peer.remotePort, peer.localAddress, peer.localPort),
    );
  }

  /** Gives a digest session a new nonce (its managerid), keeping the old one for stale checks. */
  renumber(hs: HttpSession, nonce: number): void {
    if (this.byId.get(hs.id) === hs) this.byId.delete(hs.id);
    hs.oldnonce = hs.id;
    hs.id = nonce;
    this.byId.set(nonce, hs);
  }

  /** Sets sessiontimeout to now + `seconds` and arms the purge (a session goes once time() > timeout). */
  touch(hs: HttpSession, seconds: number): void {
    hs.timeoutSec = Math.floor(Date.now() / 1000) + seconds;
    this.arm(hs);
  }

  private arm(hs: HttpSession): void {
    if (hs.timer) clearTimeout(hs.timer);
    const ms = Math.max(0, (hs.timeoutSec + 1) * 1000 - Date.now());
    hs.timer = setTimeout(() => this.expire(hs), ms);
    hs.timer.unref();
  }

  /** purge_sessions() for one session. A session with a request in progress waits for its end. */
  private expire(hs: HttpSession): void {
    hs.timer = null;
    if (hs.session.closed || hs.inuse > 0) return;
    if (Math.floor(Date.now() / 1000) <= hs.timeoutSec) {
      this.arm(hs);
      return;
    }
    const s = hs.session;
    if (s.authenticated && s.displayconnects) {
      this.manager.log.info(
        { user: s.username, remote: hs.transport.remoteAddress },
        `HTTP Manager '${s.username}' timed out from ${hs.transport.remoteAddress}`,
      );
    }
    this.destroy(hs);
  }

  /** A request finished: destroy the session now if it ended or expired meanwhile. */
  release(hs: HttpSession): void {
    hs.inuse--;
    if (hs.inuse > 0) return;
    if (hs.transport.ended) this.destroy(hs);
    else if (hs.timeoutSec && Math.floor(Date.now() / 1000) > hs.timeoutSec) this.expire(hs);
  }

  destroy(hs: HttpSession): void {
    if (this.byId.get(hs.id) === hs) this.byId.delete(hs.id);
    if (hs.timer) clearTimeout(hs.timer);
    hs.timer = null;
    if (!hs.session.closed) hs.session.close();
  }

  closeAll(): void {
    for (const hs of [...this.byId.values()]) this.destroy(hs);
  }
}

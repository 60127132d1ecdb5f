/**
 * The AJAM endpoints: /rawman, /manager, /mxml (session by cookie: generic_http_callback) and
 * /arawman, /amanager, /amxml (HTTP Digest: auth_http_callback). Every request is one AMI message
 * built from its query (GET, HEAD) or form body (POST), run by the same Session and Manager.dispatch
 * as a TCP action, and answered in the endpoint's format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomInt } from 'node:crypto';
import type { Manager } from '../../manager.js';
import type { SecurityEventName } from '../../manager-events.js';
import { renderAjam, CONTENT_SUBTYPE, type AjamFormat } from './ajam-format.js';
import { managerIdFromCookies, messageFromParams, parseCookies, type Param } from './params.js';
import { send, sendAuthChallenge, sendError, hex8, type HttpSettings } from './response.js';
import { HttpSessionTable, type HttpSession, type PeerAddresses } from './sessions.js';
import { expectedResponse, md5hex, parseDigest, parseHex, responseMatches } from './digest.js';

/** A digest nonce is good for this long before the client is asked again with stale=true (Asterisk: 62 s). */
const NONCE_LIFETIME_SEC = 62;
/** Issued-but-unused nonces are remembered this long. */
const ISSUED_NONCE_TTL_MS = 5 * 60_000;
const MAX_ISSUED_NONCES = 10_000;

export interface AjamDeps {
  manager: Manager;
  table: HttpSessionTable;
  settings: () => HttpSettings;
}

/** The request's parameters: a POST form body replaces the query string, as Asterisk does. */
export type ParamsReader = () => Promise<
  Param[] | { status: number; title: string; text: string; close?: boolean }
>;

export class Ajam {
  private readonly issued = new Map<number, number>();

  constructor(private readonly deps: AjamDeps) {}

  private get httptimeout(): number {
    return this.deps.manager.config.general.httptimeout;
  }

  /** Runs one AMI message on an HTTP session and returns what the session wrote. */
  private async run(hs: HttpSession, params: Param[]): Promise<string> {
    hs.session.wakeWaiter();
    const prev = hs.chain;
    let release!: () => void;
    hs.chain = new Promise<void>((r) => (release = r));
    await prev;
    try {
      // WaitEvent may last until 10 s before the session would expire (action_waitevent).
      hs.session.maxWaitSec = Math.max(0, hs.timeoutSec - Math.floor(Date.now() / 1000) - 10);
      hs.transport.begin();
      await hs.session.receive(messageFromParams(params));
      return hs.transport.take();
    } finally {
      release();
    }
  }

  /** generic_http_callback(). */
  async generic(
    req: IncomingMessage,
    res: ServerResponse,
    format: AjamFormat,
    peer: PeerAddresses,
    readParams: ParamsReader,
  ): Promise<void> {
    const cfg = this.deps.settings();
    if (!methodAllowed(req, res, cfg)) return;
    const { table } = this.deps;
    // The body first: a request whose body never comes must not hold a session (nor an authlimit slot).
    const params = await readParams();
    if (!Array.isArray(params)) {
      sendError(req, res, cfg, params.status, params.title, params.text, params.close);
      return;
    }
    let hs = table.find(managerIdFromCookies(parseCookies(req.headers.cookie)));
    if (!hs) {
      const created = table.create(peer);
      if (!created) {
        // authlimit: as many sessions as allowed are waiting to log in.
        sendError(req, res, cfg, 503, 'Service Unavailable', 'Too many unauthenticated sessions', true);
        return;
      }
      hs = created;
      // A new HTTP session records no events until its first WaitEvent.
      hs.session.sendEvents = 0;
    }
    hs.inuse++;
    try {
      const out = await this.run(hs, params);
      const httptimeout = this.httptimeout;
      // Reset the HTTP timeout; an unauthenticated session gets at most 5 seconds.
      table.touch(hs, hs.session.authenticated || httptimeout < 5 ? httptimeout : 5);
      send(req, res, cfg, {
        status: 200,
        headers: [
          ['Content-type', 'text/' + CONTENT_SUBTYPE[format]],
          ['Set-Cookie', `mansession_id="${hex8(hs.id)}"; Version=1; Max-Age=${httptimeout}`],
          ['Pragma', 'SuppressEvents'],
        ],
        body: renderAjam(out, params, format),
      });
    } finally {
      table.release(hs);
    }
  }

  private newNonce(): number {
    const now = Date.now();
    if (this.issued.size >= MAX_ISSUED_NONCES) {
      for (const [n, t] of this.issued) {
        if (now - t < ISSUED_NONCE_TTL_MS && this.issued.size < MAX_ISSUED_NONCES) break;
        this.issued.delete(n);
      }
    }
    let n = 0;
    // ast_random(): a non-negative long; never 0 (0 means "no nonce").
    while (n === 0 || this.deps.table.find(n)) n = randomInt(1, 2 ** 31 - 1);
    this.issued.set(n, now);
    return n;
  }

  private realm(): string {
    return this.deps.manager.systemName || 'asterisk';
  }

  /** auth_http_callback(). */
  async digest(
    req: IncomingMessage,
    res: ServerResponse,
    format: AjamFormat,
    peer: PeerAddresses,
    readParams: ParamsReader,
  ): Promise<void> {
    const cfg = this.deps.settings();
    if (!methodAllowed(req, res, cfg)) return;
    const { manager, table } = this.deps;
    const challenge = (nonce = 0, stale = false): void =>
      sendAuthChallenge(req, res, cfg, this.realm(), nonce || this.newNonce(), stale);
    const header = req.headers.authorization;
    if (!header) return challenge();
    // Node hands header values over as latin1 byte strings already.
    const d = parseDigest(header);
    if (!d) return challenge();
    const nonce = parseHex(d.nonce);
    if (nonce === undefined) {
      manager.log.warn(`Received incorrect nonce in Digest <${d.nonce}>`);
      return challenge();
    }
    const user = manager.findUser(d.username);
    const remote = peer.remoteAddress;
    if (!user) {
      manager.log.info(`${remote} tried to authenticate with nonexistent user '${d.username}'`);
      this.securityEvent('InvalidAccountID', peer, d.username);
      return challenge();
    }
    if (user.aclCheck && !user.aclCheck.allows(remote)) {
      manager.log.info(`${remote} failed to pass IP ACL as '${d.username}'`);
      this.securityEvent('FailedACL', peer, d.username);
      sendError(req, res, cfg, 403, 'Permission denied', 'Permission denied', true);
      return;
    }
    const a1 = user.secret === undefined ? '' : md5hex(`${user.name}:${this.realm()}:${user.secret}`);
    const expected = expectedResponse(a1, req.method ?? '', d, nonce);
    if (user.secret === undefined || !responseMatches(d.response, expected)) {
      this.securityEvent('InvalidPassword', peer, d.username, 2);
      return challenge();
    }
    const nowSec = Math.floor(Date.now() / 1000);
    const nc = parseHex(d.nc) ?? 0;
    const found = table.findByNonce(user.name, nonce);
    let hs: HttpSession;
    if (!found) {
      // Only a nonce this server issued opens a session (Asterisk takes any nonce the client computed with).
      if (!this.issued.delete(nonce) || table.find(nonce)) return challenge();
      const created = table.create(peer, nonce, false);
      if (!created) {
        sendError(req, res, cfg, 500, 'Server Error', 'Internal Server Error (out of memory)', true);
        return;
      }
      hs = created;
      hs.digestUser = user.name;
      hs.session.authenticate({
        name: user.name,
        read: user.read,
        write: user.write,
        writetimeout: user.writetimeout,
        displayconnects: user.displayconnects,
        setvars: user.setvars,
      });
      hs.session.includes = [...user.includes];
      hs.session.excludes = [...user.excludes];
      hs.noncetime = nowSec;
      hs.nc = nc;
      if (user.displayconnects)
        manager.log.info({ user: user.name, remote }, `HTTP Manager '${user.name}' logged in from ${remote}`);
      manager.securityEvent('SuccessfulAuth', hs.session, user.name, [['UsingPassword', '0']]);
    } else if (found.stale) {
      // An old nonce (a request that crossed a renewal): ask again with the current one.
      return challenge(found.hs.id, true);
    } else {
      hs = found.hs;
      if (hs.nc >= nc || nowSec - hs.noncetime > NONCE_LIFETIME_SEC) {
        // Nonce expired or its count went back: a new nonce, the old one kept for stale checks.
        hs.nc = 0;
        const fresh = this.newNonce();
        this.issued.delete(fresh);
        table.renumber(hs, fresh);
        hs.noncetime = nowSec;
        return challenge(fresh, true);
      }
      hs.nc = nc;
    }
    const httptimeout = this.httptimeout;
    table.touch(hs, httptimeout > 5 ? httptimeout : 5);
    hs.inuse++;
    try {
      const params = await readParams();
      if (!Array.isArray(params)) {
        sendError(req, res, cfg, params.status, params.title, params.text, params.close);
        return;
      }
      const out = await this.run(hs, params);
      send(req, res, cfg, {
        status: 200,
        headers: [['Content-type', 'text/' + CONTENT_SUBTYPE[format]]],
        body: renderAjam(out, params, format, true),
      });
    } finally {
      table.release(hs);
    }
  }

  /** A security event about a digest request that has no session (yet). */
  private securityEvent(name: SecurityEventName, peer: PeerAddresses, account: string, version = 1): void {
    this.deps.manager.securityEvent(name, this.deps.table.probe(peer), account, [], version);
  }
}

/** AJAM answers GET, HEAD and POST; anything else gets Asterisk's 501 page. */
function methodAllowed(
  req: IncomingMessage,
  res: ServerResponse,
  cfg: Parameters<typeof sendError>[2],
): boolean {
  const method = req.method ?? '';
  if (method === 'GET' || method === 'HEAD' || method === 'POST') return true;
  sendError(req, res, cfg, 501, 'Not Implemented', 'Attempt to use unimplemented / unsupported method');
  return false;
}

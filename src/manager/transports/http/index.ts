/**
 * The HTTP side of the manager: Asterisk's HTTP server (http.conf: enabled, bindaddr, bindport,
 * prefix, sessionlimit, session_inactivity, session_keep_alive, servername, redirect, tlsenable,
 * tlsbindaddr, tlscertfile, tlsprivatekey) carrying AJAM (/rawman /manager /mxml and the digest
 * /arawman /amanager /amxml), AMI over WebSocket (/ws), /metrics and /healthz.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { formatWarning, type HttpConfig } from '../../../config/types.js';
import type { Manager } from '../../manager.js';
import { Ajam } from './ajam.js';
import { HttpSessionTable } from './sessions.js';
import { AmiMetrics } from './prometheus.js';
import {
  route,
  splitPath,
  underPrefix,
  matchesUri,
  webEnabled,
  requestHeadError,
  MAX_HTTP_REQUEST_HEADERS,
  type RouterDeps,
} from './router.js';
import { attachWebSocket, chooseSubprotocol, WS_MAX_PAYLOAD } from './ws.js';
import { closeWith, errorPage, rawErrorResponse, sendError, type HttpSettings } from './response.js';
import { HttpConnection, connectionOf, connectionOfSocket } from './connection.js';
import { listenError } from '../listen-error.js';

export { AmiMetrics } from './prometheus.js';

export interface HttpStartOptions {
  /** Overrides http.conf bindport (0: an ephemeral port). */
  port?: number;
  /** Overrides the HTTPS port (0: ephemeral). */
  tlsPort?: number;
  /** Overrides bindaddr (and the TLS bind address). */
  bind?: string;
  /** Where relative certificate paths are resolved (the configuration directory). */
  configDir?: string;
  /** A directory served for paths no URI claims (the web console, once built). */
  staticRoot?: string;
  /** Serve /metrics and install the counters on the manager (default true). */
  metrics?: boolean;
}

/** Node's limit on the whole request head (Asterisk limits each line, see requestHeadError). */
const MAX_HEADER_BYTES = 64 * 1024;
/**
 * Backstops for a client that trickles a byte now and then, never silent for session_inactivity:
 * the whole head must arrive within a minute, the whole request within five (Node checks every 30 s).
 */
const HEADERS_DEADLINE_MS = 60_000;
const REQUEST_DEADLINE_MS = 300_000;

export interface HttpHandle {
  address: { address: string; port: number } | null;
  tlsAddress: { address: string; port: number } | null;
  /** http.conf prefix of every URI served (the web console's too). */
  prefix: string;
  metrics: AmiMetrics | null;
  sessions: HttpSessionTable;
  close(): Promise<void>;
}

/** The TCP socket under a request's socket (a server-side TLS socket keeps it as `_parent`). */
function rawSocketOf(s: Socket): Socket {
  return (s as Socket & { _parent?: Socket })._parent ?? s;
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen({ port, host: host === '::' || host === '' ? undefined : host, ipv6Only: false }, () => {
      server.off('error', rej);
      res(server.address() as AddressInfo);
    });
  });
}

/**
 * Starts the HTTP (and HTTPS) listeners as http.conf asks; returns null addresses when http.conf
 * leaves HTTP disabled (as Asterisk, also when no bindaddr is set). A listener that cannot start
 * rejects with a ListenError after closing what it opened (Asterisk logs it and runs on without
 * HTTP; amikit stops the start instead, so that a half-started server is never mistaken for a whole).
 */
export async function startHttp(
  manager: Manager,
  conf: HttpConfig,
  opts: HttpStartOptions = {},
): Promise<HttpHandle> {
  for (const w of conf.warnings) manager.log.warn(formatWarning(w));
  const table = new HttpSessionTable(manager);
  const bindaddr = opts.bind ?? conf.bindaddr;
  const handle: HttpHandle = {
    address: null,
    tlsAddress: null,
    prefix: conf.prefix,
    metrics: null,
    sessions: table,
    close: async () => {},
  };
  if (!conf.enabled || bindaddr === undefined) return handle;

  const settings = (): HttpSettings => ({ servername: conf.servername, keepAliveMs: conf.sessionKeepAlive });
  const metrics = opts.metrics === false ? null : new AmiMetrics(manager);
  if (metrics) manager.metrics = metrics;
  handle.metrics = metrics;
  const ajam = new Ajam({ manager, table, settings });
  const deps: RouterDeps = {
    manager,
    ajam,
    metrics,
    settings,
    prefix: conf.prefix,
    redirects: conf.redirects,
    staticRoot: opts.staticRoot,
  };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: WS_MAX_PAYLOAD,
    // Pongs go through the session's output guard (see WsTransport.pong).
    autoPong: false,
    handleProtocols: (offered) => chooseSubprotocol(offered),
  });
  wss.on('connection', (ws, req: IncomingMessage) => attachWebSocket(manager, ws, req));

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const clock = () => ({ inactivityMs: conf.sessionInactivity, keepAliveMs: conf.sessionKeepAlive });
  const watch = (sock: Socket): void => {
    new HttpConnection(sock, clock, () => rawErrorResponse(settings(), 400, 'Bad Request', 'Timeout'));
  };
  const onRequest = (req: IncomingMessage, res: http.ServerResponse): void => {
    connectionOf(req)?.track(req, res);
    const bad = requestHeadError(req);
    if (bad) {
      sendError(req, res, settings(), bad.status, bad.title, bad.text, true);
      return;
    }
    route(deps, req, res).catch((e: unknown) => {
      manager.log.error({ err: e, url: req.url }, 'HTTP request failed');
      if (!res.headersSent) res.destroy();
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    // The socket leaves HTTP: no HTTP clock, and (as in Asterisk) no longer an HTTP session.
    connectionOf(req)?.detach();
    sockets.delete(rawSocketOf(req.socket));
    const bad = requestHeadError(req);
    if (bad) {
      closeWith(socket, rawErrorResponse(settings(), bad.status, bad.title, bad.text));
      return;
    }
    const rest = underPrefix(splitPath(req.url ?? '/'), conf.prefix);
    if (rest === undefined || !matchesUri(rest, 'ws') || !webEnabled(manager)) {
      const body = errorPage(settings(), 404, 'Not Found', 'The requested URL was not found on this server.');
      socket.end(
        `HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };
  const setup = (server: http.Server, secure: boolean): void => {
    // session_keep_alive and session_inactivity are kept by HttpConnection; Node's own idle timers
    // would also run while a request is answered (a long WaitEvent), so they stay off.
    server.keepAliveTimeout = 0;
    server.timeout = 0;
    server.headersTimeout = Math.max(HEADERS_DEADLINE_MS, conf.sessionInactivity);
    server.requestTimeout = Math.max(REQUEST_DEADLINE_MS, server.headersTimeout);
    // One more than allowed, so that requestHeadError can see there were too many.
    server.maxHeadersCount = MAX_HTTP_REQUEST_HEADERS + 1;
    server.on('request', onRequest);
    server.on('upgrade', onUpgrade);
    server.on('clientError', (e: NodeJS.ErrnoException, socket: Duplex) => {
      connectionOfSocket(socket)?.detach();
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') {
        socket.destroy();
        return;
      }
      const text =
        e.code === 'HPE_HEADER_OVERFLOW'
          ? 'Request header too large'
          : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' || e.code === 'HPE_HEADERS_TIMEOUT'
            ? 'Timeout'
            : 'Invalid Request';
      closeWith(socket, rawErrorResponse(settings(), 400, 'Bad Request', text));
    });
    server.on('connection', (sock: Socket) => {
      // sessionlimit: connections over the limit are closed without an answer (httpd_helper_thread).
      if (sockets.size >= conf.sessionlimit) {
        manager.log.warn(`HTTP session count exceeded ${conf.sessionlimit} sessions.`);
        sock.destroy();
        return;
      }
      sock.setNoDelay(true);
      sockets.add(sock);
      sock.once('close', () => sockets.delete(sock));
      if (!secure) watch(sock);
    });
    // Over TLS the clock watches the decrypted socket; the handshake has its own deadline.
    if (secure) server.on('secureConnection', watch);
    servers.push(server);
  };

  // What is being opened, for the error when it cannot be.
  let opening = { listener: 'HTTP manager', host: bindaddr, port: opts.port ?? conf.bindport };
  try {
    const plain = http.createServer({ noDelay: true, keepAlive: true, maxHeaderSize: MAX_HEADER_BYTES });
    setup(plain, false);
    const a = await listen(plain, opening.host, opening.port);
    handle.address = { address: a.address, port: a.port };
    if (conf.tls.enabled) {
      opening = {
        listener: 'HTTPS manager',
        host: opts.bind ?? conf.tls.bindaddr,
        port: opts.tlsPort ?? conf.tls.port,
      };
      const dir = opts.configDir ?? process.cwd();
      const path = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));
      const cert = readFileSync(path(conf.tls.certfile));
      const key = readFileSync(path(conf.tls.privatekey || conf.tls.certfile));
      const secure = https.createServer({
        noDelay: true,
        maxHeaderSize: MAX_HEADER_BYTES,
        // Asterisk gives a TLS handshake 30 s (ast_iostream_start_tls).
        handshakeTimeout: 30_000,
        cert,
        key,
        ciphers: conf.tls.cipher || undefined,
        honorCipherOrder: conf.tls.servercipherorder,
      });
      secure.on('tlsClientError', () => {});
      setup(secure, true);
      const t = await listen(secure, opening.host, opening.port);
      handle.tlsAddress = { address: t.address, port: t.port };
    }
  } catch (e) {
    await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
    wss.close();
    if (manager.metrics === metrics) manager.metrics = undefined;
    throw listenError(e, opening.listener, opening.host, opening.port);
  }
  manager.features.http = true;

  handle.close = async () => {
    table.closeAll();
    for (const c of wss.clients) c.terminate();
    wss.close();
    const closing = servers.map((s) => new Promise<void>((r) => s.close(() => r())));
    for (const s of sockets) s.destroy();
    await Promise.all(closing);
    if (manager.metrics === metrics) manager.metrics = undefined;
  };
  return handle;
}

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
import { route, splitPath, underPrefix, matchesUri, webEnabled, type RouterDeps } from './router.js';
import { attachWebSocket, chooseSubprotocol } from './ws.js';
import { errorPage, type HttpSettings } from './response.js';
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
  /** WebSocket: bufferedAmount above which a client counts as not reading (default 1 MiB). */
  wsMaxBufferedBytes?: number;
}

export interface HttpHandle {
  address: { address: string; port: number } | null;
  tlsAddress: { address: string; port: number } | null;
  /** http.conf prefix of every URI served (the web console's too). */
  prefix: string;
  metrics: AmiMetrics | null;
  sessions: HttpSessionTable;
  close(): Promise<void>;
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
  const wsOpts = { maxBufferedBytes: opts.wsMaxBufferedBytes ?? 1024 * 1024 };
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 256 * 1024,
    handleProtocols: (offered) => chooseSubprotocol(offered),
  });
  wss.on('connection', (ws, req: IncomingMessage) => attachWebSocket(manager, ws, req, wsOpts));

  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  const onRequest = (req: IncomingMessage, res: http.ServerResponse): void => {
    route(deps, req, res).catch((e: unknown) => {
      manager.log.error({ err: e, url: req.url }, 'HTTP request failed');
      if (!res.headersSent) res.destroy();
    });
  };
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
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
  const setup = (server: http.Server): void => {
    // session_keep_alive: how long a kept-alive connection may wait for its next request.
    server.keepAliveTimeout = Math.max(1, conf.sessionKeepAlive);
    server.headersTimeout = Math.max(10_000, conf.sessionInactivity);
    server.requestTimeout = 0;
    server.on('request', onRequest);
    server.on('upgrade', onUpgrade);
    server.on('clientError', (_e, socket) => socket.destroy());
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
    });
    servers.push(server);
  };

  // What is being opened, for the error when it cannot be.
  let opening = { listener: 'HTTP manager', host: bindaddr, port: opts.port ?? conf.bindport };
  try {
    const plain = http.createServer({ noDelay: true, keepAlive: true });
    setup(plain);
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
        cert,
        key,
        ciphers: conf.tls.cipher || undefined,
        honorCipherOrder: conf.tls.servercipherorder,
      });
      secure.on('tlsClientError', () => {});
      setup(secure);
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

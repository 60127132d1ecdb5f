/**
 * URI dispatch as main/http.c handle_uri(): `redirect` lines first, then the (optional) prefix, then
 * the registered URIs matched without case (`/rawman` and `/rawman/` match, `/rawman/x` does not);
 * anything else is the 404 page. The AMI URIs exist while manager.conf has enabled and webenabled.
 * `staticRoot` (for the web console, later) serves files for paths no URI claims.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Manager } from '../../manager.js';
import type { AjamFormat } from './ajam-format.js';
import type { Ajam, ParamsReader } from './ajam.js';
import { parseUrlEncoded, splitTarget, type Param } from './params.js';
import { connectionOf } from './connection.js';
import { send, sendError, wantsClose, type HttpSettings } from './response.js';
import type { PeerAddresses } from './sessions.js';
import { normalizeAddress } from '../stream.js';
import type { AmiMetrics } from './prometheus.js';

/** MAX_CONTENT_LENGTH of http.c: the largest form body read. */
export const MAX_CONTENT_LENGTH = 40960;
/** MAX_HTTP_LINE_LENGTH of http.c: the request line and each header line, CRLF included, stay under it. */
export const MAX_HTTP_LINE_LENGTH = 4096;
/** MAX_HTTP_REQUEST_HEADERS of http.c. */
export const MAX_HTTP_REQUEST_HEADERS = 100;

/** An error answer before any handler runs; the connection closes after it. */
export interface RequestError {
  status: number;
  title: string;
  text: string;
  close?: boolean;
}

const AJAM: Record<string, { format: AjamFormat; digest: boolean }> = {
  rawman: { format: 'raw', digest: false },
  manager: { format: 'html', digest: false },
  mxml: { format: 'xml', digest: false },
  arawman: { format: 'raw', digest: true },
  amanager: { format: 'html', digest: true },
  amxml: { format: 'xml', digest: true },
};

const MIME: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'application/javascript',
  '.mjs': 'application/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain',
  '.map': 'application/json',
};

export interface RouterDeps {
  manager: Manager;
  ajam: Ajam;
  metrics: AmiMetrics | null;
  settings: () => HttpSettings;
  prefix: string;
  redirects: Array<[string, string]>;
  staticRoot?: string;
}

export function peerOf(req: IncomingMessage): PeerAddresses {
  const s = req.socket;
  return {
    remoteAddress: normalizeAddress(s.remoteAddress ?? ''),
    remotePort: s.remotePort ?? 0,
    localAddress: normalizeAddress(s.localAddress ?? ''),
    localPort: s.localPort ?? 0,
  };
}

/** The path of a request target (what precedes `?`). */
export function splitPath(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/** The path under the prefix (without its leading '/'), or undefined when the prefix does not match. */
export function underPrefix(path: string, prefix: string): string | undefined {
  const l = prefix.length;
  if (path.slice(0, l).toLowerCase() !== prefix.toLowerCase() || path[l] !== '/') return undefined;
  return path.slice(l + 1);
}

/** `name` or `name/` (no subtree), compared without case. */
export function matchesUri(rest: string, name: string): boolean {
  const l = rest.toLowerCase();
  return l === name || l === name + '/';
}

/** True while manager.conf enables AMI over HTTP (enabled and webenabled). */
export function webEnabled(manager: Manager): boolean {
  const g = manager.config.general;
  return g.enabled && g.webenabled;
}

/**
 * http_request_headers_get() and httpd_process_request(): a request line or header line that does not
 * fit ast_iostream_gets()'s buffer with its CRLF (MAX_HTTP_LINE_LENGTH bytes or more), or more than
 * MAX_HTTP_REQUEST_HEADERS headers, is refused.
 */
export function requestHeadError(req: IncomingMessage): RequestError | undefined {
  const line = (req.method ?? '').length + 1 + (req.url ?? '').length + 1 + 8 + 2;
  if (line >= MAX_HTTP_LINE_LENGTH)
    return { status: 400, title: 'Bad Request', text: 'Request line too long', close: true };
  const raw = req.rawHeaders;
  if (raw.length / 2 > MAX_HTTP_REQUEST_HEADERS)
    return { status: 413, title: 'Request Entity Too Large', text: 'Too many headers', close: true };
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length + 2 + raw[i + 1].length + 2 >= MAX_HTTP_LINE_LENGTH)
      return { status: 400, title: 'Bad Request', text: 'Header line too long', close: true };
  }
  return undefined;
}

const BODY_TOO_LARGE: RequestError = {
  status: 413,
  title: 'Request Entity Too Large',
  text: 'Body too large',
  close: true,
};
const BODY_UNREADABLE: RequestError = {
  status: 400,
  title: 'Bad Request',
  text: 'Error parsing request body',
  close: true,
};

/**
 * ast_http_get_contents(): at most MAX_CONTENT_LENGTH bytes (declared or chunked), and a body that
 * stops arriving for session_inactivity is an error (EIO), as is one cut short.
 */
function readBody(req: IncomingMessage): Promise<Buffer | RequestError> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_CONTENT_LENGTH) return Promise.resolve(BODY_TOO_LARGE);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (r: Buffer | RequestError): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onFail);
      req.off('close', onFail);
      stopClock?.();
      if (!Buffer.isBuffer(r)) req.pause();
      resolve(r);
    };
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size > MAX_CONTENT_LENGTH) finish(BODY_TOO_LARGE);
      else chunks.push(c);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks));
    const onFail = (): void => finish(BODY_UNREADABLE);
    const stopClock = connectionOf(req)?.onBodyTimeout(req, onFail);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('error', onFail);
    req.once('close', onFail);
  });
}

/** Reads a form body as ast_http_get_post_vars() does. */
function formReader(req: IncomingMessage, query: Param[]): ParamsReader {
  return async () => {
    if (req.method !== 'POST') return query;
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') return [];
    const body = await readBody(req);
    if (!Buffer.isBuffer(body)) return body;
    if (body.length === 0) return [];
    return parseUrlEncoded(body.toString('latin1'));
  };
}

export async function route(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const cfg = deps.settings();
  const { path, params } = splitTarget(req.url ?? '/');
  for (const [from, to] of deps.redirects) {
    if (path.toLowerCase() === from.toLowerCase()) {
      send(req, res, cfg, { status: 302, title: 'Moved Temporarily', headers: [['Location', to]] });
      return;
    }
  }
  const rest = underPrefix(path, deps.prefix);
  if (rest !== undefined) {
    if (webEnabled(deps.manager)) {
      for (const [name, ep] of Object.entries(AJAM)) {
        if (!matchesUri(rest, name)) continue;
        const peer = peerOf(req);
        const read = formReader(req, params);
        if (ep.digest) await deps.ajam.digest(req, res, ep.format, peer, read);
        else await deps.ajam.generic(req, res, ep.format, peer, read);
        return;
      }
      if (matchesUri(rest, 'ws')) {
        sendError(
          req,
          res,
          cfg,
          426,
          'Upgrade Required',
          'This URI speaks WebSocket (subprotocols ami, ami-json).',
        );
        return;
      }
    }
    if (matchesUri(rest, 'healthz')) {
      send(req, res, cfg, { status: 200, headers: [['Content-type', 'text/plain']], body: 'ok' });
      return;
    }
    if (deps.metrics && matchesUri(rest, 'metrics')) {
      const m = await deps.metrics.render();
      send(req, res, cfg, {
        status: 200,
        headers: [['Content-type', m.contentType]],
        body: Buffer.from(m.body, 'utf8'),
      });
      return;
    }
    if (
      deps.staticRoot &&
      webEnabled(deps.manager) &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      serveStatic(deps.staticRoot, rest, req, res, cfg)
    )
      return;
  }
  sendError(req, res, cfg, 404, 'Not Found', 'The requested URL was not found on this server.');
}

/** A file under `root` for `rest` ('' and directories give index.html); false when there is none. */
function serveStatic(
  root: string,
  rest: string,
  req: IncomingMessage,
  res: ServerResponse,
  cfg: HttpSettings,
): boolean {
  let rel: string;
  try {
    rel = decodeURIComponent(rest);
  } catch {
    return false;
  }
  if (rel.includes('\0')) return false;
  const base = resolve(root);
  let file = resolve(base, normalize(rel));
  if (file !== base && !file.startsWith(base + sep)) return false;
  try {
    let st = statSync(file);
    if (st.isDirectory()) {
      file = join(file, 'index.html');
      st = statSync(file);
    }
    if (!st.isFile()) return false;
    const close = cfg.keepAliveMs <= 0 || wantsClose(req);
    const head: string[] = [];
    if (cfg.servername) head.push('Server', cfg.servername);
    head.push('Date', new Date().toUTCString());
    if (close) head.push('Connection', 'close');
    head.push(
      'Content-type',
      MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length',
      String(st.size),
    );
    res.sendDate = false;
    if (!close) res.removeHeader('Connection');
    res.writeHead(200, 'OK', head);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
    return true;
  } catch {
    return false;
  }
}

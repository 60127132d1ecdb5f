/**
 * HTTP responses written as main/http.c ast_http_send() writes them: status line, `Server:`,
 * `Date:`, `Connection: close` only when the connection will close, `Cache-Control: no-cache,
 * no-store` unless static, the caller's headers, `Content-Length:`, body (none for HEAD). Error pages and the digest challenge come from ast_http_create_response().
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface HttpSettings {
  /** `Server:` value; '' sends no Server header. */
  servername: string;
  /** session_keep_alive in ms; 0 or less closes every connection after its response. */
  keepAliveMs: number;
}

export interface Reply {
  status: number;
  title?: string;
  /** Headers after Cache-Control, in order (names as written). */
  headers?: Array<readonly [string, string]>;
  body?: string | Buffer;
  /** Static content: no Cache-Control header. */
  staticContent?: boolean;
  /** Close the connection after this response (ast_http_request_close_on_completion). */
  close?: boolean;
}

/** True when the client asked to close (Connection: close, compared without case). */
export function wantsClose(req: IncomingMessage): boolean {
  const c = req.headers.connection;
  return typeof c === 'string' && c.trim().toLowerCase() === 'close';
}

/** ast_http_send(). Bodies are byte strings (latin1) or Buffers. */
export function send(req: IncomingMessage, res: ServerResponse, cfg: HttpSettings, r: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const body =
    r.body === undefined
      ? Buffer.alloc(0)
      : typeof r.body === 'string'
        ? Buffer.from(r.body, 'latin1')
        : r.body;
  const close = r.close || cfg.keepAliveMs <= 0 || wantsClose(req);
  const head: string[] = [];
  if (cfg.servername) head.push('Server', cfg.servername);
  head.push('Date', new Date().toUTCString());
  if (close) head.push('Connection', 'close');
  if (!r.staticContent) head.push('Cache-Control', 'no-cache, no-store');
  for (const [n, v] of r.headers ?? []) head.push(n, v);
  head.push('Content-Length', String(body.length));
  res.sendDate = false;
  // Without this Node would add `Connection: keep-alive` and `Keep-Alive:`; Asterisk sends neither.
  if (!close) res.removeHeader('Connection');
  res.writeHead(r.status, r.title ?? 'OK', head);
  // Node sends no body for HEAD (Asterisk would still send an error page's body).
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** ast_xml_escape(): the five XML entities. */
export function xmlEscape(s: string): string {
  return s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
}

/** ast_http_create_response(): the small HTML page of an error or a challenge. */
export function errorPage(cfg: HttpSettings, status: number, title: string, text: string): string {
  const address = cfg.servername ? `<address>${xmlEscape(cfg.servername)}</address>\r\n` : '';
  return (
    '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n' +
    '<html><head>\r\n' +
    `<title>${status} ${title}</title>\r\n` +
    '</head><body>\r\n' +
    `<h1>${title}</h1>\r\n` +
    `<p>${xmlEscape(text)}</p>\r\n` +
    '<hr />\r\n' +
    address +
    '</body></html>\r\n'
  );
}

/** ast_http_error(). */
export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  cfg: HttpSettings,
  status: number,
  title: string,
  text: string,
  close = false,
): void {
  send(req, res, cfg, {
    status,
    title,
    headers: [['Content-type', 'text/html']],
    body: errorPage(cfg, status, title, text),
    close,
  });
}

/**
 * An error page written straight to a socket that has no response object (a request Node could not
 * parse, or whose headers stopped coming); the connection closes after it.
 */
export function rawErrorResponse(cfg: HttpSettings, status: number, title: string, text: string): string {
  const body = errorPage(cfg, status, title, text);
  const head = [`HTTP/1.1 ${status} ${title}`];
  if (cfg.servername) head.push(`Server: ${cfg.servername}`);
  head.push(
    `Date: ${new Date().toUTCString()}`,
    'Connection: close',
    'Cache-Control: no-cache, no-store',
    'Content-type: text/html',
    `Content-Length: ${Buffer.byteLength(body, 'latin1')}`,
  );
  return head.join('\r\n') + '\r\n\r\n' + body;
}

/** Sends `text` and closes; a peer that does not take it within a second is cut off. */
export function closeWith(socket: Duplex, text: string): void {
  if (socket.destroyed) return;
  if (socket.writableEnded || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(Buffer.from(text, 'latin1'));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/** ast_http_auth(): 401 with a Digest challenge (`stale=true` when the nonce had expired). */
export function sendAuthChallenge(
  req: IncomingMessage,
  res: ServerResponse,
  cfg: HttpSettings,
  realm: string,
  nonce: number,
  stale: boolean,
): void {
  const hex = hex8(nonce);
  send(req, res, cfg, {
    status: 401,
    title: 'Unauthorized',
    headers: [
      [
        'WWW-authenticate',
        `Digest algorithm=MD5, realm="${realm}", nonce="${hex}", qop="auth", opaque="${hex}"${stale ? ', stale=true' : ''}`,
      ],
      ['Content-type', 'text/html'],
    ],
    body: errorPage(cfg, 401, 'Unauthorized', ''),
  });
}

/** `%08lx`. */
export function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

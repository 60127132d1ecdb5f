/**
 * A listener the configuration enables that cannot open: the start stops with one line that says
 * which listener, where, and why (`cannot listen on 127.0.0.1:8088 (HTTP manager): address in use`).
 */
export class ListenError extends Error {
  constructor(
    /** Which listener: "AMI", "AMI over TLS", "HTTP manager", "HTTPS manager", "SIP over UDP". */
    readonly listener: string,
    readonly host: string,
    readonly port: number,
    /** The system's error code (EADDRINUSE, EACCES, ...) when there is one. */
    readonly code: string | undefined,
    reason: string,
  ) {
    super(`cannot listen on ${hostPort(host, port)} (${listener}): ${reason}`);
    this.name = 'ListenError';
  }
}

function hostPort(host: string, port: number): string {
  const h = host === '' || host === '::' ? '[::]' : host.includes(':') ? `[${host}]` : host;
  return `${h}:${port}`;
}

/** Words for the errors a bind gives, instead of Node's `listen EADDRINUSE: address already in use ...`. */
const REASONS: Record<string, string> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  EAFNOSUPPORT: 'address family not supported',
};

/** Wraps the error of a failed bind (or of reading what the listener needs first) as a ListenError. */
export function listenError(e: unknown, listener: string, host: string, port: number): ListenError {
  if (e instanceof ListenError) return e;
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  const reason = (code && REASONS[code]) ?? (err?.message || String(e));
  return new ListenError(listener, host, port, code, reason);
}

/**
 * main/tcptls.c ast_tls_read_conf, shared by manager.conf and http.conf. Both callers refuse the
 * client-side options (CA file, verification, client method): those fall through to the caller's
 * "unknown option" message instead.
 */
import { astTrue } from './cstr.js';
import type { TlsConfig } from './types.js';
import { parseSockAddr } from './addr.js';

/** AST_CERTFILE */
export const DEFAULT_CERTFILE = 'asterisk.pem';

const REFUSED = new Set([
  'tlscafile',
  'tlscapath',
  'tlscadir',
  'tlsverifyclient',
  'tlsdontverifyserver',
  'tlsclientmethod',
  'sslclientmethod',
]);

export interface TlsBind {
  host: string;
  /** 0 when the text had no port. */
  port: number;
}

/**
 * Apply one option; true when it was a TLS option (handled, possibly with a warning through `warn`).
 * `bind.value` receives a valid tlsbindaddr.
 */
export function readTlsOption(
  tls: TlsConfig,
  bind: { value: TlsBind | undefined },
  key: string,
  value: string,
  warn: (message: string) => void,
): boolean {
  const k = key.toLowerCase();
  if (REFUSED.has(k)) return false;
  switch (k) {
    case 'tlsenable':
    case 'sslenable':
      tls.enabled = astTrue(value);
      return true;
    case 'tlscertfile':
    case 'sslcert':
    case 'tlscert':
      tls.certfile = value;
      return true;
    case 'tlsprivatekey':
    case 'sslprivatekey':
      tls.privatekey = value;
      return true;
    case 'tlscipher':
    case 'sslcipher':
      tls.cipher = value;
      return true;
    case 'tlsbindaddr':
    case 'sslbindaddr': {
      const a = parseSockAddr(value, 'optional');
      if (!a) warn(`Invalid ${key} '${value}'`);
      else bind.value = { host: a.host, port: a.port ?? 0 };
      return true;
    }
    case 'tlsservercipherorder':
      tls.servercipherorder = astTrue(value);
      return true;
    case 'tlsdisablev1':
      tls.disablev1 = astTrue(value);
      return true;
    case 'tlsdisablev11':
      tls.disablev11 = astTrue(value);
      return true;
    case 'tlsdisablev12':
      tls.disablev12 = astTrue(value);
      return true;
    default:
      return false;
  }
}

/**
 * http.conf [general] as main/http.c __ast_http_load reads it. Per-URI `type=restriction` sections are
 * not read here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { astTrue } from './cstr.js';
import type { ConfDocument, ConfWarning, HttpConfig } from './types.js';
import { firstSection, parseConfFile } from './conf-parser.js';
import { parseInt32, parseUint32 } from './cstr.js';
import { parseSockAddr } from './addr.js';
import { DEFAULT_CERTFILE, readTlsOption, type TlsBind } from './tls-conf.js';

export const DEFAULT_HTTP_PORT = 8088;
export const DEFAULT_HTTPS_PORT = 8089;
/** MAX_PREFIX: the prefix buffer holds '/' plus 78 characters. */
const MAX_PREFIX = 80;
/** MAX_SERVER_NAME_LENGTH */
const MAX_SERVER_NAME = 128;

/** Mozilla "intermediate" list Asterisk sets for the HTTPS listener before reading http.conf. */
const DEFAULT_HTTPS_CIPHER =
  'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:' +
  'ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:DHE-DSS-AES128-GCM-SHA256:kEDH+AESGCM:' +
  'ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA:' +
  'ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA:ECDHE-ECDSA-AES256-SHA:' +
  'DHE-RSA-AES128-SHA256:DHE-RSA-AES128-SHA:DHE-DSS-AES128-SHA256:DHE-RSA-AES256-SHA256:DHE-DSS-AES256-SHA:' +
  'DHE-RSA-AES256-SHA:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:' +
  'AES:CAMELLIA:DES-CBC3-SHA:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!PSK:!aECDH:!EDH-DSS-DES-CBC3-SHA:' +
  '!EDH-RSA-DES-CBC3-SHA:!KRB5-DES-CBC3-SHA';

/** `serverName`: the release's default Server header (`Asterisk/<version>`, from its profile). */
export function httpDefaults(serverName: string): HttpConfig {
  return {
    enabled: false,
    bindaddr: undefined,
    bindport: DEFAULT_HTTP_PORT,
    prefix: '',
    sessionlimit: 100,
    sessionInactivity: 30000,
    sessionKeepAlive: 15000,
    servername: serverName,
    enablestatic: false,
    enablestatus: false,
    redirects: [],
    tls: {
      enabled: false,
      bindaddr: '',
      port: DEFAULT_HTTPS_PORT,
      certfile: DEFAULT_CERTFILE,
      privatekey: '',
      cipher: DEFAULT_HTTPS_CIPHER,
      servercipherorder: true,
      disablev1: true,
      disablev11: false,
      disablev12: false,
    },
    warnings: [],
  };
}

/** host[:port] where host may be a name (Asterisk resolves it); numeric addresses come back canonical. */
function splitHostPort(text: string): { host: string; port: number } | undefined {
  const numeric = parseSockAddr(text, 'optional');
  if (numeric) return { host: numeric.host, port: numeric.port ?? 0 };
  const m = /^([A-Za-z0-9.-]+)(?::([0-9]{1,5}))?$/.exec(text);
  if (!m || (m[2] !== undefined && Number(m[2]) > 65535)) return undefined;
  return { host: m[1], port: m[2] === undefined ? 0 : Number(m[2]) };
}

export function parseHttpConf(doc: ConfDocument, serverName: string): HttpConfig {
  const cfg = httpDefaults(serverName);
  const warnings: ConfWarning[] = [...doc.warnings];
  const tlsBind: { value: TlsBind | undefined } = { value: undefined };
  let bind: { host: string; port: number } | undefined;
  let bindLine: { file: string; line: number } | undefined;
  for (const e of firstSection(doc, 'general')?.entries ?? []) {
    const w = (message: string) => warnings.push({ file: e.file, line: e.line, message });
    const v = e.value;
    if (readTlsOption(cfg.tls, tlsBind, e.key, v, w)) continue;
    switch (e.key.toLowerCase()) {
      case 'servername':
        cfg.servername = v.slice(0, MAX_SERVER_NAME - 1);
        break;
      case 'enabled':
        cfg.enabled = astTrue(v);
        break;
      case 'enablestatic':
      case 'enable_static':
        cfg.enablestatic = astTrue(v);
        break;
      case 'enable_status':
        cfg.enablestatus = astTrue(v);
        break;
      case 'bindport': {
        const n = parseUint32(v);
        if (n === undefined || n > 65535) {
          w(`Invalid port ${v} specified. Using default port ${DEFAULT_HTTP_PORT}`);
          cfg.bindport = DEFAULT_HTTP_PORT;
        } else cfg.bindport = n;
        break;
      }
      case 'bindaddr':
        bind = splitHostPort(v);
        bindLine = { file: e.file, line: e.line };
        if (!bind) w(`Unable to resolve host '${v}'`);
        break;
      case 'prefix':
        cfg.prefix = v === '' ? '' : `/${v}`.slice(0, MAX_PREFIX - 1);
        break;
      case 'redirect': {
        const [from, to] = v.trim().split(/\s+/);
        if (from && to) cfg.redirects.push([from, to]);
        else w(`Invalid redirect '${v}'`);
        break;
      }
      case 'sessionlimit':
      case 'session_inactivity': {
        const n = parseInt32(v);
        const key = e.key.toLowerCase();
        const fallback = key === 'sessionlimit' ? 100 : 30000;
        const ok = n !== undefined && n >= 1;
        if (!ok) w(`Invalid ${e.key} '${v}' at line ${e.line} of http.conf`);
        if (key === 'sessionlimit') cfg.sessionlimit = ok ? n : fallback;
        else cfg.sessionInactivity = ok ? n : fallback;
        break;
      }
      case 'session_keep_alive': {
        const m = /^\s*([+-]?[0-9]+)/.exec(v);
        const n = m ? Number(m[1]) : -1;
        if (n < 0) w(`Invalid ${e.key} '${v}' at line ${e.line} of http.conf`);
        cfg.sessionKeepAlive = n < 0 ? 15000 : n;
        break;
      }
      default:
        w(`Ignoring unknown option '${e.key}' in http.conf`);
    }
  }
  if (bind) {
    cfg.bindaddr = bind.host;
    // A port written in bindaddr wins over bindport (http_server_get_by_host); 0 means the default.
    cfg.bindport = bind.port || cfg.bindport || DEFAULT_HTTP_PORT;
  } else if (cfg.enabled) {
    const at = bindLine ?? { file: doc.file, line: 0 };
    warnings.push({ ...at, message: 'enabled = yes but no usable bindaddr: Asterisk starts no HTTP server' });
  }
  if (cfg.bindport === 0) cfg.bindport = DEFAULT_HTTP_PORT;
  const tb = tlsBind.value ?? (cfg.bindaddr !== undefined ? { host: cfg.bindaddr, port: 0 } : undefined);
  cfg.tls.bindaddr = tb?.host ?? '';
  cfg.tls.port = tb && tb.port !== 0 ? tb.port : DEFAULT_HTTPS_PORT;
  cfg.warnings = warnings;
  return cfg;
}

/** http.conf of an Asterisk config directory; no file means the defaults (HTTP disabled). */
export function loadHttpConf(dir: string, serverName: string): HttpConfig {
  const path = join(dir, 'http.conf');
  if (!existsSync(path)) {
    const cfg = httpDefaults(serverName);
    cfg.warnings.push({ file: path, line: 0, message: 'No http.conf: HTTP server disabled' });
    return cfg;
  }
  return parseHttpConf(parseConfFile(path, { baseDir: dir }), serverName);
}

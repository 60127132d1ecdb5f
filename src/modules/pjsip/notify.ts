/**
 * res_pjsip_notify: NOTIFY requests built from a pjsip_notify.conf option (each `name => value` a
 * header; `Content-type` and `Content` the body, Content lines joined with CRLF) or from AMI
 * `Variable:` headers, sent with `Subscription-State: terminated` to every contact of an
 * endpoint's aors, or to a URI. Call-ID, Contact, CSeq, To, From, Record-Route, Route,
 * Request-URI and Via cannot be set; only one Event header is kept.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile } from '../../config/conf-parser.js';
import type { Logger } from '../../logger.js';

export type NotifyItems = Array<[string, string]>;

/** pjsip_notify.conf: option name → its items in order (a missing file: no options). */
export function loadNotifyConf(configDir: string): Map<string, NotifyItems> {
  const out = new Map<string, NotifyItems>();
  const path = join(configDir, 'pjsip_notify.conf');
  if (!existsSync(path)) return out;
  const doc = parseConfFile(path, { baseDir: configDir });
  for (const s of doc.sections)
    out.set(
      s.name,
      s.entries.map((e) => [e.key, e.value.replace(/\\;/g, ';')]),
    );
  return out;
}

const NOT_ALLOWED = new Set([
  'call-id',
  'contact',
  'cseq',
  'to',
  'from',
  'record-route',
  'route',
  'request-uri',
  'via',
]);

export interface NotifyContent {
  headers: Array<[string, string]>;
  contentType: string;
  body: string;
}

/** build_notify over the items, in order. */
export function buildNotify(items: NotifyItems, log: Logger): NotifyContent {
  const headers: Array<[string, string]> = [['Subscription-State', 'terminated']];
  let contentType = '';
  let body: string | null = null;
  for (const [name, value] of items) {
    const low = name.toLowerCase();
    if (NOT_ALLOWED.has(low)) {
      log.warn(`Cannot specify ${name} header, ignoring`);
      continue;
    }
    if (low === 'content-type') contentType = value;
    else if (low === 'content') body = body ? body + '\r\n' + value : value;
    else if (low === 'event' && headers.some(([n]) => n.toLowerCase() === 'event'))
      log.error(`Only one '${name}' header can be added to a NOTIFY, ignoring "${name}: ${value}"`);
    else headers.push([name, value]);
  }
  return { headers, contentType, body: contentType ? (body ?? '') : '' };
}

/**
 * Manager events. An event is serialized once, when it is published, and the same bytes are written to
 * every session that receives it (Asterisk keeps one eventqent per event for the same reason).
 */
import { sanitizeValue } from '../protocol/serializer.js';
import { authorityToString } from '../config/permissions.js';

export type EventHeaders = ReadonlyArray<readonly [string, string]>;

/** Global settings that shape every event's text (manager.conf [general]). */
export interface EventFormat {
  timestampevents: boolean;
  /** asterisk.conf systemname; adds SystemName: when set. */
  systemName: string;
  /** manager.conf debug: adds SequenceNumber/File/Line/Func. */
  debug: boolean;
}

let sequence = 0;

export class AmiEvent {
  /** Event name as sent (`Newchannel`, `UserEvent`, ...). */
  readonly name: string;
  /** EVENT_FLAG_* mask of the event's classes. */
  readonly category: number;
  /** Full wire text: `Event:`, `Privilege:`, optional Timestamp, the headers, blank line. */
  readonly text: string;
  /** Epoch ms when it was raised. */
  readonly time: number;
  private bytes: Buffer | null = null;

  constructor(name: string, category: number, text: string, time: number) {
    this.name = name;
    this.category = category;
    this.text = text;
    this.time = time;
  }

  /** The wire bytes, encoded once and shared by all sessions. */
  get buffer(): Buffer {
    if (this.bytes === null) this.bytes = Buffer.from(this.text, 'latin1');
    return this.bytes;
  }

  /** Value of the first header `name` (exact case-insensitive name match), for filters and tests. */
  header(name: string): string | undefined {
    const lname = name.toLowerCase();
    let pos = 0;
    const t = this.text;
    while (pos < t.length) {
      const nl = t.indexOf('\r\n', pos);
      if (nl < 0 || nl === pos) break;
      const c = t.indexOf(':', pos);
      if (c > pos && c < nl && t.slice(pos, c).toLowerCase() === lname) {
        return t.charCodeAt(c + 1) === 32 ? t.slice(c + 2, nl) : t.slice(c + 1, nl);
      }
      pos = nl + 2;
    }
    return undefined;
  }
}

/**
 * Builds an event the way __manager_event_sessions_va does: `Event:`, `Privilege:` (class names),
 * Timestamp when timestampevents, debug headers, SystemName, then the body headers.
 * `rawBody` is text already in `Name: value\r\n` form (UserEvent echoes client lines verbatim).
 */
export function buildEvent(
  name: string,
  category: number,
  headers: EventHeaders,
  format: EventFormat,
  now: number = Date.now(),
  rawBody = '',
): AmiEvent {
  let s = 'Event: ' + name + '\r\nPrivilege: ' + authorityToString(category) + '\r\n';
  if (format.timestampevents) s += 'Timestamp: ' + formatTimestamp(now) + '\r\n';
  if (format.debug) {
    s += 'SequenceNumber: ' + sequence++ + '\r\nFile: amikit\r\nLine: 0\r\nFunc: ' + name + '\r\n';
  }
  if (format.systemName) s += 'SystemName: ' + format.systemName + '\r\n';
  for (const [n, v] of headers) s += n + ': ' + sanitizeValue(v) + '\r\n';
  s += rawBody + '\r\n';
  return new AmiEvent(name, category, s, now);
}

/** `1795345796.090856`: seconds and microseconds, as Asterisk prints ast_tvnow(). */
export function formatTimestamp(ms: number): string {
  const micros = Math.floor((ms % 1000) * 1000 + ((performanceMicros() % 1000) | 0));
  const sec = Math.floor(ms / 1000);
  return sec + '.' + String(micros).padStart(6, '0');
}

/** Sub-millisecond digits so that two timestamps in the same ms still differ, as real clocks do. */
function performanceMicros(): number {
  return Math.floor(performance.now() * 1000);
}

/** `2026-11-22T11:09:46.869+0000`: ast_json_timeval() in UTC. */
export function formatEventTV(ms: number): string {
  const d = new Date(ms);
  return d.toISOString().slice(0, 23) + '+0000';
}

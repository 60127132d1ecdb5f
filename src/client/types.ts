/** Shapes of what the client sends and receives. */
import type * as tls from 'node:tls';

/** A header value: a string, or the values in order when the server repeated the header. */
export type HeaderValue = string | string[];

/** Headers of a received message: exact values as the server wrote them (one space after the colon removed). */
export interface AmiHeaders {
  [name: string]: HeaderValue | undefined;
}

/** A `Response:` message. */
export interface AmiResponse extends AmiHeaders {
  Response: string;
  ActionID?: string;
  Message?: string;
}

/** An `Event:` message. */
export interface AmiEvent extends AmiHeaders {
  Event: string;
}

/** What a list action (QueueStatus, CoreShowChannels, Hangup with a /regex/ channel, ...) resolves with. */
export interface AmiListResult {
  response: AmiResponse;
  /** The list's item events, in order (without the final `...Complete` event). */
  events: AmiEvent[];
  /** The `...Complete` event (`EventList: Complete`), with `ListItems`. */
  complete: AmiEvent;
}

/** A parameter value: repeated headers as an array; numbers and booleans are written as text. */
export type ParamValue = string | number | boolean | ReadonlyArray<string | number> | undefined | null;

/** Parameters of any action. */
export type AnyParams = Record<string, ParamValue>;

export type ClientState = 'connecting' | 'authenticating' | 'ready' | 'reconnecting' | 'closed';

export interface ReconnectOptions {
  /** First delay after a lost connection. Default 500 ms. */
  initialDelayMs?: number;
  /** Largest delay. Default 30 s. */
  maxDelayMs?: number;
  /** Growth per failed attempt. Default 2. */
  factor?: number;
  /** Random spread, 0..1: the delay is multiplied by a factor in [1 - jitter, 1 + jitter]. Default 0.2. */
  jitter?: number;
}

export interface AmiClientOptions {
  host?: string;
  port?: number;
  /** `true` for TLS with default options, or Node TLS connection options. */
  tls?: boolean | tls.ConnectionOptions;
  username: string;
  secret: string;
  /** 'plain' (default) sends Secret; 'md5' asks a Challenge and sends Key = md5(challenge + secret). */
  authType?: 'plain' | 'md5';
  /** Login `Events:` header: 'on', 'off' or a class list ('system,call'). Omitted: the server's default. */
  events?: 'on' | 'off' | string;
  /** TCP/TLS connect + banner + login must finish within this time. Default 10 s. */
  connectTimeoutMs?: number;
  /** Default time allowed for an action's response (and between list events). Default 10 s. */
  actionTimeoutMs?: number;
  /** Ping every N ms while ready (0 = off). Default 30 s. */
  keepaliveMs?: number;
  /** A Ping unanswered this long means the connection is dead: it is destroyed and reconnected. Default min(actionTimeoutMs, keepaliveMs). */
  keepaliveTimeoutMs?: number;
  /** Reconnect after a lost connection (not after close()). `false` disables. */
  reconnect?: ReconnectOptions | false;
  /** Capacity of each `events()` iterator's buffer. Default 1000. */
  eventBuffer?: number;
  /** Prefix of generated ActionIDs. Default `amikit-<random>-`. */
  actionIdPrefix?: string;
}

export interface SendOptions {
  /** Overrides the client's actionTimeoutMs for this action. */
  timeoutMs?: number;
}

/** Event filter for `events()`: an event name, a regular expression tested on the name, or a predicate. */
export type EventFilter = string | RegExp | ((e: AmiEvent) => boolean);

export interface EventsOptions {
  filter?: EventFilter;
  /** Buffer capacity for this iterator (defaults to the client's eventBuffer). */
  bufferSize?: number;
}

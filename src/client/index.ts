/** amikit/client: a typed AMI client. */
export { AmiClient, isListAction, isListResult } from './client.js';
export type { AmiClientLifecycle, OriginateParams, SendResult } from './client.js';
export { AmiError, AmiConnectionError, AmiAuthError, AmiTimeoutError } from './errors.js';
export { Dispatcher } from './dispatcher.js';
export { EventStream as AmiEventStream } from './event-stream.js';
export type { DispatcherHooks, PendingSpec, PendingMode } from './dispatcher.js';
export { headersOf, exactHeader, eventName } from './convert.js';
export { LIST_ACTIONS, CONDITIONAL_LIST_ACTIONS, LIST_COMPLETE_EVENTS } from './spec-types.js';
export type { ActionParams, AmiEventMap, ParamsOf, EventOf, ListActionName } from './spec-types.js';
export type {
  AmiClientOptions,
  AmiEvent,
  AmiHeaders,
  AmiListResult,
  AmiResponse,
  AnyParams,
  ClientState,
  EventFilter,
  EventsOptions,
  HeaderValue,
  ParamValue,
  ReconnectOptions,
  SendOptions,
} from './types.js';

/**
 * The bridge to the generated, spec-derived types (src/client/generated/types.ts, produced by
 * scripts/gen-types.ts from spec/*.json): typed parameters per action, typed headers per event, and
 * the list actions.
 */
import type { ActionParams, AmiEventMap, ListActionName } from './generated/types.js';
import type { AmiEvent, AnyParams } from './types.js';

export type { ActionParams, AmiEventMap, ListActionName } from './generated/types.js';
export { LIST_ACTIONS, CONDITIONAL_LIST_ACTIONS, LIST_COMPLETE_EVENTS } from './generated/types.js';

/** Parameters accepted for `action`: the generated shape when known (plus any extra header), any headers otherwise. */
export type ParamsOf<A extends string> = A extends keyof ActionParams
  ? ActionParams[A] & AnyParams & { ActionID?: string }
  : AnyParams;

/** An event's type by name: the generated shape when known. */
export type EventOf<N extends string> = N extends keyof AmiEventMap ? AmiEventMap[N] & AmiEvent : AmiEvent;

/** Names of list actions, for typing `send()` results. */
export type KnownListAction = ListActionName;

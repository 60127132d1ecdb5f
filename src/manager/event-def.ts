/**
 * The one way to define a manager event: its name as the release documents it, its class (the
 * EVENT_FLAG_* it is raised with) and its headers in Asterisk's order. Modules raise a definition
 * with `manager.raise(def, payload)` and list what they can raise, so that a test holds every event
 * against the release's spec.
 */
import type { AmiEventName } from '../client/generated/types.js';
import { classMask, type EventClass } from './action.js';
import type { EventHeaders } from './events.js';

/** amikit's own events, which no Asterisk raises (documented as amikit-only where they are described). */
export const AMIKIT_EVENT_NAMES = ['AuthFailureLimit'] as const;
export type AmikitEventName = (typeof AMIKIT_EVENT_NAMES)[number];

/**
 * An event name of the release's documentation (the generated client types hold them all), a wire
 * name Asterisk's code uses where its documentation differs (`Newexten`, documented NewExten), or
 * one of amikit's own.
 */
export type EventName = AmiEventName | 'Newexten' | AmikitEventName;

export interface EventDefinition<P> {
  readonly name: EventName;
  readonly classes: readonly [EventClass, ...EventClass[]];
  /** The EVENT_FLAG_* mask of `classes`. */
  readonly category: number;
  /** The body headers in Asterisk's order. */
  readonly headers: (payload: P) => EventHeaders;
}

/** Any definition, whatever its payload (for lists of what a module can raise). */
export type AnyEventDefinition = EventDefinition<never>;

export function defineEvent<P>(
  name: EventName,
  classes: EventClass | readonly [EventClass, ...EventClass[]],
  headers: (payload: P) => EventHeaders,
): EventDefinition<P> {
  const list: readonly [EventClass, ...EventClass[]] = typeof classes === 'string' ? [classes] : classes;
  return { name, classes: list, category: classMask(list), headers };
}

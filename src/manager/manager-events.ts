/**
 * The events the manager itself raises (main/manager.c, security_events.c): Reload, UserEvent and
 * the AMI security events.
 */
import { defineEvent, type AnyEventDefinition, type EventDefinition } from './event-def.js';
import type { EventHeaders } from './events.js';

/** ast_module_reload()'s Reload: the module asked for (or All) and enum ast_module_reload_result. */
export const RELOAD = defineEvent<{ module: string; status: string }>('Reload', 'system', (p) => [
  ['Module', p.module],
  ['Status', p.status],
]);

/** The UserEvent action: `UserEvent: <name>`, then the client's own lines (raw body). */
export const USER_EVENT = defineEvent<{ userEvent: string }>('UserEvent', 'user', (p) => [
  ['UserEvent', p.userEvent],
]);

/** Security events are laid out by Manager.securityEvent (security_events.c's common fields). */
const security = (name: SecurityEventName): EventDefinition<EventHeaders> =>
  defineEvent<EventHeaders>(name, 'security', (h) => h);

const SECURITY_NAMES = [
  'InvalidAccountID',
  'FailedACL',
  'ChallengeResponseFailed',
  'ChallengeSent',
  'InvalidPassword',
  'SuccessfulAuth',
  'RequestBadFormat',
  'RequestNotAllowed',
  'SessionLimit',
] as const;

export type SecurityEventName = (typeof SECURITY_NAMES)[number];

export const SECURITY_EVENTS = Object.fromEntries(SECURITY_NAMES.map((n) => [n, security(n)])) as Record<
  SecurityEventName,
  EventDefinition<EventHeaders>
>;

/**
 * amikit only: a source passed authfaillimit (manager.conf or sip.conf); headers laid out by
 * authFailureLimitHeaders().
 */
export const AUTH_FAILURE_LIMIT = defineEvent<EventHeaders>('AuthFailureLimit', 'security', (h) => h);

/** Everything the manager core can raise. */
export const MANAGER_EVENTS: readonly AnyEventDefinition[] = [
  RELOAD,
  USER_EVENT,
  ...Object.values(SECURITY_EVENTS),
  AUTH_FAILURE_LIMIT,
];

/**
 * The one way to define a manager action, as Asterisk's ast_manager_register_xml() does: the name,
 * the privilege classes the registration passes (stated by every action, no default), whether it
 * answers with an event list, its handler, and where its documentation comes from.
 */
import { EVENT_FLAG } from '../config/permissions.js';
import type { ActionContext } from './context.js';

export type ActionHandler = (ctx: ActionContext) => void | Promise<void>;

/** The EVENT_FLAG_* classes by their manager.conf names. */
export type EventClass = Lowercase<Exclude<keyof typeof EVENT_FLAG, 'ALL'>>;

/**
 * What a registration passes as privilege: one class or more, or `'none'` (Asterisk's 0: any
 * authenticated session may run it, as Ping and the Queue* readers).
 */
export type Privilege = 'none' | readonly [EventClass, ...EventClass[]];

export interface ActionParam {
  name: string;
  required: boolean;
}

/**
 * Where the documentation (synopsis, arguments, `manager show command`) comes from: `'asterisk'`,
 * Asterisk's own XML documentation in the release's spec documents; or written here, for amikit's
 * own actions.
 */
export type ActionDocSource = 'asterisk' | { synopsis: string; params?: readonly ActionParam[] };

export interface ActionSpec {
  name: string;
  privilege: Privilege;
  /** Answers with `EventList: start` ... `...Complete` (default no); `'conditional'`: some requests only. */
  list?: boolean | 'conditional';
  /** Default `'asterisk'`. */
  doc?: ActionDocSource;
  handler: ActionHandler;
}

/** The EVENT_FLAG_* mask of some classes. */
export function classMask(classes: readonly EventClass[]): number {
  let mask = 0;
  for (const c of classes) mask |= EVENT_FLAG[c.toUpperCase() as Uppercase<EventClass>] ?? 0;
  return mask;
}

/** The EVENT_FLAG_* mask of a privilege. Throws when there is none: a start-up error, not a silent 0. */
export function privilegeMask(name: string, privilege: Privilege | undefined): number {
  if (privilege === 'none') return 0;
  if (!Array.isArray(privilege) || privilege.length === 0) {
    throw new Error(`Manager: action '${name}' registered without a privilege (give its classes or 'none')`);
  }
  for (const cls of privilege as readonly string[]) {
    if (classMask([cls as EventClass]) === 0) {
      throw new Error(`Manager: action '${name}' has an unknown privilege class '${cls}'`);
    }
  }
  return classMask(privilege);
}

/** An action whose handler also takes its module's environment (bound at start by {@link bindActions}). */
export type ActionWith<E> = Omit<ActionSpec, 'handler'> & {
  run: (env: E, ctx: ActionContext) => void | Promise<void>;
};

/** Gives a table of actions their module's environment. */
export function bindActions<E>(env: E, table: readonly ActionWith<E>[]): ActionSpec[] {
  return table.map(({ run, ...a }) => ({ ...a, handler: (ctx: ActionContext) => run(env, ctx) }));
}

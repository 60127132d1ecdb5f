/**
 * Action registry: name (case-insensitive) -> privilege and handler, listed in Asterisk's order
 * (ast_manager_register_struct keeps the list sorted with strcasecmp).
 */
import type { ActionDocSource, ActionHandler, Privilege } from './action.js';

export type { ActionHandler } from './action.js';

export interface ActionDefinition {
  name: string;
  /** EVENT_FLAG_* mask; 0 = any authenticated session may run it. */
  privilege: number;
  /** One line shown by ListCommands and `manager show commands`. */
  synopsis: string;
  handler: ActionHandler;
  /** The module that registered it (for `module show` style listings). */
  module?: string;
  /** As the module declared it (absent on definitions made by hand, as some tests do). */
  declared?: { privilege: Privilege; list: boolean | 'conditional'; doc: ActionDocSource };
}

export class ActionRegistry {
  private readonly byName = new Map<string, ActionDefinition>();
  private sorted: ActionDefinition[] | null = null;

  register(def: ActionDefinition): void {
    if (!Number.isInteger(def.privilege)) {
      throw new Error(`Manager: action '${def.name}' registered without a privilege`);
    }
    const key = def.name.toLowerCase();
    if (this.byName.has(key)) throw new Error(`Manager: Action '${def.name}' already registered`);
    this.byName.set(key, def);
    this.sorted = null;
  }

  unregister(name: string): void {
    if (this.byName.delete(name.toLowerCase())) this.sorted = null;
  }

  find(name: string): ActionDefinition | undefined {
    return this.byName.get(name.toLowerCase());
  }

  list(): readonly ActionDefinition[] {
    if (this.sorted === null) {
      this.sorted = [...this.byName.values()].sort((a, b) => caseCompare(a.name, b.name));
    }
    return this.sorted;
  }
}

/** strcasecmp ordering (ASCII lower-case compare). */
export function caseCompare(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

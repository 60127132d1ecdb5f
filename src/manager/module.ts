/**
 * A feature module (like Asterisk's apps/ and channels/): it registers actions and CLI commands and
 * raises events through the manager. Adding a feature means adding a module, not touching sessions.
 * A module names the modules it needs (Asterisk's `.requires`); the manager starts them first.
 */
import type { Manager } from './manager.js';
import type { AnyEventDefinition } from './event-def.js';

export interface AmiModule {
  readonly name: string;
  /** Modules that must be started before this one; a missing one is a start-up error. */
  readonly requires?: readonly string[];
  /** Every event it can raise (held against the release's spec by the tests). */
  readonly events?: readonly AnyEventDefinition[];
  /** Register actions/CLI commands, subscribe to domain events. */
  start(manager: Manager): void | Promise<void>;
  /** Re-read the module's configuration (Reload action / SIGHUP). */
  reload?(manager: Manager): void | Promise<void>;
  stop?(): void | Promise<void>;
}

/**
 * The order to start `modules` in: each after the modules it requires, otherwise as given.
 * `running` names modules already started. Throws on a duplicate, a missing module or a cycle.
 */
export function loadOrder(
  modules: readonly AmiModule[],
  running: ReadonlySet<string> = new Set(),
): AmiModule[] {
  const byName = new Map<string, AmiModule>();
  for (const m of modules) {
    if (byName.has(m.name) || running.has(m.name)) throw new Error(`module '${m.name}' is loaded twice`);
    byName.set(m.name, m);
  }
  const out: AmiModule[] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (m: AmiModule): void => {
    if (done.has(m.name)) return;
    const at = path.indexOf(m.name);
    if (at >= 0) throw new Error(`module dependency cycle: ${[...path.slice(at), m.name].join(' -> ')}`);
    path.push(m.name);
    for (const dep of m.requires ?? []) {
      if (running.has(dep)) continue;
      const d = byName.get(dep);
      if (!d) throw new Error(`module '${m.name}' requires '${dep}', which is not loaded`);
      visit(d);
    }
    path.pop();
    done.add(m.name);
    out.push(m);
  };
  for (const m of modules) visit(m);
  return out;
}

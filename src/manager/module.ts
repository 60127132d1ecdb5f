/**
 * A feature module (like Asterisk's apps/ and channels/): it registers actions and CLI commands and
 * raises events through the manager. Adding a feature means adding a module, not touching sessions.
 */
import type { Manager } from './manager.js';

export interface AmiModule {
  readonly name: string;
  /** Register actions/CLI commands, subscribe to domain events. */
  start(manager: Manager): void | Promise<void>;
  /** Re-read the module's configuration (Reload action / SIGHUP). */
  reload?(manager: Manager): void | Promise<void>;
  stop?(): void | Promise<void>;
}

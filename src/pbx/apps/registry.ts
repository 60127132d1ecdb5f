/**
 * Dialplan applications by name (case-insensitive, as pbx_findapp). Modules register more
 * (the queue module adds `Queue`).
 */
import type { Channel } from '../channel.js';
import type { Pbx } from '../pbx.js';

/** 0: continue with the next priority; -1: hang up; 'jump': the app moved the channel itself. */
export type AppResult = 0 | -1 | 'jump';

export interface AppContext {
  pbx: Pbx;
  channel: Channel;
}

export type Application = (ctx: AppContext, data: string) => AppResult | Promise<AppResult>;

export interface AppInfo {
  name: string;
  run: Application;
  synopsis: string;
}

export class AppRegistry {
  private readonly apps = new Map<string, AppInfo>();

  register(name: string, run: Application, synopsis = ''): void {
    this.apps.set(name.toLowerCase(), { name, run, synopsis });
  }

  unregister(name: string): void {
    this.apps.delete(name.toLowerCase());
  }

  get(name: string): AppInfo | undefined {
    return this.apps.get(name.toLowerCase());
  }

  list(): AppInfo[] {
    return [...this.apps.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

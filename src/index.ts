/**
 * amikit's public entry: start a server in-process, and the building blocks below it.
 * The client library is `amikit/client`.
 */
export { startAmikit, DEMO_DIR, DEMO_CREDENTIALS, type ServeOptions, type RunningServer } from './server.js';
export { Manager } from './manager/manager.js';
export { loadOrder, type AmiModule } from './manager/module.js';
export type { ActionSpec, ActionWith, ActionHandler, EventClass, Privilege } from './manager/action.js';
export { defineEvent, type EventDefinition, type EventName } from './manager/event-def.js';
export {
  ASTERISK_20,
  ASTERISK_22,
  DEFAULT_PROFILE,
  PROFILES,
  profileFor,
  type ChannelDriver,
  type ReleaseProfile,
} from './profiles/index.js';
export type { ActionContext } from './manager/context.js';
export { LocalEventBus, type EventBus } from './manager/bus.js';
export { AmiEvent } from './manager/events.js';
export { EVENT_FLAG, getPerm, authorityToString } from './config/permissions.js';
export * from './protocol/index.js';
export { parseConfFile, parseConfText, loadManagerConf, loadHttpConf } from './config/index.js';
export { ConfSyntaxError } from './config/types.js';

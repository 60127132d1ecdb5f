/** Public surface of the simulated telephony core (knows nothing of AMI). */
export { Pbx, type PbxOptions, type PbxStats } from './pbx.js';
export { createPbxFromConfigDir, sipPeersFrom, cdrOptionsFrom } from './load.js';
export { RealClock, VirtualClock, sleep, type Clock, type TimerHandle } from './clock.js';
export { Prng } from './prng.js';
export { IdAllocator } from './ids.js';
export { Cause, SoftHangup, causeText, causeFromName, allCauses } from './causes.js';
export {
  Channel,
  ChannelState,
  stateDesc,
  parseCallerId,
  formatCallerId,
  type ChannelSnapshot,
  type Control,
} from './channel.js';
export { Bridge, type BridgeSnapshot } from './bridge.js';
export {
  PbxEmitter,
  type PbxEvents,
  type PbxEventName,
  type PbxListener,
  type AnyListener,
} from './events.js';
export { Dialplan, loadDialplan, type Context, type Extension, type Priority } from './dialplan.js';
export { extenMatches, compareExtensions } from './extpattern.js';
export { evaluateExpression } from './expr.js';
export { substitute } from './substitute.js';
export { FunctionRegistry, type DialplanFunction, type FuncEnv } from './functions.js';
export {
  AppRegistry,
  type Application,
  type AppContext,
  type AppResult,
  type AppInfo,
} from './apps/registry.js';
export { setSoundLength, soundLength } from './apps/sounds.js';
export { waitFull } from './apps/wait.js';
export { execApp } from './runner.js';
export { ring, releasePeer, type DialStatus, type RingOptions, type RingResult } from './dialing.js';
export {
  EndpointRegistry,
  DEFAULT_BEHAVIOUR,
  isEndpointMode,
  type EndpointBehaviour,
  type EndpointMode,
} from './endpoints.js';
export {
  DeviceState,
  ExtensionState,
  deviceStateName,
  deviceStateText,
  deviceStateFromName,
  extensionStateText,
  type DeviceStateNum,
} from './devicestate.js';
export { AstDb, type DbEntry } from './astdb.js';
export { csvLine, formatCdrTime, type CdrRecord } from './cdr.js';
export { OriginateReason, type OriginateOptions, type OriginateOutcome } from './originate.js';
export { isKnownTech, parseLocalResource, type RequestOptions, type RequestResult } from './techs.js';

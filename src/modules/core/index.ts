/**
 * The core module: the AMI surface of the simulated telephony core (issue 4). It registers the
 * channel, dialplan, state and astdb actions with Asterisk's privileges and synopses, the CLI
 * commands the Command action runs, our `Sim*` control actions (class `test`), forwards the
 * PBX's domain events to the sessions and feeds CoreStatus/CoreSettings.
 *
 * `startPbxForConfig` builds the PBX from an Asterisk configuration directory (extensions.conf,
 * sip.conf, simulation.conf, cdr.conf, cdr_manager.conf) and adds the module to a manager.
 */
import { registerGauge } from '../../manager/metrics.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile, firstSection, entriesOf } from '../../config/index.js';
import { formatWarning, type ConfDocument } from '../../config/types.js';
import type { ActionContext } from '../../manager/context.js';
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import { EVENT_FLAG } from '../../config/permissions.js';
import { actionPrivilege, actionSynopsis } from '../../spec.js';
import type { Channel } from '../../pbx/channel.js';
import { RealClock, VirtualClock, type Clock } from '../../pbx/clock.js';
import type { AnyListener } from '../../pbx/events.js';
import type { Pbx } from '../../pbx/pbx.js';
import { createPbxFromConfigDir } from '../../pbx/load.js';
import { forwardPbxEvents } from './events.js';
import { channelHeaders } from './snapshots.js';
import * as chan from './channel-actions.js';
import * as info from './info-actions.js';
import { registerCoreCli } from './cli.js';
import * as sim from './sim.js';
import { astTrue } from '../../config/cstr.js';

export interface CoreModuleOptions {
  /** cdr.conf [general] enable: reported by CoreSettings (CoreCDRenabled). Default true. */
  cdrEnabled?: boolean;
  /** cdr_manager.conf [general] enabled: whether Cdr events reach AMI. Default true. */
  cdrManager?: boolean;
  /** The PRNG seed the PBX was built with (shown by SimStatus). */
  seed?: number;
  /** Close the PBX (astdb, timers) when the module stops. Default false. */
  ownsPbx?: boolean;
  /** chan_sip's simulation hooks (`SipModule.sim`): adds the SimPeer action. */
  sipSim?: sim.SipSimControl;
}

/** Our own actions: class `test`, synopses shown by ListCommands. */
const SIM_ACTIONS: Array<{ name: string; synopsis: string }> = [
  { name: 'SimCall', synopsis: 'Make a simulated phone call the PBX (amikit).' },
  { name: 'SimClock', synopsis: 'Control the simulation clock (amikit).' },
  { name: 'SimEndpoint', synopsis: 'Set the behaviour of a simulated endpoint (amikit).' },
  { name: 'SimEndpointList', synopsis: 'List the behaviours of the simulated endpoints (amikit).' },
  { name: 'SimStatus', synopsis: 'Show the state of the simulated telephony core (amikit).' },
];

export function createCoreModule(pbx: Pbx, opts: CoreModuleOptions = {}): AmiModule {
  const offs: Array<() => void> = [];
  let stopped = false;
  let mgr: Manager | undefined;
  return {
    name: 'core',
    start(manager: Manager) {
      mgr = manager;
      registerGauge(manager, {
        name: 'amikit_channels',
        help: 'Active channels',
        collect: () => pbx.stats().activeChannels,
      });
      const lookup = (channel: string, name: string): string | undefined => {
        const c = pbx.findChannel(channel);
        // Unset channelvars are reported empty (channel_get_external_vars).
        return c ? (pbx.getVar(c, name) ?? '') : undefined;
      };
      const age = (ch: Channel): number =>
        Math.max(0, Math.floor((pbx.clock.now() - ch.creationTime) / 1000));
      const env: chan.CoreEnv = {
        pbx,
        chan: (ch, prefix = '') =>
          channelHeaders(ch.snapshot(), prefix, manager.config.general.channelvars, lookup),
        age,
      };
      const activeCalls = (): number => pbx.channels().filter((c) => c.inPbx).length;
      const processedCalls = (): number => pbx.stats().callsProcessed;

      const reg = (name: string, handler: (ctx: ActionContext) => void | Promise<void>): void =>
        manager.registry.register({
          name,
          privilege: actionPrivilege(name),
          synopsis: actionSynopsis(name),
          handler,
          module: 'core',
        });
      const withEnv =
        (fn: (e: chan.CoreEnv, ctx: ActionContext) => void | Promise<void>) => (ctx: ActionContext) =>
          fn(env, ctx);
      const withPbx = (fn: (p: Pbx, ctx: ActionContext) => void) => (ctx: ActionContext) => fn(pbx, ctx);

      reg('Originate', withEnv(chan.actionOriginate));
      reg('Hangup', withEnv(chan.actionHangup));
      reg('Redirect', withEnv(chan.actionRedirect));
      reg('Getvar', withEnv(chan.actionGetvar));
      reg('Setvar', withEnv(chan.actionSetvar));
      reg('Status', withEnv(chan.actionStatus));
      reg('CoreShowChannels', withEnv(chan.actionCoreShowChannels));
      reg('CoreShowChannelMap', withEnv(chan.actionCoreShowChannelMap));
      reg('AbsoluteTimeout', withEnv(chan.actionAbsoluteTimeout));
      reg('SendText', withEnv(chan.actionSendText));
      reg('PlayDTMF', withEnv(chan.actionPlayDtmf));
      reg('BlindTransfer', withEnv(chan.actionBlindTransfer));
      reg('Atxfer', withEnv(chan.actionAtxfer));
      reg('Bridge', withEnv(chan.actionBridge));
      reg('BridgeList', withEnv(chan.actionBridgeList));
      reg('BridgeInfo', withEnv(chan.actionBridgeInfo));
      reg('LocalOptimizeAway', withEnv(chan.actionLocalOptimizeAway));
      reg('ShowDialPlan', withPbx(info.actionShowDialPlan));
      reg('ExtensionState', withPbx(info.actionExtensionState));
      reg('ExtensionStateList', withPbx(info.actionExtensionStateList));
      reg('DeviceStateList', withPbx(info.actionDeviceStateList));
      reg('DBGet', withPbx(info.actionDbGet));
      reg('DBPut', withPbx(info.actionDbPut));
      reg('DBDel', withPbx(info.actionDbDel));
      reg('DBDelTree', withPbx(info.actionDbDelTree));
      reg('DBGetTree', withPbx(info.actionDbGetTree));

      const simEnv: sim.SimEnv = { pbx, activeCalls, seed: opts.seed };
      const simHandlers: Record<string, (ctx: ActionContext) => void | Promise<void>> = {
        SimCall: (ctx) => sim.actionSimCall(simEnv, ctx),
        SimClock: (ctx) => sim.actionSimClock(simEnv, ctx),
        SimEndpoint: (ctx) => sim.actionSimEndpoint(simEnv, ctx),
        SimEndpointList: (ctx) => sim.actionSimEndpointList(simEnv, ctx),
        SimStatus: (ctx) => sim.actionSimStatus(simEnv, ctx),
      };
      const sipSim = opts.sipSim;
      if (sipSim)
        manager.registry.register({
          name: 'SimPeer',
          privilege: EVENT_FLAG.TEST,
          synopsis: "Simulate a SIP peer's registration (amikit).",
          handler: (ctx) => sim.actionSimPeer(sipSim, ctx),
          module: 'core',
        });
      for (const a of SIM_ACTIONS)
        manager.registry.register({
          name: a.name,
          privilege: EVENT_FLAG.TEST,
          synopsis: a.synopsis,
          handler: simHandlers[a.name],
          module: 'core',
        });

      registerCoreCli(manager, { pbx, age, activeCalls, processedCalls });
      sim.registerSimCli(manager, simEnv);

      // CoreStatus: CoreCurrentCalls is ast_active_channels(), CoreProcessedCalls ast_processed_calls().
      manager.currentCalls = () => pbx.channels().length;
      Object.defineProperty(manager, 'processedCalls', {
        get: processedCalls,
        set: () => undefined,
        configurable: true,
      });
      manager.features.cdr = opts.cdrEnabled ?? true;

      const cdrManager = opts.cdrManager ?? true;
      const onAny = (fn: AnyListener): (() => void) =>
        pbx.onAny((name, payload) => {
          if (name === 'Cdr' && !cdrManager) return;
          fn(name, payload);
        });
      offs.push(forwardPbxEvents(manager, onAny, lookup));
    },
    stop() {
      if (stopped) return;
      stopped = true;
      for (const off of offs.splice(0)) off();
      if (opts.ownsPbx) {
        if (pbx.clock instanceof VirtualClock) pbx.clock.stopRealtime();
        // Calls end with the server: their timers must not keep the process alive.
        // One half of a Local pair only: the other follows (hanging up both at once recurses).
        for (const ch of pbx.channels()) {
          if (ch.dead || (ch.localHalf === 2 && ch.localPeer && !ch.localPeer.dead)) continue;
          try {
            pbx.hangupNow(ch);
          } catch (e) {
            mgr?.log.error({ err: e, channel: ch.name }, 'hangup at shutdown failed');
          }
        }
        for (const ch of pbx.channels()) if (!ch.dead) pbx.hangupNow(ch);
        pbx.close();
      }
    },
  };
}

// ---- building the PBX from a configuration directory ----------------------------------------

export interface PbxConfigOptions {
  /** A clock to use; default: a VirtualClock when `virtual`, else the real clock. */
  clock?: Clock;
  /** Run on a VirtualClock (tests, simulation); with `speed` > 0 it follows real time at that rate. */
  virtual?: boolean;
  speed?: number;
  seed?: number;
  /** Directory for astdb.sqlite3 and cdr-csv/ (undefined: in-memory astdb, no CSV). */
  dataDir?: string;
  /** Answer()'s media wait on Local channels (Asterisk: 500 ms). */
  answerMediaWaitMs?: number;
  /** chan_sip's simulation hooks (`SipModule.sim`), for the SimPeer action. */
  sipSim?: sim.SipSimControl;
}

export interface RunningPbx {
  pbx: Pbx;
  module: AmiModule;
  /** Warnings from the configuration files (unknown keys, bad lines). */
  warnings: string[];
  stop(): Promise<void>;
}

function readConf(dir: string, name: string): ConfDocument | undefined {
  const p = join(dir, name);
  return existsSync(p) ? parseConfFile(p, { baseDir: dir }) : undefined;
}

/** Builds the PBX of an Asterisk configuration directory and adds the core module to `manager`. */
export async function startPbxForConfig(
  configDir: string,
  manager: Manager,
  opts: PbxConfigOptions = {},
): Promise<RunningPbx> {
  const cdrConf = readConf(configDir, 'cdr.conf');
  const cdrManagerConf = readConf(configDir, 'cdr_manager.conf');
  const get = (doc: ConfDocument | undefined, section: string, key: string): string | undefined => {
    const sec = doc ? firstSection(doc, section) : undefined;
    return sec ? entriesOf(sec, key).pop()?.value : undefined;
  };
  const flag = (v: string | undefined, dflt: boolean): boolean => (v === undefined ? dflt : astTrue(v));
  const cdrEnabled = flag(get(cdrConf, 'general', 'enable'), true);
  const clock = opts.clock ?? (opts.virtual ? new VirtualClock(Date.now()) : new RealClock());
  const seed = opts.seed ?? 1;
  const pbx = createPbxFromConfigDir(configDir, {
    clock,
    seed,
    dataDir: opts.dataDir,
    ...(opts.answerMediaWaitMs !== undefined ? { answerMediaWaitMs: opts.answerMediaWaitMs } : {}),
  });
  const warnings: string[] = [];
  for (const w of pbx.dialplan.warnings) warnings.push(formatWarning(w));
  for (const w of pbx.endpoints.warnings) warnings.push(`simulation.conf: ${w}`);
  if (clock instanceof VirtualClock && opts.speed && opts.speed > 0) clock.startRealtime(opts.speed);
  const module = createCoreModule(pbx, {
    cdrEnabled,
    cdrManager: flag(get(cdrManagerConf, 'general', 'enabled'), false),
    seed,
    ownsPbx: true,
    sipSim: opts.sipSim,
  });
  await manager.addModule(module);
  return {
    pbx,
    module,
    warnings,
    stop: async () => {
      if (clock instanceof VirtualClock) clock.stopRealtime();
      await module.stop?.();
    },
  };
}

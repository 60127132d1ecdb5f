/**
 * The core module: the AMI surface of the simulated telephony core (issue 4). It registers the
 * channel, dialplan, state and astdb actions with Asterisk's privileges and synopses, the CLI
 * commands the Command action runs, our `Sim*` control actions (class `test`), forwards the
 * PBX's domain events to the sessions and feeds CoreStatus/CoreSettings.
 *
 * `buildPbxForConfig` builds the PBX from an Asterisk configuration directory (extensions.conf,
 * sip.conf, simulation.conf, cdr.conf, cdr_manager.conf), `createConfiguredCore` its module;
 * `startPbxForConfig` does both and adds the module to a manager.
 */
import { registerGauge } from '../../manager/metrics.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfFile, firstSection, entriesOf } from '../../config/index.js';
import { formatWarning, type ConfDocument } from '../../config/types.js';
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import type { Channel } from '../../pbx/channel.js';
import { RealClock, VirtualClock, type Clock } from '../../pbx/clock.js';
import type { AnyListener } from '../../pbx/events.js';
import type { Pbx } from '../../pbx/pbx.js';
import { createPbxFromConfigDir } from '../../pbx/load.js';
import { CORE_EVENT_LIST, forwardPbxEvents } from './events.js';
import { channelHeaders } from './snapshots.js';
import type * as chan from './channel-actions.js';
import { coreActions } from './actions.js';
import { registerCoreCli } from './cli.js';
import * as sim from './sim.js';
import { astTrue, scanfInt } from '../../config/cstr.js';

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

export function createCoreModule(pbx: Pbx, opts: CoreModuleOptions = {}): AmiModule {
  const offs: Array<() => void> = [];
  let stopped = false;
  let mgr: Manager | undefined;
  return {
    name: 'core',
    requires: ['manager'],
    events: CORE_EVENT_LIST,
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

      const simEnv: sim.SimEnv = { pbx, activeCalls, seed: opts.seed };
      manager.addActions('core', coreActions(env, simEnv, opts.sipSim));

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
  /**
   * The channel technologies of the release besides Local (its channel drivers'). Given without `SIP`,
   * sip.conf is not read and `SIP/...` is no technology; absent, every technology amikit implements
   * exists and sip.conf's peers are read.
   */
  techs?: readonly string[];
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

/** A telephony core built from a configuration directory, before its AMI module exists. */
export interface ConfiguredPbx {
  pbx: Pbx;
  /** Warnings from the configuration files (unknown keys, bad lines). */
  warnings: string[];
  /** What cdr.conf, cdr_manager.conf and the seed decide for the core module. */
  coreOptions: CoreModuleOptions;
}

/**
 * asterisk.conf `[options]`: `maxcalls` as options.c reads it (`%30d`; unreadable or negative is
 * 0, no limit) and amikit's own `maxchannels` (Asterisk ignores an option it does not know; unset
 * or not a positive number leaves the default ceiling).
 */
export function callLimitsFrom(
  maxcalls: string | undefined,
  maxchannels: string | undefined,
): { maxCalls: number; maxChannels?: number } {
  const calls = maxcalls === undefined ? 0 : (scanfInt(maxcalls) ?? 0);
  const chans = maxchannels === undefined ? undefined : scanfInt(maxchannels);
  return {
    maxCalls: calls > 0 ? calls : 0,
    ...(chans !== undefined && chans > 0 ? { maxChannels: chans } : {}),
  };
}

/** Builds the PBX of an Asterisk configuration directory (extensions.conf, simulation.conf, cdr*.conf, asterisk.conf). */
export function buildPbxForConfig(configDir: string, opts: PbxConfigOptions = {}): ConfiguredPbx {
  const cdrConf = readConf(configDir, 'cdr.conf');
  const cdrManagerConf = readConf(configDir, 'cdr_manager.conf');
  const get = (doc: ConfDocument | undefined, section: string, key: string): string | undefined => {
    const sec = doc ? firstSection(doc, section) : undefined;
    return sec ? entriesOf(sec, key).pop()?.value : undefined;
  };
  const flag = (v: string | undefined, dflt: boolean): boolean => (v === undefined ? dflt : astTrue(v));
  const cdrEnabled = flag(get(cdrConf, 'general', 'enable'), true);
  const asteriskConf = readConf(configDir, 'asterisk.conf');
  const callLimits = callLimitsFrom(
    get(asteriskConf, 'options', 'maxcalls'),
    get(asteriskConf, 'options', 'maxchannels'),
  );
  const clock = opts.clock ?? (opts.virtual ? new VirtualClock(Date.now()) : new RealClock());
  const seed = opts.seed ?? 1;
  const pbx = createPbxFromConfigDir(configDir, {
    sipConf: (opts.techs ?? ['SIP']).some((t) => t.toLowerCase() === 'sip'),
    techs: opts.techs ? ['Local', ...opts.techs] : undefined,
    clock,
    seed,
    dataDir: opts.dataDir,
    ...callLimits,
    ...(opts.answerMediaWaitMs !== undefined ? { answerMediaWaitMs: opts.answerMediaWaitMs } : {}),
  });
  const warnings: string[] = [];
  for (const w of pbx.dialplan.warnings) warnings.push(formatWarning(w));
  for (const w of pbx.endpoints.warnings) warnings.push(`simulation.conf: ${w}`);
  if (clock instanceof VirtualClock && opts.speed && opts.speed > 0) clock.startRealtime(opts.speed);
  const coreOptions: CoreModuleOptions = {
    cdrEnabled,
    cdrManager: flag(get(cdrManagerConf, 'general', 'enabled'), false),
    seed,
    ownsPbx: true,
  };
  return { pbx, warnings, coreOptions };
}

/** The core module of a configured PBX; stopping it closes the PBX. */
export function createConfiguredCore(built: ConfiguredPbx, sipSim?: sim.SipSimControl): RunningPbx {
  const { pbx, warnings } = built;
  const module = createCoreModule(pbx, { ...built.coreOptions, sipSim });
  return {
    pbx,
    module,
    warnings,
    stop: async () => {
      if (pbx.clock instanceof VirtualClock) pbx.clock.stopRealtime();
      await module.stop?.();
    },
  };
}

/** Builds the PBX of an Asterisk configuration directory and adds the core module to `manager`. */
export async function startPbxForConfig(
  configDir: string,
  manager: Manager,
  opts: PbxConfigOptions = {},
): Promise<RunningPbx> {
  const running = createConfiguredCore(buildPbxForConfig(configDir, opts), opts.sipSim);
  await manager.addModule(running.module);
  return running;
}

/**
 * The chan_sip module: SIP peers and registrations over real UDP (core.ts) with chan_sip's AMI
 * surface (SIPpeers, SIPshowpeer, SIPpeerstatus, SIPqualifypeer, SIPshowregistry, SIPnotify), its
 * events (PeerStatus, Registry, SIPQualifyPeerDone), its CLI commands, and `SIP/<peer>` device states.
 */
import type { ActionContext } from '../../manager/context.js';
import type { Manager } from '../../manager/manager.js';
import type { AmiModule } from '../../manager/module.js';
import type { CliResult } from '../../manager/cli.js';
import type { ActionSpec } from '../../manager/action.js';
import type { Logger } from '../../logger.js';
import { DEFAULT_PROFILE, sipUserAgent, type ReleaseProfile } from '../../profiles/index.js';
import { loadSipConf, type SipConfig } from './config.js';
import { createSipEvents, SIP_EVENTS, SIP_QUALIFY_PEER_DONE } from './events.js';
import { SipCore, type DeviceStateSink, type SipClock, type SimResult } from './core.js';
import {
  cliShowPeer,
  cliShowPeers,
  cliShowRegistry,
  peerEntryFields,
  peerStatusListFields,
  registryEntryFields,
  showPeerFields,
} from './format.js';

export type { DeviceStateSink, SipClock, SimResult } from './core.js';
export { SipCore } from './core.js';

export interface SipModuleOptions {
  /** Directory holding sip.conf (a missing file means no peers). */
  configDir: string;
  /** `amikit serve --sip-port`: listen here instead of udpbindaddr/bindport. */
  bindOverride?: { host?: string; port?: number };
  /** A socket that cannot bind is left to the caller (core.bindFailure) instead of logged. */
  strictBind?: boolean;
  /** The address to bind when sip.conf names none (Asterisk: every address). */
  defaultBindHost?: string;
  deviceState?: DeviceStateSink;
  /** Timers for qualify/registrations (pbx/clock's Clock); real timers by default. */
  clock?: SipClock;
  log: Logger;
  /** Read sip.conf from here instead (tests). */
  loadConfig?: () => SipConfig;
  /** The release (its version is chan_sip's default User-Agent); the default release when absent. */
  profile?: ReleaseProfile;
}

export interface SipModule extends AmiModule {
  /** The running SIP side (after start). */
  readonly core: SipCore;
  /** Where SIP listens (after start). */
  address(): { host: string; port: number };
  /** Simulated peers, for the core's Sim* actions and CLI. */
  readonly sim: {
    register(
      peer: string,
      opts?: { host?: string; port?: number; expires?: number; useragent?: string; latencyMs?: number },
    ): SimResult;
    unregister(peer: string): SimResult;
    unreachable(peer: string): SimResult;
    latency(peer: string, ms: number): SimResult;
    reset(peer: string): SimResult;
  };
  /** `SIP/<peer>` state as chan_sip's devicestate callback gives it without calls (INVALID when unknown). */
  deviceState(peer: string): string;
  /** Names of the configured peers (type=peer/friend), in configuration order. */
  peerNames(): Array<{ name: string; context: string }>;
}

const CLI_USAGE = {
  peers:
    'Usage: sip show peers [like <pattern>]\n       Lists all known SIP peers.\n       Optional regular expression pattern is used to filter the peer list.',
  peer: 'Usage: sip show peer <name> [load]\n       Shows all details on one SIP peer and the current status.\n       Option "load" forces lookup of peer in realtime storage.',
  registry: 'Usage: sip show registry\n       Lists all registration requests and status.',
  qualify:
    'Usage: sip qualify peer <name> [load]\n       Requests a response from one SIP peer and the current status.\n       Option "load" forces lookup of peer in realtime storage.',
};

/** astman_get_variables_order(ORDER_NATURAL): every Variable header, comma lists split, name=value. */
function notifyVariables(ctx: ActionContext): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of ctx.getAll('Variable')) {
    for (const item of line.split(',')) {
      const eq = item.indexOf('=');
      if (eq <= 0) continue;
      out.push([item.slice(0, eq), item.slice(eq + 1)]);
    }
  }
  return out;
}

export function createSipModule(opts: SipModuleOptions): SipModule {
  const useragent = sipUserAgent(opts.profile ?? DEFAULT_PROFILE);
  const load = opts.loadConfig ?? ((): SipConfig => loadSipConf(opts.configDir, useragent));
  let manager: Manager | null = null;
  const core = new SipCore({
    config: load(),
    log: opts.log,
    deviceState: opts.deviceState,
    clock: opts.clock,
    bind: opts.bindOverride,
    strictBind: opts.strictBind,
    defaultBindHost: opts.defaultBindHost,
    events: createSipEvents((def, payload) => void manager?.raise(def, payload)),
  });

  const qualifyDone = (actionId: string, peer: string): void => {
    manager?.raise(SIP_QUALIFY_PEER_DONE, { peer, actionId });
  };

  // channels/chan_sip.c's registrations, with the privileges it passes.
  const actions: ActionSpec[] = [
    {
      name: 'SIPpeers',
      privilege: ['system', 'reporting'],
      list: true,
      handler: (ctx) => {
        ctx.listStart('Peer status list will follow');
        const peers = core.sortedPeers();
        for (const p of peers) ctx.listItem('PeerEntry', peerEntryFields(p));
        ctx.listComplete('PeerlistComplete', peers.length);
      },
    },
    {
      name: 'SIPshowpeer',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Peer');
        if (!name) return ctx.error('Peer: <name> missing.');
        const p = core.findPeer(name);
        if (!p) {
          ctx.error(`Peer ${name} not found.`);
          ctx.append('\r\n');
          return;
        }
        ctx.success(showPeerFields(core, p));
      },
    },
    {
      name: 'SIPpeerstatus',
      privilege: ['system'],
      list: true,
      handler: (ctx) => {
        let name = ctx.get('Peer');
        let only = null;
        if (name) {
          if (name.length >= 4 && name.slice(0, 4).toLowerCase() === 'sip/') name = name.slice(4);
          only = core.findPeer(name);
          if (!only) return ctx.error('No such peer');
        }
        ctx.listStart('Peer status will follow');
        const list = only ? [only] : core.hashOrderPeers();
        for (const p of list) {
          const f = peerStatusListFields(p);
          ctx.listItem('PeerStatus', f, f.length);
        }
        ctx.listComplete('SIPpeerstatusComplete', list.length);
      },
    },
    {
      name: 'SIPqualifypeer',
      privilege: ['system', 'reporting'],
      handler: (ctx) => {
        const name = ctx.get('Peer');
        if (!name) return ctx.error('Peer: <name> missing.');
        const p = core.findPeer(name);
        if (!p) return ctx.error('Peer not found');
        ctx.ack('SIP peer found - will qualify');
        core.pokePeer(p, true);
        qualifyDone(ctx.actionId, name);
      },
    },
    {
      name: 'SIPshowregistry',
      privilege: ['system', 'reporting'],
      list: true,
      handler: (ctx) => {
        ctx.listStart('Registrations will follow');
        for (const r of core.registries) ctx.listItem('RegistryEntry', registryEntryFields(r));
        ctx.listComplete('RegistrationsComplete', core.registries.length);
      },
    },
    {
      name: 'SIPnotify',
      privilege: ['system'],
      handler: (ctx) => {
        let chan = ctx.get('Channel');
        if (!chan) return ctx.error('SIPNotify requires a channel name');
        if (chan.slice(0, 4).toLowerCase() === 'sip/') chan = chan.slice(4);
        if (ctx.get('Call-ID')) return ctx.error('Call-ID not found');
        const target = core.notifyTarget(chan);
        if (!target) return ctx.error('Could not create address');
        const headers: Array<[string, string]> = [];
        const content: string[] = [];
        for (const [n, v] of notifyVariables(ctx)) {
          if (n.toLowerCase() === 'content') content.push(v);
          else if (n.toLowerCase() === 'content-length')
            opts.log.warn('it is not necessary to specify Content-Length, ignoring');
          else headers.push([n, v]);
        }
        core.sendNotify(target, headers, content);
        ctx.ack('Notify Sent');
      },
    },
  ];

  const cli = (m: Manager): void => {
    m.cli.register({
      words: ['sip', 'show', 'peers'],
      summary: 'List defined SIP peers',
      usage: CLI_USAGE.peers,
      handler: (args): CliResult => {
        const lines = cliShowPeers(core, args);
        return lines ? { lines } : { lines: CLI_USAGE.peers.split('\n'), failed: true };
      },
    });
    m.cli.register({
      words: ['sip', 'show', 'peer'],
      summary: 'Show details on specific SIP peer',
      usage: CLI_USAGE.peer,
      handler: (args): CliResult => {
        if (args.length < 1) return { lines: CLI_USAGE.peer.split('\n'), failed: true };
        const p = core.findPeer(args[0]);
        if (!p) return { lines: [`Peer ${args[0]} not found.`, ''] };
        return { lines: cliShowPeer(core, p) };
      },
    });
    m.cli.register({
      words: ['sip', 'show', 'registry'],
      summary: 'List SIP registration status',
      usage: CLI_USAGE.registry,
      handler: (args): CliResult => {
        if (args.length) return { lines: CLI_USAGE.registry.split('\n'), failed: true };
        return { lines: cliShowRegistry(core) };
      },
    });
    m.cli.register({
      words: ['sip', 'qualify', 'peer'],
      summary: 'Send an OPTIONS packet to a peer',
      usage: CLI_USAGE.qualify,
      handler: (args): CliResult => {
        if (args.length < 1) return { lines: CLI_USAGE.qualify.split('\n'), failed: true };
        const p = core.findPeer(args[0]);
        if (!p) return { lines: [`Peer '${args[0]}' not found`] };
        core.pokePeer(p, true);
        qualifyDone('', args[0]);
        return { lines: [] };
      },
    });
  };

  const mod: SipModule = {
    name: 'chan_sip',
    requires: ['manager'],
    events: SIP_EVENTS,
    core,
    address: () => core.address(),
    async start(m: Manager): Promise<void> {
      manager = m;
      m.addActions('chan_sip', actions);
      cli(m);
      m.registerReload('chan_sip', () => core.reload(load()));
      await core.start();
    },
    async reload(): Promise<void> {
      await core.reload(load());
    },
    async stop(): Promise<void> {
      await core.stop();
    },
    sim: {
      register: (peer, o) => core.simRegister(peer, o),
      unregister: (peer) => core.simUnregister(peer),
      unreachable: (peer) => core.simUnreachable(peer),
      latency: (peer, ms) => core.simLatency(peer, ms),
      reset: (peer) => core.simReset(peer),
    },
    deviceState: (peer) => {
      const p = core.findPeer(peer.replace(/^sip\//i, ''));
      return p ? core.deviceStateOf(p) : 'INVALID';
    },
    peerNames: () =>
      [...core.peers.values()]
        .filter((p) => p.cfg.isPeer)
        .map((p) => ({ name: p.cfg.name, context: p.cfg.context })),
  };
  return mod;
}

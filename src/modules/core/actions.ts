/**
 * The core module's actions: the registrations of main/manager.c, main/pbx.c, main/db.c,
 * main/features.c, main/core_local.c, main/manager_bridges.c, main/bridge.c, apps/app_senddtmf.c,
 * res/res_mutestream.c, pbx/pbx_config.c and res/res_manager_devicestate.c with the privileges
 * they pass, then amikit's Sim* actions.
 */
import { bindActions, type ActionSpec, type ActionWith, type Privilege } from '../../manager/action.js';
import type { Pbx } from '../../pbx/pbx.js';
import * as bridge from './bridge-actions.js';
import * as chan from './channel-actions.js';
import * as dialplan from './dialplan-actions.js';
import * as media from './media-actions.js';
import * as info from './info-actions.js';
import * as sim from './sim.js';

const SYSTEM_CALL: Privilege = ['system', 'call'];
const CALL_REPORTING: Privilege = ['call', 'reporting'];
const SYSTEM_REPORTING: Privilege = ['system', 'reporting'];

const CHANNEL_ACTIONS: ActionWith<chan.CoreEnv>[] = [
  { name: 'Originate', privilege: ['originate'], run: chan.actionOriginate },
  { name: 'Hangup', privilege: SYSTEM_CALL, list: 'conditional', run: chan.actionHangup },
  { name: 'Redirect', privilege: ['call'], run: chan.actionRedirect },
  { name: 'Getvar', privilege: CALL_REPORTING, run: chan.actionGetvar },
  { name: 'Setvar', privilege: ['call'], run: chan.actionSetvar },
  { name: 'Status', privilege: ['system', 'call', 'reporting'], list: true, run: chan.actionStatus },
  { name: 'CoreShowChannels', privilege: SYSTEM_REPORTING, list: true, run: chan.actionCoreShowChannels },
  { name: 'CoreShowChannelMap', privilege: SYSTEM_REPORTING, list: true, run: chan.actionCoreShowChannelMap },
  { name: 'AbsoluteTimeout', privilege: SYSTEM_CALL, run: chan.actionAbsoluteTimeout },
  { name: 'SendText', privilege: ['call'], run: chan.actionSendText },
  { name: 'BlindTransfer', privilege: ['call'], run: chan.actionBlindTransfer },
  { name: 'Atxfer', privilege: ['call'], run: chan.actionAtxfer },
  { name: 'Bridge', privilege: ['call'], run: chan.actionBridge },
  { name: 'BridgeList', privilege: 'none', list: true, run: chan.actionBridgeList },
  { name: 'BridgeInfo', privilege: 'none', list: true, run: chan.actionBridgeInfo },
  { name: 'LocalOptimizeAway', privilege: SYSTEM_CALL, run: chan.actionLocalOptimizeAway },
];

const DIALPLAN_AND_DB_ACTIONS: ActionWith<Pbx>[] = [
  { name: 'PlayDTMF', privilege: ['call'], run: media.actionPlayDtmf },
  { name: 'SendFlash', privilege: ['call'], run: media.actionSendFlash },
  { name: 'MuteAudio', privilege: ['system'], run: media.actionMuteAudio },
  { name: 'CancelAtxfer', privilege: ['call'], run: media.actionCancelAtxfer },
  { name: 'BridgeKick', privilege: 'none', run: bridge.actionBridgeKick },
  { name: 'BridgeDestroy', privilege: 'none', run: bridge.actionBridgeDestroy },
  { name: 'BridgeTechnologyList', privilege: 'none', list: true, run: bridge.actionBridgeTechnologyList },
  { name: 'BridgeTechnologySuspend', privilege: 'none', run: bridge.actionBridgeTechnologySuspend },
  { name: 'BridgeTechnologyUnsuspend', privilege: 'none', run: bridge.actionBridgeTechnologyUnsuspend },
  { name: 'DialplanExtensionAdd', privilege: ['system'], run: dialplan.actionDialplanExtensionAdd },
  { name: 'DialplanExtensionRemove', privilege: ['system'], run: dialplan.actionDialplanExtensionRemove },
  { name: 'ShowDialPlan', privilege: ['config', 'reporting'], list: true, run: info.actionShowDialPlan },
  { name: 'ExtensionState', privilege: CALL_REPORTING, run: info.actionExtensionState },
  { name: 'ExtensionStateList', privilege: CALL_REPORTING, list: true, run: info.actionExtensionStateList },
  { name: 'DeviceStateList', privilege: CALL_REPORTING, list: true, run: info.actionDeviceStateList },
  { name: 'DBGet', privilege: SYSTEM_REPORTING, list: true, run: info.actionDbGet },
  { name: 'DBPut', privilege: ['system'], run: info.actionDbPut },
  { name: 'DBDel', privilege: ['system'], run: info.actionDbDel },
  { name: 'DBDelTree', privilege: ['system'], run: info.actionDbDelTree },
  { name: 'DBGetTree', privilege: SYSTEM_REPORTING, list: true, run: info.actionDbGetTree },
];

/** One of amikit's own actions: class `test`, its one-line documentation written here. */
function own<E>(
  name: string,
  synopsis: string,
  run: ActionWith<E>['run'],
  list: boolean = false,
): ActionWith<E> {
  return { name, privilege: ['test'], list, doc: { synopsis: synopsis + ' (amikit).' }, run };
}

const SIM_ACTIONS: ActionWith<sim.SimEnv>[] = [
  own('SimCall', 'Make a simulated phone call the PBX', sim.actionSimCall),
  own('SimClock', 'Control the simulation clock', sim.actionSimClock),
  own('SimEndpoint', 'Set the behaviour of a simulated endpoint', sim.actionSimEndpoint),
  own('SimEndpointList', 'List the behaviours of the simulated endpoints', sim.actionSimEndpointList, true),
  own('SimStatus', 'Show the state of the simulated telephony core', sim.actionSimStatus),
];

const SIM_PEER = own<sim.SipSimControl>('SimPeer', "Simulate a SIP peer's registration", sim.actionSimPeer);

export function coreActions(env: chan.CoreEnv, simEnv: sim.SimEnv, sipSim?: sim.SipSimControl): ActionSpec[] {
  return [
    ...bindActions(env, CHANNEL_ACTIONS),
    ...bindActions(env.pbx, DIALPLAN_AND_DB_ACTIONS),
    ...bindActions(simEnv, SIM_ACTIONS),
    // SimPeer drives chan_sip's simulated phones: only when chan_sip is there.
    ...(sipSim ? bindActions(sipSim, [SIM_PEER]) : []),
  ];
}

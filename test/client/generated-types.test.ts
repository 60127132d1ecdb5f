import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GENERATED_TYPES_PATH,
  generateTypes,
  generateTypesFromRepo,
  sanitizeIdentifier,
  type ActionsSpec,
  type EventsSpec,
} from '../../scripts/gen-types-lib.js';
import {
  ACTION_NAMES,
  CONDITIONAL_LIST_ACTIONS,
  CONDITIONAL_LIST_ACTION_WHEN,
  EVENT_NAMES,
  LIST_ACTIONS,
  LIST_COMPLETE_EVENTS,
  RELEASE_ACTIONS,
  RELEASE_EVENTS,
  type ActionName,
  type OutboundRegistrationDetailEvent,
  type ReleaseActionName,
  type ActionParams,
  type AmiEventMap,
  type AmiEventName,
  type ListActionName,
} from '../../src/client/generated/types.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const readJson = (p: string): unknown => JSON.parse(readFileSync(join(root, p), 'utf8'));
const actionsSpec = readJson('spec/ami-actions.json') as ActionsSpec & { count: number };
const eventsSpec = readJson('spec/ami-events.json') as EventsSpec & {
  count: number;
  eventsRaisedInCodeButUndocumented: Record<string, unknown>;
};

test('checked-in generated types match what the spec produces (run: npx tsx scripts/gen-types.ts)', async () => {
  const expected = await generateTypesFromRepo(root);
  const actual = readFileSync(join(root, GENERATED_TYPES_PATH), 'utf8');
  assert.equal(actual, expected, `${GENERATED_TYPES_PATH} is stale: run npx tsx scripts/gen-types.ts`);
});

test('generation is deterministic and independent of spec order', () => {
  const a = generateTypes(actionsSpec, eventsSpec);
  const shuffled = generateTypes(
    { actions: [...actionsSpec.actions].reverse() },
    { groups: eventsSpec.groups, events: [...eventsSpec.events].reverse() },
  );
  assert.equal(shuffled, a);
});

test('runtime maps cover the spec', () => {
  assert.equal(ACTION_NAMES.length, actionsSpec.count);
  assert.equal(EVENT_NAMES.length, eventsSpec.count);
  assert.deepEqual(
    [...LIST_ACTIONS].sort(),
    actionsSpec.actions
      .filter((a) => a.eventList === true)
      .map((a) => a.name)
      .sort(),
  );
  assert.deepEqual([...CONDITIONAL_LIST_ACTIONS].sort(), ['Hangup', 'PJSIPHangup']);
  assert.equal(CONDITIONAL_LIST_ACTION_WHEN.Hangup.header, 'Channel');
  assert.equal(CONDITIONAL_LIST_ACTION_WHEN.Hangup.regex, true);
  assert.equal(LIST_COMPLETE_EVENTS.QueueStatus, 'QueueStatusComplete');
  assert.equal(LIST_COMPLETE_EVENTS.CoreShowChannels, 'CoreShowChannelsComplete');
  assert.equal(LIST_COMPLETE_EVENTS.Status, 'StatusComplete');
  assert.equal(LIST_COMPLETE_EVENTS.Hangup, 'ChannelsHungupListComplete');
  assert.deepEqual(
    Object.keys(LIST_COMPLETE_EVENTS).sort(),
    [...LIST_ACTIONS, ...CONDITIONAL_LIST_ACTIONS].sort(),
  );
  // Every complete event is an event name Asterisk really sends (documented or found in code).
  const known = new Set<string>([
    ...EVENT_NAMES,
    ...Object.keys(eventsSpec.eventsRaisedInCodeButUndocumented),
  ]);
  for (const [action, ev] of Object.entries(LIST_COMPLETE_EVENTS)) {
    assert.ok(ev !== null && known.has(ev), `${action}: ${ev}`);
  }
});

test('type-level shapes (checked by tsc, sanity-checked at run time)', () => {
  // Required and optional parameters; ActionID is not part of the generated shapes.
  const originate: ActionParams['Originate'] = { Channel: 'SIP/test-201', Exten: '100', Context: 'default' };
  // @ts-expect-error Channel is required for Originate
  const missing: ActionParams['Originate'] = { Exten: '100' };
  // @ts-expect-error ActionID is added by the client
  const withId: ActionParams['Originate'] = { Channel: 'x', ActionID: '1' };
  const sendText: ActionParams['SendText'] = { Channel: 'x', Message: 'hi', 'Content-Type': 'text/plain' };
  assert.equal(originate.Channel, 'SIP/test-201');
  assert.ok(missing && withId && sendText['Content-Type']);

  // Events: literal Event, Privilege, group headers expanded with their prefix.
  const newchannel: AmiEventMap['Newchannel']['Event'] = 'Newchannel';
  // @ts-expect-error the Event literal is the event's own name
  const wrong: AmiEventMap['Newchannel']['Event'] = 'Hangup';
  const destChannel: keyof AmiEventMap['AgentCalled'] = 'DestChannel';
  const aoc: AmiEventName = 'AOC-D';
  const name: ActionName = 'QueueStatus';
  const list: ListActionName = 'QueueStatus';
  // @ts-expect-error Ping is not a list action
  const notList: ListActionName = 'Ping';
  assert.ok(EVENT_NAMES.includes(newchannel) && EVENT_NAMES.includes(aoc) && wrong && notList);
  assert.ok(ACTION_NAMES.includes(name) && LIST_ACTIONS.includes(list));
  assert.equal(destChannel, 'DestChannel');
});

test('generator: identifiers, quoting, header groups, instances', () => {
  assert.equal(sanitizeIdentifier('AOC-D'), 'AOC_D');
  assert.equal(sanitizeIdentifier('100rel'), '_100rel');
  const src = generateTypes(
    {
      actions: [
        {
          name: 'X-Y',
          privileges: [],
          parameters: [
            { name: 'ActionID', required: false },
            { name: 'Content-Type', required: true },
            { name: 'Plain', required: false },
          ],
          eventList: true,
          documentedCompleteEvent: null,
          completeEventInHandlerCode: ['XYComplete'],
        },
      ],
    },
    {
      groups: { G: ['A', 'B'] },
      events: [
        {
          name: 'E-1',
          classes: ['call'],
          order: ['@G:Dest', 'Cause-txt'],
          instances: [{ order: ['@G:Dest', 'Cause-txt'] }, { order: ['@G:Dest', 'Only2'] }],
        },
      ],
    },
  );
  assert.match(src, /export interface X_YAction \{\n {2}'Content-Type': string;\n {2}Plain\?: string;\n\}/);
  assert.doesNotMatch(src, /ActionID\??:/);
  assert.match(src, /'X-Y': X_YAction;/);
  assert.match(
    src,
    /export interface E_1Event \{\n {2}Event: 'E-1';\n {2}Privilege: string;\n {2}DestA: string;\n {2}DestB: string;\n {2}'Cause-txt'\?: string;\n {2}Only2\?: string;\n\}/,
  );
  assert.match(src, /'X-Y': 'XYComplete',/);
});

test('the types cover both releases: per-release name lists, a header only 22 documents is optional', () => {
  const a20 = new Set<string>(RELEASE_ACTIONS['20']);
  const a22 = new Set<string>(RELEASE_ACTIONS['22']);
  for (const n of ['SIPpeers', 'SIPshowpeer', 'SKINNYdevices', 'Monitor', 'ChangeMonitor', 'PauseMonitor'])
    assert.ok(a20.has(n) && !a22.has(n), `${n}: Asterisk 20 only`);
  for (const n of ['PJSIPShowEndpoints', 'PJSIPQualify', 'QueueStatus', 'Originate'])
    assert.ok(a20.has(n) && a22.has(n), `${n}: both releases`);
  const e22 = new Set<string>(RELEASE_EVENTS['22']);
  for (const n of ['MonitorStart', 'MonitorStop', 'SIPQualifyPeerDone', 'SessionTimeout'])
    assert.ok(
      !e22.has(n) && (RELEASE_EVENTS['20'] as readonly string[]).includes(n),
      `${n}: Asterisk 20 only`,
    );
  // Every name of a release is a name of the union.
  for (const r of Object.values(RELEASE_ACTIONS)) for (const n of r) assert.ok(ACTION_NAMES.includes(n));
  const detail: OutboundRegistrationDetailEvent = {
    ...({} as Omit<OutboundRegistrationDetailEvent, 'UserAgent'>),
  };
  assert.equal(detail.UserAgent, undefined);
  const pjsipOnly: ReleaseActionName<'22'> = 'PJSIPShowEndpoints';
  assert.equal(pjsipOnly, 'PJSIPShowEndpoints');
});

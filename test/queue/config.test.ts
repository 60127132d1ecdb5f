/** queues.conf and queuerules.conf as app_queue reads them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfText } from '../../src/config/index.js';
import {
  EMPTY,
  formatRule,
  parseQueueRules,
  parseQueuesConf,
  parseEmptyOptions,
} from '../../src/modules/queue/config.js';

test('general flags default off as queue_reset_global_params; queue options; templates', () => {
  const doc = parseConfText(
    `[general]
autofill = yes
log_membername_as_agent = yes

[tpl](!)
strategy = leastrecent
timeout = 20
wrapuptime = 10
member => SIP/t1,2,Tee

[support](tpl)
timeout = 30
maxlen = 4
servicelevel = 60
joinempty = strict
leavewhenempty = inuse,ringing
ringinuse = no
autopause = all
weight = 3
member => SIP/a1,1,Agent One,Custom:a1,yes,5,yes
member => Local/100@agents
`,
    'queues.conf',
  );
  const { general, queues } = parseQueuesConf(doc);
  assert.equal(general.persistentmembers, false);
  assert.equal(general.sharedLastcall, false);
  assert.equal(general.autofill, true);
  assert.equal(general.logMembernameAsAgent, true);
  assert.equal(queues.length, 1);
  const q = queues[0];
  assert.equal(q.name, 'support');
  assert.equal(q.params.strategy, 'leastrecent');
  assert.equal(q.params.timeout, 30);
  assert.equal(q.params.wrapuptime, 10);
  assert.equal(q.params.maxlen, 4);
  assert.equal(q.params.servicelevel, 60);
  assert.equal(q.params.ringinuse, false);
  assert.equal(q.params.autopause, 'all');
  assert.equal(q.params.weight, 3);
  assert.equal(q.params.autofill, true);
  assert.equal(q.params.joinempty, EMPTY.PENALTY | EMPTY.INVALID | EMPTY.PAUSED | EMPTY.UNAVAILABLE);
  assert.equal(q.params.leavewhenempty, EMPTY.INUSE | EMPTY.RINGING);
  assert.deepEqual(q.members, [
    {
      interface: 'SIP/t1',
      penalty: 2,
      membername: 'Tee',
      stateInterface: 'SIP/t1',
      ringinuse: undefined,
      wrapuptime: 0,
      paused: false,
    },
    {
      interface: 'SIP/a1',
      penalty: 1,
      membername: 'Agent One',
      stateInterface: 'Custom:a1',
      ringinuse: true,
      wrapuptime: 5,
      paused: true,
    },
    {
      interface: 'Local/100@agents',
      penalty: 0,
      membername: 'Local/100@agents',
      stateInterface: 'Local/100@agents',
      ringinuse: undefined,
      wrapuptime: 0,
      paused: false,
    },
  ]);
});

test('joinempty / leavewhenempty yes and no mean opposite things', () => {
  assert.equal(parseEmptyOptions('yes', true), 0);
  assert.equal(parseEmptyOptions('no', true), EMPTY.PENALTY | EMPTY.INVALID | EMPTY.PAUSED);
  assert.equal(parseEmptyOptions('yes', false), EMPTY.PENALTY | EMPTY.INVALID | EMPTY.PAUSED);
  assert.equal(parseEmptyOptions('no', false), 0);
  assert.equal(parseEmptyOptions('loose', true), EMPTY.PENALTY | EMPTY.INVALID);
});

test('penalty rules: sorted by time, relative and absolute, shown as QueueRule shows them', () => {
  const rules = parseQueueRules(
    parseConfText(
      `[myrule]\npenaltychange => 60,10,5\npenaltychange => 30,+3\npenaltychange => 90,-2,+1,r3\npenaltychange => bad\n`,
      'queuerules.conf',
    ),
  );
  const list = rules.get('myrule') ?? [];
  assert.deepEqual(list.map(formatRule), ['30,+3,+0', '60,10,5', '90,-2,+1']);
  assert.equal(list[2].raiseRespectMin, true);
  assert.equal(list[2].raiseValue, 3);
  assert.equal(list[2].raiseRelative, false);
});

/**
 * The members-by-state-interface index gives what device_state_cb's scan of every member of every
 * queue gives: for each queue (container order) the first member whose state interface is the
 * device (Local/ cut after the second '/', case-insensitive), through additions, removals and
 * reloads. Checked against a reference scan over random operations (fast-check).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { QueueEngine, type Member, type Queue } from '../../src/modules/queue/engine.js';
import { makeWorld } from './helpers.js';

const DEVICES = ['SIP/a1', 'SIP/A1', 'SIP/b2', 'Local/100@agents', 'Local/100@agents/n', 'PJSIP/c3'];

function reference(engine: QueueEngine, device: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const dev = device.toLowerCase();
  for (const q of engine.list()) {
    const m = q.members.find((x: Member) => QueueEngine.stateDevice(x.stateInterface) === dev);
    if (m) out.push([q.name, m.interface]);
  }
  return out;
}

test('device state changes reach the same members as the full scan', () => {
  const w = makeWorld(
    `[q1]\nstrategy=linear\nmember => SIP/a1\nmember => Local/100@agents/n,0,L,Local/100@agents/n\n` +
      `[q2]\nstrategy=ringall\nmember => SIP/b2,0,B,SIP/a1\n[q3]\nstrategy=rrmemory\n`,
  );
  try {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            op: fc.constantFrom('add', 'remove', 'state'),
            queue: fc.constantFrom('q1', 'q2', 'q3'),
            iface: fc.constantFrom('SIP/x9', 'SIP/y8', 'Local/7@ctx', 'SIP/a1'),
            si: fc.constantFrom(...DEVICES),
            st: fc.integer({ min: 1, max: 8 }),
          }),
          { maxLength: 25 },
        ),
        (ops) => {
          for (const o of ops) {
            if (o.op === 'add') w.engine.addMember(o.queue, o.iface, { stateInterface: o.si, dump: false });
            else if (o.op === 'remove') w.engine.removeMember(o.queue, o.iface);
            else {
              const expected = reference(w.engine, o.si);
              const before = new Map<Queue, Map<Member, number>>();
              for (const q of w.engine.list()) before.set(q, new Map(q.members.map((m) => [m, m.status])));
              const changed: Array<[string, string]> = [];
              const off = w.engine.on((e) => {
                if (e.type === 'MemberStatus') changed.push([e.queue.name, e.member.interface]);
              });
              w.engine.deviceStateChanged(o.si, o.st);
              off();
              // Every reached member now has the state; those whose state changed raised the event.
              for (const [qn, iface] of expected) assert.equal(w.engine.get(qn)?.find(iface)?.status, o.st);
              const expectedChanged = expected.filter(([qn, iface]) => {
                const q = w.engine.get(qn) as Queue;
                const m = q.find(iface) as Member;
                return before.get(q)?.get(m) !== o.st;
              });
              assert.deepEqual(changed, expectedChanged);
            }
          }
        },
      ),
      { numRuns: 60, seed: 42 },
    );
  } finally {
    w.close();
  }
});

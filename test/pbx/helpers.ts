/** Shared set-up for PBX tests: the conformance dialplan under a virtual clock. */
import { readFileSync } from 'node:fs';
import { parseConfText } from '../../src/config/index.js';
import { VirtualClock } from '../../src/pbx/clock.js';
import { Pbx, type PbxOptions } from '../../src/pbx/pbx.js';
import type { PbxEventName, PbxEvents } from '../../src/pbx/events.js';

export const CONF_DIR = 'test/fixtures/conformance/config';

export function conformanceDialplanText(): string {
  return readFileSync(`${CONF_DIR}/extensions.conf`, 'utf8');
}

/** 2026-11-22 11:10:15 UTC, like the recordings. */
export const T0 = Date.UTC(2026, 10, 22, 11, 10, 15);

export interface Recorded {
  name: PbxEventName;
  payload: PbxEvents[PbxEventName];
  at: number;
}

export function makePbx(
  extra: Partial<Omit<PbxOptions, 'simulation' | 'dialplan'>> & {
    extensions?: string;
    simulation?: string;
  } = {},
): { pbx: Pbx; clock: VirtualClock; events: Recorded[]; names: () => string[] } {
  const clock = new VirtualClock(T0);
  const { extensions, simulation, ...rest } = extra;
  const pbx = new Pbx({
    clock,
    seed: 42,
    dialplan: parseConfText(extensions ?? conformanceDialplanText(), 'extensions.conf'),
    simulation: simulation ? parseConfText(simulation, 'simulation.conf') : undefined,
    sipPeers: [
      { name: 'test-201', context: 'default' },
      { name: 'test-202', context: 'default' },
      { name: 'test-203', context: 'default' },
      { name: 'test-204', context: 'default' },
    ],
    ...rest,
  });
  const events: Recorded[] = [];
  pbx.onAny((name, payload) => {
    if (name !== 'Log') events.push({ name, payload, at: clock.now() });
  });
  return { pbx, clock, events, names: () => events.map((e) => describe(e)) };
}

/** `Event` or `Event(channel)` for sequences that read like the transcripts. */
export function describe(e: Recorded): string {
  const p = e.payload as unknown as Record<string, unknown>;
  const ch = p.channel as { name?: string } | undefined;
  const dest = p.dest as { name?: string } | undefined;
  const who = ch?.name ?? dest?.name ?? (p.device as string | undefined) ?? '';
  const short = who
    .replace(/^Local\/[^-]+-[0-9a-f]{8}/, '')
    .replace(/^SIP\/([^-]+(?:-[^-]+)*)-[0-9a-f]{8}$/, 'SIP/$1');
  return short ? `${e.name}(${short})` : e.name;
}

/**
 * Simulated sound files: Playback takes this long per file. Nothing is played, but calls last as
 * long as they would.
 */
import { clampDelayMs } from '../clock.js';

const KNOWN: Record<string, number> = {
  'demo-congrats': 21000,
  'demo-echotest': 8000,
  'demo-echodone': 2000,
  'hello-world': 1200,
  beep: 250,
  'vm-goodbye': 1000,
  'queue-thankyou': 1500,
  'queue-youarenext': 1500,
  'queue-thereare': 1200,
  'queue-callswaiting': 1200,
  'queue-holdtime': 1500,
  'pbx-invalid': 1800,
  'conf-onlyperson': 2500,
  silence: 1000,
  'tt-monkeys': 12000,
  'tt-weasels': 3500,
};

export const DEFAULT_SOUND_MS = 3000;

const custom = new Map<string, number>();

/** Sets the simulated length of a sound (e.g. from tests or the simulation config). */
export function setSoundLength(name: string, ms: number): void {
  custom.set(name, ms);
}

export function soundLength(file: string): number {
  const base = file.replace(/^.*\//, '').replace(/\.[a-z0-9]+$/i, '');
  const silence = /^silence\/(\d+)$/.exec(file);
  if (silence) return clampDelayMs(Number(silence[1]) * 1000);
  return custom.get(file) ?? custom.get(base) ?? KNOWN[base] ?? DEFAULT_SOUND_MS;
}

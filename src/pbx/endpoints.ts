/**
 * Simulated phones. Every SIP peer (and any Local destination given a section) behaves as
 * configured in simulation.conf: `[general]` holds the defaults, `[peer-name]` or
 * `[Local/200@agents]` sections override them. Behaviours can be changed at run time
 * (the Sim* actions and CLI use set()).
 */
import type { ConfDocument } from '../config/types.js';

export type EndpointMode = 'answer' | 'busy' | 'noanswer' | 'unreachable' | 'reject' | 'congestion';

export interface EndpointBehaviour {
  mode: EndpointMode;
  /** Ringing time before answering (or before busy/reject/congestion), ms. */
  answerAfterMs: number;
  /** Once answered, the phone hangs up after this long; 0 = never (the other side ends). */
  talkTimeMs: number;
  /** Random +/- spread applied to answerAfterMs and talkTimeMs (0..1, from the PBX PRNG). */
  jitter: number;
}

export const DEFAULT_BEHAVIOUR: EndpointBehaviour = {
  mode: 'answer',
  answerAfterMs: 2000,
  talkTimeMs: 0,
  jitter: 0,
};

const MODES: EndpointMode[] = ['answer', 'busy', 'noanswer', 'unreachable', 'reject', 'congestion'];

export function isEndpointMode(s: string): s is EndpointMode {
  return (MODES as string[]).includes(s);
}

/** Reads one section's keys into a partial behaviour; unknown keys are reported. */
function readSection(
  entries: ReadonlyArray<{ key: string; value: string }>,
  warn: (m: string) => void,
): Partial<EndpointBehaviour> {
  const out: Partial<EndpointBehaviour> = {};
  for (const { key, value } of entries) {
    const k = key.toLowerCase();
    const v = value.trim();
    const secs = (): number => Math.max(0, Math.round(Number(v) * 1000));
    if (k === 'mode') {
      if (isEndpointMode(v.toLowerCase())) out.mode = v.toLowerCase() as EndpointMode;
      else warn(`unknown mode '${v}'`);
    } else if (k === 'answerafter' || k === 'answer_after') out.answerAfterMs = secs();
    else if (k === 'answerafterms') out.answerAfterMs = Math.max(0, Number(v));
    else if (k === 'talktime' || k === 'talk_time') out.talkTimeMs = secs();
    else if (k === 'talktimems') out.talkTimeMs = Math.max(0, Number(v));
    else if (k === 'jitter') out.jitter = Math.min(1, Math.max(0, Number(v)));
    else warn(`unknown key '${key}'`);
  }
  return out;
}

/** Device names are compared case-insensitively; `test-201` means `SIP/test-201`. */
function norm(device: string): string {
  const d = device.trim();
  return (d.includes('/') ? d : `SIP/${d}`).toLowerCase();
}

export class EndpointRegistry {
  defaults: EndpointBehaviour = { ...DEFAULT_BEHAVIOUR };
  private readonly overrides = new Map<string, Partial<EndpointBehaviour>>();
  readonly warnings: string[] = [];
  private listeners: Array<(device: string) => void> = [];

  static fromConf(doc: ConfDocument | undefined): EndpointRegistry {
    const reg = new EndpointRegistry();
    for (const s of doc?.sections ?? []) {
      const warn = (m: string): void => void reg.warnings.push(`[${s.name}] ${m}`);
      const b = readSection(s.entries, warn);
      if (s.name.toLowerCase() === 'general') reg.defaults = { ...reg.defaults, ...b };
      else reg.overrides.set(norm(s.name), b);
    }
    return reg;
  }

  /** Effective behaviour of a device. */
  get(device: string): EndpointBehaviour {
    return { ...this.defaults, ...(this.overrides.get(norm(device)) ?? {}) };
  }

  /** Whether a section exists for this device (Local destinations follow the dialplan otherwise). */
  has(device: string): boolean {
    return this.overrides.has(norm(device));
  }

  /** Changes a device's behaviour at run time. */
  set(device: string, patch: Partial<EndpointBehaviour>): EndpointBehaviour {
    const cur = this.overrides.get(norm(device)) ?? {};
    this.overrides.set(norm(device), { ...cur, ...patch });
    for (const l of this.listeners) l(device);
    return this.get(device);
  }

  setDefaults(patch: Partial<EndpointBehaviour>): void {
    this.defaults = { ...this.defaults, ...patch };
    for (const l of this.listeners) l('*');
  }

  /** Drops a device's override. */
  reset(device: string): void {
    this.overrides.delete(norm(device));
    for (const l of this.listeners) l(device);
  }

  list(): Array<{ device: string; behaviour: EndpointBehaviour }> {
    return [...this.overrides.keys()].map((d) => ({ device: d, behaviour: this.get(d) }));
  }

  onChange(fn: (device: string) => void): void {
    this.listeners.push(fn);
  }
}

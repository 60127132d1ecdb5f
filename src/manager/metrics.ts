/**
 * What the core tells a metrics exporter, without depending on one: counter hooks the manager and
 * the transports call (`manager.metrics?.actionDone(...)`), and gauge sources that modules register
 * (channels, queue callers and members by state) and an exporter reads when it is scraped.
 */
import type { TransportKind } from './session.js';

/** Counters a metrics exporter plugs in; every hook is cheap and optional. */
export interface ManagerMetrics {
  /** An action was answered; `result` is its first `Response:` value ('' when it wrote none). */
  actionDone(action: string, result: string): void;
  eventPublished(name: string): void;
  /** An event a session should have had was discarded (held-event limit). */
  eventDropped(transport: TransportKind): void;
  /** A session was disconnected because it did not read its output in time. */
  slowConsumer(transport: TransportKind): void;
}

export interface GaugeSample {
  labels?: Record<string, string>;
  value: number;
}

/** A gauge whose value is read at scrape time. */
export interface GaugeSource {
  /** Prometheus name, e.g. `amikit_queue_callers`. */
  name: string;
  help: string;
  labelNames?: string[];
  collect(): number | GaugeSample[];
}

/** Gauges every exporter shows; modules fill them with {@link registerGauge} under these names. */
export const STANDARD_GAUGES: ReadonlyArray<Omit<GaugeSource, 'collect'>> = [
  { name: 'amikit_channels', help: 'Active channels' },
  { name: 'amikit_queue_callers', help: 'Callers waiting in each queue', labelNames: ['queue'] },
  {
    name: 'amikit_queue_members',
    help: 'Queue members by queue and device state',
    labelNames: ['queue', 'state'],
  },
];

const sources = new WeakMap<object, Map<string, GaugeSource>>();

/** Registers (or replaces) a gauge source for one manager. */
export function registerGauge(owner: object, src: GaugeSource): void {
  let m = sources.get(owner);
  if (!m) sources.set(owner, (m = new Map()));
  m.set(src.name, src);
}

export function gaugeSources(owner: object): GaugeSource[] {
  return [...(sources.get(owner)?.values() ?? [])];
}

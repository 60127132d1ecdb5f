/**
 * /metrics: the manager's counters and gauges in Prometheus text format (prom-client, one registry
 * per server so that several servers in one process never share or clash).
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { Manager } from '../../manager.js';
import { STANDARD_GAUGES, gaugeSources, type GaugeSource, type ManagerMetrics } from '../../metrics.js';
import type { TransportKind } from '../../session.js';

const TRANSPORTS: TransportKind[] = ['TCP', 'TLS', 'HTTP', 'WS'];

export class AmiMetrics implements ManagerMetrics {
  readonly registry = new Registry();
  private readonly actions: Counter<'action' | 'result'>;
  private readonly published: Counter<'event'>;
  private readonly dropped: Counter<'transport'>;
  private readonly slow: Counter<'transport'>;
  private readonly sourced = new Map<string, Gauge<string>>();

  constructor(private readonly manager: Manager) {
    const registers = [this.registry];
    new Gauge({
      name: 'amikit_sessions',
      help: 'Manager sessions by transport and state',
      labelNames: ['transport', 'state'],
      registers,
      collect() {
        this.reset();
        for (const t of TRANSPORTS)
          for (const st of ['authenticated', 'unauthenticated']) this.set({ transport: t, state: st }, 0);
        for (const s of manager.sessions) {
          this.inc({
            transport: s.transport.kind,
            state: s.authenticated ? 'authenticated' : 'unauthenticated',
          });
        }
      },
    });
    this.actions = new Counter({
      name: 'amikit_actions_total',
      help: 'Actions answered, by action and Response',
      labelNames: ['action', 'result'],
      registers,
    });
    this.published = new Counter({
      name: 'amikit_events_published_total',
      help: 'Events published, by event',
      labelNames: ['event'],
      registers,
    });
    this.dropped = new Counter({
      name: 'amikit_events_dropped_total',
      help: 'Events a session should have received but lost (held-event limit)',
      labelNames: ['transport'],
      registers,
    });
    this.slow = new Counter({
      name: 'amikit_slow_consumer_disconnects_total',
      help: 'Sessions disconnected for not reading their output within writetimeout',
      labelNames: ['transport'],
      registers,
    });
    for (const t of TRANSPORTS) {
      this.dropped.inc({ transport: t }, 0);
      this.slow.inc({ transport: t }, 0);
    }
    for (const g of STANDARD_GAUGES) this.gaugeFor(g);
  }

  /** The prom-client gauge for a source name; created on first sight, filled from the source at scrape. */
  private gaugeFor(def: Omit<GaugeSource, 'collect'>): Gauge<string> {
    let g = this.sourced.get(def.name);
    if (g) return g;
    const manager = this.manager;
    const name = def.name;
    g = new Gauge({
      name,
      help: def.help,
      labelNames: def.labelNames ?? [],
      registers: [this.registry],
      collect() {
        const src = gaugeSources(manager).find((s) => s.name === name);
        this.reset();
        if (!src) return;
        const v = src.collect();
        if (typeof v === 'number') this.set(v);
        else for (const x of v) this.set(x.labels ?? {}, x.value);
      },
    });
    this.sourced.set(def.name, g);
    return g;
  }

  /**
   * Actions and events are counted in plain maps on the hot path and handed to prom-client when
   * scraped: a labelled inc() per action or event costs more than the action itself.
   */
  private readonly actionCounts = new Map<string, number>();
  private readonly eventCounts = new Map<string, number>();

  actionDone(action: string, result: string): void {
    // Only registered names become labels: unknown names sent by clients must not grow the series set.
    const name = this.manager.registry.find(action)?.name ?? (action ? 'unknown' : 'none');
    const key = name + '\0' + (result || 'none');
    this.actionCounts.set(key, (this.actionCounts.get(key) ?? 0) + 1);
  }

  eventPublished(name: string): void {
    this.eventCounts.set(name, (this.eventCounts.get(name) ?? 0) + 1);
  }

  /** Moves the counts gathered since the last scrape into the Prometheus counters. */
  private flushCounts(): void {
    for (const [key, n] of this.actionCounts) {
      const z = key.indexOf('\0');
      this.actions.inc({ action: key.slice(0, z), result: key.slice(z + 1) }, n);
    }
    this.actionCounts.clear();
    for (const [event, n] of this.eventCounts) this.published.inc({ event }, n);
    this.eventCounts.clear();
  }

  eventDropped(transport: TransportKind): void {
    this.dropped.inc({ transport });
  }

  slowConsumer(transport: TransportKind): void {
    this.slow.inc({ transport });
  }

  /** The exposition text; gauges registered by modules since the last scrape are picked up first. */
  async render(): Promise<{ contentType: string; body: string }> {
    for (const src of gaugeSources(this.manager)) this.gaugeFor(src);
    this.flushCounts();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

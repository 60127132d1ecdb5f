/**
 * The event bus: the seam between whoever raises events and the sessions that receive them.
 * In one process it is a synchronous fan-out; a broker-backed bus (NATS, Redis Streams) implements the
 * same interface so several stateless front nodes can serve sessions (DESIGN.md, Beyond one machine).
 */
import type { AmiEvent } from './events.js';

export type EventListener = (ev: AmiEvent) => void;

export interface EventBus {
  publish(ev: AmiEvent): void;
  /** Returns an unsubscribe function. */
  subscribe(listener: EventListener): () => void;
}

export class LocalEventBus implements EventBus {
  private listeners: EventListener[] = [];

  publish(ev: AmiEvent): void {
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i](ev);
  }

  subscribe(listener: EventListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}

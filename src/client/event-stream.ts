/**
 * A bounded async iterator of events. When its buffer is full the owner stops reading the socket
 * (backpressure); when the consumer has drained it to half, reading resumes.
 */
import type { AmiEvent, EventFilter } from './types.js';

export interface StreamOwner {
  streamFull(s: EventStream): void;
  streamDrained(s: EventStream): void;
  streamClosed(s: EventStream): void;
}

/** A compiled filter: by exact name, by a regular expression on the name, or by a predicate on the event. */
export type CompiledFilter =
  | { name: string; re?: undefined; fn?: undefined }
  | { name?: undefined; re: RegExp; fn?: undefined }
  | { name?: undefined; re?: undefined; fn: (e: AmiEvent) => boolean };

export function compileFilter(f: EventFilter | undefined): CompiledFilter | null {
  if (f === undefined) return null;
  if (typeof f === 'string') return { name: f };
  if (f instanceof RegExp) return { re: new RegExp(f.source, f.flags.replace(/[gy]/g, '')) };
  return { fn: f };
}

export class EventStream implements AsyncIterableIterator<AmiEvent> {
  /** Ring of buffered events. */
  private buf: (AmiEvent | undefined)[];
  private head = 0;
  private len = 0;
  private waiter: ((r: IteratorResult<AmiEvent>) => void) | null = null;
  private ended = false;
  private isFull = false;
  readonly capacity: number;
  readonly accepts: CompiledFilter | null;

  constructor(
    private readonly owner: StreamOwner,
    filter: EventFilter | undefined,
    capacity: number,
  ) {
    this.capacity = Math.max(1, Math.floor(capacity));
    this.buf = new Array<AmiEvent | undefined>(Math.min(this.capacity, 1024));
    this.accepts = compileFilter(filter);
  }

  /** Events waiting to be consumed. */
  get buffered(): number {
    return this.len;
  }

  get full(): boolean {
    return this.isFull;
  }

  /**
   * Delivers an event. The buffer may exceed its capacity by the events of the socket read that was
   * already being parsed when it filled (one read, at most 64 KiB of input); reading stops right after.
   */
  push(e: AmiEvent): void {
    if (this.ended) return;
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w({ value: e, done: false });
      return;
    }
    if (this.len === this.buf.length) this.grow();
    this.buf[(this.head + this.len) % this.buf.length] = e;
    this.len++;
    if (!this.isFull && this.len >= this.capacity) {
      this.isFull = true;
      this.owner.streamFull(this);
    }
  }

  private grow(): void {
    const n = this.buf.length * 2;
    const nb = new Array<AmiEvent | undefined>(n);
    for (let i = 0; i < this.len; i++) nb[i] = this.buf[(this.head + i) % this.buf.length];
    this.buf = nb;
    this.head = 0;
  }

  next(): Promise<IteratorResult<AmiEvent>> {
    if (this.len > 0) {
      const e = this.buf[this.head] as AmiEvent;
      this.buf[this.head] = undefined;
      this.head = (this.head + 1) % this.buf.length;
      this.len--;
      if (this.isFull && this.len <= this.capacity >> 1) {
        this.isFull = false;
        this.owner.streamDrained(this);
      }
      return Promise.resolve({ value: e, done: false });
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter !== null)
      return Promise.reject(new Error('events(): next() called before the previous one settled'));
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  /** Stops the iterator (`break` in for-await calls this); buffered events are dropped. */
  return(): Promise<IteratorResult<AmiEvent>> {
    this.end(true);
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Ends the stream: a pending next() resolves done; with `drop`, buffered events are discarded. */
  end(drop = false): void {
    if (!this.ended) {
      this.ended = true;
      this.owner.streamClosed(this);
    }
    if (drop) {
      this.buf = [undefined];
      this.head = 0;
      this.len = 0;
    }
    if (this.isFull) {
      this.isFull = false;
      this.owner.streamDrained(this);
    }
    const w = this.waiter;
    this.waiter = null;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

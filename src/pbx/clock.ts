/**
 * Time source for everything timed inside the PBX (rings, waits, playback, talk time).
 * `RealClock` serves live traffic; `VirtualClock` is a discrete-event queue so tests and
 * simulations can run an hour of calls in milliseconds and replay them exactly.
 */

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** Node's timers hold at most 2^31-1 ms (24.8 days); a longer delay fires after 1 ms instead. */
export const MAX_NODE_TIMER_MS = 2 ** 31 - 1;
/** The longest delay any timer of ours takes: 100 years is "never" for a PBX, and exact in a double. */
export const MAX_DELAY_MS = 100 * 365 * 86_400_000;

/**
 * Every user-given duration goes through here on its way to a timer (Originate Timeout, Wait(),
 * AbsoluteTimeout, SimClock advance, queue and SIP durations, manager timeouts): NaN and negatives are
 * 0, +Infinity and anything longer is MAX_DELAY_MS. Parsing the way Asterisk does (int overflow, "no
 * timeout" for <= 0) is the caller's job; this only makes sure no timer can overflow.
 */
export function clampDelayMs(ms: number): number {
  if (!(ms > 0)) return 0;
  return ms > MAX_DELAY_MS ? MAX_DELAY_MS : ms;
}

/** setTimeout for any delay: past Node's limit it re-arms until the due time (never fires early). */
export function setLongTimeout(fn: () => void, ms: number): { clear(): void; unref(): void } {
  const due = Date.now() + clampDelayMs(ms);
  let unref = false;
  let t: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    const left = Math.max(0, due - Date.now());
    t = setTimeout(left > MAX_NODE_TIMER_MS ? arm : fn, Math.min(left, MAX_NODE_TIMER_MS));
    if (unref) t.unref();
  };
  arm();
  return {
    clear: () => clearTimeout(t),
    unref: () => {
      unref = true;
      t.unref();
    },
  };
}

/** Wall-clock time and Node timers. */
export class RealClock implements Clock {
  private nextId = 1;
  private readonly timers = new Map<number, { clear(): void }>();

  now(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    const t = setLongTimeout(() => {
      this.timers.delete(id);
      fn();
    }, ms);
    this.timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    const t = this.timers.get(handle.id);
    if (t !== undefined) {
      t.clear();
      this.timers.delete(handle.id);
    }
  }
  /** Cancels every pending timer (shutting a component down). */
  clearAll(): void {
    for (const t of this.timers.values()) t.clear();
    this.timers.clear();
  }
}

interface Scheduled {
  at: number;
  seq: number;
  id: number;
  fn: () => void;
}

/** Lets promise continuations (apps awaiting timers) run before the next event is taken. */
function drainMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Discrete-event clock. Events at equal times run in insertion order. After each event the
 * microtask queue is drained, so an app that awaits a timer continues (and schedules its next
 * timer) before the clock moves on: the result is the same on every run.
 */
export class VirtualClock implements Clock {
  private current: number;
  private seq = 0;
  private nextId = 1;
  /** Binary min-heap on (at, seq). */
  private heap: Scheduled[] = [];
  private readonly cancelled = new Set<number>();
  private realTimer: ReturnType<typeof setTimeout> | undefined;
  /** The current real-time run; a stopped run's pending callbacks see active=false and end. */
  private realRun: { active: boolean } | undefined;

  constructor(startMs = Date.UTC(2026, 10, 22, 11, 0, 0)) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.push({ at: this.current + clampDelayMs(ms), seq: this.seq++, id, fn });
    return { id };
  }

  clearTimer(handle: TimerHandle): void {
    this.cancelled.add(handle.id);
  }

  /** Number of timers still due (cancelled ones excluded). */
  pending(): number {
    return this.heap.filter((e) => !this.cancelled.has(e.id)).length;
  }

  /** Time of the next due event, or undefined when idle. */
  nextAt(): number | undefined {
    this.dropCancelledHead();
    return this.heap[0]?.at;
  }

  /**
   * Runs every event due at or before `t`, then sets the clock to `t`. At most `limit` events run (a
   * periodic timer over a long advance would otherwise hold the event loop): then the clock stays at
   * the last event's time.
   */
  async runUntil(t: number, limit = 1_000_000): Promise<number> {
    let n = 0;
    await drainMicrotasks();
    for (;;) {
      this.dropCancelledHead();
      const head = this.heap[0];
      if (!head || head.at > t) break;
      if (n >= limit) return n;
      this.pop();
      this.current = Math.max(this.current, head.at);
      head.fn();
      n++;
      await drainMicrotasks();
    }
    if (t > this.current) this.current = t;
    return n;
  }

  runFor(ms: number, limit?: number): Promise<number> {
    return this.runUntil(this.current + clampDelayMs(ms), limit);
  }

  /** Runs until no events remain (or `limit` events ran, to stop runaway loops). */
  async runAll(limit = 1_000_000): Promise<number> {
    let n = 0;
    await drainMicrotasks();
    while (n < limit) {
      this.dropCancelledHead();
      const head = this.heap[0];
      if (!head) break;
      this.pop();
      this.current = Math.max(this.current, head.at);
      head.fn();
      n++;
      await drainMicrotasks();
    }
    return n;
  }

  /**
   * Follows real time at `speed`× (1 = real time) until stopRealtime(). Useful to serve a
   * simulated PBX whose calls last seconds instead of minutes.
   */
  startRealtime(speed: number): void {
    this.stopRealtime();
    const run = { active: true };
    this.realRun = run;
    const wallStart = Date.now();
    const virtStart = this.current;
    const tick = (): void => {
      if (!run.active) return;
      const target = virtStart + (Date.now() - wallStart) * speed;
      void this.runUntil(target).then(() => {
        if (!run.active) return;
        const next = this.nextAt();
        const wait = next === undefined ? 50 : Math.min(50, Math.max(0, (next - this.current) / speed));
        this.realTimer = setTimeout(tick, wait);
      });
    };
    this.realTimer = setTimeout(tick, 0);
  }

  stopRealtime(): void {
    if (this.realRun) this.realRun.active = false;
    this.realRun = undefined;
    if (this.realTimer !== undefined) clearTimeout(this.realTimer);
    this.realTimer = undefined;
  }

  private dropCancelledHead(): void {
    while (this.heap.length && this.cancelled.has(this.heap[0].id)) {
      this.cancelled.delete(this.heap[0].id);
      this.pop();
    }
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(e: Scheduled): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Scheduled | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

/** Promise that resolves after `ms` of clock time; `cancel` resolves it early with false. */
export function sleep(clock: Clock, ms: number): { done: Promise<boolean>; cancel: () => void } {
  let resolveFn: (v: boolean) => void = () => undefined;
  const done = new Promise<boolean>((r) => (resolveFn = r));
  const h = clock.setTimer(ms, () => resolveFn(true));
  return {
    done,
    cancel: () => {
      clock.clearTimer(h);
      resolveFn(false);
    },
  };
}

import type { Clock, TimerHandle } from './clock.ts';

interface FakeTimer extends TimerHandle {
  id: number;
  at: number;
  fn: () => void;
  every: number | undefined;
}

/**
 * A manually advanced {@link Clock} for tests of timing logic (backoff, send
 * timeouts, work-queue delays). Time only moves when `advance` is called.
 */
export class FakeClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers = new Map<number, FakeTimer>();

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  monotonic(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.#add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers.delete((handle as FakeTimer).id);
  }

  clearInterval(handle: TimerHandle): void {
    this.#timers.delete((handle as FakeTimer).id);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: FakeTimer | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= target && (next === undefined || t.at < next.at)) next = t;
      }
      if (next === undefined) break;
      this.#now = next.at;
      if (next.every === undefined) this.#timers.delete(next.id);
      else next.at += next.every;
      next.fn();
    }
    this.#now = target;
  }

  #add(fn: () => void, ms: number, every: number | undefined): TimerHandle {
    const timer: FakeTimer = {
      id: this.#nextId++,
      at: this.#now + Math.max(0, ms),
      fn,
      every,
      unref: () => timer,
    };
    this.#timers.set(timer.id, timer);
    return timer;
  }
}

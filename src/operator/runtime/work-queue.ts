import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock, TimerHandle } from '../../shared/index.ts';
import { metricsOn } from '../../shared/index.ts';

/** Options of {@link WorkQueue}. Durations in milliseconds. */
export interface WorkQueueOptions {
  /** Value of the `name` label on the `workqueue_*` metrics (the controller name). */
  name: string;
  /** Time source for delays, backoff and durations. */
  clock: Clock;
  /** Registry for the `workqueue_*` metrics; none are recorded without one. */
  registry?: Registry;
  /** First per-key backoff step (default 5 ms, client-go `DefaultTypedControllerRateLimiter`). */
  baseDelayMs?: number;
  /** Cap of the per-key backoff (default 1 000 000 ms = 1000 s, as client-go). */
  maxDelayMs?: number;
  /** Sustained rate of the overall token bucket, in keys per second (default 10). */
  qps?: number;
  /** Bucket size of the overall token bucket (default 100). */
  burst?: number;
}

interface DelayedEntry {
  at: number;
  handle: TimerHandle;
}

interface Waiter {
  resolve: (key: string | undefined) => void;
}

/** Longest delay a Node timer honours (setTimeout's signed 32-bit limit). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Bucket boundaries of client-go's workqueue histograms: 10 ns … 1000 s, ×10 each. */
const WORKQUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/** The `workqueue_*` families of one registry, shared by every queue on it. */
class WorkQueueMetrics {
  readonly depth: Gauge<'name'>;
  readonly adds: Counter<'name'>;
  readonly queueDuration: Histogram<'name'>;
  readonly workDuration: Histogram<'name'>;
  readonly retries: Counter<'name'>;
  readonly queues = new Set<WorkQueue>();

  constructor(registry: Registry) {
    const queues = this.queues;
    this.depth = metricsOn.gauge(registry, {
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'] as const,
    });
    this.adds = metricsOn.counter(registry, {
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'] as const,
    });
    this.queueDuration = metricsOn.histogram(registry, {
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'] as const,
      buckets: WORKQUEUE_BUCKETS,
    });
    this.workDuration = metricsOn.histogram(registry, {
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes.',
      labelNames: ['name'] as const,
      buckets: WORKQUEUE_BUCKETS,
    });
    this.retries = metricsOn.counter(registry, {
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'] as const,
    });
    // client-go refreshes these two every 500 ms from a goroutine; computing
    // them at scrape time gives the same values without a timer.
    metricsOn.gauge(registry, {
      name: 'workqueue_unfinished_work_seconds',
      help:
        "How many seconds of work has been done that is in progress and hasn't been observed by " +
        'work_duration. Large values indicate stuck threads.',
      labelNames: ['name'] as const,
      collect() {
        for (const q of queues) this.set({ name: q.name }, q.unfinishedWorkSeconds());
      },
    });
    metricsOn.gauge(registry, {
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running.',
      labelNames: ['name'] as const,
      collect() {
        for (const q of queues) this.set({ name: q.name }, q.longestRunningProcessorSeconds());
      },
    });
  }
}

const metricsByRegistry = new WeakMap<Registry, WorkQueueMetrics>();

/**
 * A de-duplicating, rate-limited queue of reconcile keys (`namespace/name`),
 * with client-go's `workqueue.TypedRateLimitingInterface` semantics:
 *
 * - A key is queued at most once however often it is added (`dirty` set).
 * - A key is never handed to two workers at once: a key added while it is
 *   being processed (`processing` set) is queued again only when `done` is
 *   called for it, so the second reconcile sees the first one's writes.
 * - `addRateLimited` waits max(per-key exponential backoff, overall token
 *   bucket) before adding: 5 ms · 2^failures capped at 1000 s, and 10 qps with
 *   a burst of 100 (`DefaultTypedControllerRateLimiter`). `forget` resets the
 *   key's failures.
 *
 * Deviation from client-go: once shut down, `get` resolves `undefined` at once
 * even if keys are still queued, so workers stop taking keys. Dropping them is
 * safe because reconciliation is level-based: the next start relists and
 * enqueues every object.
 */
export class WorkQueue {
  /** Value of the metrics' `name` label. */
  readonly name: string;
  readonly #clock: Clock;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #qps: number;
  readonly #burst: number;
  readonly #metrics: WorkQueueMetrics | undefined;

  /** FIFO of keys ready to be processed; each also in #dirty. */
  #queue: string[] = [];
  /** Keys that need processing (queued, or re-added while processing). */
  readonly #dirty = new Set<string>();
  /** Keys handed out by `get` and not yet `done`, with their start time. */
  readonly #processing = new Map<string, number>();
  /** When each dirty key was first added, for `workqueue_queue_duration_seconds`. */
  readonly #addedAt = new Map<string, number>();
  readonly #delayed = new Map<string, DelayedEntry>();
  readonly #failures = new Map<string, number>();
  readonly #waiters: Waiter[] = [];
  #tokens: number;
  #tokensAt: number;
  #shuttingDown = false;
  #drainWaiters: (() => void)[] = [];

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.#clock = options.clock;
    this.#baseDelayMs = options.baseDelayMs ?? 5;
    this.#maxDelayMs = options.maxDelayMs ?? 1_000_000;
    this.#qps = options.qps ?? 10;
    this.#burst = options.burst ?? 100;
    this.#tokens = this.#burst;
    this.#tokensAt = this.#clock.monotonic();
    if (options.registry !== undefined) {
      let m = metricsByRegistry.get(options.registry);
      if (m === undefined) {
        m = new WorkQueueMetrics(options.registry);
        metricsByRegistry.set(options.registry, m);
      }
      this.#metrics = m;
      m.queues.add(this);
      // Pre-create the series at zero (controller-runtime initMetrics habit).
      m.depth.set({ name: this.name }, 0);
      m.adds.inc({ name: this.name }, 0);
      m.retries.inc({ name: this.name }, 0);
      m.queueDuration.zero({ name: this.name });
      m.workDuration.zero({ name: this.name });
    }
  }

  /** Number of keys waiting to be handed out (not counting delayed or in-process keys). */
  get length(): number {
    return this.#queue.length;
  }

  /** True after `shutDown` or `shutDownWithDrain`. */
  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Marks `key` as needing processing. No-op when it is already queued or after shutdown. */
  add(key: string): void {
    if (this.#shuttingDown) return;
    if (this.#dirty.has(key)) return;
    this.#metrics?.adds.inc({ name: this.name });
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#clock.monotonic());
    // A key being processed goes back into the FIFO in `done`, never twice at once.
    if (this.#processing.has(key)) return;
    this.#queue.push(key);
    this.#setDepth();
    this.#dispatch();
  }

  /**
   * Adds `key` after `delayMs` milliseconds (at once when `<= 0`). If the key
   * is already waiting, the earlier deadline wins (client-go delaying queue).
   */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    // Node fires a timer longer than 2^31-1 ms (~24.8 days) immediately; a caller asking
    // for longer (a certificate renewal a year away) gets its key back at the cap instead.
    const delay = Math.min(delayMs, MAX_TIMER_MS);
    const at = this.#clock.monotonic() + delay;
    const existing = this.#delayed.get(key);
    if (existing !== undefined) {
      if (existing.at <= at) return;
      this.#clock.clearTimeout(existing.handle);
    }
    const handle = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delay);
    handle.unref();
    this.#delayed.set(key, { at, handle });
  }

  /**
   * Adds `key` once the rate limiter allows: after max(per-key backoff, token
   * bucket delay). Each call counts as a failure of `key` until `forget`.
   */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retries.inc({ name: this.name });
    this.addAfter(key, this.whenMs(key));
  }

  /**
   * The delay `addRateLimited` would use now, in milliseconds, and records one
   * more failure of `key` (client-go `RateLimiter.When`). Exposed for tests.
   */
  whenMs(key: string): number {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    const exp = this.#baseDelayMs * 2 ** failures;
    const itemDelay = Number.isFinite(exp) ? Math.min(exp, this.#maxDelayMs) : this.#maxDelayMs;
    return Math.max(itemDelay, this.#reserveToken());
  }

  /** Failures recorded for `key` since its last `forget`. */
  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /** Resets the per-key backoff of `key` (call after a successful reconcile). */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /**
   * Waits for the next key and marks it as processing. Resolves `undefined`
   * once the queue is shut down. Every key returned must be passed to `done`.
   */
  get(): Promise<string | undefined> {
    if (this.#shuttingDown) return Promise.resolve(undefined);
    const key = this.#pop();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => {
      this.#waiters.push({ resolve });
    });
  }

  /**
   * Ends the processing of `key`. If it was added again meanwhile, it is
   * queued now.
   */
  done(key: string): void {
    const started = this.#processing.get(key);
    if (started === undefined) return;
    this.#processing.delete(key);
    this.#metrics?.workDuration.observe(
      { name: this.name },
      (this.#clock.monotonic() - started) / 1000,
    );
    if (this.#dirty.has(key) && !this.#shuttingDown) {
      this.#queue.push(key);
      this.#setDepth();
      this.#dispatch();
    }
    if (this.#processing.size === 0 && this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /**
   * Stops the queue: adds are ignored, pending delayed adds are cancelled, and
   * `get` resolves `undefined` for waiting and future callers.
   */
  shutDown(): void {
    if (!this.#shuttingDown) {
      this.#shuttingDown = true;
      for (const d of this.#delayed.values()) this.#clock.clearTimeout(d.handle);
      this.#delayed.clear();
      this.#queue = [];
      this.#dirty.clear();
      this.#addedAt.clear();
      this.#setDepth();
      const waiters = this.#waiters.splice(0);
      for (const w of waiters) w.resolve(undefined);
      this.#metrics?.queues.delete(this);
    }
  }

  /**
   * {@link shutDown}, then resolves once every key handed out by `get` has
   * been passed to `done` (client-go `ShutDownWithDrain`).
   */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drainWaiters.push(resolve);
    });
  }

  /** Seconds of work in progress not yet observed by `workqueue_work_duration_seconds`. */
  unfinishedWorkSeconds(): number {
    const now = this.#clock.monotonic();
    let total = 0;
    for (const started of this.#processing.values()) total += now - started;
    return total / 1000;
  }

  /** Seconds the oldest in-progress key has been processing. */
  longestRunningProcessorSeconds(): number {
    const now = this.#clock.monotonic();
    let longest = 0;
    for (const started of this.#processing.values()) longest = Math.max(longest, now - started);
    return longest / 1000;
  }

  #pop(): string | undefined {
    const key = this.#queue.shift();
    if (key === undefined) return undefined;
    this.#dirty.delete(key);
    const now = this.#clock.monotonic();
    this.#processing.set(key, now);
    const added = this.#addedAt.get(key);
    this.#addedAt.delete(key);
    if (added !== undefined) {
      this.#metrics?.queueDuration.observe({ name: this.name }, (now - added) / 1000);
    }
    this.#setDepth();
    return key;
  }

  #dispatch(): void {
    while (this.#waiters.length > 0 && this.#queue.length > 0) {
      const waiter = this.#waiters.shift()!;
      waiter.resolve(this.#pop());
    }
  }

  /**
   * Takes one token from the overall bucket and returns how long the caller
   * must wait for it, in ms (golang.org/x/time/rate `Reserve().Delay()`: the
   * token count may go negative, which spaces later callers out at `qps`).
   */
  #reserveToken(): number {
    const now = this.#clock.monotonic();
    const elapsed = Math.max(0, now - this.#tokensAt);
    this.#tokens = Math.min(this.#burst, this.#tokens + (elapsed * this.#qps) / 1000);
    this.#tokensAt = now;
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.#qps) * 1000;
  }

  #setDepth(): void {
    this.#metrics?.depth.set({ name: this.name }, this.#queue.length);
  }
}

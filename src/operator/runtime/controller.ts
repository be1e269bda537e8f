import { randomUUID } from 'node:crypto';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock, Logger, TimerHandle } from '../../shared/index.ts';
import { metricsOn } from '../../shared/index.ts';
import { isTerminalError, type Result } from './result.ts';
import { WorkQueue } from './work-queue.ts';

/**
 * Reconciles one object, identified by `namespace/name` (or `name` for
 * cluster-scoped objects). It must read the current state itself, converge
 * it to the desired state, and be safe to call any number of times. `signal`
 * aborts when the controller stops and the grace period has run out.
 * See {@link Result} for what a return value or a thrown error does.
 */
export type Reconciler = (key: string, signal: AbortSignal) => Promise<Result>;

/** Options of {@link Controller}. */
export interface ControllerOptions {
  /** Controller name: the `controller` label, the work queue's `name` and log field. */
  name: string;
  reconcile: Reconciler;
  clock: Clock;
  logger: Logger;
  /** Registry for `controller_runtime_*` (and the queue's `workqueue_*`) metrics. */
  registry?: Registry;
  /** Workers reconciling different keys in parallel (default 1, as controller-runtime). */
  maxConcurrentReconciles?: number;
  /** A queue to use instead of a default {@link WorkQueue} named after the controller. */
  queue?: WorkQueue;
}

type ResultLabel = 'success' | 'error' | 'requeue' | 'requeue_after';
const RESULT_LABELS: readonly ResultLabel[] = ['success', 'error', 'requeue', 'requeue_after'];

/** controller-runtime's `reconcile_time_seconds` buckets (5 ms … 60 s). */
const RECONCILE_TIME_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9,
  1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

interface ControllerMetrics {
  total: Counter<'controller' | 'result'>;
  errors: Counter<'controller'>;
  terminalErrors: Counter<'controller'>;
  time: Histogram<'controller'>;
  activeWorkers: Gauge<'controller'>;
  maxConcurrent: Gauge<'controller'>;
}

function controllerMetrics(registry: Registry): ControllerMetrics {
  const labelNames = ['controller'] as const;
  return {
    total: metricsOn.counter(registry, {
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'] as const,
    }),
    errors: metricsOn.counter(registry, {
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames,
    }),
    terminalErrors: metricsOn.counter(registry, {
      name: 'controller_runtime_terminal_reconcile_errors_total',
      help: 'Total number of terminal reconciliation errors per controller',
      labelNames,
    }),
    time: metricsOn.histogram(registry, {
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames,
      buckets: RECONCILE_TIME_BUCKETS,
    }),
    activeWorkers: metricsOn.gauge(registry, {
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      labelNames,
    }),
    maxConcurrent: metricsOn.gauge(registry, {
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      labelNames,
    }),
  };
}

/**
 * The worker loop of controller-runtime's `internal/controller`: N workers
 * take keys from a {@link WorkQueue} and call the reconciler, one key at a
 * time per key (the queue guarantees that).
 *
 * After each reconcile (`reconcileHandler`):
 * - thrown error → `addRateLimited` (per-key exponential backoff), result `error`;
 * - thrown {@link TerminalError} → logged and counted, `forget`, no retry;
 * - `{ requeue: true }` → `addRateLimited`, result `requeue`;
 * - `{ requeueAfterMs > 0 }` → `forget`, then `addAfter`, result `requeue_after`;
 * - otherwise → `forget`, result `success`.
 * `done` is always called, so a key added during the reconcile runs again.
 *
 * Event sources (informers) feed the queue through {@link Controller.queue}.
 */
export class Controller {
  readonly name: string;
  /** The queue the informers' event handlers add keys to. */
  readonly queue: WorkQueue;
  readonly #reconcile: Reconciler;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #workers: number;
  readonly #metrics: ControllerMetrics | undefined;
  readonly #abort = new AbortController();
  #running: Promise<void>[] = [];
  #started = false;

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.#reconcile = options.reconcile;
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'controller', controller: options.name });
    this.#workers = Math.max(1, options.maxConcurrentReconciles ?? 1);
    this.queue =
      options.queue ??
      new WorkQueue({
        name: options.name,
        clock: options.clock,
        ...(options.registry === undefined ? {} : { registry: options.registry }),
      });
    if (options.registry !== undefined) {
      const m = controllerMetrics(options.registry);
      this.#metrics = m;
      const controller = this.name;
      // Every series exists from the start (controller-runtime initMetrics), so
      // dashboards and alerts see zeros instead of gaps.
      for (const result of RESULT_LABELS) m.total.inc({ controller, result }, 0);
      m.errors.inc({ controller }, 0);
      m.terminalErrors.inc({ controller }, 0);
      m.time.zero({ controller });
      m.activeWorkers.set({ controller }, 0);
      m.maxConcurrent.set({ controller }, this.#workers);
    }
  }

  /** Starts the workers. Call once; keys queued before `start` are processed too. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#log.info({ workers: this.#workers }, 'Starting workers');
    for (let i = 0; i < this.#workers; i++) this.#running.push(this.#worker());
  }

  /**
   * Stops taking keys and waits for in-flight reconciles to finish. If they
   * are still running after `graceMs` (default 30 000 ms), their `signal` is
   * aborted and they are awaited once more. Resolves when every worker ended.
   */
  async stop(graceMs = 30_000): Promise<void> {
    this.#log.info({}, 'Stopping workers');
    const drained = this.queue.shutDownWithDrain();
    let timer: TimerHandle | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, graceMs);
    });
    await Promise.race([drained, graceOver]);
    if (timer !== undefined) this.#clock.clearTimeout(timer);
    this.#abort.abort(new Error('controller stopped'));
    await Promise.all(this.#running);
    this.#running = [];
    this.#log.info({}, 'All workers finished');
  }

  async #worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.#handle(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  async #handle(key: string): Promise<void> {
    const controller = this.name;
    const reconcileId = randomUUID();
    const log = this.#log.child({ key, reconcileId });
    const started = this.#clock.monotonic();
    this.#metrics?.activeWorkers.inc({ controller });
    let result: Result | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = await this.#reconcile(key, this.#abort.signal);
    } catch (err) {
      failed = true;
      failure = err;
    } finally {
      this.#metrics?.activeWorkers.dec({ controller });
    }
    // Seconds, as in the histogram.
    const duration = (this.#clock.monotonic() - started) / 1000;
    this.#metrics?.time.observe({ controller }, duration);
    if (failed) {
      this.#metrics?.total.inc({ controller, result: 'error' });
      this.#metrics?.errors.inc({ controller });
      if (isTerminalError(failure)) {
        this.#metrics?.terminalErrors.inc({ controller });
        this.queue.forget(key);
        log.error({ err: failure, duration }, 'Reconciler error (terminal, not retried)');
      } else {
        this.queue.addRateLimited(key);
        log.error(
          { err: failure, duration, requeues: this.queue.numRequeues(key) },
          'Reconciler error',
        );
      }
      return;
    }
    const after = result?.requeueAfterMs ?? 0;
    if (after > 0) {
      // Forget first: a successful reconcile must not inherit an earlier
      // failure's backoff (controller-runtime reconcileHandler).
      this.queue.forget(key);
      this.queue.addAfter(key, after);
      this.#metrics?.total.inc({ controller, result: 'requeue_after' });
      log.debug({ duration, requeueAfterMs: after }, 'Reconcile done, requeue after delay');
    } else if (result?.requeue === true) {
      this.queue.addRateLimited(key);
      this.#metrics?.total.inc({ controller, result: 'requeue' });
      log.debug({ duration }, 'Reconcile done, requeue with backoff');
    } else {
      this.queue.forget(key);
      this.#metrics?.total.inc({ controller, result: 'success' });
      log.debug({ duration }, 'Reconcile done');
    }
  }
}

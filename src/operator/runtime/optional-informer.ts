import type { KubernetesObject } from '@kubernetes/client-node';
import type { Clock, Logger, TimerHandle } from '../../shared/index.ts';

/** What {@link OptionalInformer} needs of the informer it runs; an `Informer` fits. */
export interface OptionalInformerTarget<T extends KubernetesObject> {
  start(): Promise<void>;
  stop(): Promise<void>;
  waitForSync(signal?: AbortSignal): Promise<void>;
  hasSynced(): boolean;
  isWatching(): boolean;
  resync(): void;
  get(namespace: string | undefined, name: string): T | undefined;
  list(namespace?: string): T[];
}

/** Options of {@link OptionalInformer}. Durations in milliseconds. */
export interface OptionalInformerOptions<T extends KubernetesObject> {
  /** Log field, e.g. `certificates`. */
  name: string;
  /** Discovery: is the kind served right now? May reject (treated as "ask again later"). */
  served: () => Promise<boolean>;
  /**
   * Builds a fresh, not yet started informer with its event handlers registered. Called on
   * every activation: a stopped informer cannot be restarted.
   */
  create: () => OptionalInformerTarget<T>;
  /** How often discovery is asked while the kind is absent or its watch fails. */
  checkMs: number;
  clock: Clock;
  logger: Logger;
  /** Called once the informer of an activation has synced: its cache may now be read. */
  onSynced?: (informer: OptionalInformerTarget<T>) => void;
  /** Called when the informer stops because the kind is no longer served, or on {@link OptionalInformer.stop}. */
  onStopped?: () => void;
}

/**
 * An informer on a kind whose CRD may be absent (cert-manager's `Certificate`, the Prometheus
 * Operator's `ServiceMonitor`): it runs only while discovery says the kind is served.
 *
 * Design: installing or removing a CRD sends the operator no event on the kinds it watches, so
 * this asks discovery itself, on the injectable clock, every `checkMs` (the manager passes the
 * reconciler's discovery TTL, so the informer appears within the same delay as the reconciler
 * starts creating objects of the kind). The check is cheap and runs only while it can change
 * something: while the kind is absent (to start the informer once it appears) and while an
 * active informer's watch is failing (to stop it when the CRD was removed, instead of letting
 * it retry a 404 forever; its own restart backoff, 1 s → 30 s with a constant log message,
 * bounds the retries in between). A healthy watch is never interrupted by discovery.
 *
 * {@link hasSynced} is true while the kind is absent, so readiness and the first cache sync do
 * not wait for a CRD that may never come; when the kind is served at {@link start}, the
 * informer starts at once and {@link waitForSync} waits for it like for any other.
 */
export class OptionalInformer<T extends KubernetesObject> {
  readonly name: string;
  readonly #o: OptionalInformerOptions<T>;
  readonly #log: Logger;
  #inner: OptionalInformerTarget<T> | undefined;
  /** Aborts the pending sync wait of the current activation. */
  #activation: AbortController | undefined;
  #timer: TimerHandle | undefined;
  #checking: Promise<void> | undefined;
  /** `onSynced` was called for the current activation. */
  #published = false;
  #started = false;
  #stopped = false;

  constructor(options: OptionalInformerOptions<T>) {
    this.name = options.name;
    this.#o = options;
    this.#log = options.logger.child({ component: 'optional-informer', informer: options.name });
  }

  /**
   * Asks discovery once (starting the informer when the kind is served) and schedules the
   * periodic checks. Never rejects: a failed discovery request is retried at the next check.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.check();
  }

  /** Stops the checks and the informer. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#o.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#checking;
    await this.#deactivate();
  }

  /** True while an informer runs (the kind was served at the last check). */
  get active(): boolean {
    return this.#inner !== undefined;
  }

  /** True while the kind is absent, else once the running informer has synced. */
  hasSynced(): boolean {
    return this.#inner?.hasSynced() ?? true;
  }

  /**
   * Waits for the running informer's first list; resolves at once while the kind is absent.
   * `onSynced` has been called when it resolves, so a caller that waits before reading the
   * caches (the manager before starting its controller) finds the cache published.
   */
  async waitForSync(signal?: AbortSignal): Promise<void> {
    const inner = this.#inner;
    if (inner === undefined) return;
    await inner.waitForSync(signal);
    this.#publish(inner);
  }

  /** Re-sends every cached object's keys (nothing while the kind is absent). */
  resync(): void {
    this.#inner?.resync();
  }

  /**
   * One discovery check now (also what the timer runs); concurrent calls share one check.
   * Resolves once any resulting start or stop is done; never rejects.
   */
  async check(): Promise<void> {
    if (this.#stopped) return;
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
      this.#schedule();
    });
    await this.#checking;
  }

  async #check(): Promise<void> {
    const inner = this.#inner;
    // A healthy watch needs no discovery: it would fail first if the CRD went away.
    if (inner?.isWatching() === true) return;
    let served: boolean;
    try {
      served = await this.#o.served();
    } catch (err) {
      this.#log.warn({ err, delayMs: this.#o.checkMs }, 'Discovery check failed, retrying');
      return;
    }
    if (this.#stopped) return;
    if (inner === undefined && served) {
      try {
        await this.#activate();
      } catch (err) {
        // Informer.start does not reject; a failing factory is retried at the next check.
        this.#log.error({ err }, 'Starting informer failed');
        await this.#deactivate();
      }
    } else if (inner !== undefined && !served) {
      this.#log.info({}, 'Kind no longer served, stopping its informer');
      await this.#deactivate();
    }
  }

  async #activate(): Promise<void> {
    const inner = this.#o.create();
    const activation = new AbortController();
    this.#inner = inner;
    this.#activation = activation;
    this.#log.info({}, 'Kind served, starting its informer');
    await inner.start();
    inner.waitForSync(activation.signal).then(
      () => {
        this.#publish(inner);
      },
      // Rejects only when the activation ends first.
      () => {},
    );
  }

  /** Calls `onSynced` once per activation, and only for the current one. */
  #publish(inner: OptionalInformerTarget<T>): void {
    if (this.#inner !== inner || this.#published) return;
    this.#published = true;
    this.#o.onSynced?.(inner);
  }

  async #deactivate(): Promise<void> {
    const inner = this.#inner;
    if (inner === undefined) return;
    this.#inner = undefined;
    this.#published = false;
    this.#activation?.abort(new Error('optional informer stopped'));
    this.#activation = undefined;
    this.#o.onStopped?.();
    await inner.stop();
  }

  #schedule(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = this.#o.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.check();
    }, this.#o.checkMs);
    this.#timer.unref();
  }
}

import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Counter, Gauge, Registry } from 'prom-client';
import type { Clock, Logger, TimerHandle } from '../../shared/index.ts';
import { metricsOn } from '../../shared/index.ts';

/** Why a handler is called: a watch event, or the periodic (or explicit) resync of the cache. */
export type InformerEvent = 'add' | 'update' | 'delete' | 'resync';

/** Maps an object to the reconcile key it concerns, or `undefined` to ignore it. */
export type KeyMapper = (obj: KubernetesObject, event: InformerEvent) => string | undefined;

/** Where event handlers put keys: a {@link WorkQueue} fits. */
export interface KeySink {
  add(key: string): void;
}

/** `namespace/name`, or `name` for cluster-scoped objects (client-go `MetaNamespaceKeyFunc`). */
export function objectKey(obj: KubernetesObject): string | undefined {
  const name = obj.metadata?.name;
  if (name === undefined || name === '') return undefined;
  const ns = obj.metadata?.namespace;
  return ns === undefined || ns === '' ? name : `${ns}/${name}`;
}

/** Handler mapping each object to its own key (controller-runtime `EnqueueRequestForObject`). */
export function forObject(): KeyMapper {
  return objectKey;
}

/** What must differ between two versions of an object for an update to be worth a reconcile. */
function changeFingerprint(obj: KubernetesObject): string {
  const m = obj.metadata;
  return JSON.stringify([
    m?.generation,
    m?.deletionTimestamp,
    m?.labels,
    m?.annotations,
    m?.finalizers,
  ]);
}

/**
 * {@link forObject} that ignores update events changing none of `metadata.generation`,
 * labels, annotations, finalizers or the deletion timestamp: controller-runtime's
 * `GenerationChangedPredicate` or'ed with its label and annotation predicates. Its purpose is the
 * primary resource's own status writes: each would otherwise cost one more reconcile that finds
 * nothing to do (a third of all reconciles during a cold start). Adds, deletes and resyncs always
 * pass, so a status edited by someone else is still corrected at the next resync.
 */
export function forObjectWhenChanged(): KeyMapper {
  const seen = new Map<string, string>();
  return (obj, event) => {
    const key = objectKey(obj);
    if (key === undefined) return undefined;
    if (event === 'delete') {
      seen.delete(key);
      return key;
    }
    const fingerprint = changeFingerprint(obj);
    const previous = seen.get(key);
    seen.set(key, fingerprint);
    return event === 'update' && previous === fingerprint ? undefined : key;
  };
}

/** API group of an `apiVersion` (`apps/v1` → `apps`, `v1` → `''`). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * Handler mapping an object to the key of its controlling owner of `kind` in
 * the group of `apiVersion` (controller-runtime `EnqueueRequestForOwner` with
 * `OnlyControllerOwner`): only the ownerReference with `controller: true`
 * counts, and versions are ignored because one object may be served under
 * several. Owners live in the object's namespace (cross-namespace owner
 * references are not allowed).
 */
export function forOwner(kind: string, apiVersion: string): KeyMapper {
  const group = groupOf(apiVersion);
  return (obj) => {
    const ref = obj.metadata?.ownerReferences?.find((r) => r.controller === true);
    if (ref === undefined || ref.kind !== kind || groupOf(ref.apiVersion) !== group) {
      return undefined;
    }
    const ns = obj.metadata?.namespace;
    return ns === undefined || ns === '' ? ref.name : `${ns}/${ref.name}`;
  };
}

/** Builds the watch path of a resource: `/api/v1/namespaces/ns/configmaps`, `/apis/apps/v1/deployments`. */
export function resourcePath(apiVersion: string, plural: string, namespace?: string): string {
  const root = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace === undefined
    ? `${root}/${plural}`
    : `${root}/namespaces/${namespace}/${plural}`;
}

/**
 * The part of client-node's `ListWatch` the informer uses; tests may supply a
 * fake through {@link InformerOptions.createListWatch}.
 */
export interface ListWatchLike<T extends KubernetesObject> {
  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error' | 'connect', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  get(name: string, namespace?: string): T | undefined;
  list(namespace?: string): readonly T[];
  latestResourceVersion(): string;
}

/** Paging and field selection of one list request of an informer. */
export interface ListPage {
  fieldSelector?: string;
  /** Most objects in the answer. */
  limit: number;
  /** The previous page's `metadata.continue`; absent for the first page. */
  continueToken?: string;
}

/** The continue token of a list answer (`_continue` in client-node's models, `continue` raw). */
function continueOf(list: KubernetesListObject<KubernetesObject>): string | undefined {
  const meta: { _continue?: string; continue?: string } | undefined = list.metadata;
  const token = meta?._continue ?? meta?.continue;
  return token === undefined || token === '' ? undefined : token;
}

/** Options of {@link Informer}. Durations in milliseconds. */
export interface InformerOptions<T extends KubernetesObject> {
  /** Informer name: the `informer` metric label and log field (e.g. `deployments`). */
  name: string;
  kubeConfig: KubeConfig;
  /** Watch path for `namespace`, or cluster-wide for `undefined`; see {@link resourcePath}. */
  path: (namespace: string | undefined) => string;
  /**
   * Lists one page of the objects of `namespace` (all namespaces for `undefined`) with the label
   * selector and `page`'s field selector, limit and continue token. A lister that ignores `page`
   * (answers everything with no continue token) works too.
   */
  list: (
    namespace: string | undefined,
    labelSelector: string | undefined,
    page: ListPage,
  ) => Promise<KubernetesListObject<T>>;
  /** Field selector of both list and watch, e.g. `type!=helm.sh/release.v1`. */
  fieldSelector?: string;
  /**
   * Objects per list request (default 500, as client-go's reflector): each page is transformed
   * before the next is asked for, so a list of large objects never sits whole in memory.
   */
  listPageSize?: number;
  /** Namespaces to watch, one list+watch each; cluster-wide when absent or empty. */
  namespaces?: readonly string[];
  /** Label selector of both list and watch, e.g. `app.kubernetes.io/managed-by=pulsar-ws-operator`. */
  labelSelector?: string;
  clock: Clock;
  logger: Logger;
  registry?: Registry;
  /** Re-enqueue every cached object's keys this often (default 600 000 = 10 min; 0 disables). */
  resyncPeriodMs?: number;
  /** First restart delay after the watch stopped on an error (default 1000). */
  restartInitialMs?: number;
  /** Cap of the restart delay (default 30 000, as client-node's own reconnect cap). */
  restartMaxMs?: number;
  /** Randomness in [0, 1) for jitter (default `Math.random`). */
  random?: () => number;
  /**
   * Applied to every listed or watched object before it is cached (client-go's
   * `SetTransform`); may modify the object it is given, which no one else holds.
   */
  transform?: (obj: T) => T;
  /** Creates the list+watch of one namespace (default: client-node's `ListWatch`). */
  createListWatch?: (
    path: string,
    list: () => Promise<KubernetesListObject<T>>,
    labelSelector: string | undefined,
    fieldSelector: string | undefined,
  ) => ListWatchLike<T>;
}

interface Source<T extends KubernetesObject> {
  namespace: string | undefined;
  lw: ListWatchLike<T>;
  listed: boolean;
  synced: boolean;
  failing: boolean;
  attempt: number;
  lastRestartAt: number;
  timer: TimerHandle | undefined;
}

interface InformerMetrics {
  restarts: Counter<'informer'>;
  up: Gauge<'informer'>;
  lastEvent: Gauge<'informer'>;
}

/**
 * A supervised informer over client-node's `ListWatch`, one per namespace:
 * an in-memory cache of one resource kind plus handlers that turn every
 * add/update/delete into reconcile keys.
 *
 * Why the supervision: `ListWatch` handles 410 Gone (relist) and client
 * timeouts (re-watch) itself, but on any other error (connection refused
 * while the API server restarts, ECONNRESET, 403, 5xx at list) it calls the
 * error callbacks and stops for good (`cache.ts` `doneHandler`; client-node
 * issues #596, #1496). This informer restarts the same `ListWatch` after a
 * jittered exponential delay (1 s → 30 s). Restarting the same instance keeps
 * its cache and last resourceVersion, so it resumes the watch where it left
 * off, or, if that version has expired (410), relists and emits `delete` for
 * objects that vanished meanwhile: nothing is missed (issue #795).
 *
 * Handlers receive only the resulting key; reconcilers then read state from
 * the cache or the API (level-based; docs/style.md §7.6 anti-pattern 1).
 *
 * Objects in the cache come from list responses (client-node typed models,
 * with `Date` timestamps) or watch events (plain JSON): treat them as
 * read-only and compare values, not classes.
 *
 * Metrics: `informer_up{informer}` (1 while every namespace's watch runs),
 * `informer_restarts_total{informer}`, and
 * `informer_last_event_timestamp_seconds{informer}` for staleness alerts.
 */
export class Informer<T extends KubernetesObject> {
  readonly name: string;
  readonly #opts: InformerOptions<T>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #sources: Source<T>[];
  readonly #handlers: { map: KeyMapper; sink: KeySink }[] = [];
  readonly #metrics: InformerMetrics | undefined;
  readonly #random: () => number;
  #started = false;
  #stopped = false;
  #resyncTimer: TimerHandle | undefined;

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.#opts = options;
    this.#clock = options.clock;
    this.#random = options.random ?? Math.random;
    this.#log = options.logger.child({ component: 'informer', informer: options.name });
    const namespaces =
      options.namespaces === undefined || options.namespaces.length === 0
        ? [undefined]
        : [...new Set(options.namespaces)];
    this.#sources = namespaces.map((ns) => this.#createSource(ns));
    if (options.registry !== undefined) {
      const labelNames = ['informer'] as const;
      this.#metrics = {
        restarts: metricsOn.counter(options.registry, {
          name: 'informer_restarts_total',
          help: 'Restarts of an informer whose watch stopped on an error.',
          labelNames,
        }),
        up: metricsOn.gauge(options.registry, {
          name: 'informer_up',
          help: '1 while every list+watch of the informer runs, 0 while one waits to restart.',
          labelNames,
        }),
        lastEvent: metricsOn.gauge(options.registry, {
          name: 'informer_last_event_timestamp_seconds',
          help: 'Unix time of the last add/update/delete event the informer received.',
          labelNames,
        }),
      };
      this.#metrics.restarts.inc({ informer: this.name }, 0);
      this.#metrics.up.set({ informer: this.name }, 0);
      this.#metrics.lastEvent.set({ informer: this.name }, 0);
    }
  }

  /**
   * Sends the key `map` gives for every added, updated or deleted object (and
   * for every cached object at each resync) to `sink`. Register handlers
   * before `start` so the initial list reaches them.
   */
  addEventHandler(map: KeyMapper, sink: KeySink): void {
    this.#handlers.push({ map, sink });
  }

  /** Starts listing and watching. Resolves once every initial request is under way. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#metrics?.up.set({ informer: this.name }, 1);
    await Promise.all(this.#sources.map((s) => this.#run(s)));
    this.#scheduleResync();
  }

  /** Stops every watch, restart and resync timer. The cache keeps its last content. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#resyncTimer !== undefined) this.#clock.clearTimeout(this.#resyncTimer);
    for (const s of this.#sources) {
      if (s.timer !== undefined) this.#clock.clearTimeout(s.timer);
      s.timer = undefined;
    }
    await Promise.all(this.#sources.map((s) => s.lw.stop()));
    this.#metrics?.up.set({ informer: this.name }, 0);
  }

  /**
   * True once every namespace has completed its first list (client-go
   * `HasSynced`). Stays true afterwards, also while a watch restarts.
   */
  hasSynced(): boolean {
    return this.#sources.every((s) => this.#checkSynced(s));
  }

  /** True while no list+watch is waiting to restart after an error. */
  isWatching(): boolean {
    return this.#started && !this.#stopped && this.#sources.every((s) => !s.failing);
  }

  /**
   * Resolves once {@link hasSynced}, polling every `pollMs` (default 50);
   * rejects with `signal.reason` when `signal` aborts first.
   */
  async waitForSync(signal?: AbortSignal, pollMs = 50): Promise<void> {
    while (!this.hasSynced()) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const timer = this.#clock.setTimeout(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, pollMs);
        const onAbort = (): void => {
          this.#clock.clearTimeout(timer);
          reject(signal?.reason as Error);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      });
    }
  }

  /** The cached object `namespace/name` (`namespace` undefined for cluster-scoped kinds). */
  get(namespace: string | undefined, name: string): T | undefined {
    for (const s of this.#sources) {
      if (s.namespace === undefined || s.namespace === namespace) {
        const obj = s.lw.get(name, namespace);
        if (obj !== undefined) return obj;
      }
    }
    return undefined;
  }

  /** Every cached object, or those of one namespace. */
  list(namespace?: string): T[] {
    const out: T[] = [];
    for (const s of this.#sources) {
      if (namespace === undefined || s.namespace === undefined || s.namespace === namespace) {
        out.push(...s.lw.list(namespace));
      }
    }
    return out;
  }

  /** Sends every cached object's keys to the handlers now (what the periodic resync does). */
  resync(): void {
    for (const obj of this.list()) this.#dispatch(obj, 'resync');
  }

  #createSource(namespace: string | undefined): Source<T> {
    const opts = this.#opts;
    const selector = opts.labelSelector;
    // `source` is only read when the list runs, after it is initialised below.
    const transform = opts.transform;
    const fieldSelector = opts.fieldSelector;
    const limit = opts.listPageSize ?? 500;
    const list = async (): Promise<KubernetesListObject<T>> => {
      // Pages of one consistent snapshot (the continue token pins its resourceVersion, which
      // every page reports); an expired token fails the list and the informer restarts it.
      const items: T[] = [];
      let page: KubernetesListObject<T>;
      let continueToken: string | undefined;
      do {
        page = await opts.list(namespace, selector, {
          limit,
          ...(fieldSelector === undefined ? {} : { fieldSelector }),
          ...(continueToken === undefined ? {} : { continueToken }),
        });
        for (const obj of page.items) items.push(transform === undefined ? obj : transform(obj));
        continueToken = continueOf(page);
      } while (continueToken !== undefined);
      source.listed = true;
      return { ...page, items };
    };
    const path = opts.path(namespace);
    const watch =
      transform === undefined
        ? new Watch(opts.kubeConfig)
        : new TransformingWatch(opts.kubeConfig, transform as (obj: KubernetesObject) => unknown);
    const lw =
      opts.createListWatch?.(path, list, selector, fieldSelector) ??
      new ListWatch<T>(path, watch, list, false, selector, fieldSelector);
    const source: Source<T> = {
      namespace,
      lw,
      listed: false,
      synced: false,
      failing: false,
      attempt: 0,
      lastRestartAt: 0,
      timer: undefined,
    };
    const on = (event: InformerEvent) => (obj: T) => {
      source.attempt = 0;
      this.#dispatch(obj, event);
    };
    source.lw.on('add', on('add'));
    source.lw.on('update', on('update'));
    source.lw.on('delete', on('delete'));
    source.lw.on('error', (err) => {
      this.#onError(source, err);
    });
    return source;
  }

  #dispatch(obj: T, event: InformerEvent): void {
    if (event !== 'resync') {
      this.#metrics?.lastEvent.set({ informer: this.name }, this.#clock.now() / 1000);
    }
    for (const h of this.#handlers) {
      const key = h.map(obj, event);
      if (key !== undefined) h.sink.add(key);
    }
  }

  async #run(source: Source<T>): Promise<void> {
    source.lastRestartAt = this.#clock.monotonic();
    try {
      await source.lw.start();
    } catch (err) {
      // start() rejects only on unexpected failures (e.g. auth plugins); treat like a watch error.
      this.#onError(source, err);
    }
  }

  #onError(source: Source<T>, err: unknown): void {
    // ListWatch.stop() aborts the request, which also reports an error.
    if (this.#stopped || source.timer !== undefined) return;
    source.failing = true;
    this.#metrics?.up.set({ informer: this.name }, 0);
    const now = this.#clock.monotonic();
    const maxMs = this.#opts.restartMaxMs ?? 30_000;
    // A watch that ran fine for a while starts over from the shortest delay.
    if (now - source.lastRestartAt > 2 * maxMs) source.attempt = 0;
    const base = Math.min(maxMs, (this.#opts.restartInitialMs ?? 1000) * 2 ** source.attempt);
    source.attempt++;
    // Jitter in [base/2, base): informers that failed together do not retry in lockstep (#1933).
    const delayMs = Math.round(base / 2 + (this.#random() * base) / 2);
    this.#log.warn(
      { err, namespace: source.namespace, delayMs, attempt: source.attempt },
      'Watch stopped, restarting informer',
    );
    source.timer = this.#clock.setTimeout(() => {
      source.timer = undefined;
      if (this.#stopped) return;
      source.failing = false;
      if (this.#sources.every((s) => !s.failing)) this.#metrics?.up.set({ informer: this.name }, 1);
      this.#metrics?.restarts.inc({ informer: this.name });
      void this.#run(source);
    }, delayMs);
    source.timer.unref();
  }

  #checkSynced(source: Source<T>): boolean {
    if (!source.synced && source.listed && source.lw.latestResourceVersion() !== '') {
      source.synced = true;
    }
    return source.synced;
  }

  #scheduleResync(): void {
    const period = this.#opts.resyncPeriodMs ?? 600_000;
    if (period <= 0 || this.#stopped) return;
    // ±10 % jitter, as controller-runtime applies to its SyncPeriod.
    const delay = Math.round(period * (0.9 + 0.2 * this.#random()));
    this.#resyncTimer = this.#clock.setTimeout(() => {
      if (this.#stopped) return;
      this.#log.debug({ objects: this.list().length }, 'Resync');
      this.resync();
      this.#scheduleResync();
    }, delay);
    this.#resyncTimer.unref();
  }
}

/** A `Watch` that passes every event's object through `transform` before `ListWatch` caches it. */
class TransformingWatch extends Watch {
  readonly #transform: (obj: KubernetesObject) => unknown;

  constructor(kubeConfig: KubeConfig, transform: (obj: KubernetesObject) => unknown) {
    super(kubeConfig);
    this.#transform = transform;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return super.watch(
      path,
      queryParams,
      (phase: string, apiObj: unknown, watchObj?: unknown) => {
        // ERROR events carry a Status, not an object of the kind: left as they are.
        const obj =
          phase !== 'ERROR' && typeof apiObj === 'object' && apiObj !== null
            ? this.#transform(apiObj)
            : apiObj;
        callback(phase, obj, watchObj);
      },
      done,
    );
  }
}

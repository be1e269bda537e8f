import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Gauge, Registry } from 'prom-client';
import { BaseError, type Clock, type Logger, type TimerHandle } from '../../shared/index.ts';
import { isConflict, isNotFound } from '../kube/api-errors.ts';
import { metricsOn } from '../../shared/index.ts';

/** The lease fields leader election reads and writes. Times in ms since the epoch. */
export interface LeaseRecord {
  /** Empty when nobody holds the lease (after a graceful release). */
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

/** A lease as stored, with its resourceVersion for optimistic concurrency. */
export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

/**
 * Storage of one Lease. Writes are conditional: `create` fails when the lease
 * exists, `update` when `resourceVersion` is no longer current. Both failures
 * must be errors for which `isConflict` holds (HTTP 409), never a blind
 * overwrite. {@link kubeLeaseStore} is the `coordination.k8s.io/v1`
 * implementation; tests use an in-memory one.
 */
export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(record: LeaseRecord): Promise<StoredLease>;
  update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

/** Stable error codes of leader election. */
export const LEADER_ELECTION_ERROR_CODES = {
  /** A lease write did not finish within the renew deadline. */
  renewTimeout: 'OPERATOR_ERR_LEASE_RENEW_TIMEOUT',
  /** The options are inconsistent (e.g. renew deadline not below the lease duration). */
  invalidOptions: 'OPERATOR_ERR_LEASE_OPTIONS',
} as const;

/** Error raised by leader election, with a code from {@link LEADER_ELECTION_ERROR_CODES}. */
export class LeaderElectionError extends BaseError {}

/** Options of {@link LeaderElector}. Durations in milliseconds. */
export interface LeaderElectorOptions {
  store: LeaseStore;
  clock: Clock;
  logger: Logger;
  /** This candidate's identity; default {@link defaultIdentity}. */
  identity?: string;
  /** How long a lease stays valid without renewal (default 15 000, controller-runtime). */
  leaseDurationMs?: number;
  /** The leader gives up when it could not renew for this long (default 10 000). */
  renewDeadlineMs?: number;
  /** Interval between acquire or renew attempts (default 2000). */
  retryPeriodMs?: number;
  /**
   * On graceful stop, hand the lease back (empty holder, 1 s duration) so a
   * standby takes over at its next retry instead of after the lease expires
   * (client-go `ReleaseOnCancel`; default true).
   */
  releaseOnCancel?: boolean;
  /** Runs while leading; `signal` aborts when leadership ends. Its promise is awaited before release. */
  onStartedLeading: (signal: AbortSignal) => Promise<void> | void;
  /** Called once leadership has ended (lost or released). */
  onStoppedLeading?: () => void;
  /** Called when another identity is observed as the holder. */
  onNewLeader?: (identity: string) => void;
  registry?: Registry;
  /** Value of the `name` label of `leader_election_master_status` (default `lease`). */
  name?: string;
  /** Randomness in [0, 1) for the retry jitter (default `Math.random`). */
  random?: () => number;
}

/** `<hostname>_<random hex>`: the pod name (its hostname) plus a suffix unique per process. */
export function defaultIdentity(): string {
  return `${hostname()}_${randomBytes(4).toString('hex')}`;
}

/**
 * Lease-based leader election with client-go's `leaderelection` semantics:
 *
 * - Candidates try every `retryPeriod` (+ up to 20 % jitter) to create the
 *   Lease, or to take it over when it is free (empty holder) or expired.
 *   Expiry is judged by the local clock from when this candidate last saw the
 *   record change, plus the record's duration, never by comparing the
 *   holder's `renewTime` with our clock (clock skew).
 * - Every write carries the resourceVersion it read: of two candidates racing
 *   for an expired lease, exactly one wins; the other gets a 409.
 * - The leader renews every `retryPeriod`; if no renewal succeeds for
 *   `renewDeadline`, it steps down: the `onStartedLeading` signal aborts and
 *   `run` returns. `renewDeadline < leaseDuration` guarantees it stops before
 *   anyone else may take over. As in controller-runtime, a process that lost
 *   leadership should exit rather than campaign again with stale caches.
 */
export class LeaderElector {
  readonly identity: string;
  readonly #o: Required<
    Pick<LeaderElectorOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>
  > &
    LeaderElectorOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #status: Gauge<'name'> | undefined;
  readonly #name: string;
  #observed: StoredLease | undefined;
  #observedAt = 0;
  #leading = false;
  #lastLeader: string | undefined;

  constructor(options: LeaderElectorOptions) {
    const leaseDurationMs = options.leaseDurationMs ?? 15_000;
    const renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    const retryPeriodMs = options.retryPeriodMs ?? 2_000;
    // client-go NewLeaderElector validates the same inequalities (with JitterFactor 1.2).
    if (!(leaseDurationMs > renewDeadlineMs && renewDeadlineMs > retryPeriodMs * 1.2)) {
      throw new LeaderElectionError(
        LEADER_ELECTION_ERROR_CODES.invalidOptions,
        `need leaseDuration (${leaseDurationMs}) > renewDeadline (${renewDeadlineMs}) > 1.2 × retryPeriod (${retryPeriodMs})`,
      );
    }
    this.#o = { ...options, leaseDurationMs, renewDeadlineMs, retryPeriodMs };
    this.identity = options.identity ?? defaultIdentity();
    this.#clock = options.clock;
    this.#random = options.random ?? Math.random;
    this.#name = options.name ?? 'lease';
    this.#log = options.logger.child({ component: 'leader-election', identity: this.identity });
    if (options.registry !== undefined) {
      this.#status = metricsOn.gauge(options.registry, {
        name: 'leader_election_master_status',
        help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master.',
        labelNames: ['name'] as const,
      });
      this.#status.set({ name: this.#name }, 0);
    }
  }

  /** True while this candidate holds the lease. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** The holder last observed (possibly ourselves), if any. */
  leader(): string | undefined {
    return this.#lastLeader;
  }

  /**
   * Campaigns until leading, leads until leadership is lost or `signal`
   * aborts, then resolves. Never rejects: API errors are retried and logged.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#acquire(signal))) return;
    this.#leading = true;
    this.#status?.set({ name: this.#name }, 1);
    this.#log.info({}, 'Became leader');
    const leading = new AbortController();
    const work = Promise.resolve()
      .then(() => this.#o.onStartedLeading(leading.signal))
      .catch((err: unknown) => {
        this.#log.error({ err }, 'onStartedLeading failed');
      });
    const lost = await this.#renewLoop(signal);
    this.#leading = false;
    this.#status?.set({ name: this.#name }, 0);
    leading.abort(new Error(lost ? 'leadership lost' : 'stopping'));
    await work;
    if (lost) {
      this.#log.error({}, 'Leader election lost');
    } else if (this.#o.releaseOnCancel ?? true) {
      await this.#release();
    }
    this.#o.onStoppedLeading?.();
  }

  /** Resolves true once leading, false when `signal` aborted first. */
  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info({}, 'Attempting to acquire leader lease');
    for (;;) {
      if (signal.aborted) return false;
      if (await this.#tryAcquireOrRenew()) return true;
      const jitter = 1 + 0.2 * this.#random();
      if (!(await this.#sleep(this.#o.retryPeriodMs * jitter, signal))) return false;
    }
  }

  /** Renews until `signal` aborts (returns false) or the renew deadline passes (returns true). */
  async #renewLoop(signal: AbortSignal): Promise<boolean> {
    let lastRenew = this.#clock.monotonic();
    for (;;) {
      if (!(await this.#sleep(this.#o.retryPeriodMs, signal))) return false;
      const deadline = lastRenew + this.#o.renewDeadlineMs;
      const remaining = deadline - this.#clock.monotonic();
      const ok = remaining > 0 && (await this.#withDeadline(this.#tryAcquireOrRenew(), remaining));
      if (signal.aborted) return false;
      if (ok) {
        lastRenew = this.#clock.monotonic();
      } else if (this.#clock.monotonic() >= deadline) {
        return true;
      }
    }
  }

  /** One attempt (client-go `tryAcquireOrRenew`); false on any failure. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#clock.now();
    const mine = (prev?: LeaseRecord): LeaseRecord => ({
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.#o.leaseDurationMs / 1000),
      acquireTime: prev?.holderIdentity === this.identity ? prev.acquireTime : now,
      renewTime: now,
      leaseTransitions:
        prev === undefined
          ? 0
          : prev.holderIdentity === this.identity
            ? prev.leaseTransitions
            : prev.leaseTransitions + 1,
    });
    try {
      const current = await this.#o.store.get();
      if (current === undefined) {
        this.#observe(await this.#o.store.create(mine()));
        return true;
      }
      this.#observe(current);
      const rec = current.record;
      const heldByOther = rec.holderIdentity !== '' && rec.holderIdentity !== this.identity;
      if (heldByOther && this.#isValid(rec)) return false;
      this.#observe(await this.#o.store.update(mine(rec), current.resourceVersion));
      return true;
    } catch (err) {
      // A 409 means another candidate wrote first: expected, not worth a warning.
      if (isConflict(err)) this.#log.debug({}, 'Lease update conflict');
      else this.#log.warn({ err }, 'Lease acquire or renew failed');
      return false;
    }
  }

  #isValid(rec: LeaseRecord): boolean {
    return this.#observedAt + rec.leaseDurationSeconds * 1000 > this.#clock.monotonic();
  }

  #observe(lease: StoredLease): void {
    if (this.#observed?.resourceVersion !== lease.resourceVersion) {
      this.#observed = lease;
      this.#observedAt = this.#clock.monotonic();
    }
    const holder = lease.record.holderIdentity;
    if (holder !== '' && holder !== this.#lastLeader) {
      this.#lastLeader = holder;
      if (holder !== this.identity) {
        this.#log.info({ leader: holder }, 'New leader observed');
        this.#o.onNewLeader?.(holder);
      }
    }
  }

  /** Hands the lease back if we still hold it (client-go `release`). */
  async #release(): Promise<void> {
    try {
      const current = await this.#o.store.get();
      if (current?.record.holderIdentity !== this.identity) return;
      const now = this.#clock.now();
      await this.#o.store.update(
        {
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: current.record.leaseTransitions,
        },
        current.resourceVersion,
      );
      this.#log.info({}, 'Released leader lease');
    } catch (err) {
      this.#log.warn({ err }, 'Lease release failed; the lease will expire instead');
    }
  }

  /** Sleeps `ms`; false when `signal` aborted (before or during the sleep). */
  #sleep(ms: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#clock.clearTimeout(timer);
        resolve(false);
      };
      const timer = this.#clock.setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * `attempt`'s result, or false when it does not settle within `ms`: a hung
   * request must not keep a leader past its renew deadline.
   */
  #withDeadline(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    let timer: TimerHandle | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = this.#clock.setTimeout(() => {
        this.#log.warn(
          { code: LEADER_ELECTION_ERROR_CODES.renewTimeout, timeoutMs: ms },
          'Lease renew timed out',
        );
        resolve(false);
      }, ms);
    });
    return Promise.race([attempt, timeout]).finally(() => {
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    });
  }
}

function toRecord(lease: V1Lease): StoredLease {
  const spec = lease.spec ?? {};
  const ms = (t: Date | string | undefined): number =>
    t === undefined ? 0 : new Date(t).getTime();
  return {
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    record: {
      holderIdentity: spec.holderIdentity ?? '',
      leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
      acquireTime: ms(spec.acquireTime),
      renewTime: ms(spec.renewTime),
      leaseTransitions: spec.leaseTransitions ?? 0,
    },
  };
}

function toSpec(r: LeaseRecord): V1Lease['spec'] {
  return {
    holderIdentity: r.holderIdentity,
    leaseDurationSeconds: r.leaseDurationSeconds,
    acquireTime: new V1MicroTime(r.acquireTime),
    renewTime: new V1MicroTime(r.renewTime),
    leaseTransitions: r.leaseTransitions,
  };
}

/**
 * A {@link LeaseStore} on the `coordination.k8s.io/v1` Lease `namespace/name`.
 * `update` is a PUT carrying `metadata.resourceVersion`, so the API server
 * rejects it with 409 when anyone wrote in between.
 */
export function kubeLeaseStore(
  kubeConfig: KubeConfig,
  namespace: string,
  name: string,
): LeaseStore {
  const api = kubeConfig.makeApiClient(CoordinationV1Api);
  return {
    async get() {
      try {
        return toRecord(await api.readNamespacedLease({ name, namespace }));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(record) {
      return toRecord(
        await api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: toSpec(record) },
        }),
      );
    },
    async update(record, resourceVersion) {
      return toRecord(
        await api.replaceNamespacedLease({
          name,
          namespace,
          body: { metadata: { name, namespace, resourceVersion }, spec: toSpec(record) },
        }),
      );
    },
  };
}

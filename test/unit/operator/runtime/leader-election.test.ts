import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiException } from '@kubernetes/client-node';
import { FakeClock, silentLogger } from '../../../../src/shared/index.ts';
import {
  LeaderElector,
  LeaderElectionError,
  type LeaseRecord,
  type LeaseStore,
  type StoredLease,
} from '../../../../src/operator/runtime/leader-election.ts';

/** An in-memory Lease with resourceVersion preconditions and fault injection. */
class MemoryLeaseStore implements LeaseStore {
  lease: StoredLease | undefined;
  rv = 0;
  writes = 0;
  /** When set, every call rejects with it (API server unreachable). */
  failWith: Error | undefined;
  /** When true, calls never settle (a hung request). */
  hang = false;

  #check(): Promise<void> {
    if (this.hang) return new Promise(() => {});
    return this.failWith === undefined ? Promise.resolve() : Promise.reject(this.failWith);
  }
  async get(): Promise<StoredLease | undefined> {
    await this.#check();
    return this.lease === undefined ? undefined : structuredClone(this.lease);
  }
  async create(record: LeaseRecord): Promise<StoredLease> {
    await this.#check();
    if (this.lease !== undefined) throw new ApiException(409, 'exists', {}, {});
    return this.#store(record);
  }
  async update(record: LeaseRecord, resourceVersion: string): Promise<StoredLease> {
    await this.#check();
    if (this.lease?.resourceVersion !== resourceVersion) {
      throw new ApiException(409, 'conflict', {}, {});
    }
    return this.#store(record);
  }
  #store(record: LeaseRecord): StoredLease {
    this.writes++;
    this.lease = { record: { ...record }, resourceVersion: String(++this.rv) };
    return structuredClone(this.lease);
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Advances fake time in steps, letting the electors' promise chains run in between. */
async function advance(clock: FakeClock, ms: number, step = 100): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush();
  }
}

interface Candidate {
  elector: LeaderElector;
  stop: AbortController;
  running: Promise<void>;
  events: string[];
}

function candidate(
  store: LeaseStore,
  clock: FakeClock,
  identity: string,
  opts: { releaseOnCancel?: boolean } = {},
): Candidate {
  const events: string[] = [];
  const stop = new AbortController();
  const elector = new LeaderElector({
    store,
    clock,
    logger: silentLogger,
    identity,
    random: () => 0,
    ...opts,
    onStartedLeading: async (signal) => {
      events.push('started');
      await new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => {
          resolve();
        });
      });
      events.push('work-stopped');
    },
    onStoppedLeading: () => events.push('stopped'),
    onNewLeader: (id) => events.push(`leader:${id}`),
  });
  return { elector, stop, running: elector.run(stop.signal), events };
}

describe('LeaderElector', () => {
  it('rejects inconsistent durations with a stable code', () => {
    assert.throws(
      () =>
        new LeaderElector({
          store: new MemoryLeaseStore(),
          clock: new FakeClock(),
          logger: silentLogger,
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
          onStartedLeading: () => {},
        }),
      (err: unknown) =>
        err instanceof LeaderElectionError && err.code === 'OPERATOR_ERR_LEASE_OPTIONS',
    );
  });

  it('creates the lease and leads; a second candidate stands by and learns the leader', async () => {
    const clock = new FakeClock(0);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    await flush();
    assert.equal(a.elector.isLeader(), true);
    assert.deepEqual(a.events, ['started']);
    assert.equal(store.lease?.record.holderIdentity, 'a');
    assert.equal(store.lease.record.leaseDurationSeconds, 15);
    const b = candidate(store, clock, 'b');
    await advance(clock, 10_000);
    assert.equal(b.elector.isLeader(), false);
    assert.deepEqual(b.events, ['leader:a']);
    assert.ok(store.writes >= 5, 'the leader renews every retry period');
    a.stop.abort();
    b.stop.abort();
    await Promise.all([a.running, b.running]);
  });

  it('takes over after the lease expires when the leader crashed (no release)', async () => {
    const clock = new FakeClock(0);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a', { releaseOnCancel: false });
    await flush();
    const b = candidate(store, clock, 'b');
    await advance(clock, 4000);
    a.stop.abort();
    await a.running;
    assert.equal(store.lease?.record.holderIdentity, 'a', 'no release on crash');
    const crashedAt = clock.now();
    let tookOverAt = 0;
    for (let i = 0; i < 400 && tookOverAt === 0; i++) {
      await advance(clock, 100);
      if (b.elector.isLeader()) tookOverAt = clock.now();
    }
    const waited = tookOverAt - crashedAt;
    assert.ok(waited >= 13_000 && waited <= 15_000 + 2_400, `took over after ${waited} ms`);
    assert.equal(store.lease.record.holderIdentity, 'b');
    assert.equal(store.lease.record.leaseTransitions, 1);
    b.stop.abort();
    await b.running;
  });

  it('graceful stop stops the work first, then releases for a fast takeover', async () => {
    const clock = new FakeClock(0);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    await flush();
    const b = candidate(store, clock, 'b');
    await advance(clock, 3000);
    a.stop.abort();
    await a.running;
    assert.deepEqual(a.events, ['started', 'work-stopped', 'stopped']);
    assert.equal(store.lease?.record.holderIdentity, '');
    assert.equal(store.lease.record.leaseDurationSeconds, 1);
    await advance(clock, 2500);
    assert.equal(b.elector.isLeader(), true, 'within one retry period');
    b.stop.abort();
    await b.running;
  });

  it('steps down when renewals fail for the renew deadline', async () => {
    const clock = new FakeClock(0);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    await flush();
    await advance(clock, 4000);
    store.failWith = new Error('connection refused');
    const failedAt = clock.now();
    let lostAt = 0;
    for (let i = 0; i < 200 && lostAt === 0; i++) {
      await advance(clock, 100);
      if (!a.elector.isLeader()) lostAt = clock.now();
    }
    await a.running;
    const after = lostAt - failedAt;
    assert.ok(after <= 10_000 + 2_000, `stepped down after ${after} ms`);
    assert.ok(after < 15_000, 'before the lease could expire for others');
    assert.deepEqual(a.events, ['started', 'work-stopped', 'stopped']);
  });

  it('steps down when a renewal hangs past the renew deadline', async () => {
    const clock = new FakeClock(0);
    const store = new MemoryLeaseStore();
    const a = candidate(store, clock, 'a');
    await flush();
    await advance(clock, 2000);
    store.hang = true;
    await advance(clock, 12_500);
    assert.equal(a.elector.isLeader(), false);
    await a.running;
  });

  it('exactly one of two racing candidates wins an expired lease (resourceVersion preconditions)', async () => {
    const clock = new FakeClock(0);
    const store = new MemoryLeaseStore();
    store.lease = {
      resourceVersion: '100',
      record: {
        holderIdentity: 'dead',
        leaseDurationSeconds: 15,
        acquireTime: 0,
        renewTime: 0,
        leaseTransitions: 3,
      },
    };
    const b = candidate(store, clock, 'b');
    const c = candidate(store, clock, 'c');
    await advance(clock, 20_000);
    const leaders = [b, c].filter((x) => x.elector.isLeader());
    assert.equal(leaders.length, 1);
    assert.equal(store.lease.record.leaseTransitions, 4);
    b.stop.abort();
    c.stop.abort();
    await Promise.all([b.running, c.running]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { FakeClock, silentLogger } from '../../../../src/shared/index.ts';
import {
  OptionalInformer,
  type OptionalInformerTarget,
} from '../../../../src/operator/runtime/optional-informer.ts';

/** A controllable stand-in for an Informer: synced and watching are set by the test. */
class FakeTarget implements OptionalInformerTarget<KubernetesObject> {
  started = false;
  stopped = false;
  synced = false;
  watching = true;
  resyncs = 0;
  #syncWaiters: (() => void)[] = [];

  start(): Promise<void> {
    this.started = true;
    return Promise.resolve();
  }
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#syncWaiters.push(resolve);
      signal?.addEventListener('abort', () => {
        reject(signal.reason as Error);
      });
    });
  }
  markSynced(): void {
    this.synced = true;
    for (const w of this.#syncWaiters.splice(0)) w();
  }
  hasSynced(): boolean {
    return this.synced;
  }
  isWatching(): boolean {
    return this.started && !this.stopped && this.watching;
  }
  resync(): void {
    this.resyncs++;
  }
  get(): KubernetesObject | undefined {
    return undefined;
  }
  list(): KubernetesObject[] {
    return [];
  }
}

interface Harness {
  clock: FakeClock;
  opt: OptionalInformer<KubernetesObject>;
  created: FakeTarget[];
  published: (OptionalInformerTarget<KubernetesObject> | undefined)[];
  discovery: { served: boolean | Error; calls: number };
}

function harness(served: boolean | Error): Harness {
  const clock = new FakeClock(0);
  const created: FakeTarget[] = [];
  const published: (OptionalInformerTarget<KubernetesObject> | undefined)[] = [];
  const discovery = { served, calls: 0 };
  const opt = new OptionalInformer<KubernetesObject>({
    name: 'certificates',
    clock,
    logger: silentLogger,
    checkMs: 1000,
    served: () => {
      discovery.calls++;
      return discovery.served instanceof Error
        ? Promise.reject(discovery.served)
        : Promise.resolve(discovery.served);
    },
    create: () => {
      const t = new FakeTarget();
      created.push(t);
      return t;
    },
    onSynced: (inf) => published.push(inf),
    onStopped: () => published.push(undefined),
  });
  return { clock, opt, created, published, discovery };
}

/** Advances fake time and lets the resulting promise chains settle. */
async function tick(clock: FakeClock, ms: number): Promise<void> {
  clock.advance(ms);
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('OptionalInformer', () => {
  it('kind absent at start: resolves, counts as synced, starts no informer', async () => {
    const h = harness(false);
    await h.opt.start();
    await h.opt.waitForSync();
    assert.equal(h.opt.hasSynced(), true);
    assert.equal(h.opt.active, false);
    assert.equal(h.created.length, 0);
    h.opt.resync(); // nothing to resync, must not throw
    await h.opt.stop();
    assert.equal(h.clock.pending, 0, 'no check left scheduled after stop');
  });

  it('kind served at start: the informer starts, and is published once synced', async () => {
    const h = harness(true);
    await h.opt.start();
    assert.equal(h.created.length, 1);
    const t = h.created[0] as FakeTarget;
    assert.equal(t.started, true);
    assert.equal(h.opt.hasSynced(), false, 'waits for the first list when served');
    const synced = h.opt.waitForSync();
    t.markSynced();
    await synced;
    assert.deepEqual(h.published, [t], 'published by the time waitForSync resolves');
    await tick(h.clock, 0);
    assert.equal(h.opt.hasSynced(), true);
    assert.deepEqual(h.published, [t], 'published once');
    h.opt.resync();
    assert.equal(t.resyncs, 1);
    await h.opt.stop();
    assert.equal(t.stopped, true);
    assert.deepEqual(h.published, [t, undefined], 'unpublished on stop');
  });

  it('kind installed later: the next periodic check starts the informer', async () => {
    const h = harness(false);
    await h.opt.start();
    await tick(h.clock, 1000);
    assert.equal(h.discovery.calls, 2);
    assert.equal(h.created.length, 0);
    h.discovery.served = true;
    await tick(h.clock, 999);
    assert.equal(h.created.length, 0, 'not before the check period');
    await tick(h.clock, 1);
    assert.equal(h.created.length, 1);
    assert.equal(h.opt.active, true);
    (h.created[0] as FakeTarget).markSynced();
    await tick(h.clock, 0);
    assert.deepEqual(h.published, [h.created[0]]);
    await h.opt.stop();
  });

  it('a healthy watch is never interrupted: no discovery while watching', async () => {
    const h = harness(true);
    await h.opt.start();
    const calls = h.discovery.calls;
    h.discovery.served = false;
    for (let i = 0; i < 10; i++) await tick(h.clock, 1000);
    assert.equal(h.discovery.calls, calls);
    assert.equal((h.created[0] as FakeTarget).stopped, false);
    await h.opt.stop();
  });

  it('CRD removed while watched: the failing informer is stopped, and restarted when it returns', async () => {
    const h = harness(true);
    await h.opt.start();
    const first = h.created[0] as FakeTarget;
    first.markSynced();
    await tick(h.clock, 0);
    // The watch fails, but the kind is still served (e.g. an API server restart): keep it.
    first.watching = false;
    await tick(h.clock, 1000);
    assert.equal(first.stopped, false, 'a failing watch of a served kind keeps retrying');
    h.discovery.served = false;
    await tick(h.clock, 1000);
    assert.equal(first.stopped, true);
    assert.equal(h.opt.active, false);
    assert.equal(h.opt.hasSynced(), true, 'absent again: does not hold readiness');
    assert.deepEqual(h.published, [first, undefined]);
    // Checks go on at the same period, not faster.
    const calls = h.discovery.calls;
    for (let i = 0; i < 5; i++) await tick(h.clock, 1000);
    assert.equal(h.discovery.calls, calls + 5);
    h.discovery.served = true;
    await tick(h.clock, 1000);
    assert.equal(h.created.length, 2, 'a fresh informer (a stopped one cannot restart)');
    await h.opt.stop();
  });

  it('a failing discovery request neither throws nor starts anything, and is retried', async () => {
    const h = harness(new Error('ECONNREFUSED'));
    await h.opt.start();
    assert.equal(h.opt.active, false);
    h.discovery.served = true;
    await tick(h.clock, 1000);
    assert.equal(h.opt.active, true);
    await h.opt.stop();
  });

  it('stop while the informer has not synced: the sync wait is dropped, nothing published', async () => {
    const h = harness(true);
    await h.opt.start();
    await h.opt.stop();
    (h.created[0] as FakeTarget).markSynced();
    await tick(h.clock, 0);
    assert.deepEqual(h.published, [undefined]);
    assert.equal(h.clock.pending, 0);
  });
});

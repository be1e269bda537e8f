import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { FakeClock } from '../../../../src/shared/index.ts';
import { WorkQueue } from '../../../../src/operator/runtime/work-queue.ts';

function newQueue(opts: Partial<ConstructorParameters<typeof WorkQueue>[0]> = {}): {
  q: WorkQueue;
  clock: FakeClock;
} {
  const clock = new FakeClock(0);
  return { q: new WorkQueue({ name: 'test', clock, ...opts }), clock };
}

/** Resolves `p` if it settles within a few macrotask turns, else `'pending'`. */
async function settled<T>(p: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([
    p,
    new Promise<'pending'>((r) =>
      setImmediate(() => {
        r('pending');
      }),
    ),
  ]);
}

describe('WorkQueue', () => {
  it('de-duplicates a key added several times before it is taken', async () => {
    const { q } = newQueue();
    q.add('ns/a');
    q.add('ns/a');
    q.add('ns/b');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'ns/a');
    assert.equal(await q.get(), 'ns/b');
    assert.equal(await settled(q.get()), 'pending');
  });

  it('never hands one key to two workers: a re-add during processing waits for done', async () => {
    const { q } = newQueue();
    q.add('ns/a');
    const first = await q.get();
    assert.equal(first, 'ns/a');
    q.add('ns/a');
    q.add('ns/a');
    assert.equal(q.length, 0, 'a key being processed is not queued again');
    const second = q.get();
    assert.equal(await settled(second), 'pending');
    q.done('ns/a');
    assert.equal(await second, 'ns/a', 'queued again once, after done');
    q.done('ns/a');
    assert.equal(await settled(q.get()), 'pending');
  });

  it('processes keys in FIFO order and wakes waiting workers', async () => {
    const { q } = newQueue();
    const w1 = q.get();
    const w2 = q.get();
    q.add('ns/x');
    q.add('ns/y');
    assert.deepEqual(await Promise.all([w1, w2]), ['ns/x', 'ns/y']);
  });

  it('grows the per-key backoff exponentially from 5 ms and caps it at 1000 s', () => {
    const { q } = newQueue();
    const delays = Array.from({ length: 30 }, () => q.whenMs('ns/a'));
    assert.deepEqual(delays.slice(0, 6), [5, 10, 20, 40, 80, 160]);
    assert.equal(delays[17], 5 * 2 ** 17);
    assert.equal(delays[29], 1_000_000, 'capped at 1000 s');
    assert.equal(q.numRequeues('ns/a'), 30);
    assert.equal(q.whenMs('ns/b'), 5, 'backoff is per key');
    q.forget('ns/a');
    assert.equal(q.numRequeues('ns/a'), 0);
    assert.equal(q.whenMs('ns/a'), 5, 'forget resets the backoff');
  });

  it('limits all keys together with a 10 qps token bucket of burst 100', () => {
    const { q, clock } = newQueue();
    const delays = Array.from({ length: 150 }, (_, i) => q.whenMs(`ns/k${i}`));
    assert.ok(
      delays.slice(0, 100).every((d) => d === 5),
      'the burst passes at the item delay',
    );
    assert.equal(delays[100], 100, 'the 101st waits one token period (100 ms)');
    assert.equal(delays[149], 5000);
    clock.advance(60_000);
    assert.equal(q.whenMs('ns/late'), 5, 'the bucket refills over time');
  });

  it('addRateLimited adds the key after the backoff delay', async () => {
    const { q, clock } = newQueue();
    q.addRateLimited('ns/a');
    q.addRateLimited('ns/a');
    assert.equal(q.length, 0);
    clock.advance(4);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1, 'the earlier deadline (5 ms) wins over the later one (10 ms)');
    assert.equal(await q.get(), 'ns/a');
    assert.equal(q.numRequeues('ns/a'), 2);
  });

  it('addAfter releases keys in deadline order and keeps the earliest deadline per key', async () => {
    const { q, clock } = newQueue();
    q.addAfter('ns/late', 100);
    q.addAfter('ns/early', 50);
    q.addAfter('ns/moved', 200);
    q.addAfter('ns/moved', 10);
    q.addAfter('ns/moved', 300);
    q.addAfter('ns/now', 0);
    assert.equal(await q.get(), 'ns/now');
    clock.advance(10);
    assert.equal(await q.get(), 'ns/moved');
    clock.advance(45);
    assert.equal(await q.get(), 'ns/early');
    assert.equal(await settled(q.get().then((k) => k)), 'pending');
    clock.advance(50);
    assert.equal(q.length, 0, 'the pending get above took ns/late');
    clock.advance(1000);
    assert.equal(q.length, 0, 'ns/moved was added only once');
    assert.equal(clock.pending, 0);
  });

  it('addAfter caps delays at the longest Node timer (2^31-1 ms) instead of firing at once', async () => {
    // Regression: a certificate renewal 335 days away was handed to setTimeout as is; Node
    // fires such timers after 1 ms, so the key was reconciled in a busy loop.
    const { q, clock } = newQueue();
    q.addAfter('ns/far', 335 * 86_400_000);
    clock.advance(1000);
    assert.equal(q.length, 0, 'not released early');
    clock.advance(2 ** 31 - 1 - 1000);
    assert.equal(await q.get(), 'ns/far');
  });

  it('shutDown wakes waiting workers with undefined and ignores later adds', async () => {
    const { q, clock } = newQueue();
    const waiting = q.get();
    q.addAfter('ns/a', 100);
    q.shutDown();
    assert.equal(await waiting, undefined);
    assert.equal(clock.pending, 0, 'delayed adds are cancelled');
    q.add('ns/b');
    assert.equal(await q.get(), undefined);
    assert.equal(q.shuttingDown, true);
  });

  it('shutDownWithDrain resolves only when keys in process are done', async () => {
    const { q } = newQueue();
    q.add('ns/a');
    q.add('ns/b');
    const a = await q.get();
    assert.equal(a, 'ns/a');
    const drained = q.shutDownWithDrain();
    assert.equal(await settled(drained), 'pending');
    assert.equal(await q.get(), undefined, 'no new keys are handed out while draining');
    q.done('ns/a');
    await drained;
  });

  it('exports the workqueue_* metrics with the name label, pre-created at zero', async () => {
    const registry = new Registry();
    const clock = new FakeClock(0);
    const q = new WorkQueue({ name: 'gw', clock, registry });
    const q2 = new WorkQueue({ name: 'other', clock, registry });
    let text = await registry.metrics();
    for (const name of [
      'workqueue_depth',
      'workqueue_adds_total',
      'workqueue_retries_total',
      'workqueue_queue_duration_seconds_count',
      'workqueue_work_duration_seconds_count',
      'workqueue_unfinished_work_seconds',
      'workqueue_longest_running_processor_seconds',
    ]) {
      assert.match(text, new RegExp(`^${name}\\{name="gw"\\} 0$`, 'm'), name);
    }
    q.add('ns/a');
    q.add('ns/b');
    q2.add('ns/c');
    q.addRateLimited('ns/z');
    clock.advance(2000);
    await q.get();
    clock.advance(3000);
    text = await registry.metrics();
    assert.match(text, /^workqueue_depth\{name="gw"\} 2$/m);
    assert.match(text, /^workqueue_adds_total\{name="gw"\} 3$/m);
    assert.match(text, /^workqueue_adds_total\{name="other"\} 1$/m);
    assert.match(text, /^workqueue_retries_total\{name="gw"\} 1$/m);
    assert.match(text, /^workqueue_queue_duration_seconds_sum\{name="gw"\} 2$/m);
    assert.match(text, /^workqueue_unfinished_work_seconds\{name="gw"\} 3$/m);
    assert.match(text, /^workqueue_longest_running_processor_seconds\{name="gw"\} 3$/m);
    q.done('ns/a');
    text = await registry.metrics();
    assert.match(text, /^workqueue_work_duration_seconds_sum\{name="gw"\} 3$/m);
    assert.match(text, /^workqueue_unfinished_work_seconds\{name="gw"\} 0$/m);
  });
});

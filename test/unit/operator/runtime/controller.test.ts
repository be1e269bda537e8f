import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { FakeClock, silentLogger } from '../../../../src/shared/index.ts';
import { Controller, type Reconciler } from '../../../../src/operator/runtime/controller.ts';
import { TerminalError, type Result } from '../../../../src/operator/runtime/result.ts';

/** Lets pending promise callbacks (and the workers they wake) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

function setup(
  reconcile: Reconciler,
  workers = 1,
): {
  c: Controller;
  clock: FakeClock;
  registry: Registry;
} {
  const clock = new FakeClock(0);
  const registry = new Registry();
  const c = new Controller({
    name: 'gw',
    reconcile,
    clock,
    logger: silentLogger,
    registry,
    maxConcurrentReconciles: workers,
  });
  return { c, clock, registry };
}

async function metric(registry: Registry, line: RegExp): Promise<void> {
  assert.match(await registry.metrics(), line);
}

describe('Controller', () => {
  it('pre-initialises every controller_runtime_* series at zero', async () => {
    const { registry } = setup(() => Promise.resolve({}), 3);
    const text = await registry.metrics();
    for (const result of ['success', 'error', 'requeue', 'requeue_after']) {
      assert.match(
        text,
        new RegExp(
          `^controller_runtime_reconcile_total\\{controller="gw",result="${result}"\\} 0$`,
          'm',
        ),
      );
    }
    assert.match(text, /^controller_runtime_reconcile_errors_total\{controller="gw"\} 0$/m);
    assert.match(
      text,
      /^controller_runtime_terminal_reconcile_errors_total\{controller="gw"\} 0$/m,
    );
    assert.match(text, /^controller_runtime_reconcile_time_seconds_count\{controller="gw"\} 0$/m);
    assert.match(text, /^controller_runtime_active_workers\{controller="gw"\} 0$/m);
    assert.match(text, /^controller_runtime_max_concurrent_reconciles\{controller="gw"\} 3$/m);
  });

  it('reconciles a queued key once and forgets its backoff on success', async () => {
    const seen: string[] = [];
    const { c, registry } = setup((key) => {
      seen.push(key);
      return Promise.resolve({});
    });
    c.queue.addRateLimited('ns/a');
    c.queue.whenMs('ns/a');
    c.start();
    c.queue.add('ns/a');
    await flush();
    assert.deepEqual(seen, ['ns/a']);
    assert.equal(c.queue.numRequeues('ns/a'), 0);
    await metric(
      registry,
      /^controller_runtime_reconcile_total\{controller="gw",result="success"\} 1$/m,
    );
    await c.stop();
  });

  it('requeues a failing key with growing backoff, then forgets it once it succeeds', async () => {
    let calls = 0;
    const { c, clock, registry } = setup(() => {
      calls++;
      return calls <= 3 ? Promise.reject(new Error('boom')) : Promise.resolve({});
    });
    c.start();
    c.queue.add('ns/a');
    await flush();
    assert.equal(calls, 1);
    clock.advance(4);
    await flush();
    assert.equal(calls, 1, 'first retry waits 5 ms');
    clock.advance(1);
    await flush();
    assert.equal(calls, 2);
    clock.advance(9);
    await flush();
    assert.equal(calls, 2, 'second retry waits 10 ms');
    clock.advance(1);
    await flush();
    assert.equal(calls, 3);
    clock.advance(20);
    await flush();
    assert.equal(calls, 4);
    assert.equal(c.queue.numRequeues('ns/a'), 0);
    await metric(
      registry,
      /^controller_runtime_reconcile_total\{controller="gw",result="error"\} 3$/m,
    );
    await metric(registry, /^controller_runtime_reconcile_errors_total\{controller="gw"\} 3$/m);
    await metric(registry, /^workqueue_retries_total\{name="gw"\} 3$/m);
    clock.advance(10_000);
    await flush();
    assert.equal(calls, 4, 'no further retries after success');
    await c.stop();
  });

  it('does not retry a TerminalError (also when wrapped as a cause)', async () => {
    let calls = 0;
    const { c, clock, registry } = setup(() => {
      calls++;
      const terminal = new TerminalError('bad spec');
      return Promise.reject(calls === 1 ? terminal : new Error('wrapped', { cause: terminal }));
    });
    c.start();
    c.queue.add('ns/a');
    await flush();
    clock.advance(60_000);
    await flush();
    assert.equal(calls, 1);
    c.queue.add('ns/a');
    await flush();
    clock.advance(60_000);
    await flush();
    assert.equal(calls, 2, 'a new event still reconciles the key');
    await metric(
      registry,
      /^controller_runtime_terminal_reconcile_errors_total\{controller="gw"\} 2$/m,
    );
    await metric(registry, /^controller_runtime_reconcile_errors_total\{controller="gw"\} 2$/m);
    assert.equal(c.queue.numRequeues('ns/a'), 0);
    await c.stop();
  });

  it('requeueAfterMs reconciles again after the delay and resets the backoff', async () => {
    const results: Result[] = [{}, { requeueAfterMs: 1000 }];
    let calls = 0;
    const { c, clock, registry } = setup(() => {
      calls++;
      if (calls === 1) return Promise.reject(new Error('first fails'));
      return Promise.resolve(results[Math.min(calls - 1, 1)] ?? {});
    });
    c.start();
    c.queue.add('ns/a');
    await flush();
    clock.advance(5);
    await flush();
    assert.equal(calls, 2);
    assert.equal(c.queue.numRequeues('ns/a'), 0, 'forgotten before addAfter');
    clock.advance(999);
    await flush();
    assert.equal(calls, 2);
    clock.advance(1);
    await flush();
    assert.equal(calls, 3);
    await metric(
      registry,
      /^controller_runtime_reconcile_total\{controller="gw",result="requeue_after"\} 2$/m,
    );
    await c.stop();
  });

  it('requeue: true requeues with backoff without counting an error', async () => {
    let calls = 0;
    const { c, clock, registry } = setup(() => {
      calls++;
      return Promise.resolve(calls === 1 ? { requeue: true } : {});
    });
    c.start();
    c.queue.add('ns/a');
    await flush();
    clock.advance(5);
    await flush();
    assert.equal(calls, 2);
    await metric(
      registry,
      /^controller_runtime_reconcile_total\{controller="gw",result="requeue"\} 1$/m,
    );
    await metric(registry, /^controller_runtime_reconcile_errors_total\{controller="gw"\} 0$/m);
    await c.stop();
  });

  it('runs different keys in parallel but one key at a time', async () => {
    const inFlight = new Set<string>();
    let maxParallel = 0;
    let overlapSameKey = false;
    const release: (() => void)[] = [];
    const { c, registry } = setup(async (key) => {
      if (inFlight.has(key)) overlapSameKey = true;
      inFlight.add(key);
      maxParallel = Math.max(maxParallel, inFlight.size);
      await new Promise<void>((r) => release.push(r));
      inFlight.delete(key);
      return {};
    }, 2);
    c.start();
    c.queue.add('ns/a');
    c.queue.add('ns/b');
    await flush();
    c.queue.add('ns/a');
    await flush();
    assert.equal(maxParallel, 2);
    await metric(registry, /^controller_runtime_active_workers\{controller="gw"\} 2$/m);
    for (let i = 0; i < 3; i++) {
      release.shift()?.();
      await flush();
    }
    assert.equal(overlapSameKey, false);
    await c.stop();
  });

  it('stop waits for the in-flight reconcile, and aborts its signal after the grace period', async () => {
    let finish: (() => void) | undefined;
    let aborted = false;
    const { c, clock } = setup(async (_key, signal) => {
      await new Promise<void>((resolve) => {
        finish = resolve;
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve();
        });
      });
      return {};
    });
    c.start();
    c.queue.add('ns/a');
    c.queue.add('ns/b');
    await flush();
    let stopped = false;
    const stopping = c.stop(1000).then(() => {
      stopped = true;
    });
    await flush();
    assert.equal(stopped, false, 'waits for the in-flight reconcile');
    clock.advance(999);
    await flush();
    assert.equal(stopped, false);
    clock.advance(1);
    await stopping;
    assert.equal(aborted, true);
    assert.ok(finish);
  });

  it('stop resolves as soon as in-flight reconciles finish and takes no new keys', async () => {
    const seen: string[] = [];
    let finish: (() => void) | undefined;
    const { c } = setup(async (key) => {
      seen.push(key);
      await new Promise<void>((resolve) => (finish = resolve));
      return {};
    });
    c.start();
    c.queue.add('ns/a');
    c.queue.add('ns/b');
    await flush();
    const stopping = c.stop();
    await flush();
    finish?.();
    await stopping;
    assert.deepEqual(seen, ['ns/a']);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../src/shared/index.ts';
import { Backoff, JITTER } from '../../../src/pulsar/backoff.ts';
import type { BackoffOptions } from '../../../src/pulsar/backoff.ts';

/** Random source replaying `values` in a loop. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe('Backoff', () => {
  it('doubles from 100 ms up to 60 s by default', () => {
    const b = new Backoff({ jitter: JITTER.NONE });
    const delays = Array.from({ length: 12 }, () => b.next());
    assert.deepEqual(
      delays,
      [100, 200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200, 60000, 60000],
    );
  });

  it('honours initial, max and multiplier', () => {
    const b = new Backoff({ initialMs: 50, maxMs: 500, multiplier: 3, jitter: JITTER.NONE });
    assert.deepEqual(
      Array.from({ length: 5 }, () => b.next()),
      [50, 150, 450, 500, 500],
    );
  });

  it('with multiplier 1 is a constant delay', () => {
    const b = new Backoff({ initialMs: 250, maxMs: 1000, multiplier: 1, jitter: JITTER.NONE });
    assert.deepEqual([b.next(), b.next(), b.next()], [250, 250, 250]);
  });

  it('reports isMaxReached once the un-jittered delay hits max, and attempts', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 400, jitter: JITTER.NONE });
    assert.equal(b.isMaxReached, false);
    b.next(); // 100
    b.next(); // 200
    assert.equal(b.isMaxReached, false);
    b.next(); // 400
    assert.equal(b.isMaxReached, true);
    assert.equal(b.attempts, 3);
    b.next();
    assert.equal(b.isMaxReached, true);
  });

  it('reset() starts over from initialMs', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 400, jitter: JITTER.NONE });
    b.next();
    b.next();
    b.next();
    b.reset();
    assert.equal(b.isMaxReached, false);
    assert.equal(b.attempts, 0);
    assert.equal(b.next(), 100);
  });

  it('applies ±20 % proportional jitter by default', () => {
    const b = new Backoff({ random: sequence(0, 0.5, 0.999999) });
    // base 100 → 80; base 200 → 200; base 400 → 480 (rounded).
    assert.deepEqual([b.next(), b.next(), b.next()], [80, 200, 480]);
  });

  it('caps proportional jitter at maxMs', () => {
    const b = new Backoff({ initialMs: 1000, maxMs: 1000, jitterRatio: 0.5, random: sequence(1) });
    assert.equal(b.next(), 1000);
    const low = new Backoff({
      initialMs: 1000,
      maxMs: 1000,
      jitterRatio: 0.5,
      random: sequence(0),
    });
    assert.equal(low.next(), 500);
  });

  it('applies full jitter uniformly in [0, delay]', () => {
    const b = new Backoff({ jitter: JITTER.FULL, random: sequence(0, 0.5, 0.25, 0.9999) });
    assert.deepEqual([b.next(), b.next(), b.next(), b.next()], [0, 100, 100, 800]);
  });

  it('keeps jittered delays within bounds over many draws', () => {
    for (const jitter of Object.values(JITTER)) {
      const b = new Backoff({ initialMs: 10, maxMs: 5000, jitter });
      let base = 10;
      for (let i = 0; i < 200; i++) {
        const d = b.next();
        assert.ok(Number.isInteger(d));
        assert.ok(
          d >= 0 && d <= Math.min(5000, Math.ceil(base * 1.2)),
          `${jitter}: ${d} vs ${base}`,
        );
        base = Math.min(base * 2, 5000);
      }
    }
  });

  it('rejects inconsistent options with PULSAR_ERR_INVALID_ARGUMENT', () => {
    const bad: BackoffOptions[] = [
      { initialMs: 0 },
      { initialMs: -5 },
      { initialMs: Number.NaN },
      { initialMs: 200, maxMs: 100 },
      { maxMs: Number.POSITIVE_INFINITY },
      { multiplier: 0.5 },
      { jitterRatio: 1.5 },
      { jitterRatio: -0.1 },
      { jitter: 'decorrelated' as 'full' },
    ];
    for (const options of bad) {
      assert.throws(() => new Backoff(options), { code: 'PULSAR_ERR_INVALID_ARGUMENT' });
    }
  });

  it('sleep() waits the next delay on the injected clock', async () => {
    const clock = new FakeClock(0);
    const b = new Backoff({ initialMs: 100, jitter: JITTER.NONE });
    let done = false;
    const waited = b.sleep(clock).then((ms) => {
      done = true;
      return ms;
    });
    clock.advance(99);
    await Promise.resolve();
    assert.equal(done, false);
    clock.advance(1);
    assert.equal(await waited, 100);
    assert.equal(b.attempts, 1);
  });

  it('sleep() rejects with the abort reason and clears its timer', async () => {
    const clock = new FakeClock(0);
    const b = new Backoff({ jitter: JITTER.NONE });
    const ac = new AbortController();
    const waited = b.sleep(clock, ac.signal);
    ac.abort(new Error('shutting down'));
    await assert.rejects(waited, /shutting down/);
    assert.equal(clock.pending, 0);
  });
});

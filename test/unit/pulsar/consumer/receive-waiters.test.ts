import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PulsarError } from '../../../../src/pulsar/errors.ts';
import { ReceiveWaiters } from '../../../../src/pulsar/consumer/receive-waiters.ts';
import { untilClosed } from '../../../../src/pulsar/consumer/until-closed.ts';

describe('ReceiveWaiters', () => {
  it('serves waiters first come first served, only as long as values last', async () => {
    const w = new ReceiveWaiters<number>();
    const a = w.wait();
    const b = w.wait();
    const c = w.wait();
    const values = [1, 2];
    w.serve(() => values.shift());
    assert.equal(await a, 1);
    assert.equal(await b, 2);
    assert.equal(w.size, 1);
    w.serve(() => 3);
    assert.equal(await c, 3);
    assert.equal(w.size, 0);
  });

  it('does not call take when nobody waits', () => {
    const w = new ReceiveWaiters<number>();
    let calls = 0;
    w.serve(() => ++calls);
    assert.equal(calls, 0);
  });

  it('drops an aborted waiter with the signal reason; the next one gets the value', async () => {
    const w = new ReceiveWaiters<string>();
    const ac = new AbortController();
    const aborted = w.wait(ac.signal);
    const next = w.wait();
    const reason = new Error('gone');
    ac.abort(reason);
    await assert.rejects(aborted, (err) => err === reason);
    assert.equal(w.size, 1);
    w.serve(() => 'm');
    assert.equal(await next, 'm');
  });

  it('rejects everyone on rejectAll and forgets them', async () => {
    const w = new ReceiveWaiters<string>();
    const ac = new AbortController();
    const a = w.wait(ac.signal);
    const b = w.wait();
    const error = new PulsarError('PULSAR_ERR_CLOSED', 'closed');
    w.rejectAll(error);
    await assert.rejects(a, (err) => err === error);
    await assert.rejects(b, (err) => err === error);
    assert.equal(w.size, 0);
    ac.abort(new Error('late')); // listener was removed: no second settle, no throw
  });
});

describe('untilClosed', () => {
  it('yields until next() rejects with PULSAR_ERR_CLOSED, then ends', async () => {
    const items = [1, 2, 3];
    const next = (): Promise<number> => {
      const v = items.shift();
      return v === undefined
        ? Promise.reject(new PulsarError('PULSAR_ERR_CLOSED', 'closed'))
        : Promise.resolve(v);
    };
    const seen: number[] = [];
    for await (const v of untilClosed(next)) seen.push(v);
    assert.deepEqual(seen, [1, 2, 3]);
  });

  it('throws any other error to the loop', async () => {
    const boom = new PulsarError('PULSAR_ERR_TIMEOUT', 'slow');
    const it = untilClosed(() => Promise.reject(boom));
    await assert.rejects(it.next(), (err) => err === boom);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../../../src/shared/index.ts';
import { messageId, type MessageId } from '../../../../src/pulsar/protocol/message-id.ts';
import { BatchAckTracker } from '../../../../src/pulsar/consumer/batch-ack-tracker.ts';
import { NegativeAckTracker } from '../../../../src/pulsar/consumer/negative-ack-tracker.ts';
import { PermitController } from '../../../../src/pulsar/consumer/permit-controller.ts';
import { UnackedMessageTracker } from '../../../../src/pulsar/consumer/unacked-message-tracker.ts';

describe('BatchAckTracker (batch-ack completion, §5.4 risk 2)', () => {
  it('completes only when every index of the batch is acked, in any order', () => {
    const t = new BatchAckTracker();
    t.register(1n, 5n, 3);
    assert.equal(t.ackIndividual(messageId(1n, 5n, -1, 2, 3)), 'pending');
    assert.equal(
      t.ackIndividual(messageId(1n, 5n, -1, 2, 3)),
      'pending',
      'a repeated ack is a no-op',
    );
    assert.equal(t.ackIndividual(messageId(1n, 5n, -1, 0, 3)), 'pending');
    assert.equal(t.ackIndividual(messageId(1n, 5n, -1, 1, 3)), 'complete');
    assert.equal(t.size, 0);
  });

  it('counts skipped indexes (compacted out, before the start) as acked', () => {
    const t = new BatchAckTracker();
    t.register(1n, 5n, 3, [0, 1]);
    assert.equal(t.ackIndividual(messageId(1n, 5n, -1, 2, 3)), 'complete');
  });

  it('ids decoded from base64 (no tracker yet) reach the same state by (ledger, entry)', () => {
    const t = new BatchAckTracker();
    assert.equal(t.ackIndividual(messageId(7n, 1n, 0, 0, 2)), 'pending');
    assert.equal(t.ackIndividual(messageId(7n, 1n, 0, 1, 2)), 'complete');
  });

  it('a cumulative ack inside a half-acked batch acks the previous entry once', () => {
    const t = new BatchAckTracker();
    t.register(1n, 5n, 4);
    assert.deepEqual(t.ackCumulative(messageId(1n, 5n, -1, 1, 4)), {
      complete: false,
      ackPreviousEntry: true,
    });
    assert.deepEqual(t.ackCumulative(messageId(1n, 5n, -1, 2, 4)), {
      complete: false,
      ackPreviousEntry: false,
    });
    assert.deepEqual(t.ackCumulative(messageId(1n, 5n, -1, 3, 4)), {
      complete: true,
      ackPreviousEntry: false,
    });
  });
});

describe('PermitController (permit accounting, §5.4 risk 2)', () => {
  it('auto: grants the queue size, refills at half, and a batch past the permits clamps at 0', () => {
    const sent: number[] = [];
    const p = new PermitController({
      mode: 'auto',
      receiverQueueSize: 4,
      sendFlow: (n) => sent.push(n),
    });
    p.start(0);
    assert.deepEqual(sent, [4]);
    p.onReceived(10); // a batch of 10 against 4 permits: the broker sends it whole
    assert.equal(p.outstanding, 0);
    p.onConsumed(1, 9, true);
    assert.deepEqual(sent, [4], 'below the refill threshold');
    p.onConsumed(1, 8, true);
    assert.deepEqual(sent, [4, 2], 'half of the queue consumed: refill');
  });

  it('manual: never asks the broker for more than the caller granted, counting a batch overflow', () => {
    const sent: number[] = [];
    const p = new PermitController({
      mode: 'manual',
      receiverQueueSize: 100,
      sendFlow: (n) => sent.push(n),
    });
    p.start(0);
    assert.deepEqual(sent, [], 'nothing before a grant');
    p.grant(3, 0);
    assert.deepEqual(sent, [3]);
    p.onReceived(5); // batch of 5 for 3 permits
    let queued = 5;
    for (let i = 0; i < 3; i++) p.onConsumed(1, --queued, true);
    assert.equal(p.canDeliver, false, 'exactly the granted 3 were handed out');
    p.grant(2, queued);
    assert.deepEqual(sent, [3], 'the 2 queued messages cover the new grant');
    p.grant(3, queued);
    assert.deepEqual(sent, [3, 3], 'only the uncovered part is requested');
  });

  it('restarts from zero after a resubscribe', () => {
    const sent: number[] = [];
    const p = new PermitController({
      mode: 'manual',
      receiverQueueSize: 10,
      sendFlow: (n) => sent.push(n),
    });
    p.start(0);
    p.grant(5, 0);
    p.stop();
    p.start(0);
    assert.deepEqual(sent, [5, 5], 'the outstanding demand is re-granted on the new connection');
  });
});

describe('NegativeAckTracker (nack delay)', () => {
  it('redelivers the entry after the delay, not before, checking every delay/3', () => {
    const clock = new FakeClock();
    const got: MessageId[][] = [];
    const t = new NegativeAckTracker({ clock, delayMs: 3000, onRedeliver: (ids) => got.push(ids) });
    t.add(messageId(1n, 2n, -1, 3, 5));
    clock.advance(2999);
    assert.equal(got.length, 0);
    clock.advance(1000);
    assert.equal(got.length, 1);
    assert.deepEqual(got[0], [messageId(1n, 2n, -1)], 'entry level: the whole batch comes back');
    t.close();
  });
});

describe('UnackedMessageTracker (ack timeout)', () => {
  it('redelivers unacked messages after the timeout and forgets acked ones', () => {
    const clock = new FakeClock();
    const got: MessageId[][] = [];
    const t = new UnackedMessageTracker({
      clock,
      timeoutMs: 3000,
      tickMs: 1000,
      onExpired: (ids) => got.push(ids),
    });
    const a = messageId(1n, 1n);
    const b = messageId(1n, 2n);
    t.add(a);
    t.add(b);
    t.remove(a);
    clock.advance(2000);
    assert.equal(got.length, 0);
    clock.advance(1000);
    assert.deepEqual(got, [[b]]);
    assert.equal(t.size, 0);
    t.close();
    assert.equal(clock.pending, 0);
  });

  it('cumulative ack removes everything up to the id', () => {
    const clock = new FakeClock();
    const t = new UnackedMessageTracker({ clock, timeoutMs: 1000, onExpired: () => {} });
    for (let e = 0n; e < 5n; e++) t.add(messageId(1n, e));
    t.removeUpTo(messageId(1n, 2n));
    assert.equal(t.size, 2);
    t.close();
  });
});

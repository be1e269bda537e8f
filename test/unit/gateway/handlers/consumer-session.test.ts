/**
 * The consumer session's flow counter (pulsar-websocket-api.md §5.4) with a fake WebSocket and a
 * fake consumer: push window, acks and nacks freeing slots, pull-mode permits including the
 * permit-0 quirk, the id cache on acks, 1007 on undecodable ids, slow-client disconnect.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConsumerSession } from '../../../../src/gateway/handlers/consumer-session.ts';
import type { ConsumerMessage, MessageConsumer, MessageId } from '../../../../src/pulsar/index.ts';
import { encodeMessageIdBase64, messageId } from '../../../../src/pulsar/index.ts';
import { FakeClock } from '../../../../src/shared/index.ts';
import { FakeWs, fakeMessage, fakeSessionContext, settle } from '../../../helpers/fake-session.ts';

class FakeConsumer {
  readonly queue: ConsumerMessage[] = [];
  readonly acked: MessageId[] = [];
  readonly nacked: MessageId[] = [];
  isEndOfTopic = false;
  #waiter: ((m: ConsumerMessage) => void) | undefined;
  #next = 1;
  push(n: number): void {
    for (let i = 0; i < n; i++) {
      const m = fakeMessage(this.#next++);
      const w = this.#waiter;
      if (w === undefined) this.queue.push(m);
      else {
        this.#waiter = undefined;
        w(m);
      }
    }
  }
  receive(): Promise<ConsumerMessage> {
    const m = this.queue.shift();
    if (m !== undefined) return Promise.resolve(m);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }
  acknowledge(id: MessageId): Promise<void> {
    this.acked.push(id);
    return Promise.resolve();
  }
  negativeAcknowledge(id: MessageId): void {
    this.nacked.push(id);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  unsubscribe(): Promise<void> {
    return Promise.resolve();
  }
}

function setup(pullMode: boolean, maxPendingMessages: number) {
  const ws = new FakeWs();
  const consumer = new FakeConsumer();
  const clock = new FakeClock();
  const ctx = fakeSessionContext(ws, 'consumer', { clock });
  const session = new ConsumerSession(ctx, consumer as unknown as MessageConsumer, {
    pullMode,
    maxPendingMessages,
  });
  session.start();
  return { ws, consumer, clock, session, metrics: ctx.metrics };
}

const idOf = (text: string): string => (JSON.parse(text) as { messageId: string }).messageId;

describe('ConsumerSession', () => {
  it('push mode keeps at most maxPendingMessages in flight; acks and nacks free slots', async () => {
    const { ws, consumer, session } = setup(false, 2);
    consumer.push(5);
    await settle();
    assert.equal(ws.sent.length, 2);
    session.onText(JSON.stringify({ messageId: idOf(ws.sent[0]!) }));
    await settle();
    assert.equal(ws.sent.length, 3);
    session.onText(JSON.stringify({ type: 'negativeAcknowledge', messageId: idOf(ws.sent[1]!) }));
    await settle();
    assert.equal(ws.sent.length, 4);
    assert.equal(consumer.acked.length, 1);
    assert.equal(consumer.nacked.length, 1);
  });

  it('pull mode delivers per permit, with one extra message for permit 0 (§5.4)', async () => {
    const { ws, consumer, session } = setup(true, 1000);
    consumer.push(10);
    await settle();
    assert.equal(ws.sent.length, 0);
    session.onText(JSON.stringify({ type: 'permit', permitMessages: 3 }));
    await settle();
    assert.equal(ws.sent.length, 3);
    session.onText(JSON.stringify({ type: 'permit', permitMessages: 0 }));
    await settle();
    assert.equal(ws.sent.length, 4);
    // The extra message is accounted for by the next permit.
    session.onText(JSON.stringify({ type: 'permit', permitMessages: 2 }));
    await settle();
    assert.equal(ws.sent.length, 5);
  });

  it('two permit 0 while a receive is pending deliver two messages, as the reference (§5.4)', async () => {
    const { ws, consumer, session, metrics } = setup(true, 1000);
    session.onText(JSON.stringify({ type: 'permit', permitMessages: 0 }));
    session.onText(JSON.stringify({ type: 'permit', permitMessages: 0 }));
    await settle();
    assert.equal(ws.sent.length, 0);
    consumer.push(5);
    await settle();
    // The reference starts one receive chain per permit that finds pending >= 0.
    assert.equal(ws.sent.length, 2);
    // pending is now 2: a permit of 3 leaves one credit, so one more message.
    session.onText(JSON.stringify({ type: 'permit', permitMessages: 3 }));
    await settle();
    assert.equal(ws.sent.length, 3);
    assert.equal((await metrics.outstandingPermits.get()).values[0]?.value ?? 0, 0);
    // Acks never move the pull-mode counter.
    session.onText(JSON.stringify({ messageId: idOf(ws.sent[0]!) }));
    await settle();
    assert.equal(ws.sent.length, 3);
  });

  it('acks a pushed id with the cached id object and decodes unknown ids', async () => {
    const { ws, consumer, session } = setup(false, 10);
    consumer.push(1);
    await settle();
    session.onText(JSON.stringify({ messageId: idOf(ws.sent[0]!) }));
    const other = encodeMessageIdBase64(messageId(9n, 3n));
    session.onText(JSON.stringify({ messageId: other }));
    await settle();
    assert.equal(consumer.acked[0]?.entryId, 1n);
    assert.equal(consumer.acked[1]?.ledgerId, 9n);
  });

  it('closes with 1007 on undecodable message-id bytes and on invalid JSON', () => {
    const a = setup(false, 10);
    a.session.onText(JSON.stringify({ messageId: '/////w==' }));
    assert.equal(a.ws.closedWith?.[0], 1007);
    const b = setup(false, 10);
    b.session.onText('{');
    assert.deepEqual(b.ws.closedWith, [1007, 'Failed to de-serialize from JSON']);
  });

  it('disconnects a slow client with 1013 and counts it', async () => {
    const { ws, consumer, clock, metrics } = setup(false, 10);
    consumer.push(1);
    await settle();
    ws.bufferedAmount = 5000;
    consumer.push(1);
    for (let i = 0; i < 10; i++) {
      clock.advance(20);
      await settle();
    }
    assert.equal(ws.closedWith?.[0], 1013);
    assert.equal((await metrics.slowClientDisconnects.get()).values[0]?.value, 1);
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../../../../src/shared/index.ts';
import { PulsarClient } from '../../../../src/pulsar/index.ts';
import { messageId } from '../../../../src/pulsar/protocol/message-id.ts';
import {
  PartitionConsumer,
  type PartitionConsumerOptions,
} from '../../../../src/pulsar/consumer/partition-consumer.ts';
import type { DeadLetterMessage } from '../../../../src/pulsar/consumer/consumer-types.ts';
import { eventually } from '../../../helpers/eventually.ts';
import { FakeBroker, type FakeBrokerConnection } from '../../../helpers/fake-broker.ts';
import {
  acks,
  flows,
  installConsumerHandlers,
  pushBatch,
  pushMessage,
  redelivers,
} from '../../../helpers/fake-broker-consumer.ts';

let broker: FakeBroker;
let clock: FakeClock;
let client: PulsarClient;

beforeEach(async () => {
  broker = await FakeBroker.start();
  installConsumerHandlers(broker);
  clock = new FakeClock();
  client = new PulsarClient({ serviceUrl: broker.url, clock, keepAliveIntervalMs: 0 });
});

afterEach(async () => {
  await client.close();
  await broker.close();
});

async function open(
  options: Partial<PartitionConsumerOptions> = {},
): Promise<{ consumer: PartitionConsumer; conn: FakeBrokerConnection }> {
  const consumer = await PartitionConsumer.create(client, {
    topic: 'persistent://public/default/t',
    subscription: 'sub',
    ...options,
  });
  const conn = broker.connections.at(-1)!;
  return { consumer, conn };
}

const cid = (c: PartitionConsumer): bigint => c.consumerId;

describe('PartitionConsumer', () => {
  it('grants receiverQueueSize permits and refills at half (auto)', async () => {
    const { consumer, conn } = await open({ receiverQueueSize: 4 });
    await eventually(
      () => {
        assert.deepEqual(flows(conn), [4]);
      },
      2000,
      10,
    );
    for (let e = 0n; e < 4n; e++)
      pushMessage(conn, { consumerId: cid(consumer), ledgerId: 1n, entryId: e, payload: `m${e}` });
    await consumer.receive();
    await consumer.receive();
    await eventually(
      () => {
        assert.deepEqual(flows(conn), [4, 2]);
      },
      2000,
      10,
    );
    await consumer.close();
  });

  it('manual flow: a batch larger than the remaining permits is handed out only as granted', async () => {
    const { consumer, conn } = await open({ flowMode: 'manual', receiverQueueSize: 10 });
    consumer.grantPermits(2);
    await eventually(
      () => {
        assert.deepEqual(flows(conn), [2]);
      },
      2000,
      10,
    );
    pushBatch(conn, { consumerId: cid(consumer), ledgerId: 1n, entryId: 0n }, [
      'a',
      'b',
      'c',
      'd',
      'e',
    ]);
    assert.equal((await consumer.receive()).payload.toString(), 'a');
    assert.equal((await consumer.receive()).payload.toString(), 'b');
    assert.equal(consumer.tryReceive(), undefined, 'no permit left although 3 are queued');
    assert.equal(consumer.queuedMessages, 3);
    consumer.grantPermits(4);
    await eventually(
      () => {
        assert.deepEqual(flows(conn), [2, 1]);
      },
      2000,
      10,
    );
    assert.equal((await consumer.receive()).payload.toString(), 'c');
    await consumer.close();
  });

  it('de-batches with per-message metadata and acks the entry only when the whole batch is acked', async () => {
    const { consumer, conn } = await open();
    pushBatch(conn, { consumerId: cid(consumer), ledgerId: 9n, entryId: 4n }, ['x', 'y', 'z']);
    const msgs = [await consumer.receive(), await consumer.receive(), await consumer.receive()];
    assert.deepEqual(
      msgs.map((m) => m.key),
      ['k0', 'k1', 'k2'],
    );
    assert.deepEqual(
      msgs.map((m) => m.properties['i']),
      ['0', '1', '2'],
    );
    assert.deepEqual(msgs[1]!.id, messageId(9n, 4n, -1, 1, 3));
    await consumer.acknowledge(msgs[2]!);
    await consumer.acknowledge(messageId(9n, 4n, -1, 0, 3)); // as decoded from base64
    assert.equal(acks(conn).length, 0, 'no ACK while index 1 is unacked');
    await consumer.acknowledge(msgs[1]!);
    const sent = acks(conn);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.messageId, [{ ledgerId: 9n, entryId: 4n }]);
    assert.equal(sent[0]!.ackType, 0);
    await consumer.close();
  });

  it('cumulative ack inside a half-acked batch acks the previous entry', async () => {
    const { consumer, conn } = await open({ subscriptionType: 'Failover' });
    pushBatch(conn, { consumerId: cid(consumer), ledgerId: 9n, entryId: 4n }, ['x', 'y', 'z']);
    const first = await consumer.receive();
    await consumer.acknowledgeCumulative(first);
    assert.deepEqual(
      acks(conn).map((a) => [a.ackType, a.messageId]),
      [[1, [{ ledgerId: 9n, entryId: 3n }]]],
    );
    await consumer.receive();
    const last = await consumer.receive();
    await consumer.acknowledgeCumulative(last);
    assert.deepEqual(acks(conn).at(-1)!.messageId, [{ ledgerId: 9n, entryId: 4n }]);
    await consumer.close();
  });

  it('refuses cumulative acks on Shared subscriptions', async () => {
    const { consumer } = await open({ subscriptionType: 'Shared' });
    await assert.rejects(consumer.acknowledgeCumulative(messageId(1n, 1n)), {
      code: 'PULSAR_ERR_INVALID_ARGUMENT',
    });
    await consumer.close();
  });

  it('negative ack (Shared): redelivers that entry after the delay', async () => {
    const { consumer, conn } = await open({
      subscriptionType: 'Shared',
      negativeAckRedeliveryDelayMs: 1000,
    });
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 2n, entryId: 7n });
    consumer.negativeAcknowledge(await consumer.receive());
    clock.advance(900);
    assert.equal(redelivers(conn).length, 0);
    // Checked every delay/3 like Java, so due between delay and delay × 4/3.
    clock.advance(500);
    await eventually(
      () => {
        assert.equal(redelivers(conn).length, 1);
      },
      2000,
      10,
    );
    assert.deepEqual(redelivers(conn)[0]!.messageIds, [{ ledgerId: 2n, entryId: 7n }]);
    await consumer.close();
  });

  it('negative ack (Exclusive): redelivers everything, clears the queue and bumps the epoch', async () => {
    const { consumer, conn } = await open({ negativeAckRedeliveryDelayMs: 1000 });
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 2n, entryId: 7n });
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 2n, entryId: 8n });
    consumer.negativeAcknowledge(await consumer.receive());
    await eventually(
      () => {
        assert.equal(consumer.queuedMessages, 1);
      },
      2000,
      10,
    );
    clock.advance(1400);
    await eventually(
      () => {
        assert.equal(redelivers(conn).length, 1);
      },
      2000,
      10,
    );
    const cmd = redelivers(conn)[0]!;
    assert.equal(cmd.messageIds, undefined, 'per-id redelivery exists only for Shared/Key_Shared');
    assert.equal(cmd.consumerEpoch, 1n);
    assert.equal(consumer.queuedMessages, 0);
    // A message of the old epoch still in flight is dropped.
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 2n, entryId: 8n, consumerEpoch: 0n });
    pushMessage(conn, {
      consumerId: cid(consumer),
      ledgerId: 2n,
      entryId: 7n,
      consumerEpoch: 1n,
      payload: 'again',
    });
    assert.equal((await consumer.receive()).payload.toString(), 'again');
    await consumer.close();
  });

  it('ack timeout redelivers what was delivered and not acked', async () => {
    const { consumer, conn } = await open({
      subscriptionType: 'Shared',
      ackTimeoutMs: 2000,
      ackTimeoutTickMs: 500,
    });
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 3n, entryId: 1n });
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 3n, entryId: 2n });
    await consumer.acknowledge(await consumer.receive());
    await consumer.receive();
    clock.advance(2000);
    await eventually(
      () => {
        assert.equal(redelivers(conn).length, 1);
      },
      2000,
      10,
    );
    assert.deepEqual(redelivers(conn)[0]!.messageIds, [{ ledgerId: 3n, entryId: 2n }]);
    await consumer.close();
  });

  it('dead-letters a message received with redelivery count ≥ max on its next redelivery, then acks it', async () => {
    const published: [string, DeadLetterMessage][] = [];
    const { consumer, conn } = await open({
      subscriptionType: 'Shared',
      negativeAckRedeliveryDelayMs: 100,
      deadLetterPolicy: {
        maxRedeliverCount: 3,
        producerFactory: (topic) =>
          Promise.resolve({
            send: (m: DeadLetterMessage) => {
              published.push([topic, m]);
              return Promise.resolve();
            },
            close: () => Promise.resolve(),
          }),
      },
    });
    pushMessage(conn, {
      consumerId: cid(consumer),
      ledgerId: 5n,
      entryId: 1n,
      redeliveryCount: 2,
      key: 'k',
      properties: { a: 'b' },
      payload: 'p',
    });
    consumer.negativeAcknowledge(await consumer.receive());
    clock.advance(300);
    await eventually(
      () => {
        assert.equal(redelivers(conn).length, 1);
      },
      2000,
      10,
    );
    assert.equal(published.length, 0, 'below the threshold: plain redelivery');
    pushMessage(conn, {
      consumerId: cid(consumer),
      ledgerId: 5n,
      entryId: 1n,
      redeliveryCount: 3,
      key: 'k',
      properties: { a: 'b' },
      payload: 'p',
    });
    const last = await consumer.receive();
    assert.equal(last.redeliveryCount, 3, 'still delivered once at the threshold (Java)');
    consumer.negativeAcknowledge(last);
    clock.advance(300);
    await eventually(
      () => {
        assert.equal(acks(conn).length, 1);
      },
      2000,
      10,
    );
    assert.equal(redelivers(conn).length, 1, 'not redelivered again');
    assert.equal(published.length, 1);
    const [topic, m] = published[0]!;
    assert.equal(topic, 'persistent://public/default/t-sub-DLQ');
    assert.equal(m.key, 'k');
    assert.equal(m.payload.toString(), 'p');
    assert.deepEqual(m.properties, {
      a: 'b',
      REAL_TOPIC: 'persistent://public/default/t',
      ORIGIN_MESSAGE_ID: '5:1:-1',
    });
    assert.deepEqual(acks(conn)[0]!.messageId, [{ ledgerId: 5n, entryId: 1n }]);
    await consumer.close();
  });

  it('reconnect clears the local queue, resubscribes and re-flows from zero', async () => {
    const { consumer, conn } = await open({ receiverQueueSize: 5 });
    for (let e = 0n; e < 3n; e++)
      pushMessage(conn, { consumerId: cid(consumer), ledgerId: 1n, entryId: e, payload: `m${e}` });
    assert.equal((await consumer.receive()).payload.toString(), 'm0');
    await eventually(
      () => {
        assert.equal(consumer.queuedMessages, 2);
      },
      2000,
      10,
    );
    conn.destroy();
    await eventually(
      () => {
        assert.equal(consumer.state, 'reconnecting');
      },
      2000,
      10,
    );
    assert.equal(
      consumer.queuedMessages,
      0,
      'the broker redelivers them; keeping them would duplicate',
    );
    clock.advance(200); // backoff
    await eventually(
      () => {
        assert.equal(consumer.state, 'ready');
      },
      2000,
      10,
    );
    const second = broker.connections.at(-1)!;
    assert.notEqual(second, conn);
    await eventually(
      () => {
        assert.deepEqual(flows(second), [5]);
      },
      2000,
      10,
    );
    pushMessage(second, { consumerId: cid(consumer), ledgerId: 1n, entryId: 1n, payload: 'm1' });
    assert.equal((await consumer.receive()).payload.toString(), 'm1');
    await consumer.close();
  });

  it('a reader resubscribes after the last message handed out and drops what precedes it', async () => {
    const { consumer, conn } = await open({
      durable: false,
      startMessageId: messageId(1n, 0n, -1, 1, 3),
    });
    const sub1 = conn.received.find((c) => c.subscribe !== undefined)!.subscribe!;
    assert.equal(sub1.durable, false);
    assert.deepEqual(sub1.startMessageId, { ledgerId: 1n, entryId: 0n, batchIndex: 1 });
    pushBatch(conn, { consumerId: cid(consumer), ledgerId: 1n, entryId: 0n }, ['a', 'b', 'c']);
    pushMessage(conn, { consumerId: cid(consumer), ledgerId: 1n, entryId: 1n, payload: 'd' });
    assert.equal((await consumer.receive()).payload.toString(), 'c');
    conn.destroy();
    await eventually(
      () => {
        assert.equal(consumer.state, 'reconnecting');
      },
      2000,
      10,
    );
    clock.advance(200);
    await eventually(
      () => {
        assert.equal(consumer.state, 'ready');
      },
      2000,
      10,
    );
    const second = broker.connections.at(-1)!;
    const sub2 = second.received.find((c) => c.subscribe !== undefined)!.subscribe!;
    assert.deepEqual(sub2.startMessageId, { ledgerId: 1n, entryId: 0n, batchIndex: 2 });
    pushBatch(second, { consumerId: cid(consumer), ledgerId: 1n, entryId: 0n }, ['a', 'b', 'c']);
    pushMessage(second, { consumerId: cid(consumer), ledgerId: 1n, entryId: 1n, payload: 'd' });
    assert.equal((await consumer.receive()).payload.toString(), 'd', 'no duplicate, no gap');
    await consumer.close();
  });

  it('sets isEndOfTopic on REACHED_END_OF_TOPIC and answers hasMessageAvailable from the last id', async () => {
    const state = installConsumerHandlers(broker);
    state.lastMessageId = { ledgerId: 4n, entryId: 2n };
    const { consumer, conn } = await open({ durable: false, startMessageId: messageId(4n, 1n) });
    assert.equal(await consumer.hasMessageAvailable(), true);
    conn.send({ type: 27, reachedEndOfTopic: { consumerId: cid(consumer) } });
    await eventually(
      () => {
        assert.equal(consumer.isEndOfTopic, true);
      },
      2000,
      10,
    );
    state.lastMessageId = { ledgerId: 4n, entryId: 1n };
    assert.equal(await consumer.hasMessageAvailable(), false);
    await consumer.close();
  });
});

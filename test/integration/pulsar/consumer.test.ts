/**
 * Our consumer against the real broker, fed by the Java WebSocket proxy's producer (the Java
 * client): payload, properties, key and message id must match what Java produced and acked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import {
  PulsarClient,
  decodeMessageIdBase64,
  encodeMessageIdBase64,
  isPulsarError,
} from '../../../src/pulsar/index.ts';
import { closeWs, openWs } from '../../helpers/ws-client.ts';
import {
  Consumer,
  type SingleTopicConsumerOptions,
} from '../../../src/pulsar/consumer/consumer.ts';
import type { ConsumerMessage } from '../../../src/pulsar/consumer/consumer-types.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { WsInbox, WsProducer, createPartitionedTopic } from '../../helpers/ws-producer.ts';

let client: PulsarClient;

before(() => {
  client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl, operationTimeoutMs: 15_000 });
});

after(async () => {
  await client.close();
});

function subscribe(options: SingleTopicConsumerOptions): Promise<Consumer> {
  return Consumer.create(client, options);
}

async function receiveN(
  consumer: Consumer,
  n: number,
  timeoutMs = 15_000,
): Promise<ConsumerMessage[]> {
  const out: ConsumerMessage[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  while (out.length < n) out.push(await consumer.receive(signal));
  return out;
}

/** Resolves with a message if one arrives within `ms`, else undefined. */
async function maybeReceive(consumer: Consumer, ms: number): Promise<ConsumerMessage | undefined> {
  try {
    return await consumer.receive(AbortSignal.timeout(ms));
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return undefined;
    throw err;
  }
}

const CODECS = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'] as const;

describe('consumer interoperability with the Java producer', () => {
  for (const batching of [false, true]) {
    for (const codec of CODECS) {
      it(`reads ${batching ? 'batched' : 'single'} ${codec} messages with Java's payload, properties, key and id`, async () => {
        const topic = uniqueName(`interop-${codec.toLowerCase()}`);
        const consumer = await subscribe({
          topic,
          subscription: 'sub',
          subscriptionType: 'Exclusive',
        });
        const javaConsumer = await openWs(
          `${pulsarEnv().wsUrl}/ws/v2/consumer/persistent/public/default/${topic}/java-sub`,
        );
        const javaInbox = new WsInbox(javaConsumer);
        const producer = await WsProducer.open(topic, {
          compressionType: codec,
          batchingEnabled: String(batching),
          batchingMaxMessages: '5',
          batchingMaxPublishDelay: '50',
        });
        try {
          const sent = Array.from({ length: 7 }, (_, i) => ({
            payload: `payload-${i}-${'x'.repeat(i * 50)}`,
            properties: { index: String(i), codec },
            key: `key-${i}`,
          }));
          const ids = await producer.sendAll(sent);
          const got = await receiveN(consumer, sent.length);
          const javaIds: string[] = [];
          for (let i = 0; i < sent.length; i++) {
            const pushed = await javaInbox.next();
            javaIds.push(String(pushed['messageId']));
            javaConsumer.send(JSON.stringify({ messageId: pushed['messageId'] }));
          }
          got.forEach((m, i) => {
            assert.equal(m.payload.toString(), sent[i]!.payload);
            assert.deepEqual({ ...m.properties }, sent[i]!.properties);
            assert.equal(m.key, sent[i]!.key);
            // Byte-identical to what the Java proxy's consumer pushes for the same message.
            assert.equal(encodeMessageIdBase64(m.id), javaIds[i], `id of message ${i}`);
            // The producer's acked id names the same message (Java's producer-side batch ids
            // carry batch_size 0, its consumer-side ids the real size).
            const acked = decodeMessageIdBase64(ids[i]!);
            assert.deepEqual(
              [m.id.ledgerId, m.id.entryId, m.id.batchIndex],
              [acked.ledgerId, acked.entryId, acked.batchIndex],
            );
            assert.equal(m.redeliveryCount, 0);
          });
          if (batching)
            assert.ok(
              got.some((m) => m.id.batchIndex >= 0),
              'batches were produced',
            );
          for (const m of got) await consumer.acknowledge(m);
        } finally {
          await producer.close();
          await consumer.close();
          await closeWs(javaConsumer);
        }
      });
    }
  }

  it('acked batch messages are not redelivered to the next consumer; unacked ones are', async () => {
    const topic = uniqueName('batch-ack');
    const first = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Shared' });
    const producer = await WsProducer.open(topic, {
      batchingEnabled: 'true',
      batchingMaxMessages: '4',
      batchingMaxPublishDelay: '100',
    });
    await producer.sendAll(Array.from({ length: 8 }, (_, i) => ({ payload: `m${i}` })));
    const got = await receiveN(first, 8);
    assert.ok(got.every((m) => m.id.batchSize > 0));
    // Ack all of the first batch, half of the second.
    for (const m of got.slice(0, 6)) await first.acknowledge(m);
    await first.close();
    const second = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Shared' });
    const again = await receiveN(second, 4);
    assert.deepEqual(
      again.map((m) => m.payload.toString()),
      ['m4', 'm5', 'm6', 'm7'],
    );
    assert.equal(await maybeReceive(second, 500), undefined);
    await second.close();
    await producer.close();
  });
});

describe('subscription types', () => {
  it('a second Exclusive consumer gets PULSAR_ERR_CONSUMER_BUSY', async () => {
    const topic = uniqueName('exclusive');
    const first = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Exclusive' });
    await assert.rejects(
      subscribe({ topic, subscription: 'sub', subscriptionType: 'Exclusive' }),
      (err) => isPulsarError(err, 'PULSAR_ERR_CONSUMER_BUSY'),
    );
    await first.close();
  });

  it('Shared spreads messages across two consumers', async () => {
    const topic = uniqueName('shared');
    const a = await subscribe({
      topic,
      subscription: 'sub',
      subscriptionType: 'Shared',
      receiverQueueSize: 1,
    });
    const b = await subscribe({
      topic,
      subscription: 'sub',
      subscriptionType: 'Shared',
      receiverQueueSize: 1,
    });
    const producer = await WsProducer.open(topic);
    await producer.sendAll(Array.from({ length: 20 }, (_, i) => ({ payload: `s${i}` })));
    const seen = new Map<string, string>();
    const drain = async (c: Consumer, name: string): Promise<void> => {
      for (;;) {
        const m = await maybeReceive(c, 1500);
        if (m === undefined) return;
        seen.set(m.payload.toString(), name);
        await c.acknowledge(m);
      }
    };
    await Promise.all([drain(a, 'a'), drain(b, 'b')]);
    assert.equal(seen.size, 20);
    const counts = [...seen.values()].reduce(
      (acc, n) => acc.set(n, (acc.get(n) ?? 0) + 1),
      new Map<string, number>(),
    );
    assert.ok(
      (counts.get('a') ?? 0) > 0 && (counts.get('b') ?? 0) > 0,
      `both got messages: ${JSON.stringify([...counts])}`,
    );
    await producer.close();
    await a.close();
    await b.close();
  });

  it('Failover delivers to one active consumer and fails over when it closes', async () => {
    const topic = uniqueName('failover');
    const a = await subscribe({
      topic,
      subscription: 'sub',
      subscriptionType: 'Failover',
      consumerName: 'a',
    });
    const b = await subscribe({
      topic,
      subscription: 'sub',
      subscriptionType: 'Failover',
      consumerName: 'b',
    });
    const producer = await WsProducer.open(topic);
    await producer.sendAll(Array.from({ length: 5 }, (_, i) => ({ payload: `f${i}` })));
    const ma = await maybeReceive(a, 2000);
    const mb = await maybeReceive(b, 2000);
    assert.ok((ma === undefined) !== (mb === undefined), 'exactly one consumer is active');
    const [active, standby] = ma === undefined ? [b, a] : [a, b];
    await active.close();
    const taken = await receiveN(standby, 5);
    assert.equal(taken[0]!.payload.toString(), 'f0', 'unacked messages move to the standby');
    await standby.close();
    await producer.close();
  });

  it('Key_Shared delivers every message once across consumers, keys stay on one consumer', async () => {
    const topic = uniqueName('key-shared');
    const a = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Key_Shared' });
    const b = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Key_Shared' });
    const producer = await WsProducer.open(topic);
    await producer.sendAll(
      Array.from({ length: 30 }, (_, i) => ({ payload: `k${i}`, key: `key-${i % 6}` })),
    );
    const keyOwner = new Map<string, string>();
    let total = 0;
    const drain = async (c: Consumer, name: string): Promise<void> => {
      for (;;) {
        const m = await maybeReceive(c, 1500);
        if (m === undefined) return;
        total++;
        const owner = keyOwner.get(m.key!);
        assert.ok(owner === undefined || owner === name, `key ${m.key} on one consumer`);
        keyOwner.set(m.key!, name);
        await c.acknowledge(m);
      }
    };
    await Promise.all([drain(a, 'a'), drain(b, 'b')]);
    assert.equal(total, 30);
    await producer.close();
    await a.close();
    await b.close();
  });

  it('initial position Earliest sees earlier messages, Latest does not', async () => {
    const topic = uniqueName('initial');
    const producer = await WsProducer.open(topic);
    await producer.send({ payload: 'before' });
    const latest = await subscribe({ topic, subscription: 'latest', initialPosition: 'Latest' });
    const earliest = await subscribe({
      topic,
      subscription: 'earliest',
      initialPosition: 'Earliest',
    });
    assert.equal((await receiveN(earliest, 1))[0]!.payload.toString(), 'before');
    assert.equal(await maybeReceive(latest, 500), undefined);
    await producer.send({ payload: 'after' });
    assert.equal((await receiveN(latest, 1))[0]!.payload.toString(), 'after');
    await latest.close();
    await earliest.close();
    await producer.close();
  });
});

describe('flow control', () => {
  it('manual flow mode hands out exactly the granted number of messages, also with batches', async () => {
    const topic = uniqueName('pull');
    const consumer = await subscribe({
      topic,
      subscription: 'sub',
      flowMode: 'manual',
      receiverQueueSize: 10,
    });
    const producer = await WsProducer.open(topic, {
      batchingEnabled: 'true',
      batchingMaxMessages: '5',
      batchingMaxPublishDelay: '50',
    });
    await producer.sendAll(Array.from({ length: 12 }, (_, i) => ({ payload: `p${i}` })));
    assert.equal(await maybeReceive(consumer, 500), undefined, 'nothing without permits');
    consumer.grantPermits(3);
    const three = await receiveN(consumer, 3);
    assert.deepEqual(
      three.map((m) => m.payload.toString()),
      ['p0', 'p1', 'p2'],
    );
    assert.equal(await maybeReceive(consumer, 500), undefined, 'no fourth message');
    consumer.grantPermits(2);
    consumer.grantPermits(2);
    const four = await receiveN(consumer, 4);
    assert.deepEqual(
      four.map((m) => m.payload.toString()),
      ['p3', 'p4', 'p5', 'p6'],
    );
    assert.equal(await maybeReceive(consumer, 500), undefined);
    await consumer.close();
    await producer.close();
  });
});

describe('partitioned topics', () => {
  it('consumes every partition and routes acks by partition, including ids decoded from base64', async () => {
    const topic = uniqueName('partitioned');
    await createPartitionedTopic(topic, 3);
    const consumer = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Shared' });
    assert.equal(consumer.partitions, 3);
    const producer = await WsProducer.open(topic);
    const sent = Array.from({ length: 30 }, (_, i) => ({ payload: `q${i}`, key: `key-${i}` }));
    const ids = await producer.sendAll(sent);
    const got = await receiveN(consumer, 30);
    const byPayload = new Map(got.map((m) => [m.payload.toString(), m]));
    sent.forEach((s, i) => {
      const m = byPayload.get(s.payload);
      assert.ok(m !== undefined, `got ${s.payload}`);
      assert.equal(encodeMessageIdBase64(m.id), ids[i]);
    });
    assert.equal(new Set(got.map((m) => m.id.partition)).size, 3);
    for (const id of ids) await consumer.acknowledge(decodeMessageIdBase64(id));
    await consumer.close();
    const again = await subscribe({ topic, subscription: 'sub', subscriptionType: 'Shared' });
    assert.equal(await maybeReceive(again, 1000), undefined, 'everything was acked');
    await again.close();
    await producer.close();
    await delay(0);
  });
});

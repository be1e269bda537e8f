/**
 * Client-side redelivery against the real broker (docs/pulsar-binary-protocol.md §1.11): negative
 * acks after the configured delay, ack timeout, and the dead-letter topic after N redeliveries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PulsarClient } from '../../../src/pulsar/index.ts';
import { Consumer } from '../../../src/pulsar/consumer/consumer.ts';
import type { ConsumerMessage } from '../../../src/pulsar/consumer/consumer-types.ts';
import { deadLetterProducerFactory } from '../../../src/pulsar/consumer/dead-letter-producer.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { WsProducer } from '../../helpers/ws-producer.ts';

let client: PulsarClient;

before(() => {
  client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl, operationTimeoutMs: 15_000 });
});

after(async () => {
  await client.close();
});

async function maybeReceive(consumer: Consumer, ms: number): Promise<ConsumerMessage | undefined> {
  try {
    return await consumer.receive(AbortSignal.timeout(ms));
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return undefined;
    throw err;
  }
}

describe('redelivery', () => {
  for (const type of ['Shared', 'Exclusive'] as const) {
    it(`negative ack redelivers after the configured delay (${type})`, async () => {
      const topic = uniqueName(`nack-${type.toLowerCase()}`);
      const consumer = await Consumer.create(client, {
        topic,
        subscription: 'sub',
        subscriptionType: type,
        negativeAckRedeliveryDelayMs: 1500,
      });
      const producer = await WsProducer.open(topic);
      await producer.send({ payload: 'nack-me', properties: { p: '1' } });
      const first = await consumer.receive(AbortSignal.timeout(10_000));
      const nackedAt = Date.now();
      consumer.negativeAcknowledge(first);
      assert.equal(await maybeReceive(consumer, 1000), undefined, 'not before the delay');
      const again = await consumer.receive(AbortSignal.timeout(10_000));
      const elapsed = Date.now() - nackedAt;
      assert.ok(elapsed >= 1400, `redelivered after ${elapsed} ms`);
      assert.equal(again.payload.toString(), 'nack-me');
      assert.deepEqual({ ...again.properties }, { p: '1' });
      // The broker counts redeliveries only for Shared and Key_Shared (§1.8).
      assert.equal(again.redeliveryCount, type === 'Shared' ? 1 : 0);
      await consumer.acknowledge(again);
      assert.equal(await maybeReceive(consumer, 2500), undefined);
      await consumer.close();
      await producer.close();
    });
  }

  it('ack timeout redelivers what was not acked in time', async () => {
    const topic = uniqueName('ack-timeout');
    const consumer = await Consumer.create(client, {
      topic,
      subscription: 'sub',
      subscriptionType: 'Shared',
      ackTimeoutMs: 1000,
      ackTimeoutTickMs: 200,
    });
    const producer = await WsProducer.open(topic);
    await producer.sendAll([{ payload: 'acked' }, { payload: 'forgotten' }]);
    const a = await consumer.receive(AbortSignal.timeout(10_000));
    const b = await consumer.receive(AbortSignal.timeout(10_000));
    const acked = a.payload.toString() === 'acked' ? a : b;
    await consumer.acknowledge(acked);
    const again = await consumer.receive(AbortSignal.timeout(10_000));
    assert.equal(again.payload.toString(), 'forgotten');
    assert.equal(again.redeliveryCount, 1);
    await consumer.acknowledge(again);
    assert.equal(await maybeReceive(consumer, 2000), undefined);
    await consumer.close();
    await producer.close();
  });

  it('publishes to the dead-letter topic after maxRedeliverCount redeliveries and acks the original', async () => {
    const topic = uniqueName('dlq');
    const fullTopic = `persistent://public/default/${topic}`;
    const dlqTopic = `${fullTopic}-sub-DLQ`;
    const dlqReader = await Consumer.create(client, {
      topic: dlqTopic,
      subscription: 'dlq-check',
      initialPosition: 'Earliest',
    });
    const consumer = await Consumer.create(client, {
      topic,
      subscription: 'sub',
      subscriptionType: 'Shared',
      negativeAckRedeliveryDelayMs: 200,
      deadLetterPolicy: {
        maxRedeliverCount: 2,
        producerFactory: deadLetterProducerFactory(client),
      },
    });
    const producer = await WsProducer.open(topic);
    await producer.send({ payload: 'poison', properties: { origin: 'yes' }, key: 'poison-key' });
    const counts: number[] = [];
    for (;;) {
      const m = await maybeReceive(consumer, 3000);
      if (m === undefined) break;
      counts.push(m.redeliveryCount);
      consumer.negativeAcknowledge(m);
    }
    // Java semantics: delivered with counts 0..max, dead-lettered on the next redelivery.
    assert.deepEqual(counts, [0, 1, 2]);
    const dead = await dlqReader.receive(AbortSignal.timeout(10_000));
    assert.equal(dead.payload.toString(), 'poison');
    assert.equal(dead.key, 'poison-key');
    assert.equal(dead.properties['origin'], 'yes');
    assert.equal(dead.properties['REAL_TOPIC'], fullTopic);
    assert.match(dead.properties['ORIGIN_MESSAGE_ID'] ?? '', /^\d+:\d+:-1$/);
    await consumer.close();
    const later = await Consumer.create(client, {
      topic,
      subscription: 'sub',
      subscriptionType: 'Shared',
    });
    assert.equal(await maybeReceive(later, 1500), undefined, 'the original was acked');
    await later.close();
    await dlqReader.close();
    await producer.close();
  });
});

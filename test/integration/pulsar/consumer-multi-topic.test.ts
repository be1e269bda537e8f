/** The multi-topic consumer (gateway v3) against the real broker: a topic list and a pattern. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PulsarClient, encodeMessageIdBase64 } from '../../../src/pulsar/index.ts';
import { MultiTopicConsumer } from '../../../src/pulsar/consumer/multi-topic-consumer.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { WsProducer, createPartitionedTopic } from '../../helpers/ws-producer.ts';

let client: PulsarClient;

before(() => {
  client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl, operationTimeoutMs: 15_000 });
});

after(async () => {
  await client.close();
});

async function produce(topic: string, payloads: string[]): Promise<string[]> {
  const p = await WsProducer.open(topic);
  const ids = await p.sendAll(payloads.map((payload) => ({ payload })));
  await p.close();
  return ids;
}

describe('multi-topic consumer', () => {
  it('consumes a list of topics (one partitioned) with Java-identical ids and routed acks', async () => {
    const a = uniqueName('multi-a');
    const b = uniqueName('multi-b');
    await createPartitionedTopic(b, 2);
    const consumer = await MultiTopicConsumer.create(client, {
      topics: [a, `persistent://public/default/${b}`],
      subscription: 'sub',
      subscriptionType: 'Shared',
    });
    const ids = [...(await produce(a, ['a0', 'a1'])), ...(await produce(b, ['b0', 'b1']))];
    const got = new Map<string, string>();
    const signal = AbortSignal.timeout(15_000);
    while (got.size < 4) {
      const m = await consumer.receive(signal);
      got.set(m.payload.toString(), encodeMessageIdBase64(m.id));
      await consumer.acknowledge(m.id);
    }
    assert.deepEqual(new Set(got.values()), new Set(ids));
    await consumer.close();
  });

  it('consumes the topics matching a pattern and discovers new ones', async () => {
    const prefix = uniqueName('pattern');
    await produce(`${prefix}-one`, ['warm-up']);
    const consumer = await MultiTopicConsumer.create(client, {
      topicsPattern: `persistent://public/default/${prefix}-.*`,
      subscription: 'sub',
      patternAutoDiscoveryPeriodMs: 1000,
    });
    assert.deepEqual(consumer.topics, [`persistent://public/default/${prefix}-one`]);
    await produce(`${prefix}-one`, ['one']);
    assert.equal((await consumer.receive(AbortSignal.timeout(10_000))).payload.toString(), 'one');
    await produce(`${prefix}-two`, ['first']);
    const deadline = Date.now() + 15_000;
    while (consumer.topics.length < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(consumer.topics.length, 2, 'the new topic was discovered');
    await produce(`${prefix}-two`, ['two']);
    assert.equal((await consumer.receive(AbortSignal.timeout(10_000))).payload.toString(), 'two');
    await consumer.close();
  });
});

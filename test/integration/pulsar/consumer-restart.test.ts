/**
 * Broker restart in the middle of consumption: a private Pulsar standalone is restarted while our
 * consumer is receiving and acknowledging. The consumer must resubscribe on its own, every
 * produced message must be received at least once (redeliveries of unacknowledged messages are
 * allowed), and a message acknowledged before the restart must not come back afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PulsarStandalone } from '../../../scripts/dev/pulsar-standalone.ts';
import { PulsarClient } from '../../../src/pulsar/client.ts';
import { Consumer } from '../../../src/pulsar/consumer/consumer.ts';
import type { ConsumerMessage } from '../../../src/pulsar/consumer/consumer-types.ts';
import { Producer } from '../../../src/pulsar/producer/producer.ts';
import { uniqueName } from '../../helpers/test-env.ts';

const N = 200;
const BEFORE_RESTART = 80;

let broker: PulsarStandalone;
let client: PulsarClient;

before(async () => {
  broker = await PulsarStandalone.start({ name: uniqueName('crestart') });
  client = new PulsarClient({ serviceUrl: broker.endpoints.serviceUrl });
});

after(async () => {
  await client.close();
  await broker.destroy();
});

/** The next message, or undefined when none arrives within `ms`. */
async function receiveWithin(consumer: Consumer, ms: number): Promise<ConsumerMessage | undefined> {
  try {
    return await consumer.receive(AbortSignal.timeout(ms));
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') {
      return undefined;
    }
    throw err;
  }
}

describe('consumer across a broker restart', () => {
  it('resubscribes by itself, receives every message and does not redeliver acked ones', async () => {
    const topic = uniqueName('crestart');
    const consumer = await Consumer.create(client, {
      topic,
      subscription: 'sub',
      subscriptionType: 'Exclusive',
      initialPosition: 'Earliest',
      receiverQueueSize: 10,
    });
    try {
      const producer = await Producer.create(client, { topic, batchingEnabled: false });
      try {
        await Promise.all(
          Array.from({ length: N }, (_, i) => producer.send({ payload: Buffer.from(`m-${i}`) })),
        );
      } finally {
        await producer.close();
      }

      const received = new Set<string>();
      const ackedBeforeRestart = new Set<string>();
      for (let k = 0; k < BEFORE_RESTART; k++) {
        const msg = await receiveWithin(consumer, 30_000);
        assert.ok(msg !== undefined, `message ${k} before the restart`);
        const p = msg.payload.toString();
        received.add(p);
        await consumer.acknowledge(msg);
        ackedBeforeRestart.add(p);
      }

      await broker.restart();

      // After the restart, without touching the consumer: keep receiving until all N are in.
      const afterRestart: string[] = [];
      const ackFailures: string[] = [];
      const deadline = Date.now() + 180_000;
      while (received.size < N && Date.now() < deadline) {
        const msg = await receiveWithin(consumer, 5_000);
        if (msg === undefined) continue;
        const p = msg.payload.toString();
        afterRestart.push(p);
        received.add(p);
        try {
          await consumer.acknowledge(msg);
        } catch (err) {
          ackFailures.push(`${p}: ${(err as Error).message}`);
        }
      }

      const missing = Array.from({ length: N }, (_, i) => `m-${i}`).filter((p) => !received.has(p));
      assert.deepEqual(missing, [], 'every message is received at least once');
      assert.ok(afterRestart.length > 0, 'the consumer resumed after the restart by itself');
      assert.ok(
        consumer.partitionConsumers.every((pc) => pc.state === 'ready'),
        'the consumer is subscribed again',
      );
      const redeliveredAcked = afterRestart.filter((p) => ackedBeforeRestart.has(p));
      assert.deepEqual(redeliveredAcked, [], 'no message acked before the restart comes back');
      assert.deepEqual(ackFailures, [], 'acks after the resubscribe succeed');
    } finally {
      await consumer.close();
    }
  });
});

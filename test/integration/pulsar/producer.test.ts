/**
 * Our producer against the real broker, read back through Apache Pulsar's own Java WebSocket
 * proxy (the interoperability check of issue 3): payload, properties and key arrive unchanged with
 * every codec and with batching on and off, and the message id we return is the one the Java
 * consumer reports, byte for byte in its base64 form.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type WebSocket from 'ws';
import { PulsarClient } from '../../../src/pulsar/client.ts';
import type { CompressionType } from '../../../src/pulsar/compression/compression-codec.ts';
import { encodeMessageIdBase64, type MessageId } from '../../../src/pulsar/protocol/message-id.ts';
import { Producer } from '../../../src/pulsar/producer/producer.ts';
import { javaStringHash } from '../../../src/pulsar/routing/java-string-hash.ts';
import { murmur3_32Hash } from '../../../src/pulsar/routing/murmur3-32.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';

let client: PulsarClient;

before(() => {
  client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl });
});

after(async () => {
  await client.close();
});

/** Opens the Java proxy's consumer first, so the subscription exists before we produce. */
async function javaConsumer(topic: string): Promise<WebSocket> {
  const ws = await openWs(
    `${pulsarEnv().wsUrl}/ws/v2/consumer/persistent/public/default/${topic}/sub`,
  );
  queues.set(ws, new WsQueue(ws));
  return ws;
}

const queues = new WeakMap<WebSocket, WsQueue>();

async function receive(ws: WebSocket, n: number): Promise<Record<string, unknown>[]> {
  const queue = queues.get(ws)!;
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const msg = await queue.next();
    ws.send(JSON.stringify({ messageId: msg['messageId'] }));
    out.push(msg);
  }
  return out;
}

const CODECS: CompressionType[] = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'];

describe('producer interoperability with the Java WebSocket consumer', () => {
  for (const compressionType of CODECS) {
    for (const batchingEnabled of [false, true]) {
      it(`${compressionType}, batching ${batchingEnabled ? 'on' : 'off'}`, async () => {
        const topic = uniqueName(`prod-${compressionType.toLowerCase()}`);
        const ws = await javaConsumer(topic);
        const producer = await Producer.create(client, {
          topic,
          compressionType,
          batchingEnabled,
          batchingMaxPublishDelayMs: 20,
        });
        try {
          const sent = [0, 1, 2, 3].map((i) => ({
            payload: Buffer.from(`message ${i} `.repeat(20 + i)),
            properties: { index: String(i), codec: compressionType },
            key: `key-${i}`,
            eventTime: 1_700_000_000_000 + i,
          }));
          const ids = await Promise.all(sent.map((m) => producer.send(m)));
          if (batchingEnabled) {
            assert.ok(ids.every((id) => id.batchSize === 4 && id.entryId === ids[0]!.entryId));
          } else {
            assert.ok(ids.every((id) => id.batchIndex === -1));
          }
          const got = await receive(ws, sent.length);
          for (let i = 0; i < sent.length; i++) {
            const m = got[i]!;
            assert.equal(m['payload'], sent[i]!.payload.toString('base64'));
            assert.deepEqual(m['properties'], sent[i]!.properties);
            assert.equal(m['key'], sent[i]!.key);
            assert.equal(m['messageId'], encodeMessageIdBase64(ids[i]!), `message id ${i}`);
          }
        } finally {
          await producer.close();
          await closeWs(ws);
        }
      });
    }
  }

  it('a plain message without properties or key', async () => {
    const topic = uniqueName('prod-plain');
    const ws = await javaConsumer(topic);
    const producer = await Producer.create(client, { topic });
    try {
      const id = await producer.send({ payload: Buffer.from('bare') });
      const [m] = await receive(ws, 1);
      assert.equal(m!['payload'], Buffer.from('bare').toString('base64'));
      assert.deepEqual(m!['properties'] ?? {}, {});
      assert.equal(m!['key'], undefined);
      assert.equal(m!['messageId'], encodeMessageIdBase64(id));
    } finally {
      await producer.close();
      await closeWs(ws);
    }
  });
});

describe('producer on partitioned topics', () => {
  for (const hashingScheme of ['JavaStringHash', 'Murmur3_32Hash'] as const) {
    it(`routes keys with ${hashingScheme} to the partition Java would choose`, async () => {
      const topic = uniqueName('prod-part');
      const res = await fetch(
        `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${topic}/partitions`,
        { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '3' },
      );
      assert.equal(res.status, 204, await res.text());
      const ws = await javaConsumer(topic);
      const producer = await Producer.create(client, {
        topic,
        hashingScheme,
        batchingEnabled: hashingScheme === 'Murmur3_32Hash',
      });
      try {
        assert.equal(producer.numPartitions, 3);
        const hash = hashingScheme === 'JavaStringHash' ? javaStringHash : murmur3_32Hash;
        const keys = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'];
        const ids: MessageId[] = [];
        for (const key of keys) {
          const id = await producer.send({ payload: Buffer.from(key), key });
          assert.equal(id.partition, hash(key) % 3, key);
          ids.push(id);
        }
        const got = await receive(ws, keys.length);
        const byKey = new Map(got.map((m) => [m['key'] as string, m['messageId']]));
        for (let i = 0; i < keys.length; i++) {
          assert.equal(byKey.get(keys[i]!), encodeMessageIdBase64(ids[i]!), keys[i]);
        }
        // The broker stored each message on the partition our id names.
        const stats = (await (
          await fetch(
            `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${topic}/partitioned-stats?perPartition=true`,
          )
        ).json()) as { partitions: Record<string, { msgInCounter: number }> };
        for (let p = 0; p < 3; p++) {
          const expected = ids.filter((id) => id.partition === p).length;
          const actual = stats.partitions[`persistent://public/default/${topic}-partition-${p}`];
          assert.equal(actual?.msgInCounter ?? 0, expected, `partition ${p}`);
        }
      } finally {
        await producer.close();
        await closeWs(ws);
      }
    });
  }
});

describe('producer errors from the real broker', () => {
  it('a second producer with the same name fails with PULSAR_ERR_PRODUCER_BUSY', async () => {
    const topic = uniqueName('prod-busy');
    const first = await Producer.create(client, { topic, producerName: 'only-one' });
    try {
      await assert.rejects(Producer.create(client, { topic, producerName: 'only-one' }), {
        code: 'PULSAR_ERR_PRODUCER_BUSY',
      });
      // The first one still works.
      await first.send({ payload: Buffer.from('still here') });
    } finally {
      await first.close();
    }
  });

  it('uses initialSequenceId and the producer name on the wire', async () => {
    const topic = uniqueName('prod-seq');
    const producer = await Producer.create(client, {
      topic,
      producerName: 'named-producer',
      initialSequenceId: 100,
    });
    try {
      await producer.send({ payload: Buffer.from('x') });
      const res = await fetch(
        `${pulsarEnv().adminUrl}/admin/v2/persistent/public/default/${topic}/stats`,
      );
      const stats = (await res.json()) as {
        publishers: { producerName: string }[];
      };
      assert.equal(stats.publishers[0]?.producerName, 'named-producer');
      assert.equal(producer.partitions[0]!.nextSequenceId, 102n);
    } finally {
      await producer.close();
    }
  });
});

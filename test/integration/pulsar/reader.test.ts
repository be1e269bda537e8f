/**
 * Our reader against the real broker, fed by the Java WebSocket proxy's producer: start at
 * earliest, latest and a given id (exclusive and inclusive, also inside a batch),
 * hasMessageAvailable, end of topic, partitioned readers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  EARLIEST_MESSAGE_ID,
  LATEST_MESSAGE_ID,
  PulsarClient,
  decodeMessageIdBase64,
  type MessageId,
} from '../../../src/pulsar/index.ts';
import type { ConsumerMessage } from '../../../src/pulsar/consumer/consumer-types.ts';
import { Reader } from '../../../src/pulsar/reader/reader.ts';
import { eventually } from '../../helpers/eventually.ts';
import { pulsarEnv, uniqueName } from '../../helpers/test-env.ts';
import { WsProducer, createPartitionedTopic, terminateTopic } from '../../helpers/ws-producer.ts';

let client: PulsarClient;

before(() => {
  client = new PulsarClient({ serviceUrl: pulsarEnv().serviceUrl, operationTimeoutMs: 15_000 });
});

after(async () => {
  await client.close();
});

async function readN(reader: Reader, n: number): Promise<string[]> {
  const out: string[] = [];
  const signal = AbortSignal.timeout(15_000);
  while (out.length < n) out.push((await reader.readNext(signal)).payload.toString());
  return out;
}

async function maybeRead(reader: Reader, ms: number): Promise<ConsumerMessage | undefined> {
  try {
    return await reader.readNext(AbortSignal.timeout(ms));
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return undefined;
    throw err;
  }
}

async function fill(topic: string, n: number, batched: boolean): Promise<string[]> {
  const producer = await WsProducer.open(
    topic,
    batched
      ? { batchingEnabled: 'true', batchingMaxMessages: '5', batchingMaxPublishDelay: '100' }
      : {},
  );
  const ids = await producer.sendAll(Array.from({ length: n }, (_, i) => ({ payload: `r${i}` })));
  await producer.close();
  return ids;
}

function open(topic: string, start: MessageId, inclusive = false): Promise<Reader> {
  return Reader.create(client, {
    topic,
    startMessageId: start,
    startMessageIdInclusive: inclusive,
  });
}

describe('reader', () => {
  it('reads from earliest, and from latest sees only new messages', async () => {
    const topic = uniqueName('reader-edges');
    await fill(topic, 3, false);
    const fromEarliest = await open(topic, EARLIEST_MESSAGE_ID);
    const fromLatest = await open(topic, LATEST_MESSAGE_ID);
    assert.deepEqual(await readN(fromEarliest, 3), ['r0', 'r1', 'r2']);
    assert.equal(await fromLatest.hasMessageAvailable(), false);
    assert.equal(await maybeRead(fromLatest, 500), undefined);
    const producer = await WsProducer.open(topic);
    await producer.send({ payload: 'new' });
    await producer.close();
    assert.equal(
      (await fromLatest.readNext(AbortSignal.timeout(10_000))).payload.toString(),
      'new',
    );
    await fromEarliest.close();
    await fromLatest.close();
  });

  for (const batched of [false, true]) {
    it(`starts after a given id (exclusive) and at it (inclusive), ${batched ? 'inside a batch' : 'single messages'}`, async () => {
      const topic = uniqueName(`reader-id-${batched ? 'batch' : 'single'}`);
      const ids = await fill(topic, 10, batched);
      const start = decodeMessageIdBase64(ids[2]!);
      if (batched) assert.ok(start.batchIndex >= 0, 'the start id is inside a batch');
      const exclusive = await open(topic, start);
      const inclusive = await open(topic, start, true);
      assert.deepEqual(await readN(exclusive, 7), ['r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
      assert.deepEqual(await readN(inclusive, 8), ['r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9']);
      assert.equal(await exclusive.hasMessageAvailable(), false);
      assert.equal(await maybeRead(exclusive, 300), undefined);
      await exclusive.close();
      await inclusive.close();
    });
  }

  it('latest inclusive starts at the last message', async () => {
    const topic = uniqueName('reader-latest-incl');
    await fill(topic, 4, false);
    const reader = await open(topic, LATEST_MESSAGE_ID, true);
    assert.deepEqual(await readN(reader, 1), ['r3']);
    await reader.close();
  });

  it('hasMessageAvailable follows what was read', async () => {
    const topic = uniqueName('reader-has');
    await fill(topic, 2, true);
    const reader = await open(topic, EARLIEST_MESSAGE_ID);
    assert.equal(await reader.hasMessageAvailable(), true);
    await readN(reader, 2);
    assert.equal(await reader.hasMessageAvailable(), false);
    await reader.close();
  });

  it('reports end of topic after the topic is terminated and read to the end', async () => {
    const topic = uniqueName('reader-eot');
    await fill(topic, 2, false);
    const reader = await open(topic, EARLIEST_MESSAGE_ID);
    assert.equal(reader.isEndOfTopic, false);
    await readN(reader, 2);
    await terminateTopic(topic);
    await eventually(() => {
      assert.equal(reader.isEndOfTopic, true);
    }, 10_000);
    await reader.close();
  });

  it('reads every partition of a partitioned topic from earliest', async () => {
    const topic = uniqueName('reader-partitioned');
    await createPartitionedTopic(topic, 3);
    const producer = await WsProducer.open(topic);
    await producer.sendAll(
      Array.from({ length: 12 }, (_, i) => ({ payload: `r${i}`, key: `k${i}` })),
    );
    await producer.close();
    const reader = await open(topic, EARLIEST_MESSAGE_ID);
    const got = await readN(reader, 12);
    assert.deepEqual(new Set(got), new Set(Array.from({ length: 12 }, (_, i) => `r${i}`)));
    await reader.close();
  });
});

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { FakeClock } from '../../../../src/shared/index.ts';
import { Backoff } from '../../../../src/pulsar/backoff.ts';
import { PulsarClient } from '../../../../src/pulsar/client.ts';
import { getCodec } from '../../../../src/pulsar/compression/compression-codec.ts';
import { isPulsarError, PulsarError } from '../../../../src/pulsar/errors.ts';
import { decodeBatch } from '../../../../src/pulsar/protocol/batch.ts';
import {
  CommandType,
  PartitionedMetadataResult,
  ServerError,
} from '../../../../src/pulsar/protocol/constants.ts';
import type { MessageId } from '../../../../src/pulsar/protocol/message-id.ts';
import { Producer, type ProducerOptions } from '../../../../src/pulsar/producer/producer.ts';
import { javaStringHash } from '../../../../src/pulsar/routing/java-string-hash.ts';
import { eventually } from '../../../helpers/eventually.ts';
import { errorCommand, FakeBroker } from '../../../helpers/fake-broker.ts';
import {
  closeProducerPush,
  ReceiptController,
  receivedSends,
  sendErrorFor,
  topicMigratedPush,
} from '../../../helpers/fake-broker-producer.ts';

let broker: FakeBroker;
let clock: FakeClock;
let client: PulsarClient;
let registry: Registry;
let receipts: ReceiptController;

const TOPIC = 'persistent://public/default/t';

beforeEach(async () => {
  broker = await FakeBroker.start();
  receipts = new ReceiptController(broker, { auto: true });
  clock = new FakeClock();
  registry = new Registry();
  client = new PulsarClient({
    serviceUrl: broker.url,
    clock,
    keepAliveIntervalMs: 0,
    registry,
  });
});

afterEach(async () => {
  await client.close();
  await broker.close();
});

/** A deterministic reconnect policy: 100 ms, 200 ms, … without jitter. */
const backoff = (): Backoff => new Backoff({ initialMs: 100, maxMs: 1_000, jitter: 'none' });

function create(options: Partial<ProducerOptions> = {}): Promise<Producer> {
  return Producer.create(client, { topic: TOPIC, registry, backoff, ...options });
}

/** Settles every promise; returns ids or error codes, in order. */
async function outcomes(promises: Promise<MessageId>[]): Promise<(MessageId | string)[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((s) => (s.status === 'fulfilled' ? s.value : (s.reason as PulsarError).code));
}

const payload = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('Producer: plain messages', () => {
  it('sends in sequence order with full metadata and resolves with the receipt ids', async () => {
    const producer = await create({ producerName: 'p1' });
    const before = clock.now();
    const ids = await Promise.all([
      producer.send({
        payload: payload('a'),
        properties: { x: '1', y: '2' },
        key: 'k',
        eventTime: 1234,
        replicationClusters: ['c1'],
      }),
      producer.send({ payload: payload('b'), deliverAfterMs: 5_000 }),
      producer.send({ payload: payload('c'), deliverAtMs: 99 }),
    ]);
    assert.deepEqual(
      ids.map((id) => [id.ledgerId, id.entryId, id.partition, id.batchIndex, id.batchSize]),
      [
        [7n, 0n, -1, -1, 0],
        [7n, 1n, -1, -1, 0],
        [7n, 2n, -1, -1, 0],
      ],
    );
    const sends = receivedSends(broker);
    assert.deepEqual(
      sends.map((s) => s.send.sequenceId),
      [0n, 1n, 2n],
    );
    const [a, b, c] = sends;
    assert.equal(a!.metadata.producerName, 'p1');
    assert.equal(a!.metadata.sequenceId, 0n);
    assert.equal(a!.metadata.publishTime, BigInt(before));
    assert.deepEqual(a!.metadata.properties, [
      { key: 'x', value: '1' },
      { key: 'y', value: '2' },
    ]);
    assert.equal(a!.metadata.partitionKey, 'k');
    assert.equal(a!.metadata.eventTime, 1234n);
    assert.deepEqual(a!.metadata.replicateTo, ['c1']);
    assert.equal(a!.metadata.numMessagesInBatch, undefined, 'plain message: field absent');
    assert.equal(a!.send.numMessages, undefined);
    assert.equal(a!.payload.toString(), 'a');
    assert.equal(b!.metadata.deliverAtTime, BigInt(before + 5_000));
    assert.equal(c!.metadata.deliverAtTime, 99n);
    assert.equal(producer.producerName, 'p1');
    const producerCmd = broker.received.find((x) => x.type === CommandType.PRODUCER)!.producer!;
    assert.equal(producerCmd.userProvidedProducerName, true);
    assert.equal(producerCmd.epoch, 0n);
    await producer.close();
  });

  it('starts after initialSequenceId and keeps the broker-chosen name', async () => {
    const producer = await create({ initialSequenceId: 41 });
    await producer.send({ payload: payload('x') });
    assert.equal(receivedSends(broker)[0]!.send.sequenceId, 42n);
    assert.match(producer.producerName, /^fake-producer-/);
    await producer.close();
  });

  it('continues after the broker last_sequence_id when no initialSequenceId is given', async () => {
    broker.on('PRODUCER', (cmd, conn) => {
      conn.send({
        type: CommandType.PRODUCER_SUCCESS,
        producerSuccess: {
          requestId: cmd.producer!.requestId,
          producerName: 'named',
          lastSequenceId: 9n,
        },
      });
    });
    const producer = await create();
    await producer.send({ payload: payload('x') });
    assert.equal(receivedSends(broker)[0]!.send.sequenceId, 10n);
    await producer.close();
  });

  it('compresses the payload and records codec and uncompressed size', async () => {
    for (const type of ['LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'] as const) {
      const producer = await create({ compressionType: type });
      const text = `hello ${type} `.repeat(50);
      await producer.send({ payload: payload(text) });
      const sent = receivedSends(broker).at(-1)!;
      assert.equal(sent.metadata.uncompressedSize, text.length, type);
      assert.ok(sent.payload.length < text.length, `${type} compresses`);
      assert.equal(getCodec(type).decode(sent.payload, text.length).toString(), text);
      await producer.close();
    }
  });

  it('rejects invalid messages and oversized ones without sending', async () => {
    const producer = await create();
    await assert.rejects(producer.send({ payload: payload('x'), eventTime: -5 }), {
      code: 'PULSAR_ERR_INVALID_ARGUMENT',
    });
    await assert.rejects(producer.send({ payload: Buffer.alloc(5 * 1024 * 1024 + 1) }), {
      code: 'PULSAR_ERR_MESSAGE_TOO_LARGE',
    });
    assert.equal(receivedSends(broker).length, 0);
    assert.equal(producer.pendingMessages, 0);
    await producer.close();
  });
});

describe('Producer: batching', () => {
  it('flushes a full batch by count as one SEND with per-message batch indexes', async () => {
    const producer = await create({ batchingEnabled: true, batchingMaxMessages: 3 });
    const ids = await Promise.all([
      producer.send({ payload: payload('m0'), key: 'k0', properties: { p: '0' } }),
      producer.send({ payload: payload('m1'), eventTime: 77 }),
      producer.send({ payload: payload('m2') }),
    ]);
    const sends = receivedSends(broker);
    assert.equal(sends.length, 1);
    const [s] = sends;
    assert.equal(s!.send.numMessages, 3);
    assert.equal(s!.send.sequenceId, 0n);
    assert.equal(s!.send.highestSequenceId, 2n);
    assert.equal(s!.metadata.numMessagesInBatch, 3);
    assert.equal(s!.metadata.highestSequenceId, 2n);
    const entries = decodeBatch(s!.payload, 3);
    assert.deepEqual(
      entries.map((e) => e.payload.toString()),
      ['m0', 'm1', 'm2'],
    );
    assert.equal(entries[0]!.metadata.partitionKey, 'k0');
    assert.deepEqual(entries[0]!.metadata.properties, [{ key: 'p', value: '0' }]);
    assert.equal(entries[1]!.metadata.eventTime, 77n);
    assert.equal(entries[2]!.metadata.sequenceId, 2n);
    assert.deepEqual(
      ids.map((id) => [id.entryId, id.batchIndex, id.batchSize]),
      [
        [0n, 0, 3],
        [0n, 1, 3],
        [0n, 2, 3],
      ],
    );
    await producer.close();
  });

  it('flushes by size: a message that does not fit starts the next batch', async () => {
    const producer = await create({
      batchingEnabled: true,
      batchingMaxBytes: 100,
      batchingMaxPublishDelayMs: 50,
    });
    const p = [
      producer.send({ payload: Buffer.alloc(60) }),
      producer.send({ payload: Buffer.alloc(60) }), // 120 > 100: the first batch goes out
      producer.send({ payload: Buffer.alloc(40) }), // 60 + 40 = 100: full, goes out
    ];
    const ids = await Promise.all(p);
    const sends = receivedSends(broker);
    assert.deepEqual(
      sends.map((s) => s.metadata.numMessagesInBatch),
      [1, 2],
    );
    assert.deepEqual(
      ids.map((id) => [id.entryId, id.batchIndex, id.batchSize]),
      [
        [0n, 0, 1],
        [1n, 0, 2],
        [1n, 1, 2],
      ],
    );
    await producer.close();
  });

  it('flushes by the publish delay, with num_messages_in_batch present for one message', async () => {
    const producer = await create({ batchingEnabled: true, batchingMaxPublishDelayMs: 10 });
    const sent = producer.send({ payload: payload('solo') });
    clock.advance(9);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(receivedSends(broker).length, 0, 'not before the delay');
    clock.advance(1);
    const id = await sent;
    const [s] = receivedSends(broker);
    assert.equal(s!.metadata.numMessagesInBatch, 1);
    assert.equal(s!.send.numMessages, 1);
    assert.deepEqual([id.batchIndex, id.batchSize], [0, 1]);
    await producer.close();
  });

  it('does not batch delayed messages and keeps order around them', async () => {
    const producer = await create({ batchingEnabled: true, batchingMaxPublishDelayMs: 10 });
    const p = [
      producer.send({ payload: payload('a') }),
      producer.send({ payload: payload('delayed'), deliverAfterMs: 1_000 }),
      producer.send({ payload: payload('b') }),
    ];
    clock.advance(10);
    await Promise.all(p);
    const sends = receivedSends(broker);
    assert.deepEqual(
      sends.map((s) => [
        s.send.sequenceId,
        s.metadata.numMessagesInBatch,
        s.metadata.deliverAtTime,
      ]),
      [
        [0n, 1, undefined],
        [1n, undefined, BigInt(clock.now() - 10 + 1_000)],
        [2n, 1, undefined],
      ],
    );
    await producer.close();
  });

  it('compresses the whole batch', async () => {
    const producer = await create({
      batchingEnabled: true,
      batchingMaxMessages: 2,
      compressionType: 'LZ4',
    });
    await Promise.all([
      producer.send({ payload: payload('x'.repeat(100)) }),
      producer.send({ payload: payload('y'.repeat(100)) }),
    ]);
    const [s] = receivedSends(broker);
    const raw = getCodec('LZ4').decode(s!.payload, s!.metadata.uncompressedSize!);
    assert.deepEqual(
      decodeBatch(raw, 2).map((e) => e.payload.toString()),
      ['x'.repeat(100), 'y'.repeat(100)],
    );
    await producer.close();
  });
});

describe('Producer: timeouts, backpressure and slow receipts', () => {
  it('fails a message after the send timeout and ignores its late receipt', async () => {
    receipts.auto = false;
    const producer = await create({ sendTimeoutMs: 1_000 });
    const first = producer.send({ payload: payload('a') });
    clock.advance(500);
    const second = producer.send({ payload: payload('b') });
    await eventually(() => {
      assert.equal(receipts.held.length, 2);
    });
    clock.advance(500);
    await assert.rejects(first, { code: 'PULSAR_ERR_TIMEOUT' });
    assert.equal(producer.pendingMessages, 1, 'the second message has its own deadline');
    receipts.release();
    const id = await second;
    assert.equal(id.entryId, 1n);
    assert.equal(producer.pendingMessages, 0);
    assert.match(
      await registry.metrics(),
      /pulsar_client_producer_send_errors_total\{code="PULSAR_ERR_TIMEOUT"\} 1/,
    );
    await producer.close();
  });

  it('answers slow receipts that arrive within the timeout', async () => {
    receipts.auto = false;
    const producer = await create({ sendTimeoutMs: 30_000 });
    const p = [1, 2, 3].map((i) => producer.send({ payload: payload(String(i)) }));
    await eventually(() => {
      assert.equal(receipts.held.length, 3);
    });
    clock.advance(29_000);
    receipts.release(1);
    await new Promise((r) => setTimeout(r, 20));
    clock.advance(500);
    receipts.release();
    const ids = await Promise.all(p);
    assert.deepEqual(
      ids.map((id) => id.entryId),
      [0n, 1n, 2n],
    );
    await producer.close();
  });

  it('fails fast with PULSAR_ERR_PRODUCER_QUEUE_FULL at maxPendingMessages', async () => {
    receipts.auto = false;
    const producer = await create({ maxPendingMessages: 2 });
    const p = [producer.send({ payload: payload('1') }), producer.send({ payload: payload('2') })];
    await assert.rejects(producer.send({ payload: payload('3') }), (err: unknown) => {
      assert.ok(isPulsarError(err, 'PULSAR_ERR_PRODUCER_QUEUE_FULL'));
      assert.equal(err.retryable, true);
      return true;
    });
    assert.match(await registry.metrics(), /pulsar_client_producer_pending_messages 2/);
    await eventually(() => {
      assert.equal(receipts.held.length, 2);
    });
    receipts.release();
    await Promise.all(p);
    const fourth = producer.send({ payload: payload('4') });
    await eventually(() => {
      assert.equal(receivedSends(broker).length, 3, 'room again once receipts came back');
    });
    receipts.release();
    await fourth;
    await producer.close();
  });
});

describe('Producer: reconnects', () => {
  it('resends pending messages in order with the same sequence ids after the connection drops', async () => {
    receipts.auto = false;
    const producer = await create({ producerName: 'steady' });
    const p = [0, 1, 2, 3, 4].map((i) => producer.send({ payload: payload(`m${i}`) }));
    await eventually(() => {
      assert.equal(receipts.held.length, 5);
    });
    receipts.release(2); // m0, m1 acknowledged; m2..m4 persisted? only m2 (dedup will tell)
    // The broker persists m2 but the connection dies before its receipt goes out.
    receipts.stored.set(receipts.held[0]!.send.sequenceId, 99n);
    receipts.discard();
    const firstConnection = broker.connections[0]!;
    firstConnection.destroy();
    await eventually(() => {
      assert.equal(producer.partitions[0]!.state, 'reconnecting');
    });
    // Sends while disconnected queue up behind the pending ones.
    p.push(producer.send({ payload: payload('m5') }));
    receipts.auto = true;
    clock.advance(100); // the first backoff delay
    const results = await outcomes(p);
    const ids = results.map((r) => (typeof r === 'string' ? r : r.entryId));
    assert.deepEqual(ids, [0n, 1n, 99n, 2n, 3n, 4n]);
    const resent = receivedSends(broker).filter((s) => s.connection !== firstConnection);
    assert.deepEqual(
      resent.map((s) => [s.send.sequenceId, s.payload.toString()]),
      [
        [2n, 'm2'],
        [3n, 'm3'],
        [4n, 'm4'],
        [5n, 'm5'],
      ],
    );
    const producerCmds = broker.received.filter((c) => c.type === CommandType.PRODUCER);
    assert.equal(producerCmds.length, 2);
    assert.equal(producerCmds[1]!.producer!.producerName, 'steady');
    assert.equal(producerCmds[1]!.producer!.epoch, 1n);
    assert.match(await registry.metrics(), /pulsar_client_reconnects_total\{kind="producer"\} 1/);
    await producer.close();
  });

  it('every promise settles when reconnecting keeps failing until the send timeout', async () => {
    receipts.auto = false;
    const producer = await create({ sendTimeoutMs: 2_000 });
    const p = [producer.send({ payload: payload('a') }), producer.send({ payload: payload('b') })];
    await eventually(() => {
      assert.equal(receipts.held.length, 2);
    });
    broker.on('PRODUCER', (cmd, conn) => {
      conn.send(errorCommand(cmd.producer!.requestId, ServerError.ServiceNotReady, 'loading'));
    });
    broker.connections[0]!.destroy();
    await eventually(() => {
      assert.equal(producer.partitions[0]!.state, 'reconnecting');
    });
    const settled = outcomes(p);
    for (let t = 0; t < 20; t++) {
      clock.advance(100);
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(await settled, ['PULSAR_ERR_TIMEOUT', 'PULSAR_ERR_TIMEOUT']);
    assert.equal(producer.partitions[0]!.state, 'reconnecting', 'still trying');
    await producer.close();
    assert.equal(producer.partitions[0]!.state, 'closed');
  });

  it('gives up and fails pending sends when the client is closed under a reconnecting producer', async () => {
    receipts.auto = false;
    const producer = await create();
    const p = producer.send({ payload: payload('a') });
    await eventually(() => {
      assert.equal(receipts.held.length, 1);
    });
    broker.connections[0]!.destroy();
    await eventually(() => {
      assert.equal(producer.partitions[0]!.state, 'reconnecting');
    });
    const settled = outcomes([p]);
    await client.close();
    clock.advance(100);
    assert.deepEqual(await settled, ['PULSAR_ERR_CLOSED']);
    assert.equal(producer.partitions[0]!.state, 'closed');
    assert.equal(clock.pending, 0, 'no timer left behind');
  });

  it('recreates the producer after CLOSE_PRODUCER from the broker', async () => {
    receipts.auto = false;
    const producer = await create();
    const name = producer.producerName;
    const p = producer.send({ payload: payload('a') });
    await eventually(() => {
      assert.equal(receipts.held.length, 1);
    });
    receipts.discard();
    const id = producer.partitions[0]!.producerId;
    broker.connections[0]!.send(closeProducerPush(id));
    await eventually(() => {
      assert.equal(producer.partitions[0]!.state, 'reconnecting');
    });
    receipts.auto = true;
    clock.advance(100);
    assert.equal((await p).entryId, 0n);
    const producerCmds = broker.received.filter((c) => c.type === CommandType.PRODUCER);
    assert.equal(producerCmds.length, 2);
    assert.equal(producerCmds[1]!.producer!.producerName, name, 'name kept across reconnects');
    assert.equal(broker.connections.length, 1, 'the connection itself stayed up');
    await producer.close();
  });

  it('follows TOPIC_MIGRATED to the new cluster URL without a lookup', async () => {
    const other = await FakeBroker.start();
    const otherReceipts = new ReceiptController(other, { auto: true });
    try {
      receipts.auto = false;
      const producer = await create();
      const p = producer.send({ payload: payload('a') });
      await eventually(() => {
        assert.equal(receipts.held.length, 1);
      });
      broker.connections[0]!.send(topicMigratedPush(producer.partitions[0]!.producerId, other.url));
      await eventually(() => {
        assert.equal(producer.partitions[0]!.state, 'reconnecting');
      });
      clock.advance(0); // a known target is tried at once, without backoff
      assert.equal((await p).entryId, 0n);
      assert.equal(receivedSends(other).length, 1);
      assert.equal(other.received.filter((c) => c.type === CommandType.LOOKUP).length, 0);
      assert.equal(otherReceipts.held.length, 0);
      await producer.close();
    } finally {
      await other.close();
    }
  });
});

describe('Producer: SEND_ERROR', () => {
  it('resends on a checksum error', async () => {
    let failed = false;
    broker.on('SEND', (cmd, conn) => {
      if (!failed) {
        failed = true;
        conn.send(sendErrorFor(cmd.send!, ServerError.ChecksumError));
        return;
      }
      receipts.held.push({ send: cmd.send!, connection: conn });
      receipts.release();
    });
    const producer = await create();
    const id = await producer.send({ payload: payload('a') });
    assert.equal(id.entryId, 0n);
    assert.equal(receivedSends(broker).length, 2);
    await producer.close();
  });

  it('fails only that message on NotAllowed', async () => {
    broker.on('SEND', (cmd, conn) => {
      if (cmd.send!.sequenceId === 0n) {
        conn.send(sendErrorFor(cmd.send!, ServerError.NotAllowedError));
        return;
      }
      receipts.held.push({ send: cmd.send!, connection: conn });
      receipts.release();
    });
    const producer = await create();
    const r = await outcomes([
      producer.send({ payload: payload('a') }),
      producer.send({ payload: payload('b') }),
    ]);
    assert.equal(r[0], 'PULSAR_ERR_NOT_ALLOWED');
    assert.equal((r[1] as MessageId).entryId, 0n);
    await producer.close();
  });

  it('reconnects and resends after a transient error (the Java client closes the connection)', async () => {
    let failures = 0;
    broker.on('SEND', (cmd, conn) => {
      if (failures++ === 0) {
        conn.send(sendErrorFor(cmd.send!, ServerError.PersistenceError));
        return;
      }
      receipts.held.push({ send: cmd.send!, connection: conn });
      receipts.release();
    });
    const producer = await create();
    const p = producer.send({ payload: payload('a') });
    await eventually(() => {
      assert.equal(producer.partitions[0]!.state, 'reconnecting');
    });
    clock.advance(100);
    assert.equal((await p).entryId, 0n);
    assert.equal(broker.connections.length, 2);
    await producer.close();
  });

  it('fails everything and closes on TopicTerminated', async () => {
    broker.on('SEND', (cmd, conn) => {
      conn.send(sendErrorFor(cmd.send!, ServerError.TopicTerminatedError));
    });
    const producer = await create();
    const r = await outcomes([
      producer.send({ payload: payload('a') }),
      producer.send({ payload: payload('b') }),
    ]);
    assert.deepEqual(r, ['PULSAR_ERR_TOPIC_TERMINATED', 'PULSAR_ERR_TOPIC_TERMINATED']);
    await assert.rejects(producer.send({ payload: payload('c') }), {
      code: 'PULSAR_ERR_TOPIC_TERMINATED',
    });
    await producer.close();
  });
});

describe('Producer: creation, flush and close', () => {
  it('maps ProducerBusy to PULSAR_ERR_PRODUCER_BUSY without retrying', async () => {
    broker.on('PRODUCER', (cmd, conn) => {
      conn.send(errorCommand(cmd.producer!.requestId, ServerError.ProducerBusy, 'taken'));
    });
    await assert.rejects(create({ producerName: 'dup' }), { code: 'PULSAR_ERR_PRODUCER_BUSY' });
    assert.equal(broker.received.filter((c) => c.type === CommandType.PRODUCER).length, 1);
  });

  it('waits for exclusive access when PRODUCER_SUCCESS says producer_ready = false', async () => {
    let pendingReq: bigint | undefined;
    broker.on('PRODUCER', (cmd, conn) => {
      pendingReq = cmd.producer!.requestId;
      conn.send({
        type: CommandType.PRODUCER_SUCCESS,
        producerSuccess: { requestId: pendingReq, producerName: 'x', producerReady: false },
      });
    });
    let created = false;
    const creating = create().then((p) => {
      created = true;
      return p;
    });
    await broker.waitForType('PRODUCER');
    await new Promise((r) => setTimeout(r, 50)); // let the first PRODUCER_SUCCESS arrive
    clock.advance(60_000); // no request timeout while waiting
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(created, false);
    broker.connections[0]!.send({
      type: CommandType.PRODUCER_SUCCESS,
      producerSuccess: { requestId: pendingReq!, producerName: 'x' },
    });
    const producer = await creating;
    assert.equal(producer.producerName, 'x');
    await producer.close();
  });

  it('flush sends the open batch and waits for receipts', async () => {
    const producer = await create({ batchingEnabled: true, batchingMaxPublishDelayMs: 10_000 });
    const p = producer.send({ payload: payload('a') });
    await producer.flush();
    assert.equal((await p).batchIndex, 0);
    await producer.flush(); // nothing pending
    await producer.close();
  });

  it('close lets written messages get their receipts, then fails the rest with CLOSED', async () => {
    receipts.auto = false;
    broker.on('CLOSE_PRODUCER', (cmd, conn) => {
      receipts.release(); // the broker completes pending publishes before answering (§1.6)
      conn.send({
        type: CommandType.SUCCESS,
        success: { requestId: cmd.closeProducer!.requestId },
      });
    });
    const producer = await create();
    const p = [producer.send({ payload: payload('a') }), producer.send({ payload: payload('b') })];
    await eventually(() => {
      assert.equal(receipts.held.length, 2);
    });
    await producer.close();
    assert.deepEqual(
      (await outcomes(p)).map((r) => (typeof r === 'string' ? r : r.entryId)),
      [0n, 1n],
    );
    await assert.rejects(producer.send({ payload: payload('c') }), { code: 'PULSAR_ERR_CLOSED' });
    await producer.close(); // idempotent
  });

  it('close while disconnected fails pending sends with PULSAR_ERR_CLOSED', async () => {
    receipts.auto = false;
    const producer = await create();
    const p = producer.send({ payload: payload('a') });
    await eventually(() => {
      assert.equal(receipts.held.length, 1);
    });
    broker.connections[0]!.destroy();
    await eventually(() => {
      assert.equal(producer.partitions[0]!.state, 'reconnecting');
    });
    await producer.close();
    await assert.rejects(p, { code: 'PULSAR_ERR_CLOSED' });
    assert.equal(producer.pendingMessages, 0);
  });
});

describe('Producer: partitioned topics', () => {
  it('routes keys like the Java client and puts the partition into message ids', async () => {
    broker.on('PARTITIONED_METADATA', (cmd, conn) => {
      conn.send({
        type: CommandType.PARTITIONED_METADATA_RESPONSE,
        partitionedMetadataResponse: {
          requestId: cmd.partitionedMetadata!.requestId,
          partitions: 3,
          response: PartitionedMetadataResult.Success,
        },
      });
    });
    const producer = await create({ random: () => 0.5 });
    assert.equal(producer.numPartitions, 3);
    const producers = broker.received.filter((c) => c.type === CommandType.PRODUCER);
    assert.deepEqual(
      producers.map((c) => c.producer!.topic),
      [0, 1, 2].map((i) => `${TOPIC}-partition-${i}`),
    );
    const names = new Set(producers.slice(1).map((c) => c.producer!.producerName));
    assert.deepEqual([...names], [producer.producerName], 'partition 0 name reused');
    for (const key of ['alpha', 'beta', 'gamma', 'delta']) {
      const id = await producer.send({ payload: payload(key), key });
      assert.equal(id.partition, (javaStringHash(key) & 0x7fffffff) % 3, key);
    }
    // SinglePartition without a key: the random start partition (0.5 × 3 → 1).
    assert.equal((await producer.send({ payload: payload('nokey') })).partition, 1);
    await producer.close();
  });
});

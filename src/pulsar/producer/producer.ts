import type { Registry } from 'prom-client';
import { PulsarError } from '../errors.ts';
import type { MessageId } from '../protocol/message-id.ts';
import {
  HASHING_SCHEME,
  MESSAGE_ROUTING_MODE,
  createMessageRouter,
  type HashingScheme,
  type MessageRouter,
  type MessageRoutingMode,
} from '../routing/message-router.ts';
import { TopicName } from '../topic-name.ts';
import { PartitionProducer, type PartitionProducerOptions } from './partition-producer.ts';
import type { ProducerClient } from './producer-connection.ts';
import type { ProducerMessage } from './producer-message.ts';
import { producerMetricsFor } from './producer-metrics.ts';

/**
 * Options of {@link Producer.create}. Times are milliseconds. The per-partition settings are those
 * of {@link PartitionProducerOptions} (documented there once), applied to every partition.
 */
export interface ProducerOptions extends Pick<
  PartitionProducerOptions,
  | 'producerName'
  | 'sendTimeoutMs'
  | 'maxPendingMessages'
  | 'batchingEnabled'
  | 'batchingMaxMessages'
  | 'batchingMaxBytes'
  | 'batchingMaxPublishDelayMs'
  | 'compressionType'
  | 'accessMode'
  | 'identity'
  | 'backoff'
> {
  /** Topic name, short (`my-topic`) or full (`persistent://tenant/ns/topic`). */
  topic: string;
  /** The first message gets `initialSequenceId + 1`, as in Java. */
  initialSequenceId?: bigint | number;
  /** Partitioned topics only. Default SinglePartition (the WebSocket API's default). */
  routingMode?: MessageRoutingMode;
  /** Key hashing of partitioned topics. Default JavaStringHash. */
  hashingScheme?: HashingScheme;
  /** Registry for the producer gauges/counters (shared per registry). Omit for none. */
  registry?: Registry;
  /** Uniform random source in [0, 1) for the router's start partition. Default Math.random. */
  random?: () => number;
}

/**
 * A producer on a topic (docs/pulsar-binary-protocol.md §1.6; pulsar-client-go `producer_impl.go`):
 * one {@link PartitionProducer} for a non-partitioned topic, or one per partition (from
 * PARTITIONED_METADATA) with a Java-compatible message router choosing the partition of each
 * message, so a key lands on the partition the Java client would pick.
 */
export class Producer {
  /** Full topic name. */
  readonly topic: string;
  readonly #partitions: readonly PartitionProducer[];
  readonly #router: MessageRouter | undefined;

  private constructor(
    topic: string,
    partitions: readonly PartitionProducer[],
    router: MessageRouter | undefined,
  ) {
    this.topic = topic;
    this.#partitions = partitions;
    this.#router = router;
  }

  /**
   * Creates the producer: PARTITIONED_METADATA, then PRODUCER on every partition. Without a given
   * name, partition 0's broker-chosen name is reused for the others (Java's PartitionedProducerImpl
   * does the same, so one logical producer has one name). Rejects with the first failure (e.g.
   * PULSAR_ERR_PRODUCER_BUSY, PULSAR_ERR_AUTHORIZATION, PULSAR_ERR_INVALID_TOPIC_NAME), after
   * closing whatever was created.
   */
  static async create(client: ProducerClient, options: ProducerOptions): Promise<Producer> {
    const topic = TopicName.parse(options.topic);
    const lookupOptions = options.identity === undefined ? {} : { identity: options.identity };
    const numPartitions = await client.getPartitionedTopicMetadata(topic.toString(), lookupOptions);
    const producerMetrics = producerMetricsFor(options.registry);
    const make = (
      topicName: string,
      partition: number,
      producerName: string | undefined,
      userProvided: boolean,
    ): PartitionProducer => {
      const o: PartitionProducerOptions = {
        topic: topicName,
        partition,
        producerId: client.newProducerId(),
        userProvidedProducerName: userProvided,
        sendTimeoutMs: options.sendTimeoutMs ?? 30_000,
        maxPendingMessages: options.maxPendingMessages ?? 0,
        batchingEnabled: options.batchingEnabled ?? false,
        batchingMaxMessages: options.batchingMaxMessages ?? 1000,
        batchingMaxBytes: options.batchingMaxBytes ?? 128 * 1024,
        batchingMaxPublishDelayMs: options.batchingMaxPublishDelayMs ?? 1,
        compressionType: options.compressionType ?? 'NONE',
        operationTimeoutMs: client.operationTimeoutMs,
        connections: client,
        clock: client.clock,
        logger: client.logger,
        metrics: client.metrics,
        producerMetrics,
      };
      if (producerName !== undefined) o.producerName = producerName;
      if (options.initialSequenceId !== undefined) {
        o.initialSequenceId = BigInt(options.initialSequenceId);
      }
      if (options.accessMode !== undefined) o.accessMode = options.accessMode;
      if (options.identity !== undefined) o.identity = options.identity;
      if (options.backoff !== undefined) o.backoff = options.backoff;
      return new PartitionProducer(o);
    };
    const userProvided = options.producerName !== undefined;
    if (numPartitions === 0) {
      const p = make(topic.toString(), -1, options.producerName, userProvided);
      await p.start();
      return new Producer(topic.toString(), [p], undefined);
    }
    const first = make(topic.partition(0).toString(), 0, options.producerName, userProvided);
    await first.start();
    const producers: PartitionProducer[] = [first];
    for (let i = 1; i < numPartitions; i++) {
      producers.push(make(topic.partition(i).toString(), i, first.producerName, userProvided));
    }
    const results = await Promise.allSettled(producers.slice(1).map((p) => p.start()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed !== undefined) {
      await Promise.all(producers.map((p) => p.close()));
      throw failed.reason;
    }
    const router = createMessageRouter({
      mode: options.routingMode ?? MESSAGE_ROUTING_MODE.SINGLE_PARTITION,
      hashingScheme: options.hashingScheme ?? HASHING_SCHEME.JAVA_STRING_HASH,
      numPartitions,
      batchingEnabled: options.batchingEnabled ?? false,
      partitionSwitchMs: 10 * (options.batchingMaxPublishDelayMs ?? 1),
      clock: client.clock,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    return new Producer(topic.toString(), producers, router);
  }

  /** Number of partitions; 0 for a non-partitioned topic. */
  get numPartitions(): number {
    return this.#router === undefined ? 0 : this.#partitions.length;
  }

  /** The producer name (the same on every partition). */
  get producerName(): string {
    return this.#partitions[0]!.producerName ?? '';
  }

  /** Messages accepted and not yet settled, over all partitions. */
  get pendingMessages(): number {
    let n = 0;
    for (const p of this.#partitions) n += p.pendingMessages;
    return n;
  }

  /** The partition producers, in partition order (for diagnostics and tests). */
  get partitions(): readonly PartitionProducer[] {
    return this.#partitions;
  }

  /**
   * Publishes `message`; see {@link PartitionProducer.send}. The resolved id carries the partition
   * index for partitioned topics, so it serializes exactly like the Java proxy's ids (§1.9).
   */
  send(message: ProducerMessage): Promise<MessageId> {
    const router = this.#router;
    if (router === undefined) return this.#partitions[0]!.send(message);
    let index: number;
    try {
      index = router.choosePartition(message.key, this.#partitions.length);
    } catch (err) {
      return Promise.reject(
        err instanceof PulsarError
          ? err
          : new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', 'routing failed', { cause: err }),
      );
    }
    return this.#partitions[index]!.send(message);
  }

  /** Sends open batches and waits for every earlier send to settle. Never rejects. */
  async flush(): Promise<void> {
    await Promise.all(this.#partitions.map((p) => p.flush()));
  }

  /** Closes every partition producer; see {@link PartitionProducer.close}. Never rejects. */
  async close(): Promise<void> {
    await Promise.all(this.#partitions.map((p) => p.close()));
  }
}

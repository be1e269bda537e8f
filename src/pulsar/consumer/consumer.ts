import { PulsarError } from '../errors.ts';
import type { MessageId } from '../protocol/message-id.ts';
import { TopicName } from '../topic-name.ts';
import { ConsumerSet } from './consumer-set.ts';
import { resolveConsumerOptions } from './consumer-options.ts';
import type { ConsumerConnectionProvider, ConsumerOptions } from './consumer-types.ts';
import {
  PartitionConsumer,
  identityOption,
  type PartitionConsumerOptions,
} from './partition-consumer.ts';
import { SetBackedConsumer } from './set-backed-consumer.ts';

/** Options of {@link Consumer.create}. */
export interface SingleTopicConsumerOptions extends ConsumerOptions {
  /** Topic name, short (`my-topic`) or full; partitioned topics are detected. */
  topic: string;
}

/**
 * Consumer of one topic, partitioned or not (Java `ConsumerImpl` / `MultiTopicsConsumerImpl` over
 * the partitions): one {@link PartitionConsumer} per partition, merged delivery, and acks routed by
 * the message id's partition index, so ids decoded from the WebSocket base64 form work too.
 */
export class Consumer extends SetBackedConsumer {
  /** Full topic name. */
  readonly topic: string;
  /** Number of partitions, 0 for a non-partitioned topic. */
  readonly partitions: number;

  private constructor(topic: string, partitions: number, set: ConsumerSet) {
    super(set);
    this.topic = topic;
    this.partitions = partitions;
  }

  /**
   * Looks up the partition count and subscribes every partition in parallel. If any partition
   * fails, the others are closed and the first error is thrown (e.g. PULSAR_ERR_CONSUMER_BUSY).
   */
  static async create(
    provider: ConsumerConnectionProvider,
    options: SingleTopicConsumerOptions,
  ): Promise<Consumer> {
    const { flowMode, topics } = resolveConsumerOptions(options);
    const topic = topics[0]!;
    const partitions = await provider.getPartitionedTopicMetadata(
      topic,
      identityOption(options.identity),
    );
    const set = new ConsumerSet(flowMode);
    await createPartitionConsumers(provider, options, topic, partitions, set);
    return new Consumer(topic, partitions, set);
  }

  /** The per-partition consumers (diagnostics and tests). */
  get partitionConsumers(): readonly PartitionConsumer[] {
    return this.set.children;
  }

  /** Last message id of a non-partitioned topic; PULSAR_ERR_INVALID_ARGUMENT when partitioned. */
  getLastMessageId(): Promise<MessageId> {
    const only = this.set.children[0];
    if (this.partitions > 0 || only === undefined) {
      return Promise.reject(
        new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', 'getLastMessageId needs a single partition'),
      );
    }
    return only.getLastMessageId();
  }

  /**
   * Seeks every partition to a publish time (ms since the epoch), or the partition named by a
   * message id to that id (all partitions for a non-partitioned id).
   */
  async seek(target: MessageId | number): Promise<void> {
    const children = this.set.children;
    if (typeof target === 'number' || target.partition < 0) {
      await Promise.all(children.map((c) => c.seek(target)));
      return;
    }
    const child = children.find((c) => c.partitionIndex === target.partition);
    if (child === undefined) {
      throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `no partition ${target.partition}`);
    }
    await child.seek(target);
  }
}

/**
 * Subscribes all partitions of `topic` (or the topic itself when `partitions` is 0) into `set`;
 * closes what was opened and rethrows when one fails.
 */
export async function createPartitionConsumers(
  provider: ConsumerConnectionProvider,
  options: ConsumerOptions,
  topic: string,
  partitions: number,
  set: ConsumerSet,
): Promise<void> {
  const base: PartitionConsumerOptions = {
    ...options,
    topic,
    baseTopic: topic,
    parentManagedFlow: set.flowMode === 'manual',
  };
  const specs: PartitionConsumerOptions[] =
    partitions > 0
      ? Array.from({ length: partitions }, (_, i) => ({
          ...base,
          topic: TopicName.parse(topic).partition(i).toString(),
          partitionIndex: i,
        }))
      : [{ ...base, partitionIndex: -1 }];
  const results = await Promise.allSettled(specs.map((s) => PartitionConsumer.create(provider, s)));
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.allSettled(
      results.map((r) => (r.status === 'fulfilled' ? r.value.close() : Promise.resolve())),
    );
    throw failed.reason;
  }
  for (const r of results) if (r.status === 'fulfilled') set.add(r.value);
}

import type { TimerHandle } from '../../shared/index.ts';
import { TopicListMode } from '../protocol/constants.ts';
import { TopicName } from '../topic-name.ts';
import { createPartitionConsumers } from './consumer.ts';
import {
  resolveConsumerOptions,
  type ResolvedConsumerOptions,
  type TopicSelectionOptions,
  type TopicsPattern,
} from './consumer-options.ts';
import { ConsumerSet } from './consumer-set.ts';
import type { ConsumerConnectionProvider, ConsumerOptions } from './consumer-types.ts';
import { identityOption, type PartitionConsumer } from './partition-consumer.ts';
import { SetBackedConsumer } from './set-backed-consumer.ts';

/** Options of {@link MultiTopicConsumer.create}: exactly one of `topics` and `topicsPattern`. */
export type MultiTopicConsumerOptions = ConsumerOptions & Omit<TopicSelectionOptions, 'topic'>;

/**
 * Consumer over a list of topics or the topics of a namespace matching a pattern (the gateway's v3
 * endpoint; Java `MultiTopicsConsumerImpl` / `PatternMultiTopicsConsumerImpl`). Each topic is
 * expanded into its partitions; delivery is merged and acks are routed back by topic or ledger.
 * A pattern consumer re-lists the namespace (GET_TOPICS_OF_NAMESPACE) every discovery period on
 * the injected clock, subscribing new topics and closing the consumers of deleted ones.
 */
export class MultiTopicConsumer extends SetBackedConsumer {
  readonly #provider: ConsumerConnectionProvider;
  readonly #options: MultiTopicConsumerOptions;
  readonly #byTopic = new Map<string, PartitionConsumer[]>();
  readonly #pattern: TopicsPattern | undefined;
  #timer: TimerHandle | undefined;
  #discovering = false;

  private constructor(
    provider: ConsumerConnectionProvider,
    options: MultiTopicConsumerOptions,
    resolved: ResolvedConsumerOptions,
  ) {
    super(new ConsumerSet(resolved.flowMode));
    this.#provider = provider;
    this.#options = options;
    this.#pattern = resolved.pattern;
  }

  /** Subscribes every listed or matching topic; fails (closing what opened) if one fails. */
  static async create(
    provider: ConsumerConnectionProvider,
    options: MultiTopicConsumerOptions,
  ): Promise<MultiTopicConsumer> {
    const resolved = resolveConsumerOptions(options);
    const consumer = new MultiTopicConsumer(provider, options, resolved);
    try {
      const topics =
        resolved.pattern === undefined ? resolved.topics : await consumer.#listMatching();
      await Promise.all(topics.map((t) => consumer.#addTopic(t)));
    } catch (err) {
      await consumer.close();
      throw err;
    }
    if (resolved.pattern !== undefined) {
      consumer.#timer = provider.clock.setInterval(() => {
        consumer.rediscover().catch((err: unknown) => {
          provider.logger.warn({ err }, 'topic discovery failed');
        });
      }, resolved.pattern.periodMs);
      consumer.#timer.unref();
    }
    return consumer;
  }

  /** Full names of the (non-partition) topics currently consumed. */
  get topics(): string[] {
    return [...this.#byTopic.keys()];
  }

  /**
   * One discovery round of a pattern consumer (also run by the timer): subscribes new matching
   * topics and drops deleted ones. No-op for a topic list.
   */
  async rediscover(): Promise<void> {
    if (this.#pattern === undefined || this.#discovering || this.set.isClosed) return;
    this.#discovering = true;
    try {
      const found = new Set(await this.#listMatching());
      const added = [...found].filter((t) => !this.#byTopic.has(t));
      const removed = [...this.#byTopic.keys()].filter((t) => !found.has(t));
      await Promise.all(added.map((t) => this.#addTopic(t)));
      await Promise.all(removed.map((t) => this.#removeTopic(t)));
    } finally {
      this.#discovering = false;
    }
  }

  override async unsubscribe(): Promise<void> {
    this.#stopTimer();
    await super.unsubscribe();
  }

  override async close(): Promise<void> {
    this.#stopTimer();
    await super.close();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#provider.clock.clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #addTopic(topic: string): Promise<void> {
    const partitions = await this.#provider.getPartitionedTopicMetadata(
      topic,
      identityOption(this.#options.identity),
    );
    const before = new Set(this.set.children);
    await createPartitionConsumers(this.#provider, this.#options, topic, partitions, this.set);
    this.#byTopic.set(
      topic,
      this.set.children.filter((c) => !before.has(c)),
    );
  }

  async #removeTopic(topic: string): Promise<void> {
    const children = this.#byTopic.get(topic) ?? [];
    this.#byTopic.delete(topic);
    for (const c of children) this.set.remove(c);
    await Promise.allSettled(children.map((c) => c.close()));
  }

  /** Non-partition topic names of the namespace that match the pattern. */
  async #listMatching(): Promise<string[]> {
    const p = this.#pattern!;
    const mode = p.mode === 1 ? TopicListMode.NON_PERSISTENT : TopicListMode.PERSISTENT;
    const all = await this.#provider.getTopicsOfNamespace(
      p.namespace,
      mode,
      undefined,
      identityOption(this.#options.identity),
    );
    const matched = new Set<string>();
    for (const name of all) {
      const base = TopicName.parse(name).partitionedTopicName;
      if (p.regex.test(base.replace(/^[a-z-]+:\/\//, ''))) matched.add(base);
    }
    return [...matched];
  }
}

import type { TimerHandle } from '../../shared/index.ts';
import { PulsarError } from '../errors.ts';
import { TopicListMode } from '../protocol/constants.ts';
import type { MessageId } from '../protocol/message-id.ts';
import { TopicName } from '../topic-name.ts';
import { createPartitionConsumers } from './consumer.ts';
import { ConsumerSet } from './consumer-set.ts';
import type {
  ConsumerConnectionProvider,
  ConsumerMessage,
  ConsumerOptions,
  MessageConsumer,
} from './consumer-types.ts';
import { identityOption, type PartitionConsumer } from './partition-consumer.ts';

/** Options of {@link MultiTopicConsumer.create}: exactly one of `topics` and `topicsPattern`. */
export interface MultiTopicConsumerOptions extends ConsumerOptions {
  /** Topic names, short or full (WS v3 `topics`). */
  topics?: readonly string[];
  /**
   * Regular expression over full topic names of one namespace (WS v3 `topicsPattern`), e.g.
   * `persistent://public/default/orders-.*`; a pattern without a scheme is taken relative to
   * `public/default`. Matched against the whole name without the scheme, as Java's `TopicList`.
   */
  topicsPattern?: string;
  /** How often a pattern consumer looks for new and deleted topics, in ms. Default 60 000 (Java). */
  patternAutoDiscoveryPeriodMs?: number;
}

/**
 * Consumer over a list of topics or the topics of a namespace matching a pattern (the gateway's v3
 * endpoint; Java `MultiTopicsConsumerImpl` / `PatternMultiTopicsConsumerImpl`). Each topic is
 * expanded into its partitions; delivery is merged and acks are routed back by topic or ledger.
 * A pattern consumer re-lists the namespace (GET_TOPICS_OF_NAMESPACE) every discovery period on
 * the injected clock, subscribing new topics and closing the consumers of deleted ones.
 */
export class MultiTopicConsumer implements MessageConsumer {
  readonly #provider: ConsumerConnectionProvider;
  readonly #options: MultiTopicConsumerOptions;
  readonly #set: ConsumerSet;
  readonly #byTopic = new Map<string, PartitionConsumer[]>();
  readonly #pattern: { namespace: string; regex: RegExp; mode: number } | undefined;
  #timer: TimerHandle | undefined;
  #discovering = false;

  private constructor(provider: ConsumerConnectionProvider, options: MultiTopicConsumerOptions) {
    this.#provider = provider;
    this.#options = options;
    this.#set = new ConsumerSet(options.flowMode ?? 'auto');
    this.#pattern =
      options.topicsPattern === undefined ? undefined : parsePattern(options.topicsPattern);
  }

  /** Subscribes every listed or matching topic; fails (closing what opened) if one fails. */
  static async create(
    provider: ConsumerConnectionProvider,
    options: MultiTopicConsumerOptions,
  ): Promise<MultiTopicConsumer> {
    if ((options.topics === undefined) === (options.topicsPattern === undefined)) {
      throw new PulsarError(
        'PULSAR_ERR_INVALID_ARGUMENT',
        'exactly one of topics and topicsPattern is required',
      );
    }
    const consumer = new MultiTopicConsumer(provider, options);
    try {
      const topics =
        options.topics === undefined
          ? await consumer.#listMatching()
          : [...new Set(options.topics.map((t) => TopicName.parse(t.trim()).toString()))];
      await Promise.all(topics.map((t) => consumer.#addTopic(t)));
    } catch (err) {
      await consumer.close();
      throw err;
    }
    if (consumer.#pattern !== undefined) {
      consumer.#timer = provider.clock.setInterval(() => {
        consumer.rediscover().catch((err: unknown) => {
          provider.logger.warn({ err }, 'topic discovery failed');
        });
      }, options.patternAutoDiscoveryPeriodMs ?? 60_000);
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
    if (this.#pattern === undefined || this.#discovering || this.#set.isClosed) return;
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

  get isEndOfTopic(): boolean {
    return this.#set.isEndOfTopic;
  }

  receive(signal?: AbortSignal): Promise<ConsumerMessage> {
    return this.#set.receive(signal);
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    return this.#set[Symbol.asyncIterator]();
  }

  grantPermits(n: number): void {
    this.#set.grantPermits(n);
  }

  acknowledge(target: ConsumerMessage | MessageId): Promise<void> {
    return this.#set.acknowledge(target);
  }

  acknowledgeCumulative(target: ConsumerMessage | MessageId): Promise<void> {
    return this.#set.acknowledgeCumulative(target);
  }

  negativeAcknowledge(target: ConsumerMessage | MessageId): void {
    this.#set.negativeAcknowledge(target);
  }

  hasMessageAvailable(): Promise<boolean> {
    return this.#set.hasMessageAvailable();
  }

  async unsubscribe(): Promise<void> {
    this.#stopTimer();
    await this.#set.unsubscribe();
  }

  async close(): Promise<void> {
    this.#stopTimer();
    await this.#set.close();
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
    const before = new Set(this.#set.children);
    await createPartitionConsumers(this.#provider, this.#options, topic, partitions, this.#set);
    this.#byTopic.set(
      topic,
      this.#set.children.filter((c) => !before.has(c)),
    );
  }

  async #removeTopic(topic: string): Promise<void> {
    const children = this.#byTopic.get(topic) ?? [];
    this.#byTopic.delete(topic);
    for (const c of children) this.#set.remove(c);
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

/** Namespace, anchored regex and domain of a topics pattern (Java `TopicList.filterTopics`). */
function parsePattern(pattern: string): { namespace: string; regex: RegExp; mode: number } {
  const scheme = /^(persistent|non-persistent):\/\//.exec(pattern);
  const rest = scheme === null ? `public/default/${pattern}` : pattern.slice(scheme[0].length);
  const parts = rest.split('/');
  if (parts.length < 3 || parts[0] === '' || parts[1] === '') {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `invalid topics pattern ${pattern}`);
  }
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${rest})$`);
  } catch (err) {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `invalid topics pattern ${pattern}`, {
      cause: err,
    });
  }
  return {
    namespace: `${parts[0]}/${parts[1]}`,
    regex,
    mode: scheme?.[1] === 'non-persistent' ? 1 : 0,
  };
}

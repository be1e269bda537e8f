import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { ForwardedIdentity } from '../protocol/commands.ts';
import { EARLIEST_MESSAGE_ID, messageIdEquals, type MessageId } from '../protocol/message-id.ts';
import { Consumer } from '../consumer/consumer.ts';
import type { ConsumerConnectionProvider, ConsumerMessage } from '../consumer/consumer-types.ts';
import { untilClosed } from '../consumer/until-closed.ts';

/** Options of {@link Reader.create}. */
export interface ReaderOptions {
  /** Topic name, short or full; partitioned topics get one reader per partition. */
  topic: string;
  /**
   * Where to start: `EARLIEST_MESSAGE_ID`, `LATEST_MESSAGE_ID` or a message id (e.g. decoded
   * from the WebSocket base64 form). Exclusive unless `startMessageIdInclusive`.
   */
  startMessageId: MessageId;
  /** Deliver the start message itself (not offered by the WS reader). Default false. */
  startMessageIdInclusive?: boolean;
  /** Subscription name; default `reader-<10 hex>` like the Java client. */
  subscriptionName?: string;
  /** WS `readerName`: the consumer name. */
  readerName?: string;
  /** Prefetch per partition, ≥ 1. Default 1000. */
  receiverQueueSize?: number;
  registry?: Registry;
  /** Identity forwarded on every connection of the reader (§1.12). Default none. */
  identity?: ForwardedIdentity;
  onFatalError?: (error: Error) => void;
}

/**
 * A reader (docs/pulsar-binary-protocol.md §1.10; Java `ReaderImpl`, Go `reader_impl.go`): a
 * non-durable Exclusive subscription positioned at a start id. The broker starts after the start
 * entry (stepping back one entry for a batched id) and the client drops what precedes the start,
 * also inside batches. After a reconnect each partition resumes after the last message handed out,
 * so the application sees neither gaps nor duplicates. Like Java's reader, each message read is
 * acked cumulatively on the non-durable cursor (never affecting durable subscriptions).
 */
export class Reader {
  readonly topic: string;
  readonly #consumer: Consumer;

  private constructor(consumer: Consumer) {
    this.#consumer = consumer;
    this.topic = consumer.topic;
  }

  /** Creates the reader; "latest, inclusive" first asks the broker for the last id (§1.10). */
  static async create(
    provider: ConsumerConnectionProvider,
    options: ReaderOptions,
  ): Promise<Reader> {
    const start = options.startMessageId;
    const inclusive = options.startMessageIdInclusive === true;
    const consumer = await Consumer.create(provider, {
      topic: options.topic,
      subscription: options.subscriptionName ?? `reader-${randomBytes(5).toString('hex')}`,
      subscriptionType: 'Exclusive',
      durable: false,
      initialPosition: messageIdEquals(start, EARLIEST_MESSAGE_ID) ? 'Earliest' : 'Latest',
      startMessageId: start,
      startMessageIdInclusive: inclusive,
      ...(options.readerName === undefined ? {} : { consumerName: options.readerName }),
      ...(options.receiverQueueSize === undefined
        ? {}
        : { receiverQueueSize: options.receiverQueueSize }),
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      ...(options.identity === undefined ? {} : { identity: options.identity }),
      ...(options.onFatalError === undefined ? {} : { onFatalError: options.onFatalError }),
    });
    if (inclusive && start.ledgerId === (1n << 63n) - 1n) {
      try {
        // Go `consumer_partition.go`: latest + inclusive = seek to the last message.
        for (const partition of consumer.partitionConsumers) {
          const last = await partition.getLastMessageId();
          if (last.entryId >= 0n) await partition.seek(last);
        }
      } catch (err) {
        await consumer.close();
        throw err;
      }
    }
    return new Reader(consumer);
  }

  /** The next message; waits while none is available. Rejects with PULSAR_ERR_CLOSED once closed. */
  async readNext(signal?: AbortSignal): Promise<ConsumerMessage> {
    const message = await this.#consumer.receive(signal);
    // Java `ReaderImpl.readNext` acks cumulatively at once: the non-durable cursor's backlog then
    // reaches zero, which is what makes the broker send REACHED_END_OF_TOPIC; repositioning after
    // a reconnect uses the start id anyway.
    this.#consumer.acknowledgeCumulative(message).catch(() => undefined);
    return message;
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    return untilClosed(() => this.readNext());
  }

  /** True when a message after the last one read (or at/after the start) exists. */
  hasMessageAvailable(): Promise<boolean> {
    return this.#consumer.hasMessageAvailable();
  }

  /** True once the topic was terminated and everything was read (WS `isEndOfTopic`). */
  get isEndOfTopic(): boolean {
    return this.#consumer.isEndOfTopic;
  }

  /** Repositions the reader at a message id (delivered again) or a publish time in ms. */
  seek(target: MessageId | number): Promise<void> {
    return this.#consumer.seek(target);
  }

  close(): Promise<void> {
    return this.#consumer.close();
  }
}

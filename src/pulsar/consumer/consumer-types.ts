import type { Registry } from 'prom-client';
import type { Clock, Logger } from '../../shared/index.ts';
import type { Connection } from '../connection/connection.ts';
import type { PulsarMetrics } from '../metrics.ts';
import type { ForwardedIdentity } from '../protocol/commands.ts';
import type { MessageId } from '../protocol/message-id.ts';
import type { TopicListModeValue } from '../protocol/constants.ts';

/** Subscription types (docs/pulsar-binary-protocol.md §1.8), named as the WebSocket API names them. */
export type SubscriptionType = 'Exclusive' | 'Shared' | 'Failover' | 'Key_Shared';

/** Where a new durable subscription starts (WS `subscriptionInitialPosition`). */
export type InitialPosition = 'Latest' | 'Earliest';

/**
 * How FLOW permits are granted (§1.8, docs/pulsar-websocket-api.md §5.4).
 * - `auto`: `receiverQueueSize` permits at (re)subscribe, refilled once half of them were
 *   consumed through `receive()`, like the Java client (gateway push mode).
 * - `manual`: nothing is delivered until the caller grants permits with `grantPermits(n)`; exactly
 *   n messages are then handed out by `receive()`, even when the broker sends a whole batch past
 *   the permits (gateway pull mode).
 */
export type FlowMode = 'auto' | 'manual';

/** One message handed to the application. Immutable. */
export interface ConsumerMessage {
  /** Full name of the topic (the partition's own name for partitioned topics). */
  readonly topic: string;
  /**
   * Id with partition index (−1 for non-partitioned topics) and batch index/size; encode it for the
   * WebSocket API with `encodeMessageIdBase64`, byte-identical to the Java proxy (§1.9).
   */
  readonly id: MessageId;
  /** Decompressed, de-batched payload; empty for a null value. */
  readonly payload: Buffer;
  readonly properties: Readonly<Record<string, string>>;
  /** The message key (partition_key), if any; base64 text when `keyIsBase64`. */
  readonly key: string | undefined;
  readonly keyIsBase64: boolean;
  readonly orderingKey: Uint8Array | undefined;
  /** Milliseconds since the epoch. */
  readonly publishTime: number;
  /** Milliseconds since the epoch; 0 when the producer set none. */
  readonly eventTime: number;
  /** Broker-side redelivery count (only counted for Shared and Key_Shared, §1.8). */
  readonly redeliveryCount: number;
  readonly producerName: string;
  /** Sequence id: the message's own inside a batch when present, else the entry's first. */
  readonly sequenceId: bigint;
  /** True for a message produced with a null value (no payload bytes, §1.7). */
  readonly isNullValue: boolean;
}

/** A message to publish to the dead-letter topic. */
export interface DeadLetterMessage {
  payload: Buffer;
  properties: Record<string, string>;
  key?: string;
  eventTime?: number;
}

/** The producer the consumer uses for the dead-letter topic (one per DLQ topic, created lazily). */
export interface DeadLetterProducer {
  /** Resolves once the broker persisted the message. */
  send(message: DeadLetterMessage): Promise<unknown>;
  close(): Promise<void>;
}

/** Creates the dead-letter producer for a topic; the producer module satisfies this shape. */
export type DeadLetterProducerFactory = (topic: string) => Promise<DeadLetterProducer>;

/** Dead-letter policy (WS `maxRedeliverCount`, `deadLetterTopic`; §1.11). */
export interface DeadLetterPolicy {
  /** > 0. A message received with redelivery_count ≥ this goes to the DLQ on its next redelivery. */
  maxRedeliverCount: number;
  /** Default `<topic>-<subscription>-DLQ` (topic = the full, non-partition topic name). */
  deadLetterTopic?: string;
  /** How the DLQ producer is created (required with a policy). */
  producerFactory: DeadLetterProducerFactory;
}

/** The forwarded identity passed to the provider's lookups and connections (§1.12). */
export interface IdentityOption {
  identity?: ForwardedIdentity;
}

/**
 * What the consumer needs from the client: `PulsarClient` satisfies it. Injected so the trackers
 * and the state machine can be tested without a broker.
 */
export interface ConsumerConnectionProvider {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: PulsarMetrics;
  readonly operationTimeoutMs: number;
  newConsumerId(): bigint;
  getConnection(topic: string, options?: IdentityOption): Promise<{ connection: Connection }>;
  /** Connection to a known broker URL (TOPIC_MIGRATED, §1.5); lookup is used when absent. */
  getConnectionTo?(
    logicalAddress: string,
    physicalAddress?: string,
    identity?: ForwardedIdentity,
  ): Promise<Connection>;
  getPartitionedTopicMetadata(topic: string, options?: IdentityOption): Promise<number>;
  getTopicsOfNamespace(
    namespace: string,
    mode?: TopicListModeValue,
    topicsPattern?: string,
    options?: IdentityOption,
  ): Promise<string[]>;
}

/** Options shared by single-topic, partitioned and multi-topic consumers. */
export interface ConsumerOptions {
  subscription: string;
  /** Default `Exclusive` (the WS default). */
  subscriptionType?: SubscriptionType;
  /** Default true; false makes a non-durable cursor (WS `subscriptionMode=NonDurable`). */
  durable?: boolean;
  /** Default `Latest`. */
  initialPosition?: InitialPosition;
  /** Consumer name shown in broker stats; default a random one. */
  consumerName?: string;
  /** ≥ 0, lower is higher priority (Shared). Default 0. */
  priorityLevel?: number;
  /** Messages prefetched per partition, ≥ 1 (WS caps at 1000 and maps 0 to 1). Default 1000. */
  receiverQueueSize?: number;
  /** Default `auto`. */
  flowMode?: FlowMode;
  /** Redeliver messages not acked within this many ms; 0 = off, else ≥ 1000. Default 0. */
  ackTimeoutMs?: number;
  /** Granularity of the ack-timeout ring in ms. Default min(1000, ackTimeoutMs). */
  ackTimeoutTickMs?: number;
  /** Delay before a negatively acked message is redelivered, in ms. Default 60 000. */
  negativeAckRedeliveryDelayMs?: number;
  deadLetterPolicy?: DeadLetterPolicy;
  /**
   * Non-durable start position (readers): the broker starts after it, and the consumer drops
   * messages up to it (inclusive start: strictly before it), also inside batches (§1.10).
   */
  startMessageId?: MessageId;
  /** Deliver the start message itself. Default false. */
  startMessageIdInclusive?: boolean;
  /**
   * Identity forwarded on every connection the consumer uses (lookups, SUBSCRIBE, reconnects;
   * §1.12): the client's own credentials authenticate a proxy role, the broker authorizes
   * `originalPrincipal`. Default none.
   */
  identity?: ForwardedIdentity;
  /** Extra SUBSCRIBE metadata. */
  metadata?: Record<string, string>;
  /** Registry for the consumer metrics (never the global one). */
  registry?: Registry;
  /** Initial reconnect backoff in ms. Default 100. */
  reconnectInitialMs?: number;
  /** Maximum reconnect backoff in ms. Default 60 000 (Java). */
  reconnectMaxMs?: number;
  /** Called when the consumer gives up (non-retryable failure while reconnecting). */
  onFatalError?: (error: Error) => void;
}

/** What the gateway drives, whatever the topic shape (single, partitioned, multi-topic). */
export interface MessageConsumer {
  /**
   * Next message; waits while the local queue is empty (and, in manual flow mode, while no
   * granted permit is left). Rejects with PULSAR_ERR_CLOSED once closed, or the abort reason.
   */
  receive(signal?: AbortSignal): Promise<ConsumerMessage>;
  /** Messages one at a time until closed. */
  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage>;
  /** Manual flow mode: allow `n` more messages (ignored in auto mode). */
  grantPermits(n: number): void;
  /** Individual ack; resolves once the broker confirmed (or at once for a partial batch). */
  acknowledge(target: ConsumerMessage | MessageId): Promise<void>;
  /** Cumulative ack (not for Shared/Key_Shared). */
  acknowledgeCumulative(target: ConsumerMessage | MessageId): Promise<void>;
  /** Negative ack: redelivered after `negativeAckRedeliveryDelayMs`. */
  negativeAcknowledge(target: ConsumerMessage | MessageId): void;
  /** True once every partition reported REACHED_END_OF_TOPIC (WS `isEndOfTopic`). */
  readonly isEndOfTopic: boolean;
  hasMessageAvailable(): Promise<boolean>;
  unsubscribe(): Promise<void>;
  close(): Promise<void>;
}

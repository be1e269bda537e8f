import { randomBytes } from 'node:crypto';
import { sleep, type Clock, type Logger } from '../../shared/index.ts';
import { Backoff } from '../backoff.ts';
import { checkTransition, type TransitionTable } from '../state-transition.ts';
import type { Connection, ConsumerListener, IncomingMessage } from '../connection/connection.ts';
import { PulsarError, isPulsarError, type PulsarErrorCode } from '../errors.ts';
import type { PulsarMetrics } from '../metrics.ts';
import type { CommandSubscribe, MessageIdData } from '../protocol/command-types.ts';
import {
  ackCommand,
  closeConsumerCommand,
  flowCommand,
  getLastMessageIdCommand,
  redeliverCommand,
  seekCommand,
  subscribeCommand,
  unsubscribeCommand,
  type ForwardedIdentity,
} from '../protocol/commands.ts';
import {
  AckType,
  InitialPosition as WireInitialPosition,
  SubType,
  type AckTypeValue,
  type ValidationErrorValue,
} from '../protocol/constants.ts';
import {
  EARLIEST_MESSAGE_ID,
  LATEST_MESSAGE_ID,
  fromMessageIdData,
  messageIdEquals,
  messageId,
  messageIdToString,
  type MessageId,
} from '../protocol/message-id.ts';
import { BatchAckTracker, entryKey } from './batch-ack-tracker.ts';
import { consumerMetricsFor, type ConsumerMetrics } from './consumer-metrics.ts';
import { validateConsumerOptions } from './consumer-options.ts';
import { ReceiveWaiters } from './receive-waiters.ts';
import { untilClosed } from './until-closed.ts';
import type {
  ConsumerConnectionProvider,
  ConsumerMessage,
  ConsumerOptions,
  DeadLetterProducer,
  FlowMode,
  MessageConsumer,
  SubscriptionType,
  IdentityOption,
} from './consumer-types.ts';
import { decodeEntry, isInternalEntry, type StartFilter } from './message-decoder.ts';
import { NegativeAckTracker } from './negative-ack-tracker.ts';
import { PermitController } from './permit-controller.ts';
import { UnackedMessageTracker } from './unacked-message-tracker.ts';

/**
 * States of a partition consumer. idle → connecting → ready ⇄ reconnecting → closing → closed;
 * any state may go to closed (fatal error).
 */
export const ConsumerState = {
  Idle: 'idle',
  Connecting: 'connecting',
  Ready: 'ready',
  Reconnecting: 'reconnecting',
  Closing: 'closing',
  Closed: 'closed',
} as const;
export type ConsumerStateValue = (typeof ConsumerState)[keyof typeof ConsumerState];

const TRANSITIONS: TransitionTable<ConsumerStateValue> = {
  idle: ['connecting', 'closed'],
  connecting: ['ready', 'closing', 'closed'],
  ready: ['reconnecting', 'closing', 'closed'],
  reconnecting: ['ready', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/** Errors after which resubscribing cannot succeed (pulsar-client-go `reconnectToBroker`). */
const FATAL_CODES: ReadonlySet<PulsarErrorCode> = new Set<PulsarErrorCode>([
  'PULSAR_ERR_NOT_FOUND',
  'PULSAR_ERR_INVALID_TOPIC_NAME',
  'PULSAR_ERR_AUTHENTICATION',
  'PULSAR_ERR_AUTHORIZATION',
  'PULSAR_ERR_NOT_ALLOWED',
  'PULSAR_ERR_INCOMPATIBLE_SCHEMA',
  'PULSAR_ERR_CLOSED',
  'PULSAR_ERR_SUBSCRIPTION_NOT_FOUND',
]);

/** Java `RetryMessageUtil` property names set on dead-lettered messages (§1.11). */
export const DLQ_PROPERTY_REAL_TOPIC = 'REAL_TOPIC';
export const DLQ_PROPERTY_ORIGIN_MESSAGE_ID = 'ORIGIN_MESSAGE_ID';

/** Options of {@link PartitionConsumer.create}. */
export interface PartitionConsumerOptions extends ConsumerOptions {
  /** Full topic name; a partition's own name (`…-partition-N`) for partitioned topics. */
  topic: string;
  /** Partition index, −1 for a non-partitioned topic. Stamped on every message id. */
  partitionIndex?: number;
  /** Topic used in the default dead-letter topic name. Default: `topic`. */
  baseTopic?: string;
  /**
   * For façades (multi-topic, partitioned) in manual flow mode: the parent sets the demand with
   * {@link PartitionConsumer.setDemand} and gates delivery itself.
   */
  parentManagedFlow?: boolean;
}

interface PendingAck {
  ids: MessageIdData[];
  type: AckTypeValue;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Consumer of one topic or one partition over Pulsar's binary protocol
 * (docs/pulsar-binary-protocol.md §1.7-§1.11; Java `ConsumerImpl`, Go `consumer_partition.go`).
 *
 * Delivery is pull-based for backpressure: messages wait in a local queue bounded by the FLOW
 * permits, and {@link receive} hands them out. In `auto` flow mode consuming returns permits to
 * the broker (gateway push mode); in `manual` mode {@link grantPermits} decides how many messages
 * `receive` may hand out (gateway pull mode).
 *
 * Acks, negative acks, ack timeout and the dead-letter policy are client-side (§1.11); batched
 * entries are acked at the broker only when every message of the batch was acked (§1.8).
 * Connection loss, CLOSE_CONSUMER and TOPIC_MIGRATED trigger a resubscribe with backoff and
 * jitter; the local queue is cleared first because the broker redelivers everything unacked.
 */
export class PartitionConsumer implements MessageConsumer {
  readonly topic: string;
  readonly partitionIndex: number;
  readonly subscription: string;
  readonly subscriptionType: SubscriptionType;
  readonly consumerId: bigint;
  readonly consumerName: string;
  readonly durable: boolean;
  readonly flowMode: FlowMode;

  readonly #provider: ConsumerConnectionProvider;
  readonly #options: PartitionConsumerOptions;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #clientMetrics: PulsarMetrics;
  readonly #metrics: ConsumerMetrics;
  readonly #permits: PermitController;
  readonly #batches = new BatchAckTracker();
  readonly #unacked: UnackedMessageTracker | undefined;
  readonly #nacks: NegativeAckTracker;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();

  #state: ConsumerStateValue = ConsumerState.Idle;
  #connection: Connection | undefined;
  #listener: ConsumerListener | undefined;
  #queue: ConsumerMessage[] = [];
  readonly #waiters = new ReceiveWaiters<ConsumerMessage>();
  #pendingAcks: PendingAck[] = [];
  #epoch = 0n;
  #endOfTopic = false;
  #startFilter: StartFilter | undefined;
  #lastDequeued: MessageId | undefined;
  #migratedUrl: string | undefined;
  #possibleDlq = new Map<string, ConsumerMessage[]>();
  #dlqProducer: Promise<DeadLetterProducer> | undefined;
  #availabilityListener: (() => void) | undefined;
  #fatalError: PulsarError | undefined;

  private constructor(provider: ConsumerConnectionProvider, options: PartitionConsumerOptions) {
    this.#provider = provider;
    this.#options = options;
    this.topic = options.topic;
    this.partitionIndex = options.partitionIndex ?? -1;
    this.subscription = options.subscription;
    this.subscriptionType = options.subscriptionType ?? 'Exclusive';
    this.consumerId = provider.newConsumerId();
    this.consumerName = options.consumerName ?? randomBytes(5).toString('hex');
    this.durable = options.durable ?? true;
    this.flowMode = options.flowMode ?? 'auto';
    this.#clock = provider.clock;
    this.#clientMetrics = provider.metrics;
    this.#metrics = consumerMetricsFor(options.registry);
    this.#log = provider.logger.child({
      component: 'pulsar-consumer',
      topic: this.topic,
      subscription: this.subscription,
      consumerId: this.consumerId.toString(),
    });
    this.#permits = new PermitController({
      mode: this.flowMode,
      receiverQueueSize: options.receiverQueueSize ?? 1000,
      sendFlow: (permits) => {
        this.#sendFlow(permits);
      },
      onOutstandingChange: (delta) => {
        this.#metrics.outstandingPermits(delta);
      },
    });
    // earliest and latest are positions, not messages: nothing precedes them client-side.
    if (
      options.startMessageId !== undefined &&
      !messageIdEquals(options.startMessageId, EARLIEST_MESSAGE_ID) &&
      !messageIdEquals(options.startMessageId, LATEST_MESSAGE_ID)
    ) {
      this.#startFilter = {
        start: options.startMessageId,
        inclusive: options.startMessageIdInclusive === true,
      };
    }
    const ackTimeoutMs = options.ackTimeoutMs ?? 0;
    if (ackTimeoutMs > 0) {
      this.#unacked = new UnackedMessageTracker({
        clock: this.#clock,
        timeoutMs: ackTimeoutMs,
        ...(options.ackTimeoutTickMs === undefined ? {} : { tickMs: options.ackTimeoutTickMs }),
        onExpired: (ids) => {
          this.#redeliver(ids, 'ack_timeout');
        },
      });
    }
    this.#nacks = new NegativeAckTracker({
      clock: this.#clock,
      delayMs: options.negativeAckRedeliveryDelayMs ?? 60_000,
      onRedeliver: (ids) => {
        this.#redeliver(ids, 'negative_ack');
      },
    });
    this.#backoff = new Backoff({
      initialMs: options.reconnectInitialMs ?? 100,
      maxMs: options.reconnectMaxMs ?? 60_000,
    });
  }

  /**
   * Subscribes and grants the initial permits. Retryable failures are retried with backoff within
   * the client's operation timeout; others (e.g. PULSAR_ERR_CONSUMER_BUSY for a second Exclusive
   * consumer) reject at once.
   */
  static async create(
    provider: ConsumerConnectionProvider,
    options: PartitionConsumerOptions,
  ): Promise<PartitionConsumer> {
    validateConsumerOptions(options);
    const consumer = new PartitionConsumer(provider, options);
    await consumer.#start();
    return consumer;
  }

  /** Current state, for logs and tests. */
  get state(): ConsumerStateValue {
    return this.#state;
  }

  /** True once REACHED_END_OF_TOPIC arrived: the topic is terminated and fully consumed. */
  get isEndOfTopic(): boolean {
    return this.#endOfTopic;
  }

  /** Messages waiting in the local queue. */
  get queuedMessages(): number {
    return this.#queue.length;
  }

  /** FLOW permits the broker holds and has not used. */
  get outstandingPermits(): number {
    return this.#permits.outstanding;
  }

  /** Id of the last message handed out by {@link receive}, if any. */
  get lastDequeuedMessageId(): MessageId | undefined {
    return this.#lastDequeued;
  }

  /** The error that closed the consumer, if it failed. */
  get fatalError(): PulsarError | undefined {
    return this.#fatalError;
  }

  receive(signal?: AbortSignal): Promise<ConsumerMessage> {
    if (this.#state === ConsumerState.Closed || this.#state === ConsumerState.Closing) {
      return Promise.reject(this.#closedError());
    }
    if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
    const now = this.#take(!this.#options.parentManagedFlow);
    if (now !== undefined) return Promise.resolve(now);
    return this.#waiters.wait(signal);
  }

  /**
   * The next queued message without waiting, or undefined. Façades use it with
   * {@link setAvailabilityListener}; applications normally call {@link receive}.
   */
  tryReceive(): ConsumerMessage | undefined {
    if (this.#waiters.size > 0) return undefined;
    return this.#take(!this.#options.parentManagedFlow);
  }

  /** Called (synchronously) whenever messages were queued; for façades merging partitions. */
  setAvailabilityListener(listener: (() => void) | undefined): void {
    this.#availabilityListener = listener;
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerMessage> {
    return untilClosed(() => this.receive());
  }

  /** Manual flow mode: lets {@link receive} hand out `n` more messages. No-op in auto mode. */
  grantPermits(n: number): void {
    this.#permits.grant(n, this.#queue.length);
    this.#serveWaiters();
  }

  /** Manual flow mode under a parent façade: the parent wants `n` more messages overall. */
  setDemand(n: number): void {
    this.#permits.setDemand(n, this.#queue.length);
  }

  async acknowledge(target: ConsumerMessage | MessageId): Promise<void> {
    this.#assertOpen();
    const id = idOf(target);
    this.#unacked?.remove(id);
    if (id.batchIndex >= 0 && id.batchSize > 0) {
      if (this.#batches.ackIndividual(id) === 'pending') return;
    }
    this.#possibleDlq.delete(entryKey(id.ledgerId, id.entryId));
    await this.#sendAck([entryData(id)], AckType.Individual);
  }

  async acknowledgeCumulative(target: ConsumerMessage | MessageId): Promise<void> {
    this.#assertOpen();
    if (this.subscriptionType === 'Shared' || this.subscriptionType === 'Key_Shared') {
      throw new PulsarError(
        'PULSAR_ERR_INVALID_ARGUMENT',
        `cumulative ack is not allowed on a ${this.subscriptionType} subscription`,
      );
    }
    const id = idOf(target);
    this.#unacked?.removeUpTo(id);
    this.#batches.removeBefore(id.ledgerId, id.entryId);
    for (const key of [...this.#possibleDlq.keys()]) {
      const msgs = this.#possibleDlq.get(key);
      const first = msgs?.[0];
      if (first !== undefined && entryNotAfter(first.id, id)) this.#possibleDlq.delete(key);
    }
    let ackId: MessageIdData | undefined = entryData(id);
    if (id.batchIndex >= 0 && id.batchSize > 0) {
      const result = this.#batches.ackCumulative(id);
      if (!result.complete) {
        // §1.8: a half-acked batch cannot be acked cumulatively; ack the entry before it once.
        ackId =
          result.ackPreviousEntry && id.entryId > 0n
            ? {
                ledgerId: BigInt.asUintN(64, id.ledgerId),
                entryId: BigInt.asUintN(64, id.entryId - 1n),
              }
            : undefined;
      }
    }
    if (ackId !== undefined) await this.#sendAck([ackId], AckType.Cumulative);
  }

  negativeAcknowledge(target: ConsumerMessage | MessageId): void {
    if (this.#state === ConsumerState.Closed || this.#state === ConsumerState.Closing) return;
    const id = idOf(target);
    this.#unacked?.remove(id);
    this.#nacks.add(id);
  }

  /** The broker's last message id of this topic/partition (with the partition index). */
  async getLastMessageId(): Promise<MessageId> {
    return (await this.#getLastMessageIdResponse()).last;
  }

  /**
   * True when a message is queued locally or the broker holds one after the last message handed
   * out (readers: after the start id; durable subscriptions: after the mark-delete position).
   */
  async hasMessageAvailable(): Promise<boolean> {
    if (this.#queue.length > 0) return true;
    const { last, markDelete } = await this.#getLastMessageIdResponse();
    if (last.entryId < 0n) return false;
    if (this.#queue.length > 0) return true;
    if (this.#lastDequeued !== undefined) return compareEntries(last, this.#lastDequeued) > 0;
    if (this.#startFilter !== undefined) {
      const c = compareEntries(last, this.#startFilter.start);
      return this.#startFilter.inclusive ? c >= 0 : c > 0;
    }
    const start = this.durable ? undefined : this.#options.startMessageId;
    if (start !== undefined && messageIdEquals(start, LATEST_MESSAGE_ID)) return false;
    if (start !== undefined && messageIdEquals(start, EARLIEST_MESSAGE_ID)) return true;
    if (markDelete !== undefined) return compareEntries(last, markDelete) > 0;
    return true;
  }

  /**
   * Resets the subscription to a message id (the message itself is delivered again) or to a
   * publish time in ms since the epoch. The broker disconnects the consumer, which resubscribes;
   * the local queue is cleared. A seek by time on a non-durable subscription restarts the reader
   * at the earliest position matching the time only while the broker keeps the cursor.
   */
  async seek(target: MessageId | number): Promise<void> {
    const connection = this.#readyConnection();
    const requestId = connection.newRequestId();
    if (typeof target === 'number') {
      this.#startFilter = undefined;
      await connection.sendRequest(
        seekCommand({
          consumerId: this.consumerId,
          requestId,
          messagePublishTime: BigInt(Math.floor(target)),
        }),
      );
    } else {
      // Set before sending: the broker disconnects us during the seek, and the resubscribe of a
      // non-durable cursor must already use the new start (§1.8 SEEK).
      this.#startFilter = { start: target, inclusive: true };
      await connection.sendRequest(
        seekCommand({
          consumerId: this.consumerId,
          requestId,
          messageId: {
            ledgerId: BigInt.asUintN(64, target.ledgerId),
            entryId: BigInt.asUintN(64, target.entryId),
            ...(target.batchIndex >= 0 ? { batchIndex: target.batchIndex } : {}),
          },
        }),
      );
    }
    this.#lastDequeued = undefined;
    this.#discardQueue();
  }

  /** Deletes the subscription (UNSUBSCRIBE), then closes the consumer locally. */
  async unsubscribe(): Promise<void> {
    const connection = this.#readyConnection();
    await connection.sendRequest(unsubscribeCommand(this.consumerId, connection.newRequestId()));
    await this.#shutdown(false);
  }

  /** Sends CLOSE_CONSUMER (best effort) and releases everything. Idempotent. */
  close(): Promise<void> {
    return this.#shutdown(true);
  }

  // ---- connection management -------------------------------------------------------------

  async #start(): Promise<void> {
    this.#transition(ConsumerState.Connecting);
    const deadline = this.#clock.monotonic() + this.#provider.operationTimeoutMs;
    for (;;) {
      try {
        await this.#subscribeOnce();
        this.#backoff.reset();
        return;
      } catch (err) {
        const error = asPulsarError(err);
        const delay = this.#backoff.next();
        if (this.#state !== ConsumerState.Connecting) throw error;
        if (!error.retryable || this.#clock.monotonic() + delay > deadline) {
          this.#releaseResources();
          this.#transition(ConsumerState.Closed);
          throw error;
        }
        this.#log.warn({ err: error, delayMs: delay }, 'subscribe failed, retrying');
        await sleep(this.#clock, delay, this.#abort.signal);
      }
    }
  }

  async #subscribeOnce(): Promise<void> {
    const connection = await this.#connect();
    const listener = this.#makeListener(connection);
    // Registered before SUBSCRIBE: the broker may push messages right after its SUCCESS.
    connection.registerConsumer(this.consumerId, listener);
    this.#listener = listener;
    const requestId = connection.newRequestId();
    try {
      await connection.sendRequest(subscribeCommand(this.#subscribeFields(requestId)));
    } catch (err) {
      connection.unregisterConsumer(this.consumerId, listener);
      if (this.#listener === listener) this.#listener = undefined;
      if (isPulsarError(err, 'PULSAR_ERR_TIMEOUT')) {
        // The broker may have created the consumer after all; release it (Java does the same).
        connection
          .sendRequest(closeConsumerCommand(this.consumerId, connection.newRequestId()))
          .catch(() => undefined);
      }
      throw err;
    }
    if (this.#state !== ConsumerState.Connecting && this.#state !== ConsumerState.Reconnecting) {
      // Closed while subscribing.
      connection.unregisterConsumer(this.consumerId, listener);
      connection
        .sendRequest(closeConsumerCommand(this.consumerId, connection.newRequestId()))
        .catch(() => undefined);
      throw this.#closedError();
    }
    this.#connection = connection;
    this.#transition(ConsumerState.Ready);
    this.#log.info({ broker: connection.logicalAddress.url }, 'subscribed');
    this.#permits.start(this.#queue.length);
    this.#flushPendingAcks(connection);
  }

  async #connect(): Promise<Connection> {
    const migrated = this.#migratedUrl;
    if (migrated !== undefined && this.#provider.getConnectionTo !== undefined) {
      this.#migratedUrl = undefined;
      return this.#provider.getConnectionTo(migrated, migrated, this.#options.identity);
    }
    return (await this.#provider.getConnection(this.topic, identityOption(this.#options.identity)))
      .connection;
  }

  #subscribeFields(requestId: bigint): CommandSubscribe {
    const o = this.#options;
    const sub: CommandSubscribe = {
      topic: this.topic,
      subscription: this.subscription,
      subType: SubType[this.subscriptionType],
      consumerId: this.consumerId,
      requestId,
      consumerName: this.consumerName,
      initialPosition:
        (o.initialPosition ?? 'Latest') === 'Earliest'
          ? WireInitialPosition.Earliest
          : WireInitialPosition.Latest,
      consumerEpoch: this.#epoch,
    };
    if ((o.priorityLevel ?? 0) > 0) sub.priorityLevel = o.priorityLevel;
    if (!this.durable) {
      sub.durable = false;
      // §1.10: resume after the last message handed out, else at the requested start.
      const start = this.#lastDequeued ?? this.#startFilter?.start ?? this.#options.startMessageId;
      if (start !== undefined) {
        const data: MessageIdData = {
          ledgerId: BigInt.asUintN(64, start.ledgerId),
          entryId: BigInt.asUintN(64, start.entryId),
        };
        if (start.batchIndex >= 0) data.batchIndex = start.batchIndex;
        sub.startMessageId = data;
      }
    }
    if (o.metadata !== undefined) {
      sub.metadata = Object.entries(o.metadata).map(([key, value]) => ({ key, value }));
    }
    return sub;
  }

  #makeListener(connection: Connection): ConsumerListener {
    const listener: ConsumerListener = {
      onMessage: (message) => {
        if (this.#listener === listener) this.#onMessage(message, connection);
      },
      onCloseConsumer: () => {
        if (this.#listener === listener) this.#onDisconnected('closed by broker');
      },
      onReachedEndOfTopic: () => {
        if (this.#listener === listener) {
          this.#endOfTopic = true;
          this.#log.info({}, 'reached end of topic');
        }
      },
      onActiveConsumerChange: (change) => {
        this.#log.debug({ active: change.isActive ?? false }, 'active consumer change');
      },
      onTopicMigrated: (cmd) => {
        if (this.#listener !== listener) return;
        this.#migratedUrl = cmd.brokerServiceUrl;
        this.#onDisconnected('topic migrated');
      },
      onConnectionClosed: () => {
        if (this.#listener === listener) this.#onDisconnected('connection closed');
      },
    };
    return listener;
  }

  #onDisconnected(reason: string): void {
    if (this.#state !== ConsumerState.Ready) return;
    this.#log.info({ reason }, 'disconnected, resubscribing');
    this.#transition(ConsumerState.Reconnecting);
    this.#connection?.unregisterConsumer(this.consumerId, this.#listener);
    this.#connection = undefined;
    this.#listener = undefined;
    this.#permits.stop();
    this.#clientMetrics.reconnect('consumer');
    // The broker redelivers everything unacked to the new consumer, so what sits in the local
    // queue would arrive twice (Java `clearReceiverQueue`). Readers resume after #lastDequeued.
    this.#discardQueue();
    if (!this.durable && this.#lastDequeued !== undefined) {
      // The broker re-sends the whole batch holding the resume id (§1.10): drop up to it.
      this.#startFilter = { start: this.#lastDequeued, inclusive: false };
    }
    this.#unacked?.clear();
    this.#nacks.clear();
    this.#reconnectLoop().catch((err: unknown) => {
      this.#log.error({ err }, 'reconnect loop failed');
    });
  }

  async #reconnectLoop(): Promise<void> {
    while (this.#state === ConsumerState.Reconnecting) {
      try {
        await this.#backoff.sleep(this.#clock, this.#abort.signal);
      } catch {
        return;
      }
      if (!this.#stateIs(ConsumerState.Reconnecting)) return;
      try {
        await this.#subscribeOnce();
        this.#backoff.reset();
        return;
      } catch (err) {
        const error = asPulsarError(err);
        if (!this.#stateIs(ConsumerState.Reconnecting)) return;
        if (FATAL_CODES.has(error.code)) {
          this.#log.error({ err: error }, 'resubscribe failed permanently, closing consumer');
          this.#fatalError = error;
          await this.#shutdown(false);
          this.#options.onFatalError?.(error);
          return;
        }
        this.#log.warn({ err: error, attempt: this.#backoff.attempts }, 'resubscribe failed');
      }
    }
  }

  async #shutdown(sendClose: boolean): Promise<void> {
    if (this.#state === ConsumerState.Closed || this.#state === ConsumerState.Closing) return;
    const connection = this.#connection;
    const listener = this.#listener;
    if (this.#state !== ConsumerState.Idle) this.#transition(ConsumerState.Closing);
    this.#abort.abort(this.#closedError());
    if (connection !== undefined) {
      connection.unregisterConsumer(this.consumerId, listener);
      if (sendClose && connection.isReady) {
        try {
          await connection.sendRequest(
            closeConsumerCommand(this.consumerId, connection.newRequestId()),
          );
        } catch (err) {
          this.#log.debug({ err }, 'CLOSE_CONSUMER failed');
        }
      }
    }
    this.#connection = undefined;
    this.#listener = undefined;
    this.#releaseResources();
    const dlq = this.#dlqProducer;
    this.#dlqProducer = undefined;
    if (dlq !== undefined) {
      try {
        await (await dlq).close();
      } catch (err) {
        this.#log.debug({ err }, 'closing dead-letter producer failed');
      }
    }
    if (!this.#stateIs(ConsumerState.Closed)) this.#transition(ConsumerState.Closed);
    this.#log.info({}, 'consumer closed');
  }

  #releaseResources(): void {
    this.#permits.stop();
    this.#unacked?.close();
    this.#nacks.close();
    this.#queue = [];
    const error = this.#fatalError ?? this.#closedError();
    this.#waiters.rejectAll(error);
    for (const p of this.#pendingAcks.splice(0)) p.reject(error);
  }

  // ---- inbound messages -----------------------------------------------------------------

  #onMessage(incoming: IncomingMessage, connection: Connection): void {
    const metadata = incoming.metadata;
    const count = metadata?.numMessagesInBatch ?? 1;
    this.#permits.onReceived(count);
    const epoch = incoming.command.consumerEpoch;
    if (epoch !== undefined && epoch < this.#epoch) {
      // Sent before our last redeliver-all (§1.8): the broker sends it again with the new epoch.
      this.#permits.onConsumed(count, this.#queue.length, false);
      return;
    }
    if (isInternalEntry(metadata)) {
      this.#log.debug({}, 'dropping marker or chunk entry');
      this.#permits.onConsumed(count, this.#queue.length, false);
      return;
    }
    const decoded = decodeEntry(incoming, {
      topic: this.topic,
      partition: this.partitionIndex,
      maxMessageSize: connection.maxMessageSize,
      ...(this.#startFilter === undefined || this.durable
        ? {}
        : { startFilter: this.#startFilter }),
    });
    if (decoded.validationError !== undefined) {
      this.#log.warn(
        { err: decoded.error, entry: messageIdToString(decoded.entryId) },
        'discarding corrupt message',
      );
      this.#discardCorrupt(connection, decoded.entryId, decoded.validationError);
      this.#permits.onConsumed(count, this.#queue.length, false);
      return;
    }
    if (metadata !== undefined && metadata.numMessagesInBatch !== undefined) {
      this.#batches.register(
        decoded.entryId.ledgerId,
        decoded.entryId.entryId,
        decoded.numMessages,
        decoded.skippedIndexes,
      );
    }
    const policy = this.#options.deadLetterPolicy;
    if (
      policy !== undefined &&
      decoded.messages.length > 0 &&
      (incoming.command.redeliveryCount ?? 0) >= policy.maxRedeliverCount
    ) {
      // Java `processPossibleToDLQ`: delivered once more, dead-lettered on its next redelivery.
      this.#possibleDlq.set(
        entryKey(decoded.entryId.ledgerId, decoded.entryId.entryId),
        decoded.messages,
      );
    }
    this.#queue.push(...decoded.messages);
    if (decoded.skippedIndexes.length > 0) {
      this.#permits.onConsumed(decoded.skippedIndexes.length, this.#queue.length, false);
    }
    this.#serveWaiters();
    if (this.#queue.length > 0) this.#availabilityListener?.();
  }

  #discardCorrupt(connection: Connection, entry: MessageId, error: ValidationErrorValue): void {
    connection
      .sendCommand(
        ackCommand({
          consumerId: this.consumerId,
          ackType: AckType.Individual,
          messageId: [entryData(entry)],
          validationError: error,
        }),
      )
      .catch((err: unknown) => {
        this.#log.debug({ err }, 'ack of corrupt message failed');
      });
  }

  #take(gated: boolean): ConsumerMessage | undefined {
    if (this.#queue.length === 0) return undefined;
    if (gated && !this.#permits.canDeliver) return undefined;
    const message = this.#queue.shift()!;
    this.#lastDequeued = message.id;
    this.#unacked?.add(message.id);
    this.#permits.onConsumed(1, this.#queue.length, true);
    return message;
  }

  #serveWaiters(): void {
    this.#waiters.serve(() => this.#take(!this.#options.parentManagedFlow));
  }

  #discardQueue(): void {
    const dropped = this.#queue.length;
    this.#queue = [];
    if (dropped > 0) this.#permits.onConsumed(dropped, 0, false);
  }

  // ---- outbound commands ----------------------------------------------------------------

  #sendFlow(permits: number): void {
    const connection = this.#connection;
    if (connection === undefined) return;
    connection.sendCommand(flowCommand(this.consumerId, permits)).catch((err: unknown) => {
      this.#log.debug({ err }, 'FLOW failed');
    });
  }

  #sendAck(ids: MessageIdData[], type: AckTypeValue): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: PendingAck = { ids, type, resolve, reject };
      const connection = this.#connection;
      if (connection === undefined || this.#state !== ConsumerState.Ready) {
        // Sent after the resubscribe; the broker would redeliver the message without it.
        this.#pendingAcks.push(pending);
        return;
      }
      this.#writeAck(connection, pending);
    });
  }

  #writeAck(connection: Connection, pending: PendingAck): void {
    const started = this.#clock.monotonic();
    connection
      .sendRequest(
        ackCommand({
          consumerId: this.consumerId,
          ackType: pending.type,
          messageId: pending.ids,
          requestId: connection.newRequestId(),
        }),
      )
      .then(
        () => {
          this.#clientMetrics.observeAckLatency((this.#clock.monotonic() - started) / 1000);
          pending.resolve();
        },
        (err: unknown) => {
          const retry =
            isPulsarError(err, 'PULSAR_ERR_CONNECTION_CLOSED') ||
            isPulsarError(err, 'PULSAR_ERR_NOT_CONNECTED');
          if (retry && this.#state !== ConsumerState.Closed) {
            if (
              this.#state === ConsumerState.Ready &&
              this.#connection !== undefined &&
              this.#connection !== connection
            ) {
              this.#writeAck(this.#connection, pending);
            } else {
              this.#pendingAcks.push(pending);
            }
            return;
          }
          pending.reject(err);
        },
      );
  }

  #flushPendingAcks(connection: Connection): void {
    for (const p of this.#pendingAcks.splice(0)) this.#writeAck(connection, p);
  }

  #redeliver(ids: MessageId[], reason: 'negative_ack' | 'ack_timeout'): void {
    const connection = this.#connection;
    if (connection === undefined || this.#state !== ConsumerState.Ready) return;
    const entries = dedupeEntries(ids);
    if (this.subscriptionType !== 'Shared' && this.subscriptionType !== 'Key_Shared') {
      // §1.8: per-id redelivery exists only for Shared/Key_Shared; others redeliver everything.
      this.#metrics.redelivered(reason, entries.length);
      this.#redeliverAll(connection);
      return;
    }
    const toBroker: MessageId[] = [];
    for (const id of entries) {
      const key = entryKey(id.ledgerId, id.entryId);
      const dead = this.#possibleDlq.get(key);
      if (dead !== undefined) {
        this.#possibleDlq.delete(key);
        this.#deadLetter(id, dead);
      } else {
        toBroker.push(id);
      }
    }
    if (toBroker.length === 0) return;
    this.#metrics.redelivered(reason, toBroker.length);
    this.#sendRedeliver(connection, toBroker);
  }

  #sendRedeliver(connection: Connection, ids: MessageId[]): void {
    // Java splits at 1000 ids per command to bound frame size.
    for (let i = 0; i < ids.length; i += 1000) {
      connection
        .sendCommand(
          redeliverCommand({
            consumerId: this.consumerId,
            messageIds: ids.slice(i, i + 1000).map(entryData),
          }),
        )
        .catch((err: unknown) => {
          this.#log.debug({ err }, 'REDELIVER failed');
        });
    }
  }

  #redeliverAll(connection: Connection): void {
    this.#epoch++;
    this.#unacked?.clear();
    this.#discardQueue();
    connection
      .sendCommand(redeliverCommand({ consumerId: this.consumerId, consumerEpoch: this.#epoch }))
      .catch((err: unknown) => {
        this.#log.debug({ err }, 'REDELIVER (all) failed');
      });
  }

  /** Publishes an entry's messages to the dead-letter topic, then acks the entry (§1.11). */
  #deadLetter(entry: MessageId, messages: ConsumerMessage[]): void {
    const run = async (): Promise<void> => {
      const producer = await this.#getDlqProducer();
      for (const m of messages) {
        const properties: Record<string, string> = { ...m.properties };
        properties[DLQ_PROPERTY_REAL_TOPIC] ??= m.topic;
        properties[DLQ_PROPERTY_ORIGIN_MESSAGE_ID] ??= messageIdToString(m.id);
        await producer.send({
          payload: m.payload,
          properties,
          ...(m.key === undefined ? {} : { key: m.key }),
          ...(m.eventTime > 0 ? { eventTime: m.eventTime } : {}),
        });
        this.#metrics.deadLettered('success');
      }
      this.#batches.remove(entry.ledgerId, entry.entryId);
      await this.#sendAck([entryData(entry)], AckType.Individual);
    };
    run().catch((err: unknown) => {
      this.#metrics.deadLettered('failure');
      this.#log.warn(
        { err, entry: messageIdToString(entry) },
        'dead-lettering failed, redelivering',
      );
      // Keep it eligible so the next redelivery retries the DLQ.
      this.#possibleDlq.set(entryKey(entry.ledgerId, entry.entryId), messages);
      const connection = this.#connection;
      if (connection !== undefined && this.#state === ConsumerState.Ready) {
        this.#sendRedeliver(connection, [entry]);
      }
    });
  }

  #getDlqProducer(): Promise<DeadLetterProducer> {
    const policy = this.#options.deadLetterPolicy!;
    if (this.#dlqProducer === undefined) {
      const topic =
        policy.deadLetterTopic ??
        `${this.#options.baseTopic ?? this.topic}-${this.subscription}-DLQ`;
      const created = policy.producerFactory(topic);
      this.#dlqProducer = created;
      created.catch(() => {
        if (this.#dlqProducer === created) this.#dlqProducer = undefined;
      });
    }
    return this.#dlqProducer;
  }

  async #getLastMessageIdResponse(): Promise<{ last: MessageId; markDelete?: MessageId }> {
    const connection = this.#readyConnection();
    const response = await connection.sendRequest(
      getLastMessageIdCommand(this.consumerId, connection.newRequestId()),
    );
    const r = response.getLastMessageIdResponse;
    if (r === undefined) {
      throw new PulsarError('PULSAR_ERR_PROTOCOL', 'GET_LAST_MESSAGE_ID answered without an id');
    }
    const last = fromMessageIdData(r.lastMessageId, this.partitionIndex);
    return r.consumerMarkDeletePosition === undefined
      ? { last }
      : { last, markDelete: fromMessageIdData(r.consumerMarkDeletePosition, this.partitionIndex) };
  }

  // ---- helpers --------------------------------------------------------------------------

  #readyConnection(): Connection {
    this.#assertOpen();
    const connection = this.#connection;
    if (connection === undefined || this.#state !== ConsumerState.Ready) {
      throw new PulsarError('PULSAR_ERR_NOT_CONNECTED', `consumer is ${this.#state}`);
    }
    return connection;
  }

  #assertOpen(): void {
    if (this.#state === ConsumerState.Closed || this.#state === ConsumerState.Closing) {
      throw this.#closedError();
    }
  }

  #closedError(): PulsarError {
    return new PulsarError('PULSAR_ERR_CLOSED', 'consumer is closed', {
      cause: this.#fatalError,
    });
  }

  /** State check that TypeScript does not narrow across awaits. */
  #stateIs(state: ConsumerStateValue): boolean {
    return this.#state === state;
  }

  #transition(to: ConsumerStateValue): void {
    checkTransition(TRANSITIONS, this.#state, to, 'consumer');
    this.#log.debug({ from: this.#state, to }, 'consumer state');
    this.#state = to;
  }
}

function idOf(target: ConsumerMessage | MessageId): MessageId {
  return 'payload' in target ? target.id : target;
}

/** Entry-level wire id, as acks and redeliveries carry it (no partition, no batch index). */
function entryData(id: MessageId): MessageIdData {
  return { ledgerId: BigInt.asUintN(64, id.ledgerId), entryId: BigInt.asUintN(64, id.entryId) };
}

function dedupeEntries(ids: readonly MessageId[]): MessageId[] {
  const seen = new Map<string, MessageId>();
  for (const id of ids) {
    const key = entryKey(id.ledgerId, id.entryId);
    if (!seen.has(key)) seen.set(key, messageId(id.ledgerId, id.entryId, id.partition));
  }
  return [...seen.values()];
}

/** Orders by ledger, entry, then batch index (−1 sorts first), ignoring partitions. */
function compareEntries(a: MessageId, b: MessageId): number {
  if (a.ledgerId !== b.ledgerId) return a.ledgerId < b.ledgerId ? -1 : 1;
  if (a.entryId !== b.entryId) return a.entryId < b.entryId ? -1 : 1;
  if (a.batchIndex !== b.batchIndex) return a.batchIndex < b.batchIndex ? -1 : 1;
  return 0;
}

function entryNotAfter(a: MessageId, b: MessageId): boolean {
  return a.ledgerId < b.ledgerId || (a.ledgerId === b.ledgerId && a.entryId <= b.entryId);
}

function asPulsarError(err: unknown): PulsarError {
  if (err instanceof PulsarError) return err;
  return new PulsarError('PULSAR_ERR_UNKNOWN_SERVER_ERROR', String(err), { cause: err });
}

/** `{ identity }` when one is set (exactOptionalPropertyTypes). */
export function identityOption(identity: ForwardedIdentity | undefined): IdentityOption {
  return identity === undefined ? {} : { identity };
}

import { sleep, type Clock, type Logger, type TimerHandle } from '../../shared/index.ts';
import { Backoff } from '../backoff.ts';
import { checkTransition, type TransitionTable } from '../state-transition.ts';
import type { CompressionType } from '../compression/compression-codec.ts';
import type { ProducerListener } from '../connection/connection.ts';
import { PulsarError, toPulsarError, type PulsarErrorCode } from '../errors.ts';
import type { PulsarMetrics } from '../metrics.ts';
import type {
  CommandCloseProducer,
  CommandProducer,
  CommandSendError,
  CommandSendReceipt,
  CommandTopicMigrated,
} from '../protocol/command-types.ts';
import {
  closeProducerCommand,
  producerCommand,
  type ForwardedIdentity,
} from '../protocol/commands.ts';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  ServerError,
  type ProducerAccessModeValue,
} from '../protocol/constants.ts';
import { messageId, type MessageId } from '../protocol/message-id.ts';
import { fromServerError } from '../protocol/server-error.ts';
import { BatchBuilder } from './batch-builder.ts';
import { PendingQueue } from './pending-queue.ts';
import type { ProducerConnection, ProducerConnectionProvider } from './producer-connection.ts';
import { normalizeMessage, type ProducerMessage } from './producer-message.ts';
import type { ProducerMetrics } from './producer-metrics.ts';
import {
  encodeBatchSend,
  encodeSingleSend,
  newSendCallback,
  type BatchItem,
  type EncodeContext,
  type SendCallback,
  type SendOp,
} from './send-op.ts';

/**
 * States of a {@link PartitionProducer} (pulsar-client-go `producerState`, docs/style.md §7.3):
 * init → connecting → ready ⇄ reconnecting, then closing → closed. Any state but closed may go
 * straight to closed (terminal broker error, failed creation).
 */
export const PartitionProducerState = {
  Init: 'init',
  Connecting: 'connecting',
  Ready: 'ready',
  Reconnecting: 'reconnecting',
  Closing: 'closing',
  Closed: 'closed',
} as const;
export type PartitionProducerStateValue =
  (typeof PartitionProducerState)[keyof typeof PartitionProducerState];

const TRANSITIONS: TransitionTable<PartitionProducerStateValue> = {
  init: ['connecting', 'closing', 'closed'],
  connecting: ['ready', 'closing', 'closed'],
  ready: ['reconnecting', 'closing', 'closed'],
  reconnecting: ['ready', 'closing', 'closed'],
  closing: ['closed'],
  closed: [],
};

/**
 * Errors after which reconnecting is pointless, as in the Java client's `connectionOpened`
 * failure path and the Go client's `reconnectToBroker` (docs/style.md §5): the producer closes
 * and fails everything pending with the error.
 */
const TERMINAL_RECONNECT_ERRORS: ReadonlySet<PulsarErrorCode> = new Set<PulsarErrorCode>([
  'PULSAR_ERR_NOT_FOUND',
  'PULSAR_ERR_TOPIC_TERMINATED',
  'PULSAR_ERR_PRODUCER_FENCED',
  // The client (pool) was closed under the producer: nothing can ever connect again.
  'PULSAR_ERR_CLOSED',
]);

/** Options of {@link PartitionProducer}. Times are milliseconds. */
export interface PartitionProducerOptions {
  /** Full name of the topic this producer writes to (a `-partition-N` child for partitions). */
  topic: string;
  /** Partition index put into message ids; -1 for a non-partitioned topic. */
  partition: number;
  /** Client-unique producer id (kept across reconnects). */
  producerId: bigint;
  /** Producer name; omit to let the broker choose one, which is then kept across reconnects. */
  producerName?: string;
  /** PRODUCER.user_provided_producer_name. Default: `producerName !== undefined`. */
  userProvidedProducerName?: boolean;
  /**
   * Baseline of sequence ids: the first message gets `initialSequenceId + 1` (Java semantics).
   * Default: continue after the broker's last_sequence_id (dedup), else start at 0.
   */
  initialSequenceId?: bigint;
  /** Per-message timeout from `send` to receipt; 0 disables. Default 30 000. */
  sendTimeoutMs?: number;
  /**
   * Messages pending in this (partition) producer before `send` fails fast with
   * PULSAR_ERR_PRODUCER_QUEUE_FULL (the WS proxy's blockIfQueueFull=false). Default 0: unbounded.
   */
  maxPendingMessages?: number;
  /** Default false (the WebSocket API's default). */
  batchingEnabled?: boolean;
  /** Default 1000. */
  batchingMaxMessages?: number;
  /** Payload bytes per batch. Default 131 072 (128 KiB). */
  batchingMaxBytes?: number;
  /** How long the first message of a batch may wait for more. Default 1. */
  batchingMaxPublishDelayMs?: number;
  /** Default NONE. */
  compressionType?: CompressionType;
  /** PRODUCER.producer_access_mode; default Shared (field omitted). */
  accessMode?: ProducerAccessModeValue;
  /** Identity forwarded on lookups and connections (§1.12). */
  identity?: ForwardedIdentity;
  /** Timeout of PRODUCER / CLOSE_PRODUCER requests and budget of the first connect. Default 30 000. */
  operationTimeoutMs?: number;
  connections: ProducerConnectionProvider;
  clock: Clock;
  logger: Logger;
  metrics: PulsarMetrics;
  producerMetrics: ProducerMetrics;
  /**
   * Reconnect policy factory (tests inject deterministic jitter); default 100 ms doubling to 60 s
   * with ±20 % jitter (Java/Go).
   */
  backoff?: () => Backoff;
}

function ignore(): void {}

/**
 * A producer on one topic or one partition (docs/pulsar-binary-protocol.md §1.6; pulsar-client-go
 * `producer_partition.go`, Java `ProducerImpl`).
 *
 * Guarantees: sequence ids increase by one per message; messages are written in that order, also
 * when resent after a reconnect (same bytes, same sequence ids, so a broker with dedup drops
 * repeats); every `send` promise settles exactly once — with its message id, or a PulsarError
 * (timeout, queue full, closed, broker error) — and a send is never reported successful without a
 * matching SEND_RECEIPT.
 */
export class PartitionProducer {
  readonly topic: string;
  readonly partition: number;
  readonly producerId: bigint;

  readonly #connections: ProducerConnectionProvider;
  readonly #clock: Clock;
  #log: Logger;
  readonly #metrics: PulsarMetrics;
  readonly #producerMetrics: ProducerMetrics;
  readonly #backoff: Backoff;
  readonly #userProvidedName: boolean;
  readonly #hasInitialSequenceId: boolean;
  readonly #sendTimeoutMs: number;
  readonly #maxPending: number;
  readonly #batching: boolean;
  readonly #batchDelayMs: number;
  readonly #operationTimeoutMs: number;
  readonly #accessMode: ProducerAccessModeValue | undefined;
  readonly #identity: ForwardedIdentity | undefined;
  readonly #ctx: EncodeContext;
  readonly #batch: BatchBuilder;
  readonly #pending = new PendingQueue<SendOp>();

  #state: PartitionProducerStateValue = PartitionProducerState.Init;
  #producerName: string | undefined;
  #nextSequenceId: bigint;
  #epoch = 0n;
  #connectAttempts = 0;
  #connection: ProducerConnection | undefined;
  #listener: ProducerListener | undefined;
  /** Messages accepted and not yet settled (pending ops + open batch). */
  #pendingCount = 0;
  #batchTimer: TimerHandle | undefined;
  #timeoutTimer: TimerHandle | undefined;
  #reconnectTimer: TimerHandle | undefined;
  #reconnecting = false;
  #terminalError: PulsarError | undefined;
  #closing: Promise<void> | undefined;
  readonly #onBatchTimer = (): void => {
    this.#batchTimer = undefined;
    this.#flushBatch();
  };
  readonly #onTimeoutTimer = (): void => {
    this.#timeoutTimer = undefined;
    this.#expireTimedOut();
  };

  constructor(options: PartitionProducerOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.producerId = options.producerId;
    this.#connections = options.connections;
    this.#clock = options.clock;
    this.#metrics = options.metrics;
    this.#producerMetrics = options.producerMetrics;
    this.#backoff =
      options.backoff?.() ?? new Backoff({ initialMs: 100, maxMs: 60_000, jitterRatio: 0.2 });
    this.#producerName = options.producerName;
    this.#userProvidedName = options.userProvidedProducerName ?? options.producerName !== undefined;
    this.#hasInitialSequenceId = options.initialSequenceId !== undefined;
    this.#nextSequenceId = (options.initialSequenceId ?? -1n) + 1n;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
    this.#maxPending = options.maxPendingMessages ?? 0;
    this.#batching = options.batchingEnabled ?? false;
    this.#batchDelayMs = Math.max(0, options.batchingMaxPublishDelayMs ?? 1);
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#accessMode = options.accessMode;
    this.#identity = options.identity;
    this.#ctx = {
      producerId: options.producerId,
      producerName: options.producerName ?? '',
      compression: options.compressionType ?? 'NONE',
      maxMessageSize: DEFAULT_MAX_MESSAGE_SIZE,
    };
    this.#batch = new BatchBuilder({
      maxMessages: options.batchingMaxMessages ?? 1000,
      maxBytes: options.batchingMaxBytes ?? 128 * 1024,
    });
    this.#log = options.logger.child({
      component: 'pulsar-producer',
      topic: options.topic,
      producerId: options.producerId.toString(),
    });
  }

  /** Current state. */
  get state(): PartitionProducerStateValue {
    return this.#state;
  }

  /** The producer name (the broker's choice unless one was given); set once connected. */
  get producerName(): string | undefined {
    return this.#producerName;
  }

  /** Messages accepted by `send` and not yet settled. */
  get pendingMessages(): number {
    return this.#pendingCount;
  }

  /** Sequence id the next message will get. */
  get nextSequenceId(): bigint {
    return this.#nextSequenceId;
  }

  /**
   * Creates the producer on the broker. Retryable failures (lookup, ServiceNotReady, dropped
   * connections) are retried with backoff within the operation timeout, as Java does for the
   * initial creation; others (ProducerBusy, authorization, …) fail at once. On failure the producer
   * is closed.
   */
  async start(): Promise<void> {
    this.#transition(PartitionProducerState.Connecting);
    const deadline = this.#clock.monotonic() + this.#operationTimeoutMs;
    for (;;) {
      try {
        await this.#connectOnce(undefined);
        return;
      } catch (err) {
        const error = toPulsarError(err, 'PULSAR_ERR_CONNECT_FAILED', 'creating producer failed');
        if (this.#isClosingOrClosed()) throw error;
        const delay = this.#backoff.next();
        if (!error.retryable || this.#clock.monotonic() + delay >= deadline) {
          this.#log.warn({ err: error, code: error.code }, 'producer creation failed');
          this.#terminate(error);
          throw error;
        }
        this.#log.info({ code: error.code, delayMs: delay }, 'producer creation failed, retrying');
        await sleep(this.#clock, delay);
      }
    }
  }

  /**
   * Publishes one message. Resolves with its id (partition index included; batch index and size
   * for batched messages) once the broker acknowledged it. Rejects with PULSAR_ERR_PRODUCER_QUEUE_FULL
   * when `maxPendingMessages` are pending, PULSAR_ERR_TIMEOUT after the send timeout,
   * PULSAR_ERR_MESSAGE_TOO_LARGE, PULSAR_ERR_INVALID_ARGUMENT, PULSAR_ERR_CLOSED, or the broker's
   * error. Never throws synchronously.
   */
  send(message: ProducerMessage): Promise<MessageId> {
    if (this.#isClosingOrClosed()) return this.#rejectEarly(this.#closedError());
    let normalized;
    try {
      normalized = normalizeMessage(message, this.#clock.now());
    } catch (err) {
      return this.#rejectEarly(toPulsarError(err, 'PULSAR_ERR_INVALID_ARGUMENT', 'bad message'));
    }
    if (this.#maxPending > 0 && this.#pendingCount >= this.#maxPending) {
      return this.#rejectEarly(
        new PulsarError(
          'PULSAR_ERR_PRODUCER_QUEUE_FULL',
          `producer queue is full (${this.#maxPending} pending messages)`,
        ),
      );
    }
    if (this.#ctx.compression === 'NONE' && normalized.payload.length > this.#ctx.maxMessageSize) {
      return this.#rejectEarly(
        new PulsarError(
          'PULSAR_ERR_MESSAGE_TOO_LARGE',
          `message of ${normalized.payload.length} bytes exceeds the broker's max message size ${this.#ctx.maxMessageSize}`,
        ),
      );
    }
    const callback = newSendCallback();
    const sequenceId = this.#nextSequenceId++;
    this.#pendingCount++;
    this.#producerMetrics.pendingChanged(1);
    const createdAt = this.#clock.monotonic();
    // Java `canAddToBatch`: delayed messages are never batched, since deliver_at_time is
    // entry-level metadata.
    if (this.#batching && normalized.deliverAt === undefined) {
      const item: BatchItem = {
        sequenceId,
        message: normalized,
        callback,
        createdAt,
        publishTime: this.#clock.now(),
      };
      if (!this.#batch.canAdd(item)) this.#flushBatch();
      const wasEmpty = this.#batch.isEmpty;
      if (this.#batch.add(item)) this.#flushBatch();
      else if (wasEmpty) {
        this.#batchTimer = this.#clock.setTimeout(this.#onBatchTimer, this.#batchDelayMs);
      }
      return callback.promise;
    }
    // Keep order: whatever is batched so far was sent before this message.
    if (!this.#batch.isEmpty) this.#flushBatch();
    let frame: Buffer;
    try {
      frame = encodeSingleSend(this.#ctx, sequenceId, this.#clock.now(), normalized);
    } catch (err) {
      this.#settleFailed(callback, toPulsarError(err, 'PULSAR_ERR_INVALID_ARGUMENT', 'encode'));
      return callback.promise;
    }
    this.#enqueue({
      sequenceId,
      highestSequenceId: sequenceId,
      callbacks: [callback],
      isBatch: false,
      frame,
      createdAt,
      flushWaiters: undefined,
    });
    return callback.promise;
  }

  /**
   * Sends the open batch now and resolves once every message accepted before this call has
   * settled (acknowledged, failed or timed out). Never rejects.
   */
  flush(): Promise<void> {
    this.#flushBatch();
    const last = this.#pending.peekLast();
    if (last === undefined) return Promise.resolve();
    return new Promise<void>((resolve) => {
      (last.flushWaiters ??= []).push(resolve);
    });
  }

  /**
   * Closes the producer: sends the open batch, then CLOSE_PRODUCER. The broker answers only after
   * the producer's in-flight publishes completed, so messages already written still get their
   * receipts; whatever is still unacknowledged afterwards (e.g. while disconnected) fails with
   * PULSAR_ERR_CLOSED. Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#state === PartitionProducerState.Closed) return;
    this.#flushBatch();
    this.#transition(PartitionProducerState.Closing);
    this.#cancelReconnect();
    const conn = this.#connection;
    if (conn !== undefined) {
      try {
        await conn.sendRequest(closeProducerCommand(this.producerId, conn.newRequestId()), {
          timeoutMs: this.#operationTimeoutMs,
        });
      } catch (err) {
        this.#log.debug({ err }, 'CLOSE_PRODUCER failed');
      }
    }
    this.#terminate(new PulsarError('PULSAR_ERR_CLOSED', 'producer closed'));
    this.#log.info({}, 'producer closed');
  }

  // ---------------------------------------------------------------------------------------------
  // Connection management

  /** One connect: (lookup +) connection, PRODUCER, then resend everything pending in order. */
  async #connectOnce(assignedUrl: string | undefined): Promise<void> {
    const conn =
      assignedUrl === undefined
        ? (
            await this.#connections.getConnection(
              this.topic,
              this.#identity === undefined ? {} : { identity: this.#identity },
            )
          ).connection
        : await this.#connections.getConnectionTo(assignedUrl, assignedUrl, this.#identity);
    if (this.#isClosingOrClosed()) throw this.#closedError();
    const listener = this.#makeListener(conn);
    conn.registerProducer(this.producerId, listener);
    // The epoch grows with every attempt, so the broker can tell a stale PRODUCER from a new one.
    if (this.#connectAttempts++ > 0) this.#epoch++;
    const command: CommandProducer = {
      topic: this.topic,
      producerId: this.producerId,
      requestId: conn.newRequestId(),
      epoch: this.#epoch,
      userProvidedProducerName: this.#userProvidedName,
    };
    if (this.#producerName !== undefined) command.producerName = this.#producerName;
    if (this.#accessMode !== undefined) command.producerAccessMode = this.#accessMode;
    let success;
    try {
      const response = await conn.sendRequest(producerCommand(command), {
        timeoutMs: this.#operationTimeoutMs,
        onProducerWaiting: () => {
          this.#log.info({}, 'waiting for exclusive access to the topic');
        },
      });
      success = response.producerSuccess;
      if (success === undefined) {
        throw new PulsarError('PULSAR_ERR_PROTOCOL', 'PRODUCER answered without PRODUCER_SUCCESS');
      }
    } catch (err) {
      conn.unregisterProducer(this.producerId, listener);
      if (err instanceof PulsarError && err.code === 'PULSAR_ERR_TIMEOUT') {
        // §1.6: a timed-out PRODUCER may still be created later; close it before retrying.
        conn
          .sendRequest(closeProducerCommand(this.producerId, conn.newRequestId()))
          .then(ignore, ignore);
      }
      throw err;
    }
    if (this.#isClosingOrClosed()) {
      conn.unregisterProducer(this.producerId, listener);
      conn
        .sendRequest(closeProducerCommand(this.producerId, conn.newRequestId()))
        .then(ignore, ignore);
      throw this.#closedError();
    }
    const first = this.#producerName === undefined || this.#state === 'connecting';
    this.#producerName = success.producerName;
    this.#ctx.producerName = success.producerName;
    this.#ctx.maxMessageSize = conn.maxMessageSize;
    // Java `connectionOpened`: continue after the broker's last sequence id (dedup) only when the
    // caller gave no initialSequenceId and nothing was sent yet.
    const last = success.lastSequenceId ?? -1n;
    if (first && !this.#hasInitialSequenceId && this.#nextSequenceId === 0n && last >= 0n) {
      this.#nextSequenceId = last + 1n;
    }
    this.#connection = conn;
    this.#listener = listener;
    this.#transition(PartitionProducerState.Ready);
    this.#backoff.reset();
    this.#log = this.#log.child({ producerName: success.producerName });
    this.#log.info(
      { epoch: this.#epoch.toString(), resending: this.#pending.length },
      'producer ready',
    );
    // Resend in order, before any new message can be written (§1.6).
    for (const op of this.#pending) this.#write(conn, op.frame);
  }

  #makeListener(conn: ProducerConnection): ProducerListener {
    return {
      onSendReceipt: (receipt: CommandSendReceipt) => {
        if (conn === this.#connection) this.#onSendReceipt(conn, receipt);
      },
      onSendError: (error: CommandSendError) => {
        if (conn === this.#connection) this.#onSendError(conn, error);
      },
      onCloseProducer: (command: CommandCloseProducer) => {
        if (conn !== this.#connection) return;
        this.#log.info({}, 'broker closed the producer, reconnecting');
        const url = conn.logicalAddress.tls
          ? command.assignedBrokerServiceUrlTls
          : command.assignedBrokerServiceUrl;
        this.#connectionLost(url === '' ? undefined : url);
      },
      onTopicMigrated: (command: CommandTopicMigrated) => {
        if (conn !== this.#connection) return;
        this.#log.info({}, 'topic migrated, reconnecting to the new cluster');
        const url = conn.logicalAddress.tls
          ? command.brokerServiceUrlTls
          : command.brokerServiceUrl;
        this.#connectionLost(url === '' ? undefined : url);
      },
      onConnectionClosed: (error) => {
        if (conn !== this.#connection) return;
        this.#log.info({ code: error.code }, 'connection closed, reconnecting');
        this.#connectionLost(undefined);
      },
    };
  }

  /** Leaves `ready` and schedules a reconnect (to `assignedUrl` first, if given). */
  #connectionLost(assignedUrl: string | undefined): void {
    if (this.#state !== PartitionProducerState.Ready) return;
    const conn = this.#connection;
    if (conn !== undefined && this.#listener !== undefined) {
      conn.unregisterProducer(this.producerId, this.#listener);
    }
    this.#connection = undefined;
    this.#listener = undefined;
    this.#transition(PartitionProducerState.Reconnecting);
    this.#metrics.reconnect('producer');
    // An assigned broker (PIP-307) or migration target is known good: go at once.
    this.#scheduleReconnect(assignedUrl === undefined ? this.#backoff.next() : 0, assignedUrl);
  }

  #scheduleReconnect(delayMs: number, assignedUrl: string | undefined): void {
    if (this.#reconnectTimer !== undefined || this.#reconnecting) return;
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#reconnect(assignedUrl);
    }, delayMs);
  }

  #reconnect(assignedUrl: string | undefined): void {
    if (this.#state !== PartitionProducerState.Reconnecting) return;
    this.#reconnecting = true;
    this.#connectOnce(assignedUrl).then(
      () => {
        this.#reconnecting = false;
      },
      (err: unknown) => {
        this.#reconnecting = false;
        if (this.#state !== PartitionProducerState.Reconnecting) return;
        const error = toPulsarError(err, 'PULSAR_ERR_CONNECT_FAILED', 'reconnect failed');
        if (TERMINAL_RECONNECT_ERRORS.has(error.code)) {
          this.#log.error({ err: error, code: error.code }, 'producer cannot reconnect, closing');
          this.#terminate(error);
          return;
        }
        // Java: a quota-exceeded producer fails what it holds but keeps trying.
        if (error.code === 'PULSAR_ERR_QUOTA_EXCEEDED') this.#failAll(error);
        const delay = this.#backoff.next();
        this.#log.info({ code: error.code, delayMs: delay }, 'reconnect failed, retrying');
        this.#scheduleReconnect(delay, undefined);
      },
    );
  }

  #cancelReconnect(): void {
    if (this.#reconnectTimer !== undefined) this.#clock.clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
  }

  // ---------------------------------------------------------------------------------------------
  // Broker events

  #onSendReceipt(conn: ProducerConnection, receipt: CommandSendReceipt): void {
    const op = this.#pending.peek();
    if (op === undefined || receipt.sequenceId < op.sequenceId) {
      // A receipt for a message that already timed out or failed: nothing waits for it.
      this.#log.debug({ sequenceId: receipt.sequenceId.toString() }, 'receipt for no pending send');
      return;
    }
    if (receipt.sequenceId > op.sequenceId) {
      // Receipts come in order (§1.6); one from the future means we lost track. Java closes the
      // connection, and the reconnect resends everything pending.
      this.#log.warn(
        { expected: op.sequenceId.toString(), got: receipt.sequenceId.toString() },
        'out-of-order receipt, closing connection',
      );
      conn.close().then(ignore, ignore);
      return;
    }
    this.#pending.shift();
    const id = receipt.messageId;
    if (id === undefined) {
      this.#settleOpFailed(
        op,
        new PulsarError('PULSAR_ERR_PROTOCOL', 'SEND_RECEIPT without message id'),
      );
      return;
    }
    const now = this.#clock.monotonic();
    const latency = (now - op.createdAt) / 1000;
    const callbacks = op.callbacks;
    const n = callbacks.length;
    for (let i = 0; i < n; i++) {
      callbacks[i]!.resolve(
        op.isBatch
          ? messageId(id.ledgerId, id.entryId, this.partition, i, n)
          : messageId(id.ledgerId, id.entryId, this.partition),
      );
      this.#metrics.observeProduceLatency(latency);
    }
    this.#opDone(op, n);
  }

  #onSendError(conn: ProducerConnection, sendError: CommandSendError): void {
    const error = fromServerError(sendError.error, sendError.message);
    this.#log.warn(
      { sequenceId: sendError.sequenceId.toString(), code: error.code },
      'send error from broker',
    );
    switch (sendError.error) {
      case ServerError.ChecksumError:
        // Java `recoverChecksumError`: our bytes are immutable, so the corruption happened on the
        // way; resend everything pending on this connection.
        for (const op of this.#pending) this.#write(conn, op.frame);
        return;
      case ServerError.TopicTerminatedError:
        this.#terminate(error);
        return;
      case ServerError.NotAllowedError: {
        // Java `recoverNotAllowedError`: only that message fails.
        const op = this.#pending.peek();
        if (op?.sequenceId === sendError.sequenceId) {
          this.#pending.shift();
          this.#settleOpFailed(op, error);
        }
        return;
      }
      default:
        // Java ClientCnx.handleSendError: transient errors close the connection; reconnect and
        // resend take it from there.
        conn.close().then(ignore, ignore);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Queue, batches, timeouts

  #flushBatch(): void {
    if (this.#batchTimer !== undefined) {
      this.#clock.clearTimeout(this.#batchTimer);
      this.#batchTimer = undefined;
    }
    if (this.#batch.isEmpty) return;
    const items = this.#batch.take();
    const callbacks: SendCallback[] = new Array<SendCallback>(items.length);
    for (let i = 0; i < items.length; i++) callbacks[i] = items[i]!.callback;
    let frame: Buffer;
    try {
      frame = encodeBatchSend(this.#ctx, items);
    } catch (err) {
      const error = toPulsarError(err, 'PULSAR_ERR_INVALID_ARGUMENT', 'encode batch');
      for (const cb of callbacks) this.#settleFailed(cb, error);
      return;
    }
    const first = items[0]!;
    this.#enqueue({
      sequenceId: first.sequenceId,
      highestSequenceId: items[items.length - 1]!.sequenceId,
      callbacks,
      isBatch: true,
      frame,
      createdAt: first.createdAt,
      flushWaiters: undefined,
    });
  }

  #enqueue(op: SendOp): void {
    this.#pending.push(op);
    const conn = this.#connection;
    if (this.#state === PartitionProducerState.Ready && conn !== undefined) {
      this.#write(conn, op.frame);
    }
    if (this.#sendTimeoutMs > 0 && this.#timeoutTimer === undefined) this.#armTimeout();
  }

  #write(conn: ProducerConnection, frame: Buffer): void {
    // A failed write means the connection is closing; its close event drives the reconnect.
    conn.send(frame).then(ignore, ignore);
  }

  #armTimeout(): void {
    const head = this.#pending.peek();
    if (head === undefined) return;
    const delay = Math.max(0, head.createdAt + this.#sendTimeoutMs - this.#clock.monotonic());
    this.#timeoutTimer = this.#clock.setTimeout(this.#onTimeoutTimer, delay);
  }

  /**
   * Fails every op at the head of the queue whose oldest message is older than the send timeout.
   * Ops are in creation order, so the scan stops at the first one still in time (per-message
   * timeouts with a single timer, like the Go client's `failTimeoutMessages`).
   */
  #expireTimedOut(): void {
    const now = this.#clock.monotonic();
    for (;;) {
      const head = this.#pending.peek();
      if (head === undefined || head.createdAt + this.#sendTimeoutMs > now) break;
      this.#pending.shift();
      this.#settleOpFailed(
        head,
        new PulsarError(
          'PULSAR_ERR_TIMEOUT',
          `message not acknowledged within the send timeout of ${this.#sendTimeoutMs}ms`,
        ),
      );
    }
    if (this.#pending.length > 0) this.#armTimeout();
  }

  #settleOpFailed(op: SendOp, error: PulsarError): void {
    for (const cb of op.callbacks) {
      cb.reject(error);
      this.#producerMetrics.sendFailed(error.code);
    }
    this.#opDone(op, op.callbacks.length);
  }

  #opDone(op: SendOp, messages: number): void {
    this.#pendingCount -= messages;
    this.#producerMetrics.pendingChanged(-messages);
    if (op.flushWaiters !== undefined) for (const w of op.flushWaiters) w();
  }

  /** Rejects a message that was counted as pending but never reached an op. */
  #settleFailed(callback: SendCallback, error: PulsarError): void {
    callback.reject(error);
    this.#producerMetrics.sendFailed(error.code);
    this.#pendingCount--;
    this.#producerMetrics.pendingChanged(-1);
  }

  /** Fails everything pending and batched with `error`. */
  #failAll(error: PulsarError): void {
    for (const item of this.#batch.take()) this.#settleFailed(item.callback, error);
    if (this.#batchTimer !== undefined) this.#clock.clearTimeout(this.#batchTimer);
    this.#batchTimer = undefined;
    for (const op of this.#pending.drain()) this.#settleOpFailed(op, error);
  }

  /** Final state: fails everything with `error`, drops timers and the connection. */
  #terminate(error: PulsarError): void {
    if (this.#state === PartitionProducerState.Closed) return;
    this.#terminalError ??= error;
    this.#cancelReconnect();
    if (this.#timeoutTimer !== undefined) this.#clock.clearTimeout(this.#timeoutTimer);
    this.#timeoutTimer = undefined;
    const conn = this.#connection;
    if (conn !== undefined && this.#listener !== undefined) {
      conn.unregisterProducer(this.producerId, this.#listener);
    }
    this.#connection = undefined;
    this.#listener = undefined;
    this.#transition(PartitionProducerState.Closed);
    this.#failAll(error);
  }

  #rejectEarly(error: PulsarError): Promise<MessageId> {
    this.#producerMetrics.sendFailed(error.code);
    return Promise.reject(error);
  }

  #closedError(): PulsarError {
    if (this.#terminalError !== undefined && this.#terminalError.code !== 'PULSAR_ERR_CLOSED') {
      return this.#terminalError;
    }
    return new PulsarError('PULSAR_ERR_CLOSED', 'producer is closed');
  }

  #isClosingOrClosed(): boolean {
    return (
      this.#state === PartitionProducerState.Closing ||
      this.#state === PartitionProducerState.Closed
    );
  }

  #transition(to: PartitionProducerStateValue): void {
    if (this.#state === to) return;
    checkTransition(TRANSITIONS, this.#state, to, 'producer');
    this.#log.debug({ from: this.#state, to }, 'producer state');
    this.#state = to;
  }
}

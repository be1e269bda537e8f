import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import {
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
  type TimerHandle,
} from '../../shared/index.ts';
import { PulsarError, toPulsarError } from '../errors.ts';
import { checkTransition, type TransitionTable } from '../state-transition.ts';
import { noopPulsarMetrics, type PulsarMetrics } from '../metrics.ts';
import type {
  BaseCommand,
  BrokerEntryMetadata,
  CommandActiveConsumerChange,
  CommandCloseConsumer,
  CommandCloseProducer,
  CommandConnected,
  CommandMessage,
  CommandReachedEndOfTopic,
  CommandSendError,
  CommandSendReceipt,
  CommandTopicMigrated,
  MessageMetadata,
} from '../protocol/command-types.ts';
import {
  authResponseCommand,
  commandRequestId,
  connectCommand,
  pingCommand,
  pongCommand,
  type ForwardedIdentity,
} from '../protocol/commands.ts';
import {
  CommandType,
  DEFAULT_MAX_MESSAGE_SIZE,
  FRAME_HEADROOM,
  LookupType,
  PartitionedMetadataResult,
  TopicMigratedResourceType,
  commandTypeName,
} from '../protocol/constants.ts';
import {
  FrameDecoder,
  encodeCommandFrame,
  encodePayloadFrame,
  type Frame,
} from '../protocol/frame-codec.ts';
import { brokerEntryMetadataCodec, messageMetadataCodec } from '../protocol/proto.ts';
import { fromServerError } from '../protocol/server-error.ts';
import { noAuth, type AuthProvider } from './auth.ts';
import { parseBrokerUrl, type BrokerAddress } from './service-url.ts';

/** Client version string sent in CONNECT and AUTH_RESPONSE. */
export const CLIENT_VERSION = 'pulsar-websocket-operator-ts/0.1.0';

/**
 * Connection states. Transitions only go forward:
 * idle → connecting (socket) → handshaking (CONNECT sent) → ready (CONNECTED) → closed;
 * any state may go straight to closed.
 */
export const ConnectionState = {
  Idle: 'idle',
  Connecting: 'connecting',
  Handshaking: 'handshaking',
  Ready: 'ready',
  Closed: 'closed',
} as const;
export type ConnectionStateValue = (typeof ConnectionState)[keyof typeof ConnectionState];

const TRANSITIONS: TransitionTable<ConnectionStateValue> = {
  idle: ['connecting', 'closed'],
  connecting: ['handshaking', 'closed'],
  handshaking: ['ready', 'closed'],
  ready: ['closed'],
  closed: [],
};

/** TLS settings for `pulsar+ssl://` addresses. */
export interface TlsOptions {
  /** PEM file of CAs to trust instead of Node's default store. */
  trustCertsFilePath?: string;
  /** PEM CAs given inline (alternative to trustCertsFilePath). */
  trustCerts?: string | Buffer;
  /** Accept any server certificate (development only). Default false. */
  allowInsecureConnection?: boolean;
  /** Check that the certificate matches the host name. Default true. */
  validateHostname?: boolean;
  /** Client certificate and key (PEM files) for `tls` authentication. */
  certFilePath?: string;
  keyFilePath?: string;
}

/** Receives the broker's messages for one producer id on a connection. */
export interface ProducerListener {
  onSendReceipt(receipt: CommandSendReceipt): void;
  onSendError(error: CommandSendError): void;
  /**
   * The broker closed the producer (topic unload, load shedding) but kept the connection. The
   * listener is already unregistered; re-lookup and recreate (§1.5). `assignedBrokerServiceUrl`
   * may name the new owner.
   */
  onCloseProducer(command: CommandCloseProducer): void;
  /** Blue-green migration (§1.5): reconnect to the new cluster URL. Listener already removed. */
  onTopicMigrated(command: CommandTopicMigrated): void;
  /** The connection closed; the error is a retryable PULSAR_ERR_CONNECTION_CLOSED. */
  onConnectionClosed(error: PulsarError): void;
}

/** One MESSAGE frame as handed to a consumer. */
export interface IncomingMessage {
  command: CommandMessage;
  /** Decoded metadata; undefined when `error` is set. */
  metadata?: MessageMetadata;
  /** The entry's payload, still compressed and/or batched. */
  payload: Buffer;
  brokerEntryMetadata?: BrokerEntryMetadata;
  /**
   * Set when the entry cannot be delivered: PULSAR_ERR_CHECKSUM (CRC mismatch) or
   * PULSAR_ERR_PROTOCOL (metadata undecodable). The consumer should ack it with the matching
   * validation_error and drop it (§1.2), as the Java client does.
   */
  error?: PulsarError;
}

/** Receives the broker's messages for one consumer id on a connection. */
export interface ConsumerListener {
  onMessage(message: IncomingMessage): void;
  /** See {@link ProducerListener.onCloseProducer}; the listener is already unregistered. */
  onCloseConsumer(command: CommandCloseConsumer): void;
  onReachedEndOfTopic(command: CommandReachedEndOfTopic): void;
  onActiveConsumerChange(command: CommandActiveConsumerChange): void;
  /** Blue-green migration (§1.5). Listener already removed. */
  onTopicMigrated(command: CommandTopicMigrated): void;
  /** The connection closed; the error is a retryable PULSAR_ERR_CONNECTION_CLOSED. */
  onConnectionClosed(error: PulsarError): void;
}

/** Options of {@link Connection}. */
export interface ConnectionOptions {
  /** URL of the broker that owns the topics served here (`pulsar[+ssl]://host:port`). */
  logicalAddress: string;
  /**
   * URL the socket actually connects to. Differs from the logical address only when going through
   * a Pulsar proxy; CONNECT then carries proxy_to_broker_url (§1.5 step 3). Default: logical.
   */
  physicalAddress?: string;
  /** Default: no authentication. */
  auth?: AuthProvider;
  /** Identity forwarded as original_principal / original_auth_* (§1.12). */
  identity?: ForwardedIdentity;
  tls?: TlsOptions;
  /** Default {@link CLIENT_VERSION}. */
  clientVersion?: string;
  /** Budget for socket connect + TLS + CONNECT/CONNECTED, in ms. Default 10 000. */
  connectionTimeoutMs?: number;
  /** Default per-request timeout in ms. Default 30 000. */
  operationTimeoutMs?: number;
  /**
   * Interval of our PINGs in ms; a connection with no inbound data for two intervals is declared
   * dead (the Go client's rule, §1.4). Default 30 000; 0 disables.
   */
  keepAliveIntervalMs?: number;
  clock?: Clock;
  logger?: Logger;
  metrics?: PulsarMetrics;
}

/** Options of {@link Connection.sendRequest}. */
export interface RequestOptions {
  /** Overrides the connection's operation timeout, in ms. */
  timeoutMs?: number;
  /**
   * Called for a PRODUCER_SUCCESS with producer_ready = false: the producer waits for exclusive
   * access, no timeout applies, and the promise settles on the second PRODUCER_SUCCESS (§1.6).
   */
  onProducerWaiting?: (response: BaseCommand) => void;
}

interface PendingRequest {
  type: number;
  resolve: (response: BaseCommand) => void;
  reject: (error: PulsarError) => void;
  timer: TimerHandle | undefined;
  onProducerWaiting: ((response: BaseCommand) => void) | undefined;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Response commands matched to pending requests by request_id (§1.3). */
const RESPONSE_TYPES: ReadonlySet<number> = new Set([
  CommandType.SUCCESS,
  CommandType.ERROR,
  CommandType.PRODUCER_SUCCESS,
  CommandType.LOOKUP_RESPONSE,
  CommandType.PARTITIONED_METADATA_RESPONSE,
  CommandType.GET_LAST_MESSAGE_ID_RESPONSE,
  CommandType.GET_TOPICS_OF_NAMESPACE_RESPONSE,
  CommandType.ACK_RESPONSE,
]);

let nextConnectionId = 1;

/**
 * One TCP or TLS socket to a broker (docs/pulsar-binary-protocol.md §1.4, §2.2; pulsar-client-go
 * `connection.go`): the CONNECT handshake with auth and AUTH_CHALLENGE answers, request-id
 * correlation with per-request timeouts, PING/PONG keep-alive with dead-peer detection, and
 * dispatch of broker pushes to producer/consumer listeners registered by id.
 *
 * Failure contract: when the connection closes for any reason, every pending request is rejected
 * with a retryable PULSAR_ERR_CONNECTION_CLOSED and every listener gets `onConnectionClosed`.
 * Nothing the broker sends can throw out of the socket handlers: malformed input closes this
 * connection with a typed error.
 */
export class Connection {
  /** Process-unique id, for logs. */
  readonly id: number;
  readonly logicalAddress: BrokerAddress;
  readonly physicalAddress: BrokerAddress;

  #state: ConnectionStateValue = ConnectionState.Idle;
  #socket: net.Socket | undefined;
  /** True while {@link #write} holds the socket corked until the next tick. */
  #corked = false;
  #decoder = new FrameDecoder();
  #options: ConnectionOptions;
  #auth: AuthProvider;
  #clock: Clock;
  #log: Logger;
  #metrics: PulsarMetrics;
  #clientVersion: string;
  #operationTimeoutMs: number;
  #keepAliveIntervalMs: number;

  #handshake: Deferred<undefined> | undefined;
  #connectTimer: TimerHandle | undefined;
  #keepAliveTimer: TimerHandle | undefined;
  #lastDataReceived = 0;
  #closeError: PulsarError | undefined;
  #closed = deferred<undefined>();

  #nextRequestId = 0n;
  #pending = new Map<bigint, PendingRequest>();
  #producers = new Map<bigint, ProducerListener>();
  #consumers = new Map<bigint, ConsumerListener>();
  #closeListeners = new Set<(error: PulsarError) => void>();
  #drainWaiters: Deferred<undefined>[] = [];

  #serverVersion = '';
  #protocolVersion = 0;
  #maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;

  constructor(options: ConnectionOptions) {
    this.id = nextConnectionId++;
    this.#options = options;
    this.logicalAddress = parseBrokerUrl(options.logicalAddress);
    this.physicalAddress = parseBrokerUrl(options.physicalAddress ?? options.logicalAddress);
    this.#auth = options.auth ?? noAuth;
    this.#clock = options.clock ?? systemClock;
    this.#metrics = options.metrics ?? noopPulsarMetrics;
    this.#clientVersion = options.clientVersion ?? CLIENT_VERSION;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#keepAliveIntervalMs = options.keepAliveIntervalMs ?? 30_000;
    this.#log = (options.logger ?? silentLogger).child({
      component: 'pulsar-connection',
      connId: this.id,
      broker: this.logicalAddress.url,
      ...(this.physicalAddress.url === this.logicalAddress.url
        ? {}
        : { via: this.physicalAddress.url }),
    });
  }

  /** Current state. */
  get state(): ConnectionStateValue {
    return this.#state;
  }

  /** True once CONNECTED arrived and until the connection closes. */
  get isReady(): boolean {
    return this.#state === ConnectionState.Ready;
  }

  /** Broker's server_version from CONNECTED. */
  get serverVersion(): string {
    return this.#serverVersion;
  }

  /** Negotiated protocol version (min of ours and the broker's). */
  get protocolVersion(): number {
    return this.#protocolVersion;
  }

  /** Largest message the broker accepts, in bytes (CONNECTED.max_message_size, default 5 MiB). */
  get maxMessageSize(): number {
    return this.#maxMessageSize;
  }

  /** False while the socket's write buffer is above its high-water mark (wait for `send`). */
  get writable(): boolean {
    return this.isReady && this.#socket?.writableNeedDrain === false;
  }

  /** Why the connection closed, once it has. */
  get closeError(): PulsarError | undefined {
    return this.#closeError;
  }

  /** Resolves when the connection has closed and its socket is gone. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /**
   * Opens the socket and performs the handshake. Idempotent: concurrent calls share one attempt.
   * Rejects with PULSAR_ERR_CONNECT_FAILED, PULSAR_ERR_TIMEOUT, the broker's mapped error (e.g.
   * PULSAR_ERR_AUTHENTICATION) or PULSAR_ERR_CONNECTION_CLOSED; the connection is then closed.
   */
  connect(): Promise<void> {
    if (this.#handshake !== undefined) return this.#handshake.promise;
    this.#handshake = deferred<undefined>();
    if (this.#state !== ConnectionState.Idle) {
      this.#handshake.reject(
        this.#closeError ?? new PulsarError('PULSAR_ERR_CLOSED', 'connection already closed'),
      );
      return this.#handshake.promise;
    }
    this.#transition(ConnectionState.Connecting);
    this.#connectTimer = this.#clock.setTimeout(() => {
      this.#close(
        new PulsarError(
          'PULSAR_ERR_TIMEOUT',
          `connecting to ${this.physicalAddress.url} timed out after ${this.#connectionTimeoutMs}ms`,
        ),
      );
    }, this.#connectionTimeoutMs);
    this.#openSocket().catch((err: unknown) => {
      this.#close(toPulsarError(err, 'PULSAR_ERR_CONNECT_FAILED', 'connect failed'));
    });
    return this.#handshake.promise;
  }

  /** A fresh request id, unique on this connection (§1.3). */
  newRequestId(): bigint {
    return this.#nextRequestId++;
  }

  /**
   * Sends a command carrying a request_id and resolves with the matching response (SUCCESS,
   * PRODUCER_SUCCESS, LOOKUP_RESPONSE, …). Rejects with the broker's mapped error for ERROR and
   * for failed LOOKUP/PARTITIONED_METADATA/ACK responses, with PULSAR_ERR_TIMEOUT after the
   * timeout, and with PULSAR_ERR_CONNECTION_CLOSED if the connection closes first.
   */
  sendRequest(command: BaseCommand, options: RequestOptions = {}): Promise<BaseCommand> {
    const requestId = commandRequestId(command);
    if (requestId === undefined) {
      return Promise.reject(
        new PulsarError(
          'PULSAR_ERR_INVALID_ARGUMENT',
          `${commandTypeName(command.type)} carries no request_id`,
        ),
      );
    }
    if (!this.isReady) return Promise.reject(this.#notConnected());
    if (this.#pending.has(requestId)) {
      return Promise.reject(
        new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `request id ${requestId} already pending`),
      );
    }
    const { promise, resolve, reject } = deferred<BaseCommand>();
    const timeoutMs = options.timeoutMs ?? this.#operationTimeoutMs;
    const pending: PendingRequest = {
      type: command.type,
      resolve,
      reject,
      timer: undefined,
      onProducerWaiting: options.onProducerWaiting,
    };
    pending.timer = this.#clock.setTimeout(() => {
      if (this.#pending.get(requestId) !== pending) return;
      this.#pending.delete(requestId);
      reject(
        new PulsarError(
          'PULSAR_ERR_TIMEOUT',
          `${commandTypeName(command.type)} request ${requestId} timed out after ${timeoutMs}ms`,
        ),
      );
    }, timeoutMs);
    this.#pending.set(requestId, pending);
    this.#write(encodeCommandFrame(command));
    return promise;
  }

  /**
   * Writes an encoded frame. Resolves at once while the socket buffer has room, otherwise when it
   * drains, so callers that await it get backpressure. Rejects with PULSAR_ERR_NOT_CONNECTED before
   * the handshake and PULSAR_ERR_CONNECTION_CLOSED if the connection closes while waiting.
   */
  send(frame: Uint8Array): Promise<void> {
    if (!this.isReady) return Promise.reject(this.#notConnected());
    if (this.#write(frame)) return Promise.resolve();
    const waiter = deferred<undefined>();
    this.#drainWaiters.push(waiter);
    return waiter.promise;
  }

  /** Encodes and sends a command without a response (FLOW, ACK, REDELIVER, …); see {@link send}. */
  sendCommand(command: BaseCommand): Promise<void> {
    return this.send(encodeCommandFrame(command));
  }

  /** Encodes and sends a payload command (SEND); see {@link send} and {@link encodePayloadFrame}. */
  sendPayloadCommand(
    command: BaseCommand,
    metadata: MessageMetadata | Uint8Array,
    payload: Uint8Array,
  ): Promise<void> {
    return this.send(encodePayloadFrame(command, metadata, payload));
  }

  /**
   * Routes SEND_RECEIPT, SEND_ERROR, CLOSE_PRODUCER and TOPIC_MIGRATED for `producerId` to
   * `listener`. Throws PULSAR_ERR_NOT_CONNECTED on a closed connection.
   */
  registerProducer(producerId: bigint, listener: ProducerListener): void {
    if (this.#state === ConnectionState.Closed) throw this.#notConnected();
    this.#producers.set(producerId, listener);
  }

  /** Stops routing to a producer listener (no-op when absent). */
  unregisterProducer(producerId: bigint, listener?: ProducerListener): void {
    if (listener === undefined || this.#producers.get(producerId) === listener) {
      this.#producers.delete(producerId);
    }
  }

  /**
   * Routes MESSAGE, CLOSE_CONSUMER, REACHED_END_OF_TOPIC, ACTIVE_CONSUMER_CHANGE and
   * TOPIC_MIGRATED for `consumerId` to `listener`. Throws PULSAR_ERR_NOT_CONNECTED when closed.
   */
  registerConsumer(consumerId: bigint, listener: ConsumerListener): void {
    if (this.#state === ConnectionState.Closed) throw this.#notConnected();
    this.#consumers.set(consumerId, listener);
  }

  /** Stops routing to a consumer listener (no-op when absent). */
  unregisterConsumer(consumerId: bigint, listener?: ConsumerListener): void {
    if (listener === undefined || this.#consumers.get(consumerId) === listener) {
      this.#consumers.delete(consumerId);
    }
  }

  /** Calls `listener` once when the connection closes; returns an unsubscribe function. */
  onClose(listener: (error: PulsarError) => void): () => void {
    if (this.#state === ConnectionState.Closed) {
      listener(this.#closeError!);
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => {
      this.#closeListeners.delete(listener);
    };
  }

  /** Number of requests awaiting a response (for tests and diagnostics). */
  get pendingRequests(): number {
    return this.#pending.size;
  }

  /** Closes the connection; resolves once the socket is gone. Idempotent. */
  close(): Promise<void> {
    this.#close(new PulsarError('PULSAR_ERR_CONNECTION_CLOSED', 'connection closed by client'));
    return this.#closed.promise;
  }

  get #connectionTimeoutMs(): number {
    return this.#options.connectionTimeoutMs ?? 10_000;
  }

  #transition(to: ConnectionStateValue): void {
    checkTransition(TRANSITIONS, this.#state, to, 'connection');
    this.#log.debug({ from: this.#state, to }, 'connection state');
    this.#state = to;
  }

  /** State check that TypeScript does not narrow across awaits. */
  #stateIs(state: ConnectionStateValue): boolean {
    return this.#state === state;
  }

  #notConnected(): PulsarError {
    return new PulsarError(
      'PULSAR_ERR_NOT_CONNECTED',
      `connection to ${this.logicalAddress.url} is ${this.#state}`,
      { cause: this.#closeError },
    );
  }

  async #openSocket(): Promise<void> {
    const target = this.physicalAddress;
    const socket = target.tls
      ? tls.connect(await this.#tlsConnectOptions(target))
      : net.connect({ host: target.host, port: target.port });
    if (this.#state !== ConnectionState.Connecting) {
      // Closed (timeout or close()) while reading TLS files.
      socket.destroy();
      return;
    }
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#onData(chunk);
    });
    socket.on('drain', () => {
      this.#onDrain();
    });
    socket.on('error', (err: Error) => {
      const code =
        this.#state === ConnectionState.Connecting
          ? 'PULSAR_ERR_CONNECT_FAILED'
          : 'PULSAR_ERR_CONNECTION_CLOSED';
      this.#close(new PulsarError(code, `socket error: ${err.message}`, { cause: err }));
    });
    socket.on('close', () => {
      this.#close(new PulsarError('PULSAR_ERR_CONNECTION_CLOSED', 'connection closed by broker'));
      this.#closed.resolve(undefined);
    });
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      this.#startHandshake().catch((err: unknown) => {
        this.#close(toPulsarError(err, 'PULSAR_ERR_AUTHENTICATION', 'handshake failed'));
      });
    });
  }

  async #tlsConnectOptions(target: BrokerAddress): Promise<tls.ConnectionOptions> {
    const opts = this.#options.tls ?? {};
    const read = async (path: string, what: string): Promise<Buffer> => {
      try {
        return await readFile(path);
      } catch (err) {
        throw new PulsarError('PULSAR_ERR_TLS_CONFIG', `cannot read TLS ${what} ${path}`, {
          cause: err,
        });
      }
    };
    const result: tls.ConnectionOptions = {
      host: target.host,
      port: target.port,
      rejectUnauthorized: opts.allowInsecureConnection !== true,
    };
    // SNI must not be an IP address (RFC 6066 §3).
    if (net.isIP(target.host) === 0) result.servername = target.host;
    if (opts.trustCertsFilePath !== undefined) {
      result.ca = await read(opts.trustCertsFilePath, 'trust certificates');
    } else if (opts.trustCerts !== undefined) {
      result.ca = opts.trustCerts;
    }
    if (opts.certFilePath !== undefined) result.cert = await read(opts.certFilePath, 'certificate');
    if (opts.keyFilePath !== undefined) result.key = await read(opts.keyFilePath, 'key');
    if (opts.validateHostname === false) result.checkServerIdentity = () => undefined;
    return result;
  }

  async #startHandshake(): Promise<void> {
    if (this.#state !== ConnectionState.Connecting) return;
    this.#transition(ConnectionState.Handshaking);
    this.#lastDataReceived = this.#clock.monotonic();
    const authData = await this.#authData();
    // close() or the connect timeout may have run while the auth provider was busy.
    if (this.#stateIs(ConnectionState.Closed)) return;
    const viaProxy = this.physicalAddress.url !== this.logicalAddress.url;
    const connect = connectCommand({
      clientVersion: this.#clientVersion,
      authMethodName: this.#auth.authMethodName,
      authData,
      ...(viaProxy ? { proxyToBrokerUrl: this.logicalAddress.hostPort } : {}),
      ...(this.#options.identity === undefined ? {} : { identity: this.#options.identity }),
    });
    this.#write(encodeCommandFrame(connect));
  }

  async #authData(challenge?: { authMethodName: string; data: Uint8Array }): Promise<Uint8Array> {
    try {
      return await this.#auth.getAuthData(challenge);
    } catch (err) {
      throw toPulsarError(err, 'PULSAR_ERR_AUTHENTICATION', 'auth provider failed');
    }
  }

  /**
   * Writes bytes if the socket is open; returns false when the caller should wait for drain.
   * Frames written in one tick leave in one `writev` (the socket is corked until the next tick):
   * a burst of sends or acks costs one system call rather than one per frame, which was the
   * largest item of a gateway's CPU profile under publish load (BENCHMARKS.md).
   */
  #write(bytes: Uint8Array): boolean {
    const socket = this.#socket;
    if (socket === undefined || socket.destroyed) return true;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    return socket.write(bytes);
  }

  #onDrain(): void {
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w.resolve(undefined);
  }

  #onData(chunk: Buffer): void {
    this.#lastDataReceived = this.#clock.monotonic();
    const { frames, error } = this.#decoder.push(chunk);
    for (const frame of frames) {
      if (this.#state === ConnectionState.Closed) return;
      try {
        this.#handleFrame(frame);
      } catch (err) {
        // A bug in our own dispatch must not take the process down; the stream itself is intact.
        this.#log.error({ err, type: commandTypeName(frame.command.type) }, 'frame handler failed');
      }
    }
    if (error !== undefined) {
      this.#log.warn({ err: error }, 'corrupt stream from broker, closing connection');
      this.#close(error);
    }
  }

  #handleFrame(frame: Frame): void {
    const cmd = frame.command;
    if (RESPONSE_TYPES.has(cmd.type)) {
      this.#onResponse(cmd);
      return;
    }
    switch (cmd.type) {
      case CommandType.CONNECTED:
        this.#onConnected(cmd.connected);
        return;
      case CommandType.AUTH_CHALLENGE:
        this.#onAuthChallenge(cmd);
        return;
      case CommandType.PING:
        this.#write(encodeCommandFrame(pongCommand()));
        return;
      case CommandType.PONG:
        return;
      case CommandType.MESSAGE:
        this.#onMessage(frame);
        return;
      default:
        this.#dispatchToListener(cmd);
    }
  }

  #onConnected(connected: CommandConnected | undefined): void {
    if (this.#state !== ConnectionState.Handshaking || connected === undefined) {
      this.#close(new PulsarError('PULSAR_ERR_PROTOCOL', `unexpected CONNECTED in ${this.#state}`));
      return;
    }
    this.#serverVersion = connected.serverVersion;
    this.#protocolVersion = connected.protocolVersion ?? 0;
    if (connected.maxMessageSize !== undefined && connected.maxMessageSize > 0) {
      this.#maxMessageSize = connected.maxMessageSize;
    }
    this.#decoder.maxFrameSize = this.#maxMessageSize + FRAME_HEADROOM;
    if (this.#connectTimer !== undefined) this.#clock.clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    this.#transition(ConnectionState.Ready);
    this.#metrics.connectionAttempt('success');
    this.#metrics.connectionOpened();
    this.#startKeepAlive();
    this.#log.info(
      { serverVersion: this.#serverVersion, protocolVersion: this.#protocolVersion },
      'connected to broker',
    );
    this.#handshake?.resolve(undefined);
  }

  #onAuthChallenge(cmd: BaseCommand): void {
    const challenge = cmd.authChallenge?.challenge;
    const request = {
      authMethodName: challenge?.authMethodName ?? '',
      data: challenge?.authData ?? new Uint8Array(0),
    };
    this.#log.debug({ method: request.authMethodName }, 'auth challenge');
    this.#authData(request)
      .then((data) => {
        if (this.#state === ConnectionState.Closed) return;
        this.#write(
          encodeCommandFrame(
            authResponseCommand(this.#clientVersion, {
              authMethodName: this.#auth.authMethodName,
              authData: data,
            }),
          ),
        );
      })
      .catch((err: unknown) => {
        this.#close(toPulsarError(err, 'PULSAR_ERR_AUTHENTICATION', 'auth challenge failed'));
      });
  }

  #onResponse(cmd: BaseCommand): void {
    if (cmd.type === CommandType.ERROR && this.#state === ConnectionState.Handshaking) {
      // The broker answers a rejected CONNECT with ERROR and hangs up (§1.4).
      this.#close(fromServerError(cmd.error?.error ?? 0, cmd.error?.message));
      return;
    }
    const requestId = commandRequestId(cmd);
    const pending = requestId === undefined ? undefined : this.#pending.get(requestId);
    if (requestId === undefined || pending === undefined) {
      this.#log.debug(
        { type: commandTypeName(cmd.type), requestId: requestId?.toString() },
        'response for no pending request (timed out?)',
      );
      return;
    }
    if (cmd.producerSuccess?.producerReady === false) {
      if (pending.timer !== undefined) this.#clock.clearTimeout(pending.timer);
      pending.timer = undefined;
      pending.onProducerWaiting?.(cmd);
      return;
    }
    this.#pending.delete(requestId);
    if (pending.timer !== undefined) this.#clock.clearTimeout(pending.timer);
    const error = responseError(cmd);
    if (error === undefined) pending.resolve(cmd);
    else pending.reject(error);
  }

  #onMessage(frame: Frame): void {
    const command = frame.command.message;
    if (command === undefined) return;
    const listener = this.#consumers.get(command.consumerId);
    if (listener === undefined) {
      this.#log.debug(
        { consumerId: command.consumerId.toString() },
        'MESSAGE for unknown consumer',
      );
      return;
    }
    const section = frame.payload;
    const message: IncomingMessage = { command, payload: section?.data ?? Buffer.alloc(0) };
    if (section === undefined) {
      message.error = new PulsarError('PULSAR_ERR_PROTOCOL', 'MESSAGE without payload section');
    } else if (section.checksum === 'invalid') {
      message.error = new PulsarError('PULSAR_ERR_CHECKSUM', 'message checksum mismatch');
    } else {
      try {
        message.metadata = messageMetadataCodec.decode(section.metadata);
        if (section.brokerEntryMetadata !== undefined) {
          message.brokerEntryMetadata = brokerEntryMetadataCodec.decode(
            section.brokerEntryMetadata,
          );
        }
      } catch (err) {
        message.error = toPulsarError(err, 'PULSAR_ERR_PROTOCOL', 'bad message metadata');
      }
    }
    this.#safely('onMessage', () => {
      listener.onMessage(message);
    });
  }

  #dispatchToListener(cmd: BaseCommand): void {
    if (cmd.sendReceipt !== undefined) {
      const l = this.#producers.get(cmd.sendReceipt.producerId);
      const receipt = cmd.sendReceipt;
      if (l !== undefined)
        this.#safely('onSendReceipt', () => {
          l.onSendReceipt(receipt);
        });
    } else if (cmd.sendError !== undefined) {
      const l = this.#producers.get(cmd.sendError.producerId);
      const sendError = cmd.sendError;
      if (l !== undefined)
        this.#safely('onSendError', () => {
          l.onSendError(sendError);
        });
    } else if (cmd.closeProducer !== undefined) {
      const close = cmd.closeProducer;
      const l = this.#producers.get(close.producerId);
      this.#producers.delete(close.producerId);
      if (l !== undefined)
        this.#safely('onCloseProducer', () => {
          l.onCloseProducer(close);
        });
    } else if (cmd.closeConsumer !== undefined) {
      const close = cmd.closeConsumer;
      const l = this.#consumers.get(close.consumerId);
      this.#consumers.delete(close.consumerId);
      if (l !== undefined)
        this.#safely('onCloseConsumer', () => {
          l.onCloseConsumer(close);
        });
    } else if (cmd.reachedEndOfTopic !== undefined) {
      const end = cmd.reachedEndOfTopic;
      const l = this.#consumers.get(end.consumerId);
      if (l !== undefined)
        this.#safely('onReachedEndOfTopic', () => {
          l.onReachedEndOfTopic(end);
        });
    } else if (cmd.activeConsumerChange !== undefined) {
      const change = cmd.activeConsumerChange;
      const l = this.#consumers.get(change.consumerId);
      if (l !== undefined) {
        this.#safely('onActiveConsumerChange', () => {
          l.onActiveConsumerChange(change);
        });
      }
    } else if (cmd.topicMigrated !== undefined) {
      this.#onTopicMigrated(cmd.topicMigrated);
    } else {
      // §5.2 item 1 / §5.4 item 4: unknown or unexpected commands are logged and ignored.
      this.#log.debug({ type: commandTypeName(cmd.type) }, 'ignoring command');
    }
  }

  #onTopicMigrated(cmd: CommandTopicMigrated): void {
    if (cmd.resourceType === TopicMigratedResourceType.Producer) {
      const l = this.#producers.get(cmd.resourceId);
      this.#producers.delete(cmd.resourceId);
      if (l !== undefined)
        this.#safely('onTopicMigrated', () => {
          l.onTopicMigrated(cmd);
        });
    } else {
      const l = this.#consumers.get(cmd.resourceId);
      this.#consumers.delete(cmd.resourceId);
      if (l !== undefined)
        this.#safely('onTopicMigrated', () => {
          l.onTopicMigrated(cmd);
        });
    }
  }

  /** Runs listener code so that its exceptions are logged, never thrown into the socket. */
  #safely(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.#log.error({ err, listener: what }, 'listener threw');
    }
  }

  #startKeepAlive(): void {
    const interval = this.#keepAliveIntervalMs;
    if (interval <= 0) return;
    this.#keepAliveTimer = this.#clock.setInterval(() => {
      if (this.#clock.monotonic() - this.#lastDataReceived >= 2 * interval) {
        this.#close(
          new PulsarError(
            'PULSAR_ERR_CONNECTION_CLOSED',
            `no data from broker for ${2 * interval}ms, connection presumed dead`,
          ),
        );
        return;
      }
      this.#write(encodeCommandFrame(pingCommand()));
    }, interval);
    this.#keepAliveTimer.unref();
  }

  /** Moves to closed exactly once and fails everything that depended on this connection. */
  #close(reason: PulsarError): void {
    if (this.#state === ConnectionState.Closed) return;
    const wasReady = this.#state === ConnectionState.Ready;
    const wasConnecting = !wasReady && this.#state !== ConnectionState.Idle;
    this.#transition(ConnectionState.Closed);
    this.#closeError = reason;
    if (this.#connectTimer !== undefined) this.#clock.clearTimeout(this.#connectTimer);
    if (this.#keepAliveTimer !== undefined) this.#clock.clearInterval(this.#keepAliveTimer);
    this.#connectTimer = undefined;
    this.#keepAliveTimer = undefined;
    if (this.#socket === undefined || this.#socket.destroyed) this.#closed.resolve(undefined);
    else this.#socket.destroy();

    if (wasReady) this.#metrics.connectionClosed();
    if (wasConnecting) this.#metrics.connectionAttempt('failure');
    this.#log.info({ reason: reason.message, code: reason.code }, 'connection closed');

    this.#handshake?.reject(reason);
    const closedError =
      reason.code === 'PULSAR_ERR_CONNECTION_CLOSED'
        ? reason
        : new PulsarError('PULSAR_ERR_CONNECTION_CLOSED', `connection closed: ${reason.message}`, {
            cause: reason,
          });
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      if (p.timer !== undefined) this.#clock.clearTimeout(p.timer);
      p.reject(closedError);
    }
    for (const w of this.#drainWaiters.splice(0)) w.reject(closedError);
    const producers = [...this.#producers.values()];
    const consumers = [...this.#consumers.values()];
    this.#producers.clear();
    this.#consumers.clear();
    for (const l of producers)
      this.#safely('onConnectionClosed', () => {
        l.onConnectionClosed(closedError);
      });
    for (const l of consumers)
      this.#safely('onConnectionClosed', () => {
        l.onConnectionClosed(closedError);
      });
    for (const l of [...this.#closeListeners])
      this.#safely('onClose', () => {
        l(closedError);
      });
    this.#closeListeners.clear();
  }
}

/** The error a response carries, if any (ERROR, and failed lookup/metadata/ack responses). */
function responseError(cmd: BaseCommand): PulsarError | undefined {
  if (cmd.error !== undefined) return fromServerError(cmd.error.error, cmd.error.message);
  const lookup = cmd.lookupTopicResponse;
  if (lookup?.response === LookupType.Failed) {
    return lookup.error === undefined
      ? new PulsarError('PULSAR_ERR_LOOKUP_FAILED', lookup.message ?? 'lookup failed')
      : fromServerError(lookup.error, lookup.message);
  }
  const meta = cmd.partitionedMetadataResponse;
  if (meta?.response === PartitionedMetadataResult.Failed) {
    return meta.error === undefined
      ? new PulsarError('PULSAR_ERR_LOOKUP_FAILED', meta.message ?? 'partitioned metadata failed')
      : fromServerError(meta.error, meta.message);
  }
  if (cmd.ackResponse?.error !== undefined) {
    return fromServerError(cmd.ackResponse.error, cmd.ackResponse.message);
  }
  return undefined;
}

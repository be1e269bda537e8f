import type { Registry } from 'prom-client';
import { silentLogger, systemClock, type Clock, type Logger } from '../shared/index.ts';
import type { AuthProvider } from './connection/auth.ts';
import { ConnectionPool } from './connection/connection-pool.ts';
import type { Connection, TlsOptions } from './connection/connection.ts';
import { parseServiceUrl } from './connection/service-url.ts';
import { PulsarError } from './errors.ts';
import {
  LookupService,
  type LookupCallOptions,
  type LookupResult,
} from './lookup/lookup-service.ts';
import { createPulsarMetrics, type PulsarMetrics } from './metrics.ts';
import type { ForwardedIdentity } from './protocol/commands.ts';
import { TopicListMode, type TopicListModeValue } from './protocol/constants.ts';

/** Options of {@link PulsarClient}. */
export interface PulsarClientOptions {
  /** `pulsar://host:6650` or `pulsar+ssl://host:6651`; several hosts may be comma-separated. */
  serviceUrl: string;
  /** Credentials of the client itself (with identity forwarding: the gateway's proxy role). */
  auth?: AuthProvider;
  tls?: TlsOptions;
  /** Timeout of each request and budget of each lookup including retries, in ms. Default 30 000. */
  operationTimeoutMs?: number;
  /** Budget for socket + TLS + handshake, in ms. Default 10 000. */
  connectionTimeoutMs?: number;
  /** Interval of keep-alive PINGs in ms; 0 disables. Default 30 000. */
  keepAliveIntervalMs?: number;
  /** LOOKUP.advertised_listener_name, for brokers with several advertised listeners. */
  advertisedListenerName?: string;
  /** Client version string for CONNECT. */
  clientVersion?: string;
  logger?: Logger;
  /** Registry for the client's metrics (never the global one). Omit for no metrics. */
  registry?: Registry;
  clock?: Clock;
}

/** A ready connection for a topic, with the addresses the lookup resolved. */
export interface TopicConnection extends LookupResult {
  connection: Connection;
}

/**
 * Entry point of the Pulsar client (pulsar-client-go `client_impl`): owns the connection pool and
 * the lookup service, allocates producer and consumer ids, and hands producer/consumer layers a
 * ready {@link Connection} for a topic. Producer and consumer ids come from client-wide counters,
 * so a resource keeps its id when it reconnects to another broker.
 */
export class PulsarClient {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: PulsarMetrics;
  /** Per-request timeout in ms; producer/consumer layers use it for their own requests. */
  readonly operationTimeoutMs: number;
  readonly #pool: ConnectionPool;
  readonly #lookup: LookupService;
  #nextProducerId = 0n;
  #nextConsumerId = 0n;
  #closed = false;

  /** @throws {PulsarError} PULSAR_ERR_INVALID_URL for a bad service URL. */
  constructor(options: PulsarClientOptions) {
    parseServiceUrl(options.serviceUrl);
    this.clock = options.clock ?? systemClock;
    this.logger = (options.logger ?? silentLogger).child({ component: 'pulsar-client' });
    this.metrics = createPulsarMetrics(options.registry);
    this.operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#pool = new ConnectionPool({
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      operationTimeoutMs: this.operationTimeoutMs,
      ...(options.auth === undefined ? {} : { auth: options.auth }),
      ...(options.tls === undefined ? {} : { tls: options.tls }),
      ...(options.connectionTimeoutMs === undefined
        ? {}
        : { connectionTimeoutMs: options.connectionTimeoutMs }),
      ...(options.keepAliveIntervalMs === undefined
        ? {}
        : { keepAliveIntervalMs: options.keepAliveIntervalMs }),
      ...(options.clientVersion === undefined ? {} : { clientVersion: options.clientVersion }),
    });
    this.#lookup = new LookupService({
      serviceUrl: options.serviceUrl,
      connections: this.#pool,
      operationTimeoutMs: this.operationTimeoutMs,
      clock: this.clock,
      logger: this.logger,
      metrics: this.metrics,
      ...(options.advertisedListenerName === undefined
        ? {}
        : { advertisedListenerName: options.advertisedListenerName }),
    });
  }

  /** True after {@link close}. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** A new producer id, unique within this client. */
  newProducerId(): bigint {
    return this.#nextProducerId++;
  }

  /** A new consumer id, unique within this client. */
  newConsumerId(): bigint {
    return this.#nextConsumerId++;
  }

  /** Where `topic` is served (LOOKUP with redirects and retries). */
  lookup(topic: string, options?: LookupCallOptions): Promise<LookupResult> {
    return this.#ifOpen(() => this.#lookup.lookup(topic, options));
  }

  /** Number of partitions of `topic`, 0 when it is not partitioned. */
  getPartitionedTopicMetadata(topic: string, options?: LookupCallOptions): Promise<number> {
    return this.#ifOpen(() => this.#lookup.getPartitionedTopicMetadata(topic, options));
  }

  /** Topics of `namespace` (`tenant/ns`); see {@link LookupService.getTopicsOfNamespace}. */
  getTopicsOfNamespace(
    namespace: string,
    mode: TopicListModeValue = TopicListMode.PERSISTENT,
    topicsPattern?: string,
    options?: LookupCallOptions,
  ): Promise<string[]> {
    return this.#ifOpen(() =>
      this.#lookup.getTopicsOfNamespace(namespace, mode, topicsPattern, options),
    );
  }

  /**
   * Looks `topic` up and returns a ready pooled connection to its broker: what a partition
   * producer or consumer calls on every (re)connect before sending PRODUCER or SUBSCRIBE.
   * Pass a partition's own name (`…-partition-N`) for partitioned topics.
   */
  async getConnection(topic: string, options: LookupCallOptions = {}): Promise<TopicConnection> {
    const found = await this.lookup(topic, options);
    const connection = await this.#pool.getConnection(
      found.logicalAddress,
      found.physicalAddress,
      options.identity,
    );
    return { ...found, connection };
  }

  /**
   * A ready pooled connection to a known broker, skipping the lookup: for the
   * `assignedBrokerServiceUrl` of CLOSE_PRODUCER/CLOSE_CONSUMER and the URL of TOPIC_MIGRATED
   * (§1.5).
   */
  getConnectionTo(
    logicalAddress: string,
    physicalAddress: string = logicalAddress,
    identity?: ForwardedIdentity,
  ): Promise<Connection> {
    return this.#ifOpen(() => this.#pool.getConnection(logicalAddress, physicalAddress, identity));
  }

  /** Closes every connection. Later calls fail with PULSAR_ERR_CLOSED. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#pool.close();
  }

  /** Runs `op` unless the client is closed; never throws synchronously. */
  #ifOpen<T>(op: () => Promise<T>): Promise<T> {
    if (this.#closed) {
      return Promise.reject(new PulsarError('PULSAR_ERR_CLOSED', 'Pulsar client is closed'));
    }
    return op();
  }
}

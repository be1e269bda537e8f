import type { Clock, Logger } from '../../shared/index.ts';
import type { ProducerListener, RequestOptions } from '../connection/connection.ts';
import type { LookupCallOptions } from '../lookup/lookup-service.ts';
import type { PulsarMetrics } from '../metrics.ts';
import type { BaseCommand } from '../protocol/command-types.ts';
import type { ForwardedIdentity } from '../protocol/commands.ts';

/**
 * The slice of a broker {@link import('../connection/connection.ts').Connection} a producer uses.
 * A real Connection satisfies it; tests may substitute their own.
 */
export interface ProducerConnection {
  /** Largest message the broker accepts, in bytes (CONNECTED.max_message_size). */
  readonly maxMessageSize: number;
  /** The broker this connection talks to; `tls` picks the TLS URL of TOPIC_MIGRATED. */
  readonly logicalAddress: { readonly url: string; readonly tls: boolean };
  newRequestId(): bigint;
  sendRequest(command: BaseCommand, options?: RequestOptions): Promise<BaseCommand>;
  /** Writes an encoded frame; resolves once the socket accepted it (backpressure). */
  send(frame: Uint8Array): Promise<void>;
  registerProducer(producerId: bigint, listener: ProducerListener): void;
  unregisterProducer(producerId: bigint, listener?: ProducerListener): void;
  /** Closes the whole connection (the Java client's reaction to a transient SEND_ERROR). */
  close(): Promise<void>;
}

/**
 * Where a partition producer gets its connections: lookup + pool. {@link PulsarClient} satisfies
 * it; unit tests inject a fake.
 */
export interface ProducerConnectionProvider {
  /** Looks `topic` up and returns a ready connection to its owner (§1.5). */
  getConnection(
    topic: string,
    options?: LookupCallOptions,
  ): Promise<{ connection: ProducerConnection }>;
  /**
   * A ready connection to a known broker, skipping the lookup: the `assignedBrokerServiceUrl` of
   * CLOSE_PRODUCER and the URL of TOPIC_MIGRATED (§1.5).
   */
  getConnectionTo(
    logicalAddress: string,
    physicalAddress?: string,
    identity?: ForwardedIdentity,
  ): Promise<ProducerConnection>;
}

/** What the producer façade needs from the client (the PulsarClient satisfies it). */
export interface ProducerClient extends ProducerConnectionProvider {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: PulsarMetrics;
  /** Timeout of each request (PRODUCER, CLOSE_PRODUCER) and budget of the first connect, in ms. */
  readonly operationTimeoutMs: number;
  newProducerId(): bigint;
  /** Number of partitions of `topic`, 0 for a non-partitioned topic (§1.5). */
  getPartitionedTopicMetadata(topic: string, options?: LookupCallOptions): Promise<number>;
}

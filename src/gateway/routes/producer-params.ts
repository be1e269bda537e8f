import { GatewayError } from '../errors.ts';
import { isJavaBlank, parseJavaBoolean } from './java-parse.ts';
import { ParamReader } from './param-readers.ts';
import type { QueryParams } from './query-params.ts';

/** Routing modes (`MessageRoutingMode`); `CustomPartition` is accepted but ignored (§4.1). */
export const ROUTING_MODES = ['SinglePartition', 'RoundRobinPartition', 'CustomPartition'] as const;
/** Compression codecs (`CompressionType`). */
export const COMPRESSION_TYPES = ['NONE', 'LZ4', 'ZLIB', 'ZSTD', 'SNAPPY'] as const;
/** Key hashing schemes (`HashingScheme`). */
export const HASHING_SCHEMES = ['JavaStringHash', 'Murmur3_32Hash'] as const;

/** Producer routing mode the client applies. */
export type RoutingMode = 'SinglePartition' | 'RoundRobinPartition';
/** Compression codec name. */
export type CompressionType = (typeof COMPRESSION_TYPES)[number];
/** Key hashing scheme name. */
export type HashingScheme = (typeof HASHING_SCHEMES)[number];

/** Producer settings the Pulsar client takes, as the reference would configure them (§4.1). */
export interface ProducerOptions {
  /** Name requested by the client; undefined = broker-assigned. Never blank. */
  producerName: string | undefined;
  /** First sequence id; undefined = client default (continues from the broker's last). */
  initialSequenceId: bigint | undefined;
  /** Default `JavaStringHash`. */
  hashingScheme: HashingScheme;
  /** Send timeout in ms, default 30000; 0 = no timeout. */
  sendTimeoutMs: number;
  /** Default false (the reference disables batching, unlike the Java client default). */
  batchingEnabled: boolean;
  /** Default 1000; from the query only when batching is enabled (4.0). */
  batchingMaxMessages: number;
  /** Default 0 = unbounded; from the query only when batching is enabled (4.0). */
  maxPendingMessages: number;
  /** Default 1 ms; from the query only when batching is enabled (4.0). */
  batchingMaxPublishDelayMs: number;
  /** Default `SinglePartition` (the reference's base setting, not the client's RoundRobin). */
  routingMode: RoutingMode;
  /** Default `NONE`. */
  compressionType: CompressionType;
  /** Always false: sends fail with queue-full rather than block the gateway (§4.1). */
  blockIfQueueFull: false;
}

/** Defaults applied before the query (§4.1 base settings plus Java client defaults). */
export const PRODUCER_DEFAULTS: Readonly<ProducerOptions> = Object.freeze({
  producerName: undefined,
  initialSequenceId: undefined,
  hashingScheme: 'JavaStringHash',
  sendTimeoutMs: 30000,
  batchingEnabled: false,
  batchingMaxMessages: 1000,
  maxPendingMessages: 0,
  batchingMaxPublishDelayMs: 1,
  routingMode: 'SinglePartition',
  compressionType: 'NONE',
  blockIfQueueFull: false,
});

/**
 * Builds producer options from the query, in the order and with the messages of the reference's
 * `ProducerHandler.getProducerBuilder` (4.0), so the first failing check is the one reported.
 *
 * @throws GatewayError `GW_ERR_INVALID_PARAM` (400 `Invalid query params: ...`), or
 *   `GW_ERR_NOT_SUPPORTED` (500) for `encryptionKeys`.
 */
export function parseProducerParams(query: QueryParams): ProducerOptions {
  const p = new ParamReader(query);
  const o: ProducerOptions = { ...PRODUCER_DEFAULTS };

  const name = p.get('producerName');
  if (name !== undefined) {
    p.check(!isJavaBlank(name), 'producerName cannot be blank');
    o.producerName = name;
  }
  o.initialSequenceId = p.long('initialSequenceId');
  o.hashingScheme =
    p.enumValue(
      'hashingScheme',
      HASHING_SCHEMES,
      (v) => `No enum constant org.apache.pulsar.client.api.HashingScheme.${v}`,
    ) ?? o.hashingScheme;
  const sendTimeout = p.int('sendTimeoutMillis');
  if (sendTimeout !== undefined) {
    p.check(sendTimeout >= 0, 'sendTimeout needs to be >= 0');
    o.sendTimeoutMs = sendTimeout;
  }

  // 3.3+/4.0: the batching parameters are read only when batchingEnabled=true; otherwise they
  // are ignored entirely, even when malformed.
  if (parseJavaBoolean(p.get('batchingEnabled'))) {
    o.batchingEnabled = true;
    o.batchingMaxMessages = p.int('batchingMaxMessages') ?? o.batchingMaxMessages;
    const maxPending = p.int('maxPendingMessages');
    if (maxPending !== undefined) {
      p.check(maxPending >= 0, 'maxPendingMessages needs to be >= 0');
      o.maxPendingMessages = maxPending;
    }
    const delay = p.int('batchingMaxPublishDelay');
    if (delay !== undefined) {
      p.check(delay >= 1, 'configured value for batch delay must be at least 1ms');
      o.batchingMaxPublishDelayMs = delay;
    }
  }

  const routing = p.enumValue('messageRoutingMode', ROUTING_MODES);
  if (routing !== undefined && routing !== 'CustomPartition') o.routingMode = routing;

  o.compressionType = p.enumValue('compressionType', COMPRESSION_TYPES) ?? o.compressionType;

  if (p.get('encryptionKeys') !== undefined) {
    // The reference without a crypto key reader factory answers 500 (IllegalStateException);
    // client-side encryption (PIP-290) is not implemented here either (docs/compatibility.md).
    throw new GatewayError(
      'GW_ERR_NOT_SUPPORTED',
      'Failed to create producer: encryptionKeys is not supported by this gateway',
    );
  }
  return o;
}

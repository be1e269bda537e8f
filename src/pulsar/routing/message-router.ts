import { systemClock } from '../../shared/index.ts';
import type { Clock } from '../../shared/index.ts';
import { PulsarError } from '../errors.ts';
import { javaStringHash } from './java-string-hash.ts';
import { murmur3_32Hash } from './murmur3-32.ts';

/** Routing modes of a partitioned-topic producer (WS query parameter `messageRoutingMode`). */
export const MESSAGE_ROUTING_MODE = {
  SINGLE_PARTITION: 'SinglePartition',
  ROUND_ROBIN_PARTITION: 'RoundRobinPartition',
} as const;

/** One of the {@link MESSAGE_ROUTING_MODE} values. */
export type MessageRoutingMode = (typeof MESSAGE_ROUTING_MODE)[keyof typeof MESSAGE_ROUTING_MODE];

/** Key hash functions (WS query parameter `hashingScheme`). */
export const HASHING_SCHEME = {
  JAVA_STRING_HASH: 'JavaStringHash',
  MURMUR3_32_HASH: 'Murmur3_32Hash',
} as const;

/** One of the {@link HASHING_SCHEME} values. */
export type HashingScheme = (typeof HASHING_SCHEME)[keyof typeof HASHING_SCHEME];

/** Chooses the partition of each message sent to a partitioned topic. */
export interface MessageRouter {
  /**
   * @param key the message key (`partition_key`); `undefined` when the message
   *   has none. An empty string is a key (Java's `hasKey()` is true for it).
   * @param numPartitions current partition count of the topic, >= 1
   * @returns a partition index in [0, numPartitions)
   */
  choosePartition(key: string | undefined, numPartitions: number): number;
}

/** Options of {@link createMessageRouter}. */
export interface MessageRouterOptions {
  mode: MessageRoutingMode;
  /** Partition count when the producer is created; picks the random start partition. */
  numPartitions: number;
  /** Default `JavaStringHash`, the Java client's default. */
  hashingScheme?: HashingScheme;
  /** Whether the producer batches (RoundRobin only). Default true, as in the Java client. */
  batchingEnabled?: boolean;
  /**
   * RoundRobin with batching: milliseconds spent on one partition before moving
   * to the next. The Java client uses `batchingPartitionSwitchFrequencyByPublishDelay`
   * (default 10) × `batchingMaxPublishDelay` (default 1 ms), so default 10; values
   * below 1 are raised to 1.
   */
  partitionSwitchMs?: number;
  /** Wall-clock source for the RoundRobin time boundary. Default the system clock. */
  clock?: Clock;
  /** Uniform random source in [0, 1) for the start partition. Default `Math.random`. */
  random?: () => number;
}

/**
 * Java's `MathUtils.signSafeMod`: `dividend % divisor`, shifted into
 * [0, divisor) when negative.
 */
export function signSafeMod(dividend: number, divisor: number): number {
  const mod = dividend % divisor;
  return mod < 0 ? mod + divisor : mod;
}

/**
 * Creates a router that makes the same choices as the Java client's
 * `SinglePartitionMessageRouterImpl` / `RoundRobinPartitionMessageRouterImpl`
 * (as set up by `PartitionedProducerImpl`):
 *
 * - A message with a key always goes to `signSafeMod(hash(key), numPartitions)`,
 *   in both modes.
 * - SinglePartition, no key: one partition, chosen uniformly at random when the
 *   router is created, for the producer's whole life.
 * - RoundRobinPartition, no key, batching off: partitions in turn, starting at
 *   a random partition; the counter wraps like a Java `int`.
 * - RoundRobinPartition, no key, batching on: the partition depends on time only,
 *   `signSafeMod(floor(nowMs / partitionSwitchMs) + start, numPartitions)`, so
 *   messages sent within one `partitionSwitchMs` window land in the same
 *   partition and can share a batch. `nowMs` is wall-clock time, as in Java.
 *
 * @throws {PulsarError} `PULSAR_ERR_INVALID_ARGUMENT` on a bad mode, scheme or
 *   partition count.
 */
export function createMessageRouter(options: MessageRouterOptions): MessageRouter {
  checkPartitions(options.numPartitions);
  const hash = hashFunction(options.hashingScheme ?? HASHING_SCHEME.JAVA_STRING_HASH);
  const random = options.random ?? Math.random;
  // ThreadLocalRandom.nextInt(numPartitions) in PartitionedProducerImpl.
  const start = Math.min(Math.floor(random() * options.numPartitions), options.numPartitions - 1);
  switch (options.mode) {
    case MESSAGE_ROUTING_MODE.SINGLE_PARTITION:
      return new SinglePartitionRouter(hash, start);
    case MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION:
      return new RoundRobinPartitionRouter(hash, start, {
        batchingEnabled: options.batchingEnabled ?? true,
        partitionSwitchMs: Math.max(1, Math.floor(options.partitionSwitchMs ?? 10)),
        clock: options.clock ?? systemClock,
      });
    default:
      throw new PulsarError(
        'PULSAR_ERR_INVALID_ARGUMENT',
        `Unknown message routing mode ${JSON.stringify(options.mode)}`,
      );
  }
}

type HashFunction = (key: string) => number;

function hashFunction(scheme: HashingScheme): HashFunction {
  switch (scheme) {
    case HASHING_SCHEME.JAVA_STRING_HASH:
      return javaStringHash;
    case HASHING_SCHEME.MURMUR3_32_HASH:
      return murmur3_32Hash;
    default:
      throw new PulsarError(
        'PULSAR_ERR_INVALID_ARGUMENT',
        `Unknown hashing scheme ${JSON.stringify(scheme)}`,
      );
  }
}

function checkPartitions(numPartitions: number): void {
  if (!Number.isInteger(numPartitions) || numPartitions < 1 || numPartitions > 0x7fffffff) {
    throw new PulsarError(
      'PULSAR_ERR_INVALID_ARGUMENT',
      `Invalid partition count ${numPartitions}`,
    );
  }
}

class SinglePartitionRouter implements MessageRouter {
  readonly #hash: HashFunction;
  readonly #partition: number;

  constructor(hash: HashFunction, partition: number) {
    this.#hash = hash;
    this.#partition = partition;
  }

  choosePartition(key: string | undefined, numPartitions: number): number {
    checkPartitions(numPartitions);
    if (key !== undefined) return signSafeMod(this.#hash(key), numPartitions);
    // Java returns the fixed index as is; partition counts never shrink in Pulsar,
    // so the modulo only guards against a caller passing a smaller count.
    return this.#partition % numPartitions;
  }
}

class RoundRobinPartitionRouter implements MessageRouter {
  readonly #hash: HashFunction;
  readonly #start: number;
  readonly #batchingEnabled: boolean;
  readonly #partitionSwitchMs: number;
  readonly #clock: Clock;
  #next: number;

  constructor(
    hash: HashFunction,
    start: number,
    opts: { batchingEnabled: boolean; partitionSwitchMs: number; clock: Clock },
  ) {
    this.#hash = hash;
    this.#start = start;
    this.#next = start;
    this.#batchingEnabled = opts.batchingEnabled;
    this.#partitionSwitchMs = opts.partitionSwitchMs;
    this.#clock = opts.clock;
  }

  choosePartition(key: string | undefined, numPartitions: number): number {
    checkPartitions(numPartitions);
    if (key !== undefined) return signSafeMod(this.#hash(key), numPartitions);
    if (this.#batchingEnabled) {
      const window = Math.floor(this.#clock.now() / this.#partitionSwitchMs);
      return signSafeMod(window + this.#start, numPartitions);
    }
    const current = this.#next;
    this.#next = (this.#next + 1) | 0; // AtomicInteger.getAndIncrement wraps at 2^31
    return signSafeMod(current, numPartitions);
  }
}

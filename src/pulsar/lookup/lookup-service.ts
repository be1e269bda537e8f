import { silentLogger, sleep, systemClock, type Clock, type Logger } from '../../shared/index.ts';
import { Backoff } from '../backoff.ts';
import { parseBrokerUrl, parseServiceUrl, type BrokerAddress } from '../connection/service-url.ts';
import { PulsarError, toPulsarError } from '../errors.ts';
import { noopPulsarMetrics, type PulsarMetrics } from '../metrics.ts';
import type { BaseCommand, CommandLookupTopicResponse } from '../protocol/command-types.ts';
import {
  getTopicsOfNamespaceCommand,
  lookupCommand,
  partitionedMetadataCommand,
  type ForwardedIdentity,
} from '../protocol/commands.ts';
import { LookupType, TopicListMode, type TopicListModeValue } from '../protocol/constants.ts';
import { TopicName } from '../topic-name.ts';

/** Where a topic is served: connect to `physicalAddress`, naming `logicalAddress` (§1.5). */
export interface LookupResult {
  /** URL of the broker that owns the topic. */
  logicalAddress: string;
  /** URL to open the socket to: the service URL when proxying through it, else the logical one. */
  physicalAddress: string;
}

/** The slice of a connection the lookup service needs (a Connection satisfies it). */
export interface LookupConnection {
  newRequestId(): bigint;
  sendRequest(command: BaseCommand): Promise<BaseCommand>;
}

/** Supplies connections by address (a ConnectionPool satisfies it). */
export interface LookupConnectionProvider {
  getConnection(
    logicalAddress: string,
    physicalAddress: string,
    identity?: ForwardedIdentity,
  ): Promise<LookupConnection>;
}

/** Per-call options of the lookup service. */
export interface LookupCallOptions {
  /** Identity forwarded on the connections used (§1.12). */
  identity?: ForwardedIdentity;
  /** Aborts retries (the in-flight request still runs to its own timeout). */
  signal?: AbortSignal;
}

/** Options of {@link LookupService}. */
export interface LookupServiceOptions {
  /** `pulsar://` or `pulsar+ssl://` service URL, possibly with several hosts. */
  serviceUrl: string;
  connections: LookupConnectionProvider;
  /** Pick brokerServiceUrlTls from answers. Default: true for a `pulsar+ssl://` service URL. */
  useTls?: boolean;
  /** Sent as LOOKUP.advertised_listener_name. */
  advertisedListenerName?: string;
  /** Redirects followed before failing with PULSAR_ERR_TOO_MANY_REDIRECTS. Default 20 (Go). */
  maxRedirects?: number;
  /** Total budget for one call including retries, in ms. Default 30 000. */
  operationTimeoutMs?: number;
  /** Makes the retry policy; default 100 ms doubling to 5 s with ±20 % jitter. */
  backoff?: () => Backoff;
  clock?: Clock;
  logger?: Logger;
  metrics?: PulsarMetrics;
}

/**
 * Topic lookup and partition metadata over the binary protocol (docs/pulsar-binary-protocol.md
 * §1.5; pulsar-client-go `lookup_service.go`): a bounded LOOKUP redirect loop that honours
 * `authoritative` and `proxy_through_service_url`, PARTITIONED_METADATA, and
 * GET_TOPICS_OF_NAMESPACE. Retryable failures (ServiceNotReady, TooManyRequests, MetadataError,
 * timeouts, dropped connections) are retried with backoff within the operation timeout (§5.2 3).
 */
export class LookupService {
  readonly #serviceAddresses: BrokerAddress[];
  readonly #connections: LookupConnectionProvider;
  readonly #useTls: boolean;
  readonly #listenerName: string | undefined;
  readonly #maxRedirects: number;
  readonly #operationTimeoutMs: number;
  readonly #backoff: () => Backoff;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #metrics: PulsarMetrics;
  #nextService = 0;

  constructor(options: LookupServiceOptions) {
    this.#serviceAddresses = parseServiceUrl(options.serviceUrl);
    this.#connections = options.connections;
    this.#useTls = options.useTls ?? this.#serviceAddresses[0]!.tls;
    this.#listenerName = options.advertisedListenerName;
    this.#maxRedirects = options.maxRedirects ?? 20;
    this.#operationTimeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#backoff =
      options.backoff ?? (() => new Backoff({ initialMs: 100, maxMs: 5_000, jitterRatio: 0.2 }));
    this.#clock = options.clock ?? systemClock;
    this.#log = (options.logger ?? silentLogger).child({ component: 'pulsar-lookup' });
    this.#metrics = options.metrics ?? noopPulsarMetrics;
  }

  /**
   * Finds the broker serving `topic` (a full or short name; a partitioned topic's children must be
   * looked up one by one). Rejects with the last error once retries are exhausted, or with
   * PULSAR_ERR_TOO_MANY_REDIRECTS, PULSAR_ERR_INVALID_TOPIC_NAME, PULSAR_ERR_LOOKUP_FAILED.
   */
  async lookup(topic: string, options: LookupCallOptions = {}): Promise<LookupResult> {
    const name = TopicName.parse(topic).toString();
    try {
      const result = await this.#withRetry('lookup', name, options.signal, () =>
        this.#lookupOnce(name, options.identity),
      );
      this.#metrics.lookup('success');
      return result;
    } catch (err) {
      this.#metrics.lookup('failure');
      throw err;
    }
  }

  /** Number of partitions of `topic`; 0 for a non-partitioned topic (§1.5). */
  async getPartitionedTopicMetadata(
    topic: string,
    options: LookupCallOptions = {},
  ): Promise<number> {
    const name = TopicName.parse(topic).toString();
    const response = await this.#requestWithRetry('partitioned-metadata', name, options, (id) =>
      partitionedMetadataCommand(name, id),
    );
    const meta = response.partitionedMetadataResponse;
    if (meta === undefined) throw unexpected('PARTITIONED_METADATA', response);
    return meta.partitions ?? 0;
  }

  /**
   * Topics of `namespace` (`tenant/ns`), persistent ones by default, optionally filtered by the
   * broker with a regular expression (`topicsPattern`). Partitioned topics appear as their
   * `-partition-N` children, as the broker lists them.
   */
  async getTopicsOfNamespace(
    namespace: string,
    mode: TopicListModeValue = TopicListMode.PERSISTENT,
    topicsPattern?: string,
    options: LookupCallOptions = {},
  ): Promise<string[]> {
    const response = await this.#requestWithRetry('topics-of-namespace', namespace, options, (id) =>
      getTopicsOfNamespaceCommand(namespace, id, mode, topicsPattern),
    );
    const list = response.getTopicsOfNamespaceResponse;
    if (list === undefined) throw unexpected('GET_TOPICS_OF_NAMESPACE', response);
    return list.topics ?? [];
  }

  /**
   * Sends the command `build` makes (given a fresh request id) to a service-URL broker, with the
   * retries of {@link #withRetry}; a new connection (or broker) may be picked on each attempt.
   */
  #requestWithRetry(
    operation: string,
    target: string,
    options: LookupCallOptions,
    build: (requestId: bigint) => BaseCommand,
  ): Promise<BaseCommand> {
    return this.#withRetry(operation, target, options.signal, async () => {
      const service = this.#pickServiceAddress();
      const conn = await this.#connections.getConnection(
        service.url,
        service.url,
        options.identity,
      );
      return conn.sendRequest(build(conn.newRequestId()));
    });
  }

  /** One LOOKUP sequence: the redirect loop of §1.5 steps 1-3. */
  async #lookupOnce(topic: string, identity: ForwardedIdentity | undefined): Promise<LookupResult> {
    const service = this.#pickServiceAddress();
    let logical = service.url;
    let physical = service.url;
    let authoritative = false;
    for (let redirects = 0; ; redirects++) {
      const conn = await this.#connections.getConnection(logical, physical, identity);
      const response = await conn.sendRequest(
        lookupCommand({
          topic,
          requestId: conn.newRequestId(),
          authoritative,
          ...(this.#listenerName === undefined
            ? {}
            : { advertisedListenerName: this.#listenerName }),
        }),
      );
      const answer = response.lookupTopicResponse;
      if (answer === undefined) throw unexpected('LOOKUP', response);
      const target = this.#brokerUrl(answer);
      const next = answer.proxyThroughServiceUrl === true ? service.url : target;
      if (answer.response === LookupType.Connect) {
        return { logicalAddress: target, physicalAddress: next };
      }
      if (answer.response !== LookupType.Redirect) {
        throw new PulsarError(
          'PULSAR_ERR_LOOKUP_FAILED',
          `unexpected lookup response type ${String(answer.response)} for ${topic}`,
        );
      }
      if (redirects >= this.#maxRedirects) {
        throw new PulsarError(
          'PULSAR_ERR_TOO_MANY_REDIRECTS',
          `lookup of ${topic} redirected more than ${this.#maxRedirects} times (last: ${target})`,
        );
      }
      this.#log.debug({ topic, target, authoritative: answer.authoritative }, 'lookup redirect');
      logical = target;
      physical = next;
      authoritative = answer.authoritative ?? false;
    }
  }

  /** The broker URL of an answer for the configured scheme, normalised. */
  #brokerUrl(answer: CommandLookupTopicResponse): string {
    const url = this.#useTls ? answer.brokerServiceUrlTls : answer.brokerServiceUrl;
    if (url === undefined || url === '') {
      throw new PulsarError(
        'PULSAR_ERR_LOOKUP_FAILED',
        `lookup answer has no ${this.#useTls ? 'TLS ' : ''}broker URL`,
      );
    }
    try {
      return parseBrokerUrl(url).url;
    } catch (err) {
      throw new PulsarError('PULSAR_ERR_LOOKUP_FAILED', `lookup answer has a bad broker URL`, {
        cause: err,
      });
    }
  }

  /** Round-robins over the service URL's hosts, so a retry after a failure tries the next one. */
  #pickServiceAddress(): BrokerAddress {
    const address = this.#serviceAddresses[this.#nextService % this.#serviceAddresses.length]!;
    this.#nextService++;
    return address;
  }

  async #withRetry<T>(
    op: string,
    subject: string,
    signal: AbortSignal | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    const deadline = this.#clock.monotonic() + this.#operationTimeoutMs;
    const backoff = this.#backoff();
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        const error = toPulsarError(err, 'PULSAR_ERR_LOOKUP_FAILED', `${op} failed`);
        const delay = backoff.next();
        if (!error.retryable || this.#clock.monotonic() + delay >= deadline) throw error;
        this.#log.debug({ op, subject, code: error.code, delayMs: delay }, 'retrying');
        await sleep(this.#clock, delay, signal);
      }
    }
  }
}

function unexpected(request: string, response: BaseCommand): PulsarError {
  return new PulsarError(
    'PULSAR_ERR_PROTOCOL',
    `unexpected response type ${response.type} to ${request}`,
  );
}

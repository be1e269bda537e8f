import { isJavaBlank, parseJavaBoolean } from './java-parse.ts';
import { ParamReader } from './param-readers.ts';
import type { QueryParams } from './query-params.ts';

/** Subscription types (`SubscriptionType`). */
export const SUBSCRIPTION_TYPES = ['Exclusive', 'Shared', 'Failover', 'Key_Shared'] as const;
/** Subscription modes (`SubscriptionMode`). */
export const SUBSCRIPTION_MODES = ['Durable', 'NonDurable'] as const;
/** Initial positions (`SubscriptionInitialPosition`, 4.0+). */
export const INITIAL_POSITIONS = ['Latest', 'Earliest'] as const;
/** Actions on undecryptable messages (`ConsumerCryptoFailureAction`). */
export const CRYPTO_FAILURE_ACTIONS = ['FAIL', 'DISCARD', 'CONSUME'] as const;

/** Subscription type name. */
export type SubscriptionType = (typeof SUBSCRIPTION_TYPES)[number];
/** Subscription mode name. */
export type SubscriptionMode = (typeof SUBSCRIPTION_MODES)[number];
/** Initial position name. */
export type InitialPosition = (typeof INITIAL_POSITIONS)[number];
/** Crypto failure action name. */
export type CryptoFailureAction = (typeof CRYPTO_FAILURE_ACTIONS)[number];

/** Largest receiver queue (and push window) the reference allows (§5.1). */
export const MAX_RECEIVER_QUEUE_SIZE = 1000;

/** Consumer settings the Pulsar client takes, plus the session's flow-control values (§5.1, §5.4). */
export interface ConsumerOptions {
  /** Default `Exclusive`. */
  subscriptionType: SubscriptionType;
  /** Default `Durable`. */
  subscriptionMode: SubscriptionMode;
  /** Default `Latest`. */
  initialPosition: InitialPosition;
  /** Client receive queue, default 1000, capped at 1000; may be 0. */
  receiverQueueSize: number;
  /** Ack timeout in ms; 0 (default) disables, otherwise ≥ 1000. */
  ackTimeoutMs: number;
  /** Undefined = client-generated. Never blank. */
  consumerName: string | undefined;
  /** Default 0; ≥ 0. */
  priorityLevel: number;
  /** Nack redelivery delay in ms, default 60000; ≥ 0. */
  negativeAckRedeliveryDelayMs: number;
  /** Set (> 0) when a dead-letter policy is configured. */
  maxRedeliverCount: number | undefined;
  /** Dead-letter topic; defaults to `<topic>-<subscription>-DLQ` when maxRedeliverCount is set. */
  deadLetterTopic: string | undefined;
  /** Default `FAIL`; invalid values are ignored, as the reference only logs them. */
  cryptoFailureAction: CryptoFailureAction;
  /** `pullMode=true`: deliver only what `permit` commands allow. Default false. */
  pullMode: boolean;
  /**
   * Push-mode window: unacked messages in flight to the client (`receiverQueueSize`, or 1 when
   * it is 0). Unused in pull mode.
   */
  maxPendingMessages: number;
}

/** The topic and subscription the dead-letter default name is built from. */
export interface ConsumerTarget {
  /** Complete topic name (for v3, the main topic). */
  topic: string;
  /** Decoded subscription name. */
  subscription: string;
}

/**
 * Builds consumer options from the query, in the order and with the messages of the reference's
 * `ConsumerHandler.getConsumerConfiguration` (4.0). For consumers these checks run **before**
 * authentication (§3.1).
 *
 * @throws GatewayError `GW_ERR_INVALID_PARAM` (400 `Invalid query params: ...`).
 */
export function parseConsumerParams(query: QueryParams, target: ConsumerTarget): ConsumerOptions {
  const p = new ParamReader(query);
  const o: ConsumerOptions = {
    subscriptionType: 'Exclusive',
    subscriptionMode: 'Durable',
    initialPosition: 'Latest',
    receiverQueueSize: MAX_RECEIVER_QUEUE_SIZE,
    ackTimeoutMs: 0,
    consumerName: undefined,
    priorityLevel: 0,
    negativeAckRedeliveryDelayMs: 60000,
    maxRedeliverCount: undefined,
    deadLetterTopic: undefined,
    cryptoFailureAction: 'FAIL',
    pullMode: parseJavaBoolean(p.get('pullMode')),
    maxPendingMessages: MAX_RECEIVER_QUEUE_SIZE,
  };

  const ackTimeout = p.int('ackTimeoutMillis');
  if (ackTimeout !== undefined) {
    p.check(ackTimeout === 0 || ackTimeout >= 1000, 'Ack timeout should be greater than 1000 ms');
    o.ackTimeoutMs = ackTimeout;
  }
  o.subscriptionType = p.enumValue('subscriptionType', SUBSCRIPTION_TYPES) ?? o.subscriptionType;
  o.subscriptionMode = p.enumValue('subscriptionMode', SUBSCRIPTION_MODES) ?? o.subscriptionMode;
  o.initialPosition =
    p.enumValue('subscriptionInitialPosition', INITIAL_POSITIONS) ?? o.initialPosition;

  const queue = p.int('receiverQueueSize');
  if (queue !== undefined) {
    const capped = Math.min(queue, MAX_RECEIVER_QUEUE_SIZE);
    p.check(capped >= 0, 'receiverQueueSize needs to be >= 0');
    o.receiverQueueSize = capped;
  }
  const name = p.get('consumerName');
  if (name !== undefined) {
    p.check(!isJavaBlank(name), 'consumerName cannot be blank');
    o.consumerName = name;
  }
  const priority = p.int('priorityLevel');
  if (priority !== undefined) {
    p.check(priority >= 0, 'priorityLevel needs to be >= 0');
    o.priorityLevel = priority;
  }
  const nackDelay = p.int('negativeAckRedeliveryDelay');
  if (nackDelay !== undefined) {
    p.check(nackDelay >= 0, 'redeliveryDelay needs to be >= 0');
    o.negativeAckRedeliveryDelayMs = nackDelay;
  }

  const maxRedeliver = p.get('maxRedeliverCount');
  const dlq = p.get('deadLetterTopic');
  if (maxRedeliver !== undefined || dlq !== undefined) {
    // DeadLetterPolicy.builder(): maxRedeliverCount defaults to 0, which the consumer builder
    // rejects, so deadLetterTopic alone is a 400 (differs from the docs, §5.1).
    const count = p.int('maxRedeliverCount') ?? 0;
    p.check(count > 0, 'MaxRedeliverCount must be > 0.');
    o.maxRedeliverCount = count;
    o.deadLetterTopic = dlq ?? `${target.topic}-${target.subscription}-DLQ`;
  }

  const action = p.get('cryptoFailureAction');
  const knownAction = CRYPTO_FAILURE_ACTIONS.find((a) => a === action);
  if (knownAction !== undefined) o.cryptoFailureAction = knownAction;

  o.maxPendingMessages = o.receiverQueueSize === 0 ? 1 : o.receiverQueueSize;
  return o;
}

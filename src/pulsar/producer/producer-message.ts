import { PulsarError } from '../errors.ts';
import type { KeyValue } from '../protocol/command-types.ts';

/**
 * One message to publish (the fields the WebSocket producer API exposes, docs/pulsar-binary-
 * protocol.md §1.7 MessageMetadata).
 */
export interface ProducerMessage {
  /** Raw payload bytes (no schema). */
  payload: Uint8Array;
  /** Application properties; insertion order is kept on the wire. */
  properties?: Readonly<Record<string, string>>;
  /** Message key (`partition_key`): routes partitioned topics and Key_Shared subscriptions. */
  key?: string;
  /** Event time, ms since the epoch; 0 or absent means unset (as in Java). */
  eventTime?: number;
  /** `replicate_to`: restricts geo-replication to these clusters. */
  replicationClusters?: readonly string[];
  /** Delayed delivery at this time, ms since the epoch (`deliver_at_time`). */
  deliverAtMs?: number;
  /**
   * Delayed delivery this many ms after the send call; wins over `deliverAtMs` when both are set,
   * as in the Java WebSocket proxy, which applies `deliverAfterMs` last.
   */
  deliverAfterMs?: number;
}

/** Validated, wire-ready fields of a {@link ProducerMessage}. */
export interface NormalizedMessage {
  payload: Uint8Array;
  properties: KeyValue[] | undefined;
  key: string | undefined;
  eventTime: bigint | undefined;
  replicateTo: string[] | undefined;
  /** ms since the epoch; undefined when not delayed. */
  deliverAt: bigint | undefined;
}

function invalid(what: string): PulsarError {
  return new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', `invalid message: ${what}`);
}

function isTimestamp(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/**
 * Checks a message and converts it to wire shapes. `nowMs` is the wall clock used for
 * `deliverAfterMs`. Throws PULSAR_ERR_INVALID_ARGUMENT.
 */
export function normalizeMessage(message: ProducerMessage, nowMs: number): NormalizedMessage {
  if (!(message.payload instanceof Uint8Array)) throw invalid('payload must be bytes');
  let properties: KeyValue[] | undefined;
  if (message.properties !== undefined) {
    const entries = Object.entries(message.properties);
    if (entries.length > 0) {
      properties = [];
      for (const [key, value] of entries) {
        if (typeof value !== 'string') throw invalid(`property ${JSON.stringify(key)}`);
        properties.push({ key, value });
      }
    }
  }
  if (message.key !== undefined && typeof message.key !== 'string') throw invalid('key');
  let eventTime: bigint | undefined;
  if (message.eventTime !== undefined && message.eventTime !== 0) {
    if (!isTimestamp(message.eventTime)) throw invalid('eventTime');
    eventTime = BigInt(message.eventTime);
  }
  let replicateTo: string[] | undefined;
  if (message.replicationClusters !== undefined && message.replicationClusters.length > 0) {
    replicateTo = [...message.replicationClusters];
  }
  let deliverAt: bigint | undefined;
  if (message.deliverAfterMs !== undefined && message.deliverAfterMs > 0) {
    if (!isTimestamp(message.deliverAfterMs)) throw invalid('deliverAfterMs');
    deliverAt = BigInt(nowMs + message.deliverAfterMs);
  } else if (message.deliverAtMs !== undefined && message.deliverAtMs > 0) {
    if (!isTimestamp(message.deliverAtMs)) throw invalid('deliverAtMs');
    deliverAt = BigInt(message.deliverAtMs);
  }
  return {
    payload: message.payload,
    properties,
    key: message.key,
    eventTime,
    replicateTo,
    deliverAt,
  };
}

/** True when two replicate_to lists are equal (both absent counts as equal). */
export function sameReplicateTo(a: string[] | undefined, b: string[] | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

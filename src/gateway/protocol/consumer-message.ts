import { encodeBase64 } from './java-base64.ts';
import { jsonQuote } from './json-quote.ts';
import { formatTimestamp } from './timestamp.ts';

/** A message to push to a consumer or reader client (`data/ConsumerMessage.java`, §5.2). */
export interface PushedMessage {
  /** Standard base64 of the serialized message id (§8.1). */
  messageId: string;
  /** Message bytes (after decompression), or their base64 when already encoded. */
  payload: Uint8Array | string;
  /** Message properties; written as `{}` when empty or absent. */
  properties: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined;
  /** Publish time, epoch ms. */
  publishTimeMs: number;
  /** Broker redelivery count (always written). */
  redeliveryCount: number;
  /** Event time, epoch ms; 0 or undefined = not set (omitted). */
  eventTimeMs?: number | undefined;
  /** Partition key; omitted when undefined. */
  key?: string | undefined;
}

function writeProperties(
  props: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined,
): string {
  if (props === undefined) return '{}';
  let out = '{';
  let first = true;
  const entries = props instanceof Map ? props.entries() : Object.entries(props);
  for (const [k, v] of entries as Iterable<[string, string]>) {
    out += (first ? '' : ',') + jsonQuote(k) + ':' + jsonQuote(v);
    first = false;
  }
  return out + '}';
}

/**
 * Serializes a pushed message in the reference's field order (§5.2 example): messageId,
 * payload, properties (always, may be `{}`), publishTime, redeliveryCount (always), eventTime
 * (only when ≠ 0), key (only when set). `encryptionContext` is never written (encryption is not
 * supported, docs/compatibility.md). Timestamps as {@link formatTimestamp}.
 */
export function serializePushedMessage(m: PushedMessage): string {
  const payload = typeof m.payload === 'string' ? m.payload : encodeBase64(m.payload);
  let out =
    '{"messageId":"' +
    m.messageId +
    '","payload":"' +
    payload +
    '","properties":' +
    writeProperties(m.properties) +
    ',"publishTime":"' +
    formatTimestamp(m.publishTimeMs) +
    '","redeliveryCount":' +
    String(m.redeliveryCount);
  if (m.eventTimeMs !== undefined && m.eventTimeMs !== 0) {
    out += ',"eventTime":"' + formatTimestamp(m.eventTimeMs) + '"';
  }
  if (m.key !== undefined) out += ',"key":' + jsonQuote(m.key);
  return out + '}';
}

/** The answer to `isEndOfTopic`: `{"endOfTopic":true}` / `{"endOfTopic":false}` (§5.3). */
export function endOfTopicResponse(endOfTopic: boolean): string {
  return endOfTopic ? '{"endOfTopic":true}' : '{"endOfTopic":false}';
}

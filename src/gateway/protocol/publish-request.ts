import { decodeCanonicalBase64, decodeJavaBase64, JavaBase64Error } from './java-base64.ts';
import {
  coerceLong,
  coerceString,
  coerceStringList,
  coerceStringMap,
  isJsonObject,
  readJson,
} from './jackson-json.ts';
import { parseTimestamp, TimestampParseError } from './timestamp.ts';

/** A publish frame, decoded and validated (§4.2). */
export interface PublishRequest {
  /** Message bytes (`payload`, strict base64; `""` is an empty message). */
  payload: Uint8Array;
  /** Application properties in frame order; undefined when absent. Null-prototype object. */
  properties: Readonly<Record<string, string>> | undefined;
  /** Echoed in the ack. Numbers/booleans coerced to their text. */
  context: string | undefined;
  /** Partition/routing key. */
  key: string | undefined;
  /** Restrict geo-replication to these clusters. */
  replicationClusters: readonly string[] | undefined;
  /** Event time, epoch ms (from the ISO-8601 `eventTime`). */
  eventTimeMs: number | undefined;
  /**
   * Absolute delivery time, epoch ms: `now + deliverAfterMs` when that is > 0 (it is applied
   * after `deliverAt`, so it wins), else `deliverAt` when > 0, else undefined.
   */
  deliverAtMs: number | undefined;
}

/** The reference's `send-error:N` codes used by the producer (§8.3). */
export type SendErrorCode = 3 | 7 | 8;

/** Outcome of {@link parsePublishRequest}. */
export type PublishParse =
  | { ok: true; request: PublishRequest }
  | {
      ok: false;
      /** 3 = not JSON / wrong types (context never echoed), 7 = bad payload or eventTime. */
      errorCode: 3 | 7;
      errorMsg: string;
      /** Context to echo, per the §4.3 table. */
      context: string | undefined;
    };

// Fields whose numbers must keep their source text when coerced to strings.
function hasNumberInStringField(o: Record<string, unknown>): boolean {
  if (typeof o['context'] === 'number' || typeof o['key'] === 'number') return true;
  if (typeof o['payload'] === 'number' || typeof o['eventTime'] === 'number') return true;
  const props = o['properties'];
  if (isJsonObject(props) && Object.values(props).some((v) => typeof v === 'number')) return true;
  const rc = o['replicationClusters'];
  return Array.isArray(rc) && rc.some((v) => typeof v === 'number');
}

function deserializeError(message: string): PublishParse {
  return { ok: false, errorCode: 3, errorMsg: message, context: undefined };
}

/**
 * Parses one producer text frame as the reference's `ProducerHandler.onWebSocketText` does,
 * failing with the `send-error` code and context rule of §4.3:
 * - not JSON, not an object, or a field of the wrong type → 3, no context;
 * - the literal `null` → 7, no context;
 * - `payload` missing/null or not strict base64 → 7, context echoed;
 * - unparseable `eventTime` → 7, context echoed.
 * `sequenceId` is type-checked but ignored, as are `disableReplication` and schema fields.
 * A `null` property value (the reference closes the session with 1011, §4.5) → 3, no context
 * (docs/compatibility.md).
 *
 * @param nowMs current time in epoch ms, for `deliverAfterMs`.
 */
export function parsePublishRequest(text: string, nowMs: number): PublishParse {
  const simple = parseSimplePublish(text);
  return simple !== undefined ? { ok: true, request: simple } : parseAnyPublish(text, nowMs);
}

/** The full parse: every frame {@link parseSimplePublish} does not take. */
function parseAnyPublish(text: string, nowMs: number): PublishParse {
  let read = readJson(text);
  if (!read.ok) return deserializeError(read.message);
  if (read.value === null) {
    return {
      ok: false,
      errorCode: 7,
      errorMsg: 'Cannot read field "context" because "sendRequest" is null',
      context: undefined,
    };
  }
  if (!isJsonObject(read.value)) {
    return deserializeError(
      `Cannot deserialize value of type \`org.apache.pulsar.websocket.data.ProducerMessage\` from ${
        Array.isArray(read.value) ? 'Array' : 'scalar'
      } value`,
    );
  }
  if (hasNumberInStringField(read.value)) read = readJson(text, true);
  const o = read.ok && isJsonObject(read.value) ? read.value : {};

  // Jackson binds every declared field before the handler looks at any of them.
  const payload = coerceString(o['payload']);
  if (!payload.ok) return deserializeError(payload.message);
  const properties = coerceStringMap(o['properties']);
  if (!properties.ok) return deserializeError(properties.message);
  const context = coerceString(o['context']);
  if (!context.ok) return deserializeError(context.message);
  const key = coerceString(o['key']);
  if (!key.ok) return deserializeError(key.message);
  const clusters = coerceStringList(o['replicationClusters']);
  if (!clusters.ok) return deserializeError(clusters.message);
  const eventTime = coerceString(o['eventTime']);
  if (!eventTime.ok) return deserializeError(eventTime.message);
  for (const field of ['deliverAt', 'deliverAfterMs', 'sequenceId'] as const) {
    const r = coerceLong(o[field]);
    if (!r.ok) return deserializeError(r.message);
  }
  const deliverAt = coerceLong(o['deliverAt']);
  const deliverAfter = coerceLong(o['deliverAfterMs']);

  if (payload.value === undefined) {
    return {
      ok: false,
      errorCode: 7,
      errorMsg: 'Cannot invoke "String.getBytes(java.nio.charset.Charset)" because "src" is null',
      context: context.value,
    };
  }
  let bytes: Uint8Array;
  try {
    bytes = decodeJavaBase64(payload.value);
  } catch (err) {
    return {
      ok: false,
      errorCode: 7,
      errorMsg: `Invalid Base64 message-payload error=${(err as JavaBase64Error).message}`,
      context: context.value,
    };
  }
  if (properties.nullValueKey !== undefined) {
    return deserializeError(`Null value for property '${properties.nullValueKey}'`);
  }
  let eventTimeMs: number | undefined;
  if (eventTime.value !== undefined) {
    try {
      eventTimeMs = parseTimestamp(eventTime.value);
    } catch (err) {
      return {
        ok: false,
        errorCode: 7,
        errorMsg: (err as TimestampParseError).message,
        context: context.value,
      };
    }
  }
  let deliverAtMs: number | undefined;
  if (deliverAt.ok && deliverAt.value > 0n) deliverAtMs = Number(deliverAt.value);
  if (deliverAfter.ok && deliverAfter.value > 0n) deliverAtMs = nowMs + Number(deliverAfter.value);

  return {
    ok: true,
    request: {
      payload: bytes,
      properties: properties.value,
      context: context.value,
      key: key.value,
      replicationClusters: clusters.value,
      eventTimeMs,
      deliverAtMs,
    },
  };
}

type SimpleField = 'payload' | 'context' | 'key';

/**
 * The commonest frame in one pass, without building a JSON object: `{"payload":"…","context":"…"}`
 * as `JSON.stringify` writes it — no whitespace, only `payload` (required, canonical base64),
 * `context` and `key`, in any order, string values without escapes or control characters. Such a
 * frame means the same to Jackson and to the full parse below, which every other frame takes
 * (undefined here). `JSON.parse` of the 1 KiB payloads cost 6% of the gateway's CPU under
 * publish load, and the payload is decoded from a slice of the frame instead of a copy.
 */
function parseSimplePublish(text: string): PublishRequest | undefined {
  if (text.charCodeAt(0) !== 0x7b) return undefined; // {
  const fields: Partial<Record<SimpleField, string>> = {};
  let i = 1;
  for (;;) {
    if (text.charCodeAt(i) !== 0x22) return undefined; // "
    const nameEnd = text.indexOf('"', i + 1);
    if (nameEnd === -1) return undefined;
    const name = text.slice(i + 1, nameEnd);
    if (name !== 'payload' && name !== 'context' && name !== 'key') return undefined;
    if (fields[name] !== undefined) return undefined; // a repeated field: the full parse
    if (text.charCodeAt(nameEnd + 1) !== 0x3a || text.charCodeAt(nameEnd + 2) !== 0x22) {
      return undefined; // not :"
    }
    const valueEnd = text.indexOf('"', nameEnd + 3);
    if (valueEnd === -1) return undefined;
    const value = text.slice(nameEnd + 3, valueEnd);
    // The payload is checked as canonical base64 below (which admits no escapes or controls).
    if (name !== 'payload' && !isPlainJsonString(value)) return undefined;
    fields[name] = value;
    const next = text.charCodeAt(valueEnd + 1);
    if (next === 0x7d) {
      // } must end the frame (trailing content: the full parse)
      if (valueEnd + 2 !== text.length || fields.payload === undefined) return undefined;
      break;
    }
    if (next !== 0x2c) return undefined; // ,
    i = valueEnd + 2;
  }
  const payload = decodeCanonicalBase64(fields.payload);
  if (payload === undefined) return undefined;
  return {
    payload,
    properties: undefined,
    context: fields.context,
    key: fields.key,
    replicationClusters: undefined,
    eventTimeMs: undefined,
    deliverAtMs: undefined,
  };
}

/** True when `s` is a JSON string body that needs no unescaping (no `\\`, no control characters). */
function isPlainJsonString(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x5c) return false;
  }
  return true;
}

import { CLOSE_CODES } from '../errors.ts';
import type { CloseCode } from '../errors.ts';
import { decodeJavaBase64, JavaBase64Error } from './java-base64.ts';
import { coerceInteger, coerceString, isJsonObject, readJson } from './jackson-json.ts';

/** A message id sent by the client: the base64 text (the cache key) and its bytes. */
export interface ClientMessageId {
  /** As sent; look it up in the session's id cache first (§5.3). */
  base64: string;
  /** Strict-base64-decoded bytes (a serialized `MessageIdData`) for a cache miss. */
  bytes: Uint8Array;
}

/** A consumer frame the session must refuse, with the close the gateway sends. */
export interface InvalidCommand {
  kind: 'invalid';
  /** Always 1007 (invalid frame payload data); the reference's close code 3 is not valid (§8.4). */
  closeCode: CloseCode;
  /** Close reason (≤ 123 bytes). */
  reason: string;
  /** Detail for logs (no message content). */
  detail: string;
}

/** A parsed consumer command (`data/ConsumerCommand.java`, §5.3). */
export type ConsumerCommand =
  | { kind: 'ack'; messageId: ClientMessageId }
  | { kind: 'negativeAcknowledge'; messageId: ClientMessageId }
  | { kind: 'permit'; permitMessages: number }
  | { kind: 'unsubscribe' }
  | { kind: 'isEndOfTopic' }
  | InvalidCommand;

/** Reason the reference gives (`WebSocketError.FailedToDeserializeFromJSON`). */
export const DESERIALIZE_REASON = 'Failed to de-serialize from JSON';

function invalid(detail: string, reason = DESERIALIZE_REASON): InvalidCommand {
  return { kind: 'invalid', closeCode: CLOSE_CODES.INVALID_DATA, reason, detail };
}

/** The fields every consumer/reader frame binds (`type`, `messageId`, `permitMessages`). */
type BoundCommand =
  | {
      ok: true;
      type: string | undefined;
      messageId: string | undefined;
      permit: number | undefined;
    }
  | { ok: false; invalid: InvalidCommand };

/** Binds a frame to `ConsumerCommand` like Jackson does; shared with the reader. */
export function bindCommand(text: string): BoundCommand {
  const read = readJson(text, true);
  if (!read.ok) return { ok: false, invalid: invalid(`invalid JSON: ${read.message}`) };
  // The literal `null` makes the reference throw a NullPointerException (→ 1011); a bad frame
  // either way, so it gets the same 1007 as other bad data.
  if (!isJsonObject(read.value))
    return { ok: false, invalid: invalid('frame is not a JSON object') };
  const type = coerceString(read.value['type']);
  const messageId = coerceString(read.value['messageId']);
  const permit = coerceInteger(read.value['permitMessages']);
  for (const r of [type, messageId, permit]) {
    if (!r.ok) return { ok: false, invalid: invalid(r.message) };
  }
  return {
    ok: true,
    type: type.ok ? type.value : undefined,
    messageId: messageId.ok ? messageId.value : undefined,
    permit: permit.ok ? permit.value : undefined,
  };
}

function messageIdOf(value: string | undefined): ClientMessageId | InvalidCommand {
  // Reference: null → NullPointerException, bad base64 → IllegalArgumentException, both escape
  // (→ 1011); we close with 1007 like the other malformed frames (docs/compatibility.md).
  if (value === undefined) return invalid('missing messageId', 'Invalid messageId');
  try {
    return { base64: value, bytes: decodeJavaBase64(value) };
  } catch (err) {
    return invalid(`bad messageId: ${(err as JavaBase64Error).message}`, 'Invalid messageId');
  }
}

/**
 * Parses one consumer text frame as `ConsumerHandler.onWebSocketText` (4.0) dispatches it:
 * `type` (case-sensitive) `permit` (needs `permitMessages`), `unsubscribe`,
 * `negativeAcknowledge`, `isEndOfTopic`; **anything else, including a missing type or "ack", is
 * an individual ack** of `messageId`. Unknown fields are ignored. Invalid input yields
 * `kind: 'invalid'` and the session closes with 1007.
 */
export function parseConsumerCommand(text: string): ConsumerCommand {
  const b = bindCommand(text);
  if (!b.ok) return b.invalid;
  if (b.type === 'permit') {
    if (b.permit === undefined) {
      return invalid("Missing required permitMessages field for 'permit' command");
    }
    return { kind: 'permit', permitMessages: b.permit };
  }
  if (b.type === 'unsubscribe') return { kind: 'unsubscribe' };
  if (b.type === 'isEndOfTopic') return { kind: 'isEndOfTopic' };
  const id = messageIdOf(b.messageId);
  if ('kind' in id) return id;
  return b.type === 'negativeAcknowledge'
    ? { kind: 'negativeAcknowledge', messageId: id }
    : { kind: 'ack', messageId: id };
}

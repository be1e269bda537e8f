import { PulsarError } from '../errors.ts';
import type { MessageIdData } from './command-types.ts';
import { messageIdDataCodec } from './proto.ts';

/**
 * A message id as the Java client models it (docs/pulsar-binary-protocol.md §1.9).
 *
 * `ledgerId` and `entryId` are **signed** 64-bit values, like Java longs: the wire carries them as
 * uint64, and `earliest` is (-1, -1) which travels as 0xFFFF_FFFF_FFFF_FFFF. Keeping them signed
 * makes {@link compareMessageIds} order earliest < any real id < latest, as Java does.
 */
export interface MessageId {
  readonly ledgerId: bigint;
  readonly entryId: bigint;
  /** Partition index, -1 for a non-partitioned topic. */
  readonly partition: number;
  /** Index inside a batch, -1 for a message that is not part of a batch. */
  readonly batchIndex: number;
  /** Number of messages in the batch, 0 for a message that is not part of a batch. */
  readonly batchSize: number;
}

const U64 = 64;
const LONG_MAX = (1n << 63n) - 1n;

/** Builds a {@link MessageId}; omitted fields mean "non-partitioned, not batched". */
export function messageId(
  ledgerId: bigint,
  entryId: bigint,
  partition = -1,
  batchIndex = -1,
  batchSize = 0,
): MessageId {
  return Object.freeze({
    ledgerId: BigInt.asIntN(U64, ledgerId),
    entryId: BigInt.asIntN(U64, entryId),
    partition,
    batchIndex,
    batchSize,
  });
}

/** Java `MessageId.earliest`: (-1, -1, partition -1). */
export const EARLIEST_MESSAGE_ID: MessageId = messageId(-1n, -1n);
/** Java `MessageId.latest`: (Long.MAX_VALUE, Long.MAX_VALUE, partition -1). */
export const LATEST_MESSAGE_ID: MessageId = messageId(LONG_MAX, LONG_MAX);

/** True when `id` belongs to a batch. */
export function isBatchMessageId(id: MessageId): boolean {
  return id.batchIndex >= 0;
}

/**
 * The wire form for commands (SUBSCRIBE start id, ACK, SEEK, REDELIVER): optional fields only when
 * meaningful, so absent partition/batch_index keep their -1 defaults.
 */
export function toMessageIdData(id: MessageId): MessageIdData {
  const data: MessageIdData = {
    ledgerId: BigInt.asUintN(U64, id.ledgerId),
    entryId: BigInt.asUintN(U64, id.entryId),
  };
  if (id.partition >= 0) data.partition = id.partition;
  if (id.batchIndex >= 0) data.batchIndex = id.batchIndex;
  if (id.batchSize > 0) data.batchSize = id.batchSize;
  return data;
}

/**
 * Reads a wire id. `partition` overrides the one on the wire: brokers send entry ids without a
 * partition, and the consumer knows which partition it reads (§1.8 MESSAGE).
 */
export function fromMessageIdData(data: MessageIdData, partition?: number): MessageId {
  return messageId(
    data.ledgerId,
    data.entryId,
    partition ?? data.partition ?? -1,
    data.batchIndex ?? -1,
    data.batchSize ?? 0,
  );
}

/**
 * Serializes exactly as Java's `MessageIdImpl.toByteArray` (§1.9): ledgerId and entryId always,
 * partition only if ≥ 0, batch_index only for batched ids, and batch_size **always** (0 for a
 * non-batched id). Fields in number order with plain varints, so the bytes are identical to Java's.
 */
export function serializeMessageId(id: MessageId): Uint8Array {
  const data: MessageIdData = {
    ledgerId: BigInt.asUintN(U64, id.ledgerId),
    entryId: BigInt.asUintN(U64, id.entryId),
  };
  if (id.partition >= 0) data.partition = id.partition;
  if (id.batchIndex >= 0) data.batchIndex = id.batchIndex;
  data.batchSize = id.batchIndex >= 0 ? id.batchSize : 0;
  return messageIdDataCodec.encode(data);
}

/** Parses bytes produced by {@link serializeMessageId} (or by Java); throws INVALID_ARGUMENT. */
export function parseMessageId(bytes: Uint8Array): MessageId {
  let data: MessageIdData;
  try {
    data = messageIdDataCodec.decode(bytes);
  } catch (err) {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', 'invalid message id bytes', {
      cause: err,
    });
  }
  return fromMessageIdData(data);
}

/** The WebSocket API's `messageId`: standard base64 with padding of {@link serializeMessageId}. */
export function encodeMessageIdBase64(id: MessageId): string {
  return Buffer.from(serializeMessageId(id)).toString('base64');
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes base64 as strictly as Java's `Base64.getDecoder()` (docs/pulsar-websocket-api.md §4.3):
 * standard alphabet only, padding optional but correct when present, a lone leftover character
 * rejected. Node's decoder is lenient, hence the explicit checks. Throws INVALID_ARGUMENT.
 */
export function decodeStrictBase64(text: string): Buffer {
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const valid =
    BASE64_RE.test(text) &&
    (padding === 0 ? text.length % 4 !== 1 : text.length % 4 === 0 && text.length >= 4);
  if (!valid) {
    throw new PulsarError('PULSAR_ERR_INVALID_ARGUMENT', 'invalid base64');
  }
  return Buffer.from(text, 'base64');
}

/** Parses a WebSocket `messageId` string; throws INVALID_ARGUMENT. */
export function decodeMessageIdBase64(text: string): MessageId {
  return parseMessageId(decodeStrictBase64(text));
}

/**
 * Orders ids as Java does: ledger, entry, partition, then batch index (signed comparisons, so a
 * non-batched id sorts before batch index 0 of the same entry). Returns -1, 0 or 1.
 */
export function compareMessageIds(a: MessageId, b: MessageId): -1 | 0 | 1 {
  if (a.ledgerId !== b.ledgerId) return a.ledgerId < b.ledgerId ? -1 : 1;
  if (a.entryId !== b.entryId) return a.entryId < b.entryId ? -1 : 1;
  if (a.partition !== b.partition) return a.partition < b.partition ? -1 : 1;
  if (a.batchIndex !== b.batchIndex) return a.batchIndex < b.batchIndex ? -1 : 1;
  return 0;
}

/** True when both ids name the same message. */
export function messageIdEquals(a: MessageId, b: MessageId): boolean {
  return compareMessageIds(a, b) === 0;
}

/** Java's `toString` form, `ledger:entry:partition[:batchIndex]`, for logs. */
export function messageIdToString(id: MessageId): string {
  const base = `${id.ledgerId}:${id.entryId}:${id.partition}`;
  return id.batchIndex >= 0 ? `${base}:${id.batchIndex}` : base;
}

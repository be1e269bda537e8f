import { compressionTypeFromWire, getCodec } from '../compression/compression-codec.ts';
import type { IncomingMessage } from '../connection/connection.ts';
import { PulsarError } from '../errors.ts';
import { decodeBatch, isBatch } from '../protocol/batch.ts';
import type { KeyValue, MessageMetadata } from '../protocol/command-types.ts';
import { ValidationError, type ValidationErrorValue } from '../protocol/constants.ts';
import { messageId, type MessageId } from '../protocol/message-id.ts';
import type { ConsumerMessage } from './consumer-types.ts';

/**
 * Client-side start filter of non-durable subscriptions (docs/pulsar-binary-protocol.md §1.10):
 * the broker re-sends the whole batch that holds a batched start id, so the client drops what
 * precedes it.
 */
export interface StartFilter {
  start: MessageId;
  inclusive: boolean;
}

/** Result of decoding one MESSAGE entry. */
export interface DecodedEntry {
  /** Entry-level id (ledger, entry, partition). */
  entryId: MessageId;
  /** Messages in the entry (1 for a plain message, N for a batch). */
  numMessages: number;
  /** Messages to hand to the application, in order. */
  messages: ConsumerMessage[];
  /** Batch indexes not delivered (compacted out, acked per ack_set, before the start id). */
  skippedIndexes: number[];
  /** Set when the entry cannot be delivered; the consumer acks it with this validation error. */
  validationError?: ValidationErrorValue;
  error?: PulsarError;
}

/** Context of {@link decodeEntry}. */
export interface DecodeContext {
  topic: string;
  partition: number;
  /** Largest uncompressed size accepted, in bytes (the broker's max message size). */
  maxMessageSize: number;
  startFilter?: StartFilter;
}

const EMPTY = Buffer.alloc(0);

/**
 * Turns a MESSAGE frame into application messages: refuses corrupt entries with the validation
 * error the Java consumer uses, decompresses, de-batches, applies the per-message metadata and
 * drops compacted-out, already-acked (ack_set) and pre-start messages. Never throws.
 */
export function decodeEntry(incoming: IncomingMessage, ctx: DecodeContext): DecodedEntry {
  const cmd = incoming.command;
  const entryId = messageId(cmd.messageId.ledgerId, cmd.messageId.entryId, ctx.partition);
  const metadata = incoming.metadata;
  const numMessages = metadata?.numMessagesInBatch ?? 1;
  const base = { entryId, numMessages, messages: [], skippedIndexes: [] };
  if (incoming.error !== undefined || metadata === undefined) {
    const error =
      incoming.error ?? new PulsarError('PULSAR_ERR_PROTOCOL', 'MESSAGE without metadata');
    const validationError =
      error.code === 'PULSAR_ERR_CHECKSUM'
        ? ValidationError.ChecksumMismatch
        : ValidationError.BatchDeSerializeError;
    return { ...base, validationError, error };
  }
  let payload: Buffer;
  const compression = metadata.compression ?? 0;
  if (compression !== 0) {
    const size = metadata.uncompressedSize ?? 0;
    if (size < 0 || size > ctx.maxMessageSize) {
      return {
        ...base,
        validationError: ValidationError.UncompressedSizeCorruption,
        error: new PulsarError('PULSAR_ERR_PROTOCOL', `uncompressed size ${size} out of range`),
      };
    }
    try {
      payload = getCodec(compressionTypeFromWire(compression)).decode(incoming.payload, size);
    } catch (err) {
      return {
        ...base,
        validationError: ValidationError.DecompressionError,
        error: new PulsarError('PULSAR_ERR_PROTOCOL', 'cannot decompress message', { cause: err }),
      };
    }
  } else {
    payload = incoming.payload;
  }
  const redeliveryCount = cmd.redeliveryCount ?? 0;
  const common = {
    topic: ctx.topic,
    publishTime: Number(metadata.publishTime),
    redeliveryCount,
    producerName: metadata.producerName,
  };

  if (!isBatch(metadata)) {
    const id = entryId;
    if (isBeforeStart(id, ctx.startFilter)) return { ...base, skippedIndexes: [0] };
    const isNull = metadata.nullValue === true;
    return {
      ...base,
      messages: [
        Object.freeze({
          ...common,
          id,
          payload: isNull ? EMPTY : payload,
          properties: toProperties(metadata.properties),
          key: metadata.partitionKey,
          keyIsBase64: metadata.partitionKeyB64Encoded === true,
          orderingKey: metadata.orderingKey,
          eventTime: Number(metadata.eventTime ?? 0n),
          sequenceId: metadata.sequenceId,
          isNullValue: isNull,
        }),
      ],
    };
  }

  let entries;
  try {
    entries = decodeBatch(payload, numMessages);
  } catch (err) {
    return {
      ...base,
      validationError: ValidationError.BatchDeSerializeError,
      error: err instanceof PulsarError ? err : new PulsarError('PULSAR_ERR_PROTOCOL', 'bad batch'),
    };
  }
  const ackSet = cmd.ackSet;
  const messages: ConsumerMessage[] = [];
  const skippedIndexes: number[] = [];
  entries.forEach((entry, i) => {
    const id = messageId(entryId.ledgerId, entryId.entryId, ctx.partition, i, numMessages);
    const single = entry.metadata;
    if (
      single.compactedOut === true ||
      (ackSet !== undefined && !isBitSet(ackSet, i)) ||
      isBeforeStart(id, ctx.startFilter)
    ) {
      skippedIndexes.push(i);
      return;
    }
    const isNull = single.nullValue === true;
    messages.push(
      Object.freeze({
        ...common,
        id,
        payload: isNull ? EMPTY : Buffer.from(entry.payload),
        properties: toProperties(single.properties),
        key: single.partitionKey,
        keyIsBase64: single.partitionKeyB64Encoded === true,
        orderingKey: single.orderingKey,
        eventTime: Number(single.eventTime ?? 0n),
        sequenceId: single.sequenceId ?? metadata.sequenceId + BigInt(i),
        isNullValue: isNull,
      }),
    );
  });
  return { ...base, messages, skippedIndexes };
}

/**
 * True when `id` must be dropped for a reader starting at `filter` (Java `isPriorEntryIndex` /
 * `isPriorBatchIndex`, Go `messageShouldBeDiscarded`). Compares ledger, entry, then batch index; a
 * non-batched start id stands for its whole entry.
 */
export function isBeforeStart(id: MessageId, filter: StartFilter | undefined): boolean {
  if (filter === undefined) return false;
  const s = filter.start;
  if (s.partition >= 0 && id.partition >= 0 && s.partition !== id.partition) return false;
  if (id.ledgerId !== s.ledgerId) return id.ledgerId < s.ledgerId;
  if (id.entryId !== s.entryId) return id.entryId < s.entryId;
  if (s.batchIndex < 0 || id.batchIndex < 0) return !filter.inclusive;
  return filter.inclusive ? id.batchIndex < s.batchIndex : id.batchIndex <= s.batchIndex;
}

/** ack_set words: a set bit means "still unacked" (§1.8). */
function isBitSet(words: readonly bigint[], index: number): boolean {
  const word = words[index >> 6];
  if (word === undefined) return false;
  return ((BigInt.asUintN(64, word) >> BigInt(index & 63)) & 1n) === 1n;
}

function toProperties(list: readonly KeyValue[] | undefined): Readonly<Record<string, string>> {
  const props: Record<string, string> = {};
  if (list !== undefined) for (const { key, value } of list) props[key] = value;
  return Object.freeze(props);
}

/** Entry metadata that never reaches the application (§1.7: markers; chunks are out of scope). */
export function isInternalEntry(metadata: MessageMetadata | undefined): boolean {
  return (
    metadata !== undefined &&
    (metadata.markerType !== undefined || (metadata.numChunksFromMsg ?? 1) > 1)
  );
}

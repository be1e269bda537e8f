import {
  getCodec,
  COMPRESSION_TYPE,
  type CompressionType,
} from '../compression/compression-codec.ts';
import { PulsarError } from '../errors.ts';
import { encodeBatch, type BatchEntryInput } from '../protocol/batch.ts';
import type { MessageMetadata, SingleMessageMetadata } from '../protocol/command-types.ts';
import { sendCommand } from '../protocol/commands.ts';
import { encodePayloadFrame } from '../protocol/frame-codec.ts';
import type { MessageId } from '../protocol/message-id.ts';
import type { NormalizedMessage } from './producer-message.ts';

/** The promise handles of one message's `send`. */
export interface SendCallback {
  readonly promise: Promise<MessageId>;
  resolve(id: MessageId): void;
  reject(error: unknown): void;
}

/** A fresh {@link SendCallback} (`Promise.withResolvers`, which the ES2023 lib lacks). */
export function newSendCallback(): SendCallback {
  let resolve!: (id: MessageId) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<MessageId>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * One SEND in flight: a single message or a whole batch, already encoded, so that a resend after a
 * reconnect writes the very same bytes with the same sequence id (§1.6).
 */
export interface SendOp {
  /** First sequence id of the entry (CommandSend.sequence_id, what SEND_RECEIPT echoes). */
  readonly sequenceId: bigint;
  /** Last sequence id of the entry (equal to `sequenceId` for a single message). */
  readonly highestSequenceId: bigint;
  /** Messages in the entry; a batch's message i gets batch index i. */
  readonly callbacks: readonly SendCallback[];
  /** True when the entry is a batch (num_messages_in_batch present). */
  readonly isBatch: boolean;
  /** The whole SEND frame. */
  readonly frame: Buffer;
  /** Monotonic ms when the oldest message of the entry was handed to `send`. */
  readonly createdAt: number;
  /** `flush()` calls waiting for this op (the newest at the time) to settle. */
  flushWaiters: (() => void)[] | undefined;
}

/** Producer-wide inputs of the encoders. */
export interface EncodeContext {
  producerId: bigint;
  producerName: string;
  compression: CompressionType;
  /** Largest entry the broker accepts, in bytes; larger ones fail with MESSAGE_TOO_LARGE. */
  maxMessageSize: number;
}

/** A message waiting in the batch builder. */
export interface BatchItem {
  sequenceId: bigint;
  message: NormalizedMessage;
  callback: SendCallback;
  /** Monotonic ms of the send call. */
  createdAt: number;
  /** Wall-clock ms of the send call (publish_time of the batch's first message). */
  publishTime: number;
}

/**
 * Compresses the whole payload (for a batch: the whole concatenation, §1.7) and records the
 * codec and uncompressed size in `metadata`. uncompressed_size is written only when compressing,
 * as the Java client does.
 */
function compress(ctx: EncodeContext, metadata: MessageMetadata, payload: Buffer): Buffer {
  if (ctx.compression === 'NONE') return payload;
  metadata.compression = COMPRESSION_TYPE[ctx.compression];
  metadata.uncompressedSize = payload.length;
  return getCodec(ctx.compression).encode(payload);
}

function checkSize(ctx: EncodeContext, size: number): void {
  if (size > ctx.maxMessageSize) {
    throw new PulsarError(
      'PULSAR_ERR_MESSAGE_TOO_LARGE',
      `message of ${size} bytes exceeds the broker's max message size ${ctx.maxMessageSize}`,
    );
  }
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Encodes one non-batched message as a SEND frame: every field in MessageMetadata, no
 * num_messages_in_batch (its absence is what makes a consumer read it as a plain message, §1.7).
 * Throws PULSAR_ERR_MESSAGE_TOO_LARGE.
 */
export function encodeSingleSend(
  ctx: EncodeContext,
  sequenceId: bigint,
  publishTime: number,
  message: NormalizedMessage,
): Buffer {
  const metadata: MessageMetadata = {
    producerName: ctx.producerName,
    sequenceId,
    publishTime: BigInt(publishTime),
  };
  if (message.properties !== undefined) metadata.properties = message.properties;
  if (message.key !== undefined) metadata.partitionKey = message.key;
  if (message.replicateTo !== undefined) metadata.replicateTo = message.replicateTo;
  if (message.eventTime !== undefined) metadata.eventTime = message.eventTime;
  if (message.deliverAt !== undefined) metadata.deliverAtTime = message.deliverAt;
  const payload = compress(ctx, metadata, asBuffer(message.payload));
  checkSize(ctx, payload.length);
  return encodePayloadFrame(
    sendCommand({ producerId: ctx.producerId, sequenceId }),
    metadata,
    payload,
  );
}

/**
 * Encodes `items` (in sequence order, at least one) as one batch entry (§1.7): per-message key,
 * properties, event time and sequence id in SingleMessageMetadata; num_messages_in_batch present
 * even for one message; CommandSend.num_messages = N and highest_sequence_id = the last id, as the
 * Java client's batch container writes them. Throws PULSAR_ERR_MESSAGE_TOO_LARGE.
 */
export function encodeBatchSend(ctx: EncodeContext, items: readonly BatchItem[]): Buffer {
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const entries: BatchEntryInput[] = new Array<BatchEntryInput>(items.length);
  for (let i = 0; i < items.length; i++) {
    const m = items[i]!.message;
    const single: Omit<SingleMessageMetadata, 'payloadSize'> = { sequenceId: items[i]!.sequenceId };
    if (m.properties !== undefined) single.properties = m.properties;
    if (m.key !== undefined) single.partitionKey = m.key;
    if (m.eventTime !== undefined) single.eventTime = m.eventTime;
    entries[i] = { metadata: single, payload: m.payload };
  }
  const metadata: MessageMetadata = {
    producerName: ctx.producerName,
    sequenceId: first.sequenceId,
    publishTime: BigInt(first.publishTime),
    numMessagesInBatch: items.length,
    highestSequenceId: last.sequenceId,
  };
  // The Java batch container takes entry-level fields from the first message; the producer only
  // batches messages with equal replicate_to, so this is exact.
  if (first.message.replicateTo !== undefined) metadata.replicateTo = first.message.replicateTo;
  const payload = compress(ctx, metadata, encodeBatch(entries));
  checkSize(ctx, payload.length);
  return encodePayloadFrame(
    sendCommand({
      producerId: ctx.producerId,
      sequenceId: first.sequenceId,
      numMessages: items.length,
      highestSequenceId: last.sequenceId,
    }),
    metadata,
    payload,
  );
}

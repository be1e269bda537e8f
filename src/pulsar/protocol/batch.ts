import { PulsarError } from '../errors.ts';
import type { MessageMetadata, SingleMessageMetadata } from './command-types.ts';
import { singleMessageMetadataCodec } from './proto.ts';

/**
 * Batched payloads (docs/pulsar-binary-protocol.md §1.7): the uncompressed payload is
 * `[u32 BE size][SingleMessageMetadata][payload_size bytes]` repeated N times, and the entry's
 * MessageMetadata carries num_messages_in_batch = N — present even when N = 1.
 */

/** One message of a batch. */
export interface BatchEntry {
  /** Per-message metadata; `payloadSize` is filled in by the encoder. */
  metadata: SingleMessageMetadata;
  payload: Uint8Array;
}

/** Input of {@link encodeBatch}: metadata without payloadSize, which is derived from `payload`. */
export interface BatchEntryInput {
  metadata?: Omit<SingleMessageMetadata, 'payloadSize'>;
  payload: Uint8Array;
}

/**
 * True when an entry is a batch: the Java consumer treats it as a plain message only when
 * num_messages_in_batch is *absent* (§1.7 rule 3), so presence alone decides.
 */
export function isBatch(metadata: MessageMetadata): boolean {
  return metadata.numMessagesInBatch !== undefined;
}

/** Serializes the messages of a batch into one (uncompressed) payload. */
export function encodeBatch(entries: readonly BatchEntryInput[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const meta = singleMessageMetadataCodec.encode({
      ...entry.metadata,
      payloadSize: entry.payload.length,
    });
    const size = Buffer.allocUnsafe(4);
    size.writeUInt32BE(meta.length, 0);
    parts.push(size, meta, entry.payload);
  }
  return Buffer.concat(parts);
}

/**
 * Splits an uncompressed batch payload into its `count` messages (count = num_messages_in_batch).
 * Throws PULSAR_ERR_PROTOCOL when the payload does not hold that many well-formed entries; the
 * consumer then acks the entry with validation_error = BatchDeSerializeError.
 */
export function decodeBatch(payload: Uint8Array, count: number): BatchEntry[] {
  const buf = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.length);
  const entries: BatchEntry[] = [];
  let off = 0;
  for (let i = 0; i < count; i++) {
    if (off + 4 > buf.length) throw batchError(i, 'metadata size');
    const metaSize = buf.readUInt32BE(off);
    off += 4;
    if (off + metaSize > buf.length) throw batchError(i, 'metadata');
    const metadata = singleMessageMetadataCodec.decode(buf.subarray(off, off + metaSize));
    off += metaSize;
    if (metadata.payloadSize < 0 || off + metadata.payloadSize > buf.length) {
      throw batchError(i, 'payload');
    }
    entries.push({ metadata, payload: buf.subarray(off, off + metadata.payloadSize) });
    off += metadata.payloadSize;
  }
  return entries;
}

function batchError(index: number, what: string): PulsarError {
  return new PulsarError('PULSAR_ERR_PROTOCOL', `truncated batch: message ${index} ${what}`);
}

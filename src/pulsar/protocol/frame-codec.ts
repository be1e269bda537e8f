import { PulsarError, toPulsarError } from '../errors.ts';
import type { BaseCommand, MessageMetadata } from './command-types.ts';
import {
  DEFAULT_MAX_MESSAGE_SIZE,
  FRAME_HEADROOM,
  MAGIC_BROKER_ENTRY_METADATA,
  MAGIC_CRC32C,
} from './constants.ts';
import { crc32c } from './crc32c.ts';
import { baseCommandCodec, messageMetadataCodec } from './proto.ts';

/**
 * Framing of Pulsar's binary protocol (docs/pulsar-binary-protocol.md §1.2). All sizes are
 * unsigned 32-bit big-endian; `totalSize` counts every byte after itself.
 */

/** Default frame-size limit: 5 MiB max message size plus 10 KiB of header headroom (§1.2). */
export const DEFAULT_MAX_FRAME_SIZE = DEFAULT_MAX_MESSAGE_SIZE + FRAME_HEADROOM;

/** Encodes a simple (payload-less) command frame: `[totalSize][commandSize][BaseCommand]`. */
export function encodeCommandFrame(command: BaseCommand): Buffer {
  const cmd = baseCommandCodec.encode(command);
  const frame = Buffer.allocUnsafe(8 + cmd.length);
  frame.writeUInt32BE(4 + cmd.length, 0);
  frame.writeUInt32BE(cmd.length, 4);
  frame.set(cmd, 8);
  return frame;
}

/** Options of {@link encodePayloadFrame}; the defaults are what a client sends. */
export interface PayloadFrameOptions {
  /** Write the 0x0e01 magic and CRC32C (default true; only very old producers omit it). */
  checksum?: boolean;
  /**
   * Serialized BrokerEntryMetadata to prepend in a 0x0e02 block. Only brokers send it; the option
   * exists so the fake broker in tests can produce such frames.
   */
  brokerEntryMetadata?: Uint8Array;
}

/**
 * Encodes a payload command frame (SEND from clients, MESSAGE from brokers):
 * `[totalSize][commandSize][BaseCommand][0x0e01][crc32c][metadataSize][metadata][payload]`, the
 * checksum covering everything after itself (§1.2). `metadata` may be pre-serialized bytes, which
 * lets a producer serialize once and resend the same bytes after a reconnect.
 */
export function encodePayloadFrame(
  command: BaseCommand,
  metadata: MessageMetadata | Uint8Array,
  payload: Uint8Array,
  options: PayloadFrameOptions = {},
): Buffer {
  const cmd = baseCommandCodec.encode(command);
  const meta = metadata instanceof Uint8Array ? metadata : messageMetadataCodec.encode(metadata);
  const withChecksum = options.checksum ?? true;
  const bem = options.brokerEntryMetadata;
  const bemSize = bem === undefined ? 0 : 2 + 4 + bem.length;
  const checksumSize = withChecksum ? 6 : 0;
  const total = 4 + cmd.length + bemSize + checksumSize + 4 + meta.length + payload.length;
  const frame = Buffer.allocUnsafe(4 + total);
  let off = 0;
  off = frame.writeUInt32BE(total, off);
  off = frame.writeUInt32BE(cmd.length, off);
  frame.set(cmd, off);
  off += cmd.length;
  if (bem !== undefined) {
    off = frame.writeUInt16BE(MAGIC_BROKER_ENTRY_METADATA, off);
    off = frame.writeUInt32BE(bem.length, off);
    frame.set(bem, off);
    off += bem.length;
  }
  const checksumAt = off + 2;
  if (withChecksum) off += checksumSize;
  const checkedFrom = off;
  off = frame.writeUInt32BE(meta.length, off);
  frame.set(meta, off);
  off += meta.length;
  frame.set(payload, off);
  if (withChecksum) {
    frame.writeUInt16BE(MAGIC_CRC32C, checksumAt - 2);
    frame.writeUInt32BE(crc32c(frame.subarray(checkedFrom)), checksumAt);
  }
  return frame;
}

/** Result of checking a payload frame's CRC32C. */
export type ChecksumStatus = 'valid' | 'invalid' | 'absent';

/** The payload section of a SEND or MESSAGE frame, still undecoded. */
export interface PayloadSection {
  /** Serialized MessageMetadata. */
  metadata: Buffer;
  /** The (possibly compressed, possibly batched) payload. */
  data: Buffer;
  /**
   * 'invalid' means the CRC32C did not match; the Java client acks such a message with
   * validation_error = ChecksumMismatch and drops it (§1.2). The frame boundary is still sound,
   * so this is not a stream error.
   */
  checksum: ChecksumStatus;
  /** Serialized BrokerEntryMetadata, when the broker sent a 0x0e02 block. */
  brokerEntryMetadata?: Buffer;
}

/** One decoded frame. */
export interface Frame {
  command: BaseCommand;
  payload?: PayloadSection;
}

/** What {@link FrameDecoder.push} returns. */
export interface FrameDecodeResult {
  /** Frames completed by this chunk, in order. */
  frames: Frame[];
  /**
   * Set when the stream is corrupt (garbage, oversized frame, undecodable command). Frames before
   * the fault are still returned; after it the decoder is poisoned, because framing cannot be
   * resynchronised, and the connection must be closed.
   */
  error?: PulsarError;
}

/** Options of {@link FrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted frame in bytes, counting the 4-byte size prefix. Default 5 MiB + 10 KiB. */
  maxFrameSize?: number;
}

/**
 * Incremental frame reader for a socket stream: copes with frames split across chunks (down to one
 * byte at a time) and several frames in one chunk, enforces a size limit *before* buffering a
 * frame's body, verifies payload checksums and skips 0x0e02 blocks (§1.2). It never throws: faults
 * come back as a typed error in the result, so a socket 'data' handler cannot crash the process.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Full length (prefix included) of the frame being accumulated, once its prefix is known. */
  #expected: number | undefined;
  #error: PulsarError | undefined;
  #maxFrameSize: number;

  constructor(options: FrameDecoderOptions = {}) {
    this.#maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Current frame-size limit in bytes. Raised after CONNECTED announces max_message_size. */
  get maxFrameSize(): number {
    return this.#maxFrameSize;
  }

  set maxFrameSize(bytes: number) {
    this.#maxFrameSize = bytes;
  }

  /** Bytes buffered but not yet returned as frames. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /** Feeds the next chunk of the stream. */
  push(chunk: Uint8Array): FrameDecodeResult {
    const frames: Frame[] = [];
    if (this.#error !== undefined) return { frames, error: this.#error };
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      this.#buffered += chunk.length;
    }
    for (;;) {
      if (this.#expected === undefined) {
        if (this.#buffered < 4) break;
        const totalSize = this.#peekUint32();
        if (totalSize + 4 > this.#maxFrameSize) {
          return this.#fail(
            frames,
            new PulsarError(
              'PULSAR_ERR_FRAME_TOO_LARGE',
              `frame of ${totalSize + 4} bytes exceeds the ${this.#maxFrameSize}-byte limit`,
            ),
          );
        }
        if (totalSize < 4) {
          return this.#fail(
            frames,
            new PulsarError('PULSAR_ERR_PROTOCOL', `invalid frame size ${totalSize}`),
          );
        }
        this.#expected = totalSize + 4;
      }
      if (this.#buffered < this.#expected) break;
      const bytes = this.#take(this.#expected);
      this.#expected = undefined;
      try {
        frames.push(parseFrame(bytes));
      } catch (err) {
        return this.#fail(frames, toPulsarError(err, 'PULSAR_ERR_PROTOCOL', 'undecodable frame'));
      }
    }
    return { frames };
  }

  #fail(frames: Frame[], error: PulsarError): FrameDecodeResult {
    this.#error = error;
    this.#chunks = [];
    this.#buffered = 0;
    return { frames, error };
  }

  #peekUint32(): number {
    let first = this.#chunks[0]!;
    if (first.length < 4) {
      first = Buffer.concat(this.#chunks);
      this.#chunks = [first];
    }
    return first.readUInt32BE(0);
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.#chunks[0]!;
        const want = n - filled;
        if (c.length <= want) {
          out.set(c, filled);
          filled += c.length;
          this.#chunks.shift();
        } else {
          out.set(c.subarray(0, want), filled);
          this.#chunks[0] = c.subarray(want);
          filled = n;
        }
      }
    }
    this.#buffered -= n;
    return out;
  }
}

function protocolError(message: string): PulsarError {
  return new PulsarError('PULSAR_ERR_PROTOCOL', message);
}

/** Parses one complete frame (size prefix included). Throws PULSAR_ERR_PROTOCOL on bad layout. */
function parseFrame(frame: Buffer): Frame {
  const commandSize = frame.readUInt32BE(4);
  const commandEnd = 8 + commandSize;
  if (commandSize === 0 || commandEnd > frame.length) {
    throw protocolError(`command size ${commandSize} does not fit a ${frame.length}-byte frame`);
  }
  const command = baseCommandCodec.decode(frame.subarray(8, commandEnd));
  if (commandEnd === frame.length) return { command };

  // Payload section (§1.2 "Practical rules"): optional 0x0e02 block, optional 0x0e01 checksum,
  // then metadataSize + metadata + payload.
  let off = commandEnd;
  const need = (n: number, what: string): void => {
    if (off + n > frame.length) throw protocolError(`truncated payload frame (${what})`);
  };
  let brokerEntryMetadata: Buffer | undefined;
  if (off + 2 <= frame.length && frame.readUInt16BE(off) === MAGIC_BROKER_ENTRY_METADATA) {
    off += 2;
    need(4, 'broker entry metadata size');
    const size = frame.readUInt32BE(off);
    off += 4;
    need(size, 'broker entry metadata');
    brokerEntryMetadata = frame.subarray(off, off + size);
    off += size;
  }
  let checksum: ChecksumStatus = 'absent';
  if (off + 2 <= frame.length && frame.readUInt16BE(off) === MAGIC_CRC32C) {
    off += 2;
    need(4, 'checksum');
    const expected = frame.readUInt32BE(off);
    off += 4;
    checksum = crc32c(frame.subarray(off)) === expected ? 'valid' : 'invalid';
  }
  need(4, 'metadata size');
  const metadataSize = frame.readUInt32BE(off);
  off += 4;
  need(metadataSize, 'metadata');
  const metadata = frame.subarray(off, off + metadataSize);
  const data = frame.subarray(off + metadataSize);
  const payload: PayloadSection = { metadata, data, checksum };
  if (brokerEntryMetadata !== undefined) payload.brokerEntryMetadata = brokerEntryMetadata;
  return { command, payload };
}

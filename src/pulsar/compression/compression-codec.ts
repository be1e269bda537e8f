import { COMPRESSION_ERROR_CODE, CompressionError } from './compression-error.ts';
import { lz4Codec } from './lz4-codec.ts';
import { noneCodec } from './none-codec.ts';
import { snappyCodec } from './snappy-codec.ts';
import { zlibCodec } from './zlib-codec.ts';
import { zstdCodec } from './zstd-codec.ts';

/**
 * Wire values of `MessageMetadata.compression` (field 8), see
 * pulsar-binary-protocol.md §1.7.
 */
export const COMPRESSION_TYPE = {
  NONE: 0,
  LZ4: 1,
  ZLIB: 2,
  ZSTD: 3,
  SNAPPY: 4,
} as const;

/** Name of a compression type, as in the Java enum and the WS `compressionType` parameter. */
export type CompressionType = keyof typeof COMPRESSION_TYPE;

/**
 * Compresses and decompresses whole message payloads (for a batch: the whole
 * concatenated batch) in the exact format the Java client uses.
 */
export interface CompressionCodec {
  /** Compresses `buf`. The result may be larger than the input (incompressible data). */
  encode(buf: Buffer): Buffer;
  /**
   * Decompresses `buf`, which must expand to exactly `uncompressedSize` bytes
   * (`MessageMetadata.uncompressed_size`). Never allocates much more than
   * `uncompressedSize`, so the caller bounds memory by bounding that value
   * (the Java consumer refuses sizes above the broker's max message size).
   *
   * @throws {CompressionError} `PULSAR_ERR_DECOMPRESSION` on corrupt input or a
   *   size mismatch.
   */
  decode(buf: Buffer, uncompressedSize: number): Buffer;
}

const CODECS: Readonly<Record<CompressionType, CompressionCodec>> = {
  NONE: noneCodec,
  LZ4: lz4Codec,
  ZLIB: zlibCodec,
  ZSTD: zstdCodec,
  SNAPPY: snappyCodec,
};

/**
 * Codec for a compression type name. The codecs are stateless and shared.
 *
 * @throws {CompressionError} `PULSAR_ERR_UNSUPPORTED_COMPRESSION` when `type` is
 *   not a known name (possible when it comes from untyped input).
 */
export function getCodec(type: CompressionType): CompressionCodec {
  if (!Object.hasOwn(CODECS, type)) {
    throw new CompressionError(
      COMPRESSION_ERROR_CODE.UNSUPPORTED,
      `Unsupported compression type ${JSON.stringify(type)}`,
    );
  }
  return CODECS[type];
}

/**
 * Maps the wire value of `MessageMetadata.compression` to its name.
 *
 * @throws {CompressionError} `PULSAR_ERR_UNSUPPORTED_COMPRESSION` for values
 *   Pulsar does not define.
 */
export function compressionTypeFromWire(value: number): CompressionType {
  for (const [name, wire] of Object.entries(COMPRESSION_TYPE)) {
    if (wire === value) return name as CompressionType;
  }
  throw new CompressionError(
    COMPRESSION_ERROR_CODE.UNSUPPORTED,
    `Unsupported compression type ${value} in message metadata`,
  );
}

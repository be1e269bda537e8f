import { COMPRESSION_ERROR_CODE, CompressionError } from './compression-error.ts';

/**
 * Rejects an `uncompressedSize` that cannot be a buffer length. Shared by all
 * codecs so a bad `uncompressed_size` fails the same way whatever the codec.
 *
 * @throws {CompressionError} `PULSAR_ERR_DECOMPRESSION`
 */
export function checkUncompressedSize(codec: string, uncompressedSize: number): void {
  if (!Number.isSafeInteger(uncompressedSize) || uncompressedSize < 0) {
    throw decompressionError(codec, `invalid uncompressed size ${uncompressedSize}`);
  }
}

/** Builds the error every codec raises for undecodable input. */
export function decompressionError(
  codec: string,
  reason: string,
  cause?: unknown,
): CompressionError {
  return new CompressionError(
    COMPRESSION_ERROR_CODE.DECOMPRESSION,
    `${codec} decompression failed: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

import { BaseError } from '../../shared/index.ts';

/** Stable codes of {@link CompressionError}. */
export const COMPRESSION_ERROR_CODE = {
  /**
   * The payload is corrupt, truncated, or does not decompress to exactly
   * `uncompressed_size` bytes. The Java consumer acks such an entry with
   * validation error `DecompressionError`.
   */
  DECOMPRESSION: 'PULSAR_ERR_DECOMPRESSION',
  /** The compression type (by name or wire number) is not one Pulsar defines. */
  UNSUPPORTED: 'PULSAR_ERR_UNSUPPORTED_COMPRESSION',
} as const;

/** One of the {@link COMPRESSION_ERROR_CODE} values. */
export type CompressionErrorCode =
  (typeof COMPRESSION_ERROR_CODE)[keyof typeof COMPRESSION_ERROR_CODE];

/**
 * Raised by the payload codecs. Never retryable: the same bytes fail the same
 * way on every attempt.
 */
export class CompressionError extends BaseError {
  declare readonly code: CompressionErrorCode;

  constructor(code: CompressionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, { cause: options?.cause, retryable: false });
  }
}

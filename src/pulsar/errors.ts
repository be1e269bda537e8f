import { BaseError } from '../shared/index.ts';

/**
 * Every error code the Pulsar client raises, with whether retrying the same operation later may
 * succeed. docs/pulsar-client-errors.md documents each one; test/unit/pulsar/errors.test.ts fails
 * when this table and the document drift apart.
 */
export const PULSAR_ERROR_CODES = {
  PULSAR_ERR_TIMEOUT: { retryable: true },
  PULSAR_ERR_CONNECTION_CLOSED: { retryable: true },
  PULSAR_ERR_CONNECT_FAILED: { retryable: true },
  PULSAR_ERR_NOT_CONNECTED: { retryable: true },
  PULSAR_ERR_CLOSED: { retryable: false },
  PULSAR_ERR_SERVICE_NOT_READY: { retryable: true },
  PULSAR_ERR_TOO_MANY_REQUESTS: { retryable: true },
  PULSAR_ERR_METADATA: { retryable: true },
  PULSAR_ERR_PERSISTENCE: { retryable: true },
  PULSAR_ERR_LOOKUP_FAILED: { retryable: true },
  PULSAR_ERR_TOO_MANY_REDIRECTS: { retryable: false },
  PULSAR_ERR_NOT_FOUND: { retryable: false },
  PULSAR_ERR_SUBSCRIPTION_NOT_FOUND: { retryable: false },
  PULSAR_ERR_CONSUMER_NOT_FOUND: { retryable: false },
  PULSAR_ERR_INVALID_TOPIC_NAME: { retryable: false },
  PULSAR_ERR_AUTHENTICATION: { retryable: false },
  PULSAR_ERR_AUTHORIZATION: { retryable: false },
  PULSAR_ERR_PRODUCER_BUSY: { retryable: false },
  PULSAR_ERR_CONSUMER_BUSY: { retryable: false },
  PULSAR_ERR_CONSUMER_ASSIGN: { retryable: true },
  PULSAR_ERR_TOPIC_TERMINATED: { retryable: false },
  PULSAR_ERR_QUOTA_EXCEEDED: { retryable: true },
  PULSAR_ERR_PRODUCER_FENCED: { retryable: false },
  PULSAR_ERR_INCOMPATIBLE_SCHEMA: { retryable: false },
  PULSAR_ERR_NOT_ALLOWED: { retryable: false },
  PULSAR_ERR_UNSUPPORTED_VERSION: { retryable: false },
  PULSAR_ERR_TRANSACTION: { retryable: false },
  PULSAR_ERR_BROKER_CHECKSUM: { retryable: true },
  PULSAR_ERR_UNKNOWN_SERVER_ERROR: { retryable: true },
  PULSAR_ERR_PROTOCOL: { retryable: true },
  PULSAR_ERR_CHECKSUM: { retryable: false },
  PULSAR_ERR_FRAME_TOO_LARGE: { retryable: true },
  PULSAR_ERR_INVALID_ARGUMENT: { retryable: false },
  PULSAR_ERR_INVALID_URL: { retryable: false },
  PULSAR_ERR_TLS_CONFIG: { retryable: false },
  PULSAR_ERR_PRODUCER_QUEUE_FULL: { retryable: true },
  PULSAR_ERR_MESSAGE_TOO_LARGE: { retryable: false },
} as const satisfies Record<string, { retryable: boolean }>;

/** One of the stable `PULSAR_ERR_*` codes. */
export type PulsarErrorCode = keyof typeof PULSAR_ERROR_CODES;

/** Options of {@link PulsarError}. */
export interface PulsarErrorOptions {
  cause?: unknown;
  /** Overrides the code's default retryability (rarely needed). */
  retryable?: boolean;
  /** The broker's ServerError number when the error came from the broker. */
  serverError?: number;
}

/**
 * Error raised by the Pulsar client. Branch on `code` (see {@link PULSAR_ERROR_CODES}), never on
 * `message`. `retryable` defaults from the code's table entry.
 */
export class PulsarError extends BaseError {
  declare readonly code: PulsarErrorCode;
  /** ServerError number sent by the broker, if any. */
  readonly serverError: number | undefined;

  constructor(code: PulsarErrorCode, message: string, options: PulsarErrorOptions = {}) {
    super(code, message, {
      cause: options.cause,
      retryable: options.retryable ?? PULSAR_ERROR_CODES[code].retryable,
    });
    this.serverError = options.serverError;
  }
}

/** True when `err` is a {@link PulsarError}, optionally with the given code. */
export function isPulsarError(err: unknown, code?: PulsarErrorCode): err is PulsarError {
  return err instanceof PulsarError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into a PulsarError, keeping PulsarErrors as they are. */
export function toPulsarError(
  err: unknown,
  fallback: PulsarErrorCode,
  message: string,
): PulsarError {
  if (err instanceof PulsarError) return err;
  return new PulsarError(fallback, err instanceof Error ? `${message}: ${err.message}` : message, {
    cause: err,
  });
}

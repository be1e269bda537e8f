/**
 * Base class of every error the project raises on purpose. Code branches on
 * `code` (a stable, documented string such as `PULSAR_ERR_TIMEOUT`), never on
 * `message`, which is for humans and may change.
 */
export class BaseError extends Error {
  /** Stable machine-readable identifier of the failure. */
  readonly code: string;
  /** True when repeating the same operation later may succeed. */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** True when `err` is a {@link BaseError} carrying `code`. */
export function hasErrorCode(err: unknown, code: string): boolean {
  return err instanceof BaseError && err.code === code;
}

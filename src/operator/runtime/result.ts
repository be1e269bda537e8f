import { BaseError } from '../../shared/index.ts';

/**
 * What a reconcile asks the controller to do next (controller-runtime
 * `reconcile.Result`). The request itself carries only `namespace/name`:
 * reconciliation is level-based, so a reconciler re-reads the whole state and
 * never branches on which event queued the key.
 *
 * - `{}`: done; the key's backoff is reset (`forget`).
 * - `{ requeueAfterMs }` (> 0): done for now, reconcile again after that many
 *   milliseconds (polling, certificate renewal). The backoff is reset first.
 * - `{ requeue: true }`: requeue with the per-key exponential backoff, without
 *   counting an error (controller-runtime's deprecated `Requeue`; prefer
 *   `requeueAfterMs`).
 *
 * Throwing an error requeues with backoff; throwing a {@link TerminalError}
 * logs and counts it but does not retry (a later event or resync still
 * reconciles the key again).
 */
export interface Result {
  /** Milliseconds until the key is reconciled again; ignored when `<= 0`. */
  requeueAfterMs?: number;
  /** Requeue with per-key backoff although no error happened. */
  requeue?: boolean;
}

/** Stable code of {@link TerminalError}. */
export const TERMINAL_ERROR_CODE = 'OPERATOR_ERR_TERMINAL';

/**
 * A reconcile failure that retrying cannot fix (controller-runtime
 * `reconcile.TerminalError`): the controller logs it and counts it in
 * `controller_runtime_terminal_reconcile_errors_total` and
 * `controller_runtime_reconcile_errors_total`, but does not requeue the key.
 * Report the problem in a status condition as well: a log line alone is not
 * visible to users.
 */
export class TerminalError extends BaseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(TERMINAL_ERROR_CODE, message, { cause: options?.cause, retryable: false });
  }
}

/**
 * True when `err`, or any error in its `cause` chain, is a
 * {@link TerminalError} (controller-runtime checks with `errors.As`, which
 * unwraps too).
 */
export function isTerminalError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let cur: unknown = err;
  while (cur instanceof Error && !seen.has(cur)) {
    if (cur instanceof TerminalError) return true;
    seen.add(cur);
    cur = cur.cause;
  }
  return false;
}

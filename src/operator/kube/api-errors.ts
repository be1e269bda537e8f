import { ApiException } from '@kubernetes/client-node';

/**
 * Classifies errors from `@kubernetes/client-node` by HTTP status
 * (`ApiException.code`) and, where one status covers several cases, by the
 * `Status.reason` field of the body: never by message text, which is for
 * humans (docs/style.md §7.6, anti-patterns 5 and 14). Anything that is not
 * an `ApiException` (network errors, timeouts) matches none of these and must
 * propagate so the work queue retries with backoff.
 */
export const apiErrors = {
  /** HTTP code of an `ApiException`, else `undefined`. */
  code(err: unknown): number | undefined {
    return err instanceof ApiException ? err.code : undefined;
  },
  /**
   * `Status.message` of an `ApiException` body (the API server's explanation, e.g. an
   * admission policy's message), at most `max` characters, else `undefined`. For humans only.
   */
  message(err: unknown, max = 400): string | undefined {
    const m = statusField(err, 'message');
    return m === undefined ? undefined : m.slice(0, max);
  },
  /** `Status.reason` of an `ApiException` body (e.g. `AlreadyExists`), else `undefined`. */
  reason(err: unknown): string | undefined {
    return statusField(err, 'reason');
  },
};

function statusField(err: unknown, field: 'reason' | 'message'): string | undefined {
  if (!(err instanceof ApiException)) return undefined;
  const body: unknown = err.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  if (typeof parsed === 'object' && parsed !== null && field in parsed) {
    const r = (parsed as Record<string, unknown>)[field];
    return typeof r === 'string' ? r : undefined;
  }
  return undefined;
}

/** 404: the object (or its kind) does not exist. */
export function isNotFound(err: unknown): boolean {
  return apiErrors.code(err) === 404;
}

/** 409: a resourceVersion precondition failed, or the object already exists. */
export function isConflict(err: unknown): boolean {
  return apiErrors.code(err) === 409;
}

/** 409 with reason `AlreadyExists`: a create found the name taken. */
export function isAlreadyExists(err: unknown): boolean {
  return isConflict(err) && apiErrors.reason(err) === 'AlreadyExists';
}

/** 410: the requested resourceVersion is too old (watch/list must relist). */
export function isGone(err: unknown): boolean {
  return apiErrors.code(err) === 410;
}

/** 403: RBAC denies the request. */
export function isForbidden(err: unknown): boolean {
  return apiErrors.code(err) === 403;
}

/** 422: the API server rejected the object at validation or admission. */
export function isInvalid(err: unknown): boolean {
  return apiErrors.code(err) === 422;
}

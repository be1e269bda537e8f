import { GatewayError } from '../errors.ts';
import { JavaParseError, parseJavaInt, parseJavaLong } from './java-parse.ts';
import type { QueryParams } from './query-params.ts';

/**
 * The reference's answer to an `IllegalArgumentException` (incl. `NumberFormatException`) while
 * building a producer or consumer: HTTP 400 `Invalid query params: <message>` (§3.3).
 */
export function invalidQueryParam(message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_ERR_INVALID_PARAM', `Invalid query params: ${message}`, { cause });
}

/**
 * Typed accessors over {@link QueryParams} that fail the way the reference's builders fail.
 * `wrap` turns a message into the error to throw (400 for producer/consumer; the reader uses its
 * own mapping).
 */
export class ParamReader {
  readonly #query: QueryParams;
  readonly #wrap: (message: string, cause?: unknown) => GatewayError;

  constructor(
    query: QueryParams,
    wrap: (message: string, cause?: unknown) => GatewayError = invalidQueryParam,
  ) {
    this.#query = query;
    this.#wrap = wrap;
  }

  /** Raw value (first occurrence), or undefined when the key is absent. */
  get(key: string): string | undefined {
    return this.#query.get(key);
  }

  /** `Integer.parseInt` of the value, or undefined when absent. */
  int(key: string): number | undefined {
    const v = this.#query.get(key);
    if (v === undefined) return undefined;
    try {
      return parseJavaInt(v);
    } catch (err) {
      throw this.fail((err as JavaParseError).message, err);
    }
  }

  /** `Long.parseLong` of the value, or undefined when absent. */
  long(key: string): bigint | undefined {
    const v = this.#query.get(key);
    if (v === undefined) return undefined;
    try {
      return parseJavaLong(v);
    } catch (err) {
      throw this.fail((err as JavaParseError).message, err);
    }
  }

  /**
   * Exact enum constant name, checked like Guava's `Enums.getIfPresent` with the reference's
   * `Invalid <key> <value>` message (or `message` when given).
   */
  enumValue<const T extends string>(
    key: string,
    members: readonly T[],
    message?: (value: string) => string,
  ): T | undefined {
    const v = this.#query.get(key);
    if (v === undefined) return undefined;
    const found = members.find((m) => m === v);
    if (found === undefined) throw this.fail(message ? message(v) : `Invalid ${key} ${v}`);
    return found;
  }

  /** `checkArgument(cond, message)`. */
  check(cond: boolean, message: string): void {
    if (!cond) throw this.fail(message);
  }

  /** The error to throw for `message`. */
  fail(message: string, cause?: unknown): GatewayError {
    return this.#wrap(message, cause);
  }
}

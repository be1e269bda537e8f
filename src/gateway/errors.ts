import { BaseError } from '../shared/index.ts';

/**
 * WebSocket close codes the gateway sends (RFC 6455 §7.4.1). The reference proxy tries to close
 * with codes 3 and 4 (`WebSocketError`), which no client can receive (pulsar-websocket-api.md
 * §8.4); we use valid codes instead (docs/compatibility.md). docs/gateway-errors.md lists each one
 * and test/unit/gateway/errors.test.ts keeps the two in sync.
 */
export const CLOSE_CODES = {
  /** Normal closure: the client asked to close, or an unsubscribe finished. */
  NORMAL: 1000,
  /** Going away: graceful drain (SIGTERM) or idle timeout, as Jetty does for idle sessions. */
  GOING_AWAY: 1001,
  /** Invalid frame payload data: a command frame that is not valid JSON or not a valid command. */
  INVALID_DATA: 1007,
  /** Policy violation: the session's token expired, or a client broke a gateway limit. */
  POLICY_VIOLATION: 1008,
  /** Message too big: a text message above `websocket.maxFrameSizeBytes` (reference 1 MiB). */
  MESSAGE_TOO_BIG: 1009,
  /** Internal error: an unexpected failure, or the broker side of the session failed for good. */
  INTERNAL_ERROR: 1011,
  /** Try again later: the gateway is overloaded (for example a slow client over its buffer cap). */
  TRY_AGAIN_LATER: 1013,
} as const;

/** One of the {@link CLOSE_CODES} values. */
export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/**
 * Every `GW_ERR_*` code with the HTTP status it answers during the upgrade and/or the close code it
 * uses inside a session. docs/gateway-errors.md documents each; a test keeps them in sync.
 */
export const GATEWAY_ERROR_CODES = {
  GW_ERR_NOT_FOUND: { httpStatus: 404, closeCode: undefined },
  GW_ERR_BAD_PATH: { httpStatus: 400, closeCode: undefined },
  GW_ERR_BAD_QUERY: { httpStatus: 400, closeCode: undefined },
  GW_ERR_INVALID_PARAM: { httpStatus: 400, closeCode: undefined },
  GW_ERR_NOT_SUPPORTED: { httpStatus: 500, closeCode: undefined },
  GW_ERR_READER_CREATE: { httpStatus: 500, closeCode: undefined },
  GW_ERR_UNAUTHENTICATED: { httpStatus: 401, closeCode: undefined },
  GW_ERR_FORBIDDEN: { httpStatus: 403, closeCode: undefined },
  GW_ERR_ORIGIN_NOT_ALLOWED: { httpStatus: 403, closeCode: undefined },
  GW_ERR_TOPIC_NOT_FOUND: { httpStatus: 404, closeCode: undefined },
  GW_ERR_CONFLICT: { httpStatus: 409, closeCode: undefined },
  GW_ERR_TOO_MANY_REQUESTS: { httpStatus: 429, closeCode: undefined },
  GW_ERR_UNAVAILABLE: { httpStatus: 503, closeCode: undefined },
  GW_ERR_TOO_MANY_CONNECTIONS: { httpStatus: 503, closeCode: undefined },
  GW_ERR_TIMEOUT: { httpStatus: 504, closeCode: undefined },
  GW_ERR_DRAINING: { httpStatus: 503, closeCode: 1001 },
  GW_ERR_IDLE_TIMEOUT: { httpStatus: undefined, closeCode: 1001 },
  GW_ERR_BAD_FRAME: { httpStatus: undefined, closeCode: 1007 },
  GW_ERR_TOKEN_EXPIRED: { httpStatus: undefined, closeCode: 1008 },
  GW_ERR_FRAME_TOO_LARGE: { httpStatus: undefined, closeCode: 1009 },
  GW_ERR_SLOW_CLIENT: { httpStatus: undefined, closeCode: 1013 },
  GW_ERR_INTERNAL: { httpStatus: 500, closeCode: 1011 },
  GW_ERR_CONFIG: { httpStatus: undefined, closeCode: undefined },
} as const satisfies Record<
  string,
  { httpStatus: number | undefined; closeCode: CloseCode | undefined }
>;

/** One of the stable `GW_ERR_*` codes. */
export type GatewayErrorCode = keyof typeof GATEWAY_ERROR_CODES;

/** Options of {@link GatewayError}. */
export interface GatewayErrorOptions {
  cause?: unknown;
  /** Overrides the code's HTTP status (used by the Pulsar-error mapping). */
  httpStatus?: number;
  /** Overrides the code's close code. */
  closeCode?: CloseCode;
}

/**
 * An error the gateway reports to a client. During the handshake the handler answers
 * `httpStatus` with `message` as the body (the reference's `sendError(status, message)`, §3);
 * inside a session it closes with `closeCode` and a reason derived from `message`.
 */
export class GatewayError extends BaseError {
  declare readonly code: GatewayErrorCode;
  /** HTTP status for a failed upgrade, if the error can happen during the handshake. */
  readonly httpStatus: number | undefined;
  /** WebSocket close code, if the error can happen inside a session. */
  readonly closeCode: CloseCode | undefined;

  constructor(code: GatewayErrorCode, message: string, options: GatewayErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    const entry = GATEWAY_ERROR_CODES[code];
    this.httpStatus = options.httpStatus ?? entry.httpStatus;
    this.closeCode = options.closeCode ?? entry.closeCode;
  }
}

/** True when `err` is a {@link GatewayError}, optionally with the given code. */
export function isGatewayError(err: unknown, code?: GatewayErrorCode): err is GatewayError {
  return err instanceof GatewayError && (code === undefined || err.code === code);
}

/**
 * Truncates a close reason to the 123 bytes RFC 6455 §5.5 allows (a close frame's payload is at
 * most 125 bytes, two of them the code), cutting on a character boundary.
 */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let out = '';
  let bytes = 0;
  for (const ch of text) {
    const len = Buffer.byteLength(ch);
    if (bytes + len > 123) break;
    out += ch;
    bytes += len;
  }
  return out;
}

/**
 * HTTP status and gateway code for each Pulsar client error code (`PULSAR_ERR_*`, see
 * docs/pulsar-client-errors.md), following the reference's `getErrorCode` (§3.3). Kept as plain
 * strings so the gateway does not depend on the client's internals; a unit test checks that every
 * code of `src/pulsar/errors.ts` is listed here.
 */
export const PULSAR_ERROR_HTTP: Readonly<
  Record<string, { code: GatewayErrorCode; httpStatus: number }>
> = {
  PULSAR_ERR_INVALID_ARGUMENT: { code: 'GW_ERR_INVALID_PARAM', httpStatus: 400 },
  PULSAR_ERR_AUTHENTICATION: { code: 'GW_ERR_UNAUTHENTICATED', httpStatus: 401 },
  PULSAR_ERR_AUTHORIZATION: { code: 'GW_ERR_FORBIDDEN', httpStatus: 403 },
  PULSAR_ERR_NOT_FOUND: { code: 'GW_ERR_TOPIC_NOT_FOUND', httpStatus: 404 },
  PULSAR_ERR_SUBSCRIPTION_NOT_FOUND: { code: 'GW_ERR_TOPIC_NOT_FOUND', httpStatus: 404 },
  PULSAR_ERR_CONSUMER_NOT_FOUND: { code: 'GW_ERR_TOPIC_NOT_FOUND', httpStatus: 404 },
  PULSAR_ERR_PRODUCER_BUSY: { code: 'GW_ERR_CONFLICT', httpStatus: 409 },
  PULSAR_ERR_CONSUMER_BUSY: { code: 'GW_ERR_CONFLICT', httpStatus: 409 },
  PULSAR_ERR_PRODUCER_FENCED: { code: 'GW_ERR_CONFLICT', httpStatus: 409 },
  PULSAR_ERR_INCOMPATIBLE_SCHEMA: { code: 'GW_ERR_CONFLICT', httpStatus: 409 },
  PULSAR_ERR_TOO_MANY_REQUESTS: { code: 'GW_ERR_TOO_MANY_REQUESTS', httpStatus: 429 },
  PULSAR_ERR_QUOTA_EXCEEDED: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  PULSAR_ERR_TOPIC_TERMINATED: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  PULSAR_ERR_TIMEOUT: { code: 'GW_ERR_TIMEOUT', httpStatus: 504 },
  // The Java client keeps retrying these until its operation timeout; we answer at once with 503
  // (docs/compatibility.md).
  PULSAR_ERR_CONNECT_FAILED: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  PULSAR_ERR_CONNECTION_CLOSED: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  PULSAR_ERR_NOT_CONNECTED: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  PULSAR_ERR_SERVICE_NOT_READY: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  PULSAR_ERR_CLOSED: { code: 'GW_ERR_UNAVAILABLE', httpStatus: 503 },
  // Everything else is the reference's "anything else → 500".
  PULSAR_ERR_METADATA: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_PERSISTENCE: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_LOOKUP_FAILED: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_TOO_MANY_REDIRECTS: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_INVALID_TOPIC_NAME: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_CONSUMER_ASSIGN: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_NOT_ALLOWED: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_UNSUPPORTED_VERSION: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_TRANSACTION: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_BROKER_CHECKSUM: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_UNKNOWN_SERVER_ERROR: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_PROTOCOL: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_CHECKSUM: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_FRAME_TOO_LARGE: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_INVALID_URL: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_TLS_CONFIG: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  // Send-path errors; at the handshake they can only be "anything else".
  PULSAR_ERR_PRODUCER_QUEUE_FULL: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
  PULSAR_ERR_MESSAGE_TOO_LARGE: { code: 'GW_ERR_INTERNAL', httpStatus: 500 },
};

/** Which resource a handshake was creating; selects the reference's message prefix (§3.3). */
export type CreateTarget = 'producer' | 'consumer' | 'reader';

/**
 * Converts a failure to attach to the broker into the handshake error the reference sends:
 * `Invalid query params: <detail>` with 400 for argument errors, otherwise
 * `Failed to create <target>: <detail>` with the §3.3 status. For readers the reference answers
 * 500 for every failure after authorization (§3.3 last line), which we keep.
 *
 * @param err anything thrown by the Pulsar client; its `code` (a `PULSAR_ERR_*` string) picks the
 *   status, unknown codes give 500.
 */
export function gatewayErrorFromPulsar(err: unknown, target: CreateTarget): GatewayError {
  if (err instanceof GatewayError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const pulsarCode = err instanceof BaseError ? err.code : undefined;
  const mapped = pulsarCode === undefined ? undefined : PULSAR_ERROR_HTTP[pulsarCode];
  // The reference answers 500 for every reader failure *after* its own authentication and
  // authorization step; here the broker is that step, so its 401/403 verdicts keep their status
  // (docs/compatibility.md H12).
  const authVerdict = mapped?.httpStatus === 401 || mapped?.httpStatus === 403;
  if (target === 'reader' && !authVerdict) {
    return new GatewayError('GW_ERR_READER_CREATE', `Failed to create reader: ${detail}`, {
      cause: err,
    });
  }
  if (mapped === undefined) {
    return new GatewayError('GW_ERR_INTERNAL', `Failed to create ${target}: ${detail}`, {
      cause: err,
    });
  }
  const prefix =
    mapped.httpStatus === 400 ? 'Invalid query params: ' : `Failed to create ${target}: `;
  return new GatewayError(mapped.code, prefix + detail, {
    cause: err,
    httpStatus: mapped.httpStatus,
  });
}

/**
 * Java exception class names the reference puts in `send-error:8` messages
 * (`<class>: <text>`, §4.3), per Pulsar client error code, so the gateway's `errorMsg` reads like
 * the reference's. Unlisted codes use `PulsarClientException`.
 */
export const JAVA_EXCEPTION_NAMES: Readonly<Record<string, string>> = {
  PULSAR_ERR_TIMEOUT: 'org.apache.pulsar.client.api.PulsarClientException$TimeoutException',
  PULSAR_ERR_TOPIC_TERMINATED:
    'org.apache.pulsar.client.api.PulsarClientException$TopicTerminatedException',
  PULSAR_ERR_QUOTA_EXCEEDED:
    'org.apache.pulsar.client.api.PulsarClientException$ProducerBlockedQuotaExceededException',
  PULSAR_ERR_CLOSED: 'org.apache.pulsar.client.api.PulsarClientException$AlreadyClosedException',
  PULSAR_ERR_NOT_ALLOWED: 'org.apache.pulsar.client.api.PulsarClientException$NotAllowedException',
  PULSAR_ERR_AUTHORIZATION:
    'org.apache.pulsar.client.api.PulsarClientException$AuthorizationException',
  PULSAR_ERR_INVALID_ARGUMENT:
    'org.apache.pulsar.client.api.PulsarClientException$InvalidMessageException',
  PULSAR_ERR_MESSAGE_TOO_LARGE:
    'org.apache.pulsar.client.api.PulsarClientException$InvalidMessageException',
  PULSAR_ERR_PRODUCER_QUEUE_FULL:
    'org.apache.pulsar.client.api.PulsarClientException$ProducerQueueIsFullError',
};

/** `send-error:8` text for a failed send: `<Java exception class>: <message>`. */
export function sendErrorMessage(err: unknown): string {
  const detail = err instanceof Error ? err.message : String(err);
  const code = err instanceof BaseError ? err.code : '';
  const cls = JAVA_EXCEPTION_NAMES[code] ?? 'org.apache.pulsar.client.api.PulsarClientException';
  return `${cls}: ${detail}`;
}

import { GatewayError } from '../errors.ts';
import { decodeJavaBase64, JavaBase64Error } from '../protocol/java-base64.ts';
import { CRYPTO_FAILURE_ACTIONS, MAX_RECEIVER_QUEUE_SIZE } from './consumer-params.ts';
import type { CryptoFailureAction } from './consumer-params.ts';
import { isJavaBlank } from './java-parse.ts';
import { ParamReader, invalidQueryParam } from './param-readers.ts';
import type { QueryParams } from './query-params.ts';

/** Where a reader starts. A given id is **exclusive**: reading starts after it (§7.1). */
export type StartMessageId =
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | {
      kind: 'id';
      /** The base64 text as sent. */
      base64: string;
      /** Its decoded bytes: a serialized `MessageIdData` for the client to parse. */
      bytes: Uint8Array;
    };

/** Reader settings (§7.1). */
export interface ReaderOptions {
  /** Undefined = client-generated. */
  readerName: string | undefined;
  /** Client receive queue, default 1000, capped at 1000. */
  receiverQueueSize: number;
  /** Default `latest` (also when `messageId` is blank). */
  startMessageId: StartMessageId;
  /** Default `FAIL`; invalid values ignored. */
  cryptoFailureAction: CryptoFailureAction;
  /** Push window: `receiverQueueSize`, or 1 when it is 0. */
  maxPendingMessages: number;
}

function readerCreateError(message: string, cause?: unknown): GatewayError {
  return new GatewayError('GW_ERR_READER_CREATE', `Failed to create reader: ${message}`, { cause });
}

/**
 * Builds reader options as `ReaderHandler` (4.0) does. Statuses: a non-integer
 * `receiverQueueSize` escapes the reference's constructor (a Jetty 500); we answer 400
 * `Invalid query params: ...` (docs/compatibility.md). A negative size or a bad `messageId`
 * (strict base64) is reported by the reference itself as 500 `Failed to create reader: ...`,
 * which we keep.
 *
 * @throws GatewayError `GW_ERR_INVALID_PARAM` (400) or `GW_ERR_READER_CREATE` (500).
 */
export function parseReaderParams(query: QueryParams): ReaderOptions {
  const parse = new ParamReader(query, invalidQueryParam);
  const create = new ParamReader(query, readerCreateError);
  const queue = Math.min(parse.int('receiverQueueSize') ?? MAX_RECEIVER_QUEUE_SIZE, 1000);

  let startMessageId: StartMessageId = { kind: 'latest' };
  const id = query.get('messageId');
  if (id !== undefined && !isJavaBlank(id)) {
    if (id === 'earliest') startMessageId = { kind: 'earliest' };
    else if (id !== 'latest') {
      try {
        startMessageId = { kind: 'id', base64: id, bytes: decodeJavaBase64(id) };
      } catch (err) {
        throw create.fail((err as JavaBase64Error).message, err);
      }
    }
  }
  create.check(queue >= 0, 'receiverQueueSize needs to be >= 0');

  const action = query.get('cryptoFailureAction');
  return {
    readerName: query.get('readerName'),
    receiverQueueSize: queue,
    startMessageId,
    cryptoFailureAction: CRYPTO_FAILURE_ACTIONS.find((a) => a === action) ?? 'FAIL',
    maxPendingMessages: queue === 0 ? 1 : queue,
  };
}

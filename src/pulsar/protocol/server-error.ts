import { PulsarError, type PulsarErrorCode } from '../errors.ts';
import { ServerError } from './constants.ts';

/**
 * Broker `ServerError` → our stable code. Retryability comes from the code's table entry in
 * errors.ts; the choices follow the Go client's reconnect sorting (docs/style.md §5) but by value,
 * never by matching error text:
 * - ServiceNotReady / TooManyRequests / MetadataError: retry with a fresh lookup (§1.3, §5.2 item 3).
 * - TopicNotFound, TopicTerminated, ProducerFenced: terminal for a producer.
 * - Quota exceeded: fail what is pending but keep retrying.
 */
const SERVER_ERROR_CODES: ReadonlyMap<number, PulsarErrorCode> = new Map<number, PulsarErrorCode>([
  [ServerError.UnknownError, 'PULSAR_ERR_UNKNOWN_SERVER_ERROR'],
  [ServerError.MetadataError, 'PULSAR_ERR_METADATA'],
  [ServerError.PersistenceError, 'PULSAR_ERR_PERSISTENCE'],
  [ServerError.AuthenticationError, 'PULSAR_ERR_AUTHENTICATION'],
  [ServerError.AuthorizationError, 'PULSAR_ERR_AUTHORIZATION'],
  [ServerError.ConsumerBusy, 'PULSAR_ERR_CONSUMER_BUSY'],
  [ServerError.ServiceNotReady, 'PULSAR_ERR_SERVICE_NOT_READY'],
  [ServerError.ProducerBlockedQuotaExceededError, 'PULSAR_ERR_QUOTA_EXCEEDED'],
  [ServerError.ProducerBlockedQuotaExceededException, 'PULSAR_ERR_QUOTA_EXCEEDED'],
  [ServerError.ChecksumError, 'PULSAR_ERR_BROKER_CHECKSUM'],
  [ServerError.UnsupportedVersionError, 'PULSAR_ERR_UNSUPPORTED_VERSION'],
  [ServerError.TopicNotFound, 'PULSAR_ERR_NOT_FOUND'],
  [ServerError.SubscriptionNotFound, 'PULSAR_ERR_SUBSCRIPTION_NOT_FOUND'],
  [ServerError.ConsumerNotFound, 'PULSAR_ERR_CONSUMER_NOT_FOUND'],
  [ServerError.TooManyRequests, 'PULSAR_ERR_TOO_MANY_REQUESTS'],
  [ServerError.TopicTerminatedError, 'PULSAR_ERR_TOPIC_TERMINATED'],
  [ServerError.ProducerBusy, 'PULSAR_ERR_PRODUCER_BUSY'],
  [ServerError.InvalidTopicName, 'PULSAR_ERR_INVALID_TOPIC_NAME'],
  [ServerError.IncompatibleSchema, 'PULSAR_ERR_INCOMPATIBLE_SCHEMA'],
  [ServerError.ConsumerAssignError, 'PULSAR_ERR_CONSUMER_ASSIGN'],
  [ServerError.TransactionCoordinatorNotFound, 'PULSAR_ERR_TRANSACTION'],
  [ServerError.InvalidTxnStatus, 'PULSAR_ERR_TRANSACTION'],
  [ServerError.NotAllowedError, 'PULSAR_ERR_NOT_ALLOWED'],
  [ServerError.TransactionConflict, 'PULSAR_ERR_TRANSACTION'],
  [ServerError.TransactionNotFound, 'PULSAR_ERR_TRANSACTION'],
  [ServerError.ProducerFenced, 'PULSAR_ERR_PRODUCER_FENCED'],
]);

const SERVER_ERROR_NAMES = new Map<number, string>(
  Object.entries(ServerError).map(([name, value]) => [value, name]),
);

/** The stable code for a broker ServerError; values unknown to us map to UNKNOWN_SERVER_ERROR. */
export function serverErrorCode(serverError: number): PulsarErrorCode {
  return SERVER_ERROR_CODES.get(serverError) ?? 'PULSAR_ERR_UNKNOWN_SERVER_ERROR';
}

/** Name of a ServerError value for messages and logs. */
export function serverErrorName(serverError: number): string {
  return SERVER_ERROR_NAMES.get(serverError) ?? `ServerError(${serverError})`;
}

/** Builds the PulsarError for a broker error response (ERROR, SEND_ERROR, failed lookups). */
export function fromServerError(serverError: number, message: string | undefined): PulsarError {
  const name = serverErrorName(serverError);
  return new PulsarError(
    serverErrorCode(serverError),
    message === undefined || message === '' ? name : `${name}: ${message}`,
    { serverError },
  );
}

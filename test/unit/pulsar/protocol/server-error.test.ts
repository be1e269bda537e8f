import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PULSAR_ERROR_CODES } from '../../../../src/pulsar/errors.ts';
import { ServerError } from '../../../../src/pulsar/protocol/constants.ts';
import { fromServerError, serverErrorCode } from '../../../../src/pulsar/protocol/server-error.ts';

describe('ServerError mapping', () => {
  it('maps every known ServerError to a documented code', () => {
    for (const value of Object.values(ServerError)) {
      assert.ok(serverErrorCode(value) in PULSAR_ERROR_CODES);
    }
  });

  it('sorts errors by how to recover', () => {
    const retryable = (v: number): boolean => fromServerError(v, 'x').retryable;
    assert.equal(retryable(ServerError.ServiceNotReady), true);
    assert.equal(retryable(ServerError.TooManyRequests), true);
    assert.equal(retryable(ServerError.MetadataError), true);
    assert.equal(retryable(ServerError.ProducerBlockedQuotaExceededError), true);
    assert.equal(retryable(ServerError.TopicNotFound), false);
    assert.equal(retryable(ServerError.TopicTerminatedError), false);
    assert.equal(retryable(ServerError.ProducerFenced), false);
    assert.equal(retryable(ServerError.AuthenticationError), false);
    assert.equal(retryable(ServerError.AuthorizationError), false);
  });

  it('keeps the broker value and message', () => {
    const err = fromServerError(
      ServerError.ProducerBusy,
      'Producer with name p is already connected',
    );
    assert.equal(err.code, 'PULSAR_ERR_PRODUCER_BUSY');
    assert.equal(err.serverError, 16);
    assert.match(err.message, /ProducerBusy: Producer with name/);
  });

  it('maps unknown future values to UNKNOWN_SERVER_ERROR', () => {
    assert.equal(fromServerError(99, '').code, 'PULSAR_ERR_UNKNOWN_SERVER_ERROR');
  });
});

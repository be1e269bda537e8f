import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BaseError } from '../../../src/shared/index.ts';
import {
  PULSAR_ERROR_CODES,
  PulsarError,
  isPulsarError,
  toPulsarError,
} from '../../../src/pulsar/errors.ts';

const DOC = new URL('../../../docs/pulsar-client-errors.md', import.meta.url);

/** Rows of the doc's table: code → retryable. */
function documentedCodes(): Map<string, boolean> {
  const rows = new Map<string, boolean>();
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\| `(PULSAR_ERR_[A-Z_]+)` \| (yes|no) \|/.exec(line);
    if (m) rows.set(m[1]!, m[2] === 'yes');
  }
  return rows;
}

describe('PulsarError', () => {
  it('is a BaseError with the code and its default retryability', () => {
    const err = new PulsarError('PULSAR_ERR_TIMEOUT', 'slow');
    assert.ok(err instanceof BaseError);
    assert.equal(err.code, 'PULSAR_ERR_TIMEOUT');
    assert.equal(err.retryable, true);
    assert.equal(err.name, 'PulsarError');
    assert.equal(new PulsarError('PULSAR_ERR_NOT_FOUND', 'x').retryable, false);
    assert.equal(new PulsarError('PULSAR_ERR_NOT_FOUND', 'x', { retryable: true }).retryable, true);
  });

  it('wraps foreign errors and keeps PulsarErrors', () => {
    const own = new PulsarError('PULSAR_ERR_CLOSED', 'closed');
    assert.equal(toPulsarError(own, 'PULSAR_ERR_PROTOCOL', 'x'), own);
    const wrapped = toPulsarError(new Error('boom'), 'PULSAR_ERR_PROTOCOL', 'decode');
    assert.equal(wrapped.code, 'PULSAR_ERR_PROTOCOL');
    assert.equal(wrapped.message, 'decode: boom');
    assert.ok(isPulsarError(wrapped, 'PULSAR_ERR_PROTOCOL'));
    assert.ok(!isPulsarError(new Error('x')));
  });
});

describe('docs/pulsar-client-errors.md', () => {
  it('documents exactly the codes in PULSAR_ERROR_CODES, with the same retryability', () => {
    const documented = documentedCodes();
    const inCode = new Map(
      Object.entries(PULSAR_ERROR_CODES).map(([code, { retryable }]) => [code, retryable]),
    );
    assert.deepEqual(
      [...documented.keys()].sort(),
      [...inCode.keys()].sort(),
      'code set differs between src/pulsar/errors.ts and docs/pulsar-client-errors.md',
    );
    for (const [code, retryable] of inCode) {
      assert.equal(documented.get(code), retryable, `retryable column of ${code}`);
    }
  });
});

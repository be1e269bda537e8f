import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { BaseError } from '../../../src/shared/index.ts';
import { PULSAR_ERROR_CODES, PulsarError } from '../../../src/pulsar/errors.ts';
import {
  CLOSE_CODES,
  GATEWAY_ERROR_CODES,
  GatewayError,
  PULSAR_ERROR_HTTP,
  closeReason,
  gatewayErrorFromPulsar,
  isGatewayError,
  sendErrorMessage,
} from '../../../src/gateway/errors.ts';

const DOC = readFileSync(new URL('../../../docs/gateway-errors.md', import.meta.url), 'utf8');

describe('docs/gateway-errors.md', () => {
  it('lists every GW_ERR_* code with its HTTP status and close code', () => {
    const rows = new Map<string, [string, string]>();
    for (const line of DOC.split('\n')) {
      const m = /^\| `(GW_ERR_[A-Z_]+)` \| (\d+|-) \| (\d+|-) \|/.exec(line);
      if (m) rows.set(m[1]!, [m[2]!, m[3]!]);
    }
    const code = new Map(
      Object.entries(GATEWAY_ERROR_CODES).map(([k, v]) => [
        k,
        [String(v.httpStatus ?? '-'), String(v.closeCode ?? '-')] as [string, string],
      ]),
    );
    assert.deepEqual(rows, code);
  });
  it('lists every close code', () => {
    const rows = new Map<string, number>();
    for (const line of DOC.split('\n')) {
      const m = /^\| (\d{4}) \| `([A-Z_]+)` \|/.exec(line);
      if (m) rows.set(m[2]!, Number(m[1]));
    }
    assert.deepEqual(rows, new Map(Object.entries(CLOSE_CODES)));
    for (const v of Object.values(GATEWAY_ERROR_CODES)) {
      if (v.closeCode !== undefined) assert.ok(Object.values(CLOSE_CODES).includes(v.closeCode));
    }
  });
});

describe('GatewayError', () => {
  it('is a BaseError carrying the code defaults', () => {
    const e = new GatewayError('GW_ERR_DRAINING', 'bye');
    assert.ok(e instanceof BaseError);
    assert.equal(e.httpStatus, 503);
    assert.equal(e.closeCode, 1001);
    assert.ok(isGatewayError(e, 'GW_ERR_DRAINING'));
    assert.ok(!isGatewayError(e, 'GW_ERR_INTERNAL'));
    assert.equal(new GatewayError('GW_ERR_INTERNAL', 'x', { httpStatus: 502 }).httpStatus, 502);
  });
  it('cuts close reasons to 123 bytes on a character boundary', () => {
    assert.equal(closeReason('short'), 'short');
    const long = closeReason('é'.repeat(100));
    assert.ok(Buffer.byteLength(long) <= 123);
    assert.equal(long, 'é'.repeat(61));
  });
});

describe('Pulsar error mapping (§3.3)', () => {
  it('covers every code of src/pulsar/errors.ts', () => {
    assert.deepEqual(Object.keys(PULSAR_ERROR_HTTP).sort(), Object.keys(PULSAR_ERROR_CODES).sort());
  });
  const cases: [keyof typeof PULSAR_ERROR_CODES, number][] = [
    ['PULSAR_ERR_INVALID_ARGUMENT', 400],
    ['PULSAR_ERR_AUTHENTICATION', 401],
    ['PULSAR_ERR_AUTHORIZATION', 403],
    ['PULSAR_ERR_NOT_FOUND', 404],
    ['PULSAR_ERR_PRODUCER_BUSY', 409],
    ['PULSAR_ERR_CONSUMER_BUSY', 409],
    ['PULSAR_ERR_TOO_MANY_REQUESTS', 429],
    ['PULSAR_ERR_TOPIC_TERMINATED', 503],
    ['PULSAR_ERR_QUOTA_EXCEEDED', 503],
    ['PULSAR_ERR_TIMEOUT', 504],
    ['PULSAR_ERR_METADATA', 500],
  ];
  for (const [code, status] of cases) {
    it(`${code} → ${status}`, () => {
      const e = gatewayErrorFromPulsar(new PulsarError(code, 'boom'), 'producer');
      assert.equal(e.httpStatus, status);
      assert.equal(
        e.message,
        status === 400 ? 'Invalid query params: boom' : 'Failed to create producer: boom',
      );
    });
  }
  it("keeps the broker's 401 and 403 for readers (the reference's auth step, H12)", () => {
    const f = gatewayErrorFromPulsar(new PulsarError('PULSAR_ERR_AUTHORIZATION', 'no'), 'reader');
    assert.deepEqual(
      [f.code, f.httpStatus, f.message],
      ['GW_ERR_FORBIDDEN', 403, 'Failed to create reader: no'],
    );
    const u = gatewayErrorFromPulsar(new PulsarError('PULSAR_ERR_AUTHENTICATION', 'x'), 'reader');
    assert.deepEqual([u.code, u.httpStatus], ['GW_ERR_UNAUTHENTICATED', 401]);
  });

  it('answers 500 for every reader failure and for unknown errors', () => {
    const r = gatewayErrorFromPulsar(new PulsarError('PULSAR_ERR_NOT_FOUND', 'gone'), 'reader');
    assert.deepEqual([r.httpStatus, r.message], [500, 'Failed to create reader: gone']);
    const u = gatewayErrorFromPulsar(new Error('what'), 'consumer');
    assert.deepEqual([u.httpStatus, u.message], [500, 'Failed to create consumer: what']);
  });
  it('formats send-error:8 messages with the Java exception class', () => {
    assert.equal(
      sendErrorMessage(new PulsarError('PULSAR_ERR_TIMEOUT', 'late')),
      'org.apache.pulsar.client.api.PulsarClientException$TimeoutException: late',
    );
    assert.equal(
      sendErrorMessage(new Error('x')),
      'org.apache.pulsar.client.api.PulsarClientException: x',
    );
  });
});

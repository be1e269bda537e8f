import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isPulsarError, type PulsarErrorCode } from '../../../../src/pulsar/errors.ts';
import {
  DEFAULT_PATTERN_DISCOVERY_PERIOD_MS,
  resolveConsumerOptions,
  validateConsumerOptions,
} from '../../../../src/pulsar/consumer/consumer-options.ts';

const sub = { subscription: 's' };

function assertCode(fn: () => unknown, code: PulsarErrorCode): void {
  assert.throws(fn, (err: unknown) => isPulsarError(err, code));
}

describe('resolveConsumerOptions', () => {
  it('normalizes a single topic to its full name and defaults the flow mode to auto', () => {
    const r = resolveConsumerOptions({ ...sub, topic: 'my-topic' });
    assert.deepEqual(r.topics, ['persistent://public/default/my-topic']);
    assert.equal(r.flowMode, 'auto');
    assert.equal(r.pattern, undefined);
  });

  it('keeps an explicit flow mode', () => {
    assert.equal(
      resolveConsumerOptions({ ...sub, topic: 't', flowMode: 'manual' }).flowMode,
      'manual',
    );
  });

  it('trims, normalizes and de-duplicates a topic list, keeping first-seen order', () => {
    const r = resolveConsumerOptions({
      ...sub,
      topics: [' b ', 'a', 'persistent://public/default/b', 'non-persistent://t/n/c'],
    });
    assert.deepEqual(r.topics, [
      'persistent://public/default/b',
      'persistent://public/default/a',
      'non-persistent://t/n/c',
    ]);
  });

  it('splits a pattern into namespace, anchored regex and domain, with the default period', () => {
    const r = resolveConsumerOptions({ ...sub, topicsPattern: 'persistent://t/ns/orders-.*' });
    assert.equal(r.pattern?.namespace, 't/ns');
    assert.equal(r.pattern.mode, 0);
    assert.equal(r.pattern.periodMs, DEFAULT_PATTERN_DISCOVERY_PERIOD_MS);
    assert.ok(r.pattern.regex.test('t/ns/orders-1'));
    assert.ok(!r.pattern.regex.test('x/t/ns/orders-1'));
    assert.deepEqual(r.topics, []);
  });

  it('takes a pattern without a scheme relative to public/default; non-persistent is mode 1', () => {
    const rel = resolveConsumerOptions({ ...sub, topicsPattern: 'in-.*' });
    assert.equal(rel.pattern?.namespace, 'public/default');
    assert.ok(rel.pattern.regex.test('public/default/in-x'));
    const np = resolveConsumerOptions({
      ...sub,
      topicsPattern: 'non-persistent://t/n/.*',
      patternAutoDiscoveryPeriodMs: 5000,
    });
    assert.equal(np.pattern?.mode, 1);
    assert.equal(np.pattern.periodMs, 5000);
  });

  it('requires exactly one of topic, topics and topicsPattern', () => {
    assertCode(() => resolveConsumerOptions({ ...sub }), 'PULSAR_ERR_INVALID_ARGUMENT');
    assertCode(
      () => resolveConsumerOptions({ ...sub, topics: ['a'], topicsPattern: 'a.*' }),
      'PULSAR_ERR_INVALID_ARGUMENT',
    );
    assertCode(
      () => resolveConsumerOptions({ ...sub, topic: 'a', topics: ['b'] }),
      'PULSAR_ERR_INVALID_ARGUMENT',
    );
  });

  it('rejects bad patterns and bad topic names with stable codes', () => {
    assertCode(
      () => resolveConsumerOptions({ ...sub, topicsPattern: 'persistent://t/(' }),
      'PULSAR_ERR_INVALID_ARGUMENT',
    );
    assertCode(
      () => resolveConsumerOptions({ ...sub, topicsPattern: 'persistent:///ns/x' }),
      'PULSAR_ERR_INVALID_ARGUMENT',
    );
    assertCode(
      () => resolveConsumerOptions({ ...sub, topics: ['persistent://t/n/a', ' '] }),
      'PULSAR_ERR_INVALID_TOPIC_NAME',
    );
  });

  it('validates the shared consumer options before anything else', () => {
    assertCode(
      () => resolveConsumerOptions({ subscription: '', topic: 'a' }),
      'PULSAR_ERR_INVALID_ARGUMENT',
    );
    assertCode(
      () => resolveConsumerOptions({ ...sub, topic: 'a', ackTimeoutMs: 10 }),
      'PULSAR_ERR_INVALID_ARGUMENT',
    );
  });
});

describe('validateConsumerOptions', () => {
  it('accepts the defaults and the edges of each range', () => {
    validateConsumerOptions(sub);
    validateConsumerOptions({
      ...sub,
      receiverQueueSize: 1,
      ackTimeoutMs: 1000,
      negativeAckRedeliveryDelayMs: 0,
      priorityLevel: 0,
    });
    validateConsumerOptions({ ...sub, ackTimeoutMs: 0 });
  });

  it('rejects each out-of-range option with PULSAR_ERR_INVALID_ARGUMENT', () => {
    const factory = (): Promise<never> => Promise.reject(new Error('unused'));
    for (const bad of [
      { receiverQueueSize: 0 },
      { receiverQueueSize: Number.NaN },
      { ackTimeoutMs: 999 },
      { negativeAckRedeliveryDelayMs: -1 },
      { priorityLevel: -1 },
      { deadLetterPolicy: { maxRedeliverCount: 0, producerFactory: factory } },
    ]) {
      assertCode(() => {
        validateConsumerOptions({ ...sub, ...bad });
      }, 'PULSAR_ERR_INVALID_ARGUMENT');
    }
  });
});

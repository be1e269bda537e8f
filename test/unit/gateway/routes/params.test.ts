import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayError } from '../../../../src/gateway/errors.ts';
import { parseConsumerParams } from '../../../../src/gateway/routes/consumer-params.ts';
import { parseMultiConsumerParams } from '../../../../src/gateway/routes/multi-consumer-params.ts';
import {
  PRODUCER_DEFAULTS,
  parseProducerParams,
} from '../../../../src/gateway/routes/producer-params.ts';
import { parseQueryString } from '../../../../src/gateway/routes/query-params.ts';
import { parseReaderParams } from '../../../../src/gateway/routes/reader-params.ts';
import { parseTopicPath } from '../../../../src/gateway/routes/topic-path.ts';
import type { MultiConsumerPath } from '../../../../src/gateway/routes/topic-path.ts';

const q = parseQueryString;
const target = { topic: 'persistent://t/ns/x', subscription: 'sub' };

function rejects(fn: () => unknown, status: number, message: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof GatewayError, String(e));
    assert.equal(e.httpStatus, status);
    assert.equal(e.message, message);
    return true;
  });
}

describe('parseProducerParams', () => {
  it('applies the reference defaults (batching off, SinglePartition, 30 s timeout)', () => {
    assert.deepEqual(parseProducerParams(q('')), PRODUCER_DEFAULTS);
    assert.equal(PRODUCER_DEFAULTS.routingMode, 'SinglePartition');
    assert.equal(PRODUCER_DEFAULTS.batchingEnabled, false);
  });
  it('reads every parameter', () => {
    const o = parseProducerParams(
      q(
        'producerName=p1&initialSequenceId=-5&hashingScheme=Murmur3_32Hash&sendTimeoutMillis=0&batchingEnabled=TRUE&batchingMaxMessages=10&maxPendingMessages=7&batchingMaxPublishDelay=5&messageRoutingMode=RoundRobinPartition&compressionType=ZSTD&unknown=1&token=x',
      ),
    );
    assert.deepEqual(o, {
      producerName: 'p1',
      initialSequenceId: -5n,
      hashingScheme: 'Murmur3_32Hash',
      sendTimeoutMs: 0,
      batchingEnabled: true,
      batchingMaxMessages: 10,
      maxPendingMessages: 7,
      batchingMaxPublishDelayMs: 5,
      routingMode: 'RoundRobinPartition',
      compressionType: 'ZSTD',
      blockIfQueueFull: false,
    });
  });
  it('ignores batching parameters, even malformed ones, unless batchingEnabled=true (4.0)', () => {
    const o = parseProducerParams(
      q(
        'batchingEnabled=yes&batchingMaxMessages=x&maxPendingMessages=-1&batchingMaxPublishDelay=0',
      ),
    );
    assert.deepEqual(o, PRODUCER_DEFAULTS);
  });
  it('accepts CustomPartition but keeps SinglePartition', () => {
    assert.equal(
      parseProducerParams(q('messageRoutingMode=CustomPartition')).routingMode,
      'SinglePartition',
    );
  });
  const bad: [string, string][] = [
    ['producerName=', 'producerName cannot be blank'],
    ['producerName=+', 'producerName cannot be blank'],
    ['initialSequenceId=1.0', 'For input string: "1.0"'],
    ['hashingScheme=murmur', 'No enum constant org.apache.pulsar.client.api.HashingScheme.murmur'],
    ['sendTimeoutMillis=abc', 'For input string: "abc"'],
    ['sendTimeoutMillis=', 'For input string: ""'],
    ['sendTimeoutMillis=%2B1', ''],
    // A literal '+' in the query is a space, so Integer.parseInt sees " 1".
    ['sendTimeoutMillis=+1', 'For input string: " 1"'],
    ['sendTimeoutMillis=-1', 'sendTimeout needs to be >= 0'],
    ['sendTimeoutMillis=2147483648', 'For input string: "2147483648"'],
    ['batchingEnabled=true&batchingMaxMessages=1.5', 'For input string: "1.5"'],
    ['batchingEnabled=true&maxPendingMessages=-1', 'maxPendingMessages needs to be >= 0'],
    [
      'batchingEnabled=true&batchingMaxPublishDelay=0',
      'configured value for batch delay must be at least 1ms',
    ],
    ['messageRoutingMode=roundrobin', 'Invalid messageRoutingMode roundrobin'],
    ['compressionType=GZIP', 'Invalid compressionType GZIP'],
    ['compressionType=lz4', 'Invalid compressionType lz4'],
    // The first failing check in builder order wins.
    ['compressionType=X&sendTimeoutMillis=x', 'For input string: "x"'],
  ];
  for (const [query, message] of bad) {
    if (message === '') {
      it(`accepts ${query}`, () => {
        assert.equal(parseProducerParams(q(query)).sendTimeoutMs, 1);
      });
      continue;
    }
    it(`rejects ${query} with 400`, () => {
      rejects(() => parseProducerParams(q(query)), 400, `Invalid query params: ${message}`);
    });
  }
  it('answers encryptionKeys with a clear "not supported" 500', () => {
    rejects(
      () => parseProducerParams(q('encryptionKeys=k1')),
      500,
      'Failed to create producer: encryptionKeys is not supported by this gateway',
    );
  });
});

describe('parseConsumerParams', () => {
  it('applies the reference defaults', () => {
    assert.deepEqual(parseConsumerParams(q(''), target), {
      subscriptionType: 'Exclusive',
      subscriptionMode: 'Durable',
      initialPosition: 'Latest',
      receiverQueueSize: 1000,
      ackTimeoutMs: 0,
      consumerName: undefined,
      priorityLevel: 0,
      negativeAckRedeliveryDelayMs: 60000,
      maxRedeliverCount: undefined,
      deadLetterTopic: undefined,
      cryptoFailureAction: 'FAIL',
      pullMode: false,
      maxPendingMessages: 1000,
    });
  });
  it('reads every parameter', () => {
    const o = parseConsumerParams(
      q(
        'ackTimeoutMillis=1000&subscriptionType=Key_Shared&subscriptionMode=NonDurable&subscriptionInitialPosition=Earliest&receiverQueueSize=5&consumerName=c&priorityLevel=2&negativeAckRedeliveryDelay=0&maxRedeliverCount=3&cryptoFailureAction=CONSUME&pullMode=true',
      ),
      target,
    );
    assert.equal(o.ackTimeoutMs, 1000);
    assert.equal(o.subscriptionType, 'Key_Shared');
    assert.equal(o.subscriptionMode, 'NonDurable');
    assert.equal(o.initialPosition, 'Earliest');
    assert.equal(o.receiverQueueSize, 5);
    assert.equal(o.maxPendingMessages, 5);
    assert.equal(o.consumerName, 'c');
    assert.equal(o.priorityLevel, 2);
    assert.equal(o.negativeAckRedeliveryDelayMs, 0);
    assert.equal(o.maxRedeliverCount, 3);
    assert.equal(o.deadLetterTopic, 'persistent://t/ns/x-sub-DLQ');
    assert.equal(o.cryptoFailureAction, 'CONSUME');
    assert.equal(o.pullMode, true);
  });
  it('caps receiverQueueSize at 1000 and turns 0 into a push window of 1', () => {
    assert.equal(parseConsumerParams(q('receiverQueueSize=5000'), target).receiverQueueSize, 1000);
    const zero = parseConsumerParams(q('receiverQueueSize=0'), target);
    assert.equal(zero.receiverQueueSize, 0);
    assert.equal(zero.maxPendingMessages, 1);
  });
  it('uses an explicit deadLetterTopic with maxRedeliverCount', () => {
    const o = parseConsumerParams(
      q('maxRedeliverCount=1&deadLetterTopic=persistent://t/ns/dlq'),
      target,
    );
    assert.equal(o.deadLetterTopic, 'persistent://t/ns/dlq');
  });
  it('ignores an invalid cryptoFailureAction (the reference only logs it)', () => {
    assert.equal(
      parseConsumerParams(q('cryptoFailureAction=nope'), target).cryptoFailureAction,
      'FAIL',
    );
  });
  const bad: [string, string][] = [
    ['ackTimeoutMillis=500', 'Ack timeout should be greater than 1000 ms'],
    ['ackTimeoutMillis=-1', 'Ack timeout should be greater than 1000 ms'],
    ['ackTimeoutMillis=1s', 'For input string: "1s"'],
    ['subscriptionType=shared', 'Invalid subscriptionType shared'],
    ['subscriptionMode=durable', 'Invalid subscriptionMode durable'],
    ['subscriptionInitialPosition=earliest', 'Invalid subscriptionInitialPosition earliest'],
    ['receiverQueueSize=-1', 'receiverQueueSize needs to be >= 0'],
    ['receiverQueueSize=ten', 'For input string: "ten"'],
    ['consumerName=%20', 'consumerName cannot be blank'],
    ['priorityLevel=-1', 'priorityLevel needs to be >= 0'],
    ['negativeAckRedeliveryDelay=-1', 'redeliveryDelay needs to be >= 0'],
    ['maxRedeliverCount=0', 'MaxRedeliverCount must be > 0.'],
    ['maxRedeliverCount=x', 'For input string: "x"'],
    ['deadLetterTopic=persistent://t/ns/dlq', 'MaxRedeliverCount must be > 0.'],
    ['subscriptionType=X&ackTimeoutMillis=500', 'Ack timeout should be greater than 1000 ms'],
  ];
  for (const [query, message] of bad) {
    it(`rejects ${query} with 400`, () => {
      rejects(() => parseConsumerParams(q(query), target), 400, `Invalid query params: ${message}`);
    });
  }
  it('pullMode never fails', () => {
    assert.equal(parseConsumerParams(q('pullMode=1'), target).pullMode, false);
    assert.equal(parseConsumerParams(q('pullMode=True'), target).pullMode, true);
  });
});

describe('parseMultiConsumerParams', () => {
  it('adds the topic selection and builds the DLQ name from the main topic', () => {
    const query = q('topics=a,b&maxRedeliverCount=2');
    const path = parseTopicPath('/ws/v3/consumer/s', query) as MultiConsumerPath;
    const o = parseMultiConsumerParams(query, path);
    assert.deepEqual(o.topics, ['persistent://public/default/a', 'persistent://public/default/b']);
    assert.equal(o.topicsPattern, undefined);
    assert.equal(o.deadLetterTopic, 'persistent://public/default/a-s-DLQ');
  });
});

describe('parseReaderParams', () => {
  it('defaults to latest and a queue of 1000', () => {
    assert.deepEqual(parseReaderParams(q('')), {
      readerName: undefined,
      receiverQueueSize: 1000,
      startMessageId: { kind: 'latest' },
      cryptoFailureAction: 'FAIL',
      maxPendingMessages: 1000,
    });
    assert.deepEqual(parseReaderParams(q('messageId=+')).startMessageId, { kind: 'latest' });
    assert.deepEqual(parseReaderParams(q('messageId=latest')).startMessageId, { kind: 'latest' });
  });
  it('reads earliest, a base64 id, readerName and a capped queue', () => {
    const o = parseReaderParams(q('messageId=earliest&readerName=r&receiverQueueSize=2000'));
    assert.deepEqual(o.startMessageId, { kind: 'earliest' });
    assert.equal(o.readerName, 'r');
    assert.equal(o.receiverQueueSize, 1000);
    const id = parseReaderParams(q('messageId=CAcQADAA')).startMessageId;
    assert.ok(id.kind === 'id');
    assert.deepEqual([...id.bytes], [8, 7, 16, 0, 48, 0]);
    assert.equal(parseReaderParams(q('receiverQueueSize=0')).maxPendingMessages, 1);
  });
  it('answers 400 for a non-integer receiverQueueSize (reference: escaped exception)', () => {
    rejects(
      () => parseReaderParams(q('receiverQueueSize=x')),
      400,
      'Invalid query params: For input string: "x"',
    );
  });
  it('answers 500 "Failed to create reader" for a negative size or a bad messageId, as the reference', () => {
    rejects(
      () => parseReaderParams(q('receiverQueueSize=-1')),
      500,
      'Failed to create reader: receiverQueueSize needs to be >= 0',
    );
    // '+' in a query value is a space: a base64 id must send %2B.
    rejects(
      () => parseReaderParams(q('messageId=CAc+QADAA')),
      500,
      'Failed to create reader: Illegal base64 character 20',
    );
    rejects(
      () => parseReaderParams(q('messageId=CAcQADAA%3D%3D')),
      500,
      'Failed to create reader: Input byte array has wrong 4-byte ending unit',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  endOfTopicResponse,
  serializePushedMessage,
} from '../../../../src/gateway/protocol/consumer-message.ts';
import { jsonQuote } from '../../../../src/gateway/protocol/json-quote.ts';
import { errorAck, okAck } from '../../../../src/gateway/protocol/producer-response.ts';

describe('producer acks', () => {
  it('writes the ok ack in the reference field order with errorCode and schemaVersion', () => {
    assert.equal(
      okAck('CAcQADAA', '1'),
      '{"result":"ok","messageId":"CAcQADAA","context":"1","errorCode":0,"schemaVersion":0}',
    );
    assert.equal(
      okAck('CAcQADAA', undefined),
      '{"result":"ok","messageId":"CAcQADAA","errorCode":0,"schemaVersion":0}',
    );
  });
  it('writes error acks', () => {
    assert.equal(
      errorAck(8, 'org.apache.pulsar.client.api.PulsarClientException$TimeoutException: x', '1'),
      '{"result":"send-error:8","errorMsg":"org.apache.pulsar.client.api.PulsarClientException$TimeoutException: x","context":"1","errorCode":0,"schemaVersion":0}',
    );
    assert.equal(
      errorAck(3, 'bad "json"', undefined),
      '{"result":"send-error:3","errorMsg":"bad \\"json\\"","errorCode":0,"schemaVersion":0}',
    );
  });
  it('produces valid JSON for any context', () => {
    for (const ctx of ['a"b', 'x\\y', 'nl\n', '\u0001', 'é😀', '\ud800']) {
      const parsed = JSON.parse(okAck('id', ctx)) as { context: string };
      assert.equal(parsed.context, ctx);
    }
  });
});

describe('jsonQuote', () => {
  it('escapes like Jackson (uppercase \\u00XX, slash untouched)', () => {
    assert.equal(jsonQuote('a/b'), '"a/b"');
    assert.equal(jsonQuote('\u001f\t'), '"\\u001F\\t"');
    assert.equal(jsonQuote('😀'), '"😀"');
    assert.equal(jsonQuote('\udc00'), '"\\uDC00"');
  });
});

describe('serializePushedMessage', () => {
  const publishTimeMs = Date.UTC(2024, 5, 19, 7, 13, 57, 120);
  it('writes the always-present fields in order', () => {
    assert.equal(
      serializePushedMessage({
        messageId: 'CAcQADAA',
        payload: Buffer.from('hi'),
        properties: undefined,
        publishTimeMs,
        redeliveryCount: 0,
      }),
      '{"messageId":"CAcQADAA","payload":"aGk=","properties":{},"publishTime":"2024-06-19T07:13:57.12Z","redeliveryCount":0}',
    );
  });
  it('adds eventTime when non-zero and key when set', () => {
    const s = serializePushedMessage({
      messageId: 'CAcQADAA',
      payload: 'aGk=',
      properties: new Map([['k1', 'v"1']]),
      publishTimeMs,
      redeliveryCount: 2,
      eventTimeMs: Date.UTC(2024, 5, 19),
      key: 'k',
    });
    assert.equal(
      s,
      '{"messageId":"CAcQADAA","payload":"aGk=","properties":{"k1":"v\\"1"},"publishTime":"2024-06-19T07:13:57.12Z","redeliveryCount":2,"eventTime":"2024-06-19T00:00:00Z","key":"k"}',
    );
    assert.doesNotMatch(
      serializePushedMessage({
        messageId: 'x',
        payload: '',
        properties: {},
        publishTimeMs,
        redeliveryCount: 0,
        eventTimeMs: 0,
      }),
      /eventTime/,
    );
  });
  it('answers isEndOfTopic', () => {
    assert.equal(endOfTopicResponse(true), '{"endOfTopic":true}');
    assert.equal(endOfTopicResponse(false), '{"endOfTopic":false}');
  });
});

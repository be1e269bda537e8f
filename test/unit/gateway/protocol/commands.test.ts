import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConsumerCommand } from '../../../../src/gateway/protocol/consumer-command.ts';
import { parseReaderCommand } from '../../../../src/gateway/protocol/reader-command.ts';

describe('parseConsumerCommand', () => {
  it('treats a frame without type, "ack" and unknown types as an individual ack', () => {
    for (const text of [
      '{"messageId":"CAcQADAA"}',
      '{"type":"ack","messageId":"CAcQADAA"}',
      '{"type":"Ack","messageId":"CAcQADAA","x":1}',
    ]) {
      const c = parseConsumerCommand(text);
      assert.ok(c.kind === 'ack', text);
      assert.equal(c.messageId.base64, 'CAcQADAA');
      assert.deepEqual([...c.messageId.bytes], [8, 7, 16, 0, 48, 0]);
    }
  });
  it('parses negativeAcknowledge, permit, unsubscribe and isEndOfTopic', () => {
    const nack = parseConsumerCommand('{"type":"negativeAcknowledge","messageId":"CAAQAw=="}');
    assert.equal(nack.kind, 'negativeAcknowledge');
    assert.deepEqual(parseConsumerCommand('{"type":"permit","permitMessages":100}'), {
      kind: 'permit',
      permitMessages: 100,
    });
    assert.deepEqual(parseConsumerCommand('{"type":"permit","permitMessages":"3"}'), {
      kind: 'permit',
      permitMessages: 3,
    });
    assert.deepEqual(parseConsumerCommand('{"type":"permit","permitMessages":0}'), {
      kind: 'permit',
      permitMessages: 0,
    });
    assert.deepEqual(parseConsumerCommand('{"type":"unsubscribe"}'), { kind: 'unsubscribe' });
    assert.deepEqual(parseConsumerCommand('{"type":"isEndOfTopic"}'), { kind: 'isEndOfTopic' });
  });
  it('closes with 1007 on malformed frames', () => {
    for (const text of [
      'nope',
      'null',
      '[]',
      '{"type":"permit"}',
      '{"type":"permit","permitMessages":"many"}',
      '{"type":"permit","permitMessages":3000000000}',
      '{}',
      '{"messageId":"a-b_"}',
      '{"type":"negativeAcknowledge"}',
      '{"messageId":{"x":1}}',
    ]) {
      const c = parseConsumerCommand(text);
      assert.ok(c.kind === 'invalid', text);
      assert.equal(c.closeCode, 1007);
      assert.ok(Buffer.byteLength(c.reason) <= 123);
    }
  });
});

describe('parseReaderCommand', () => {
  it('answers isEndOfTopic and counts any other JSON object as an ack', () => {
    assert.deepEqual(parseReaderCommand('{"type":"isEndOfTopic"}'), { kind: 'isEndOfTopic' });
    assert.deepEqual(parseReaderCommand('{"messageId":"CAcQADAA"}'), { kind: 'ack' });
    assert.deepEqual(parseReaderCommand('{"anything":1}'), { kind: 'ack' });
    assert.equal(parseReaderCommand('{oops').kind, 'invalid');
  });
});

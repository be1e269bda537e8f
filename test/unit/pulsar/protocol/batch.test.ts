import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBatch, encodeBatch, isBatch } from '../../../../src/pulsar/protocol/batch.ts';
import { messageMetadataCodec } from '../../../../src/pulsar/protocol/proto.ts';

describe('batch payloads', () => {
  it('round-trips messages with per-message metadata', () => {
    const payload = encodeBatch([
      {
        metadata: { partitionKey: 'k1', properties: [{ key: 'a', value: 'b' }] },
        payload: Buffer.from('one'),
      },
      { metadata: { eventTime: 1_700_000_000_000n, sequenceId: 9n }, payload: Buffer.from('two!') },
      { metadata: { nullValue: true }, payload: new Uint8Array(0) },
    ]);
    const entries = decodeBatch(payload, 3);
    assert.equal(entries.length, 3);
    assert.deepEqual(entries[0]?.metadata, {
      partitionKey: 'k1',
      properties: [{ key: 'a', value: 'b' }],
      payloadSize: 3,
    });
    assert.equal(Buffer.from(entries[0].payload).toString(), 'one');
    assert.equal(entries[1]?.metadata.eventTime, 1_700_000_000_000n);
    assert.equal(Buffer.from(entries[1].payload).toString(), 'two!');
    assert.deepEqual(entries[2]?.metadata, { nullValue: true, payloadSize: 0 });
  });

  it('lays out [u32 size][SingleMessageMetadata][payload] per message', () => {
    const payload = encodeBatch([{ payload: Buffer.from('hi') }]);
    // size 2, then payload_size = 2 (field 3 varint: 18 02), then "hi"
    assert.equal(payload.toString('hex'), '00000002' + '1802' + '6869');
  });

  it('rejects a truncated batch', () => {
    const payload = encodeBatch([{ payload: Buffer.from('hello') }, { payload: Buffer.from('x') }]);
    assert.throws(() => decodeBatch(payload.subarray(0, payload.length - 1), 2), {
      code: 'PULSAR_ERR_PROTOCOL',
    });
    assert.throws(() => decodeBatch(payload, 3), { code: 'PULSAR_ERR_PROTOCOL' });
  });

  it('decides "batch" by the presence of num_messages_in_batch, even for 1', () => {
    const one = messageMetadataCodec.decode(
      messageMetadataCodec.encode({
        producerName: 'p',
        sequenceId: 1n,
        publishTime: 1n,
        numMessagesInBatch: 1,
      }),
    );
    const plain = messageMetadataCodec.decode(
      messageMetadataCodec.encode({ producerName: 'p', sequenceId: 1n, publishTime: 1n }),
    );
    assert.equal(isBatch(one), true);
    assert.equal(isBatch(plain), false);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  EARLIEST_MESSAGE_ID,
  LATEST_MESSAGE_ID,
  compareMessageIds,
  decodeMessageIdBase64,
  decodeStrictBase64,
  encodeMessageIdBase64,
  fromMessageIdData,
  messageId,
  messageIdToString,
  serializeMessageId,
  toMessageIdData,
} from '../../../../src/pulsar/protocol/message-id.ts';

// Golden vectors: docs/pulsar-websocket-api.md §8.1 and docs/pulsar-binary-protocol.md §1.9.
// The earliest/latest encodings were computed by hand (uint64 varints of 2^64-1 and 2^63-1,
// batch_size 0) and base64-encoded with Python's base64 module.
const GOLDEN: { name: string; id: ReturnType<typeof messageId>; hex: string; b64: string }[] = [
  { name: 'ledger 3 entry 0', id: messageId(3n, 0n), hex: '080310003000', b64: 'CAMQADAA' },
  { name: 'ledger 10 entry 5', id: messageId(10n, 5n), hex: '080a10053000', b64: 'CAoQBTAA' },
  { name: 'ledger 7 entry 0', id: messageId(7n, 0n), hex: '080710003000', b64: 'CAcQADAA' },
  {
    name: 'ledger 7 entry 0 partition 1',
    id: messageId(7n, 0n, 1),
    hex: '0807100018013000',
    b64: 'CAcQABgBMAA=',
  },
  {
    name: 'ledger 7 entry 1 batch index 2 of 5',
    id: messageId(7n, 1n, -1, 2, 5),
    hex: '0807100120023005',
    b64: 'CAcQASACMAU=',
  },
  {
    name: 'earliest',
    id: EARLIEST_MESSAGE_ID,
    hex: `08${'ff'.repeat(9)}0110${'ff'.repeat(9)}013000`,
    b64: 'CP///////////wEQ////////////ATAA',
  },
  {
    name: 'latest',
    id: LATEST_MESSAGE_ID,
    hex: `08${'ff'.repeat(8)}7f10${'ff'.repeat(8)}7f3000`,
    b64: 'CP//////////fxD//////////38wAA==',
  },
];

describe('message id: Java WebSocket encoding', () => {
  for (const g of GOLDEN) {
    it(`serializes ${g.name} as ${g.b64}`, () => {
      assert.equal(Buffer.from(serializeMessageId(g.id)).toString('hex'), g.hex);
      assert.equal(encodeMessageIdBase64(g.id), g.b64);
    });
    it(`parses ${g.b64} back to ${g.name}`, () => {
      assert.deepEqual(decodeMessageIdBase64(g.b64), g.id);
    });
  }

  it('parses the legacy form without batch_size', () => {
    assert.deepEqual(decodeMessageIdBase64('CAAQAw=='), messageId(0n, 3n));
  });

  it('keeps earliest and latest as signed Java longs', () => {
    assert.equal(EARLIEST_MESSAGE_ID.ledgerId, -1n);
    assert.equal(LATEST_MESSAGE_ID.entryId, (1n << 63n) - 1n);
  });

  it('round-trips ids above 2^53', () => {
    const id = messageId((1n << 60n) + 7n, (1n << 53n) + 1n, 12, 3, 4);
    assert.deepEqual(decodeMessageIdBase64(encodeMessageIdBase64(id)), id);
  });
});

describe('strict base64 (Java Base64.getDecoder)', () => {
  it('accepts missing padding', () => {
    assert.equal(decodeStrictBase64('aGk').toString(), 'hi');
    assert.equal(decodeStrictBase64('aGk=').toString(), 'hi');
  });
  for (const bad of ['aGk==', 'a', 'aGk=a', 'CAcQ-DAA', 'CAcQ_DAA', 'CAcQ ADAA', 'a=', '====']) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.throws(() => decodeStrictBase64(bad), { code: 'PULSAR_ERR_INVALID_ARGUMENT' });
    });
  }
  it('rejects base64 that is not a message id', () => {
    assert.throws(() => decodeMessageIdBase64('aGk='), { code: 'PULSAR_ERR_INVALID_ARGUMENT' });
  });
});

describe('compareMessageIds', () => {
  it('orders earliest < real ids < latest', () => {
    const real = messageId(5n, 1n);
    assert.equal(compareMessageIds(EARLIEST_MESSAGE_ID, real), -1);
    assert.equal(compareMessageIds(real, LATEST_MESSAGE_ID), -1);
    assert.equal(compareMessageIds(LATEST_MESSAGE_ID, EARLIEST_MESSAGE_ID), 1);
  });

  it('orders by ledger, entry, partition, batch index', () => {
    const ids = [
      messageId(2n, 0n),
      messageId(1n, 5n, -1, 1, 3),
      messageId(1n, 5n),
      messageId(1n, 5n, -1, 0, 3),
      messageId(1n, 4n, 3),
    ];
    const sorted = [...ids].sort(compareMessageIds).map(messageIdToString);
    assert.deepEqual(sorted, ['1:4:3', '1:5:-1', '1:5:-1:0', '1:5:-1:1', '2:0:-1']);
    assert.equal(compareMessageIds(messageId(1n, 1n), messageId(1n, 1n)), 0);
  });
});

describe('wire MessageIdData conversion', () => {
  it('omits -1 defaults and lets the consumer supply the partition', () => {
    assert.deepEqual(toMessageIdData(messageId(1n, 2n)), { ledgerId: 1n, entryId: 2n });
    assert.deepEqual(toMessageIdData(EARLIEST_MESSAGE_ID), {
      ledgerId: (1n << 64n) - 1n,
      entryId: (1n << 64n) - 1n,
    });
    assert.deepEqual(fromMessageIdData({ ledgerId: 1n, entryId: 2n }, 4), messageId(1n, 2n, 4));
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageId } from '../../../../src/pulsar/protocol/message-id.ts';
import { isBeforeStart } from '../../../../src/pulsar/consumer/message-decoder.ts';

describe('reader start inside a batch (§1.10, §5.4 risk 2)', () => {
  const start = messageId(3n, 7n, -1, 2, 5);
  const at = (entry: bigint, index: number) => messageId(3n, entry, -1, index, 5);

  it('exclusive: drops indexes up to and including the start index', () => {
    const filter = { start, inclusive: false };
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => isBeforeStart(at(7n, i), filter)),
      [true, true, true, false, false],
    );
  });

  it('inclusive: drops only indexes before the start index', () => {
    const filter = { start, inclusive: true };
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => isBeforeStart(at(7n, i), filter)),
      [true, true, false, false, false],
    );
  });

  it('drops earlier entries (the broker steps back one entry) and keeps later ones', () => {
    assert.equal(isBeforeStart(at(6n, 4), { start, inclusive: true }), true);
    assert.equal(isBeforeStart(at(8n, 0), { start, inclusive: false }), false);
  });

  it('a non-batched start id stands for its whole entry', () => {
    const single = messageId(3n, 7n);
    assert.equal(isBeforeStart(messageId(3n, 7n), { start: single, inclusive: false }), true);
    assert.equal(isBeforeStart(messageId(3n, 7n), { start: single, inclusive: true }), false);
  });
});

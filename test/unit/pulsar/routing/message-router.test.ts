import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/shared/index.ts';
import {
  createMessageRouter,
  HASHING_SCHEME,
  MESSAGE_ROUTING_MODE,
  signSafeMod,
} from '../../../../src/pulsar/routing/message-router.ts';
import type { MessageRoutingMode } from '../../../../src/pulsar/routing/message-router.ts';

const MODES: MessageRoutingMode[] = [
  MESSAGE_ROUTING_MODE.SINGLE_PARTITION,
  MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
];

/** Random source returning a fixed value, so the start partition is known. */
const fixed = (value: number) => () => value;

describe('signSafeMod', () => {
  it('behaves like Java MathUtils.signSafeMod', () => {
    // Java printed signSafeMod(-7, 3) = 2 and signSafeMod(1000 / 3 + 2, 4) = 3.
    assert.equal(signSafeMod(-7, 3), 2);
    assert.equal(signSafeMod(Math.floor(1000 / 3) + 2, 4), 3);
    assert.equal(signSafeMod(-2147483648, 7), 5);
    assert.equal(signSafeMod(12, 4), 0);
  });
});

describe('createMessageRouter', () => {
  for (const mode of MODES) {
    describe(mode, () => {
      it('routes keyed messages by JavaStringHash by default (values from Java)', () => {
        const router = createMessageRouter({ mode, numPartitions: 7, random: fixed(0) });
        // JavaStringHash % 7 as printed by Java: my-key 3, 日本語 5, 😀 2, polygenelubricants 0.
        assert.equal(router.choosePartition('my-key', 7), 3);
        assert.equal(router.choosePartition('日本語', 7), 5);
        assert.equal(router.choosePartition('😀', 7), 2);
        assert.equal(router.choosePartition('polygenelubricants', 7), 0);
        assert.equal(router.choosePartition('', 7), 0, 'an empty key is still a key');
      });

      it('routes keyed messages by Murmur3_32Hash when asked (values from Java)', () => {
        const router = createMessageRouter({
          mode,
          numPartitions: 7,
          hashingScheme: HASHING_SCHEME.MURMUR3_32_HASH,
          random: fixed(0),
        });
        // Murmur3_32Hash % 7 as printed by Java: my-key 6, key-1 6, 😀 2, ab 6, abcd 2.
        assert.equal(router.choosePartition('my-key', 7), 6);
        assert.equal(router.choosePartition('key-1', 7), 6);
        assert.equal(router.choosePartition('😀', 7), 2);
        assert.equal(router.choosePartition('abcd', 7), 2);
      });

      it('uses the current partition count for keyed messages', () => {
        const router = createMessageRouter({ mode, numPartitions: 4, random: fixed(0) });
        // JavaStringHash("hello") = 99162322.
        assert.equal(router.choosePartition('hello', 4), 99162322 % 4);
        assert.equal(router.choosePartition('hello', 10), 99162322 % 10);
      });

      it('rejects bad partition counts with PULSAR_ERR_INVALID_ARGUMENT', () => {
        for (const n of [0, -1, 1.5, Number.NaN]) {
          assert.throws(() => createMessageRouter({ mode, numPartitions: n }), {
            code: 'PULSAR_ERR_INVALID_ARGUMENT',
          });
        }
        const router = createMessageRouter({ mode, numPartitions: 3 });
        assert.throws(() => router.choosePartition(undefined, 0), {
          code: 'PULSAR_ERR_INVALID_ARGUMENT',
        });
      });
    });
  }

  it('rejects unknown modes and hashing schemes', () => {
    assert.throws(
      () =>
        createMessageRouter({ mode: 'CustomPartition' as MessageRoutingMode, numPartitions: 2 }),
      { code: 'PULSAR_ERR_INVALID_ARGUMENT' },
    );
    assert.throws(
      () =>
        createMessageRouter({
          mode: MESSAGE_ROUTING_MODE.SINGLE_PARTITION,
          numPartitions: 2,
          hashingScheme: 'Murmur3_128' as 'JavaStringHash',
        }),
      { code: 'PULSAR_ERR_INVALID_ARGUMENT' },
    );
  });

  describe('SinglePartition', () => {
    it('sends unkeyed messages to one partition picked at random at creation', () => {
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.SINGLE_PARTITION,
        numPartitions: 5,
        random: fixed(0.7), // floor(0.7 * 5) = 3
      });
      for (let i = 0; i < 10; i++) assert.equal(router.choosePartition(undefined, 5), 3);
      assert.equal(router.choosePartition(undefined, 8), 3, 'unchanged when partitions grow');
    });

    it('covers every partition over many producers with the default random source', () => {
      const seen = new Set<number>();
      for (let i = 0; i < 500; i++) {
        const router = createMessageRouter({
          mode: MESSAGE_ROUTING_MODE.SINGLE_PARTITION,
          numPartitions: 4,
        });
        const p = router.choosePartition(undefined, 4);
        assert.ok(p >= 0 && p < 4);
        seen.add(p);
      }
      assert.equal(seen.size, 4);
    });

    it('never returns numPartitions even if random() returns a value close to 1', () => {
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.SINGLE_PARTITION,
        numPartitions: 3,
        random: fixed(0.9999999999999999),
      });
      assert.equal(router.choosePartition(undefined, 3), 2);
    });
  });

  describe('RoundRobinPartition', () => {
    it('without batching, rotates from the random start partition', () => {
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
        numPartitions: 3,
        batchingEnabled: false,
        random: fixed(0.5), // start = 1
      });
      const got = Array.from({ length: 7 }, () => router.choosePartition(undefined, 3));
      assert.deepEqual(got, [1, 2, 0, 1, 2, 0, 1]);
    });

    it('keyed messages do not advance the rotation', () => {
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
        numPartitions: 3,
        batchingEnabled: false,
        random: fixed(0),
      });
      assert.equal(router.choosePartition(undefined, 3), 0);
      router.choosePartition('my-key', 3);
      assert.equal(router.choosePartition(undefined, 3), 1);
    });

    it('with batching, switches partition on partitionSwitchMs boundaries of wall-clock time', () => {
      const clock = new FakeClock(1000);
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
        numPartitions: 4,
        partitionSwitchMs: 3,
        clock,
        random: fixed(0.5), // start = 2
      });
      // Java: signSafeMod(1000 / 3 + 2, 4) = 3.
      assert.equal(router.choosePartition(undefined, 4), 3);
      clock.advance(1); // 1001 / 3 = 333, same window
      assert.equal(router.choosePartition(undefined, 4), 3);
      assert.equal(router.choosePartition(undefined, 4), 3);
      clock.advance(1); // 1002 / 3 = 334
      assert.equal(router.choosePartition(undefined, 4), 0);
      clock.advance(3);
      assert.equal(router.choosePartition(undefined, 4), 1);
    });

    it('defaults to batching with a 10 ms switch interval, like the Java client', () => {
      const clock = new FakeClock(1_700_000_000_000);
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
        numPartitions: 5,
        clock,
        random: fixed(0),
      });
      const first = router.choosePartition(undefined, 5);
      assert.equal(first, signSafeMod(170_000_000_000, 5));
      clock.advance(9);
      assert.equal(router.choosePartition(undefined, 5), first);
      clock.advance(1);
      assert.equal(router.choosePartition(undefined, 5), (first + 1) % 5);
    });

    it('raises a partitionSwitchMs below 1 to 1', () => {
      const clock = new FakeClock(10);
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
        numPartitions: 100,
        partitionSwitchMs: 0,
        clock,
        random: fixed(0),
      });
      assert.equal(router.choosePartition(undefined, 100), 10);
      clock.advance(1);
      assert.equal(router.choosePartition(undefined, 100), 11);
    });

    it('wraps its counter like a Java int', () => {
      // Start near 2^31 - 1 by using a huge partition count, then route with n = 7.
      const router = createMessageRouter({
        mode: MESSAGE_ROUTING_MODE.ROUND_ROBIN_PARTITION,
        numPartitions: 0x7fffffff,
        batchingEnabled: false,
        random: fixed(0.9999999999999999), // start = 2^31 - 2
      });
      // 2147483646 % 7 = 0, 2147483647 % 7 = 1, then the int wraps: signSafeMod(-2147483648, 7) = 5.
      assert.deepEqual(
        [1, 2, 3].map(() => router.choosePartition(undefined, 7)),
        [0, 1, 5],
      );
    });
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  IpAllocator,
  IP_ALLOCATOR_ERROR_CODE,
} from '../../../scripts/dev/node-agent/ip-allocator.ts';

describe('IpAllocator', () => {
  it('hands out .2 upwards, one address per key, stable for the same key', () => {
    const a = new IpAllocator('10.250.7.0/24');
    assert.equal(a.allocate('pod-a'), '10.250.7.2');
    assert.equal(a.allocate('pod-b'), '10.250.7.3');
    assert.equal(a.allocate('pod-a'), '10.250.7.2');
    assert.deepEqual(
      [...a.held()],
      [
        ['pod-a', '10.250.7.2'],
        ['pod-b', '10.250.7.3'],
      ],
    );
  });

  it('reuses a released address last, so a stopping process keeps it a while longer', () => {
    const a = new IpAllocator('10.250.7.0/28');
    assert.equal(a.allocate('a'), '10.250.7.2');
    a.release('a');
    assert.equal(a.allocate('b'), '10.250.7.3');
    for (let i = 0; i < 11; i++) a.allocate(`x${i}`);
    // .2 was released first and comes back only after the fresh ones (.3-.14) are used.
    assert.equal(a.allocate('c'), '10.250.7.2');
    assert.throws(() => a.allocate('d'), { code: IP_ALLOCATOR_ERROR_CODE });
  });

  it('normalises the network address and knows what it contains', () => {
    const a = new IpAllocator('10.1.2.77/24');
    assert.equal(a.allocate('k'), '10.1.2.2');
    assert.ok(a.contains('10.1.2.255'));
    assert.ok(!a.contains('10.1.3.1'));
    assert.ok(!a.contains('nonsense'));
  });

  it('rejects bad ranges with a stable code', () => {
    for (const bad of ['10.0.0.0', '10.0.0.0/8', '10.0.0.0/31', '300.0.0.0/24', 'a.b.c.d/24']) {
      assert.throws(() => new IpAllocator(bad), { code: IP_ALLOCATOR_ERROR_CODE }, bad);
    }
  });
});

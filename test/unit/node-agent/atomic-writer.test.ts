import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeAtomic } from '../../../scripts/dev/node-agent/atomic-writer.ts';

const files = (o: Record<string, string>): Map<string, Buffer> =>
  new Map(Object.entries(o).map(([k, v]) => [k, Buffer.from(v)]));

describe('writeAtomic (the kubelet layout of Secret volumes)', () => {
  it('writes through ..data, swaps on change, drops removed keys, and skips unchanged content', (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    assert.equal(writeAtomic(dir, files({ 'tls.crt': 'A', 'tls.key': 'K' }), 0o600), true);
    assert.equal(readlinkSync(path.join(dir, 'tls.crt')), path.join('..data', 'tls.crt'));
    assert.equal(readFileSync(path.join(dir, 'tls.crt'), 'utf8'), 'A');
    assert.equal(statSync(path.join(dir, 'tls.key')).mode & 0o777, 0o600);
    const first = readlinkSync(path.join(dir, '..data'));

    assert.equal(writeAtomic(dir, files({ 'tls.crt': 'A', 'tls.key': 'K' }), 0o600), false);
    assert.equal(readlinkSync(path.join(dir, '..data')), first);

    assert.equal(writeAtomic(dir, files({ 'tls.crt': 'B' }), 0o644), true);
    assert.notEqual(readlinkSync(path.join(dir, '..data')), first);
    assert.equal(readFileSync(path.join(dir, 'tls.crt'), 'utf8'), 'B');
    const entries = readdirSync(dir).sort();
    assert.ok(!entries.includes('tls.key'), 'removed key is gone');
    assert.ok(!entries.includes(first), 'old timestamped directory removed');
    assert.deepEqual(
      entries.filter((e) => !e.startsWith('..')),
      ['tls.crt'],
    );
  });

  it('supports nested item paths', (t) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'atomic-'));
    t.after(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    writeAtomic(dir, files({ 'a/b.txt': 'x' }), 0o644);
    assert.equal(readFileSync(path.join(dir, 'a', 'b.txt'), 'utf8'), 'x');
  });
});

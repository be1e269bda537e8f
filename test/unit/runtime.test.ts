import { it } from 'node:test';
import assert from 'node:assert/strict';

it('runs on Node.js 24 (brought by the pinned `node` devDependency, not the machine Node)', () => {
  const major = Number(process.versions.node.split('.')[0]);
  assert.equal(major, 24, `expected Node 24, got ${process.version}`);
});

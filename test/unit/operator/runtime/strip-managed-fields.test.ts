import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { stripManagedFields } from '../../../../src/operator/runtime/strip-managed-fields.ts';

function withEntries(): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'd',
      managedFields: [
        { manager: 'pulsar-ws-operator', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
        { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status' },
        { manager: 'pulsar-ws-operator', operation: 'Update', subresource: 'status' },
      ],
    },
  };
}

describe('stripManagedFields', () => {
  it("keeps only the field manager's Apply entries", () => {
    const obj = stripManagedFields(withEntries(), 'pulsar-ws-operator');
    assert.deepEqual(obj.metadata?.managedFields, [
      { manager: 'pulsar-ws-operator', operation: 'Apply', fieldsV1: { 'f:spec': {} } },
    ]);
  });

  it('drops the field entirely without a manager, or when none of the entries are ours', () => {
    assert.equal('managedFields' in (stripManagedFields(withEntries()).metadata ?? {}), false);
    assert.equal(
      'managedFields' in (stripManagedFields(withEntries(), 'someone-else').metadata ?? {}),
      false,
    );
  });

  it('leaves objects without metadata or managedFields as they are', () => {
    const bare = { apiVersion: 'v1', kind: 'Secret' };
    assert.equal(stripManagedFields(bare, 'm'), bare);
    assert.deepEqual(stripManagedFields({ metadata: { name: 'x' } }, 'm'), {
      metadata: { name: 'x' },
    });
  });
});

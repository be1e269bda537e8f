import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { isControlledBy, selectPrunable } from '../../../src/operator/reconcilers/prune.ts';

const OWNER = 'uid-gw';
const HPA = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' };

function obj(
  name: string,
  refs: { uid: string; controller?: boolean }[],
  extra: Record<string, unknown> = {},
): KubernetesObject {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: `uid-${name}`,
      ownerReferences: refs.map((r) => ({
        apiVersion: 'pulsarws.io/v1alpha1',
        kind: 'PulsarWebSocketGateway',
        name: 'gw',
        uid: r.uid,
        ...(r.controller === undefined ? {} : { controller: r.controller }),
      })),
      ...extra,
    },
  };
}

describe('selectPrunable', () => {
  it('selects owned objects that are no longer desired, with their uid', () => {
    const existing = [obj('gw-gateway', [{ uid: OWNER, controller: true }])];
    assert.deepEqual(selectPrunable(HPA, existing, new Set(), OWNER), [
      { ...HPA, namespace: 'ns', name: 'gw-gateway', uid: 'uid-gw-gateway' },
    ]);
  });

  it('keeps desired objects', () => {
    const existing = [obj('gw-gateway', [{ uid: OWNER, controller: true }])];
    assert.deepEqual(selectPrunable(HPA, existing, new Set(['gw-gateway']), OWNER), []);
  });

  it('never selects objects of other owners, non-controller references, or objects being deleted', () => {
    const existing = [
      obj('theirs', [{ uid: 'other', controller: true }]),
      obj('ref-only', [{ uid: OWNER }]),
      obj('not-controller', [{ uid: OWNER, controller: false }]),
      obj('unowned', []),
      obj('going', [{ uid: OWNER, controller: true }], {
        deletionTimestamp: new Date('2026-01-01T00:00:00Z'),
      }),
    ];
    assert.deepEqual(selectPrunable(HPA, existing, new Set(), OWNER), []);
  });

  it('isControlledBy looks only at the controller reference', () => {
    assert.equal(isControlledBy(obj('a', [{ uid: OWNER, controller: true }]), OWNER), true);
    assert.equal(isControlledBy(obj('a', [{ uid: OWNER }]), OWNER), false);
    assert.equal(isControlledBy({ metadata: { name: 'a' } }, OWNER), false);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { applyBody, applyReason } from '../../../../src/operator/kube/apply-diff.ts';

const desired = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'ns', labels: { app: 'x' } },
  data: { a: '1' },
} as KubernetesObject;

function live(extra: Record<string, unknown> = {}, owned: object = {}): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'c',
      namespace: 'ns',
      uid: 'u1',
      resourceVersion: '7',
      creationTimestamp: new Date('2024-01-01T00:00:00Z'),
      labels: { app: 'x', other: 'kept' },
      managedFields: [
        {
          manager: 'pulsar-ws-operator',
          operation: 'Apply',
          fieldsV1: {
            'f:data': { 'f:a': {} },
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            ...owned,
          },
        },
        { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': { 'f:z': {} } } },
      ],
    },
    data: { a: '1', z: 'theirs' },
    ...extra,
  } as KubernetesObject;
}

describe('applyReason', () => {
  it('needs no apply when every desired value is present and nothing stale is owned', () => {
    assert.equal(applyReason(desired, live(), 'pulsar-ws-operator'), undefined);
  });

  it('reports a missing object, a changed value and a field we stopped setting', () => {
    assert.deepEqual(applyReason(desired, undefined, 'm'), { kind: 'missing' });
    assert.deepEqual(applyReason(desired, live({ data: { a: '2' } }), 'pulsar-ws-operator'), {
      kind: 'value',
      path: 'data.a',
    });
    assert.deepEqual(
      applyReason(desired, live({}, { 'f:binaryData': { 'f:b': {} } }), 'pulsar-ws-operator'),
      { kind: 'stale-field', path: 'binaryData.b' },
    );
  });

  it('compares lists by length and elements as subsets, treating owned lists as one field', () => {
    const want = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { ports: [{ name: 'ws', port: 80 }] },
    } as KubernetesObject;
    const have = {
      ...want,
      metadata: {
        name: 's',
        managedFields: [
          {
            manager: 'm',
            operation: 'Apply',
            fieldsV1: { 'f:spec': { 'f:ports': { 'k:{"port":80}': { '.': {}, 'f:name': {} } } } },
          },
        ],
      },
      spec: { ports: [{ name: 'ws', port: 80, protocol: 'TCP', targetPort: 80 }] },
    } as KubernetesObject;
    assert.equal(applyReason(want, have, 'm'), undefined);
    const more = {
      ...want,
      spec: {
        ports: [
          { name: 'ws', port: 80 },
          { name: 'm', port: 9 },
        ],
      },
    };
    assert.deepEqual(applyReason(more as KubernetesObject, have, 'm'), {
      kind: 'value',
      path: 'spec.ports',
    });
  });

  it('treats an owned atomic map or struct (one managedFields leaf) as wanted when desired sets fields below it', () => {
    // Regression: a Service's spec.selector (mapType=atomic) is `f:selector: {}` in
    // managedFields; it was reported as a stale field, so every reconcile re-applied.
    const d = { ...desired, spec: { selector: { app: 'x' } } } as KubernetesObject;
    const cur = live({ spec: { selector: { app: 'x' } } }, { 'f:spec': { 'f:selector': {} } });
    assert.equal(applyReason(d, cur, 'pulsar-ws-operator'), undefined);
    assert.deepEqual(applyReason(desired, cur, 'pulsar-ws-operator'), {
      kind: 'stale-field',
      path: 'spec.selector',
    });
  });

  it('treats Date values and their RFC 3339 strings as equal', () => {
    const want = { metadata: { name: 'a' }, spec: { at: '2024-01-01T00:00:00Z' } };
    const have = { metadata: { name: 'a' }, spec: { at: new Date('2024-01-01T00:00:00Z') } };
    assert.equal(applyReason(want as KubernetesObject, have as KubernetesObject, 'm'), undefined);
  });

  it('applyBody strips server-set metadata', () => {
    const body = applyBody(live());
    assert.deepEqual(Object.keys(body.metadata ?? {}).sort(), ['labels', 'name', 'namespace']);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import {
  ENV_ERROR_CODE,
  expandRefs,
  parseQuantity,
  resolveEnv,
  type EnvContext,
} from '../../../scripts/dev/node-agent/env.ts';

const pod: V1Pod = {
  metadata: {
    name: 'gw-abc',
    namespace: 'team',
    uid: 'u-1',
    labels: { app: 'gw', tier: 'edge' },
    annotations: { 'a/b': 'c' },
  },
  spec: { serviceAccountName: 'sa1', containers: [] },
};

const ctx: EnvContext = {
  pod,
  podIP: '10.250.1.2',
  hostIP: '127.0.0.1',
  nodeName: 'local-node',
  secret: (name) => (name === 's1' ? { token: 'sekrit', user: 'bob' } : undefined),
  configMap: (name) => (name === 'cm1' ? { level: 'debug' } : undefined),
};

function env(container: Partial<V1Container>): Record<string, string> {
  return resolveEnv({ name: 'c', ...container }, ctx);
}

describe('resolveEnv', () => {
  it('resolves the downward API fields the gateway Deployment uses, and more', () => {
    const fr = (name: string, fieldPath: string) => ({
      name,
      valueFrom: { fieldRef: { fieldPath } },
    });
    assert.deepEqual(
      env({
        env: [
          fr('POD_NAME', 'metadata.name'),
          fr('POD_NAMESPACE', 'metadata.namespace'),
          fr('POD_IP', 'status.podIP'),
          fr('UID', 'metadata.uid'),
          fr('NODE', 'spec.nodeName'),
          fr('SA', 'spec.serviceAccountName'),
          fr('HOST', 'status.hostIP'),
          fr('APP', "metadata.labels['app']"),
          fr('ANN', "metadata.annotations['a/b']"),
        ],
      }),
      {
        POD_NAME: 'gw-abc',
        POD_NAMESPACE: 'team',
        POD_IP: '10.250.1.2',
        UID: 'u-1',
        NODE: 'local-node',
        SA: 'sa1',
        HOST: '127.0.0.1',
        APP: 'gw',
        ANN: 'c',
      },
    );
  });

  it('reads secretKeyRef and configMapKeyRef; optional misses are skipped', () => {
    assert.deepEqual(
      env({
        env: [
          { name: 'T', valueFrom: { secretKeyRef: { name: 's1', key: 'token' } } },
          { name: 'L', valueFrom: { configMapKeyRef: { name: 'cm1', key: 'level' } } },
          { name: 'O', valueFrom: { secretKeyRef: { name: 'nope', key: 'x', optional: true } } },
        ],
      }),
      { T: 'sekrit', L: 'debug' },
    );
  });

  it('refuses a missing Secret key or ConfigMap with a stable code (CreateContainerConfigError)', () => {
    assert.throws(
      () =>
        env({ env: [{ name: 'T', valueFrom: { secretKeyRef: { name: 's1', key: 'missing' } } }] }),
      { code: ENV_ERROR_CODE },
    );
    assert.throws(() => env({ envFrom: [{ configMapRef: { name: 'absent' } }] }), {
      code: ENV_ERROR_CODE,
    });
    assert.throws(
      () => env({ env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.bogus' } } }] }),
      { code: ENV_ERROR_CODE },
    );
  });

  it('applies envFrom first with its prefix, then env, expanding $(VAR) references', () => {
    assert.deepEqual(
      env({
        envFrom: [{ secretRef: { name: 's1' }, prefix: 'S_' }],
        env: [
          { name: 'S_USER', value: 'alice' },
          { name: 'GREETING', value: 'hi $(S_USER) $$(S_USER) $(UNKNOWN)' },
        ],
      }),
      {
        S_token: 'sekrit',
        S_USER: 'alice',
        S_user: 'bob',
        GREETING: 'hi alice $(S_USER) $(UNKNOWN)',
      },
    );
  });

  it('resolves resourceFieldRef with its divisor', () => {
    assert.deepEqual(
      env({
        resources: { requests: { cpu: '250m' }, limits: { memory: '512Mi' } },
        env: [
          {
            name: 'CPU',
            valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } },
          },
          {
            name: 'MEM',
            valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } },
          },
        ],
      }),
      { CPU: '250', MEM: '512' },
    );
  });

  it('expandRefs and parseQuantity handle the edge cases', () => {
    assert.equal(expandRefs('$(A)$(B)', { A: '1' }), '1$(B)');
    assert.equal(parseQuantity('2Gi'), 2 * 1024 ** 3);
    assert.equal(parseQuantity('100m'), 0.1);
    assert.throws(() => parseQuantity('12Q'), { code: ENV_ERROR_CODE });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Secret } from '@kubernetes/client-node';
import { DIGEST_PREFIX, secretForCache } from '../../../../src/operator/kube/secret-for-cache.ts';
import { hashSecretData } from '../../../../src/operator/resources/referenced-secrets.ts';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

function foreign(token: string): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: {
      name: 'broker-token',
      namespace: 'ns',
      uid: 'u1',
      resourceVersion: '7',
      labels: { team: 'a' },
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': `{"data":"${token}"}` },
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    data: { token: b64(token), 'ca.crt': b64('CA PEM') },
  };
}

describe('secretForCache', () => {
  it('keeps no value of a foreign Secret except public certificates, and drops annotations', () => {
    const cached = secretForCache(foreign('s3cret-token'), 'pulsar-ws-operator');
    const text = JSON.stringify(cached);
    assert.equal(text.includes(b64('s3cret-token')), false);
    assert.equal(text.includes('s3cret-token'), false);
    assert.ok(cached.data?.token?.startsWith(DIGEST_PREFIX));
    assert.equal(cached.data?.['ca.crt'], b64('CA PEM'));
    assert.equal(cached.metadata?.annotations, undefined);
    assert.equal(cached.metadata?.managedFields, undefined);
    assert.deepEqual(
      {
        name: cached.metadata?.name,
        ns: cached.metadata?.namespace,
        rv: cached.metadata?.resourceVersion,
      },
      { name: 'broker-token', ns: 'ns', rv: '7' },
    );
    assert.deepEqual(cached.metadata?.labels, { team: 'a' });
    assert.equal(cached.type, 'Opaque');
  });

  it('gives equal digests for equal values and different ones for different values, so the pod hash follows the data', () => {
    const a = secretForCache(foreign('one'), 'm');
    const b = secretForCache(foreign('one'), 'm');
    const c = secretForCache(foreign('two'), 'm');
    assert.equal(hashSecretData(a.data, ['token']), hashSecretData(b.data, ['token']));
    assert.notEqual(hashSecretData(a.data, ['token']), hashSecretData(c.data, ['token']));
    // A referenced key that is absent stays absent (SecretKeyMissing still works).
    assert.equal(a.data?.['jwt.pub'], undefined);
  });

  it('keeps the whole of a Secret a gateway controls, with only our own apply entries', () => {
    const own = foreign('ca-key');
    own.metadata = {
      name: 'gw-ca',
      namespace: 'ns',
      ownerReferences: [
        {
          apiVersion: 'pulsarws.io/v1alpha1',
          kind: 'PulsarWebSocketGateway',
          name: 'gw',
          uid: 'g1',
          controller: true,
        },
      ],
      managedFields: [
        { manager: 'pulsar-ws-operator', operation: 'Apply' },
        { manager: 'kubectl', operation: 'Update' },
      ],
    };
    const cached = secretForCache(own, 'pulsar-ws-operator');
    assert.equal(cached.data?.token, b64('ca-key'));
    const managers = (cached.metadata?.managedFields ?? []).map((e) => e.manager);
    assert.deepEqual(managers, ['pulsar-ws-operator']);
  });

  it('digests a Secret owned by something else, even when it has an owner reference', () => {
    const s = foreign('x');
    s.metadata = {
      name: 'cm-tls',
      ownerReferences: [
        {
          apiVersion: 'cert-manager.io/v1',
          kind: 'Certificate',
          name: 'c',
          uid: 'c1',
          controller: true,
        },
      ],
    };
    const cached = secretForCache(s, 'm');
    assert.ok(cached.data?.token?.startsWith(DIGEST_PREFIX));
    assert.equal(cached.metadata?.ownerReferences?.[0]?.kind, 'Certificate');
  });
});

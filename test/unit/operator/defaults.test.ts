import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, withDefaults } from '../../../src/operator/api/v1alpha1/defaults.ts';
import { sampleGateway } from './fixtures.ts';

describe('applyDefaults', () => {
  it('fills every schema default of a minimal spec, including inside defaulted objects', () => {
    const spec = applyDefaults({ pulsar: { serviceUrl: 'pulsar://b:6650' } });
    assert.equal(spec.replicas, 1);
    assert.equal(spec.imagePullPolicy, 'IfNotPresent');
    assert.equal(spec.paused, false);
    assert.deepEqual(spec.pulsar.tls, { hostnameVerification: true, allowInsecure: false });
    assert.deepEqual(spec.auth, { mode: 'none', identityForwarding: { mode: 'clientToken' } });
    assert.deepEqual(spec.tls, { mode: 'none', validityDays: 365, renewBeforeDays: 30 });
    assert.deepEqual(spec.service, { type: 'ClusterIP', port: 8080, tlsPort: 8443 });
    assert.equal(spec.websocket.maxFrameSizeBytes, 1048576);
    assert.deepEqual(spec.metrics, {
      enabled: true,
      port: 9090,
      serviceMonitor: { enabled: false, interval: '30s' },
    });
    assert.deepEqual(spec.autoscaling, {
      enabled: false,
      minReplicas: 1,
      targetCPUUtilizationPercentage: 80,
    });
    assert.deepEqual(spec.podDisruptionBudget, { enabled: true });
    assert.equal(spec.template, undefined, 'objects without a default stay absent');
  });

  it('keeps given values, fills defaults of nested references, and does not mutate its input', () => {
    const input = {
      pulsar: { serviceUrl: 'pulsar://b:6650', tls: { trustedCaSecret: { name: 'ca' } } },
      tls: {
        mode: 'certManager' as const,
        validityDays: 90,
        certManager: { issuerRef: { name: 'i' } },
      },
    };
    const before = structuredClone(input);
    const spec = applyDefaults(input);
    assert.deepEqual(spec.pulsar.tls.trustedCaSecret, { name: 'ca', key: 'ca.crt' });
    assert.deepEqual(spec.tls.certManager?.issuerRef, {
      name: 'i',
      kind: 'Issuer',
      group: 'cert-manager.io',
    });
    assert.equal(spec.tls.validityDays, 90);
    assert.deepEqual(input, before);
  });

  it('is idempotent and keeps metadata', () => {
    const once = withDefaults(sampleGateway());
    assert.deepEqual(withDefaults(once), once);
    assert.equal(once.metadata.uid, sampleGateway().metadata.uid);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { childName, childNames, serviceDnsNames } from '../../../src/operator/resources/names.ts';
import {
  gatewayLabels,
  labelValue,
  selectorLabels,
  selectorString,
} from '../../../src/operator/resources/labels.ts';
import { ownerReference } from '../../../src/operator/resources/owner-reference.ts';
import { sampleGateway } from './fixtures.ts';

const DNS_1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

describe('child names', () => {
  it('are <name>-<suffix> for ordinary names', () => {
    const n = childNames('gw');
    assert.equal(n.deployment, 'gw-gateway');
    assert.equal(n.service, 'gw-gateway');
    assert.equal(n.configMap, 'gw-gateway-config');
    assert.equal(n.tlsSecret, 'gw-gateway-tls');
    assert.equal(n.caSecret, 'gw-gateway-ca');
  });

  it('stay within 63 characters, valid DNS-1035 labels, deterministic and distinct for long names', () => {
    const long = 'a'.repeat(200);
    const other = `${'a'.repeat(199)}b`;
    for (const suffix of ['gateway', 'gateway-config', 'gateway-tls', 'gateway-ca']) {
      const a = childName(long, suffix);
      assert.ok(a.length <= 63, a);
      assert.match(a, DNS_1035);
      assert.ok(a.endsWith(`-${suffix}`));
      assert.equal(childName(long, suffix), a);
      assert.notEqual(childName(other, suffix), a);
    }
  });

  it('sanitise dotted and digit-first names and keep them distinct from look-alikes', () => {
    const dotted = childName('my.gw', 'gateway');
    assert.match(dotted, DNS_1035);
    assert.notEqual(dotted, childName('my-gw', 'gateway'));
    assert.match(childName('1gw', 'gateway'), DNS_1035);
  });

  it('the Service DNS names cover short, namespaced, svc and FQDN forms plus extras, deduplicated', () => {
    assert.deepEqual(serviceDnsNames('gw-gateway', 'ns', ['ws.example.com', 'gw-gateway']), [
      'gw-gateway',
      'gw-gateway.ns',
      'gw-gateway.ns.svc',
      'gw-gateway.ns.svc.cluster.local',
      'ws.example.com',
    ]);
  });
});

describe('labels and owner reference', () => {
  it('carry the app.kubernetes.io labels; the selector is their immutable subset', () => {
    const labels: Record<string, string> = gatewayLabels({ name: 'gw' });
    assert.deepEqual(
      { ...labels },
      {
        'app.kubernetes.io/name': 'pulsar-websocket-gateway',
        'app.kubernetes.io/instance': 'gw',
        'app.kubernetes.io/component': 'gateway',
        'app.kubernetes.io/managed-by': 'pulsar-websocket-operator',
        'app.kubernetes.io/part-of': 'pulsar-websocket-operator',
      },
    );
    for (const [k, v] of Object.entries(selectorLabels({ name: 'gw' }))) assert.equal(labels[k], v);
    assert.equal(
      selectorString({ name: 'gw' }),
      'app.kubernetes.io/name=pulsar-websocket-gateway,app.kubernetes.io/instance=gw,app.kubernetes.io/component=gateway',
    );
  });

  it('shortens long label values deterministically', () => {
    const v = labelValue('x'.repeat(100));
    assert.ok(v.length <= 63);
    assert.equal(labelValue('x'.repeat(100)), v);
    assert.notEqual(labelValue(`${'x'.repeat(99)}y`), v);
  });

  it('makes the gateway the controlling owner, blocking its deletion until children go', () => {
    assert.deepEqual(ownerReference(sampleGateway()), {
      apiVersion: 'pulsarws.io/v1alpha1',
      kind: 'PulsarWebSocketGateway',
      name: 'gw',
      uid: '4b1c7a52-0d55-4d8e-9a39-1f3f8f7f0c11',
      controller: true,
      blockOwnerDeletion: true,
    });
    assert.throws(() => ownerReference({ metadata: { name: 'x' } }), /uid/);
  });
});

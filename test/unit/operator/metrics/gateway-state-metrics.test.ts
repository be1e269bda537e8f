import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type {
  GatewayStatusCondition,
  PulsarWebSocketGateway,
} from '../../../../src/operator/api/v1alpha1/types.ts';
import {
  GATEWAY_STATE_METRICS,
  gatewayStateSamples,
  registerGatewayStateMetrics,
} from '../../../../src/operator/metrics/gateway-state-metrics.ts';
import { sampleGateway } from '../fixtures.ts';

function condition(type: string, status: 'True' | 'False' | 'Unknown'): GatewayStatusCondition {
  return {
    type,
    status,
    lastTransitionTime: '2026-01-01T00:00:00Z',
    reason: 'Test',
    message: 'test',
  };
}

function withStatus(
  gw: PulsarWebSocketGateway,
  status: PulsarWebSocketGateway['status'],
): PulsarWebSocketGateway {
  return { ...gw, status };
}

const base = { gateway_namespace: 'team-a', gateway: 'gw', gateway_service: 'gw-gateway' };

describe('gatewayStateSamples', () => {
  it('is empty for no gateways', () => {
    assert.deepEqual(gatewayStateSamples([]), {
      replicas: [],
      readyReplicas: [],
      condition: [],
      certificateExpiry: [],
      certificateRenewal: [],
    });
  });

  it('reports desired and ready replicas; a fresh gateway has 0 ready and no certificate', () => {
    const s = gatewayStateSamples([sampleGateway({ replicas: 3 })]);
    assert.deepEqual(s.replicas, [{ labels: base, value: 3 }]);
    assert.deepEqual(s.readyReplicas, [{ labels: base, value: 0 }]);
    assert.deepEqual(s.condition, []);
    assert.deepEqual(s.certificateExpiry, []);
    assert.deepEqual(s.certificateRenewal, []);
  });

  it('defaults desired replicas to 1 and keeps an explicit 0', () => {
    assert.equal(gatewayStateSamples([sampleGateway()]).replicas[0]?.value, 1);
    assert.equal(gatewayStateSamples([sampleGateway({ replicas: 0 })]).replicas[0]?.value, 0);
  });

  it('with autoscaling, desired is the current count clamped to the HPA bounds', () => {
    const auto = (replicas: number | undefined): number | undefined => {
      const gw = sampleGateway({
        replicas: 7,
        autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 },
      });
      return gatewayStateSamples([
        withStatus(gw, replicas === undefined ? undefined : { replicas }),
      ]).replicas[0]?.value;
    };
    assert.equal(auto(undefined), 2);
    assert.equal(auto(0), 2);
    assert.equal(auto(4), 4);
    assert.equal(auto(9), 5);
  });

  it('reads ready replicas from the status', () => {
    const gw = withStatus(sampleGateway({ replicas: 2 }), { replicas: 2, readyReplicas: 1 });
    assert.equal(gatewayStateSamples([gw]).readyReplicas[0]?.value, 1);
  });

  it('reports each known condition with one series per status, 1 for the current one', () => {
    const gw = withStatus(sampleGateway(), {
      conditions: [
        condition('Ready', 'True'),
        condition('Degraded', 'Unknown'),
        condition('SomethingElse', 'True'),
      ],
    });
    const got = gatewayStateSamples([gw]).condition.map(
      (s) => `${s.labels.condition ?? ''}/${s.labels.status ?? ''}=${String(s.value)}`,
    );
    assert.deepEqual(got, [
      'Ready/True=1',
      'Ready/False=0',
      'Ready/Unknown=0',
      'Degraded/True=0',
      'Degraded/False=0',
      'Degraded/Unknown=1',
    ]);
  });

  it('reports certificate expiry and renewal in Unix seconds from the status', () => {
    const gw = withStatus(sampleGateway({ tls: { mode: 'selfSigned', renewBeforeDays: 30 } }), {
      certificate: { notAfter: '2027-01-31T00:00:00Z', renewAt: '2027-01-10T12:00:00Z' },
    });
    const s = gatewayStateSamples([gw]);
    assert.deepEqual(s.certificateExpiry, [{ labels: base, value: Date.UTC(2027, 0, 31) / 1000 }]);
    // renewAt wins over the spec's renewBeforeDays (it already reflects the operator's clock).
    assert.deepEqual(s.certificateRenewal, [
      { labels: base, value: Date.UTC(2027, 0, 10, 12) / 1000 },
    ]);
  });

  it('derives renewal from notAfter and renewBeforeDays when the status has no renewAt', () => {
    const gw = withStatus(sampleGateway({ tls: { mode: 'certManager', renewBeforeDays: 10 } }), {
      certificate: { notAfter: '2027-01-31T00:00:00Z' },
    });
    assert.equal(
      gatewayStateSamples([gw]).certificateRenewal[0]?.value,
      Date.UTC(2027, 0, 21) / 1000,
    );
    const noDays = withStatus(sampleGateway({ tls: { mode: 'certManager' } }), {
      certificate: { notAfter: '2027-01-31T00:00:00Z' },
    });
    const s = gatewayStateSamples([noDays]);
    assert.equal(s.certificateExpiry.length, 1);
    assert.equal(s.certificateRenewal.length, 0, 'no renewal without renewAt or renewBeforeDays');
  });

  it('skips an unparsable notAfter and unnamed gateways', () => {
    const bad = withStatus(sampleGateway(), { certificate: { notAfter: 'soon' } });
    assert.equal(gatewayStateSamples([bad]).certificateExpiry.length, 0);
    const unnamed = sampleGateway();
    delete unnamed.metadata.name;
    assert.equal(gatewayStateSamples([unnamed]).replicas.length, 0);
  });

  it('labels by gateway namespace, name and Service (a long name gets the hashed Service name)', () => {
    const a = sampleGateway({}, 'a');
    const b = { ...sampleGateway({}, 'b'), metadata: { name: 'b', namespace: 'team-b' } };
    const long = sampleGateway({}, 'x'.repeat(60));
    const labels = gatewayStateSamples([a, b, long]).replicas.map((s) => s.labels);
    assert.deepEqual(labels[0], {
      gateway_namespace: 'team-a',
      gateway: 'a',
      gateway_service: 'a-gateway',
    });
    assert.deepEqual(labels[1], {
      gateway_namespace: 'team-b',
      gateway: 'b',
      gateway_service: 'b-gateway',
    });
    assert.ok((labels[2]?.gateway_service.length ?? 99) <= 63, 'a valid Service name');
    assert.notEqual(labels[2]?.gateway_service, `${'x'.repeat(60)}-gateway`);
  });
});

describe('registerGatewayStateMetrics', () => {
  it('computes the gauges at scrape time and drops deleted gateways', async () => {
    const registry = new Registry();
    let gateways: PulsarWebSocketGateway[] = [
      withStatus(sampleGateway({ replicas: 2, tls: { mode: 'selfSigned' } }), {
        readyReplicas: 2,
        conditions: [condition('Ready', 'True')],
        certificate: { notAfter: '2027-01-31T00:00:00Z', renewAt: '2027-01-01T00:00:00Z' },
      }),
      sampleGateway({}, 'other'),
    ];
    registerGatewayStateMetrics(registry, () => gateways);
    const text = await registry.metrics();
    const lbl = 'gateway_namespace="team-a",gateway="gw",gateway_service="gw-gateway"';
    assert.match(text, new RegExp(`^${GATEWAY_STATE_METRICS.replicas}\\{${lbl}\\} 2$`, 'm'));
    assert.match(text, new RegExp(`^${GATEWAY_STATE_METRICS.readyReplicas}\\{${lbl}\\} 2$`, 'm'));
    assert.match(
      text,
      new RegExp(
        `^${GATEWAY_STATE_METRICS.condition}\\{${lbl},condition="Ready",status="True"\\} 1$`,
        'm',
      ),
    );
    assert.match(
      text,
      new RegExp(
        `^${GATEWAY_STATE_METRICS.certificateExpiry}\\{${lbl}\\} ${String(Date.UTC(2027, 0, 31) / 1000)}$`,
        'm',
      ),
    );
    assert.match(
      text,
      new RegExp(
        `^${GATEWAY_STATE_METRICS.certificateRenewal}\\{${lbl}\\} ${String(Date.UTC(2027, 0, 1) / 1000)}$`,
        'm',
      ),
    );
    assert.match(text, /gateway="other"/);

    gateways = [sampleGateway({}, 'other')];
    const after = await registry.metrics();
    assert.doesNotMatch(after, /gateway="gw"/, 'a deleted gateway disappears');
    assert.match(
      after,
      new RegExp(`^${GATEWAY_STATE_METRICS.replicas}\\{.*gateway="other".*\\} 1$`, 'm'),
    );
  });

  it('reports every source sharing a registry, and none after unregistering (standby: empty)', async () => {
    const registry = new Registry();
    const leader = registerGatewayStateMetrics(registry, () => [sampleGateway({}, 'one')]);
    const standby = registerGatewayStateMetrics(registry, () => []);
    const second = registerGatewayStateMetrics(registry, () => [sampleGateway({}, 'two')]);
    const text = await registry.metrics();
    assert.match(text, /gateway="one"/);
    assert.match(text, /gateway="two"/);
    leader();
    second();
    standby();
    const empty = await registry.metrics();
    assert.doesNotMatch(empty, /gateway="/);
    // The families stay registered (with HELP and TYPE) so a second registration reuses them.
    assert.match(empty, new RegExp(`# TYPE ${GATEWAY_STATE_METRICS.replicas} gauge`));
    assert.doesNotThrow(() => registerGatewayStateMetrics(registry, () => []));
  });
});

/**
 * The PulsarWebSocketGateway CRD against the real API server: schema defaults, CEL admission
 * rules and their messages, printer columns, the scale subresource, and server-side dry-run of
 * everything the pure builders produce and of every sample in deploy/samples/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CoreV1Api,
  CustomObjectsApi,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import { applyDefaults } from '../../../src/operator/api/v1alpha1/defaults.ts';
import {
  CRD_GROUP,
  CRD_PLURAL,
  CRD_VERSION,
} from '../../../src/operator/api/v1alpha1/constants.ts';
import type { PulsarWebSocketGatewaySpec } from '../../../src/operator/api/v1alpha1/types.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const namespace = uniqueName('crd');
let crd: V1CustomResourceDefinition;

function gateway(name: string, spec: unknown): Record<string, unknown> {
  return {
    apiVersion: `${CRD_GROUP}/${CRD_VERSION}`,
    kind: 'PulsarWebSocketGateway',
    metadata: { name },
    spec,
  };
}

async function create(
  name: string,
  spec: unknown,
  dryRun?: 'All',
): Promise<Record<string, unknown>> {
  return (await custom.createNamespacedCustomObject({
    group: CRD_GROUP,
    version: CRD_VERSION,
    namespace,
    plural: CRD_PLURAL,
    body: gateway(name, spec),
    ...(dryRun === undefined ? {} : { dryRun }),
  })) as Record<string, unknown>;
}

/** Asserts the API server rejects `spec` at admission (422) with `message` in the body. */
async function assertRejected(spec: unknown, message: string): Promise<void> {
  await assert.rejects(
    create(uniqueName('bad'), spec, 'All'),
    (err: { code?: number; body?: unknown }) => {
      assert.equal(err.code, 422, `expected 422, got ${String(err.code)}: ${String(err.body)}`);
      assert.ok(String(err.body).includes(message), `expected "${message}" in ${String(err.body)}`);
      return true;
    },
  );
}

const pulsar = { serviceUrl: 'pulsar://pulsar-broker.pulsar.svc:6650' };

describe('PulsarWebSocketGateway CRD on the real API server', () => {
  before(async () => {
    crd = await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
  });

  after(async () => {
    await core.deleteNamespace({ name: namespace });
  });

  it('accepts a minimal resource and stores the same defaults as applyDefaults()', async () => {
    const spec: PulsarWebSocketGatewaySpec = { pulsar };
    const created = await create('minimal', spec);
    assert.deepEqual(created['spec'], applyDefaults(spec));
    const stored = created['spec'];
    assert.equal(stored.replicas, 1);
    assert.equal(stored.tls.mode, 'none');
    assert.equal(stored.tls.validityDays, 365);
    assert.equal(stored.tls.renewBeforeDays, 30);
    assert.equal(stored.websocket.maxFrameSizeBytes, 1048576);
    assert.equal(stored.metrics.enabled, true);
    assert.equal(stored.metrics.port, 9090);
    assert.equal(stored.auth.identityForwarding.mode, 'clientToken');
  });

  it('fills nested defaults of partially given objects the way applyDefaults() does', async () => {
    const spec: PulsarWebSocketGatewaySpec = {
      pulsar: { serviceUrl: 'pulsar+ssl://b:6651', tls: { trustedCaSecret: { name: 'ca' } } },
      tls: { mode: 'certManager', certManager: { issuerRef: { name: 'ca-issuer' } } },
      auth: { mode: 'jwt', jwt: { keySecretRef: { name: 'jwt-key' } } },
      metrics: { serviceMonitor: { enabled: true } },
      autoscaling: { enabled: true, maxReplicas: 5 },
      template: { pod: { terminationGracePeriodSeconds: 60 } },
    };
    const created = await create('partial', spec, 'All');
    assert.deepEqual(created['spec'], applyDefaults(spec));
  });

  const rejections: [string, unknown, string][] = [
    [
      'a serviceUrl with an http scheme',
      { pulsar: { serviceUrl: 'http://broker:8080' } },
      'pulsar.serviceUrl must start with pulsar:// or pulsar+ssl://',
    ],
    [
      'autoscaling min above max',
      { pulsar, autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } },
      'autoscaling.minReplicas must be less than or equal to autoscaling.maxReplicas',
    ],
    [
      'autoscaling enabled without maxReplicas',
      { pulsar, autoscaling: { enabled: true } },
      'autoscaling.maxReplicas is required when autoscaling is enabled',
    ],
    [
      'tls certManager without issuerRef',
      { pulsar, tls: { mode: 'certManager' } },
      'tls.mode certManager requires tls.certManager.issuerRef',
    ],
    [
      'tls secret without secretName',
      { pulsar, tls: { mode: 'secret' } },
      'tls.mode secret requires tls.secretName',
    ],
    [
      'auth jwt without a key',
      { pulsar, auth: { mode: 'jwt' } },
      'auth.mode jwt requires auth.jwt.keySecretRef',
    ],
    [
      'renewBeforeDays not below validityDays',
      { pulsar, tls: { mode: 'selfSigned', validityDays: 30, renewBeforeDays: 30 } },
      'tls.renewBeforeDays must be less than tls.validityDays',
    ],
    [
      'a PDB with both minAvailable and maxUnavailable',
      { pulsar, podDisruptionBudget: { minAvailable: 1, maxUnavailable: '25%' } },
      'podDisruptionBudget takes minAvailable or maxUnavailable, not both',
    ],
    [
      'passthrough with originalPrincipal forwarding',
      {
        pulsar: { ...pulsar, authentication: { token: { secretKeyRef: { name: 't' } } } },
        auth: { mode: 'passthrough', identityForwarding: { mode: 'originalPrincipal' } },
      },
      "auth.mode passthrough forwards the client's own token",
    ],
    [
      'originalPrincipal without gateway credentials',
      {
        pulsar,
        auth: {
          mode: 'jwt',
          jwt: { keySecretRef: { name: 'k' } },
          identityForwarding: { mode: 'originalPrincipal' },
        },
      },
      'auth.identityForwarding.mode originalPrincipal requires pulsar.authentication',
    ],
    [
      'metrics on a WebSocket port',
      { pulsar, metrics: { port: 8443 } },
      'metrics.port must not be 8080 or 8443',
    ],
    [
      'equal service ports',
      { pulsar, service: { port: 9000, tlsPort: 9000 } },
      'service.port and service.tlsPort must differ',
    ],
    [
      'a grace period shorter than the drain',
      {
        pulsar,
        websocket: { drainTimeoutSeconds: 30 },
        template: { pod: { terminationGracePeriodSeconds: 10 } },
      },
      'template.pod.terminationGracePeriodSeconds must be greater than websocket.drainTimeoutSeconds',
    ],
    ['an unknown tls mode', { pulsar, tls: { mode: 'off' } }, 'spec.tls.mode: Unsupported value'],
    ['negative replicas', { pulsar, replicas: -1 }, 'spec.replicas'],
    ['a missing pulsar block', { replicas: 1 }, 'spec.pulsar: Required value'],
  ];
  for (const [what, spec, message] of rejections) {
    it(`rejects ${what} with a clear message`, async () => {
      await assertRejected(spec, message);
    });
  }

  it('declares printer columns Ready, Replicas, Ready Replicas, URL and Age', () => {
    const columns = crd.spec.versions[0]!.additionalPrinterColumns!.map((c) => [
      c.name,
      c.jsonPath,
    ]);
    assert.deepEqual(
      columns.filter(([n]) => n !== 'TLS URL'),
      [
        ['Ready', '.status.conditions[?(@.type=="Ready")].status'],
        ['Replicas', '.status.replicas'],
        ['Ready Replicas', '.status.readyReplicas'],
        ['URL', '.status.endpoints.ws'],
        ['Age', '.metadata.creationTimestamp'],
      ],
    );
  });

  it('serves the scale subresource (kubectl scale, HPA)', async () => {
    await create('scalable', { pulsar });
    const scale = (await custom.getNamespacedCustomObjectScale({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace,
      plural: CRD_PLURAL,
      name: 'scalable',
    })) as { kind: string; spec: { replicas: number } };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.spec.replicas, 1);
    await custom.replaceNamespacedCustomObjectScale({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace,
      plural: CRD_PLURAL,
      name: 'scalable',
      body: { ...scale, spec: { replicas: 3 } },
    });
    const got = (await custom.getNamespacedCustomObject({
      group: CRD_GROUP,
      version: CRD_VERSION,
      namespace,
      plural: CRD_PLURAL,
      name: 'scalable',
    })) as { spec: { replicas: number } };
    assert.equal(got.spec.replicas, 3);
  });
});

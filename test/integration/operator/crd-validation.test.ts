/**
 * The PulsarWebSocketGateway CRD against the real API server: schema defaults, CEL admission
 * rules and their messages, printer columns, the scale subresource, and server-side dry-run of
 * everything the pure builders produce and of every sample in deploy/samples/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  PatchStrategy,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import { applyDefaults } from '../../../src/operator/api/v1alpha1/defaults.ts';
import {
  CRD_GROUP,
  CRD_PLURAL,
  CRD_VERSION,
  FIELD_MANAGER,
} from '../../../src/operator/api/v1alpha1/constants.ts';
import type {
  PulsarWebSocketGateway,
  PulsarWebSocketGatewaySpec,
} from '../../../src/operator/api/v1alpha1/types.ts';
import {
  buildDesiredState,
  tlsSecretNameFor,
} from '../../../src/operator/resources/desired-state.ts';
import { childNames, serviceDnsNames } from '../../../src/operator/resources/names.ts';
import {
  createCa,
  createServerCertificate,
  parseCertificate,
  renewalTime,
} from '../../../src/operator/certs/self-signed.ts';

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
    const created = await create('defaults-minimal', spec);
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

  it('accepts every object buildDesiredState produces (server-side apply, dry-run)', async () => {
    const spec: PulsarWebSocketGatewaySpec = {
      pulsar: {
        serviceUrl: 'pulsar+ssl://broker:6651',
        tls: { trustedCaSecret: { name: 'broker-ca' } },
        authentication: { token: { secretKeyRef: { name: 'gw-token' } } },
      },
      auth: {
        mode: 'jwt',
        jwt: { keySecretRef: { name: 'jwt' } },
        identityForwarding: { mode: 'originalPrincipal' },
      },
      tls: { mode: 'selfSigned', dnsNames: ['ws.example.com'] },
      service: {
        type: 'LoadBalancer',
        loadBalancerSourceRanges: ['10.0.0.0/8'],
        annotations: { a: 'b' },
      },
      metrics: { serviceMonitor: { enabled: true } },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6 },
      podDisruptionBudget: { minAvailable: '50%' },
      template: {
        pod: {
          metadata: { labels: { team: 'a' } },
          tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
              ],
            },
          },
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
            },
          ],
          imagePullSecrets: [{ name: 'regcred' }],
        },
        container: {
          env: [{ name: 'LOG_LEVEL', value: 'debug' }],
          resources: { requests: { cpu: '250m' } },
        },
      },
    };
    const gw = (await create('full', spec)) as unknown as PulsarWebSocketGateway;
    const now = new Date();
    const names = childNames('full');
    const dnsNames = serviceDnsNames(names.service, namespace, ['ws.example.com']);
    const ca = await createCa(`${namespace}/full CA`, { now, validityDays: 3650 });
    const server = await createServerCertificate(ca, dnsNames, { now, validityDays: 365 });
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const crds = (await ext.listCustomResourceDefinition()).items.map((c) => c.metadata?.name);
    const certManagerAvailable = crds.includes('certificates.cert-manager.io');
    const serviceMonitorAvailable = crds.includes('servicemonitors.monitoring.coreos.com');
    const objects = buildDesiredState(gw, {
      defaultImage: 'example.invalid/pulsar-websocket-operator:test',
      secretHashes: { 'broker-ca': 'x', 'gw-token': 'y', jwt: 'z' },
      certManagerAvailable,
      serviceMonitorAvailable,
      tlsSecretName: tlsSecretNameFor(gw),
      selfSignedTls: {
        ca,
        server,
        dnsNames,
        renewAt: renewalTime(parseCertificate(server.certPem).notAfter, 30),
      },
    });
    const kinds = objects.map((o) => o.kind);
    assert.deepEqual(
      kinds.filter((k) => k !== 'ServiceMonitor'),
      [
        'ConfigMap',
        'Secret',
        'Secret',
        'Service',
        'Deployment',
        'HorizontalPodAutoscaler',
        'PodDisruptionBudget',
      ],
    );
    assert.equal(
      kinds.includes('ServiceMonitor'),
      serviceMonitorAvailable,
      'ServiceMonitor only with its CRD',
    );
    const client = KubernetesObjectApi.makeApiClient(kc);
    for (const object of objects) {
      const applied = await client.patch(
        object,
        undefined,
        'All',
        FIELD_MANAGER,
        true,
        PatchStrategy.ServerSideApply,
      );
      assert.equal(applied.metadata?.name, object.metadata?.name, `${object.kind} accepted`);
      assert.equal(applied.metadata?.ownerReferences?.[0]?.uid, gw.metadata.uid);
    }
    // cert-manager mode: with the CRD missing the builder leaves the Certificate out.
    const cm = buildDesiredState(
      {
        ...gw,
        spec: {
          ...gw.spec,
          tls: { mode: 'certManager', certManager: { issuerRef: { name: 'i' } } },
        },
      },
      {
        defaultImage: 'x',
        secretHashes: {},
        certManagerAvailable: false,
        serviceMonitorAvailable: false,
        tlsSecretName: undefined,
      },
    );
    assert.ok(!cm.some((o) => o.kind === 'Certificate' || o.kind === 'ServiceMonitor'));
  });

  const samplesDir = new URL('../../../deploy/samples/', import.meta.url);
  const samples = readdirSync(samplesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  it('has the five documented samples', () => {
    assert.deepEqual(samples, [
      'autoscaling.yaml',
      'cert-manager.yaml',
      'jwt-auth.yaml',
      'minimal.yaml',
      'self-signed-tls.yaml',
    ]);
  });
  for (const file of samples) {
    it(`accepts deploy/samples/${file} (server-side dry-run)`, async () => {
      const body = load(readFileSync(new URL(file, samplesDir), 'utf8')) as {
        metadata: { name: string };
      };
      const created = (await custom.createNamespacedCustomObject({
        group: CRD_GROUP,
        version: CRD_VERSION,
        namespace,
        plural: CRD_PLURAL,
        body,
        dryRun: 'All',
      })) as { metadata: { name: string } };
      assert.equal(created.metadata.name, body.metadata.name);
    });
  }
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { load } from 'js-yaml';
import type {
  V1ConfigMap,
  V1Deployment,
  V1PodDisruptionBudget,
  V1Secret,
  V1Service,
  V2HorizontalPodAutoscaler,
} from '@kubernetes/client-node';
import {
  buildDesiredState,
  tlsSecretNameFor,
  type DesiredObject,
} from '../../../src/operator/resources/desired-state.ts';
import { gatewayEndpoints } from '../../../src/operator/resources/endpoints.ts';
import { withDefaults } from '../../../src/operator/api/v1alpha1/defaults.ts';
import {
  hashSecretData,
  referencedSecrets,
} from '../../../src/operator/resources/referenced-secrets.ts';
import type { Certificate } from '../../../src/operator/resources/certificate.ts';
import type { ServiceMonitor } from '../../../src/operator/resources/service-monitor.ts';
import type { GatewayConfig } from '../../../src/operator/resources/gateway-config.ts';
import { sampleContext, sampleGateway } from './fixtures.ts';

interface KindMap {
  ConfigMap: V1ConfigMap;
  Secret: V1Secret;
  Service: V1Service;
  Deployment: V1Deployment;
  HorizontalPodAutoscaler: V2HorizontalPodAutoscaler;
  PodDisruptionBudget: V1PodDisruptionBudget;
  Certificate: Certificate;
  ServiceMonitor: ServiceMonitor;
}

function find<K extends keyof KindMap>(objects: DesiredObject[], kind: K): KindMap[K] {
  const found = objects.find((o) => o.kind === kind);
  assert.ok(found, `no ${kind} in ${objects.map((o) => o.kind).join(',')}`);
  return found as KindMap[K];
}

function podHash(objects: DesiredObject[]): string {
  return find(objects, 'Deployment').spec!.template.metadata!.annotations![
    'pulsarws.io/config-hash'
  ]!;
}

function renderedConfig(objects: DesiredObject[]): GatewayConfig {
  return load(find(objects, 'ConfigMap').data!['gateway.yaml']!) as GatewayConfig;
}

describe('buildDesiredState', () => {
  it('builds ConfigMap, Service, Deployment and PDB for a minimal gateway, in apply order, fully formed', () => {
    const objects = buildDesiredState(sampleGateway(), sampleContext());
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['ConfigMap', 'Service', 'Deployment', 'PodDisruptionBudget'],
    );
    for (const o of objects) {
      assert.ok(o.apiVersion);
      assert.equal(o.metadata?.namespace, 'team-a');
      assert.equal(o.metadata.labels?.['app.kubernetes.io/instance'], 'gw');
      assert.equal(o.metadata.labels['app.kubernetes.io/managed-by'], 'pulsar-websocket-operator');
      assert.deepEqual(
        o.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
        [['PulsarWebSocketGateway', 'gw', true]],
      );
    }
  });

  it('is pure: the same input gives deep-equal output and the input is untouched', () => {
    const gw = sampleGateway({ tls: { mode: 'selfSigned' } });
    const before = structuredClone(gw);
    assert.deepEqual(
      buildDesiredState(gw, sampleContext()),
      buildDesiredState(gw, sampleContext()),
    );
    assert.deepEqual(gw, before);
  });

  it('renders a Deployment meeting Pod Security restricted with probes on the metrics port', () => {
    const d = find(buildDesiredState(sampleGateway(), sampleContext()), 'Deployment');
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    assert.equal(d.metadata?.name, 'gw-gateway');
    assert.equal(d.spec?.replicas, 1);
    assert.deepEqual(d.spec.strategy?.rollingUpdate, { maxUnavailable: 0, maxSurge: 1 });
    assert.equal(c.image, 'ghcr.io/example/pulsar-websocket-operator:0.1.0');
    assert.deepEqual(c.command, ['pulsar-ws-gateway']);
    assert.deepEqual(c.args, ['--config', '/etc/pulsar-ws-gateway/gateway.yaml']);
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile?.type, 'RuntimeDefault');
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities?.drop, ['ALL']);
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c.readinessProbe.httpGet.port, 'metrics');
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(c.lifecycle, undefined, 'no preStop hook: the gateway drains on SIGTERM');
    assert.deepEqual(
      c.ports?.map((p) => [p.name, p.containerPort]),
      [
        ['ws', 8080],
        ['metrics', 9090],
      ],
    );
    assert.deepEqual(
      c.env?.slice(0, 3).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]),
      [
        ['POD_NAME', 'metadata.name'],
        ['POD_NAMESPACE', 'metadata.namespace'],
        ['POD_IP', 'status.podIP'],
      ],
    );
    assert.equal(pod.terminationGracePeriodSeconds, 45);
    assert.equal(pod.automountServiceAccountToken, false);
    assert.deepEqual(d.spec.selector.matchLabels, {
      'app.kubernetes.io/name': 'pulsar-websocket-gateway',
      'app.kubernetes.io/instance': 'gw',
      'app.kubernetes.io/component': 'gateway',
    });
    const config = c.volumeMounts?.find((m) => m.name === 'config');
    assert.deepEqual(
      [config?.mountPath, config?.subPath],
      ['/etc/pulsar-ws-gateway/gateway.yaml', 'gateway.yaml'],
    );
  });

  it('merges template overrides without losing the restricted defaults or the selector labels', () => {
    const gw = sampleGateway({
      image: 'example/gw:2',
      template: {
        pod: {
          metadata: {
            labels: { team: 'a', 'app.kubernetes.io/instance': 'hijack' },
            annotations: { note: 'x' },
          },
          nodeSelector: { pool: 'ws' },
          tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'ws', effect: 'NoSchedule' }],
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'ScheduleAnyway',
            },
          ],
          priorityClassName: 'high',
          securityContext: { runAsUser: 1000 },
          imagePullSecrets: [{ name: 'regcred' }],
          terminationGracePeriodSeconds: 120,
        },
        container: {
          resources: { requests: { cpu: '1' } },
          env: [
            { name: 'LOG_LEVEL', value: 'debug' },
            { name: 'POD_NAME', value: 'spoof' },
          ],
          securityContext: { runAsGroup: 2000 },
        },
      },
    });
    const d = find(buildDesiredState(gw, sampleContext()), 'Deployment');
    const pod = d.spec!.template.spec!;
    const c = pod.containers[0]!;
    assert.equal(c.image, 'example/gw:2');
    assert.equal(d.spec?.template.metadata?.labels?.['team'], 'a');
    assert.equal(d.spec.template.metadata.labels['app.kubernetes.io/instance'], 'gw');
    assert.equal(d.spec.template.metadata.annotations?.['note'], 'x');
    assert.ok(d.spec.template.metadata.annotations['pulsarws.io/config-hash']);
    assert.deepEqual(pod.nodeSelector, { pool: 'ws' });
    assert.equal(pod.tolerations?.[0]?.key, 'dedicated');
    assert.deepEqual(
      pod.topologySpreadConstraints?.[0]?.labelSelector?.matchLabels,
      d.spec.selector.matchLabels,
    );
    assert.equal(pod.priorityClassName, 'high');
    assert.equal(pod.securityContext?.runAsUser, 1000);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.imagePullSecrets, [{ name: 'regcred' }]);
    assert.equal(pod.terminationGracePeriodSeconds, 120);
    assert.deepEqual(c.resources, { requests: { cpu: '1' } });
    assert.equal(c.securityContext?.runAsGroup, 2000);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.env?.filter((e) => e.name === 'POD_NAME').length, 1);
    assert.ok(c.env.some((e) => e.name === 'LOG_LEVEL'));
  });

  it('omits Deployment replicas while autoscaling is on and builds an autoscaling/v2 HPA', () => {
    const objects = buildDesiredState(
      sampleGateway({
        replicas: 4,
        autoscaling: {
          enabled: true,
          minReplicas: 2,
          maxReplicas: 10,
          targetCPUUtilizationPercentage: 70,
        },
      }),
      sampleContext(),
    );
    assert.equal('replicas' in find(objects, 'Deployment').spec!, false);
    const hpa = find(objects, 'HorizontalPodAutoscaler');
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(hpa.spec.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'gw-gateway',
    });
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 10);
    assert.equal(hpa.spec.metrics?.[0]?.resource?.target.averageUtilization, 70);
  });

  it('builds a PDB with maxUnavailable 1 by default, honours minAvailable, and drops it when disabled', () => {
    const byDefault = find(
      buildDesiredState(sampleGateway(), sampleContext()),
      'PodDisruptionBudget',
    );
    assert.equal(byDefault.spec?.maxUnavailable, 1);
    const min = find(
      buildDesiredState(
        sampleGateway({ podDisruptionBudget: { minAvailable: '50%' } }),
        sampleContext(),
      ),
      'PodDisruptionBudget',
    );
    assert.deepEqual([min.spec?.minAvailable, min.spec?.maxUnavailable], ['50%', undefined]);
    const off = buildDesiredState(
      sampleGateway({ podDisruptionBudget: { enabled: false } }),
      sampleContext(),
    );
    assert.ok(!off.some((o) => o.kind === 'PodDisruptionBudget'));
  });

  it('exposes ws, wss (only with a TLS Secret) and metrics ports on the Service', () => {
    const plain = find(buildDesiredState(sampleGateway(), sampleContext()), 'Service');
    assert.deepEqual(
      plain.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]),
      [
        ['ws', 8080, 'ws'],
        ['metrics', 9090, 'metrics'],
      ],
    );
    const gw = sampleGateway({
      tls: { mode: 'secret', secretName: 'my-tls' },
      service: {
        type: 'LoadBalancer',
        port: 80,
        tlsPort: 443,
        annotations: { a: 'b' },
        loadBalancerSourceRanges: ['10.0.0.0/8'],
      },
      metrics: { enabled: false },
    });
    const objects = buildDesiredState(gw, sampleContext({ tlsSecretName: 'my-tls' }));
    const svc = find(objects, 'Service');
    assert.deepEqual(
      svc.spec?.ports?.map((p) => [p.name, p.port, p.targetPort]),
      [
        ['ws', 80, 'ws'],
        ['wss', 443, 'wss'],
      ],
    );
    assert.equal(svc.spec.type, 'LoadBalancer');
    assert.deepEqual(svc.spec.loadBalancerSourceRanges, ['10.0.0.0/8']);
    assert.equal(svc.metadata?.annotations?.['a'], 'b');
    const d = find(objects, 'Deployment');
    const tlsVol = d.spec?.template.spec?.volumes?.find((v) => v.name === 'tls');
    assert.equal(tlsVol?.secret?.secretName, 'my-tls');
    const tlsMount = d.spec?.template.spec?.containers[0]?.volumeMounts?.find(
      (m) => m.name === 'tls',
    );
    assert.deepEqual(
      [tlsMount?.mountPath, tlsMount?.subPath],
      ['/etc/pulsar-ws-gateway/tls', undefined],
    );
    assert.ok(!objects.some((o) => o.kind === 'ServiceMonitor'));
  });

  it('serves ws:// only while the wanted TLS Secret is not there yet', () => {
    const gw = sampleGateway({
      tls: { mode: 'certManager', certManager: { issuerRef: { name: 'ca' } } },
    });
    const objects = buildDesiredState(gw, sampleContext({ tlsSecretName: undefined }));
    assert.equal(renderedConfig(objects).tls, undefined);
    assert.ok(!find(objects, 'Service').spec?.ports?.some((p) => p.name === 'wss'));
    assert.equal(tlsSecretNameFor(gw), 'gw-gateway-tls');
  });

  it('builds a cert-manager Certificate for the Service names only when cert-manager is installed', () => {
    const gw = sampleGateway({
      tls: {
        mode: 'certManager',
        certManager: { issuerRef: { name: 'ca', kind: 'ClusterIssuer' } },
        dnsNames: ['ws.example.com'],
        validityDays: 90,
        renewBeforeDays: 15,
      },
    });
    const cert = find(
      buildDesiredState(gw, sampleContext({ tlsSecretName: 'gw-gateway-tls' })),
      'Certificate',
    );
    assert.equal(cert.apiVersion, 'cert-manager.io/v1');
    assert.equal(cert.spec.secretName, 'gw-gateway-tls');
    assert.deepEqual(cert.spec.issuerRef, {
      name: 'ca',
      kind: 'ClusterIssuer',
      group: 'cert-manager.io',
    });
    assert.deepEqual(cert.spec.dnsNames, [
      'gw-gateway',
      'gw-gateway.team-a',
      'gw-gateway.team-a.svc',
      'gw-gateway.team-a.svc.cluster.local',
      'ws.example.com',
    ]);
    assert.deepEqual([cert.spec.duration, cert.spec.renewBefore], ['2160h', '360h']);
    const without = buildDesiredState(gw, sampleContext({ certManagerAvailable: false }));
    assert.ok(!without.some((o) => o.kind === 'Certificate'));
  });

  it('builds a ServiceMonitor only when enabled and its CRD exists', () => {
    const gw = sampleGateway({
      metrics: { serviceMonitor: { enabled: true, interval: '15s', labels: { release: 'prom' } } },
    });
    const sm = find(buildDesiredState(gw, sampleContext()), 'ServiceMonitor');
    assert.equal(sm.metadata.labels?.['release'], 'prom');
    assert.deepEqual(sm.spec.endpoints, [
      { port: 'metrics', path: '/metrics', interval: '15s', scheme: 'http' },
    ]);
    assert.deepEqual(sm.spec.namespaceSelector.matchNames, ['team-a']);
    assert.ok(
      !buildDesiredState(gw, sampleContext({ serviceMonitorAvailable: false })).some(
        (o) => o.kind === 'ServiceMonitor',
      ),
    );
    assert.ok(
      !buildDesiredState(sampleGateway(), sampleContext()).some((o) => o.kind === 'ServiceMonitor'),
    );
  });

  it('stores self-signed material as an Opaque CA Secret and a kubernetes.io/tls Secret with ca.crt', () => {
    const gw = sampleGateway({ tls: { mode: 'selfSigned' } });
    const material = {
      ca: { certPem: 'CA CERT', keyPem: 'CA KEY' },
      server: { certPem: 'CERT', keyPem: 'KEY' },
      dnsNames: ['gw-gateway'],
      renewAt: new Date('2027-01-01T00:00:00Z'),
    };
    const objects = buildDesiredState(
      gw,
      sampleContext({ tlsSecretName: 'gw-gateway-tls', selfSignedTls: material }),
    );
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['ConfigMap', 'Secret', 'Secret', 'Service', 'Deployment', 'PodDisruptionBudget'],
    );
    const [ca, server] = objects.filter((o): o is V1Secret => o.kind === 'Secret');
    assert.equal(ca?.metadata?.name, 'gw-gateway-ca');
    assert.equal(ca.type, 'Opaque');
    assert.equal(server?.metadata?.name, 'gw-gateway-tls');
    assert.equal(server.type, 'kubernetes.io/tls');
    assert.deepEqual(Object.keys(server.data ?? {}).sort(), ['ca.crt', 'tls.crt', 'tls.key']);
    assert.equal(Buffer.from(server.data!['ca.crt']!, 'base64').toString(), 'CA CERT');
    assert.equal(
      server.metadata.annotations?.['pulsarws.io/tls-renew-at'],
      '2027-01-01T00:00:00.000Z',
    );
  });
});

describe('gateway config and the rolling hash', () => {
  const withSecrets = sampleGateway({
    pulsar: {
      serviceUrl: 'pulsar+ssl://broker:6651',
      tls: { trustedCaSecret: { name: 'broker-ca', key: 'root.pem' } },
      authentication: { token: { secretKeyRef: { name: 'gw-token' } } },
    },
    auth: {
      mode: 'jwt',
      jwt: { keySecretRef: { name: 'jwt' }, issuer: 'https://idp', audience: 'pulsar' },
      identityForwarding: { mode: 'originalPrincipal' },
    },
    tls: { mode: 'secret', secretName: 'user-tls' },
  });

  it('references secrets by mounted file path and never embeds them', () => {
    const objects = buildDesiredState(withSecrets, sampleContext({ tlsSecretName: 'user-tls' }));
    const config = renderedConfig(objects);
    assert.equal(config.pulsar.tls.trustCertsFile, '/etc/pulsar-ws-gateway/pulsar-ca/ca.crt');
    assert.equal(
      config.pulsar.authentication?.tokenFile,
      '/etc/pulsar-ws-gateway/pulsar-token/token',
    );
    assert.deepEqual(config.auth, {
      mode: 'jwt',
      jwt: { keyFile: '/etc/pulsar-ws-gateway/jwt/key', issuer: 'https://idp', audience: 'pulsar' },
      identityForwarding: 'originalPrincipal',
    });
    assert.deepEqual(config.tls, {
      certFile: '/etc/pulsar-ws-gateway/tls/tls.crt',
      keyFile: '/etc/pulsar-ws-gateway/tls/tls.key',
    });
    const d = find(objects, 'Deployment');
    const vols = Object.fromEntries(
      (d.spec?.template.spec?.volumes ?? []).map((v) => [v.name, v.secret]),
    );
    assert.deepEqual(vols['pulsar-ca']?.items, [{ key: 'root.pem', path: 'ca.crt' }]);
    assert.deepEqual(vols['pulsar-token']?.items, [{ key: 'token', path: 'token' }]);
    assert.deepEqual(vols['jwt-key']?.items, [{ key: 'key', path: 'key' }]);
    assert.ok(
      !(d.spec?.template.spec?.containers[0]?.env ?? []).some(
        (e) => e.valueFrom?.secretKeyRef !== undefined,
      ),
    );
  });

  it('lists referenced secrets; only client TLS is hot-reloaded', () => {
    assert.deepEqual(referencedSecrets(withDefaults(withSecrets)), [
      { name: 'broker-ca', keys: ['root.pem'], purposes: ['pulsarCa'], hotReloaded: false },
      { name: 'gw-token', keys: ['token'], purposes: ['pulsarToken'], hotReloaded: false },
      { name: 'jwt', keys: ['key'], purposes: ['jwtKey'], hotReloaded: false },
      { name: 'user-tls', keys: ['tls.crt', 'tls.key'], purposes: ['tls'], hotReloaded: true },
    ]);
  });

  it('changes the pod hash when the config or a non-reloaded Secret changes, and only then', () => {
    const ctx = sampleContext({
      tlsSecretName: 'user-tls',
      secretHashes: { 'broker-ca': 'a', 'gw-token': 'b', jwt: 'c', 'user-tls': 't1' },
    });
    const base = podHash(buildDesiredState(withSecrets, ctx));
    assert.equal(podHash(buildDesiredState(withSecrets, { ...ctx })), base, 'stable');
    assert.equal(
      podHash(
        buildDesiredState(withSecrets, {
          ...ctx,
          secretHashes: { ...ctx.secretHashes, 'user-tls': 't2' },
        }),
      ),
      base,
      'TLS rotation does not roll',
    );
    assert.notEqual(
      podHash(
        buildDesiredState(withSecrets, {
          ...ctx,
          secretHashes: { ...ctx.secretHashes, 'gw-token': 'b2' },
        }),
      ),
      base,
    );
    assert.notEqual(
      podHash(
        buildDesiredState(withSecrets, {
          ...ctx,
          secretHashes: { ...ctx.secretHashes, jwt: 'c2' },
        }),
      ),
      base,
    );
    const bigger = sampleGateway({
      ...withSecrets.spec,
      websocket: { maxFrameSizeBytes: 2097152 },
    });
    assert.notEqual(podHash(buildDesiredState(bigger, ctx)), base);
    const scaled = sampleGateway({ ...withSecrets.spec, replicas: 5 });
    assert.equal(podHash(buildDesiredState(scaled, ctx)), base, 'scaling does not roll');
  });

  it('hashes only the referenced keys of a Secret', () => {
    assert.equal(
      hashSecretData({ token: 'eA==', other: 'MQ==' }, ['token']),
      hashSecretData({ token: 'eA==', other: 'Mg==' }, ['token']),
    );
    assert.notEqual(
      hashSecretData({ token: 'eA==' }, ['token']),
      hashSecretData({ token: 'eQ==' }, ['token']),
    );
    assert.notEqual(hashSecretData({}, ['token']), hashSecretData({ token: '' }, ['token']));
  });
});

describe('endpoints', () => {
  it('are in-cluster ws:// and wss:// Service URLs', () => {
    const gw = withDefaults(sampleGateway({ service: { port: 80, tlsPort: 443 } }));
    assert.deepEqual(gatewayEndpoints(gw, false), { ws: 'ws://gw-gateway.team-a.svc:80' });
    assert.deepEqual(gatewayEndpoints(gw, true), {
      ws: 'ws://gw-gateway.team-a.svc:80',
      wss: 'wss://gw-gateway.team-a.svc:443',
    });
  });
});

/**
 * cert-manager and the Prometheus Operator's ServiceMonitor against their REAL CRDs (fetched
 * from the projects' Go modules by scripts/fetch-crds.sh), on a PRIVATE control plane: the
 * "not installed" half needs an API server where these CRDs are absent, and installing CRDs on
 * the shared one would change what other test files see.
 *
 * Without the CRDs: certManager mode reports CertificateReady=False CertManagerMissing and the
 * gateway still runs (ws:// only); a requested ServiceMonitor gives a Warning Event. After the
 * CRDs are installed (nothing else changes), the operator notices by itself: it creates the
 * Certificate (issuerRef, dnsNames, secretName) and the ServiceMonitor; CertificateReady
 * follows the Certificate's status as cert-manager would write it, and once the Secret holds a
 * certificate the Deployment mounts it and the status shows wss:// and the expiry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  loadYaml,
  type CoreV1Event,
  type V1CustomResourceDefinition,
  type V1Deployment,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { KubeControlPlane } from '../../../scripts/dev/kube-control-plane.ts';
import { REPO_ROOT } from '../../../scripts/dev/paths.ts';
import { runScript } from '../../../scripts/dev/run-script.ts';
import { createCa, createServerCertificate } from '../../../src/operator/certs/self-signed.ts';
import type { Manager } from '../../../src/operator/manager.ts';
import { childNames, serviceDnsNames } from '../../../src/operator/resources/names.ts';
import { eventually } from '../../helpers/eventually.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import {
  conditionOf,
  gatewayManifest,
  readGateway,
  startManager,
  testClient,
} from '../../helpers/operator-harness.ts';

type Certificate = KubernetesObject & {
  spec?: {
    secretName?: string;
    dnsNames?: string[];
    issuerRef?: { name?: string; kind?: string; group?: string };
  };
};
type ServiceMonitor = KubernetesObject & {
  spec?: {
    selector?: { matchLabels?: Record<string, string> };
    endpoints?: { port?: string; interval?: string }[];
  };
};

const namespace = 'op-crds';
const CM = 'cm1';
const names = childNames(CM);
let plane: KubeControlPlane;
let kc: KubeConfig;
let manager: Manager;

async function installCrdFile(file: string): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crd = loadYaml<V1CustomResourceDefinition>(readFileSync(file, 'utf8'));
  await ext.createCustomResourceDefinition({ body: crd });
  await eventually(async () => {
    const got = await ext.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' });
    assert.ok(
      got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'),
      `${crd.metadata?.name ?? ''} established`,
    );
  });
}

async function events(reason: string): Promise<CoreV1Event[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await core.listNamespacedEvent({ namespace });
  return list.items.filter((e) => e.reason === reason);
}

describe('cert-manager and ServiceMonitor against their real CRDs (private control plane)', () => {
  before(async () => {
    plane = await KubeControlPlane.start({ name: `op-crds-${String(process.pid)}` });
    kc = new KubeConfig();
    kc.loadFromFile(plane.endpoints.kubeconfig);
    await installGatewayCrd(kc);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
    // Short discovery TTL and certificate poll: installing a CRD sends the operator no event,
    // and Certificates are not watched.
    manager = await startManager(kc, namespace, { discoveryTtlMs: 1000, certificatePollMs: 500 });
  });
  after(async () => {
    await manager.stop();
    await plane.destroy();
  });

  it('without the CRDs: CertificateReady=False CertManagerMissing, ServiceMonitor warning, the gateway still runs', async () => {
    const client = testClient(kc);
    await client.apply(
      gatewayManifest(namespace, CM, {
        tls: {
          mode: 'certManager',
          dnsNames: ['gw.example.com'],
          certManager: { issuerRef: { name: 'ca-issuer', kind: 'ClusterIssuer' } },
        },
        metrics: { serviceMonitor: { enabled: true, interval: '15s', labels: { team: 'a' } } },
      }),
    );
    await eventually(async () => {
      const g = await readGateway(client, namespace, CM);
      const cond = conditionOf(g, 'CertificateReady');
      assert.equal(cond?.status, 'False');
      assert.equal(cond.reason, 'CertManagerMissing');
      assert.match(cond.message, /cert-manager is not installed/);
      assert.equal(g.status?.endpoints?.wss, undefined);
      assert.match(g.status?.endpoints?.ws ?? '', /^ws:\/\//);
      const dep = await client.get<V1Deployment>(
        'apps/v1',
        'Deployment',
        namespace,
        names.deployment,
      );
      assert.ok(dep, 'the gateway still runs, ws:// only');
      assert.equal(
        dep.spec?.template.spec?.volumes?.some((v) => v.name === 'tls'),
        false,
        'no TLS volume without a certificate',
      );
      const warned = await events('ServiceMonitorCrdMissing');
      assert.equal(warned.length, 1, 'one ServiceMonitorCrdMissing Warning event');
      assert.equal(warned[0]?.type, 'Warning');
    }, 30_000);
  });

  it('after installing the real CRDs: Certificate and ServiceMonitor created, CertificateReady follows cert-manager', async () => {
    const client = testClient(kc);
    const dir = await runScript(path.join(REPO_ROOT, 'scripts/fetch-crds.sh'));
    for (const f of [
      'cert-manager/cert-manager.io_certificates.yaml',
      'cert-manager/cert-manager.io_issuers.yaml',
      'cert-manager/cert-manager.io_clusterissuers.yaml',
      'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
    ])
      await installCrdFile(path.join(dir, f));

    const cert = await eventually(async () => {
      const c = await client.get<Certificate>(
        'cert-manager.io/v1',
        'Certificate',
        namespace,
        names.certificate,
      );
      assert.ok(c, 'Certificate created');
      return c;
    }, 30_000);
    assert.equal(cert.spec?.secretName, names.tlsSecret);
    assert.deepEqual(cert.spec.issuerRef, {
      name: 'ca-issuer',
      kind: 'ClusterIssuer',
      group: 'cert-manager.io',
    });
    assert.deepEqual(
      [...(cert.spec.dnsNames ?? [])].sort(),
      serviceDnsNames(names.service, namespace, ['gw.example.com']).sort(),
    );
    const owner = cert.metadata?.ownerReferences?.find((r) => r.controller === true);
    assert.equal(owner?.kind, 'PulsarWebSocketGateway');

    const sm = await eventually(async () => {
      const s = await client.get<ServiceMonitor>(
        'monitoring.coreos.com/v1',
        'ServiceMonitor',
        namespace,
        names.serviceMonitor,
      );
      assert.ok(s, 'ServiceMonitor created');
      return s;
    });
    assert.equal(sm.metadata?.labels?.['team'], 'a');
    assert.equal(sm.spec?.endpoints?.[0]?.port, 'metrics');
    assert.equal(sm.spec.endpoints[0].interval, '15s');
    assert.equal(sm.spec.selector?.matchLabels?.['app.kubernetes.io/instance'], CM);

    // No status from cert-manager yet: pending.
    await eventually(async () => {
      const g = await readGateway(client, namespace, CM);
      const cond = conditionOf(g, 'CertificateReady');
      assert.equal(cond?.status, 'False');
      assert.equal(cond.reason, 'CertificatePending');
    });

    // cert-manager cannot issue: its reason and message reach the gateway's condition.
    const now = new Date();
    const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z');
    await client.patchStatus('cert-manager.io/v1', 'Certificate', namespace, names.certificate, {
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'DoesNotExist',
          message: 'Issuer ca-issuer does not exist',
          lastTransitionTime: stamp,
        },
      ],
    });
    await eventually(async () => {
      const cond = conditionOf(await readGateway(client, namespace, CM), 'CertificateReady');
      assert.equal(cond?.status, 'False');
      assert.equal(cond.reason, 'CertificatePending');
      assert.match(cond.message, /DoesNotExist.*Issuer ca-issuer does not exist/);
    });

    // cert-manager issues: writes the Secret, then marks the Certificate Ready.
    const ca = await createCa('test issuer', { now, validityDays: 30 });
    const server = await createServerCertificate(ca, cert.spec.dnsNames ?? [], {
      now,
      validityDays: 10,
    });
    const b64 = (s: string): string => Buffer.from(s).toString('base64');
    await client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/tls',
      metadata: { name: names.tlsSecret, namespace },
      data: {
        'tls.crt': b64(server.certPem),
        'tls.key': b64(server.keyPem),
        'ca.crt': b64(ca.certPem),
      },
    });
    const notAfter = new Date(now.getTime() + 10 * 86_400_000)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    const renewalTime = new Date(now.getTime() + 8 * 86_400_000)
      .toISOString()
      .replace(/\.\d+Z$/, 'Z');
    await client.patchStatus('cert-manager.io/v1', 'Certificate', namespace, names.certificate, {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'Ready',
          message: 'Certificate is up to date and has not expired',
          lastTransitionTime: stamp,
        },
      ],
      notAfter,
      renewalTime,
    });
    await eventually(async () => {
      const g = await readGateway(client, namespace, CM);
      const cond = conditionOf(g, 'CertificateReady');
      assert.equal(cond?.status, 'True');
      assert.equal(cond.reason, 'CertificateIssued');
      assert.equal(g.status?.certificate?.notAfter, notAfter);
      assert.equal(g.status.certificate.renewAt, renewalTime);
      assert.match(g.status.endpoints?.wss ?? '', /^wss:\/\//);
      const dep = await client.get<V1Deployment>(
        'apps/v1',
        'Deployment',
        namespace,
        names.deployment,
      );
      const tls = dep?.spec?.template.spec?.volumes?.find((v) => v.name === 'tls');
      assert.equal(tls?.secret?.secretName, names.tlsSecret, 'the Deployment mounts the Secret');
    }, 30_000);
  });
});

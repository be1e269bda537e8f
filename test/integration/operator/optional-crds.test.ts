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
 *
 * Watches: the operator watches Certificates and ServiceMonitors while their CRDs are served
 * (OptionalInformer). With a one-hour resync and no requeue pending, a ServiceMonitor deleted
 * or a Certificate edited by hand is repaired only if the watch runs: checked once with the CRDs
 * installed after the operator started, once with a fresh operator that finds them installed.
 * Removing a CRD while it is watched stops that informer (no restart loop); the operator stays
 * ready.
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
import { Registry } from 'prom-client';
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
  waitIdle,
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
let registry: Registry;
/** Long enough that a repair seen in a test cannot come from the periodic resync. */
const RESYNC_MS = 3_600_000;
const CERTIFICATE_CRD = 'cert-manager/cert-manager.io_certificates.yaml';
const SERVICE_MONITOR_CRD = 'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml';

/** The operator with this file's settings; a fresh metrics registry each time. */
async function startOperator(): Promise<Manager> {
  registry = new Registry();
  // Short discovery TTL and certificate poll: installing a CRD sends the operator no event.
  return startManager(kc, namespace, {
    discoveryTtlMs: 1000,
    certificatePollMs: 500,
    resyncPeriodMs: RESYNC_MS,
    registry,
  });
}

/** The value of an informer metric (`informer_up`, `informer_restarts_total`) for `informer`. */
async function informerMetric(name: string, informer: string): Promise<number | undefined> {
  const metric = registry.getSingleMetric(name);
  const values = (await metric?.get())?.values ?? [];
  return values.find((v) => v.labels['informer'] === informer)?.value;
}

async function certificate(): Promise<Certificate | undefined> {
  return testClient(kc).get<Certificate>(
    'cert-manager.io/v1',
    'Certificate',
    namespace,
    names.certificate,
  );
}

async function serviceMonitor(): Promise<ServiceMonitor | undefined> {
  return testClient(kc).get<ServiceMonitor>(
    'monitoring.coreos.com/v1',
    'ServiceMonitor',
    namespace,
    names.serviceMonitor,
  );
}

/**
 * With the operator idle (no requeue pending, resync an hour away): a ServiceMonitor deleted and
 * a Certificate's dnsNames edited by hand both come back, which only their watches can cause.
 */
async function assertRepairedByWatch(): Promise<void> {
  const client = testClient(kc);
  const sm = await serviceMonitor();
  assert.ok(sm, 'ServiceMonitor exists');
  const cert = await certificate();
  const dnsNames = [...(cert?.spec?.dnsNames ?? [])].sort();
  assert.ok(dnsNames.length > 0, 'Certificate has dnsNames');
  await waitIdle(manager);

  await client.delete(
    'monitoring.coreos.com/v1',
    'ServiceMonitor',
    namespace,
    names.serviceMonitor,
  );
  await eventually(async () => {
    const again = await serviceMonitor();
    assert.ok(again, 'ServiceMonitor re-created');
    assert.notEqual(again.metadata?.uid, sm.metadata?.uid);
  }, 30_000);

  await client.mergePatch('cert-manager.io/v1', 'Certificate', namespace, names.certificate, {
    spec: { dnsNames: ['evil.example.com'] },
  });
  await eventually(async () => {
    const c = await certificate();
    assert.deepEqual([...(c?.spec?.dnsNames ?? [])].sort(), dnsNames, 'dnsNames restored');
  }, 30_000);
}

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
    manager = await startOperator();
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
    // Readiness does not wait for informers whose CRD is absent; none of them runs.
    assert.equal(manager.isReady(), true);
    assert.equal(await informerMetric('informer_up', 'certificates'), undefined);
    assert.equal(await informerMetric('informer_up', 'servicemonitors'), undefined);
  });

  it('after installing the real CRDs: Certificate and ServiceMonitor created, CertificateReady follows cert-manager', async () => {
    const client = testClient(kc);
    const dir = await runScript(path.join(REPO_ROOT, 'scripts/fetch-crds.sh'));
    for (const f of [
      CERTIFICATE_CRD,
      'cert-manager/cert-manager.io_issuers.yaml',
      'cert-manager/cert-manager.io_clusterissuers.yaml',
      SERVICE_MONITOR_CRD,
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

  it('CRDs installed after the operator started: the new informers repair a deleted ServiceMonitor and an edited Certificate', async () => {
    await eventually(async () => {
      assert.equal(await informerMetric('informer_up', 'certificates'), 1);
      assert.equal(await informerMetric('informer_up', 'servicemonitors'), 1);
    });
    await assertRepairedByWatch();
  });

  it('CRDs installed before the operator starts: watched from the start, same repairs', async () => {
    await manager.stop();
    manager = await startOperator();
    await eventually(() => {
      assert.equal(manager.isReady(), true);
    });
    assert.equal(await informerMetric('informer_up', 'certificates'), 1);
    assert.equal(await informerMetric('informer_up', 'servicemonitors'), 1);
    await assertRepairedByWatch();
  });

  it('a watched CRD removed: its informer stops instead of restarting in a loop, the operator stays ready', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const dir = await runScript(path.join(REPO_ROOT, 'scripts/fetch-crds.sh'));
    const crd = loadYaml<V1CustomResourceDefinition>(
      readFileSync(path.join(dir, SERVICE_MONITOR_CRD), 'utf8'),
    );
    await ext.deleteCustomResourceDefinition({ name: crd.metadata?.name ?? '' });
    // Stopped for good: down, and the restart count no longer moves (the informer's own backoff
    // would keep counting if it were still retrying).
    await eventually(
      async () => {
        assert.equal(await informerMetric('informer_up', 'servicemonitors'), 0);
        const restarts = (await informerMetric('informer_restarts_total', 'servicemonitors')) ?? 0;
        await new Promise((resolve) => setTimeout(resolve, 3000));
        assert.equal(
          await informerMetric('informer_restarts_total', 'servicemonitors'),
          restarts,
          'no more restarts',
        );
        assert.ok(restarts <= 10, `few restarts before stopping (${String(restarts)})`);
      },
      60_000,
      500,
    );
    assert.equal(manager.isReady(), true);
    assert.equal(await informerMetric('informer_up', 'certificates'), 1, 'the other one runs on');
  });
});

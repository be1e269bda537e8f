/**
 * The chart against a PRIVATE control plane (it installs a CRD and cluster-wide roles, and
 * enables an admission plugin, so it stays away from the shared one):
 *
 * 1. every manifest the chart renders (each value set, CRDs included) and deploy/*.yaml pass a
 *    server-side dry-run;
 * 2. `helm install` in namespaced mode with a ServiceMonitor; the release namespace enforces
 *    Pod Security "restricted", so the ReplicaSet controller creating the operator's pods
 *    proves the pod template meets it;
 * 3. the real operator CLI runs as a process with the env of the installed Deployment and a
 *    TokenRequest token of the chart's ServiceAccount, through full reconciles (self-signed
 *    TLS, HPA, PDB, a cert-manager Certificate, a ServiceMonitor, then pruning of them all);
 *    the API server's audit log must show no denied request, and every granted permission the
 *    operator did not use must be listed in the chart README;
 * 4. `helm upgrade` to cluster-wide mode: two operator processes (the chart's two replicas)
 *    elect one leader through the Lease, which reconciles a namespace it was not told about;
 *    stopping it hands over to the standby, still without a denied request.
 *
 * OwnerReferencesPermissionEnforcement is on (as on OpenShift): setting blockOwnerDeletion on
 * children then needs update on the gateways' finalizers.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  PatchStrategy,
  loadAllYaml,
  type KubernetesObject,
  type V1Container,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { KubeControlPlane } from '../../../scripts/dev/kube-control-plane.ts';
import { freePort } from '../../../scripts/dev/ports.ts';
import { REPO_ROOT } from '../../../scripts/dev/paths.ts';
import { runScript } from '../../../scripts/dev/run-script.ts';
import { childNames } from '../../../src/operator/resources/names.ts';
import { eventually } from '../../helpers/eventually.ts';
import { CHART_DIR, ensureHelm, helm, helmTemplateText, valuesFile } from '../../helpers/helm.ts';
import {
  conditionOf,
  gatewayManifest,
  markGatewayPodsReady,
  readGateway,
  testClient,
} from '../../helpers/operator-harness.ts';
import { VALUE_SETS } from './value-sets.ts';

const RELEASE = 'pulsar-websocket-operator';
const NS = 'pwo-system';
const TEAM_A = 'team-a';
const TEAM_B = 'team-b';
/** The ServiceAccount the chart creates (its full name equals the release name here). */
const SA = 'pulsar-websocket-operator';
const SA_USER = `system:serviceaccount:${NS}:${SA}`;

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    users: ["${SA_USER}"]
  - level: None
`;

interface AuditEvent {
  stage: string;
  verb: string;
  user: { username: string };
  requestURI: string;
  objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string };
  responseStatus?: { code?: number };
}

/** `group|resource[/subresource]|verb`, the unit in which grants and uses are compared. */
type PermissionKey = string;

function readAudit(file: string): AuditEvent[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as AuditEvent)
    .filter((e) => e.user.username === SA_USER);
}

/** What the operator used: an apply that answers 201 created the object, so it used create too. */
function usedPermissions(events: AuditEvent[]): Set<PermissionKey> {
  const used = new Set<PermissionKey>();
  for (const e of events) {
    const ref = e.objectRef;
    if (ref?.resource === undefined) continue;
    const res = ref.subresource === undefined ? ref.resource : `${ref.resource}/${ref.subresource}`;
    const group = ref.apiGroup ?? '';
    used.add(`${group}|${res}|${e.verb}`);
    if (e.verb === 'patch' && e.responseStatus?.code === 201) used.add(`${group}|${res}|create`);
  }
  return used;
}

/** Every (group, resource, verb) granted to the ServiceAccount by the release's roles. */
function grantedPermissions(manifest: string): Set<PermissionKey> {
  const objs = loadAllYaml(manifest) as (KubernetesObject & { rules?: V1PolicyRule[] })[];
  const granted = new Set<PermissionKey>();
  for (const o of objs) {
    if (o.kind !== 'Role' && o.kind !== 'ClusterRole') continue;
    // Aggregated roles are for people, not for the operator.
    if (o.metadata?.name?.endsWith('-gateways-edit') === true) continue;
    if (o.metadata?.name?.endsWith('-gateways-view') === true) continue;
    for (const r of o.rules ?? []) {
      for (const g of r.apiGroups ?? [])
        for (const res of r.resources ?? [])
          for (const v of r.verbs) granted.add(`${g}|${res}|${v}`);
    }
  }
  return granted;
}

/** The "granted but not exercised" list of the chart README. */
function documentedUnused(): Set<PermissionKey> {
  const readme = readFileSync(path.join(CHART_DIR, 'README.md'), 'utf8');
  const start = readme.indexOf('<!-- unused-permissions:start');
  const end = readme.indexOf('<!-- unused-permissions:end -->');
  assert.ok(start >= 0 && end > start, 'README has the unused-permissions markers');
  const out = new Set<PermissionKey>();
  for (const line of readme.slice(start, end).split('\n')) {
    const m = /^- `([^`]*)` `([^`]+)` ([a-z]+):/.exec(line);
    if (m !== null) out.add(`${m[1] === '""' ? '' : (m[1] ?? '')}|${m[2] ?? ''}|${m[3] ?? ''}`);
  }
  return out;
}

/** A kubeconfig that authenticates as the chart's ServiceAccount with a TokenRequest token. */
async function serviceAccountKubeconfig(admin: KubeConfig, file: string): Promise<void> {
  const core = admin.makeApiClient(CoreV1Api);
  const tr = await core.createNamespacedServiceAccountToken({
    name: SA,
    namespace: NS,
    body: {
      spec: {
        audiences: ['https://kubernetes.default.svc.cluster.local'],
        expirationSeconds: 3600,
      },
    },
  });
  const cluster = admin.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'local', server: cluster.server, caData: cluster.caData, skipTLSVerify: false },
    ],
    users: [{ name: SA_USER, token: tr.status!.token }],
    contexts: [{ name: 'sa', cluster: 'local', user: SA_USER }],
    currentContext: 'sa',
  });
  writeFileSync(file, kc.exportConfig());
}

/** The operator CLI, started the way the installed Deployment's container would start. */
class OperatorProcess {
  readonly logs: string[] = [];
  readonly healthPort: number;
  readonly #child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(container: V1Container, kubeconfig: string, healthPort: number, metricsPort: number) {
    this.healthPort = healthPort;
    const env: Record<string, string> = { PATH: process.env['PATH'] ?? '' };
    for (const e of container.env ?? []) {
      if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = NS;
      else if (e.valueFrom === undefined) env[e.name] = e.value ?? '';
      else throw new Error(`unexpected env source for ${e.name}`);
    }
    // Loopback ports of this machine instead of the pod's 8080/8081, which may be taken here.
    env['HEALTH_PORT'] = String(healthPort);
    env['METRICS_PORT'] = String(metricsPort);
    assert.deepEqual(container.command, ['pulsar-ws-operator']);
    this.#child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'src/operator/main.ts'),
        ...(container.args ?? []),
        '--kubeconfig',
        kubeconfig,
      ],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      stream.setEncoding('utf8');
      let rest = '';
      stream.on('data', (chunk: string) => {
        const lines = (rest + chunk).split('\n');
        rest = lines.pop() ?? '';
        this.logs.push(...lines);
        if (process.env['PWO_TEST_DEBUG'] === '1')
          for (const l of lines) process.stderr.write(`${l}\n`);
      });
    }
    this.exited = new Promise((resolve) => {
      this.#child.on('exit', (code) => {
        resolve(code);
      });
    });
  }

  async waitReady(): Promise<void> {
    await eventually(async () => {
      const res = await fetch(`http://127.0.0.1:${this.healthPort}/readyz`);
      if (res.status !== 200) throw new Error(`readyz ${res.status}`);
    }, 60_000);
  }

  async stop(): Promise<number | null> {
    this.#child.kill('SIGTERM');
    return this.exited;
  }

  /** This replica's identity in the Lease, from its start-up log line. */
  identity(): string | undefined {
    for (const l of this.logs) {
      if (!l.includes('Starting operator')) continue;
      return (JSON.parse(l) as { identity?: string }).identity;
    }
    return undefined;
  }

  /** Log lines that show a denied request. */
  denials(): string[] {
    return this.logs.filter((l) => /"(?:code|statusCode)":403\b|HTTP-Code: 403|forbidden/i.test(l));
  }
}

async function installedContainer(kc: KubeConfig): Promise<V1Container> {
  const dep = await kc
    .makeApiClient(AppsV1Api)
    .readNamespacedDeployment({ name: RELEASE, namespace: NS });
  return dep.spec!.template.spec!.containers[0]!;
}

describe(
  'Helm chart: install, and the operator under its ServiceAccount',
  { timeout: 900_000 },
  () => {
    let plane: KubeControlPlane | undefined;
    let admin: KubeConfig;
    let objects: KubernetesObjectApi;
    let operator: OperatorProcess | undefined;
    /** Replicas of the failover test, stopped by `after` if a check fails first. */
    let standby: OperatorProcess[] = [];
    let saKubeconfig: string;

    before(async () => {
      const [started] = await Promise.all([
        KubeControlPlane.start({
          name: `chart-kube-${process.pid}`,
          auditPolicy: AUDIT_POLICY,
          apiServerArgs: ['--enable-admission-plugins=OwnerReferencesPermissionEnforcement'],
        }),
        ensureHelm(),
      ]);
      plane = started;
      admin = new KubeConfig();
      admin.loadFromFile(plane.endpoints.kubeconfig);
      objects = KubernetesObjectApi.makeApiClient(admin);
      saKubeconfig = path.join(path.dirname(plane.endpoints.kubeconfig), 'operator-sa.kubeconfig');
      const core = admin.makeApiClient(CoreV1Api);
      await core.createNamespace({
        body: {
          metadata: { name: NS, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
        },
      });
      for (const name of [TEAM_A, TEAM_B])
        await core.createNamespace({ body: { metadata: { name } } });
      // The real cert-manager and ServiceMonitor CRDs (their schemas check what the chart and
      // the operator write), and a stand-in for PrometheusRule.
      const crdDir = await runScript(path.join(REPO_ROOT, 'scripts/fetch-crds.sh'));
      const crdFiles = [
        path.join(crdDir, 'cert-manager/cert-manager.io_certificates.yaml'),
        path.join(crdDir, 'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml'),
        fileURLToPath(new URL('fixtures/third-party-crds.yaml', import.meta.url)),
      ];
      for (const file of crdFiles) {
        for (const crd of loadAllYaml(readFileSync(file, 'utf8')) as (KubernetesObject | null)[])
          if (crd !== null) await objects.create(crd);
      }
      await eventually(async () => {
        for (const [api, plural] of [
          ['/apis/cert-manager.io/v1', 'certificates'],
          ['/apis/monitoring.coreos.com/v1', 'servicemonitors'],
          ['/apis/monitoring.coreos.com/v1', 'prometheusrules'],
        ] as const) {
          const res = await plane!.get(api);
          if (!res.body.includes(`"${plural}"`)) throw new Error(`${plural} not served yet`);
        }
      }, 30_000);
    });

    after(async () => {
      await operator?.stop();
      await Promise.all(standby.map((r) => r.stop()));
      await plane?.destroy();
    });

    it('passes a server-side dry-run of every rendered manifest and of deploy/*.yaml', async () => {
      const dryRun = async (o: KubernetesObject, where: string): Promise<void> => {
        try {
          await objects.patch(
            o,
            undefined,
            'All',
            'chart-test',
            true,
            PatchStrategy.ServerSideApply,
          );
        } catch (err) {
          throw new Error(
            `${where}: ${o.kind ?? ''} ${o.metadata?.name ?? ''} rejected: ${String((err as { body?: unknown }).body ?? err)}`,
            { cause: err },
          );
        }
      };
      let count = 0;
      for (const [name, values] of Object.entries(VALUE_SETS)) {
        const text = await helmTemplateText({ namespace: NS, values, includeCrds: true });
        for (const o of loadAllYaml(text) as (KubernetesObject | null)[]) {
          if (o === null) continue;
          await dryRun(o, `value set ${name}`);
          count++;
        }
      }
      // deploy/operator.yaml starts with its Namespace; a dry run does not create it.
      const plain = [
        ...(loadAllYaml(
          readFileSync(path.join(REPO_ROOT, 'deploy/crds.yaml'), 'utf8'),
        ) as KubernetesObject[]),
        ...(loadAllYaml(
          readFileSync(path.join(REPO_ROOT, 'deploy/operator.yaml'), 'utf8'),
        ) as KubernetesObject[]),
      ];
      const ns = plain.find((o) => o.kind === 'Namespace');
      assert.ok(ns !== undefined);
      await objects.create(ns);
      for (const o of plain) {
        if (o.kind !== 'Namespace') await dryRun(o, 'deploy/');
        count++;
      }
      assert.ok(count > 40, `dry-ran ${count} objects`);
    });

    it('installs with helm (namespaced mode, ServiceMonitor) and its pods pass Pod Security "restricted"', async () => {
      const values = valuesFile({
        watchNamespaces: [TEAM_A],
        metrics: { serviceMonitor: { enabled: true } },
      });
      await helm(['install', RELEASE, CHART_DIR, '--namespace', NS, '--values', values], {
        kubeconfig: plane!.endpoints.kubeconfig,
      });
      const status = JSON.parse(
        await helm(['status', RELEASE, '--namespace', NS, '-o', 'json'], {
          kubeconfig: plane!.endpoints.kubeconfig,
        }),
      ) as { info: { status: string; notes: string } };
      assert.equal(status.info.status, 'deployed');
      assert.match(status.info.notes, /kubectl apply -n team-a -f -/);
      assert.match(status.info.notes, /kubectl apply --server-side/);
      const crd = await plane!.get(
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pulsarwebsocketgateways.pulsarws.io',
      );
      assert.equal(crd.status, 200, 'the chart installed the CRD from crds/');
      await eventually(async () => {
        const crdBody = (
          await plane!.get(
            '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/pulsarwebsocketgateways.pulsarws.io',
          )
        ).body;
        if (!/"type":"Established","status":"True"/.test(crdBody))
          throw new Error('CRD not Established');
      }, 30_000);
      await objects.read({
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'ServiceMonitor',
        metadata: { name: RELEASE, namespace: NS },
      });
      // The ReplicaSet controller creates the pods only if admission accepts them under the
      // namespace's enforced "restricted" level.
      const core = admin.makeApiClient(CoreV1Api);
      await eventually(async () => {
        const pods = await core.listNamespacedPod({
          namespace: NS,
          labelSelector: `app.kubernetes.io/instance=${RELEASE}`,
        });
        if (pods.items.length !== 2) throw new Error(`${pods.items.length} operator pods, want 2`);
      }, 60_000);
    });

    it('reconciles gateways under the chart ServiceAccount with no denied request', async () => {
      await serviceAccountKubeconfig(admin, saKubeconfig);
      operator = new OperatorProcess(
        await installedContainer(admin),
        saKubeconfig,
        await freePort(),
        await freePort(),
      );
      await operator.waitReady();
      const client = testClient(admin);
      const tlsGw = gatewayManifest(TEAM_A, 'tls-hpa', {
        tls: { mode: 'selfSigned' },
        autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 },
        podDisruptionBudget: { maxUnavailable: 1 },
      });
      const cmGw = gatewayManifest(TEAM_A, 'cm-smon', {
        tls: {
          mode: 'certManager',
          certManager: { issuerRef: { name: 'ca', kind: 'ClusterIssuer' } },
        },
        metrics: { serviceMonitor: { enabled: true } },
      });
      await client.create(tlsGw);
      await client.create(cmGw);
      const a = childNames('tls-hpa');
      const b = childNames('cm-smon');
      const exists = async (apiVersion: string, kind: string, name: string): Promise<boolean> =>
        (await client.get(apiVersion, kind, TEAM_A, name)) !== undefined;
      const children: [string, string, string][] = [
        ['apps/v1', 'Deployment', a.deployment],
        ['v1', 'Service', a.service],
        ['v1', 'ConfigMap', a.configMap],
        ['v1', 'Secret', a.caSecret],
        ['v1', 'Secret', a.tlsSecret],
        ['autoscaling/v2', 'HorizontalPodAutoscaler', a.hpa],
        ['policy/v1', 'PodDisruptionBudget', a.pdb],
        ['apps/v1', 'Deployment', b.deployment],
        ['cert-manager.io/v1', 'Certificate', b.certificate],
        ['monitoring.coreos.com/v1', 'ServiceMonitor', b.serviceMonitor],
      ];
      await eventually(async () => {
        for (const [v, k, n] of children)
          if (!(await exists(v, k, n))) throw new Error(`${k} ${n} missing`);
      }, 60_000);
      await eventually(async () => {
        await markGatewayPodsReady(admin, client, TEAM_A, 'tls-hpa');
        const gw = await readGateway(client, TEAM_A, 'tls-hpa');
        if (conditionOf(gw, 'Ready')?.status !== 'True') throw new Error('tls-hpa not Ready yet');
        assert.equal(conditionOf(gw, 'CertificateReady')?.status, 'True');
      }, 90_000);
      assert.equal(
        conditionOf(await eventuallyStatus(client, 'cm-smon'), 'CertificateReady')?.reason,
        'CertificatePending',
      );

      // Turn everything optional off: the operator prunes (deletes) what it made.
      await client.mergePatch('pulsarws.io/v1alpha1', 'PulsarWebSocketGateway', TEAM_A, 'tls-hpa', {
        spec: {
          tls: { mode: 'none' },
          autoscaling: { enabled: false },
          podDisruptionBudget: { enabled: false },
        },
      });
      await client.mergePatch('pulsarws.io/v1alpha1', 'PulsarWebSocketGateway', TEAM_A, 'cm-smon', {
        spec: {
          tls: { mode: 'none', certManager: null },
          metrics: { serviceMonitor: { enabled: false } },
        },
      });
      const pruned: [string, string, string][] = [
        ['v1', 'Secret', a.caSecret],
        ['v1', 'Secret', a.tlsSecret],
        ['autoscaling/v2', 'HorizontalPodAutoscaler', a.hpa],
        ['policy/v1', 'PodDisruptionBudget', a.pdb],
        ['cert-manager.io/v1', 'Certificate', b.certificate],
        ['monitoring.coreos.com/v1', 'ServiceMonitor', b.serviceMonitor],
      ];
      await eventually(async () => {
        for (const [v, k, n] of pruned)
          if (await exists(v, k, n)) throw new Error(`${k} ${n} not pruned yet`);
      }, 60_000);
      const code = await operator.stop();
      const logDenials = operator.denials();
      operator = undefined;
      assert.equal(code, 0, 'graceful stop');
      assert.deepEqual(logDenials, [], 'operator log lines about denied requests');
    });

    it('used only granted permissions: no 403 in the audit log, unused grants documented', async (t) => {
      const events = readAudit(plane!.auditLogPath);
      const denied = events.filter((e) => e.responseStatus?.code === 403);
      assert.deepEqual(
        denied.map((e) => `${e.verb} ${e.requestURI}`),
        [],
        'requests the API server denied',
      );
      const used = usedPermissions(events);
      // The analysis must see the real work, or it would prove nothing.
      for (const k of [
        'pulsarws.io|pulsarwebsocketgateways|watch',
        'pulsarws.io|pulsarwebsocketgateways/status|patch',
        'apps|deployments|create',
        'autoscaling|horizontalpodautoscalers|delete',
        'cert-manager.io|certificates|create',
        'monitoring.coreos.com|servicemonitors|delete',
        'coordination.k8s.io|leases|update',
        'events.k8s.io|events|create',
      ]) {
        assert.ok(used.has(k), `the audit log shows ${k}`);
      }
      const manifest = await helm(['get', 'manifest', RELEASE, '--namespace', NS], {
        kubeconfig: plane!.endpoints.kubeconfig,
      });
      const granted = grantedPermissions(manifest);
      const unused = [...granted].filter((k) => !used.has(k)).sort();
      t.diagnostic(`granted but unused: ${unused.join(', ') || '(none)'}`);
      const documented = documentedUnused();
      assert.deepEqual(
        unused.filter((k) => !documented.has(k)),
        [],
        'granted permissions the operator did not use; drop them or document them in the chart README',
      );
      assert.deepEqual(
        [...documented].filter((k) => !granted.has(k)),
        [],
        'README lists permissions the chart does not grant',
      );
    });

    it('upgrades to cluster-wide mode: two replicas, one leader, failover, a namespace it was not told about', async () => {
      const before = readAudit(plane!.auditLogPath).length;
      await helm(['upgrade', RELEASE, CHART_DIR, '--namespace', NS, '--reset-values'], {
        kubeconfig: plane!.endpoints.kubeconfig,
      });
      const manifest = await helm(['get', 'manifest', RELEASE, '--namespace', NS], {
        kubeconfig: plane!.endpoints.kubeconfig,
      });
      assert.match(manifest, /kind: ClusterRoleBinding/);
      const container = await installedContainer(admin);
      // The API server drops an empty value; either way the operator watches every namespace.
      assert.equal(container.env?.find((e) => e.name === 'WATCH_NAMESPACES')?.value ?? '', '');
      // Both replicas of the chart, each with the Deployment's env: one leads, one stands by.
      const replicas = [
        new OperatorProcess(container, saKubeconfig, await freePort(), await freePort()),
        new OperatorProcess(container, saKubeconfig, await freePort(), await freePort()),
      ];
      standby = replicas;
      await Promise.all(replicas.map((r) => r.waitReady()));
      const coordination = admin.makeApiClient(CoordinationV1Api);
      const holder = async (): Promise<string | undefined> =>
        (
          await coordination.readNamespacedLease({
            name: 'pulsar-ws-operator-leader',
            namespace: NS,
          })
        ).spec?.holderIdentity ?? undefined;
      const leader = await eventually(async () => {
        const id = await holder();
        const found = replicas.find((r) => r.identity() === id);
        if (found === undefined) throw new Error(`Lease held by ${id ?? 'nobody'}`);
        return found;
      }, 60_000);
      const follower = replicas.find((r) => r !== leader)!;
      const client = testClient(admin);
      await client.create(gatewayManifest(TEAM_B, 'elsewhere', { tls: { mode: 'selfSigned' } }));
      await eventually(async () => {
        await markGatewayPodsReady(admin, client, TEAM_B, 'elsewhere');
        const gw = await readGateway(client, TEAM_B, 'elsewhere');
        if (conditionOf(gw, 'Ready')?.status !== 'True') throw new Error('not Ready yet');
      }, 90_000);
      // The leader hands the Lease back on SIGTERM; the standby takes over and reconciles.
      assert.equal(await leader.stop(), 0);
      await eventually(async () => {
        if ((await holder()) !== follower.identity()) throw new Error('no failover yet');
      }, 60_000);
      await client.create(gatewayManifest(TEAM_B, 'after-failover'));
      await eventually(async () => {
        const d = await client.get(
          'apps/v1',
          'Deployment',
          TEAM_B,
          childNames('after-failover').deployment,
        );
        if (d === undefined) throw new Error('no Deployment yet');
      }, 60_000);
      assert.equal(await follower.stop(), 0);
      standby = [];
      for (const r of replicas) {
        assert.deepEqual(r.denials(), [], 'operator log lines about denied requests');
      }
      const denied = readAudit(plane!.auditLogPath)
        .slice(before)
        .filter((e) => e.responseStatus?.code === 403);
      assert.deepEqual(
        denied.map((e) => `${e.verb} ${e.requestURI}`),
        [],
      );
    });
  },
);

/** The gateway once the operator wrote a CertificateReady condition. */
async function eventuallyStatus(
  client: ReturnType<typeof testClient>,
  name: string,
): Promise<Awaited<ReturnType<typeof readGateway>>> {
  return eventually(async () => {
    const gw = await readGateway(client, TEAM_A, name);
    if (conditionOf(gw, 'CertificateReady') === undefined)
      throw new Error('no CertificateReady yet');
    return gw;
  }, 30_000);
}

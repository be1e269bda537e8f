/**
 * The Helm chart through a real helm (built from the Go module proxy): `helm lint --strict`
 * and `helm template` with several value sets, the schema's refusals, the link between the
 * rendered Deployment and the operator's CLI, and the freshness of the generated deploy/
 * manifests. Applying what is rendered to a real API server is chart-install.test.ts's job.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import type { V1Container, V1Deployment, V1PolicyRule } from '@kubernetes/client-node';
import { parseOperatorOptions } from '../../../src/operator/options.ts';
import { generatedFiles } from '../../../scripts/gen-deploy-manifests.ts';
import { REPO_ROOT } from '../../../scripts/dev/paths.ts';
import {
  CHART_DIR,
  ensureHelm,
  helm,
  helmTemplate,
  helmTemplateText,
  valuesFile,
  type RenderedObject,
} from '../../helpers/helm.ts';
import { VALUE_SETS } from './value-sets.ts';

const NS = 'pwo-system';

function one(objs: RenderedObject[], kind: string, name?: string): RenderedObject {
  const found = objs.filter(
    (o) => o.kind === kind && (name === undefined || o.metadata.name === name),
  );
  assert.equal(found.length, 1, `exactly one ${kind}${name === undefined ? '' : ` ${name}`}`);
  return found[0]!;
}

function operatorContainer(objs: RenderedObject[]): V1Container {
  const dep = one(objs, 'Deployment') as unknown as V1Deployment;
  return dep.spec!.template.spec!.containers[0]!;
}

/** The container's env as the kubelet would give it (fieldRef to the namespace resolved). */
function envOf(c: V1Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of c.env ?? []) {
    if (e.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') env[e.name] = NS;
    else env[e.name] = e.value ?? '';
  }
  return env;
}

function rulesOf(o: RenderedObject): V1PolicyRule[] {
  return (o as unknown as { rules: V1PolicyRule[] }).rules;
}

describe('Helm chart: lint and template', { timeout: 600_000 }, () => {
  before(async () => {
    await ensureHelm();
  });

  it('passes helm lint --strict with every value set', async () => {
    for (const [name, values] of Object.entries(VALUE_SETS)) {
      const out = await helm(['lint', CHART_DIR, '--strict', '--values', valuesFile(values)]);
      assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/, `value set ${name}`);
    }
  });

  it('renders a two-replica, leader-elected, restricted operator by default', async () => {
    const objs = await helmTemplate({ namespace: NS });
    const kinds = objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      'ClusterRole/pulsar-websocket-operator',
      'ClusterRoleBinding/pulsar-websocket-operator',
      'Deployment/pulsar-websocket-operator',
      'Role/pulsar-websocket-operator-leader-election',
      'RoleBinding/pulsar-websocket-operator-leader-election',
      'Service/pulsar-websocket-operator-metrics',
      'ServiceAccount/pulsar-websocket-operator',
    ]);
    for (const o of objs) {
      assert.equal(o.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
      assert.equal(o.metadata.labels['app.kubernetes.io/name'], 'pulsar-websocket-operator');
      if (o.kind !== 'ClusterRole' && o.kind !== 'ClusterRoleBinding') {
        assert.equal(o.metadata.namespace, NS, `${o.kind} in the release namespace`);
      }
    }
    const dep = one(objs, 'Deployment') as unknown as V1Deployment;
    assert.equal(dep.spec?.replicas, 2);
    const pod = dep.spec.template.spec!;
    assert.equal(pod.serviceAccountName, 'pulsar-websocket-operator');
    assert.equal(pod.securityContext?.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile?.type, 'RuntimeDefault');
    const c = operatorContainer(objs);
    assert.equal(c.image, 'ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator:0.1.0');
    assert.deepEqual(c.command, ['pulsar-ws-operator']);
    assert.equal(c.securityContext?.readOnlyRootFilesystem, true);
    assert.equal(c.securityContext.allowPrivilegeEscalation, false);
    assert.deepEqual(c.securityContext.capabilities?.drop, ['ALL']);
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.ok(c.resources?.requests?.['memory'] !== undefined);
    assert.deepEqual(
      c.ports?.map((p) => [p.name, p.containerPort]),
      [
        ['metrics', 8080],
        ['health', 8081],
      ],
    );
    // What the operator's own CLI makes of the rendered env: the chart and the flags agree.
    const opts = parseOperatorOptions(c.args ?? [], envOf(c));
    assert.notEqual(opts, 'help');
    if (opts === 'help') return;
    assert.deepEqual(opts.namespaces, []);
    assert.equal(opts.leaderElect, true);
    assert.equal(opts.leaseNamespace, NS);
    assert.equal(opts.leaseName, 'pulsar-ws-operator-leader');
    assert.equal(opts.metricsPort, 8080);
    assert.equal(opts.healthPort, 8081);
    assert.equal(opts.gatewayImage, c.image);
    assert.equal(opts.resyncPeriodMs, 600_000);
    const svc = one(objs, 'Service') as unknown as {
      spec: { selector: Record<string, string>; ports: { targetPort: string }[] };
    };
    assert.deepEqual(svc.spec.selector, dep.spec.selector.matchLabels);
    assert.equal(svc.spec.ports[0]?.targetPort, 'metrics');
    const lease = one(objs, 'Role', 'pulsar-websocket-operator-leader-election');
    assert.deepEqual(rulesOf(lease)[1]?.resourceNames, ['pulsar-ws-operator-leader']);
  });

  it('renders per-namespace Roles and WATCH_NAMESPACES in namespaced mode, nothing cluster-wide', async () => {
    const objs = await helmTemplate({ namespace: NS, values: VALUE_SETS['namespaced']! });
    assert.equal(objs.filter((o) => o.kind.startsWith('Cluster')).length, 0);
    const roles = objs.filter(
      (o) => o.kind === 'Role' && o.metadata.name === 'pulsar-websocket-operator',
    );
    assert.deepEqual(
      roles.map((r) => r.metadata.namespace),
      ['team-a', 'team-b'],
    );
    const bindings = objs.filter(
      (o) => o.kind === 'RoleBinding' && o.metadata.name === 'pulsar-websocket-operator',
    );
    assert.deepEqual(
      bindings.map((r) => r.metadata.namespace),
      ['team-a', 'team-b'],
    );
    for (const b of bindings) {
      assert.deepEqual((b as unknown as { subjects: unknown[] }).subjects, [
        { kind: 'ServiceAccount', name: 'pulsar-websocket-operator', namespace: NS },
      ]);
    }
    const clusterWide = await helmTemplate({ namespace: NS });
    assert.deepEqual(rulesOf(roles[0]!), rulesOf(one(clusterWide, 'ClusterRole')));
    const opts = parseOperatorOptions([], envOf(operatorContainer(objs)));
    assert.ok(opts !== 'help');
    assert.deepEqual(opts.namespaces, ['team-a', 'team-b']);
  });

  it('renders the ServiceMonitor, PDB, digest image, lease name and aggregated roles when asked', async () => {
    const objs = await helmTemplate({ namespace: NS, values: VALUE_SETS['monitored']! });
    const sm = one(objs, 'ServiceMonitor') as unknown as {
      metadata: { labels: Record<string, string> };
      spec: { selector: { matchLabels: Record<string, string> }; endpoints: { port: string }[] };
    };
    assert.equal(sm.metadata.labels['release'], 'prometheus');
    const dep = one(objs, 'Deployment') as unknown as V1Deployment;
    assert.deepEqual(sm.spec.selector.matchLabels, dep.spec!.selector.matchLabels);
    assert.equal(sm.spec.endpoints[0]?.port, 'metrics');
    one(objs, 'PodDisruptionBudget');
    const c = operatorContainer(objs);
    assert.equal(
      c.image,
      `ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator@sha256:${'ab'.repeat(32)}`,
    );
    const opts = parseOperatorOptions(c.args ?? [], envOf(c));
    assert.ok(opts !== 'help');
    assert.equal(opts.leaseName, 'my-lease');
    assert.equal(opts.gatewayImage, c.image);
    const lease = one(objs, 'Role', 'pulsar-websocket-operator-leader-election');
    assert.deepEqual(rulesOf(lease)[1]?.resourceNames, ['my-lease']);
    const aggregated = objs
      .filter((o) => o.kind === 'ClusterRole' && o.metadata.name.endsWith('-gateways-edit'))
      .map((o) => o.metadata.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']);
    assert.deepEqual(aggregated, ['true']);
  });

  it('renders dashboards and alert rules only when enabled', async () => {
    const on = await helmTemplate({ namespace: NS, values: VALUE_SETS['observability']! });
    const off = await helmTemplate({ namespace: NS });
    assert.equal(
      off.filter((o) => o.kind === 'PrometheusRule' || o.kind === 'ConfigMap').length,
      0,
    );
    // These templates belong to the dashboards work; once present they must render with the
    // contract's keys.
    const tpl = path.join(CHART_DIR, 'templates');
    if (existsSync(path.join(tpl, 'grafana-dashboards.yaml'))) {
      const cms = on.filter((o) => o.kind === 'ConfigMap');
      assert.ok(cms.length > 0, 'dashboard ConfigMaps');
      for (const cm of cms) assert.equal(cm.metadata.labels?.['grafana_dashboard'], '1');
    }
    if (existsSync(path.join(tpl, 'prometheusrule.yaml'))) one(on, 'PrometheusRule');
    one(on, 'ServiceMonitor');
  });

  it('single replica without leader election', async () => {
    const objs = await helmTemplate({ namespace: NS, values: VALUE_SETS['single']! });
    assert.equal(objs.filter((o) => o.kind === 'Role' || o.kind === 'RoleBinding').length, 0);
    const opts = parseOperatorOptions([], envOf(operatorContainer(objs)));
    assert.ok(opts !== 'help');
    assert.equal(opts.leaderElect, false);
    assert.equal(opts.logLevel, 'debug');
  });

  it('refuses bad values with a clear message', async () => {
    const cases: [object, RegExp][] = [
      [{ replicas: 3 }, /additional properties 'replicas' not allowed/],
      [{ replicaCount: 'two' }, /'\/replicaCount': got string, want integer/],
      [
        { watchNamespaces: ['Not_A_Namespace'] },
        /'\/watchNamespaces\/0': 'Not_A_Namespace' does not match/,
      ],
      [{ metrics: { port: 70000 } }, /'\/metrics\/port': maximum/],
      [{ leaderElection: { enabled: false } }, /needs replicaCount 1/],
      [
        { metrics: { service: { enabled: false }, serviceMonitor: { enabled: true } } },
        /needs metrics\.service\.enabled/,
      ],
    ];
    for (const [values, message] of cases) {
      await assert.rejects(helmTemplate({ namespace: NS, values }), (err: Error) => {
        assert.match(err.message, message, JSON.stringify(values));
        return true;
      });
    }
  });

  it('packages into a chart archive that renders the same, CRD included', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pwo-chart-'));
    try {
      const out = await helm(['package', CHART_DIR, '--destination', dir]);
      const archive = path.join(dir, 'pulsar-websocket-operator-0.1.0.tgz');
      assert.match(out, /Successfully packaged chart/);
      const fromArchive = await helm([
        'template',
        'pulsar-websocket-operator',
        archive,
        '--namespace',
        NS,
        '--include-crds',
      ]);
      const fromDir = await helmTemplateText({ namespace: NS, includeCrds: true });
      assert.equal(fromArchive, fromDir);
      assert.match(fromArchive, /name: pulsarwebsocketgateways\.pulsarws\.io/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps deploy/*.yaml and the chart README in step with the chart', async () => {
    for (const [file, expected] of await generatedFiles()) {
      assert.ok(
        readFileSync(file, 'utf8') === expected,
        `${path.relative(REPO_ROOT, file)} is stale: run npm run gen:deploy`,
      );
    }
  });
});

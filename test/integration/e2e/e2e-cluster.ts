import { appendFileSync, rmSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { KubeControlPlane } from '../../../scripts/dev/kube-control-plane.ts';
import { NodeAgent, projectImageRules } from '../../../scripts/dev/node-agent/index.ts';
import { REPO_ROOT, runDir } from '../../../scripts/dev/paths.ts';
import { progress } from '../../../scripts/dev/progress.ts';
import { KubeClient } from '../../../src/operator/kube/kube-client.ts';
import { selectorString } from '../../../src/operator/resources/labels.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import { CHART_DIR, helm } from '../../helpers/helm.ts';

/** Namespace and release of the operator installed with the chart. */
export const OPERATOR_NAMESPACE = 'pwo-system';
export const OPERATOR_RELEASE = 'pwo';

/** A private control plane with the node agent and the operator: pods really run. */
export interface E2eCluster {
  kube: KubeControlPlane;
  kc: KubeConfig;
  client: KubeClient;
  core: CoreV1Api;
  agent: NodeAgent;
  namespace: string;
  /** File the agent logs to (JSON lines). */
  agentLog: string;
  stop(): Promise<void>;
}

/**
 * Starts a private control plane (a node agent must not bind the pods of other tests sharing
 * the suite's API server), the node agent running the project image from `src/` (no build step
 * on a fresh clone; the same modules the `dist/bin/` bundles are built from, and
 * test/integration/packaging/image-layout.test.ts runs the bundles themselves), and the
 * operator installed with the Helm chart: a pod on the agent's node, with the chart's RBAC and
 * in-cluster credentials. Its management ports are picked at random (every pod here shares the
 * machine's ports). Pod and Service addresses come from loopback ranges picked at random, so a
 * concurrent `npm run local` does not collide with them.
 */
export async function startE2eCluster(namespace: string): Promise<E2eCluster> {
  const name = `e2e-kube-${process.pid}`;
  const kube = await KubeControlPlane.start({ name });
  const kc = new KubeConfig();
  kc.loadFromFile(kube.endpoints.kubeconfig);
  const dir = runDir(`e2e-agent-${process.pid}`, { fresh: true });
  const agentLog = path.join(dir, 'agent.log');
  const third = 2 + randomInt(250);
  const debug = process.env['PWO_TEST_DEBUG'] === '1';
  const agent = new NodeAgent({
    kubeConfig: kc,
    nodeName: 'e2e-node',
    podCidr: `10.250.${third}.0/24`,
    serviceCidr: `127.250.${third}.0/24`,
    images: projectImageRules(REPO_ROOT, 'src'),
    stateDir: path.join(dir, 'state'),
    log: (msg, fields) => {
      const line = `${JSON.stringify({ t: new Date().toISOString(), msg, ...fields })}\n`;
      appendFileSync(agentLog, line);
      if (debug) process.stderr.write(`[agent] ${line}`);
    },
  });
  try {
    await agent.start();
    const port = 20_000 + 3 * randomInt(3000);
    progress('e2e', 'helm install of the operator chart');
    await helm(
      [
        'install',
        OPERATOR_RELEASE,
        CHART_DIR,
        '--namespace',
        OPERATOR_NAMESPACE,
        '--create-namespace',
        '--set',
        'replicaCount=1',
        '--set',
        `metrics.port=${port}`,
        '--set',
        `metrics.service.port=${port + 1}`,
        '--set',
        `health.port=${port + 2}`,
        '--wait',
        '--timeout',
        '5m',
      ],
      { kubeconfig: kube.endpoints.kubeconfig },
    );
    progress('e2e', 'operator pod ready');
    await installGatewayCrd(kc);
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    return {
      kube,
      kc,
      client: new KubeClient({ kubeConfig: kc }),
      core,
      agent,
      namespace,
      agentLog,
      async stop() {
        progress('e2e', 'stopping the node agent and its pods');
        await agent.stop(2);
        progress('e2e', 'destroying the control plane');
        await kube.destroy();
        if (process.env['PWO_TEST_KEEP_LOGS'] !== '1')
          rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await agent.stop(2);
    await kube.destroy();
    throw err;
  }
}

/** The gateway `name`'s pods (not yet deleted). */
export async function gatewayPods(c: E2eCluster, name: string): Promise<V1Pod[]> {
  const list = await c.core.listNamespacedPod({
    namespace: c.namespace,
    labelSelector: selectorString({ name }),
  });
  return list.items.filter((p) => p.metadata?.deletionTimestamp === undefined);
}

/** True when the pod reports phase Running and condition Ready=True. */
export function podReady(pod: V1Pod): boolean {
  return (
    pod.status?.phase === 'Running' &&
    pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true
  );
}

/** True when `pid` is a live process. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

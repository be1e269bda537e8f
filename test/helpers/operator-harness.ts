import { after, before } from 'node:test';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { silentLogger, type Logger } from '../../src/shared/index.ts';
import { CRD_API_VERSION, CRD_KIND } from '../../src/operator/api/v1alpha1/constants.ts';
import type {
  PulsarWebSocketGateway,
  PulsarWebSocketGatewaySpec,
} from '../../src/operator/api/v1alpha1/types.ts';
import { KubeClient } from '../../src/operator/kube/kube-client.ts';
import { Manager, type ManagerOptions } from '../../src/operator/manager.ts';
import { selectorString } from '../../src/operator/resources/labels.ts';
import { eventually } from './eventually.ts';
import { installGatewayCrd } from './install-crd.ts';

/** The image tests use for gateways (never pulled: there is no kubelet). */
export const TEST_IMAGE = 'ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator:test';

/**
 * Starts a {@link Manager} in-process against the test control plane, watching `namespace`,
 * without probes servers and (unless given) without leader election.
 */
export async function startManager(
  kc: KubeConfig,
  namespace: string,
  overrides: Partial<ManagerOptions> = {},
): Promise<Manager> {
  const manager = new Manager({
    kubeConfig: kc,
    defaultImage: TEST_IMAGE,
    logger: debugLogger(),
    namespaces: [namespace],
    registry: new Registry(),
    resyncPeriodMs: 0,
    shutdownGraceMs: 5000,
    ...overrides,
  });
  await manager.start();
  return manager;
}

/**
 * The usual operator test setup, as `before`/`after` hooks of the file (or of the enclosing
 * `describe` when called inside one): installs the CRD, creates `namespace`, starts a
 * {@link startManager} watching it; afterwards stops the manager and deletes the namespace.
 * Read `.manager` only from tests and hooks (it exists once `before` ran).
 */
export function operatorInNamespace(
  kc: KubeConfig,
  namespace: string,
  overrides: Partial<ManagerOptions> = {},
): { readonly manager: Manager } {
  const core = kc.makeApiClient(CoreV1Api);
  let manager: Manager | undefined;
  before(async () => {
    await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    manager = await startManager(kc, namespace, overrides);
  });
  after(async () => {
    await manager?.stop();
    await core.deleteNamespace({ name: namespace });
  });
  return {
    get manager(): Manager {
      if (manager === undefined) throw new Error('operatorInNamespace: before() has not run');
      return manager;
    },
  };
}

/** `PWO_TEST_DEBUG=1` prints the operator's logs; otherwise they are discarded. */
function debugLogger(): Logger {
  if (process.env['PWO_TEST_DEBUG'] !== '1') return silentLogger;
  const line = (level: string) => (obj: object, msg: string) => {
    process.stderr.write(`${level} ${msg} ${JSON.stringify(obj, errReplacer)}\n`);
  };
  const logger: Logger = {
    debug: line('DEBUG'),
    info: line('INFO'),
    warn: line('WARN'),
    error: line('ERROR'),
    child: () => logger,
  };
  return logger;
}

function errReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error
    ? { message: value.message, code: (value as { code?: unknown }).code }
    : value;
}

/** A gateway manifest with a minimal spec plus `spec`. */
export function gatewayManifest(
  namespace: string,
  name: string,
  spec: Partial<PulsarWebSocketGatewaySpec> = {},
): PulsarWebSocketGateway {
  return {
    apiVersion: CRD_API_VERSION,
    kind: CRD_KIND,
    metadata: { name, namespace },
    spec: { pulsar: { serviceUrl: 'pulsar://broker.pulsar.svc:6650' }, ...spec },
  };
}

/** Reads the gateway `namespace/name` (throws when absent). */
export async function readGateway(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<PulsarWebSocketGateway> {
  const gw = await client.get<PulsarWebSocketGateway>(CRD_API_VERSION, CRD_KIND, namespace, name);
  if (gw === undefined) throw new Error(`gateway ${namespace}/${name} not found`);
  return gw;
}

/** The status of condition `type`, e.g. `True`, or undefined. */
export function conditionOf(
  gw: PulsarWebSocketGateway,
  type: string,
): { status: string; reason: string; message: string } | undefined {
  return gw.status?.conditions?.find((c) => c.type === type);
}

/**
 * Plays the kubelet: marks every pod of the gateway `name` Running and Ready through the pod
 * status subresource, so the ReplicaSet and Deployment controllers count them as available.
 * Returns the number of pods marked.
 */
export async function markGatewayPodsReady(
  kc: KubeConfig,
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<number> {
  const core = kc.makeApiClient(CoreV1Api);
  const pods = await core.listNamespacedPod({
    namespace,
    labelSelector: selectorString({ name }),
  });
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  let marked = 0;
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp !== undefined) continue;
    if (isReady(pod)) continue;
    await client.patchStatus('v1', 'Pod', namespace, pod.metadata?.name ?? '', {
      phase: 'Running',
      podIP: '10.0.0.10',
      startTime: now,
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
    });
    marked++;
  }
  return marked;
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** A test-side client, separate from the manager's (its writes do not count there). */
export function testClient(kc: KubeConfig): KubeClient {
  return new KubeClient({ kubeConfig: kc, fieldManager: 'integration-test' });
}

/** Waits until the manager's queue is empty and no reconcile started for `quietMs`. */
export async function waitIdle(
  manager: Manager,
  quietMs = 1500,
  timeoutMs = 30_000,
): Promise<void> {
  let last = manager.reconciles;
  let since = Date.now();
  await eventually(
    () => {
      if (manager.reconciles !== last || manager.queueLength > 0) {
        last = manager.reconciles;
        since = Date.now();
      }
      if (Date.now() - since < quietMs) throw new Error('operator still busy');
    },
    timeoutMs,
    100,
  );
}

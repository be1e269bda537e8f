/**
 * Global setup of the integration suite (`node --test --test-global-setup`):
 * starts ONE real Pulsar standalone (with its embedded Java WebSocket proxy),
 * the Java WebSocket proxy as a separate process, and ONE real Kubernetes
 * control plane, in parallel, and hands their addresses to every test file
 * through environment variables (read them with ./test-env.ts). Each test
 * isolates itself with its own topic or namespace.
 *
 * Nothing is skipped: if a dependency cannot be fetched, built or started,
 * setup throws and the run fails with the reason.
 *
 * PWO_TEST_SERVICES=pulsar (or =kube) starts only one side, for quick local
 * runs of a single file; tests needing the other side then fail loudly.
 * When the addresses are already in the environment (PWO_TEST_PULSAR_URL...,
 * PWO_TEST_KUBECONFIG, for example from a long-running `npm run local`), that
 * side is used as given and not started.
 *
 * Service directories are named after this process, so concurrent runs do
 * not collide; services left behind by dead runs are reaped first.
 */
import { PulsarStandalone } from '../../scripts/dev/pulsar-standalone.ts';
import { JavaWebSocketProxy } from '../../scripts/dev/java-websocket-proxy.ts';
import { KubeControlPlane } from '../../scripts/dev/kube-control-plane.ts';
import { progress, secondsSince } from '../../scripts/dev/progress.ts';
import { reapOrphans } from '../../scripts/dev/managed-process.ts';
import { REPO_ROOT, runDir } from '../../scripts/dev/paths.ts';
import { runScript } from '../../scripts/dev/run-script.ts';
import { ENV_KEYS } from './test-env.ts';

let pulsar: PulsarStandalone | undefined;
let javaProxy: JavaWebSocketProxy | undefined;
let kube: KubeControlPlane | undefined;

function wanted(service: 'pulsar' | 'kube'): boolean {
  const given = service === 'pulsar' ? ENV_KEYS.pulsarUrl : ENV_KEYS.kubeconfig;
  if ((process.env[given] ?? '') !== '') {
    progress('setup', `using the ${service} given by ${given}`);
    return false;
  }
  const list = process.env['PWO_TEST_SERVICES'];
  if (list === undefined || list === '') return true;
  // Under CI every integration test runs against both systems: a partial
  // environment would turn half the suite into loud failures at best.
  if (process.env['CI'] === 'true') {
    throw new Error(
      'PWO_TEST_SERVICES must not be set when CI=true: CI runs every integration test',
    );
  }
  return list.split(',').includes(service);
}

async function startPulsarSide(): Promise<void> {
  pulsar = await PulsarStandalone.start({ name: `test-pulsar-${process.pid}` });
  process.env[ENV_KEYS.pulsarUrl] = pulsar.endpoints.serviceUrl;
  process.env[ENV_KEYS.pulsarAdminUrl] = pulsar.endpoints.adminUrl;
  process.env[ENV_KEYS.pulsarWsUrl] = pulsar.endpoints.wsUrl;
  javaProxy = await JavaWebSocketProxy.start(pulsar.endpoints, {
    name: `test-java-ws-proxy-${process.pid}`,
  });
  process.env[ENV_KEYS.javaProxyWsUrl] = javaProxy.wsUrl;
}

/**
 * Tools that individual test files fetch or build on first use (helm, third-party CRDs, the
 * seed's Python client, Prometheus). On a full run they are prepared here, beside the service
 * start-up, so a fresh machine pays for them once and in parallel with the Kubernetes build,
 * instead of inside one test file's `before` hook. Each script is idempotent and cached, so
 * the test files' own calls then return at once.
 */
async function prefetchTools(): Promise<void> {
  for (const script of [
    'build-helm.sh',
    'fetch-crds.sh',
    'fetch-python-deps.sh',
    'install-prometheus.sh',
  ]) {
    await runScript(`${REPO_ROOT}/scripts/${script}`);
  }
}

async function startKubeSide(): Promise<void> {
  kube = await KubeControlPlane.start({ name: `test-kube-${process.pid}` });
  process.env[ENV_KEYS.kubeconfig] = kube.endpoints.kubeconfig;
  process.env[ENV_KEYS.kubeServer] = kube.endpoints.server;
}

export async function globalSetup(): Promise<void> {
  const t0 = performance.now();
  await reapOrphans(runDir('pids'));
  const jobs: Promise<void>[] = [];
  if (wanted('pulsar')) jobs.push(startPulsarSide());
  if (wanted('kube')) jobs.push(startKubeSide());
  // A partial run (PWO_TEST_SERVICES) is one file being iterated on: it fetches what it needs.
  if ((process.env['PWO_TEST_SERVICES'] ?? '') === '') jobs.push(prefetchTools());
  const results = await Promise.allSettled(jobs);
  const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failures.length > 0) {
    await globalTeardown();
    throw new AggregateError(
      failures.map((f) => f.reason as Error),
      `integration setup failed: ${failures.map((f) => (f.reason as Error).message).join('\n\n')}`,
    );
  }
  progress('setup', `test dependencies ready in ${secondsSince(t0)}s`);
}

export async function globalTeardown(): Promise<void> {
  const t0 = performance.now();
  await Promise.allSettled([javaProxy?.destroy(), kube?.destroy()]);
  await pulsar?.destroy();
  progress('setup', `test dependencies stopped in ${secondsSince(t0)}s`);
}

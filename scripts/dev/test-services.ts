/**
 * `node scripts/dev/test-services.ts [env-file]`: starts the integration
 * suite's services (Pulsar standalone, the separate Java WebSocket proxy, a
 * Kubernetes control plane) once and keeps them running, writing their
 * addresses as `export PWO_TEST_...=...` lines to `env-file` (default
 * `.tmp/test-services.env`). Sourcing that file before `node --test
 * --test-global-setup=...` makes the global setup reuse these services
 * instead of starting its own, which turns a one-file iteration from minutes
 * into seconds. Ctrl-C (or SIGTERM) stops everything.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { PulsarStandalone } from './pulsar-standalone.ts';
import { JavaWebSocketProxy } from './java-websocket-proxy.ts';
import { KubeControlPlane } from './kube-control-plane.ts';
import { progress } from './progress.ts';
import { REPO_ROOT } from './paths.ts';

const envFile = resolve(process.argv[2] ?? `${REPO_ROOT}/.tmp/test-services.env`);

const [pulsar, kube] = await Promise.all([
  PulsarStandalone.start({ name: `shared-pulsar-${process.pid}` }),
  KubeControlPlane.start({ name: `shared-kube-${process.pid}` }),
]);
const javaProxy = await JavaWebSocketProxy.start(pulsar.endpoints, {
  name: `shared-java-ws-proxy-${process.pid}`,
});

const vars: Record<string, string> = {
  PWO_TEST_PULSAR_URL: pulsar.endpoints.serviceUrl,
  PWO_TEST_PULSAR_ADMIN_URL: pulsar.endpoints.adminUrl,
  PWO_TEST_PULSAR_WS_URL: pulsar.endpoints.wsUrl,
  PWO_TEST_JAVA_WS_PROXY_URL: javaProxy.wsUrl,
  PWO_TEST_KUBECONFIG: kube.endpoints.kubeconfig,
  PWO_TEST_KUBE_SERVER: kube.endpoints.server,
};
await mkdir(dirname(envFile), { recursive: true });
await writeFile(
  envFile,
  Object.entries(vars)
    .map(([k, v]) => `export ${k}=${v}\n`)
    .join(''),
);
progress('test-services', `ready; source ${envFile}`);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.allSettled([javaProxy.destroy(), kube.destroy()]);
  await pulsar.destroy();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
setInterval(() => undefined, 1 << 30);

/**
 * `npm run local`: starts the local development environment (a real Pulsar
 * standalone with its Java WebSocket proxy, and a real Kubernetes control
 * plane), prints their addresses, and tears everything down on Ctrl-C.
 * Dependencies are fetched and built on first use, with progress shown.
 */
import { PulsarStandalone } from './dev/pulsar-standalone.ts';
import { KubeControlPlane } from './dev/kube-control-plane.ts';
import { progress } from './dev/progress.ts';

const [pulsar, kube] = await Promise.all([
  PulsarStandalone.start({ name: 'local-pulsar' }),
  KubeControlPlane.start({ name: 'local-kube' }),
]);

process.stdout.write(
  [
    '',
    'Local environment is up:',
    `  Pulsar binary protocol   ${pulsar.endpoints.serviceUrl}`,
    `  Pulsar admin REST        ${pulsar.endpoints.adminUrl}`,
    `  Java WebSocket proxy     ${pulsar.endpoints.wsUrl}/ws/v2/producer/persistent/public/default/my-topic`,
    `  Kubernetes API server    ${kube.endpoints.server}`,
    `  kubeconfig               export KUBECONFIG=${kube.endpoints.kubeconfig}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
async function shutdown(): Promise<void> {
  if (stopping) return;
  stopping = true;
  progress('local', 'stopping');
  await Promise.allSettled([kube.stop(), pulsar.stop()]);
  progress('local', 'stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
// Keep the event loop alive until a signal arrives.
setInterval(() => undefined, 1 << 30);

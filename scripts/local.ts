/**
 * `npm run local`: starts the local development environment (a real Pulsar
 * standalone with its Java WebSocket proxy, a real Kubernetes control plane,
 * and our WebSocket gateway in-process against that Pulsar), prints their
 * addresses and a copy-paste producer/consumer example, and tears everything
 * down on Ctrl-C. Dependencies are fetched and built on first use, with
 * progress shown.
 */
import { Registry } from 'prom-client';
import { GatewayServer, loadGatewayConfig } from '../src/gateway/index.ts';
import { createLogger } from '../src/shared/index.ts';
import { PulsarStandalone } from './dev/pulsar-standalone.ts';
import { KubeControlPlane } from './dev/kube-control-plane.ts';
import { progress } from './dev/progress.ts';
import { freePort } from './dev/ports.ts';

const [pulsar, kube] = await Promise.all([
  PulsarStandalone.start({ name: 'local-pulsar' }),
  KubeControlPlane.start({ name: 'local-kube' }),
]);

const loaded = loadGatewayConfig({
  argv: [
    `--pulsar.serviceUrl=${pulsar.endpoints.serviceUrl}`,
    '--server.bindAddress=127.0.0.1',
    `--server.port=${await freePort()}`,
    `--metrics.port=${await freePort()}`,
    '--log.level=warn',
  ],
  env: {},
});
if (loaded.kind !== 'config') throw new Error('unexpected --help');
const gateway = await GatewayServer.start({
  config: loaded.config,
  logger: createLogger({ level: 'warn' }),
  registry: new Registry(),
});
const gatewayWs = `ws://127.0.0.1:${gateway.port}`;
const topicPath = 'persistent/public/default/my-topic';

process.stdout.write(
  [
    '',
    'Local environment is up:',
    `  Pulsar binary protocol   ${pulsar.endpoints.serviceUrl}`,
    `  Pulsar admin REST        ${pulsar.endpoints.adminUrl}`,
    `  Java WebSocket proxy     ${pulsar.endpoints.wsUrl}/ws/v2/producer/persistent/public/default/my-topic`,
    `  Kubernetes API server    ${kube.endpoints.server}`,
    `  kubeconfig               export KUBECONFIG=${kube.endpoints.kubeconfig}`,
    `  Our WebSocket gateway    ${gatewayWs}/ws/v2/producer/${topicPath}`,
    `  Gateway ops              http://127.0.0.1:${gateway.metricsPort}/metrics  /healthz  /readyz`,
    '',
    'Try the gateway (consumer first, then a producer, in another terminal):',
    `  node -e "const W=require('ws');const ws=new W('${gatewayWs}/ws/v2/consumer/${topicPath}/my-sub');ws.on('message',m=>{const d=JSON.parse(m);console.log(d,Buffer.from(d.payload,'base64').toString());ws.send(JSON.stringify({messageId:d.messageId}))})"`,
    `  node -e "const W=require('ws');const ws=new W('${gatewayWs}/ws/v2/producer/${topicPath}');ws.on('open',()=>ws.send(JSON.stringify({payload:Buffer.from('Hello World').toString('base64'),context:'1'})));ws.on('message',m=>{console.log(String(m));ws.close()})"`,
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
  await gateway.close().catch(() => undefined);
  await Promise.allSettled([kube.stop(), pulsar.stop()]);
  progress('local', 'stopped');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
// Keep the event loop alive until a signal arrives.
setInterval(() => undefined, 1 << 30);

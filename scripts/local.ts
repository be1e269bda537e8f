/**
 * `npm run local`: the product's real job on one machine, with no Docker. Starts a real Pulsar
 * standalone, a real Kubernetes control plane and the local node agent (pods run as processes
 * of this checkout's command bundles, dist/bin/, rebuilt first when stale), installs the
 * operator with its Helm chart, applies the minimal sample gateway pointed at the local Pulsar,
 * waits until it is Ready, and prints the ws:// URL with a copy-paste producer and consumer. Ctrl-C tears everything down. Dependencies are
 * fetched and built on first use, with progress shown.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { load } from 'js-yaml';
import { PulsarStandalone } from './dev/pulsar-standalone.ts';
import { KubeControlPlane } from './dev/kube-control-plane.ts';
import { KubeRest, NodeAgent, projectImageRules } from './dev/node-agent/index.ts';
import { progress, secondsSince } from './dev/progress.ts';
import { REPO_ROOT, runDir } from './dev/paths.ts';
import { runScript } from './dev/run-script.ts';
import { bundleCommands, COMMANDS } from './bundle-commands.ts';

const NAMESPACE = 'default';
const OPERATOR_NAMESPACE = 'pulsar-ws-system';
const SAMPLE = path.join(REPO_ROOT, 'deploy/samples/minimal.yaml');
const CHART = path.join(REPO_ROOT, 'charts/pulsar-websocket-operator');

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        if (err === null) resolve(stdout);
        else reject(new Error(`${cmd} ${args.join(' ')} failed:\n${stderr || err.message}`));
      },
    );
  });
}

/** Newest mtime (ms) of the files under `dir` ending in `ext`. */
function newest(dir: string, ext: string): number {
  let max = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile() || !e.name.endsWith(ext)) continue;
    max = Math.max(max, statSync(path.join(e.parentPath, e.name)).mtimeMs);
  }
  return max;
}

/**
 * Bundles the commands into dist/bin/ (`npm run build`, what the image runs) unless every
 * bundle is newer than every source file, the lockfile, tsconfig.json and the bundler script.
 */
async function ensureBuild(): Promise<void> {
  let built: number;
  try {
    built = Math.min(
      ...Object.keys(COMMANDS).map(
        (c) => statSync(path.join(REPO_ROOT, 'dist/bin', `${c}.js`)).mtimeMs,
      ),
    );
  } catch {
    built = 0;
  }
  const inputs = Math.max(
    newest(path.join(REPO_ROOT, 'src'), '.ts'),
    ...['package-lock.json', 'tsconfig.json', 'scripts/bundle-commands.ts'].map(
      (f) => statSync(path.join(REPO_ROOT, f)).mtimeMs,
    ),
  );
  if (built > inputs) {
    progress('local', 'dist/bin/ is up to date');
    return;
  }
  const t0 = performance.now();
  progress('local', 'bundling the commands into dist/bin/ (npm run build), as the image does');
  await bundleCommands();
  progress('local', `dist/bin/ built in ${secondsSince(t0)}s`);
}

const t0 = performance.now();
progress(
  'local',
  'starting Pulsar and the Kubernetes control plane; building helm; checking dist/bin/',
);
const [pulsar, kube, helmBin] = await Promise.all([
  PulsarStandalone.start({ name: 'local-pulsar' }),
  KubeControlPlane.start({ name: 'local-kube' }),
  runScript(path.join(REPO_ROOT, 'scripts/build-helm.sh')),
  ensureBuild(),
]);

const kc = new KubeConfig();
kc.loadFromFile(kube.endpoints.kubeconfig);
const agentLog = path.join(runDir('local-agent'), 'agent.log');
const agent = new NodeAgent({
  kubeConfig: kc,
  nodeName: 'local-node',
  images: projectImageRules(REPO_ROOT, 'dist'),
  stateDir: path.join(runDir('local-agent'), 'state'),
  log: (msg, fields) => {
    appendFileSync(
      agentLog,
      `${JSON.stringify({ t: new Date().toISOString(), msg, ...fields })}\n`,
    );
  },
});

let stopping = false;
async function shutdown(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  progress('local', 'stopping: pods (SIGTERM), node agent, control plane, Pulsar');
  await agent.stop(20).catch(() => undefined);
  await Promise.allSettled([kube.stop(), pulsar.stop()]);
  progress('local', 'stopped');
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  progress('local', 'starting the node agent (pods run as local processes)');
  await agent.start();
  progress('local', `node agent ready: node ${agent.nodeName} (log ${agentLog})`);

  const helmHome = runDir('local-helm');
  const helmEnv = {
    KUBECONFIG: kube.endpoints.kubeconfig,
    HELM_CACHE_HOME: path.join(helmHome, 'cache'),
    HELM_CONFIG_HOME: path.join(helmHome, 'config'),
    HELM_DATA_HOME: path.join(helmHome, 'data'),
  };
  progress('local', `helm install pulsar-websocket-operator (namespace ${OPERATOR_NAMESPACE})`);
  // One replica, and management ports away from the gateway's 8080 and 9090: every pod here
  // shares the machine's ports, and the operator listens on all addresses, so its Service
  // port must differ from its container port too (the agent's Service proxy listens on it).
  await run(
    helmBin,
    [
      'install',
      'pulsar-websocket-operator',
      CHART,
      '--namespace',
      OPERATOR_NAMESPACE,
      '--create-namespace',
      '--set',
      'replicaCount=1',
      '--set',
      'metrics.port=18080',
      '--set',
      'metrics.service.port=18090',
      '--set',
      'health.port=18081',
      '--wait',
      '--timeout',
      '5m',
    ],
    helmEnv,
  );
  progress('local', 'operator running and ready');

  const sample = load(readFileSync(SAMPLE, 'utf8')) as {
    metadata: { name: string; namespace?: string };
    spec: { pulsar: { serviceUrl: string } };
  };
  sample.metadata.namespace = NAMESPACE;
  sample.spec.pulsar.serviceUrl = pulsar.endpoints.serviceUrl;
  const name = sample.metadata.name;
  progress(
    'local',
    `applying deploy/samples/minimal.yaml as ${NAMESPACE}/${name} (Pulsar ${pulsar.endpoints.serviceUrl})`,
  );
  const rest = new KubeRest(kc);
  const collection = `/apis/pulsarws.io/v1alpha1/namespaces/${NAMESPACE}/pulsarwebsocketgateways`;
  await rest.request('POST', collection, sample);

  let status: { endpoints?: { ws?: string }; readyReplicas?: number } = {};
  for (;;) {
    const gw = await rest.request<{
      status?: typeof status & {
        conditions?: { type: string; status: string; message?: string }[];
      };
    }>('GET', `${collection}/${name}`);
    const ready = gw.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'True') {
      status = gw.status ?? {};
      break;
    }
    progress('local', `waiting for ${name} to be Ready: ${ready?.message ?? 'no status yet'}`);
    await delay(3000);
  }
  const svc = `${name}-gateway`;
  let proxyIp: string | undefined;
  while ((proxyIp = agent.proxy.address(NAMESPACE, svc)) === undefined) await delay(500);
  const ws = `ws://${proxyIp}:8080`;
  const topicPath = 'persistent/public/default/my-topic';
  progress('local', `up in ${secondsSince(t0)}s`);
  process.stdout.write(
    [
      '',
      `PulsarWebSocketGateway ${NAMESPACE}/${name} is Ready (${status.readyReplicas ?? 0} pod).`,
      `  In-cluster URL (status)  ${status.endpoints?.ws ?? ''}`,
      `  From this machine        ${ws}   (the node agent's proxy of Service ${svc})`,
      `  kubeconfig               export KUBECONFIG=${kube.endpoints.kubeconfig}`,
      `  Pulsar                   ${pulsar.endpoints.serviceUrl}  (admin ${pulsar.endpoints.adminUrl})`,
      `  Pods' logs               ${path.join(runDir('local-agent'), 'state', 'pods')}/<ns>_<pod>_<uid>/<container>.log`,
      '',
      'Consumer (leave it running; Node 22+ has WebSocket built in):',
      `  node -e "const ws=new WebSocket('${ws}/ws/v2/consumer/${topicPath}/my-sub');ws.onmessage=e=>{const d=JSON.parse(e.data);console.log(atob(d.payload),d.messageId);ws.send(JSON.stringify({messageId:d.messageId}))}"`,
      'Producer (in another terminal):',
      `  node -e "const ws=new WebSocket('${ws}/ws/v2/producer/${topicPath}');ws.onopen=()=>ws.send(JSON.stringify({payload:btoa('Hello World'),context:'1'}));ws.onmessage=e=>{console.log(e.data);ws.close()}"`,
      '',
      `Try: kubectl scale pulsarwebsocketgateway/${name} --replicas=3, then kubectl get pods -o wide.`,
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
  // Keep the event loop alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
} catch (err) {
  process.stderr.write(`npm run local failed: ${(err as Error).message}\n`);
  await shutdown(1);
}

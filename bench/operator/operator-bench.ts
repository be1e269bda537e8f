/**
 * The operator benchmark (issue 5): on a private control plane (etcd, kube-apiserver,
 * kube-controller-manager), N PulsarWebSocketGateways exist before the operator starts; then
 * the operator runs as its own process (bundled as `npm run build` does, watching all
 * namespaces, as deployed) and we measure
 *
 * - cold-start reconcile time: from spawning the process until EVERY gateway has
 *   `status.observedGeneration == metadata.generation` and its ConfigMap, Service and
 *   Deployment exist with a controller ownerReference to that gateway's uid (checked by listing
 *   them from the API server, not from the operator);
 * - API writes during an idle periodic resync: kube-apiserver's own `apiserver_request_total`
 *   for write verbs (POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION) that succeeded (2xx),
 *   by resource, once nobody has written for a resync period (the cluster settled), between a
 *   snapshot taken once everything is quiet and one taken after the operator's resync has
 *   re-reconciled every gateway (seen as `controller_runtime_reconcile_total` growing by at
 *   least N on the operator's /metrics) and gone quiet again;
 * - the operator's memory: VmRSS and VmHWM (peak RSS) of its process from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  KubeConfig,
  loadYaml,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { KubeControlPlane } from '../../scripts/dev/kube-control-plane.ts';
import { REPO_ROOT, runDir } from '../../scripts/dev/paths.ts';
import { freePort } from '../../scripts/dev/ports.ts';
import { progress } from '../../scripts/dev/progress.ts';
import {
  CRD_API_VERSION,
  CRD_KIND,
  LABEL_KEYS,
  OPERATOR_NAME,
} from '../../src/operator/api/v1alpha1/constants.ts';
import { KubeClient } from '../../src/operator/kube/kube-client.ts';
import { bundleCommands, nodeFlagsOf } from '../../scripts/bundle-commands.ts';

/** Options of {@link runOperatorBench}. */
export interface OperatorBenchOptions {
  /** Number of PulsarWebSocketGateways (default 1000). */
  count?: number;
  /** Spread over this many namespaces (default 10). */
  namespaces?: number;
  /** The operator's `--resync-period`, in seconds (default 30). */
  resyncSeconds?: number;
  /** Give up on the cold-start reconcile after this long, in seconds (default 600). */
  timeoutSeconds?: number;
  /**
   * How long "quiet" lasts: no reconcile started and an empty queue, in ms (default: a fifth of
   * the resync period, at most 5000; quiet must be shorter than the resync period to exist).
   */
  quietMs?: number;
  /**
   * What to run: `bundle` (default) bundles the command as `npm run build` does
   * (scripts/bundle-commands.ts), the file the image runs; `src` runs the TypeScript modules
   * through Node's type stripping, loading every dependency as its own modules from
   * node_modules (as an unbundled install would).
   */
  entry?: 'src' | 'bundle';
  /** Extra Node.js flags of the operator process, e.g. `--max-old-space-size=128`. */
  nodeArgs?: readonly string[];
  /** Extra operator flags, e.g. `--max-concurrent-reconciles=4` to measure the old default. */
  operatorArgs?: readonly string[];
}

/** Writes seen by the API server in a window, by `verb resource[/subresource]`. */
export type WriteCounts = Record<string, number>;

/** What {@link runOperatorBench} measured. */
export interface OperatorBenchResult {
  count: number;
  namespaces: number;
  resyncSeconds: number;
  /** Spawn of the operator → every gateway reconciled (see the module comment), in seconds. */
  coldStartSeconds: number;
  /** Spawn → the operator's /readyz answered 200 (caches synced), in seconds. */
  readySeconds: number;
  /** Reconciles the operator counted until it went quiet after the cold start. */
  coldStartReconciles: number;
  /** Wait after the cold start until nobody wrote for a resync period plus the quiet time, s. */
  settleSeconds: number;
  /** Reconciles during the measured idle resync window (expected ≥ count). */
  resyncReconciles: number;
  /** Length of the idle resync window, in seconds. */
  resyncWindowSeconds: number;
  /** Writes by anyone, except the API server's own lease heartbeats, in the idle window. */
  idleWrites: WriteCounts;
  idleWritesTotal: number;
  /** The API server's lease heartbeats in the same window (not the operator's). */
  leaseWrites: number;
  /** RSS after the idle resync, MiB. */
  rssMiB: number;
  /** Peak RSS of the operator process over the whole run (VmHWM), MiB. */
  peakRssMiB: number;
  /** SIGTERM → exit, in seconds, and the exit code (graceful shutdown). */
  shutdownSeconds: number;
  exitCode: number | null;
}

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'APPLY', 'DELETE', 'DELETECOLLECTION']);

/** Sums successful (2xx) `apiserver_request_total` of write verbs by `VERB resource[/subresource]`. */
export function parseApiserverWrites(metricsText: string): WriteCounts {
  const out: WriteCounts = {};
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const close = line.lastIndexOf('}');
    const labels: Record<string, string> = {};
    for (const m of line.slice(line.indexOf('{') + 1, close).matchAll(/(\w+)="([^"]*)"/g)) {
      labels[m[1] ?? ''] = m[2] ?? '';
    }
    const verb = labels['verb'] ?? '';
    // A rejected request (4xx/5xx) changed nothing; kube-controller-manager retries some
    // failing POSTs (Endpoints) forever on this kubelet-less cluster.
    if (!WRITE_VERBS.has(verb) || !(labels['code'] ?? '').startsWith('2')) continue;
    const sub = labels['subresource'] ?? '';
    const key = `${verb} ${labels['resource'] ?? ''}${sub === '' ? '' : `/${sub}`}`;
    out[key] = (out[key] ?? 0) + Number(line.slice(close + 1).trim());
  }
  return out;
}

/** `after - before`, keeping only the keys that changed. */
export function diffWrites(before: WriteCounts, after: WriteCounts): WriteCounts {
  const out: WriteCounts = {};
  for (const [k, v] of Object.entries(after)) {
    const d = v - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

/** Sum of a Prometheus metric over all its label sets (`name{...} value` and `name value`). */
export function sumMetric(metricsText: string, name: string): number {
  let sum = 0;
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (!rest.startsWith('{') && !rest.startsWith(' ')) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) sum += value;
  }
  return sum;
}

/** VmRSS and VmHWM of `pid`, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const kib = (field: string): number =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

/** Rejects when `signal` aborted (SIGINT of the CLI), so `finally` tears everything down. */
let abortSignal: AbortSignal | undefined;
const sleep = async (ms: number): Promise<void> => {
  await new Promise((r) => setTimeout(r, ms));
  abortSignal?.throwIfAborted();
};

function gatewayCrd(): V1CustomResourceDefinition {
  const file = path.join(REPO_ROOT, 'crds/pulsarwebsocketgateways.pulsarws.io.yaml');
  return loadYaml<V1CustomResourceDefinition>(readFileSync(file, 'utf8'));
}

async function installCrd(kc: KubeConfig): Promise<void> {
  const ext = kc.makeApiClient(ApiextensionsV1Api);
  const crd = gatewayCrd();
  await ext.createCustomResourceDefinition({ body: crd });
  for (;;) {
    const got = await ext.readCustomResourceDefinition({ name: crd.metadata?.name ?? '' });
    if (got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True'))
      return;
    await sleep(200);
  }
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(
  items: readonly T[],
  limit: number,
  fn: (t: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

interface Owned extends KubernetesObject {
  metadata?: KubernetesObject['metadata'];
}

function controllerUid(obj: Owned): string | undefined {
  return obj.metadata?.ownerReferences?.find((r) => r.controller === true)?.uid;
}

/**
 * Resolves once the API server counted no write (other than its own lease heartbeats) for
 * `quietMs`, polled every 2 s.
 */
async function waitNoWrites(
  plane: KubeControlPlane,
  quietMs: number,
  timeoutMs: number,
): Promise<void> {
  const total = async (): Promise<number> => {
    const w = parseApiserverWrites((await plane.get('/metrics')).body);
    return Object.entries(w)
      .filter(([k]) => !k.endsWith(' leases'))
      .reduce((a, [, v]) => a + v, 0);
  };
  const deadline = Date.now() + timeoutMs;
  let last = await total();
  let since = Date.now();
  while (Date.now() - since < quietMs) {
    if (Date.now() > deadline) throw new Error('the cluster never stopped writing');
    await sleep(2000);
    const now = await total();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** How many gateways have `status.observedGeneration == metadata.generation`. */
async function countObserved(client: KubeClient): Promise<number> {
  const gateways = await client.list<
    KubernetesObject & { status?: { observedGeneration?: number } }
  >(CRD_API_VERSION, CRD_KIND);
  return gateways.items.filter(
    (g) =>
      g.status?.observedGeneration !== undefined &&
      g.status.observedGeneration === g.metadata?.generation,
  ).length;
}

/** How many gateways are reconciled in the sense of the module comment. */
async function countReconciled(client: KubeClient): Promise<number> {
  const selector = `${LABEL_KEYS.managedBy}=${OPERATOR_NAME}`;
  const [gateways, deployments, services, configMaps] = await Promise.all([
    client.list<KubernetesObject & { status?: { observedGeneration?: number } }>(
      CRD_API_VERSION,
      CRD_KIND,
    ),
    client.list<Owned>('apps/v1', 'Deployment', undefined, selector),
    client.list<Owned>('v1', 'Service', undefined, selector),
    client.list<Owned>('v1', 'ConfigMap', undefined, selector),
  ]);
  const owners = (items: Owned[]): Set<string> =>
    new Set(items.map(controllerUid).filter((u): u is string => u !== undefined));
  const dep = owners(deployments.items);
  const svc = owners(services.items);
  const cm = owners(configMaps.items);
  let done = 0;
  for (const gw of gateways.items) {
    const uid = gw.metadata?.uid ?? '';
    if (
      gw.status?.observedGeneration !== undefined &&
      gw.status.observedGeneration === gw.metadata?.generation &&
      dep.has(uid) &&
      svc.has(uid) &&
      cm.has(uid)
    )
      done++;
  }
  return done;
}

class OperatorProcess {
  readonly child: ChildProcess;
  readonly metricsUrl: string;
  readonly readyUrl: string;
  peakHwm = 0;
  exit: Promise<number | null>;

  constructor(
    mainFile: string,
    kubeconfig: string,
    metricsPort: number,
    healthPort: number,
    resyncSeconds: number,
    logFile: string,
    nodeArgs: readonly string[] = [],
    operatorArgs: readonly string[] = [],
  ) {
    const log = createWriteStream(logFile);
    const operatorFlags = [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      `--metrics-port=${String(metricsPort)}`,
      `--health-port=${String(healthPort)}`,
      `--resync-period=${String(resyncSeconds)}`,
      '--log-level=warn',
      ...operatorArgs,
    ];
    if (mainFile.endsWith('.js')) {
      // The bundle runs as the image runs it: by its #! line (which adds the operator's V8
      // flags), with the extra Node.js flags in NODE_OPTIONS, and this Node.js first on PATH.
      this.child = spawn(mainFile, operatorFlags, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
          NODE_OPTIONS: nodeArgs.join(' '),
        },
      });
    } else {
      // TypeScript sources: node itself, with the flags the entry's #! line would add.
      this.child = spawn(
        process.execPath,
        [...nodeFlagsOf('pulsar-ws-operator'), ...nodeArgs, mainFile, ...operatorFlags],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
    }
    this.child.stdout?.pipe(log);
    this.child.stderr?.pipe(log);
    this.exit = new Promise((resolve) =>
      this.child.once('exit', (code) => {
        resolve(code);
      }),
    );
    this.metricsUrl = `http://127.0.0.1:${String(metricsPort)}/metrics`;
    this.readyUrl = `http://127.0.0.1:${String(healthPort)}/readyz`;
  }

  sample(): { rss: number; hwm: number } {
    const m = memoryOf(this.child.pid ?? 0);
    this.peakHwm = Math.max(this.peakHwm, m.hwm);
    return m;
  }

  async metrics(): Promise<string> {
    return (await fetch(this.metricsUrl)).text();
  }

  async ready(): Promise<boolean> {
    try {
      return (await fetch(this.readyUrl)).status === 200;
    } catch {
      return false;
    }
  }

  async reconciles(): Promise<number> {
    return sumMetric(await this.metrics(), 'controller_runtime_reconcile_total');
  }

  /** Resolves once no reconcile started and the queue stayed empty for `quietMs`. */
  async waitQuiet(quietMs: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let last = -1;
    let since = Date.now();
    while (Date.now() < deadline) {
      const text = await this.metrics();
      const n = sumMetric(text, 'controller_runtime_reconcile_total');
      const depth = sumMetric(text, 'workqueue_depth');
      const active = sumMetric(text, 'controller_runtime_active_workers');
      if (n !== last || depth > 0 || active > 0) {
        last = n;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) return n;
      this.sample();
      await sleep(250);
    }
    throw new Error('operator did not go quiet in time');
  }
}

/**
 * Bundles the operator as `npm run build` does into `.tmp/bench-operator/dist/bin`, next to a
 * package.json copy two levels up (the operator reads its version from `../../package.json`).
 * Returns the operator's entry file.
 */
async function buildOperator(): Promise<string> {
  const t0 = performance.now();
  const root = path.join(REPO_ROOT, '.tmp/bench-operator');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    version?: string;
  };
  writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({ type: 'module', version: pkg.version ?? '0.0.0' }),
  );
  const files = await bundleCommands(path.join(root, 'dist/bin'));
  const operator = files.find((f) => f.endsWith('/pulsar-ws-operator.js'));
  if (operator === undefined) throw new Error('bundleCommands wrote no pulsar-ws-operator.js');
  progress('bench', `operator bundled in ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  return operator;
}

/**
 * Runs the whole benchmark on a private control plane it starts and destroys.
 * Progress goes to stderr; the result is returned.
 */
export async function runOperatorBench(
  options: OperatorBenchOptions = {},
  signal?: AbortSignal,
): Promise<OperatorBenchResult> {
  abortSignal = signal;
  const count = options.count ?? 1000;
  const nsCount = Math.min(options.namespaces ?? 10, count);
  const resyncSeconds = options.resyncSeconds ?? 30;
  const timeoutMs = (options.timeoutSeconds ?? 600) * 1000;
  const quietMs = options.quietMs ?? Math.min(5000, (resyncSeconds * 1000) / 5);
  const mainFile =
    (options.entry ?? 'bundle') === 'bundle'
      ? await buildOperator()
      : path.join(REPO_ROOT, 'src/operator/main.ts');
  const plane = await KubeControlPlane.start({ name: `bench-operator-${String(process.pid)}` });
  let op: OperatorProcess | undefined;
  try {
    const kc = new KubeConfig();
    kc.loadFromFile(plane.endpoints.kubeconfig);
    const client = new KubeClient({ kubeConfig: kc, fieldManager: 'operator-bench' });
    const core = kc.makeApiClient(CoreV1Api);
    await installCrd(kc);
    // The control plane's Service range is a /24: a second ServiceCIDR (GA in Kubernetes 1.33)
    // gives the 1,000 gateway Services their ClusterIPs.
    await client.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'ServiceCIDR',
      metadata: { name: 'bench-services' },
      spec: { cidrs: ['10.96.0.0/16'] },
    } as KubernetesObject);
    const namespaces = Array.from({ length: nsCount }, (_, i) => `bench-${String(i)}`);
    for (const ns of namespaces) await core.createNamespace({ body: { metadata: { name: ns } } });
    const t0 = performance.now();
    const names = Array.from({ length: count }, (_, i) => i);
    await pool(names, 16, async (i) => {
      await client.create({
        apiVersion: CRD_API_VERSION,
        kind: CRD_KIND,
        metadata: { name: `gw-${String(i)}`, namespace: namespaces[i % nsCount] ?? 'default' },
        spec: { pulsar: { serviceUrl: 'pulsar://broker.pulsar.svc:6650' } },
      });
    });
    progress(
      'bench',
      `${String(count)} gateways in ${String(nsCount)} namespaces created in ${((performance.now() - t0) / 1000).toFixed(1)}s`,
    );

    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    const logFile = path.join(runDir(`bench-operator-${String(process.pid)}-logs`), 'operator.log');
    const spawnAt = performance.now();
    op = new OperatorProcess(
      mainFile,
      plane.endpoints.kubeconfig,
      metricsPort,
      healthPort,
      resyncSeconds,
      logFile,
      options.nodeArgs,
      options.operatorArgs,
    );
    const operator = op;
    progress('bench', `operator started (pid ${String(op.child.pid)}, log ${logFile})`);
    let readySeconds = NaN;
    let reconciled = 0;
    while (reconciled < count) {
      if (performance.now() - spawnAt > timeoutMs)
        throw new Error(
          `only ${String(reconciled)}/${String(count)} reconciled after ${String(timeoutMs / 1000)}s`,
        );
      if (op.child.exitCode !== null)
        throw new Error(`operator exited with ${String(op.child.exitCode)}; see ${logFile}`);
      if (Number.isNaN(readySeconds) && (await op.ready()))
        readySeconds = (performance.now() - spawnAt) / 1000;
      try {
        op.sample();
      } catch {
        /* the process is starting or gone; checked above */
      }
      // Listing 1,000 gateways and their children is work for the API server too: only the
      // gateways are polled (observedGeneration), their children once every gateway has one.
      const observed = await countObserved(client);
      reconciled = observed < count ? observed : await countReconciled(client);
      if (reconciled < count) await sleep(count > 100 ? 2000 : 250);
    }
    const coldStartSeconds = (performance.now() - spawnAt) / 1000;
    progress(
      'bench',
      `all ${String(count)} reconciled ${coldStartSeconds.toFixed(1)}s after spawn`,
    );

    const coldStartReconciles = await op.waitQuiet(quietMs, timeoutMs);
    // Idle means nobody writes: kube-controller-manager keeps updating Deployment status for a
    // while (ReplicaSets, Pods, and 600 s after creation ProgressDeadlineExceeded, as there is
    // no kubelet), and the operator rightly mirrors those changes into the gateways' status.
    const settleStart = performance.now();
    await waitNoWrites(plane, Math.max(quietMs, resyncSeconds * 1000 + quietMs), timeoutMs);
    const settleSeconds = (performance.now() - settleStart) / 1000;
    progress('bench', `cluster settled (no writes) after ${settleSeconds.toFixed(1)}s more`);
    await op.waitQuiet(quietMs, timeoutMs);
    // The measured window: everything quiet → a full periodic resync ran → quiet again.
    const before = parseApiserverWrites((await plane.get('/metrics')).body);
    const windowStart = performance.now();
    const r0 = await op.reconciles();
    const resyncDeadline = Date.now() + resyncSeconds * 1000 * 3 + timeoutMs;
    while ((await operator.reconciles()) - r0 < count) {
      if (Date.now() > resyncDeadline) throw new Error('no full resync observed');
      op.sample();
      await sleep(250);
    }
    const r1 = await op.waitQuiet(quietMs, timeoutMs);
    const after = parseApiserverWrites((await plane.get('/metrics')).body);
    const resyncWindowSeconds = (performance.now() - windowStart) / 1000;
    const all = diffWrites(before, after);
    const idleWrites: WriteCounts = {};
    let leaseWrites = 0;
    for (const [k, v] of Object.entries(all)) {
      if (k.endsWith(' leases')) leaseWrites += v;
      else idleWrites[k] = v;
    }
    const mem = op.sample();
    progress(
      'bench',
      `idle resync: ${String(r1 - r0)} reconciles, writes ${JSON.stringify(idleWrites)}, RSS ${mem.rss.toFixed(1)} MiB`,
    );

    const stopAt = performance.now();
    op.child.kill('SIGTERM');
    const exitCode = await op.exit;
    const shutdownSeconds = (performance.now() - stopAt) / 1000;
    op = undefined;
    return {
      count,
      namespaces: nsCount,
      resyncSeconds,
      coldStartSeconds,
      readySeconds,
      coldStartReconciles,
      settleSeconds,
      resyncReconciles: r1 - r0,
      resyncWindowSeconds,
      idleWrites,
      idleWritesTotal: Object.values(idleWrites).reduce((a, b) => a + b, 0),
      leaseWrites,
      rssMiB: mem.rss,
      peakRssMiB: operator.peakHwm,
      shutdownSeconds,
      exitCode,
    };
  } finally {
    if (op !== undefined) {
      op.child.kill('SIGKILL');
      await op.exit;
    }
    await plane.destroy();
  }
}

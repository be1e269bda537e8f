import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {
  KubeConfig,
  V1ConfigMap,
  V1EndpointSlice,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import type { KeyValues } from './env.ts';
import type { ImageRule } from './image-map.ts';
import { IpAllocator } from './ip-allocator.ts';
import { KubeRest, KubeRestError } from './kube-rest.ts';
import { ListWatch } from './list-watch.ts';
import { PodRunner, type AgentLog } from './pod-runner.ts';
import { ServiceProxy } from './service-proxy.ts';
import { referencedObjects } from './volumes.ts';

/** Error code when the machine cannot give pods a private mount namespace or a pod address. */
export const NO_MOUNT_NS_ERROR_CODE = 'AGENT_ERR_HOST_SETUP';

/** Settings of a {@link NodeAgent}. */
export interface NodeAgentOptions {
  kubeConfig: KubeConfig;
  /** Node name (default `local-node`). */
  nodeName?: string;
  /**
   * Range of pod IPs (default `10.250.1.0/24`). Each pod's address is added to `lo` as a /32
   * while the pod runs: loopback addresses (127/8) would route the same way but the API server
   * refuses them in EndpointSlices, so Services could never reach such pods.
   */
  podCidr?: string;
  /** Loopback range for Service proxy addresses (default `127.0.2.0/24`; never in an API object). */
  serviceCidr?: string;
  /** How images map to local programs. */
  images: readonly ImageRule[];
  /** Directory for pod volumes and container logs (emptied on start). */
  stateDir: string;
  /** Restart backoff in ms; default 1 s doubling to 30 s (shorter than the kubelet's 10 s/300 s, for a fast dev loop). */
  backoff?: { initialMs: number; maxMs: number };
  log?: AgentLog;
}

const LEASE_SECONDS = 40;

/** Default range of pod IPs (added to `lo` one /32 at a time). */
export const DEFAULT_POD_CIDR = '10.250.1.0/24';

/** Adds (or removes) `ip/32` on the loopback interface; an address already in that state is fine. */
function loopbackAddress(op: 'add' | 'del', ip: string): void {
  try {
    execFileSync('ip', ['addr', op, `${ip}/32`, 'dev', 'lo'], { stdio: 'pipe' });
  } catch (err) {
    const text = String((err as { stderr?: Buffer }).stderr ?? '');
    if (op === 'add' && text.includes('File exists')) return;
    if (op === 'del' && text.includes('Cannot assign')) return;
    throw err;
  }
}

/** Pod addresses of `cidr` left on `lo` by an agent that died (`ip -4 -o addr show dev lo`). */
function staleAddresses(allocator: IpAllocator): string[] {
  const out = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'], { encoding: 'utf8' });
  const ips = [...out.matchAll(/inet (\d+\.\d+\.\d+\.\d+)\/32/g)].map((m) => m[1] ?? '');
  return ips.filter((ip) => allocator.contains(ip));
}
const HEARTBEAT_MS = 10_000;

function decodeSecret(s: V1Secret | undefined): KeyValues | undefined {
  if (s === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {}))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

function decodeConfigMap(c: V1ConfigMap | undefined): KeyValues | undefined {
  if (c === undefined) return undefined;
  const out: Record<string, string> = { ...c.data };
  for (const [k, v] of Object.entries(c.binaryData ?? {}))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

function micro(): string {
  return new Date().toISOString().replace(/Z$/, '000Z');
}

/**
 * A development node agent: a kubelet stand-in that runs pods as local processes, for machines
 * with a control plane but no container runtime. It registers a Node and keeps its Lease fresh,
 * binds Pending pods (there is no scheduler), runs each bound pod with {@link PodRunner}, and
 * proxies Services to ready pods with {@link ServiceProxy}. Not part of the product.
 */
export class NodeAgent {
  readonly nodeName: string;
  readonly #o: NodeAgentOptions;
  readonly #rest: KubeRest;
  readonly #log: AgentLog;
  readonly #podIps: IpAllocator;
  readonly #runners = new Map<string, PodRunner>();
  readonly #stopping = new Set<string>();
  readonly #pods: ListWatch<V1Pod>;
  readonly #secrets: ListWatch<V1Secret>;
  readonly #configMaps: ListWatch<V1ConfigMap>;
  readonly #services: ListWatch<V1Service>;
  readonly #slices: ListWatch<V1EndpointSlice>;
  readonly proxy: ServiceProxy;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #binding = new Set<string>();

  constructor(options: NodeAgentOptions) {
    this.#o = options;
    this.nodeName = options.nodeName ?? 'local-node';
    this.#rest = new KubeRest(options.kubeConfig);
    this.#log = options.log ?? (() => undefined);
    this.#podIps = new IpAllocator(options.podCidr ?? DEFAULT_POD_CIDR);
    this.#pods = new ListWatch<V1Pod>(this.#rest, '/api/v1/pods', (type, pod) => {
      this.#onPod(type, pod);
    });
    this.#secrets = new ListWatch<V1Secret>(this.#rest, '/api/v1/secrets', (_t, s) => {
      this.#onVolumeSource('secret', s.metadata?.namespace ?? '', s.metadata?.name ?? '');
    });
    this.#configMaps = new ListWatch<V1ConfigMap>(this.#rest, '/api/v1/configmaps', (_t, c) => {
      this.#onVolumeSource('configMap', c.metadata?.namespace ?? '', c.metadata?.name ?? '');
    });
    this.proxy = new ServiceProxy(
      options.serviceCidr ?? '127.0.2.0/24',
      (ns, svc) =>
        this.#slices
          .list()
          .filter(
            (s) =>
              s.metadata?.namespace === ns &&
              s.metadata.labels?.['kubernetes.io/service-name'] === svc,
          ),
      this.#log,
    );
    this.#services = new ListWatch<V1Service>(this.#rest, '/api/v1/services', (type, svc) => {
      const done =
        type === 'delete'
          ? this.proxy.remove(svc.metadata?.namespace ?? '', svc.metadata?.name ?? '')
          : this.proxy.upsert(svc);
      done.catch((err: unknown) => {
        this.#log('service proxy error', { err: (err as Error).message });
      });
    });
    this.#slices = new ListWatch<V1EndpointSlice>(
      this.#rest,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => undefined,
    );
  }

  /** Checks the machine, registers the Node and starts serving pods and Services. */
  async start(): Promise<void> {
    try {
      execFileSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'pipe' });
    } catch (err) {
      throw Object.assign(
        new Error(
          `cannot create a private mount namespace (unshare --mount; run as root): ${(err as Error).message}`,
        ),
        { code: NO_MOUNT_NS_ERROR_CODE },
      );
    }
    try {
      for (const ip of staleAddresses(this.#podIps)) loopbackAddress('del', ip);
    } catch (err) {
      throw Object.assign(
        new Error(
          `cannot manage addresses on lo (ip addr; run as root): ${(err as Error).message}`,
        ),
        { code: NO_MOUNT_NS_ERROR_CODE },
      );
    }
    rmSync(this.#o.stateDir, { recursive: true, force: true });
    mkdirSync(this.#o.stateDir, { recursive: true });
    await this.#registerNode();
    await this.#heartbeat();
    // Volume sources and endpoints first: a pod start reads them.
    for (const lw of [this.#secrets, this.#configMaps, this.#slices, this.#services]) lw.start();
    await Promise.all([this.#secrets.synced, this.#configMaps.synced, this.#slices.synced]);
    this.#pods.start();
    await Promise.all([this.#pods.synced, this.#services.synced]);
    this.#timer = setInterval(() => {
      void this.#heartbeat();
      void this.#resync();
    }, HEARTBEAT_MS);
    this.#log('node agent started', { node: this.nodeName });
  }

  /** The runner of pod `namespace/name` on this node, if it runs here. */
  runner(namespace: string, name: string): PodRunner | undefined {
    return this.#runners.get(`${namespace}/${name}`);
  }

  /** Every pod running here: `namespace/name` → runner. */
  runners(): Map<string, PodRunner> {
    return new Map(this.#runners);
  }

  async #registerNode(): Promise<void> {
    const cpus = String(os.cpus().length);
    const memKi = `${Math.floor(os.totalmem() / 1024)}Ki`;
    const node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeName,
        labels: {
          'kubernetes.io/hostname': this.nodeName,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': os.arch() === 'x64' ? 'amd64' : os.arch(),
          'node.pulsarws.io/local-agent': 'true',
        },
      },
      spec: {},
    };
    try {
      await this.#rest.request('POST', '/api/v1/nodes', node);
    } catch (err) {
      if (!(err instanceof KubeRestError) || err.status !== 409) throw err;
    }
    const capacity = { cpu: cpus, memory: memKi, pods: '110', 'ephemeral-storage': '100Gi' };
    const status = {
      capacity,
      allocatable: capacity,
      addresses: [
        { type: 'InternalIP', address: '127.0.0.1' },
        { type: 'Hostname', address: this.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 0 } },
      nodeInfo: {
        machineID: 'local',
        systemUUID: 'local',
        bootID: 'local',
        kernelVersion: os.release(),
        osImage: os.version(),
        containerRuntimeVersion: 'local-process://1',
        kubeletVersion: 'v1.33.0-pwo-node-agent',
        kubeProxyVersion: 'v1.33.0-pwo-node-agent',
        operatingSystem: 'linux',
        architecture: os.arch() === 'x64' ? 'amd64' : os.arch(),
      },
    };
    await this.#rest.mergePatch(`/api/v1/nodes/${this.nodeName}/status`, { status });
  }

  /** Renews the node Lease and the Ready condition. */
  async #heartbeat(): Promise<void> {
    const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const conditions = [
      ['Ready', 'True', 'KubeletReady', 'local node agent is posting ready status'],
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory', ''],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure', ''],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID', ''],
    ].map(([type, status, reason, message]) => ({
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: ts,
      lastTransitionTime: ts,
    }));
    const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${this.nodeName}`;
    try {
      await this.#rest.mergePatch(`/api/v1/nodes/${this.nodeName}/status`, {
        status: { conditions },
      });
      try {
        await this.#rest.mergePatch(leasePath, { spec: { renewTime: micro() } });
      } catch (err) {
        if (!(err instanceof KubeRestError) || err.status !== 404) throw err;
        await this.#rest.request(
          'POST',
          '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
          {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.nodeName, namespace: 'kube-node-lease' },
            spec: {
              holderIdentity: this.nodeName,
              leaseDurationSeconds: LEASE_SECONDS,
              renewTime: micro(),
            },
          },
        );
      }
    } catch (err) {
      this.#log('heartbeat failed', { err: (err as Error).message });
    }
  }

  async #resync(): Promise<void> {
    for (const r of this.#runners.values()) {
      r.syncStatus();
      // Projected service-account tokens are refreshed here before they expire.
      await r.refreshVolumes().catch(() => undefined);
    }
  }

  #onPod(type: 'upsert' | 'delete', pod: V1Pod): void {
    if (this.#closed) return;
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    if (type === 'delete') {
      const r = this.#runners.get(key);
      if (r !== undefined && r.uid === pod.metadata?.uid) void this.#stopPod(key, r, 0, false);
      return;
    }
    const nodeName = pod.spec?.nodeName;
    if (
      (nodeName === undefined || nodeName === '') &&
      pod.metadata?.deletionTimestamp === undefined
    ) {
      void this.#bind(pod);
      return;
    }
    if (nodeName !== this.nodeName) return;
    const runner = this.#runners.get(key);
    if (pod.metadata?.deletionTimestamp !== undefined) {
      this.#onDeleting(key, pod, runner);
      return;
    }
    if (runner !== undefined) {
      if (runner.uid === pod.metadata?.uid) runner.update(pod);
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (this.#stopping.has(key)) return;
    this.#admit(key, pod);
  }

  /** A pod of this node being deleted: stop it with its grace period, then remove it. */
  #onDeleting(key: string, pod: V1Pod, runner: PodRunner | undefined): void {
    const grace =
      pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
    if (runner !== undefined) void this.#stopPod(key, runner, grace, true);
    else if (!this.#stopping.has(key)) void this.#forceDelete(pod);
  }

  /** Starts running a pod bound to this node: its address on lo, its directory, its runner. */
  #admit(key: string, pod: V1Pod): void {
    const uid = pod.metadata?.uid ?? key;
    const podDir = path.join(
      this.#o.stateDir,
      'pods',
      `${pod.metadata?.namespace}_${pod.metadata?.name}_${uid}`,
    );
    mkdirSync(podDir, { recursive: true });
    const server = this.#rest.server;
    const podIP = this.#podIps.allocate(uid);
    try {
      loopbackAddress('add', podIP);
    } catch (err) {
      this.#log('pod address setup failed', { pod: key, podIP, err: (err as Error).message });
      this.#podIps.release(uid);
      return;
    }
    const r = new PodRunner(pod, {
      rest: this.#rest,
      nodeName: this.nodeName,
      hostIP: '127.0.0.1',
      podIP,
      podDir,
      rules: this.#o.images,
      apiServer: { host: server.hostname, port: Number(server.port === '' ? 443 : server.port) },
      secret: (ns, name) => decodeSecret(this.#secrets.get(`${ns}/${name}`)),
      configMap: (ns, name) => decodeConfigMap(this.#configMaps.get(`${ns}/${name}`)),
      log: this.#log,
      backoff: this.#o.backoff ?? { initialMs: 1000, maxMs: 30_000 },
    });
    this.#runners.set(key, r);
    this.#log('pod admitted', { pod: key, podIP: r.podIP });
    void r.start();
  }

  async #bind(pod: V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    if (this.#binding.has(uid)) return;
    this.#binding.add(uid);
    const { namespace, name } = pod.metadata ?? {};
    try {
      await this.#rest.request('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name, namespace, uid },
        target: { apiVersion: 'v1', kind: 'Node', name: this.nodeName },
      });
      this.#log('pod bound', { pod: `${namespace}/${name}`, node: this.nodeName });
    } catch (err) {
      // 409: already bound (by us, through an earlier event); 404: already deleted.
      if (!(err instanceof KubeRestError) || (err.status !== 409 && err.status !== 404)) {
        this.#log('pod binding failed', {
          pod: `${namespace}/${name}`,
          err: (err as Error).message,
        });
        this.#binding.delete(uid);
      }
    }
  }

  /**
   * Stops a pod's processes with `graceSeconds`, then (when the pod still exists) removes it
   * with grace period 0, as the kubelet confirms a graceful deletion.
   */
  async #stopPod(
    key: string,
    r: PodRunner,
    graceSeconds: number,
    deleteObject: boolean,
  ): Promise<void> {
    if (this.#stopping.has(key)) return;
    this.#stopping.add(key);
    this.#log('pod stopping', { pod: key, graceSeconds });
    try {
      await r.terminate(graceSeconds);
      this.#log('pod stopped', { pod: key });
      if (deleteObject) await this.#forceDelete(r.pod);
    } finally {
      if (this.#runners.get(key) === r) this.#runners.delete(key);
      this.#releaseAddress(r.uid, r.podIP);
      this.#stopping.delete(key);
    }
  }

  #releaseAddress(uid: string, ip: string): void {
    this.#podIps.release(uid);
    try {
      loopbackAddress('del', ip);
    } catch (err) {
      this.#log('pod address removal failed', { ip, err: (err as Error).message });
    }
  }

  async #forceDelete(pod: V1Pod): Promise<void> {
    const { namespace, name, uid } = pod.metadata ?? {};
    try {
      await this.#rest.request('DELETE', `/api/v1/namespaces/${namespace}/pods/${name}`, {
        apiVersion: 'v1',
        kind: 'DeleteOptions',
        gracePeriodSeconds: 0,
        preconditions: { uid },
      });
    } catch (err) {
      if (!(err instanceof KubeRestError) || (err.status !== 404 && err.status !== 409)) {
        this.#log('pod delete failed', {
          pod: `${namespace}/${name}`,
          err: (err as Error).message,
        });
      }
    }
  }

  #onVolumeSource(kind: 'secret' | 'configMap', namespace: string, name: string): void {
    for (const r of this.#runners.values()) {
      if (r.namespace !== namespace) continue;
      const refs = referencedObjects(r.pod);
      if (!(kind === 'secret' ? refs.secrets : refs.configMaps).has(name)) continue;
      r.refreshVolumes().catch((err: unknown) => {
        this.#log('volume refresh failed', {
          pod: `${namespace}/${r.name}`,
          err: (err as Error).message,
        });
      });
    }
  }

  /**
   * Stops serving: every pod process gets SIGTERM (then SIGKILL after `graceSeconds`), the
   * Service listeners close, and the watches end. Pod objects are left as they are.
   */
  async stop(graceSeconds = 5): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    await Promise.all([...this.#runners.values()].map((r) => r.terminate(graceSeconds)));
    for (const r of this.#runners.values()) this.#releaseAddress(r.uid, r.podIP);
    this.#runners.clear();
    await this.proxy.close();
    await Promise.all(
      [this.#pods, this.#secrets, this.#configMaps, this.#services, this.#slices].map((lw) =>
        lw.stop(),
      ),
    );
  }
}

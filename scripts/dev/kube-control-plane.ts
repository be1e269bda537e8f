import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { ManagedProcess } from './managed-process.ts';
import { runScript } from './run-script.ts';
import { freePort, type PortChooser } from './ports.ts';
import { retryOnBindFailure } from './port-retry.ts';
import { listensOn } from './port-owner.ts';
import { progress, secondsSince } from './progress.ts';
import { waitFor } from './wait.ts';
import { REPO_ROOT, runDir } from './paths.ts';

/** What tests and tools need to talk to the local control plane. */
export interface KubeEndpoints {
  /** `https://127.0.0.1:<port>`. */
  server: string;
  /** Absolute path of an admin kubeconfig (credentials embedded; `system:masters`). */
  kubeconfig: string;
}

/** Builds etcd, kube-apiserver and KCM on first use (cached by version); returns the bin dir. */
export async function ensureKubeBinaries(): Promise<string> {
  const t0 = performance.now();
  const dir = await runScript(path.join(REPO_ROOT, 'scripts/build-k8s.sh'));
  progress('kube', `dependencies ready in ${dir} (${secondsSince(t0)}s)`);
  return dir;
}

/**
 * The `kubectl` matching the control plane's minor version. Google's kubectl
 * package installs a dispatcher plus versioned binaries; calling the 1.33 one
 * directly avoids the dispatcher's guesswork.
 */
export function kubectlPath(): string {
  for (const p of ['/usr/bin/kubectl.1.33', '/usr/local/bin/kubectl.1.33'])
    if (existsSync(p)) return p;
  return 'kubectl';
}

function openssl(cwd: string, args: string[]): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Writes a CA, the API server's serving certificate, an admin client
 * certificate (group system:masters) and the service-account signing key.
 * One CA signs both serving and client certificates: this is a local test
 * cluster, and it keeps the kubeconfig to one CA.
 */
function writePki(dir: string): void {
  const ext = (name: string, body: string): string => {
    writeFileSync(path.join(dir, name), body);
    return name;
  };
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '30',
    '-subj',
    '/CN=pwo-local-ca',
  ]);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'apiserver.key',
    '-out',
    'apiserver.csr',
    '-subj',
    '/CN=kube-apiserver',
  ]);
  const srv = ext(
    'srv.ext',
    'subjectAltName=DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,IP:127.0.0.1,IP:10.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-out',
    'apiserver.crt',
    '-extfile',
    srv,
  ]);
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'admin.key',
    '-out',
    'admin.csr',
    '-subj',
    '/O=system:masters/CN=admin',
  ]);
  const cli = ext(
    'cli.ext',
    'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  );
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    'admin.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '30',
    '-out',
    'admin.crt',
    '-extfile',
    cli,
  ]);
  openssl(dir, [
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    'sa.key',
  ]);
  openssl(dir, ['pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function b64(file: string): string {
  return readFileSync(file).toString('base64');
}

/** Options of {@link KubeControlPlane.start}. */
export interface KubeControlPlaneOptions {
  /** Directory name under the run dir; several control planes can run side by side. Default `kube`. */
  name?: string;
  /**
   * An audit policy (YAML text): kube-apiserver then writes JSON audit events to
   * {@link KubeControlPlane.auditLogPath}. Off by default.
   */
  auditPolicy?: string;
  /** Extra kube-apiserver flags, e.g. `--enable-admission-plugins=...`. */
  apiServerArgs?: string[];
  /** Where ports come from; default {@link freePort}. Tests inject a taken port here. */
  portChooser?: PortChooser;
  /** Start attempts per component when its port was taken meanwhile; default 3. */
  startAttempts?: number;
}

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (client
 * certificate auth, RBAC) and kube-controller-manager (Deployments get
 * ReplicaSets and Pods, garbage collection, namespace deletion, service
 * accounts). There is no kubelet or scheduler: Pods stay Pending.
 *
 * Each component starts on ports chosen just before; when its log shows another process
 * took one in between, that component alone is started again on new ports (etcd before
 * anything points at it; kube-apiserver before the kubeconfig is handed out).
 */
export class KubeControlPlane {
  readonly #kubeconfig: string;
  readonly #dir: string;
  readonly #pki: string;
  readonly #etcd: ManagedProcess;
  readonly #apiserver: ManagedProcess;
  readonly #kcm: ManagedProcess;
  readonly #bin: string;
  readonly #etcdData: string;
  readonly #opts: KubeControlPlaneOptions;
  readonly #choosePort: PortChooser;
  // Set by the start attempts that succeed; restartApiServer reuses them (same port).
  #server = '';
  #apiPort = 0;
  #apiArgs: string[] = [];

  private constructor(
    dir: string,
    bin: string,
    procs: { etcd: ManagedProcess; apiserver: ManagedProcess; kcm: ManagedProcess },
    etcdData: string,
    opts: KubeControlPlaneOptions,
  ) {
    this.#dir = dir;
    this.#pki = path.join(dir, 'pki');
    this.#kubeconfig = path.join(dir, 'kubeconfig');
    this.#bin = bin;
    this.#etcd = procs.etcd;
    this.#apiserver = procs.apiserver;
    this.#kcm = procs.kcm;
    this.#etcdData = etcdData;
    this.#opts = opts;
    this.#choosePort = opts.portChooser ?? freePort;
  }

  /** Where the API server listens and the admin kubeconfig; valid once `start` returned. */
  get endpoints(): KubeEndpoints {
    return { server: this.#server, kubeconfig: this.#kubeconfig };
  }

  /**
   * Starts etcd, kube-apiserver and kube-controller-manager and waits until the controller
   * manager has created the default service account. On failure nothing is left running.
   */
  static async start(opts: KubeControlPlaneOptions = {}): Promise<KubeControlPlane> {
    const bin = await ensureKubeBinaries();
    const t0 = performance.now();
    const name = opts.name ?? 'kube';
    const dir = runDir(name, { fresh: true });
    writePki(runDir(`${name}/pki`));
    const pids = runDir('pids');
    const proc = (n: string): ManagedProcess =>
      new ManagedProcess(
        `${name}-${n}`,
        path.join(dir, `${n}.log`),
        path.join(pids, `${name}-${n}.pid`),
      );
    // etcd's data is disposable; tmpfs makes its fsyncs free.
    const etcdData = existsSync('/dev/shm')
      ? path.join('/dev/shm', `pwo-${name}-etcd-${process.pid}`)
      : path.join(dir, 'etcd');
    const plane = new KubeControlPlane(
      dir,
      bin,
      { etcd: proc('etcd'), apiserver: proc('apiserver'), kcm: proc('kcm') },
      etcdData,
      opts,
    );
    try {
      const etcdUrl = await plane.#startEtcd();
      await plane.#startApiServerOnNewPort(etcdUrl);
      await plane.#startControllerManager();
    } catch (err) {
      await plane.stop();
      rmSync(etcdData, { recursive: true, force: true });
      throw err;
    }
    progress(
      'kube',
      `control plane ready in ${secondsSince(t0)}s: ${plane.#server} (kubeconfig ${plane.#kubeconfig})`,
    );
    return plane;
  }

  /** Starts etcd on new client and peer ports (retried on a port race); returns its URL. */
  #startEtcd(): Promise<string> {
    const etcd = this.#etcd;
    return retryOnBindFailure({
      component: 'kube',
      what: 'etcd',
      attempts: this.#opts.startAttempts,
      logOfAttempt: () => etcd.logOfThisStart(),
      attempt: async () => {
        const [port, peer] = [await this.#choosePort(), await this.#choosePort()];
        const etcdUrl = `http://127.0.0.1:${port}`;
        // A failed attempt may have written a member with the old peer URL.
        rmSync(this.#etcdData, { recursive: true, force: true });
        progress('kube', 'starting etcd');
        await etcd.start(path.join(this.#bin, 'etcd'), [
          `--data-dir=${this.#etcdData}`,
          `--listen-client-urls=${etcdUrl}`,
          `--advertise-client-urls=${etcdUrl}`,
          `--listen-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
          `--initial-cluster=default=http://127.0.0.1:${peer}`,
          '--unsafe-no-fsync=true',
          '--logger=zap',
          '--log-level=warn',
        ]);
        // Bounded probe: a process that took the port may accept and never answer. Ready only
        // when etcd itself holds both ports (./port-owner.ts says why).
        const ready = async (): Promise<boolean> =>
          (await fetch(`${etcdUrl}/health`, { signal: AbortSignal.timeout(5000) })).ok &&
          listensOn(etcd.pid, [port, peer]);
        await waitFor('etcd', ready, {
          timeoutMs: 30_000,
          isAlive: () => etcd.alive,
        }).catch(async (err: unknown) => {
          const withTail = withLog(err, etcd);
          await etcd.stop(2000);
          throw withTail;
        });
        return etcdUrl;
      },
    });
  }

  /**
   * Starts kube-apiserver on a new port (retried on a port race) and writes the kubeconfig
   * that points at it.
   */
  #startApiServerOnNewPort(etcdUrl: string): Promise<void> {
    const pki = this.#pki;
    return retryOnBindFailure({
      component: 'kube',
      what: 'kube-apiserver',
      attempts: this.#opts.startAttempts,
      logOfAttempt: () => this.#apiserver.logOfThisStart(),
      attempt: async () => {
        const apiPort = await this.#choosePort();
        this.#apiPort = apiPort;
        this.#server = `https://127.0.0.1:${apiPort}`;
        this.#writeKubeconfig();
        this.#apiArgs = [
          `--etcd-servers=${etcdUrl}`,
          `--secure-port=${apiPort}`,
          '--bind-address=127.0.0.1',
          '--advertise-address=127.0.0.1',
          `--tls-cert-file=${path.join(pki, 'apiserver.crt')}`,
          `--tls-private-key-file=${path.join(pki, 'apiserver.key')}`,
          `--client-ca-file=${path.join(pki, 'ca.crt')}`,
          '--service-cluster-ip-range=10.0.0.0/24',
          '--allow-privileged=true',
          '--authorization-mode=RBAC',
          '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
          `--service-account-key-file=${path.join(pki, 'sa.pub')}`,
          `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
          `--cert-dir=${path.join(this.#dir, 'apiserver-certs')}`,
          '--enable-priority-and-fairness=false',
          '--event-ttl=1h',
          '--v=1',
          ...(this.#opts.apiServerArgs ?? []),
        ];
        if (this.#opts.auditPolicy !== undefined) {
          const policy = path.join(this.#dir, 'audit-policy.yaml');
          writeFileSync(policy, this.#opts.auditPolicy);
          this.#apiArgs.push(
            `--audit-policy-file=${policy}`,
            `--audit-log-path=${this.auditLogPath}`,
            '--audit-log-format=json',
            '--audit-log-mode=blocking',
          );
        }
        try {
          await this.#startApiServer();
        } catch (err) {
          await this.#apiserver.stop(2000);
          throw err;
        }
      },
    });
  }

  #writeKubeconfig(): void {
    const pki = this.#pki;
    writeFileSync(
      this.#kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: local`,
        `  cluster: {server: "${this.#server}", certificate-authority-data: ${b64(path.join(pki, 'ca.crt'))}}`,
        'users:',
        '- name: admin',
        `  user: {client-certificate-data: ${b64(path.join(pki, 'admin.crt'))}, client-key-data: ${b64(path.join(pki, 'admin.key'))}}`,
        'contexts:',
        '- name: local',
        '  context: {cluster: local, user: admin, namespace: default}',
        'current-context: local',
        '',
      ].join('\n'),
    );
  }

  /** Starts kube-controller-manager on a new port (retried on a port race). */
  #startControllerManager(): Promise<void> {
    const kcm = this.#kcm;
    const pki = this.#pki;
    const kubeconfig = this.#kubeconfig;
    return retryOnBindFailure({
      component: 'kube',
      what: 'kube-controller-manager',
      attempts: this.#opts.startAttempts,
      logOfAttempt: () => kcm.logOfThisStart(),
      attempt: async () => {
        const kcmPort = await this.#choosePort();
        progress('kube', 'starting kube-controller-manager');
        await kcm.start(path.join(this.#bin, 'kube-controller-manager'), [
          `--kubeconfig=${kubeconfig}`,
          `--authentication-kubeconfig=${kubeconfig}`,
          `--authorization-kubeconfig=${kubeconfig}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          `--secure-port=${kcmPort}`,
          `--service-account-private-key-file=${path.join(pki, 'sa.key')}`,
          `--root-ca-file=${path.join(pki, 'ca.crt')}`,
          `--cluster-signing-cert-file=${path.join(pki, 'ca.crt')}`,
          `--cluster-signing-key-file=${path.join(pki, 'ca.key')}`,
          '--use-service-account-credentials=false',
          '--v=1',
        ]);
        await waitFor(
          'kube-controller-manager',
          async () =>
            (await this.get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
          {
            timeoutMs: 60_000,
            intervalMs: 300,
            isAlive: () => kcm.alive,
          },
        ).catch(async (err: unknown) => {
          const withTail = withLog(err, kcm);
          await kcm.stop(2000);
          throw withTail;
        });
      },
    });
  }

  /**
   * Starts kube-apiserver with the current arguments and waits for /readyz. No port retry
   * here: a restart must keep the port its clients know, and the port, outside the ephemeral
   * range, is taken meanwhile only by another run's chooser picking this very one.
   */
  async #startApiServer(): Promise<void> {
    const t0 = performance.now();
    progress('kube', 'starting kube-apiserver');
    await this.#apiserver.start(path.join(this.#bin, 'kube-apiserver'), this.#apiArgs);
    const ready = async (): Promise<boolean> =>
      (await this.get('/readyz')).status === 200 && listensOn(this.#apiserver.pid, [this.#apiPort]);
    await waitFor('kube-apiserver', ready, {
      timeoutMs: 90_000,
      intervalMs: 300,
      isAlive: () => this.#apiserver.alive,
    }).catch((err: unknown) => {
      throw withLog(err, this.#apiserver);
    });
    progress('kube', `kube-apiserver ready in ${secondsSince(t0)}s`);
  }

  /** The JSON audit log (one event per line) when started with `auditPolicy`. */
  get auditLogPath(): string {
    return path.join(this.#dir, 'audit.log');
  }

  /** Stops and starts kube-apiserver on the same port (etcd keeps the data). */
  async restartApiServer(downMs = 0): Promise<void> {
    await this.#apiserver.stop(10_000);
    if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
    await this.#startApiServer();
  }

  /** A GET against the API server as admin; for readiness probes and tests. */
  get(apiPath: string): Promise<{ status: number; body: string }> {
    const pki = this.#pki;
    const url = new URL(apiPath, this.#server);
    return new Promise((resolve, reject) => {
      const req = https.get(
        url,
        {
          ca: readFileSync(path.join(pki, 'ca.crt')),
          cert: readFileSync(path.join(pki, 'admin.crt')),
          key: readFileSync(path.join(pki, 'admin.key')),
          timeout: 5000,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => {
            resolve({ status: res.statusCode ?? 0, body });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }

  /** Stops KCM, kube-apiserver and etcd, in that order. */
  async stop(): Promise<void> {
    await this.#kcm.stop(5000);
    await this.#apiserver.stop(10_000);
    await this.#etcd.stop(5000);
  }

  /** Stops everything and deletes etcd's data, certificates and logs. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.#etcdData, { recursive: true, force: true });
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

function withLog(err: unknown, proc: ManagedProcess): Error {
  return new Error(`${(err as Error).message}\n--- ${proc.name} log tail ---\n${proc.tail()}`, {
    cause: err,
  });
}

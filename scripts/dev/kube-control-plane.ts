import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { ManagedProcess } from './managed-process.ts';
import { runScript } from './run-script.ts';
import { freePort } from './ports.ts';
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

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver (client
 * certificate auth, RBAC) and kube-controller-manager (Deployments get
 * ReplicaSets and Pods, garbage collection, namespace deletion, service
 * accounts). There is no kubelet or scheduler: Pods stay Pending.
 */
export class KubeControlPlane {
  readonly endpoints: KubeEndpoints;
  readonly #dir: string;
  readonly #etcd: ManagedProcess;
  readonly #apiserver: ManagedProcess;
  readonly #kcm: ManagedProcess;
  readonly #apiArgs: string[];
  readonly #bin: string;
  readonly #etcdData: string;

  private constructor(
    endpoints: KubeEndpoints,
    dir: string,
    bin: string,
    procs: { etcd: ManagedProcess; apiserver: ManagedProcess; kcm: ManagedProcess },
    apiArgs: string[],
    etcdData: string,
  ) {
    this.#etcdData = etcdData;
    this.endpoints = endpoints;
    this.#dir = dir;
    this.#bin = bin;
    this.#etcd = procs.etcd;
    this.#apiserver = procs.apiserver;
    this.#kcm = procs.kcm;
    this.#apiArgs = apiArgs;
  }

  static async start(
    opts: {
      name?: string;
      /**
       * An audit policy (YAML text): kube-apiserver then writes JSON audit events to
       * {@link KubeControlPlane.auditLogPath}. Off by default.
       */
      auditPolicy?: string;
      /** Extra kube-apiserver flags, e.g. `--enable-admission-plugins=...`. */
      apiServerArgs?: string[];
    } = {},
  ): Promise<KubeControlPlane> {
    const bin = await ensureKubeBinaries();
    const t0 = performance.now();
    const name = opts.name ?? 'kube';
    const dir = runDir(name, { fresh: true });
    const pki = runDir(`${name}/pki`);
    writePki(pki);
    const [etcdPort, etcdPeer, apiPort, kcmPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const server = `https://127.0.0.1:${apiPort}`;
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: local`,
        `  cluster: {server: "${server}", certificate-authority-data: ${b64(path.join(pki, 'ca.crt'))}}`,
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
    const pids = runDir('pids');
    const proc = (n: string): ManagedProcess =>
      new ManagedProcess(
        `${name}-${n}`,
        path.join(dir, `${n}.log`),
        path.join(pids, `${name}-${n}.pid`),
      );
    const etcd = proc('etcd');
    const apiserver = proc('apiserver');
    const kcm = proc('kcm');
    // etcd's data is disposable; tmpfs makes its fsyncs free.
    const etcdData = existsSync('/dev/shm')
      ? path.join('/dev/shm', `pwo-${name}-etcd-${process.pid}`)
      : path.join(dir, 'etcd');
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    progress('kube', 'starting etcd');
    await etcd.start(path.join(bin, 'etcd'), [
      `--data-dir=${etcdData}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync=true',
      '--logger=zap',
      '--log-level=warn',
    ]);
    await waitFor('etcd', async () => (await fetch(`${etcdUrl}/health`)).ok, {
      timeoutMs: 30_000,
      isAlive: () => etcd.alive,
    }).catch((err: unknown) => {
      throw withLog(err, etcd);
    });
    const apiArgs = [
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
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      '--enable-priority-and-fairness=false',
      '--event-ttl=1h',
      '--v=1',
      ...(opts.apiServerArgs ?? []),
    ];
    if (opts.auditPolicy !== undefined) {
      const policy = path.join(dir, 'audit-policy.yaml');
      writeFileSync(policy, opts.auditPolicy);
      apiArgs.push(
        `--audit-policy-file=${policy}`,
        `--audit-log-path=${path.join(dir, 'audit.log')}`,
        '--audit-log-format=json',
        '--audit-log-mode=blocking',
      );
    }
    const plane = new KubeControlPlane(
      { server, kubeconfig },
      dir,
      bin,
      { etcd, apiserver, kcm },
      apiArgs,
      etcdData,
    );
    await plane.#startApiServer();
    progress('kube', 'starting kube-controller-manager');
    await kcm.start(path.join(bin, 'kube-controller-manager'), [
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
        (await plane.get('/api/v1/namespaces/default/serviceaccounts/default')).status === 200,
      {
        timeoutMs: 60_000,
        intervalMs: 300,
        isAlive: () => kcm.alive,
      },
    ).catch((err: unknown) => {
      throw withLog(err, kcm);
    });
    progress(
      'kube',
      `control plane ready in ${secondsSince(t0)}s: ${server} (kubeconfig ${kubeconfig})`,
    );
    return plane;
  }

  async #startApiServer(): Promise<void> {
    const t0 = performance.now();
    progress('kube', 'starting kube-apiserver');
    await this.#apiserver.start(path.join(this.#bin, 'kube-apiserver'), this.#apiArgs);
    await waitFor('kube-apiserver', async () => (await this.get('/readyz')).status === 200, {
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
    const pki = path.join(this.#dir, 'pki');
    const url = new URL(apiPath, this.endpoints.server);
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

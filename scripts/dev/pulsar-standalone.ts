import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from './managed-process.ts';
import { runScript } from './run-script.ts';
import { freePort, type PortChooser } from './ports.ts';
import { retryOnBindFailure } from './port-retry.ts';
import { listensOn } from './port-owner.ts';
import { progress, secondsSince } from './progress.ts';
import { waitFor } from './wait.ts';
import { REPO_ROOT, runDir } from './paths.ts';

/** Addresses of a running Pulsar standalone. */
export interface PulsarEndpoints {
  /** Binary protocol URL, e.g. `pulsar://127.0.0.1:41234`. */
  serviceUrl: string;
  /** TLS binary protocol URL, e.g. `pulsar+ssl://127.0.0.1:41236`; only with the `tls` option. */
  serviceUrlTls?: string;
  /** Admin REST base URL, e.g. `http://127.0.0.1:41235`. */
  adminUrl: string;
  /** Base URL of the WebSocket proxy embedded in the broker (the reference implementation), e.g. `ws://127.0.0.1:41235`. */
  wsUrl: string;
}

export interface PulsarStandaloneOptions {
  /** Directory name under the run dir; several brokers can run side by side. Default `pulsar`. */
  name?: string;
  /** Extra or overriding `standalone.conf` keys (for example authentication settings). */
  config?: Record<string, string>;
  /**
   * Opens `brokerServicePortTls` on a free port with these PEM files (the key in PKCS#8) and
   * exposes it as `endpoints.serviceUrlTls`. Default: no TLS port.
   */
  tls?: { certificateFilePath: string; keyFilePath: string; trustCertsFilePath: string };
  /** JVM max heap, default `768m`. */
  heap?: string;
  /** Readiness timeout in ms, default 180 000. */
  startTimeoutMs?: number;
  /** Where ports come from; default {@link freePort}. Tests inject a taken port here. */
  portChooser?: PortChooser;
  /** Start attempts when a port was taken between choice and bind; default 3. */
  startAttempts?: number;
}

/** The JVM flags Pulsar's own launcher passes on Java 17 (bin/pulsar). */
export const ADD_OPENS = [
  'java.base/java.io',
  'java.base/java.util.zip',
  'java.management/sun.management',
  'jdk.management/com.sun.management.internal',
  'java.base/java.nio',
  'java.base/jdk.internal.misc',
  'java.base/jdk.internal.platform',
  'java.base/java.lang',
  'java.base/sun.nio.ch',
].flatMap((m) => ['--add-opens', `${m}=ALL-UNNAMED`]);

/**
 * Resolves the Pulsar jars from Maven Central on first use (scripts/fetch-pulsar.sh,
 * cached by version) and returns the cache directory.
 */
export async function ensurePulsarArtifacts(): Promise<string> {
  const t0 = performance.now();
  const dir = await runScript(path.join(REPO_ROOT, 'scripts/fetch-pulsar.sh'));
  progress('pulsar', `dependencies ready in ${dir} (${secondsSince(t0)}s)`);
  return dir;
}

/** Reads a classpath file written by fetch-pulsar.sh. */
export function readClasspath(cacheDir: string, file = 'classpath.txt'): string {
  return readFileSync(path.join(cacheDir, file), 'utf8').trim();
}

/**
 * A Pulsar standalone broker (metadata in RocksDB, one in-process bookie,
 * no functions worker, no stream storage) with its embedded WebSocket proxy,
 * on free loopback ports. `restart()` keeps ports and data, so tests can
 * restart the broker under connected clients.
 */
export class PulsarStandalone {
  readonly endpoints: PulsarEndpoints;
  readonly dataDir: string;
  readonly #proc: ManagedProcess;
  readonly #args: string[];
  readonly #timeoutMs: number;
  // Every port the JVM listens on: broker, web, bookie (and TLS).
  readonly #ports: number[];

  private constructor(
    endpoints: PulsarEndpoints,
    dataDir: string,
    proc: ManagedProcess,
    args: string[],
    timeoutMs: number,
    ports: number[],
  ) {
    this.#ports = ports;
    this.endpoints = endpoints;
    this.dataDir = dataDir;
    this.#proc = proc;
    this.#args = args;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Starts a broker and waits until `public/default` exists. When its log shows that one of
   * its ports was taken between our choice and its bind, it starts again on new ports with
   * fresh data (up to `startAttempts` times).
   */
  static async start(opts: PulsarStandaloneOptions = {}): Promise<PulsarStandalone> {
    const cacheDir = await ensurePulsarArtifacts();
    const name = opts.name ?? 'pulsar';
    const dataDir = runDir(name, { fresh: true });
    const choosePort = opts.portChooser ?? freePort;
    const log4j = path.join(dataDir, 'log4j2.properties');
    writeFileSync(
      log4j,
      [
        'rootLogger.level = info',
        'rootLogger.appenderRef.console.ref = console',
        'appender.console.type = Console',
        'appender.console.name = console',
        'appender.console.layout.type = PatternLayout',
        'appender.console.layout.pattern = %d{HH:mm:ss.SSS} %-5level %c{1.} - %msg%n',
      ].join('\n') + '\n',
    );
    const proc = new ManagedProcess(
      name,
      path.join(dataDir, 'broker.log'),
      path.join(runDir('pids'), `${name}.pid`),
    );
    return retryOnBindFailure({
      component: 'pulsar',
      what: 'standalone broker',
      attempts: opts.startAttempts,
      logOfAttempt: () => proc.logOfThisStart(),
      attempt: async () => {
        // A failed attempt may have registered its bookie (by port) in the metadata.
        for (const d of ['metadata', 'bookkeeper'])
          rmSync(path.join(dataDir, d), { recursive: true, force: true });
        const [brokerPort, webPort, bookiePort] = [
          await choosePort(),
          await choosePort(),
          await choosePort(),
        ];
        const tlsPort = opts.tls === undefined ? undefined : await choosePort();
        const { args, endpoints } = PulsarStandalone.#configure(opts, {
          cacheDir,
          dataDir,
          log4j,
          ports: { brokerPort, webPort, bookiePort, tlsPort },
        });
        const broker = new PulsarStandalone(
          endpoints,
          dataDir,
          proc,
          args,
          opts.startTimeoutMs ?? 180_000,
          [brokerPort, webPort, bookiePort, ...(tlsPort === undefined ? [] : [tlsPort])],
        );
        await broker.#launch();
        return broker;
      },
    });
  }

  /** Writes `standalone.conf` for these ports; returns the JVM arguments and the endpoints. */
  static #configure(
    opts: PulsarStandaloneOptions,
    at: {
      cacheDir: string;
      dataDir: string;
      log4j: string;
      ports: { brokerPort: number; webPort: number; bookiePort: number; tlsPort?: number };
    },
  ): { args: string[]; endpoints: PulsarEndpoints } {
    const { brokerPort, webPort, bookiePort, tlsPort } = at.ports;
    const dataDir = at.dataDir;
    const tlsConf: Record<string, string> =
      opts.tls === undefined || tlsPort === undefined
        ? {}
        : {
            brokerServicePortTls: String(tlsPort),
            tlsCertificateFilePath: opts.tls.certificateFilePath,
            tlsKeyFilePath: opts.tls.keyFilePath,
            tlsTrustCertsFilePath: opts.tls.trustCertsFilePath,
          };
    const conf: Record<string, string> = {
      clusterName: 'standalone',
      bindAddress: '127.0.0.1',
      advertisedAddress: '127.0.0.1',
      brokerServicePort: String(brokerPort),
      webServicePort: String(webPort),
      webSocketServiceEnabled: 'true',
      functionsWorkerEnabled: 'false',
      // The standalone's bookie reads this file too. Its BKCluster (pulsar-metadata) takes
      // `--bookkeeper-port` only when this is true; otherwise it asks the kernel for a port
      // itself (PortManager.nextLockedFreePort: bind 0, close, bind again later), the very
      // race we avoid, inside the ephemeral range. With a non-zero port it has no other effect.
      allowEphemeralPorts: 'true',
      managedLedgerDefaultEnsembleSize: '1',
      managedLedgerDefaultWriteQuorum: '1',
      managedLedgerDefaultAckQuorum: '1',
      managedLedgerCacheSizeMB: '32',
      dbStorage_writeCacheMaxSizeMb: '32',
      dbStorage_readAheadCacheMaxSizeMb: '32',
      journalSyncData: 'false',
      allowAutoTopicCreation: 'true',
      allowAutoTopicCreationType: 'non-partitioned',
      brokerDeleteInactiveTopicsEnabled: 'false',
      transactionCoordinatorEnabled: 'false',
      loadBalancerEnabled: 'false',
      brokerShutdownTimeoutMs: '3000',
      numIOThreads: '2',
      numHttpServerThreads: '8',
      webSocketNumIoThreads: '2',
      webSocketConnectionsPerBroker: '2',
      ...tlsConf,
      ...opts.config,
    };
    const confFile = path.join(dataDir, 'standalone.conf');
    writeFileSync(
      confFile,
      Object.entries(conf)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n',
    );
    const heap = opts.heap ?? '768m';
    const args = [
      `-Xms128m`,
      `-Xmx${heap}`,
      '-XX:MaxDirectMemorySize=512m',
      '-XX:+UseG1GC',
      ...ADD_OPENS,
      '-Dio.netty.tryReflectionSetAccessible=true',
      `-Dlog4j.configurationFile=${at.log4j}`,
      '-Dpulsar.allocator.exit_on_oom=true',
      '-cp',
      readClasspath(at.cacheDir),
      'org.apache.pulsar.PulsarStandaloneStarter',
      '-c',
      confFile,
      '-nfw',
      '-nss',
      '-a',
      '127.0.0.1',
      '--bookkeeper-port',
      String(bookiePort),
      '--metadata-dir',
      path.join(dataDir, 'metadata'),
      '--bookkeeper-dir',
      path.join(dataDir, 'bookkeeper'),
    ];
    const endpoints: PulsarEndpoints = {
      serviceUrl: `pulsar://127.0.0.1:${brokerPort}`,
      ...(tlsPort === undefined ? {} : { serviceUrlTls: `pulsar+ssl://127.0.0.1:${tlsPort}` }),
      adminUrl: `http://127.0.0.1:${webPort}`,
      wsUrl: `ws://127.0.0.1:${webPort}`,
    };
    return { args, endpoints };
  }

  async #launch(): Promise<void> {
    const t0 = performance.now();
    progress('pulsar', `starting standalone broker (log: ${this.#proc.logFile})`);
    mkdirSync(this.dataDir, { recursive: true });
    await this.#proc.start('java', this.#args, undefined, this.dataDir);
    try {
      // Ready only when the broker JVM itself holds its ports (./port-owner.ts says why).
      const ready = async (): Promise<boolean> =>
        (await this.#namespaceReady()) && listensOn(this.#proc.pid, this.#ports);
      await waitFor('Pulsar standalone', ready, {
        timeoutMs: this.#timeoutMs,
        intervalMs: 500,
        isAlive: () => this.#proc.alive,
      });
    } catch (err) {
      const tail = this.#proc.tail();
      await this.#proc.stop(2000);
      throw new Error(`${(err as Error).message}\n--- broker log tail ---\n${tail}`, {
        cause: err,
      });
    }
    progress(
      'pulsar',
      `ready in ${secondsSince(t0)}s: ${this.endpoints.serviceUrl} admin ${this.endpoints.adminUrl}`,
    );
  }

  async #namespaceReady(): Promise<boolean> {
    const res = await fetch(`${this.endpoints.adminUrl}/admin/v2/namespaces/public`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return false;
    const list = (await res.json()) as string[];
    return list.includes('public/default');
  }

  /** PID of the broker JVM. */
  get pid(): number | undefined {
    return this.#proc.pid;
  }

  /** Stops the broker (SIGTERM, then SIGKILL after `graceMs`). Data stays for `restart`. */
  async stop(graceMs = 8_000): Promise<void> {
    await this.#proc.stop(graceMs);
  }

  /** Stops the broker and deletes its data and logs. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Stops and starts the broker on the same ports with the same data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#launch();
  }
}

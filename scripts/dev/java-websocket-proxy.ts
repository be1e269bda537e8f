import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ManagedProcess } from './managed-process.ts';
import { freePort, type PortChooser } from './ports.ts';
import { retryOnBindFailure } from './port-retry.ts';
import { listensOn } from './port-owner.ts';
import { progress, secondsSince } from './progress.ts';
import { waitFor } from './wait.ts';
import { runDir } from './paths.ts';
import {
  ADD_OPENS,
  ensurePulsarArtifacts,
  readClasspath,
  type PulsarEndpoints,
} from './pulsar-standalone.ts';

/**
 * Apache Pulsar's Java WebSocket proxy as a process of its own (seed 000's
 * "separate component" mode, `WebSocketServiceStarter` from the
 * pulsar-websocket artifact). It needs no ZooKeeper: with `serviceUrl` and
 * `brokerServiceUrl` set and no configuration metadata store, it talks to the
 * broker directly. Without a metadata store it cannot run authorization,
 * which tests of authorization use the broker-embedded proxy for.
 */
export class JavaWebSocketProxy {
  /** `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string;
  readonly #proc: ManagedProcess;

  private constructor(wsUrl: string, proc: ManagedProcess) {
    this.wsUrl = wsUrl;
    this.#proc = proc;
  }

  /**
   * Starts the proxy against `broker` and waits until Jetty answers. When its log shows that
   * its port was taken between our choice and its bind, it starts again on a new port (up to
   * `startAttempts` times).
   */
  static async start(
    broker: PulsarEndpoints,
    opts: {
      name?: string;
      config?: Record<string, string>;
      /** Where ports come from; default {@link freePort}. Tests inject a taken port here. */
      portChooser?: PortChooser;
      /** Start attempts when the port was taken between choice and bind; default 3. */
      startAttempts?: number;
    } = {},
  ): Promise<JavaWebSocketProxy> {
    const t0 = performance.now();
    const cacheDir = await ensurePulsarArtifacts();
    const name = opts.name ?? 'java-ws-proxy';
    const dir = runDir(name, { fresh: true });
    const choosePort = opts.portChooser ?? freePort;
    const proc = new ManagedProcess(
      name,
      path.join(dir, 'proxy.log'),
      path.join(runDir('pids'), `${name}.pid`),
    );
    const wsUrl = await retryOnBindFailure({
      component: 'java-ws-proxy',
      what: 'Java WebSocket proxy',
      attempts: opts.startAttempts,
      logOfAttempt: () => proc.logOfThisStart(),
      attempt: async () => {
        const port = await choosePort();
        const conf: Record<string, string> = {
          clusterName: 'standalone',
          bindAddress: '127.0.0.1',
          webServicePort: String(port),
          serviceUrl: broker.adminUrl,
          brokerServiceUrl: broker.serviceUrl,
          webSocketNumIoThreads: '2',
          webSocketConnectionsPerBroker: '2',
          numHttpServerThreads: '8',
          ...opts.config,
        };
        const confFile = path.join(dir, 'websocket.conf');
        writeFileSync(
          confFile,
          Object.entries(conf)
            .map(([k, v]) => `${k}=${v}`)
            .join('\n') + '\n',
        );
        progress('java-ws-proxy', `starting (log: ${proc.logFile})`);
        await proc.start('java', [
          '-Xms64m',
          '-Xmx256m',
          ...ADD_OPENS,
          '-Dio.netty.tryReflectionSetAccessible=true',
          '-cp',
          readClasspath(cacheDir),
          'org.apache.pulsar.websocket.service.WebSocketServiceStarter',
          confFile,
        ]);
        try {
          await waitFor(
            'Java WebSocket proxy',
            async () => {
              // Any HTTP answer means Jetty is serving (the status page needs no broker) if it
              // is our JVM that holds the port (./port-owner.ts says why).
              const res = await fetch(`http://127.0.0.1:${port}/admin/v2/proxy-stats/metrics`, {
                signal: AbortSignal.timeout(3000),
              });
              return res.status > 0 && listensOn(proc.pid, [port]);
            },
            { timeoutMs: 90_000, intervalMs: 300, isAlive: () => proc.alive },
          );
        } catch (err) {
          const tail = proc.tail();
          await proc.stop(2000);
          throw new Error(`${(err as Error).message}\n--- proxy log tail ---\n${tail}`, {
            cause: err,
          });
        }
        return `ws://127.0.0.1:${port}`;
      },
    });
    progress('java-ws-proxy', `ready in ${secondsSince(t0)}s: ${wsUrl}`);
    return new JavaWebSocketProxy(wsUrl, proc);
  }

  async stop(): Promise<void> {
    await this.#proc.stop(5000);
  }

  /** Stops the proxy and deletes its configuration and log. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(path.dirname(this.#proc.logFile), { recursive: true, force: true });
  }
}

/**
 * Our gateway under test as a process of its own (`node src/gateway/main.ts`), so its CPU time
 * and memory are its own and not the load generator's. `sourceRoot` may point at an exported
 * older tree of `src/` (run.ts `--compare-ref`) to measure before and after in one run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { freePort } from '../../scripts/dev/ports.ts';
import { waitFor } from '../../scripts/dev/wait.ts';

export interface GatewayProcessOptions {
  /** Directory holding `src/gateway/main.ts`. */
  sourceRoot: string;
  serviceUrl: string;
  logFile: string;
  /** Write a V8 CPU profile into this directory on exit. */
  cpuProfileDir?: string;
}

export class GatewayProcess {
  readonly wsUrl: string;
  readonly pid: number;
  readonly #child: ChildProcess;

  private constructor(wsUrl: string, child: ChildProcess) {
    this.wsUrl = wsUrl;
    this.pid = child.pid!;
    this.#child = child;
  }

  static async start(opts: GatewayProcessOptions): Promise<GatewayProcess> {
    const port = await freePort();
    const metricsPort = await freePort();
    const log = createWriteStream(opts.logFile, { flags: 'a' });
    await once(log, 'open');
    const node =
      opts.cpuProfileDir === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`];
    const child = spawn(
      process.execPath,
      [
        ...node,
        path.join(opts.sourceRoot, 'src/gateway/main.ts'),
        '--server.bindAddress=127.0.0.1',
        `--server.port=${port}`,
        `--metrics.port=${metricsPort}`,
        `--pulsar.serviceUrl=${opts.serviceUrl}`,
        // Room for the 10,000-connection workload (default 2048, like the Java proxy's).
        '--websocket.maxConnections=20000',
        '--shutdown.drainTimeoutSeconds=3',
        '--log.level=warn',
      ],
      { stdio: ['ignore', log, log] },
    );
    let exited = false;
    child.once('exit', () => {
      exited = true;
    });
    if (child.pid === undefined) throw new Error('could not start the gateway');
    await waitFor(
      'gateway',
      async () => {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/readyz`, {
          signal: AbortSignal.timeout(2000),
        });
        return res.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200, isAlive: () => !exited },
    );
    return new GatewayProcess(`ws://127.0.0.1:${port}`, child);
  }

  /** SIGTERM (graceful drain, which also writes the CPU profile), SIGKILL after 15 s. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { loadGatewayConfig } from '../../src/gateway/index.ts';
import { GatewayServer } from '../../src/gateway/index.ts';
import type { GatewayServerOptions } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/shared/index.ts';
import { pulsarEnv } from './test-env.ts';
import { WsQueue } from './ws-queue.ts';

/** A gateway running in-process against the suite's real broker. */
export interface TestGateway {
  server: GatewayServer;
  registry: Registry;
  /** `ws://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<metricsPort>` */
  opsUrl: string;
  close(): Promise<void>;
}

/**
 * Starts our gateway on port 0 (plain and metrics), against `pulsarEnv().serviceUrl`, with
 * extra flags (`--auth.mode=jwt`, ...). Node default metrics are off so several gateways can run
 * in one test process.
 */
export async function startGateway(
  flags: readonly string[] = [],
  extra: Partial<GatewayServerOptions> = {},
): Promise<TestGateway> {
  const result = loadGatewayConfig({
    argv: [
      `--pulsar.serviceUrl=${pulsarEnv().serviceUrl}`,
      '--server.bindAddress=127.0.0.1',
      ...flags,
    ],
    env: {},
  });
  if (result.kind !== 'config') throw new Error('unexpected --help');
  const registry = new Registry();
  const server = await GatewayServer.start({
    config: result.config,
    logger: silentLogger,
    registry,
    ports: { port: 0, metricsPort: 0 },
    defaultMetrics: false,
    ...extra,
  });
  return {
    server,
    registry,
    url: `ws://127.0.0.1:${server.port}`,
    opsUrl: `http://127.0.0.1:${server.metricsPort}`,
    close: () => server.close(),
  };
}

/**
 * Opens a WebSocket with a {@link WsQueue} attached before the handshake completes: a server
 * that pushes at once (readers, consumers with a backlog) can deliver its first frame in the
 * same TCP chunk as the 101 response, and `ws` emits it before an `await openWs(...)`
 * continuation could attach a listener.
 */
export async function openWithQueue(url: string): Promise<{ ws: WebSocket; queue: WsQueue }> {
  const ws = new WebSocket(url);
  const queue = new WsQueue(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.removeAllListeners('error');
      resolve();
    });
    ws.once('unexpected-response', (_req, res) => {
      reject(
        Object.assign(new Error(`upgrade refused: HTTP ${res.statusCode ?? 0}`), {
          status: res.statusCode,
        }),
      );
      ws.terminate();
    });
    ws.once('error', reject);
  });
  return { ws, queue };
}

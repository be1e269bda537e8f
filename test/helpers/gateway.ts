import { Registry } from 'prom-client';
import { loadGatewayConfig } from '../../src/gateway/index.ts';
import { GatewayServer } from '../../src/gateway/index.ts';
import type { GatewayServerOptions } from '../../src/gateway/index.ts';
import { silentLogger } from '../../src/shared/index.ts';
import { pulsarEnv } from './test-env.ts';

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

#!/usr/bin/env node
/**
 * `pulsar-ws-gateway`: configuration (flags > `PULSAR_WS_GATEWAY_*` env > `--config` YAML,
 * docs/gateway-configuration.md) → pino JSON logger with secrets redacted → metrics registry →
 * {@link GatewayServer}. SIGTERM/SIGINT drain gracefully (issue 4) and exit within
 * `shutdown.drainTimeoutSeconds` (plus a small margin for closing the clients).
 */
import { Registry } from 'prom-client';
import { createLogger, exitOnSignals } from '../shared/index.ts';
import { loadGatewayConfig } from './config/gateway-config.ts';
import type { GatewayConfig } from './config/gateway-config.ts';
import { isGatewayError } from './errors.ts';
import { GatewayServer } from './server.ts';

/** Extra time after the drain grace period for closing listeners and broker connections. */
const EXIT_MARGIN_MS = 5000;

/**
 * Runs the gateway until a termination signal. Returns the exit code for `--help` and
 * configuration errors; otherwise the process exits from the signal handler.
 */
export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number | undefined> {
  let config: GatewayConfig;
  try {
    const result = loadGatewayConfig({ argv, env });
    if (result.kind === 'help') {
      process.stdout.write(result.text + '\n');
      return 0;
    }
    config = result.config;
  } catch (err) {
    if (!isGatewayError(err, 'GW_ERR_CONFIG')) throw err;
    process.stderr.write(`pulsar-ws-gateway: ${err.message}\n`);
    return 2;
  }
  const logger = createLogger({ level: config.log.level, base: { app: 'pulsar-ws-gateway' } });
  const registry = new Registry();
  const server = await GatewayServer.start({ config, logger, registry });
  exitOnSignals({
    logger,
    stop: () => server.close(),
    timeoutMs: config.shutdown.drainTimeoutSeconds * 1000 + EXIT_MARGIN_MS,
  });
  return undefined;
}

if (import.meta.main) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      if (code !== undefined) process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`pulsar-ws-gateway: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * Public surface of the gateway, for `scripts/local.ts`, tests and embedding: the server, its
 * configuration loader and the CLI entry point.
 */
export { GatewayServer, type GatewayServerOptions } from './server.ts';
export {
  loadGatewayConfig,
  helpText,
  type GatewayConfig,
  type ConfigResult,
} from './config/gateway-config.ts';
export { createGatewayMetrics, type GatewayMetrics } from './metrics.ts';
export { GatewayError, CLOSE_CODES, isGatewayError } from './errors.ts';
export { main } from './main.ts';

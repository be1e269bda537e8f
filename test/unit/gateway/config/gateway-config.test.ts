import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CONFIG_KEYS,
  envName,
  loadGatewayConfig,
} from '../../../../src/gateway/config/gateway-config.ts';
import type { GatewayConfig } from '../../../../src/gateway/config/gateway-config.ts';
import { isGatewayError } from '../../../../src/gateway/errors.ts';

function load(argv: string[] = [], env: Record<string, string> = {}, file?: string): GatewayConfig {
  const r = loadGatewayConfig({ argv, env, readFile: () => file ?? '' });
  assert.ok(r.kind === 'config');
  return r.config;
}

function fails(
  re: RegExp,
  argv: string[] = [],
  env: Record<string, string> = {},
  file?: string,
): void {
  assert.throws(
    () => loadGatewayConfig({ argv, env, readFile: () => file ?? '' }),
    (e: unknown) => isGatewayError(e, 'GW_ERR_CONFIG') && re.test(e.message),
  );
}

describe('loadGatewayConfig', () => {
  it('has the documented defaults and is frozen', () => {
    const c = load();
    assert.equal(c.server.port, 8080);
    assert.equal(c.metricsPort, 9090);
    assert.equal(c.websocket.maxFrameSizeBytes, 1048576);
    assert.equal(c.websocket.idleTimeoutMs, 300000);
    assert.equal(c.websocket.pingIntervalMs, 30000);
    assert.equal(c.auth.mode, 'none');
    assert.equal(c.auth.roleClaim, 'sub');
    assert.deepEqual(c.websocket.allowedOrigins, []);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.server));
  });
  it('applies flags > env > file > defaults', () => {
    const file =
      'server:\n  port: 1000\n  bindAddress: 127.0.0.1\nwebsocket:\n  allowedOrigins: [https://a]\nlog:\n  level: debug\n';
    const c = load(
      ['--config', 'x.yaml', '--server.port=3000', '--pulsar.tlsAllowInsecure'],
      {
        PULSAR_WS_GATEWAY_SERVER_PORT: '2000',
        PULSAR_WS_GATEWAY_LOG_LEVEL: 'warn',
        PULSAR_WS_GATEWAY_PORT: 'tcp://10.0.0.1:80',
      },
      file,
    );
    assert.equal(c.server.port, 3000);
    assert.equal(c.server.bindAddress, '127.0.0.1');
    assert.equal(c.log.level, 'warn');
    assert.deepEqual(c.websocket.allowedOrigins, ['https://a']);
    assert.equal(c.pulsar.tlsAllowInsecure, true);
    assert.equal(load(['--pulsar.tlsAllowInsecure', 'false']).pulsar.tlsAllowInsecure, false);
  });
  it('reads the file from PULSAR_WS_GATEWAY_CONFIG and lists from comma-separated strings', () => {
    const c = load(
      [],
      { PULSAR_WS_GATEWAY_CONFIG: 'f', PULSAR_WS_GATEWAY_AUTH_AUDIENCE: 'a, b' },
      'metricsPort: 9100',
    );
    assert.equal(c.metricsPort, 9100);
    assert.deepEqual(c.auth.audience, ['a', 'b']);
  });
  it('names the key, the source and the value in errors', () => {
    fails(
      /Invalid server\.port \(from env PULSAR_WS_GATEWAY_SERVER_PORT\): "abc" is not an integer/,
      [],
      { PULSAR_WS_GATEWAY_SERVER_PORT: 'abc' },
    );
    fails(/Invalid server\.port \(from flag --server\.port\): "70000" is out of range/, [
      '--server.port',
      '70000',
    ]);
    fails(
      /Invalid auth\.mode \(from file f\): "oauth" is not one of none, jwt, passthrough/,
      ['--config', 'f'],
      {},
      'auth:\n  mode: oauth',
    );
    fails(/Unknown flag --nope/, ['--nope', '1']);
    fails(/unknown key server\.prot/, ['--config=f'], {}, 'server:\n  prot: 1');
    fails(/not valid YAML/, ['--config=f'], {}, 'a: [');
    fails(/needs a value/, ['--server.port']);
    fails(/Unexpected argument/, ['serve']);
    fails(/tlsPort needs/, ['--server.tlsPort', '8443']);
    fails(/auth\.mode jwt needs auth\.jwtKeyFile/, ['--auth.mode', 'jwt']);
    fails(/pulsar\.serviceUrl/, ['--pulsar.serviceUrl', 'http://x']);
    fails(/must differ/, ['--metricsPort', '8080']);
    assert.throws(
      () =>
        loadGatewayConfig({ argv: [], env: { PULSAR_WS_GATEWAY_CONFIG: '/nonexistent/x.yaml' } }),
      /Cannot read config file \/nonexistent\/x\.yaml/,
    );
  });
  it('prints help listing every key with its env name', () => {
    const r = loadGatewayConfig({ argv: ['--help'], env: {} });
    assert.ok(r.kind === 'help');
    for (const d of CONFIG_KEYS) {
      assert.ok(r.text.includes(`--${d.key} `), d.key);
      assert.ok(r.text.includes(envName(d.key)), d.key);
    }
  });
  it('derives env names from keys', () => {
    assert.equal(envName('server.bindAddress'), 'PULSAR_WS_GATEWAY_SERVER_BIND_ADDRESS');
    assert.equal(envName('metricsPort'), 'PULSAR_WS_GATEWAY_METRICS_PORT');
  });
});

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
    assert.equal(c.metrics.port, 9090);
    assert.equal(c.websocket.maxFrameSizeBytes, 1048576);
    assert.equal(c.websocket.idleTimeoutSeconds, 300);
    assert.equal(c.websocket.pingIntervalSeconds, 30);
    assert.equal(c.auth.mode, 'none');
    assert.equal(c.auth.jwt.roleClaim, 'sub');
    assert.equal(c.version, 1);
    assert.deepEqual(c.websocket.allowedOrigins, []);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.server));
  });
  it('takes the slow-client timeout from flag, env or file, validated (default 30 s)', () => {
    assert.equal(load().websocket.slowClientTimeoutSeconds, 30);
    assert.equal(
      load(['--websocket.slowClientTimeoutSeconds=5']).websocket.slowClientTimeoutSeconds,
      5,
    );
    assert.equal(
      load([], { PULSAR_WS_GATEWAY_WEBSOCKET_SLOW_CLIENT_TIMEOUT_SECONDS: '7' }).websocket
        .slowClientTimeoutSeconds,
      7,
    );
    assert.equal(
      load(['--config=f'], {}, 'websocket:\n  slowClientTimeoutSeconds: 120').websocket
        .slowClientTimeoutSeconds,
      120,
    );
    fails(/Invalid websocket\.slowClientTimeoutSeconds \(from flag .*\): "0" is out of range/, [
      '--websocket.slowClientTimeoutSeconds=0',
    ]);
    fails(/Invalid websocket\.slowClientTimeoutSeconds .*"soon" is not an integer/, [
      '--websocket.slowClientTimeoutSeconds=soon',
    ]);
  });
  it('applies flags > env > file > defaults', () => {
    const file =
      'server:\n  port: 1000\n  bindAddress: 127.0.0.1\nwebsocket:\n  allowedOrigins: [https://a]\nlog:\n  level: debug\n';
    const c = load(
      ['--config', 'x.yaml', '--server.port=3000', '--pulsar.tls.allowInsecureConnection'],
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
    assert.equal(c.pulsar.tls.allowInsecureConnection, true);
    assert.equal(
      load(['--pulsar.tls.allowInsecureConnection', 'false']).pulsar.tls.allowInsecureConnection,
      false,
    );
  });
  it('reads the file from PULSAR_WS_GATEWAY_CONFIG and lists from comma-separated strings', () => {
    const c = load(
      [],
      { PULSAR_WS_GATEWAY_CONFIG: 'f', PULSAR_WS_GATEWAY_AUTH_JWT_AUDIENCE: 'a, b' },
      'metrics:\n  port: 9100',
    );
    assert.equal(c.metrics.port, 9100);
    assert.deepEqual(c.auth.jwt.audience, ['a', 'b']);
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
    fails(/auth\.mode jwt needs auth\.jwt\.keyFile/, ['--auth.mode', 'jwt']);
    fails(/pulsar\.serviceUrl/, ['--pulsar.serviceUrl', 'http://x']);
    fails(/must differ/, ['--metrics.port', '8080']);
    fails(/Invalid version/, ['--config=f'], {}, 'version: 2');
    assert.throws(
      () =>
        loadGatewayConfig({ argv: [], env: { PULSAR_WS_GATEWAY_CONFIG: '/nonexistent/x.yaml' } }),
      /Cannot read config file \/nonexistent\/x\.yaml/,
    );
  });
  it('reads the file the operator renders (src/operator/resources/gateway-config.ts)', () => {
    const file = [
      'version: 1',
      'server: {bindAddress: 0.0.0.0, port: 8080, tlsPort: 8443}',
      'tls: {certFile: /etc/pulsar-ws-gateway/tls/tls.crt, keyFile: /etc/pulsar-ws-gateway/tls/tls.key}',
      'pulsar:',
      '  serviceUrl: pulsar+ssl://broker:6651',
      '  tls: {trustCertsFile: /ca.crt, hostnameVerification: false, allowInsecureConnection: false}',
      '  authentication: {tokenFile: /t}',
      'auth:',
      '  mode: jwt',
      '  jwt: {keyFile: /k, algorithm: RS256, issuer: me, audience: pulsar}',
      '  identityForwarding: originalPrincipal',
      'websocket:',
      '  maxConnections: 10',
      '  maxFrameSizeBytes: 2048',
      '  idleTimeoutSeconds: 60',
      '  pingIntervalSeconds: 0',
      '  allowedOrigins: []',
      '  producerDefaults: {batchingEnabled: true, sendTimeoutMillis: 1000}',
      '  consumerDefaults: {}',
      'metrics: {port: 9090, enabled: false}',
      'shutdown: {drainTimeoutSeconds: 5}',
    ].join('\n');
    const c = load(['--config', 'gateway.yaml'], {}, file);
    assert.equal(c.server.tlsPort, 8443);
    assert.equal(c.tls.keyFile, '/etc/pulsar-ws-gateway/tls/tls.key');
    assert.equal(c.pulsar.tls.hostnameVerification, false);
    assert.equal(c.pulsar.authentication.tokenFile, '/t');
    assert.equal(c.auth.jwt.algorithm, 'RS256');
    assert.deepEqual(c.auth.jwt.audience, ['pulsar']);
    assert.equal(c.auth.identityForwarding, 'originalPrincipal');
    assert.deepEqual(
      { ...c.websocket.producerDefaults },
      { batchingEnabled: 'true', sendTimeoutMillis: '1000' },
    );
    assert.equal(c.metrics.enabled, false);
    assert.equal(c.shutdown.drainTimeoutSeconds, 5);
    const d = load(['--websocket.consumerDefaults', 'pullMode=true, receiverQueueSize=10']);
    assert.deepEqual(
      { ...d.websocket.consumerDefaults },
      { pullMode: 'true', receiverQueueSize: '10' },
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
    assert.equal(
      envName('pulsar.tls.trustCertsFile'),
      'PULSAR_WS_GATEWAY_PULSAR_TLS_TRUST_CERTS_FILE',
    );
  });
});

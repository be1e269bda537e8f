import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultGatewayImage,
  OPERATOR_CONFIG_ERROR_CODE,
  operatorVersion,
  parseOperatorOptions,
} from '../../../src/operator/options.ts';
import { hasErrorCode } from '../../../src/shared/index.ts';

describe('parseOperatorOptions', () => {
  it('defaults: all namespaces, ports 8080/8081, leader election on, image of this version', () => {
    const o = parseOperatorOptions([], { POD_NAMESPACE: 'operators' });
    assert.ok(o !== 'help');
    assert.deepEqual(o.namespaces, []);
    assert.equal(o.metricsPort, 8080);
    assert.equal(o.healthPort, 8081);
    assert.equal(o.bindAddress, undefined);
    assert.equal(o.leaderElect, true);
    assert.equal(o.leaseNamespace, 'operators');
    assert.equal(o.kubeconfig, undefined);
    assert.equal(o.resyncPeriodMs, 600_000);
    assert.equal(o.maxConcurrentReconciles, 16);
    assert.equal(
      o.gatewayImage,
      `ghcr.io/pulsar-websocket-operator/pulsar-websocket-operator:${operatorVersion()}`,
    );
    assert.equal(defaultGatewayImage('1.2.3').endsWith(':1.2.3'), true);
  });

  it('flags win over environment variables', () => {
    const o = parseOperatorOptions(
      ['--namespaces', 'a, b,a', '--metrics-port', '9090', '--leader-elect', 'false'],
      { WATCH_NAMESPACES: 'x', METRICS_PORT: '1', HEALTH_PORT: '9091', KUBECONFIG: '/k' },
    );
    assert.ok(o !== 'help');
    assert.deepEqual(o.namespaces, ['a', 'b']);
    assert.equal(o.metricsPort, 9090);
    assert.equal(o.healthPort, 9091);
    assert.equal(o.leaderElect, false);
    assert.equal(o.kubeconfig, '/k');
  });

  it('--resync-period takes seconds (fractions allowed, 0 disables), flag over RESYNC_PERIOD', () => {
    const flag = parseOperatorOptions(['--resync-period', '1.5'], { RESYNC_PERIOD: '9' });
    assert.ok(flag !== 'help');
    assert.equal(flag.resyncPeriodMs, 1500);
    const env = parseOperatorOptions([], { RESYNC_PERIOD: '0' });
    assert.ok(env !== 'help');
    assert.equal(env.resyncPeriodMs, 0);
    const mcr = parseOperatorOptions(['--max-concurrent-reconciles', '16'], {
      MAX_CONCURRENT_RECONCILES: '2',
    });
    assert.ok(mcr !== 'help');
    assert.equal(mcr.maxConcurrentReconciles, 16);
  });

  it('--bind-address takes an IPv4 or IPv6 literal, flag over BIND_ADDRESS', () => {
    const flag = parseOperatorOptions(['--bind-address', '127.0.0.1'], { BIND_ADDRESS: '::' });
    assert.ok(flag !== 'help');
    assert.equal(flag.bindAddress, '127.0.0.1');
    const env = parseOperatorOptions([], { BIND_ADDRESS: '::1' });
    assert.ok(env !== 'help');
    assert.equal(env.bindAddress, '::1');
  });

  it('--help, and errors with a stable code for unknown flags and bad values', () => {
    assert.equal(parseOperatorOptions(['--help'], {}), 'help');
    for (const argv of [
      ['--nope'],
      ['--metrics-port', '70000'],
      ['--leader-elect', 'maybe'],
      ['--resync-period', '-1'],
      ['--resync-period', 'soon'],
      ['--max-concurrent-reconciles', '0'],
      ['--max-concurrent-reconciles', '1.5'],
      ['--bind-address', 'localhost'],
      ['--bind-address', '10.0.0.300'],
    ]) {
      assert.throws(
        () => parseOperatorOptions(argv, {}),
        (err: unknown) => hasErrorCode(err, OPERATOR_CONFIG_ERROR_CODE),
      );
    }
  });
});

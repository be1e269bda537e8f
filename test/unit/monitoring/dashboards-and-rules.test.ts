/**
 * Structure of the chart's Grafana dashboards and alert rules (no Prometheus needed; the
 * integration test evaluates every expression against a real one).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  allPanels,
  dashboardExpressions,
  loadDashboards,
  loadRules,
  metricNames,
  referencedVariables,
  ruleExpressions,
  toPromQL,
} from './monitoring-files.ts';

const dashboards = loadDashboards();

describe('Grafana dashboards', () => {
  it('are two, with distinct uids and titles', () => {
    assert.deepEqual(
      dashboards.map((d) => d.file),
      ['pulsar-ws-gateway-fleet.json', 'pulsar-ws-operator.json'],
    );
    const uids = dashboards.map((d) => d.dashboard.uid);
    assert.equal(new Set(uids).size, uids.length);
    for (const { file, dashboard } of dashboards) {
      assert.ok(dashboard.title.length > 0, `${file} has a title`);
      assert.ok(dashboard.schemaVersion >= 36, `${file} schemaVersion`);
      assert.ok(/^[\w-]{1,40}$/.test(dashboard.uid), `${file} uid is a valid Grafana uid`);
    }
  });

  for (const { file, dashboard } of dashboards) {
    describe(file, () => {
      const panels = allPanels(dashboard);

      it('has unique panel ids', () => {
        const ids = panels.map((p) => p.id);
        assert.equal(new Set(ids).size, ids.length, `duplicate ids in ${ids.join(',')}`);
      });

      it('gives every panel (rows aside) targets with an expression, a unit and a description', () => {
        const data = panels.filter((p) => p.type !== 'row');
        assert.ok(data.length >= 10, `${data.length} panels`);
        for (const p of data) {
          assert.ok(p.targets && p.targets.length > 0, `panel ${p.id} "${p.title}" has targets`);
          const refIds = p.targets.map((t) => t.refId);
          assert.equal(new Set(refIds).size, refIds.length, `panel ${p.id} refIds unique`);
          for (const t of p.targets) assert.ok(t.expr.trim().length > 0, `panel ${p.id} expr`);
          assert.ok(p.fieldConfig?.defaults?.unit, `panel ${p.id} "${p.title}" has a unit`);
          assert.ok(p.description, `panel ${p.id} "${p.title}" has a description`);
        }
      });

      it('uses a Prometheus data-source variable in every panel, target and query variable', () => {
        const ds = dashboard.templating.list.find((v) => v.type === 'datasource');
        assert.ok(ds, 'a datasource variable exists');
        assert.equal(ds.query, 'prometheus');
        const ref = '${' + ds.name + '}';
        for (const p of panels.filter((x) => x.type !== 'row')) {
          assert.equal(p.datasource?.uid, ref, `panel ${p.id} datasource`);
          for (const t of p.targets ?? []) assert.equal(t.datasource?.uid, ref);
        }
        for (const v of dashboard.templating.list.filter((x) => x.type === 'query')) {
          assert.equal(v.datasource?.uid, ref, `variable ${v.name} datasource`);
        }
      });

      it('has a namespace variable and references only defined variables', () => {
        const defined = new Set(dashboard.templating.list.map((v) => v.name));
        assert.ok(defined.has('namespace'));
        for (const e of dashboardExpressions(file, dashboard)) {
          for (const name of referencedVariables(e.expr)) {
            assert.ok(defined.has(name), `${e.where} uses undefined $${name}`);
          }
        }
      });

      it('lays panels out on the 24-column grid without overlaps', () => {
        const cells = new Set<string>();
        for (const p of panels) {
          const { x, y, w, h } = p.gridPos;
          assert.ok(x >= 0 && w > 0 && x + w <= 24, `panel ${p.id} fits the width`);
          for (let i = x; i < x + w; i++) {
            for (let j = y; j < y + h; j++) {
              const key = `${i},${j}`;
              assert.ok(!cells.has(key), `panel ${p.id} overlaps at ${key}`);
              cells.add(key);
            }
          }
        }
      });
    });
  }

  it('cover the panels issue 6 asks for, by the metrics they query', () => {
    const exprs = (file: string): string[] => {
      const d = dashboards.find((x) => x.file === file);
      assert.ok(d);
      return dashboardExpressions(d.file, d.dashboard).map((e) => e.expr);
    };
    const has = (file: string, pattern: RegExp): void => {
      assert.ok(
        exprs(file).some((e) => pattern.test(e)),
        `${file}: no expression matches ${pattern}`,
      );
    };
    const gw = 'pulsar-ws-gateway-fleet.json';
    has(gw, /sum by \(endpoint\) \(pulsar_ws_gateway_connections\{/);
    has(gw, /pulsar_ws_gateway_messages_received_total/);
    has(gw, /pulsar_ws_gateway_messages_sent_total/);
    has(gw, /pulsar_ws_gateway_bytes_received_total/);
    has(gw, /pulsar_ws_gateway_bytes_sent_total/);
    has(gw, /histogram_quantile\(0\.5, .*pulsar_ws_gateway_publish_latency_seconds_bucket/);
    has(gw, /histogram_quantile\(0\.99, .*pulsar_ws_gateway_publish_latency_seconds_bucket/);
    has(gw, /sum by \(status\) \(rate\(pulsar_ws_gateway_upgrade_failures_total/);
    has(gw, /pulsar_ws_gateway_auth_failures_total/);
    has(gw, /pulsar_client_reconnects_total/);
    has(gw, /count by \(namespace, job\) \(\(up\{/);
    // Ready pods against desired, and certificate expiry, from the operator's gateway-state gauges
    // (only the leader exports them: aggregated with max/min by gateway).
    has(gw, /max by \(gateway_namespace, gateway\) \(pulsar_ws_operator_gateway_ready_replicas\{/);
    has(gw, /max by \(gateway_namespace, gateway\) \(pulsar_ws_operator_gateway_replicas\{/);
    has(
      gw,
      /by \(gateway_namespace, gateway\) \(pulsar_ws_operator_gateway_certificate_expiry_timestamp_seconds\{.*\) - time\(\)/,
    );
    const op = 'pulsar-ws-operator.json';
    has(op, /rate\(controller_runtime_reconcile_total/);
    has(op, /controller_runtime_reconcile_errors_total/);
    has(op, /controller_runtime_reconcile_time_seconds_bucket/);
    has(op, /pulsar_ws_operator_gateway_condition\{.*condition="Ready"/);
  });
});

describe('alert rules', () => {
  const rules = loadRules().groups.flatMap((g) => g.rules);

  it('have unique names, a for:, a severity and runbook-style annotations', () => {
    const names = rules.map((r) => r.alert);
    assert.equal(new Set(names).size, names.length);
    for (const r of rules) {
      assert.match(r.alert, /^PulsarWebSocket(Gateway|Operator)[A-Z]\w+$/);
      assert.match(r.for ?? '', /^\d+[smh]$/, `${r.alert} for:`);
      assert.ok(['critical', 'warning', 'info'].includes(r.labels?.['severity'] ?? ''), r.alert);
      assert.ok((r.annotations?.['summary'] ?? '').length > 10, `${r.alert} summary`);
      assert.ok((r.annotations?.['description'] ?? '').length > 100, `${r.alert} description`);
    }
  });

  it('cover the alerts issue 6 asks for', () => {
    const byName = new Map(rules.map((r) => [r.alert, r]));
    const expect = (name: string, metric: string): void => {
      const r = byName.get(name);
      assert.ok(r, `${name} exists`);
      assert.ok(metricNames(r.expr).includes(metric), `${name} uses ${metric}`);
    };
    expect('PulsarWebSocketGatewayNoReadyPods', 'pulsar_ws_operator_gateway_ready_replicas');
    expect('PulsarWebSocketGatewayNoReadyPods', 'pulsar_ws_operator_gateway_replicas');
    expect('PulsarWebSocketGatewayNoPodsUp', 'up');
    expect(
      'PulsarWebSocketGatewayCertificateExpiringSoon',
      'pulsar_ws_operator_gateway_certificate_renewal_timestamp_seconds',
    );
    expect(
      'PulsarWebSocketGatewayCertificateExpiringSoon',
      'pulsar_ws_operator_gateway_certificate_expiry_timestamp_seconds',
    );
    expect('PulsarWebSocketGatewayUpgradeFailuresHigh', 'pulsar_ws_gateway_upgrade_failures_total');
    expect('PulsarWebSocketGatewayAuthFailureSpike', 'pulsar_ws_gateway_auth_failures_total');
    expect('PulsarWebSocketOperatorReconcileErrors', 'controller_runtime_reconcile_errors_total');
  });

  it('aggregate the operator gauges by gateway (standby replicas export none)', () => {
    for (const e of ruleExpressions()) {
      for (const m of metricNames(e.expr).filter((n) =>
        n.startsWith('pulsar_ws_operator_gateway_'),
      )) {
        assert.match(
          e.expr,
          new RegExp(`max by \\(gateway_namespace, (gateway|gateway_service)\\) \\(${m}[{)]`),
          `${e.where}: ${m} aggregated by gateway`,
        );
      }
    }
  });

  it('use no Grafana variables', () => {
    // `$1` in label_replace is a replacement reference, not a variable.
    for (const e of ruleExpressions()) assert.doesNotMatch(e.expr, /\$[A-Za-z_{]/, e.where);
  });
});

describe('PromQL helpers', () => {
  it('metricNames finds selected metrics, not functions, keywords, labels or durations', () => {
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.99, sum by (namespace, le) (rate(a_bucket{job=~"x|y", le!="1m"}[5m] offset 1h))) > 1e3',
      ),
      ['a_bucket'],
    );
    assert.deepEqual(
      metricNames(
        'group by (namespace, job) (last_over_time(b[1h])) unless on (namespace, job) (up == 1)',
      ),
      ['b', 'up'],
    );
    assert.deepEqual(metricNames('time() - max by (i) (c:rate5m > 0) or vector(0)'), ['c:rate5m']);
    assert.deepEqual(metricNames('x * on (a) group_left (b) y and bool z'), ['x', 'y', 'z']);
  });

  it('toPromQL substitutes user variables with .* and built-ins with durations', () => {
    assert.equal(
      toPromQL('rate(m{namespace=~"$namespace", job=~"${gateway}"}[$__rate_interval])'),
      'rate(m{namespace=~".*", job=~".*"}[1m])',
    );
    assert.deepEqual(referencedVariables('a{x=~"$x"}[$__rate_interval] + ${y}'), ['x', 'y']);
    const replace = 'label_replace(m{x=~"$x"}, "job", "$1", "svc", "(.*)")';
    assert.equal(toPromQL(replace), 'label_replace(m{x=~".*"}, "job", "$1", "svc", "(.*)")');
    assert.deepEqual(referencedVariables(replace), ['x']);
  });
});

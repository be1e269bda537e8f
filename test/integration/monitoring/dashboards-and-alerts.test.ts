/**
 * The chart's dashboards and alert rules against a real Prometheus (Debian's package, fetched by
 * scripts/install-prometheus.sh) scraping a real gateway (in-process, JWT mode, against the
 * suite's broker) and a real operator (Manager with leader election against the suite's API
 * server, reconciling one gateway with self-signed TLS). After some real traffic (publish,
 * consume, ack, a refused upgrade, failed authentications), every PromQL expression of the
 * dashboards and rules must be accepted by Prometheus and every metric it names must be among
 * the scraped ones; the operator's gateway-state gauges must carry the reconciled gateway's
 * status (replicas, conditions, certificate expiry and renewal); Prometheus also loads and
 * evaluates the rules file, promtool checks it and runs unit tests of the gateway-state alerts
 * on synthetic series, and helm renders both into the ConfigMaps and the PrometheusRule unchanged.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { SignJWT } from 'jose';
import { dump, load, loadAll } from 'js-yaml';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Manager } from '../../../src/operator/manager.ts';
import { eventually } from '../../helpers/eventually.ts';
import { startGateway, type TestGateway } from '../../helpers/gateway.ts';
import { installGatewayCrd } from '../../helpers/install-crd.ts';
import {
  gatewayManifest,
  readGateway,
  startManager,
  testClient,
} from '../../helpers/operator-harness.ts';
import { kubeConfig, uniqueName } from '../../helpers/test-env.ts';
import { closeWs, nextJson, openWs } from '../../helpers/ws-client.ts';
import { WsQueue } from '../../helpers/ws-queue.ts';
import {
  CHART_DIR,
  DASHBOARD_DIR,
  dashboardExpressions,
  loadDashboards,
  loadRules,
  metricNames,
  RULES_FILE,
  ruleExpressions,
  toPromQL,
  type Expression,
} from '../../unit/monitoring/monitoring-files.ts';

const run = promisify(execFile);
const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const namespace = uniqueName('monitoring');
const GATEWAY_NAME = 'mon';
/** As the Prometheus Operator names the job of the operator-made ServiceMonitor: the Service. */
const GATEWAY_JOB = `${GATEWAY_NAME}-gateway`;
const OPERATOR_JOB = 'pulsar-websocket-operator-metrics';

const expressions: Expression[] = [
  ...loadDashboards().flatMap(({ file, dashboard }) => dashboardExpressions(file, dashboard)),
  ...ruleExpressions(),
];
const referenced = [...new Set(expressions.flatMap((e) => metricNames(toPromQL(e.expr))))].sort();

/** Runs one of the project's fetch/build scripts: its progress lines go to our stderr. */
async function runScript(script: string): Promise<string> {
  const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const code = await new Promise<number | null>((ok) => child.once('close', ok));
  if (code !== 0) throw new Error(`${script} failed with exit code ${String(code)}`);
  return out.trim();
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  await new Promise<void>((ok) =>
    server.close(() => {
      ok();
    }),
  );
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

interface PromResponse<T> {
  status: string;
  data: T;
  errorType?: string;
  error?: string;
}

describe('dashboards and alert rules against a real Prometheus', () => {
  let dir: string | undefined;
  let promBin: string;
  let promUrl: string;
  let prom: ChildProcess | undefined;
  let promLog = '';
  let gw: TestGateway | undefined;
  let manager: Manager | undefined;
  const secret = randomBytes(32);

  async function api<T>(path: string): Promise<PromResponse<T>> {
    const res = await fetch(`${promUrl}${path}`);
    return (await res.json()) as PromResponse<T>;
  }

  before(async () => {
    // Fetched on first use (apt-get download + unpack into the cache), reused afterwards.
    promBin = await runScript('scripts/install-prometheus.sh');
    dir = await mkdtemp(join(tmpdir(), 'pwo-monitoring-'));

    await installGatewayCrd(kc);
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const operatorRegistry = new Registry();
    collectDefaultMetrics({ register: operatorRegistry });
    manager = await startManager(kc, namespace, {
      registry: operatorRegistry,
      metricsPort: 0,
      bindAddress: '127.0.0.1',
      leaderElection: { namespace },
    });
    // Self-signed TLS, so that the operator reports a certificate (expiry and renewal gauges).
    await testClient(kc).apply(
      gatewayManifest(namespace, GATEWAY_NAME, { tls: { mode: 'selfSigned' } }),
    );

    const keyFile = join(dir, 'jwt-key');
    await writeFile(keyFile, secret);
    gw = await startGateway(
      ['--auth.mode=jwt', `--auth.jwt.keyFile=${keyFile}`, '--auth.jwt.algorithm=HS256'],
      { defaultMetrics: true },
    );

    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    const target = (url: string): string => new URL(url).host;
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: [resolve(RULES_FILE)],
      scrape_configs: [
        {
          job_name: GATEWAY_JOB,
          static_configs: [
            {
              targets: [target(gw.opsUrl)],
              labels: { namespace, pod: `${GATEWAY_JOB}-0`, service: GATEWAY_JOB },
            },
          ],
        },
        {
          job_name: OPERATOR_JOB,
          static_configs: [
            {
              targets: [`127.0.0.1:${String(manager.metricsPort)}`],
              labels: { namespace, pod: 'pulsar-websocket-operator-0', service: OPERATOR_JOB },
            },
          ],
        },
      ],
    };
    // JSON is YAML: no serializer needed for the config.
    await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
    prom = spawn(
      join(promBin, 'prometheus'),
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    prom.stderr?.on('data', (chunk: Buffer) => {
      promLog = (promLog + chunk.toString()).slice(-4000);
    });
    const started = prom;
    const exited = new Promise<never>((_ok, fail) => {
      started.once('exit', (code) => {
        fail(new Error(`prometheus exited (${String(code)}): ${promLog}`));
      });
    });
    const ready = eventually(
      async () => {
        const res = await fetch(`${promUrl}/-/ready`);
        assert.equal(res.status, 200);
      },
      60_000,
      250,
    );
    await Promise.race([ready, exited]);
    exited.catch(() => undefined); // a later exit is reported by the tests' queries
  });

  after(async () => {
    if (prom !== undefined && prom.exitCode === null) {
      const exited = new Promise((ok) => prom?.once('exit', ok));
      prom.kill('SIGTERM');
      await exited;
    }
    await gw?.close();
    await manager?.stop();
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('pushes real traffic through the gateway (publish, consume, ack, refusals)', async () => {
    assert.ok(gw, 'gateway started');
    const base = gw.url;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('monitoring')
      .setExpirationTime(Math.floor(Date.now() / 1000) + 600)
      .sign(secret);
    const path = `persistent/public/default/${uniqueName('monitoring')}`;
    const consumer = await openWs(`${base}/ws/v2/consumer/${path}/sub?token=${token}`);
    const producer = await openWs(`${base}/ws/v2/producer/${path}?token=${token}`);
    try {
      const inbox = new WsQueue(consumer);
      for (let i = 0; i < 5; i++) {
        producer.send(JSON.stringify({ payload: Buffer.from(`m${String(i)}`).toString('base64') }));
        assert.equal((await nextJson(producer))['result'], 'ok');
      }
      for (let i = 0; i < 5; i++) {
        const msg = await inbox.next();
        consumer.send(JSON.stringify({ messageId: msg['messageId'] }));
      }
    } finally {
      await closeWs(producer);
      await closeWs(consumer);
    }
    const refused = async (url: string): Promise<number> => {
      const err = await openWs(url).then(
        async (ws) => {
          await closeWs(ws);
          return undefined;
        },
        (e: unknown) => e as { status?: number },
      );
      return err?.status ?? 101;
    };
    assert.equal(await refused(`${base}/ws/v2/producer/${path}`), 401);
    assert.equal(await refused(`${base}/ws/v2/producer/${path}?token=not-a-jwt`), 401);
    assert.equal(await refused(`${base}/ws/v2/no-such-endpoint?token=${token}`), 404);
  });

  it('scrapes every metric the dashboards and rules name', async () => {
    assert.ok(referenced.length > 30, `${String(referenced.length)} metric names referenced`);
    const missing = await eventually(
      async () => {
        const up = await api<{ result: { metric: { job: string }; value: [number, string] }[] }>(
          `/api/v1/query?query=${encodeURIComponent('up')}`,
        );
        const upJobs = up.data.result.filter((r) => r.value[1] === '1').map((r) => r.metric.job);
        assert.deepEqual(upJobs.sort(), [GATEWAY_JOB, OPERATOR_JOB].sort(), 'both targets up');
        const names = await api<string[]>('/api/v1/label/__name__/values');
        assert.equal(names.status, 'success');
        const scraped = new Set(names.data);
        const absent = referenced.filter((n) => !scraped.has(n));
        assert.deepEqual(absent, [], 'referenced metrics not scraped (yet)');
        // rate() needs two samples in its window; wait for a few scrapes of each target.
        const samples = await api<{ result: { value: [number, string] }[] }>(
          `/api/v1/query?query=${encodeURIComponent('count_over_time(up[1m])')}`,
        );
        const counts = samples.data.result.map((r) => Number(r.value[1]));
        assert.ok(counts.length === 2 && counts.every((c) => c >= 4), `scrapes: ${counts.join()}`);
        return absent;
      },
      45_000,
      500,
    );
    assert.deepEqual(missing, []);
  });

  it('scrapes the gateway state of the reconciled gateway with plausible values', async () => {
    // The status the operator wrote; the gauges must report exactly this.
    const status = await eventually(
      async () => {
        const gwr = await readGateway(testClient(kc), namespace, GATEWAY_NAME);
        assert.ok(gwr.status?.certificate?.notAfter, 'status.certificate.notAfter written');
        assert.ok(gwr.status.certificate.renewAt, 'status.certificate.renewAt written');
        return gwr.status;
      },
      60_000,
      500,
    );
    const notAfter = Date.parse(status.certificate?.notAfter ?? '') / 1000;
    const renewAt = Date.parse(status.certificate?.renewAt ?? '') / 1000;
    type Sample = { metric: Record<string, string>; value: [number, string] };
    const sel = `{gateway_namespace="${namespace}", gateway="${GATEWAY_NAME}"}`;
    const query = async (metric: string): Promise<Sample[]> => {
      const res = await api<{ result: Sample[] }>(
        `/api/v1/query?query=${encodeURIComponent(metric + sel)}`,
      );
      assert.equal(res.status, 'success', `${metric}: ${res.error ?? ''}`);
      return res.data.result;
    };
    const one = async (metric: string): Promise<number> => {
      const result = await query(metric);
      assert.equal(result.length, 1, `one ${metric} series`);
      const [sample] = result;
      assert.ok(sample);
      // Target labels stay the operator's; the gateway's own are prefixed, never colliding.
      assert.equal(sample.metric['job'], OPERATOR_JOB);
      assert.equal(sample.metric['namespace'], namespace);
      assert.equal(sample.metric['gateway_service'], GATEWAY_JOB);
      return Number(sample.value[1]);
    };
    await eventually(
      async () => {
        const now = Date.now() / 1000;
        const expiry = await one('pulsar_ws_operator_gateway_certificate_expiry_timestamp_seconds');
        const renewal = await one(
          'pulsar_ws_operator_gateway_certificate_renewal_timestamp_seconds',
        );
        assert.equal(expiry, notAfter, 'expiry = status.certificate.notAfter');
        assert.equal(renewal, renewAt, 'renewal = status.certificate.renewAt');
        assert.ok(expiry > now + 300 * 86_400, `expiry ${String(expiry)} a year ahead`);
        assert.ok(renewal > now && renewal < expiry, 'renewal between now and expiry');
        // 365 days of validity, renewed 30 days before expiry (the spec's defaults).
        assert.ok(Math.abs(expiry - renewal - 30 * 86_400) < 60, 'renewBeforeDays 30');
        assert.equal(await one('pulsar_ws_operator_gateway_replicas'), 1, 'desired 1 (default)');
        const ready = await one('pulsar_ws_operator_gateway_ready_replicas');
        assert.equal(ready, status.readyReplicas ?? 0, 'ready = status.readyReplicas');
        const conditions = await query('pulsar_ws_operator_gateway_condition');
        const byCondition = new Map<string, number>();
        for (const c of conditions) {
          const key = c.metric['condition'] ?? '';
          byCondition.set(key, (byCondition.get(key) ?? 0) + Number(c.value[1]));
          assert.ok(['True', 'False', 'Unknown'].includes(c.metric['status'] ?? ''));
        }
        // Exactly one status per condition is 1, and CertificateReady is there with TLS on.
        assert.deepEqual([...byCondition].sort(), [
          ['CertificateReady', 1],
          ['Degraded', 1],
          ['Progressing', 1],
          ['Ready', 1],
        ]);
        const certReady = conditions.find(
          (c) => c.metric['condition'] === 'CertificateReady' && c.value[1] === '1',
        );
        assert.equal(certReady?.metric['status'], 'True', 'the self-signed certificate is ready');
      },
      45_000,
      500,
    );
  });

  it('a standby operator replica exports the gateway-state families without series', async () => {
    const leader = manager;
    assert.ok(leader, 'manager started');
    assert.ok(leader.isLeader(), 'the first manager leads');
    const standby = await startManager(kc, namespace, {
      registry: new Registry(),
      metricsPort: 0,
      bindAddress: '127.0.0.1',
      leaderElection: { namespace },
    });
    try {
      const scrape = async (port: number | undefined): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${String(port)}/metrics`);
        assert.equal(res.status, 200);
        return res.text();
      };
      const family = /^pulsar_ws_operator_gateway_ready_replicas\{/m;
      const leaderText = await scrape(leader.metricsPort);
      assert.match(leaderText, family);
      assert.match(leaderText, new RegExp(`gateway_namespace="${namespace}",gateway="mon"`));
      // Give the standby a few campaign rounds: it must stay standby and export no series.
      await new Promise((ok) => setTimeout(ok, 3000));
      assert.equal(standby.isLeader(), false);
      const standbyText = await scrape(standby.metricsPort);
      assert.match(standbyText, /^# TYPE pulsar_ws_operator_gateway_ready_replicas gauge$/m);
      assert.doesNotMatch(standbyText, /^pulsar_ws_operator_gateway_\w+\{/m);
    } finally {
      await standby.stop();
    }
  });

  it('accepts every dashboard and alert expression (Prometheus /api/v1/query)', async (t) => {
    assert.ok(expressions.length > 50, `${String(expressions.length)} expressions`);
    const failures: string[] = [];
    const empty: string[] = [];
    for (const e of expressions) {
      const res = await api<{ result: unknown[] }>(
        `/api/v1/query?query=${encodeURIComponent(toPromQL(e.expr))}`,
      );
      if (res.status !== 'success') failures.push(`${e.where}: ${res.error ?? res.status}`);
      else if (res.data.result.length === 0) empty.push(e.where);
    }
    assert.deepEqual(failures, []);
    t.diagnostic(
      `${String(expressions.length)} expressions, ${String(referenced.length)} metric names, ` +
        `${String(empty.length)} with no data now (alerts not firing, filters such as > 0)`,
    );
    // The core panels must show data for the traffic above, not merely parse.
    for (const core of [
      'Connections by endpoint',
      'Messages per second in and out',
      'Bytes per second in and out',
      'Publish latency p50 and p99',
      'Upgrade failures by status',
      'Authentication failures by reason',
      'Broker reconnects',
      'Pods up per gateway',
      'Ready pods per gateway',
      'Certificate expiry',
      'Gateways by Ready condition',
      'Reconcile rate by result',
      'Reconcile duration p50 and p99',
    ]) {
      assert.ok(
        !empty.some((w) => w.includes(`"${core}"`)),
        `panel "${core}" returned no data; empty: ${empty.join('; ')}`,
      );
    }
  });

  it('loads the rules file and evaluates every rule without error', async () => {
    type Rules = {
      groups: { rules: { name: string; health: string; lastError?: string }[] }[];
    };
    const expected = ruleExpressions().length;
    await eventually(
      async () => {
        const res = await api<Rules>('/api/v1/rules');
        assert.equal(res.status, 'success');
        const rules = res.data.groups.flatMap((g) => g.rules);
        assert.equal(rules.length, expected);
        const bad = rules.filter((r) => r.health !== 'ok');
        assert.deepEqual(
          bad.map((r) => `${r.name}: ${r.health} ${r.lastError ?? ''}`),
          [],
          'every rule evaluated',
        );
      },
      30_000,
      500,
    );
  });

  it('promtool check rules accepts the rules file', async () => {
    const { stdout } = await run(join(promBin, 'promtool'), ['check', 'rules', RULES_FILE]);
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  });

  it('promtool unit tests: the gateway-state alerts fire when they should, and only then', async () => {
    assert.ok(dir);
    // The rules as shipped minus their annotations (promtool would compare the rendered texts).
    const rules = loadRules();
    for (const g of rules.groups) for (const r of g.rules) delete r.annotations;
    const rulesFile = join(dir, 'rules-under-test.yaml');
    await writeFile(rulesFile, dump(rules));
    const gw = 'gateway_namespace="team-a", gateway="g", gateway_service="g-gateway"';
    const op = 'namespace="operators", job="pulsar-websocket-operator-metrics", pod="op-0"';
    const pod = 'namespace="team-a", job="g-gateway", pod="g-gateway-0"';
    const none = { alertname: '', exp_alerts: [] as unknown[] };
    const tests = {
      rule_files: [rulesFile],
      evaluation_interval: '1m',
      tests: [
        {
          // Pods gone and the operator reports 0 of 2 ready: NoReadyPods, and NoPodsUp keeps quiet.
          interval: '1m',
          input_series: [
            { series: `pulsar_ws_operator_gateway_ready_replicas{${gw}, ${op}}`, values: '0x20' },
            { series: `pulsar_ws_operator_gateway_replicas{${gw}, ${op}}`, values: '2x20' },
            { series: `pulsar_ws_gateway_pending_sends{${pod}}`, values: '0 _x20' },
            { series: `up{${pod}}`, values: '1 0x20' },
          ],
          alert_rule_test: [
            { ...none, eval_time: '3m', alertname: 'PulsarWebSocketGatewayNoReadyPods' },
            {
              eval_time: '10m',
              alertname: 'PulsarWebSocketGatewayNoReadyPods',
              exp_alerts: [
                { exp_labels: { severity: 'critical', gateway_namespace: 'team-a', gateway: 'g' } },
              ],
            },
            { ...none, eval_time: '10m', alertname: 'PulsarWebSocketGatewayNoPodsUp' },
          ],
        },
        {
          // Scaled to zero on purpose: no alert. Without the operator's view: NoPodsUp instead.
          interval: '1m',
          input_series: [
            { series: `pulsar_ws_operator_gateway_ready_replicas{${gw}, ${op}}`, values: '0x20' },
            { series: `pulsar_ws_operator_gateway_replicas{${gw}, ${op}}`, values: '0x20' },
            {
              series:
                'pulsar_ws_gateway_pending_sends{namespace="team-b", job="h-gateway", pod="h-0"}',
              values: '0 _x20',
            },
            { series: 'up{namespace="team-b", job="h-gateway", pod="h-0"}', values: '1 0x20' },
          ],
          alert_rule_test: [
            { ...none, eval_time: '10m', alertname: 'PulsarWebSocketGatewayNoReadyPods' },
            {
              eval_time: '10m',
              alertname: 'PulsarWebSocketGatewayNoPodsUp',
              exp_alerts: [
                { exp_labels: { severity: 'critical', namespace: 'team-b', job: 'h-gateway' } },
              ],
            },
          ],
        },
        {
          // Renewal due at 30 min, expiry at 2 days, never renewed; a standby replica exports
          // nothing, the leader changes at 1h (both export briefly: max by gateway).
          interval: '1m',
          input_series: [
            {
              series: `pulsar_ws_operator_gateway_certificate_renewal_timestamp_seconds{${gw}, ${op}}`,
              values: '1800x2200',
            },
            {
              series: `pulsar_ws_operator_gateway_certificate_expiry_timestamp_seconds{${gw}, ${op}}`,
              values: '172800x2200',
            },
            {
              series: `pulsar_ws_operator_gateway_certificate_expiry_timestamp_seconds{${gw}, namespace="operators", job="pulsar-websocket-operator-metrics", pod="op-1"}`,
              values: '_x60 172800x2140',
            },
            {
              series: `pulsar_ws_operator_gateway_condition{${gw}, ${op}, condition="Degraded", status="True"}`,
              values: '0x10 1x30',
            },
          ],
          alert_rule_test: [
            // Renewal overdue by only 30 min at 1h: the operator still has its grace.
            {
              ...none,
              eval_time: '1h',
              alertname: 'PulsarWebSocketGatewayCertificateExpiringSoon',
            },
            {
              eval_time: '2h',
              alertname: 'PulsarWebSocketGatewayCertificateExpiringSoon',
              exp_alerts: [
                { exp_labels: { severity: 'warning', gateway_namespace: 'team-a', gateway: 'g' } },
              ],
            },
            {
              ...none,
              eval_time: '2h',
              alertname: 'PulsarWebSocketGatewayCertificateExpiryImminent',
            },
            {
              eval_time: '36h',
              alertname: 'PulsarWebSocketGatewayCertificateExpiryImminent',
              exp_alerts: [
                { exp_labels: { severity: 'critical', gateway_namespace: 'team-a', gateway: 'g' } },
              ],
            },
            { ...none, eval_time: '20m', alertname: 'PulsarWebSocketGatewayDegraded' },
            {
              eval_time: '30m',
              alertname: 'PulsarWebSocketGatewayDegraded',
              exp_alerts: [
                { exp_labels: { severity: 'warning', gateway_namespace: 'team-a', gateway: 'g' } },
              ],
            },
          ],
        },
      ],
    };
    const testFile = join(dir, 'rules-test.yaml');
    await writeFile(testFile, dump(tests));
    const result = await run(join(promBin, 'promtool'), ['test', 'rules', testFile]).catch(
      (err: unknown) => {
        const e = err as { stdout?: string; stderr?: string };
        assert.fail(`promtool test rules failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      },
    );
    assert.match(result.stdout, /SUCCESS/);
  });

  it('helm renders the dashboards as sidecar ConfigMaps and the rules as a PrometheusRule', async () => {
    const helm = await runScript('scripts/build-helm.sh');
    const render = async (...set: string[]): Promise<Record<string, unknown>[]> => {
      const args = ['template', 'mon', CHART_DIR, '--namespace', 'monitoring-ns'];
      args.push('--kube-version', '1.33.0', ...set.flatMap((s) => ['--set', s]));
      const { stdout } = await run(helm, args, { maxBuffer: 16 << 20 });
      return (loadAll(stdout) as (Record<string, unknown> | null)[]).filter(
        (d): d is Record<string, unknown> => d !== null,
      );
    };
    const kinds = (docs: Record<string, unknown>[]): unknown[] => docs.map((d) => d['kind']);
    const off = await render();
    assert.ok(!kinds(off).includes('PrometheusRule'), 'no PrometheusRule by default');
    const on = await render(
      'grafanaDashboards.enabled=true',
      'grafanaDashboards.namespace=grafana',
      'grafanaDashboards.annotations.grafana_folder=Pulsar',
      'prometheusRule.enabled=true',
      'prometheusRule.labels.release=prometheus',
    );
    type Doc = {
      kind: string;
      metadata: {
        namespace: string;
        labels: Record<string, string>;
        annotations?: Record<string, string>;
      };
      data?: Record<string, string>;
      spec?: unknown;
    };
    const docs = on as unknown as Doc[];
    const maps = docs.filter(
      (d) => d.kind === 'ConfigMap' && d.metadata.labels['grafana_dashboard'],
    );
    const files = loadDashboards().map((d) => d.file);
    assert.equal(maps.length, files.length);
    for (const file of files) {
      const map = maps.find((m) => m.data?.[file] !== undefined);
      assert.ok(map, `a ConfigMap carries ${file}`);
      assert.equal(map.metadata.labels['grafana_dashboard'], '1');
      assert.equal(map.metadata.namespace, 'grafana');
      assert.equal(map.metadata.annotations?.['grafana_folder'], 'Pulsar');
      const shipped = await readFile(join(DASHBOARD_DIR, file), 'utf8');
      assert.deepEqual(JSON.parse(map.data?.[file] ?? ''), JSON.parse(shipped));
    }
    const rule = docs.find((d) => d.kind === 'PrometheusRule');
    assert.ok(rule, 'PrometheusRule rendered');
    assert.equal(rule.metadata.namespace, 'monitoring-ns');
    assert.equal(rule.metadata.labels['release'], 'prometheus');
    assert.deepEqual(rule.spec, load(await readFile(RULES_FILE, 'utf8')));
  });
});

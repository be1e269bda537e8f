/**
 * Benchmark of our WebSocket gateway against Apache Pulsar's Java WebSocket proxy, with our Pulsar
 * client talking to the broker directly as the limit (issue 7). One private Pulsar standalone;
 * the Java proxy runs as a separate process (seed 000's "separate component" mode,
 * `WebSocketServiceStarter`), our gateway as another (`node src/gateway/main.ts`), and every load
 * generator in processes of its own (bench/gateway/load.ts). Each scenario runs every target
 * back to back with the same load, the order rotating between scenarios.
 *
 *   npm run bench:gateway                      # full run (≈ 10 min), writes BENCHMARKS.md + SVG
 *   npm run bench:gateway -- --quick --service-url pulsar://… --java-ws-url ws://…   # smoke
 *
 * Options: --duration S (throughput runs, default 8, of which --warmup 2 is not counted),
 * --connections 1,16,64, --rate R (fixed-rate latency, default 2000), --e2e-rate R (default 1000),
 * --consume-messages N (default 100000), --idle-connections N (default 10000), --idle-procs P
 * (client processes for them, default 2), --idle-seconds S (default 20), --rounds N (default 1),
 * --only produce,latency,consume,e2e,idle, --compare-ref REV (also run the gateway of an older
 * commit, for before/after ratios) or --compare-root DIR (a tree holding src/gateway/main.ts),
 * --profile (CPU profiles of our gateway, summarized), --java-pid PID (with --java-ws-url: the
 * proxy's process, for its CPU), --no-write (print only).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, runDir } from '../../scripts/dev/paths.ts';
import { JavaWebSocketProxy } from '../../scripts/dev/java-websocket-proxy.ts';
import { PulsarStandalone } from '../../scripts/dev/pulsar-standalone.ts';
import { progress } from '../../scripts/dev/progress.ts';
import { javaVersionLine, writeBenchmarkSection } from '../lib/benchmarks-file.ts';
import { runChild } from '../pulsar-client/child-run.ts';
import type { ProducerRunResult } from '../pulsar-client/our-producer.ts';
import { summarizeProfiles } from '../pulsar-client/profile-summary.ts';
import type { Endpoint } from './endpoints.ts';
import { GatewayProcess } from './gateway-process.ts';
import type { ConsumeResult, E2eResult, ProduceResult } from './load.ts';
import { cpuMeter, rssBytesOf } from './proc-stats.ts';
import { renderChart, type ChartPanel } from './svg-chart.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'service-url': { type: 'string' },
    'admin-url': { type: 'string' },
    'java-ws-url': { type: 'string' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '1,16,64' },
    rate: { type: 'string', default: '2000' },
    'latency-duration': { type: 'string', default: '15' },
    'e2e-rate': { type: 'string', default: '1000' },
    'consume-messages': { type: 'string', default: '100000' },
    'idle-connections': { type: 'string', default: '10000' },
    'idle-procs': { type: 'string', default: '2' },
    'idle-seconds': { type: 'string', default: '20' },
    rounds: { type: 'string', default: '1' },
    only: { type: 'string', default: 'produce,latency,consume,e2e,idle' },
    'compare-ref': { type: 'string' },
    'compare-root': { type: 'string' },
    'java-pid': { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});

const QUICK = values.quick;
const HERE = path.join(REPO_ROOT, 'bench/gateway');
const LOAD = path.join(HERE, 'load.ts');
const SIZE = 1024;
const MAX_PENDING = 1000;
const workDir = runDir(QUICK ? `bench-gateway-quick-${process.pid}` : 'bench-gateway', {
  fresh: true,
});
const logFile = path.join(workDir, 'load.log');
const runId = Date.now().toString(36);
let topicSeq = 0;
const newTopic = (what: string): string => `gwbench-${what}-${runId}-${topicSeq++}`;
const only = new Set(values.only.split(','));

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// ---------------------------------------------------------------------------------------------
// Targets

interface Target {
  /** Short id used in topic names. */
  id: string;
  label: string;
  endpoint: Endpoint;
  /** The process doing the proxying (not the load generator), for its CPU and memory. */
  pid: number | undefined;
  ws: boolean;
}

async function load<T>(args: string[], timeoutMs: number): Promise<T> {
  const lines = await runChild(process.execPath, [LOAD, ...args], { logFile, timeoutMs });
  const line = lines.find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`no RESULT line (log: ${logFile})`);
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

const endpointArgs = (t: Target): string[] =>
  t.endpoint.kind === 'ws'
    ? ['--ws-url', t.endpoint.wsUrl]
    : ['--service-url', t.endpoint.serviceUrl];

/** One measured run of one target: the workload's own result plus the proxy's CPU use. */
interface Sample<T> {
  target: string;
  result: T;
  /** Cores used by the proxy process during the run (1.0 = one core), if it has one. */
  proxyCores: number | undefined;
  /** CPU seconds the proxy process used during the run, if it has one. */
  proxyCpuS: number | undefined;
}

async function measured<T>(t: Target, run: () => Promise<T>): Promise<Sample<T>> {
  const meter = t.pid === undefined ? undefined : cpuMeter(t.pid);
  const result = await run();
  const used = meter?.stop();
  const ok = used !== undefined && isFinite(used.cpuS);
  return {
    target: t.id,
    result,
    proxyCores: ok ? used.cores : undefined,
    proxyCpuS: ok ? used.cpuS : undefined,
  };
}

/**
 * Proxy CPU per message in µs: the figure least disturbed by other work on the machine (a
 * starved process answers later, but spends the same CPU on each message).
 */
const usPerMessage = (s: Sample<unknown>, messages: number): number | undefined =>
  s.proxyCpuS === undefined || messages === 0 ? undefined : (s.proxyCpuS * 1e6) / messages;

/** Runs `fn` for every target, rotating the order per call so no target always goes first. */
let rotation = 0;
async function eachTarget(targets: Target[], fn: (t: Target) => Promise<void>): Promise<void> {
  const start = rotation++ % targets.length;
  for (let i = 0; i < targets.length; i++) await fn(targets[(start + i) % targets.length]!);
}

// ---------------------------------------------------------------------------------------------
// Workloads

interface Scenario {
  name: string;
  kind: 'produce' | 'latency' | 'consume' | 'e2e' | 'idle';
  samples: Sample<unknown>[];
}

/**
 * What went wrong in the run (unanswered or failed publishes, lost messages): reported with the
 * figures instead of aborting a long run; the smoke test asserts on the samples themselves.
 */
const problems: string[] = [];

function problem(text: string): void {
  problems.push(text);
  progress('bench', `  PROBLEM: ${text}`);
}

function checkProduce(t: Target, r: ProduceResult): void {
  if (r.unanswered > 0 || r.failed > 0)
    problem(
      `${t.label}: ${r.unanswered} of ${r.sent} publishes unanswered, ${r.failed} failed (${r.firstError ?? ''})`,
    );
}

async function produceScenario(
  targets: Target[],
  conns: number,
  batching: boolean,
  rounds: number,
): Promise<Scenario> {
  const sc: Scenario = {
    name: `publish, ${conns} conn${conns === 1 ? '' : 's'}, batching ${batching ? 'on' : 'off'}`,
    kind: 'produce',
    samples: [],
  };
  for (let round = 0; round < rounds; round++) {
    await eachTarget(targets, async (t) => {
      progress('bench', `${sc.name}: ${t.label}`);
      const args = ['produce', ...endpointArgs(t), '--topic-prefix', newTopic(`p-${t.id}`)];
      args.push('--connections', String(conns), '--max-pending', String(MAX_PENDING));
      args.push('--size', String(SIZE));
      if (batching) args.push('--batching');
      if (QUICK) args.push('--messages', '200');
      else args.push('--duration', values.duration, '--warmup', values.warmup);
      const s = await measured(t, () => load<ProduceResult>(args, 240_000));
      checkProduce(t, s.result);
      progress(
        'bench',
        `  ${fmt(s.result.msgPerSec)} msg/s, p99 ${s.result.latency.p99.toFixed(1)} ms, proxy ${fmtCores(s.proxyCores)}, load ${s.result.loadCpuS.toFixed(1)} CPU s`,
      );
      sc.samples.push(s);
    });
  }
  return sc;
}

const fmtCores = (c: number | undefined): string =>
  c === undefined ? '–' : `${(c * 100).toFixed(0)}% CPU`;

async function latencyScenario(targets: Target[], rate: number, rounds: number): Promise<Scenario> {
  const sc: Scenario = {
    name: `publish at ${fmt(rate)} msg/s, 1 conn, batching off`,
    kind: 'latency',
    samples: [],
  };
  for (let round = 0; round < rounds; round++) {
    await eachTarget(targets, async (t) => {
      progress('bench', `${sc.name}: ${t.label}`);
      const args = ['produce', ...endpointArgs(t), '--topic-prefix', newTopic(`l-${t.id}`)];
      args.push('--connections', '1', '--rate', String(rate), '--size', String(SIZE));
      if (QUICK) args.push('--messages', '300');
      // A longer warm-up than the throughput runs: the p99 target is about steady state, and in
      // its first seconds a JVM is still compiling.
      else args.push('--duration', values['latency-duration'], '--warmup', '5');
      const s = await measured(t, () => load<ProduceResult>(args, 240_000));
      checkProduce(t, s.result);
      const l = s.result.latency;
      progress(
        'bench',
        `  p50 ${l.p50.toFixed(2)}, p99 ${l.p99.toFixed(2)}, p99.9 ${l.p999.toFixed(2)} ms`,
      );
      sc.samples.push(s);
    });
  }
  return sc;
}

async function consumeScenarios(
  targets: Target[],
  serviceUrl: string,
  rounds: number,
): Promise<Scenario[]> {
  const messages = QUICK ? 500 : Number(values['consume-messages']);
  const topic = newTopic('consume');
  progress('bench', `pre-filling ${topic} with ${fmt(messages)} messages (direct, batched)`);
  const fill = await runChild(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bench/pulsar-client/our-producer.ts'),
      '--service-url',
      serviceUrl,
      '--topic',
      topic,
      '--batching',
      '--messages',
      String(messages),
      '--warmup',
      '0',
    ],
    { logFile, timeoutMs: 300_000 },
  );
  const filled = JSON.parse(
    fill.find((l) => l.startsWith('RESULT '))!.slice('RESULT '.length),
  ) as ProducerRunResult;
  if (filled.acked !== messages) throw new Error(`pre-fill acked ${filled.acked} of ${messages}`);
  const out: Scenario[] = [];
  for (const mode of ['push', 'pull'] as const) {
    const sc: Scenario = {
      name: `consume ${mode}, ack each`,
      kind: 'consume',
      samples: [],
    };
    // Our client has no push/pull distinction: it runs once, under "push", and is the limit for both.
    const forMode = mode === 'push' ? targets : targets.filter((t) => t.ws);
    for (let round = 0; round < rounds; round++) {
      await eachTarget(forMode, async (t) => {
        progress('bench', `${sc.name}: ${t.label}`);
        const args = ['consume', ...endpointArgs(t), '--topic', topic, '--mode', mode];
        args.push('--subscription', `s-${t.id}-${mode}-${round}`, '--messages', String(messages));
        const s = await measured(t, () => load<ConsumeResult>(args, 300_000));
        progress('bench', `  ${fmt(s.result.msgPerSec)} msg/s, proxy ${fmtCores(s.proxyCores)}`);
        sc.samples.push(s);
      });
    }
    out.push(sc);
  }
  return out;
}

async function e2eScenario(targets: Target[], rate: number, rounds: number): Promise<Scenario> {
  const sc: Scenario = {
    name: `end-to-end at ${fmt(rate)} msg/s`,
    kind: 'e2e',
    samples: [],
  };
  for (let round = 0; round < rounds; round++) {
    await eachTarget(targets, async (t) => {
      progress('bench', `${sc.name}: ${t.label}`);
      const args = ['e2e', ...endpointArgs(t), '--topic', newTopic(`e-${t.id}`)];
      args.push('--rate', String(rate), '--size', String(SIZE));
      args.push(
        '--duration',
        QUICK ? '1' : values['latency-duration'],
        '--warmup',
        QUICK ? '0' : '5',
      );
      const s = await measured(t, () => load<E2eResult>(args, 240_000));
      const r = s.result;
      if (r.failed > 0 || r.acked !== r.sent || r.received < r.acked)
        problem(
          `${t.label}: end-to-end sent ${r.sent}, acked ${r.acked}, failed ${r.failed}, received ${r.received} (${r.firstError ?? ''})`,
        );
      progress(
        'bench',
        `  p50 ${r.latency.p50.toFixed(2)}, p99 ${r.latency.p99.toFixed(2)}, p99.9 ${r.latency.p999.toFixed(2)} ms`,
      );
      sc.samples.push(s);
    });
  }
  return sc;
}

/** Result of the idle-connections workload for one proxy. */
interface IdleResult {
  connections: number;
  failed: number;
  closedEarly: number;
  openS: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  kibPerConnection: number;
  /** Proxy CPU while all connections sat idle (1.0 = one core). */
  idleCores: number;
  firstError?: string;
}

/** Starts the idle load processes, resolves once all report OPENED, returns their stop(). */
async function idleScenario(targets: Target[]): Promise<Scenario> {
  const total = QUICK ? 40 : Number(values['idle-connections']);
  const procs = QUICK ? 1 : Number(values['idle-procs']);
  const idleMs = (QUICK ? 1 : Number(values['idle-seconds'])) * 1000;
  const sc: Scenario = {
    name: `${fmt(total)} idle producer connections`,
    kind: 'idle',
    samples: [],
  };
  // The older build (--compare-ref) is left out: its idle footprint is not what changed.
  for (const t of targets.filter((x) => x.ws && x.id !== 'ref')) {
    progress('bench', `${sc.name}: ${t.label}`);
    const rssBefore = t.pid === undefined ? NaN : (rssBytesOf(t.pid) ?? NaN);
    const t0 = performance.now();
    const prefix = newTopic(`i-${t.id}`);
    const children = Array.from({ length: procs }, (_, i) => {
      const n = Math.floor(total / procs) + (i < total % procs ? 1 : 0);
      const child = spawn(
        process.execPath,
        [LOAD, 'idle', ...endpointArgs(t), '--topic-prefix', prefix, '--connections', String(n)],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const lines: string[] = [];
      let rest = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop() ?? '';
        lines.push(...parts);
      });
      const wait = async (
        prefixWord: string,
        timeoutMs: number,
      ): Promise<Record<string, unknown>> => {
        const deadline = performance.now() + timeoutMs;
        for (;;) {
          const line = lines.find((l) => l.startsWith(prefixWord + ' '));
          if (line !== undefined)
            return JSON.parse(line.slice(prefixWord.length + 1)) as Record<string, unknown>;
          if (child.exitCode !== null) throw new Error(`idle load exited with ${child.exitCode}`);
          if (performance.now() > deadline) throw new Error(`idle load: no ${prefixWord} line`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      return { child, wait };
    });
    try {
      const opened = await Promise.all(children.map((c) => c.wait('OPENED', 600_000)));
      const openS = (performance.now() - t0) / 1000;
      const count = opened.reduce((a, o) => a + Number(o['opened']), 0);
      const failed = opened.reduce((a, o) => a + Number(o['failed']), 0);
      const firstError = opened
        .map((o) => o['firstError'])
        .find((e): e is string => typeof e === 'string');
      progress(
        'bench',
        `  ${count} open (${failed} failed${firstError === undefined ? '' : `, first: ${firstError}`}) in ${openS.toFixed(1)} s; idling`,
      );
      // Let the open burst's garbage settle before sampling idle CPU and memory.
      await new Promise((r) => setTimeout(r, 3000));
      const meter = t.pid === undefined ? undefined : cpuMeter(t.pid);
      await new Promise((r) => setTimeout(r, idleMs));
      const idleCores = meter?.stop().cores ?? NaN;
      const rssAfter = t.pid === undefined ? NaN : (rssBytesOf(t.pid) ?? NaN);
      for (const c of children) c.child.kill('SIGTERM');
      const ended = await Promise.all(children.map((c) => c.wait('IDLE_END', 60_000)));
      const closedEarly = ended.reduce((a, o) => a + Number(o['closedEarly']), 0);
      const result: IdleResult = {
        connections: count,
        failed,
        closedEarly,
        openS,
        rssBeforeMiB: rssBefore / 2 ** 20,
        rssAfterMiB: rssAfter / 2 ** 20,
        kibPerConnection: (rssAfter - rssBefore) / 1024 / Math.max(1, count),
        idleCores,
        ...(firstError === undefined ? {} : { firstError }),
      };
      progress(
        'bench',
        `  RSS ${fmt(result.rssBeforeMiB)} → ${fmt(result.rssAfterMiB)} MiB = ${result.kibPerConnection.toFixed(1)} KiB/conn, idle ${fmtCores(idleCores)}`,
      );
      sc.samples.push({ target: t.id, result, proxyCores: idleCores, proxyCpuS: undefined });
    } finally {
      for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
    }
    // The proxy closes thousands of broker producers: give it a moment before the next target.
    await new Promise((r) => setTimeout(r, QUICK ? 200 : 5000));
  }
  return sc;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  scenario: string;
  metric: string;
  higherIsBetter: boolean;
  byTarget: Map<string, number>;
}

const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function rowsOf(scenarios: Scenario[]): Row[] {
  const rows: Row[] = [];
  const row = (
    sc: Scenario,
    metric: string,
    higherIsBetter: boolean,
    f: (s: Sample<unknown>) => number | undefined,
  ): void => {
    const byTarget = new Map<string, number>();
    const ids = [...new Set(sc.samples.map((s) => s.target))];
    for (const id of ids) {
      const xs = sc.samples
        .filter((s) => s.target === id)
        .map(f)
        .filter((x): x is number => x !== undefined && isFinite(x));
      if (xs.length > 0) byTarget.set(id, avg(xs));
    }
    rows.push({ scenario: sc.name, metric, higherIsBetter, byTarget });
  };
  for (const sc of scenarios) {
    const p = (s: Sample<unknown>): ProduceResult => s.result as ProduceResult;
    const e = (s: Sample<unknown>): E2eResult => s.result as E2eResult;
    const i = (s: Sample<unknown>): IdleResult => s.result as IdleResult;
    switch (sc.kind) {
      case 'produce':
        row(sc, 'msg/s', true, (s) => p(s).msgPerSec);
        row(sc, 'p99 ms (saturated)', false, (s) => p(s).latency.p99);
        row(sc, 'proxy CPU µs per message', false, (s) => usPerMessage(s, p(s).acked));
        break;
      case 'latency':
        row(sc, 'p50 ms', false, (s) => p(s).latency.p50);
        row(sc, 'p99 ms', false, (s) => p(s).latency.p99);
        row(sc, 'p99.9 ms', false, (s) => p(s).latency.p999);
        row(sc, 'proxy CPU µs per message', false, (s) => usPerMessage(s, p(s).acked));
        break;
      case 'consume':
        row(sc, 'msg/s', true, (s) => (s.result as ConsumeResult).msgPerSec);
        row(sc, 'proxy CPU µs per message', false, (s) =>
          usPerMessage(s, (s.result as ConsumeResult).received),
        );
        break;
      case 'e2e':
        row(sc, 'p50 ms', false, (s) => e(s).latency.p50);
        row(sc, 'p99 ms', false, (s) => e(s).latency.p99);
        row(sc, 'p99.9 ms', false, (s) => e(s).latency.p999);
        break;
      case 'idle':
        row(sc, 'KiB per connection (RSS delta / N)', false, (s) => i(s).kibPerConnection);
        row(sc, 'RSS with all open, MiB', false, (s) => i(s).rssAfterMiB);
        row(sc, 'idle CPU, cores', false, (s) => i(s).idleCores);
        row(sc, 'time to open all, s', false, (s) => i(s).openS);
        break;
    }
  }
  return rows;
}

function table(rows: Row[], targets: Target[]): string {
  const ref = targets.find((t) => t.id === 'ref');
  const head = [
    'Scenario',
    'Metric',
    ...targets.map((t) => t.label),
    'Ours / Java',
    'Ours / direct',
    ...(ref === undefined ? [] : [`Ours / ${ref.label}`]),
  ];
  const out = [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`,
  ];
  const ratio = (a: number | undefined, b: number | undefined): string =>
    a === undefined || b === undefined || b === 0 ? '–' : (a / b).toFixed(2);
  for (const r of rows) {
    const digits =
      r.metric.includes(' ms') || r.metric.includes('cores')
        ? 2
        : r.metric.startsWith('KiB') || r.metric.endsWith(', s')
          ? 1
          : 0;
    const v = (id: string): string => {
      const x = r.byTarget.get(id);
      return x === undefined ? '–' : fmt(x, digits);
    };
    const ours = r.byTarget.get('ours');
    out.push(
      `| ${r.scenario} | ${r.metric} | ${targets.map((t) => v(t.id)).join(' | ')} | ${ratio(
        ours,
        r.byTarget.get('java'),
      )} | ${ratio(ours, r.byTarget.get('direct'))} |${
        ref === undefined ? '' : ` ${ratio(ours, r.byTarget.get('ref'))} |`
      }`,
    );
  }
  return out.join('\n');
}

/** The issue's targets, checked against the rows. */
function targetLines(rows: Row[]): string[] {
  const get = (scenarioPrefix: string, metric: string): Row[] =>
    rows.filter((r) => r.scenario.startsWith(scenarioPrefix) && r.metric === metric);
  const lines: string[] = [];
  for (const r of get('publish, ', 'msg/s')) {
    const ours = r.byTarget.get('ours');
    const java = r.byTarget.get('java');
    if (ours === undefined || java === undefined) continue;
    const x = ours / java;
    lines.push(
      `- ${r.scenario}: ${x.toFixed(2)}× the Java proxy (target ≥ 2×: **${x >= 2 ? 'met' : 'NOT met'}**)`,
    );
  }
  for (const r of get('publish at ', 'p99 ms')) {
    const ours = r.byTarget.get('ours');
    const java = r.byTarget.get('java');
    const direct = r.byTarget.get('direct');
    if (ours === undefined || java === undefined || direct === undefined) continue;
    lines.push(
      `- ${r.scenario}: p99 ${ours.toFixed(2)} ms vs Java ${java.toFixed(2)} ms (target ≤: **${
        ours <= java ? 'met' : 'NOT met'
      }**) and direct ${direct.toFixed(2)} ms (target within 2 ms: **${
        ours - direct <= 2 ? 'met' : 'NOT met'
      }**, +${(ours - direct).toFixed(2)} ms)`,
    );
  }
  for (const r of rows.filter((x) => x.metric.startsWith('KiB per connection'))) {
    const ours = r.byTarget.get('ours');
    if (ours === undefined) continue;
    lines.push(
      `- ${r.scenario}: ${ours.toFixed(1)} KiB per connection (target < 20 KiB: **${
        ours < 20 ? 'met' : 'NOT met'
      }**)`,
    );
  }
  return lines;
}

function chart(rows: Row[], targets: Target[]): string {
  const panel = (title: string, unit: string, pick: (r: Row) => boolean): ChartPanel => ({
    title,
    unit,
    groups: rows.filter(pick).map((r) => ({
      label: r.metric.startsWith('p') ? `${r.scenario} ${r.metric.split(' ')[0]!}` : r.scenario,
      bars: targets.map((t) => ({ series: t.label, value: r.byTarget.get(t.id) })),
    })),
  });
  return renderChart(
    'Pulsar WebSocket gateways on one standalone broker (higher throughput, lower latency is better)',
    targets.map((t) => t.label),
    [
      panel('Throughput', 'msg/s', (r) => r.metric === 'msg/s'),
      panel(
        'Latency',
        'ms',
        (r) =>
          (r.scenario.startsWith('publish at') || r.scenario.startsWith('end-to-end')) &&
          (r.metric === 'p50 ms' || r.metric === 'p99 ms'),
      ),
    ],
  );
}

const SECTION = '## Gateway vs the Java WebSocket proxy';
const SVG_FILE = 'bench/gateway/results.svg';

function report(
  rows: Row[],
  targets: Target[],
  scenarios: Scenario[],
  totalS: number,
  command: string,
  rounds: number,
): string {
  const cpus = os.cpus();
  const details = scenarios.map((sc) => {
    const each = sc.samples.map((s) => {
      const label = targets.find((t) => t.id === s.target)?.label ?? s.target;
      const r = s.result as Partial<ProduceResult & ConsumeResult & IdleResult & E2eResult>;
      const parts: string[] = [];
      if (sc.kind === 'produce' || sc.kind === 'consume')
        parts.push(`${fmt(r.msgPerSec ?? 0)} msg/s`);
      if (r.latency !== undefined && sc.kind !== 'consume')
        parts.push(`p99 ${r.latency.p99.toFixed(2)} ms`);
      if (r.loadCpuS !== undefined) parts.push(`load generator ${r.loadCpuS.toFixed(1)} CPU s`);
      if (sc.kind === 'idle')
        parts.push(
          `${r.connections} open, ${r.failed} failed${r.failed !== 0 && r.firstError !== undefined ? ` (first: ${r.firstError})` : ''}, ${r.closedEarly} closed early, ${r.kibPerConnection?.toFixed(1)} KiB/conn`,
        );
      if (s.proxyCores !== undefined) parts.push(`proxy ${fmtCores(s.proxyCores)}`);
      return `${label}: ${parts.join(', ')}`;
    });
    return `  - ${sc.name}: ${each.join('; ')}`;
  });
  return [
    SECTION,
    '',
    `Our gateway (\`src/gateway\`, run as \`node src/gateway/main.ts\`) against Apache Pulsar's Java WebSocket`,
    `proxy **as a separate process** (seed 000's "separate component" mode, \`WebSocketServiceStarter\`,`,
    `\`scripts/dev/java-websocket-proxy.ts\`), both in front of one private Pulsar standalone, with our Pulsar`,
    `client talking to the broker directly (no WebSocket) as the limit. Same load for every target, in one`,
    `run, from load-generator processes of their own (\`bench/gateway/load.ts\`: real WebSocket connections,`,
    `every publish matched to its answer through \`context\`; ${
      problems.length === 0
        ? 'every publish was answered in this run'
        : `**problems in this run: ${problems.join('; ')}**`
    }).`,
    `Generated by \`bench/gateway/run.ts\`; ${rounds} round(s), means. "Proxy CPU µs per message" is the`,
    `proxying process's CPU time during the run divided by the messages it carried (read from /proc; the`,
    `direct client has no proxy): on a machine where every process gets a share of two busy cores, it is`,
    `the figure other work disturbs least, and it bounds what one core can carry.`,
    '',
    table(rows, targets),
    '',
    ...targetLines(rows),
    '',
    `![Throughput and latency per target](${SVG_FILE})`,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${command}\` (whole run ${fmt(totalS)} s)`,
    `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB memory,`,
    `  ${os.platform()} ${os.release()}; Node ${process.versions.node}; ${javaVersionLine()}. **The two cores are shared`,
    `  by the broker, the proxy under test, the load generator and other work on the machine**: absolute`,
    `  figures are low and noisy; read the ratios (same broker, same load, back to back).`,
    `- Workload: ${SIZE}-byte random payloads (base64 in JSON over WebSocket), one topic per producer connection,`,
    `  at most ${MAX_PENDING} unanswered publishes per connection; batching on = \`batchingEnabled=true&batchingMaxPublishDelay=1\``,
    `  (1 ms, 1000 messages). Throughput runs last ${values.duration} s, the first ${values.warmup} s not counted. Fixed-rate runs:`,
    `  ${values['latency-duration']} s, first 5 s excluded. Consume: ${fmt(Number(values['consume-messages']))} pre-filled (batched) messages drained from`,
    `  the earliest by a new Exclusive subscription per run, every message acknowledged (\`{"messageId":…}\`), receiver`,
    `  queue 1000; pull mode grants permits 500 at a time, 1000 ahead. End-to-end: the send time travels in the`,
    `  payload from a producer connection to a consumer connection on the same topic. Idle: producer sessions`,
    `  over 100 topics opened from ${values['idle-procs']} client processes; memory is the proxy's RSS with all open minus before,`,
    `  divided by the connections; CPU over ${values['idle-seconds']} s of idleness. Clients do not offer permessage-deflate (Jetty`,
    `  would accept it and our gateway does not; compression is not what is compared).`,
    '- Per run:',
    ...details,
    '',
  ].join('\n');
}

/** Replaces our section of BENCHMARKS.md (read right before writing; other sections are kept). */

/** Exports `src/` of an older commit next to the repository (for its node_modules). */
function exportRef(ref: string): { root: string; short: string } {
  const sha = execFileSync('git', ['rev-parse', ref], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  const root = path.join(REPO_ROOT, '.tmp', 'bench-gateway-ref', sha);
  if (!existsSync(path.join(root, 'src/gateway/main.ts'))) {
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} src | tar -x -C '${root}'`], { cwd: REPO_ROOT });
  }
  return { root, short: sha.slice(0, 7) };
}

// ---------------------------------------------------------------------------------------------
// Main

/** The processes a run started, for teardown. */
interface Started {
  broker?: PulsarStandalone;
  javaProxy?: JavaWebSocketProxy;
  gateways: GatewayProcess[];
}

/**
 * Starts (or, with --service-url / --java-ws-url, reuses) the broker and the Java proxy, starts
 * our gateway (and the --compare-ref one), and returns the targets in report order.
 */
async function startTargets(
  started: Started,
  profileDir: string,
): Promise<{ targets: Target[]; serviceUrl: string }> {
  let serviceUrl = values['service-url'];
  let adminUrl = values['admin-url'];
  if (serviceUrl === undefined) {
    started.broker = await PulsarStandalone.start({ name: 'bench-gateway-pulsar' });
    serviceUrl = started.broker.endpoints.serviceUrl;
    adminUrl = started.broker.endpoints.adminUrl;
  }
  let javaWsUrl = values['java-ws-url'];
  let javaPid = values['java-pid'] === undefined ? undefined : Number(values['java-pid']);
  if (javaWsUrl === undefined) {
    if (adminUrl === undefined) throw new Error('--service-url needs --admin-url or --java-ws-url');
    started.javaProxy = await JavaWebSocketProxy.start(
      { serviceUrl, adminUrl, wsUrl: '' },
      {
        name: 'bench-gateway-java-proxy',
        // Room for the idle workload (Jetty's connection limit, default 2048).
        config: { maxHttpServerConnections: '20000', maxConcurrentHttpRequests: '20000' },
      },
    );
    javaWsUrl = started.javaProxy.wsUrl;
    const pidFile = path.join(runDir('pids'), 'bench-gateway-java-proxy.pid');
    javaPid = Number(readFileSync(pidFile, 'utf8').split(' ')[0]);
  }
  const brokerUrl = serviceUrl;
  const start = async (root: string, name: string): Promise<GatewayProcess> => {
    const g = await GatewayProcess.start({
      sourceRoot: root,
      serviceUrl: brokerUrl,
      logFile: path.join(workDir, `${name}.log`),
      ...(values.profile ? { cpuProfileDir: path.join(profileDir, name) } : {}),
    });
    started.gateways.push(g);
    return g;
  };
  const ours = await start(REPO_ROOT, 'gateway');
  const targets: Target[] = [
    {
      id: 'java',
      label: 'Java proxy',
      endpoint: { kind: 'ws', wsUrl: javaWsUrl },
      pid: javaPid,
      ws: true,
    },
    {
      id: 'ours',
      label: 'our gateway',
      endpoint: { kind: 'ws', wsUrl: ours.wsUrl },
      pid: ours.pid,
      ws: true,
    },
  ];
  const compare =
    values['compare-ref'] !== undefined
      ? exportRef(values['compare-ref'])
      : values['compare-root'] !== undefined
        ? {
            root: path.resolve(values['compare-root']),
            short: path.basename(values['compare-root']),
          }
        : undefined;
  if (compare !== undefined) {
    const old = await start(compare.root, 'gateway-ref');
    targets.push({
      id: 'ref',
      label: `our gateway @${compare.short}`,
      endpoint: { kind: 'ws', wsUrl: old.wsUrl },
      pid: old.pid,
      ws: true,
    });
  }
  targets.push({
    id: 'direct',
    label: 'direct client',
    endpoint: { kind: 'direct', serviceUrl },
    pid: undefined,
    ws: false,
  });
  return { targets, serviceUrl };
}

async function runScenarios(
  targets: Target[],
  serviceUrl: string,
  rounds: number,
): Promise<Scenario[]> {
  const scenarios: Scenario[] = [];
  // Idle first, on fresh processes, so memory deltas are not blurred by earlier runs' heaps.
  if (only.has('idle')) scenarios.push(await idleScenario(targets));
  if (only.has('produce')) {
    const conns = QUICK ? [1, 4] : values.connections.split(',').map(Number);
    for (const batching of [false, true])
      for (const c of conns) scenarios.push(await produceScenario(targets, c, batching, rounds));
  }
  if (only.has('latency'))
    scenarios.push(await latencyScenario(targets, QUICK ? 500 : Number(values.rate), rounds));
  if (only.has('consume')) scenarios.push(...(await consumeScenarios(targets, serviceUrl, rounds)));
  if (only.has('e2e'))
    scenarios.push(await e2eScenario(targets, QUICK ? 200 : Number(values['e2e-rate']), rounds));
  return scenarios;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const rounds = QUICK ? 1 : Number(values.rounds);
  const started: Started = { gateways: [] };
  const profileDir = path.join(workDir, 'profiles');
  try {
    const { targets, serviceUrl } = await startTargets(started, profileDir);
    const scenarios = await runScenarios(targets, serviceUrl, rounds);
    const totalS = (performance.now() - t0) / 1000;
    const rows = rowsOf(scenarios);
    const argv = process.argv.slice(2).filter((a) => a !== '--no-write');
    const command = `npm run bench:gateway${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`;
    const section = report(rows, targets, scenarios, totalS, command, rounds);
    process.stdout.write(`\n${section}\n`);
    const svg = chart(rows, targets);
    const write = !QUICK && !values['no-write'];
    const svgPath = write ? path.join(REPO_ROOT, SVG_FILE) : path.join(workDir, 'results.svg');
    writeFileSync(svgPath, svg);
    progress('bench', `wrote ${svgPath}`);
    if (write) writeBenchmarkSection(SECTION, section);
    if (QUICK) {
      // Machine-readable for test/integration/gateway/bench-gateway-smoke.test.ts.
      const samples = scenarios.flatMap((sc) =>
        sc.samples.map((s) => ({
          scenario: sc.name,
          kind: sc.kind,
          target: s.target,
          result: s.result,
        })),
      );
      const svgValid = svg.startsWith('<svg') && svg.trimEnd().endsWith('</svg>');
      process.stdout.write(
        `SMOKE ${JSON.stringify({ svgValid, svgBytes: svg.length, samples })}\n`,
      );
    }
    // Stopped before summarizing: a CPU profile is written when its process exits.
    for (const g of started.gateways) await g.stop();
    if (values.profile) {
      for (const name of ['gateway', 'gateway-ref']) {
        const dir = path.join(profileDir, name);
        if (existsSync(dir)) process.stdout.write(`\n### ${name}\n\n${summarizeProfiles(dir)}\n`);
      }
    }
  } finally {
    for (const g of started.gateways) await g.stop().catch(() => undefined);
    await started.javaProxy?.destroy().catch(() => undefined);
    await started.broker?.destroy().catch(() => undefined);
    if (QUICK) rmSync(workDir, { recursive: true, force: true });
  }
}

await main();

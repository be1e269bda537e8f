/**
 * Benchmark of our TypeScript Pulsar client against Apache Pulsar's Java `pulsar-perf`, on the same
 * private standalone broker in the same run (issue 3, "Benchmark"). Each client runs in its own
 * process; the two alternate within every scenario (and the one that goes first alternates per
 * round) so broker warm-up and noise from other work on the machine hit both alike.
 *
 *   npm run bench:pulsar-client                       # full run, writes BENCHMARKS.md
 *   npm run bench:pulsar-client -- --smoke --service-url pulsar://127.0.0.1:6650
 *
 * Options: --duration S (per produce run, default 12), --rounds N (default 2), --rate R (fixed-rate
 * latency scenario, default 2000), --consume-messages N (default 300000), --profile (CPU profiles
 * of our processes, summarized), --no-write (print only).
 */
import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, runDir } from '../../scripts/dev/paths.ts';
import { PulsarStandalone } from '../../scripts/dev/pulsar-standalone.ts';
import { runScript } from '../../scripts/dev/run-script.ts';
import { progress } from '../../scripts/dev/progress.ts';
import { javaVersionLine, writeBenchmarkSection } from '../lib/benchmarks-file.ts';
import { runChild } from './child-run.ts';
import type { ConsumerRunResult } from './our-consumer.ts';
import type { ProducerRunResult } from './our-producer.ts';
import { summarizeProfiles } from './profile-summary.ts';
import { perfConsume, perfProduce, type PerfContext } from './pulsar-perf.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    'service-url': { type: 'string' },
    duration: { type: 'string', default: '12' },
    rounds: { type: 'string', default: '2' },
    rate: { type: 'string', default: '2000' },
    'consume-messages': { type: 'string', default: '300000' },
    profile: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
  },
  strict: true,
});

const HERE = path.join(REPO_ROOT, 'bench/pulsar-client');
const SIZE = 1024;
const MAX_PENDING = 1000;
const LATENCY_WARMUP_S = 5;
// Smoke runs (the integration test) get their own directory, so one never wipes a full run's logs.
const workDir = runDir(
  values.smoke ? `bench-pulsar-client-smoke-${process.pid}` : 'bench-pulsar-client',
  { fresh: true },
);
const logFile = path.join(workDir, 'clients.log');
const profileDir = path.join(workDir, 'profiles');
const runId = Date.now().toString(36);
let topicSeq = 0;
const newTopic = (what: string): string => `bench-${what}-${runId}-${topicSeq++}`;

function parseResult(lines: string[]): unknown {
  const line = lines.find((l) => l.startsWith('RESULT '));
  if (line === undefined) throw new Error(`no RESULT line (log: ${logFile})`);
  return JSON.parse(line.slice('RESULT '.length));
}

/** Spawns our client script in a fresh Node process (the repo's Node, as running us). */
async function ours<T>(script: string, args: string[], timeoutMs: number): Promise<T> {
  const node = [
    ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    path.join(HERE, script),
  ];
  const lines = await runChild(process.execPath, [...node, ...args], { logFile, timeoutMs });
  return parseResult(lines) as T;
}

interface ProduceArgs {
  serviceUrl: string;
  topic: string;
  batching: boolean;
  durationS?: number;
  messages?: number;
  rate?: number;
  warmupS?: number;
}

function ourProduce(a: ProduceArgs): Promise<ProducerRunResult> {
  const args = ['--service-url', a.serviceUrl, '--topic', a.topic];
  args.push('--size', String(SIZE), '--max-pending', String(MAX_PENDING));
  if (a.batching) args.push('--batching');
  if (a.durationS !== undefined) args.push('--duration', String(a.durationS));
  if (a.messages !== undefined) args.push('--messages', String(a.messages));
  if (a.rate !== undefined) args.push('--rate', String(a.rate));
  // The smoke run sends a few hundred messages: no warm-up to exclude from its latency numbers.
  args.push('--warmup', String(a.warmupS ?? (a.messages !== undefined ? 0 : 1)));
  return ours<ProducerRunResult>('our-producer.ts', args, ((a.durationS ?? 30) + 90) * 1000);
}

function ourConsume(
  serviceUrl: string,
  topic: string,
  subscription: string,
  messages: number,
): Promise<ConsumerRunResult> {
  const args = ['--service-url', serviceUrl, '--topic', topic, '--subscription', subscription];
  return ours<ConsumerRunResult>(
    'our-consumer.ts',
    [...args, '--messages', String(messages)],
    300_000,
  );
}

// ---------------------------------------------------------------------------------------------
// Report

interface Row {
  scenario: string;
  metric: string;
  ours: number;
  perf: number | undefined;
  /** Which way is better, for the ratio's reading. */
  higherIsBetter: boolean;
  target?: { ratio: number; text: string };
  /**
   * Best run of each side (highest throughput, lowest latency). Other work on the shared machine
   * only ever slows a run down, so best-vs-best is the less noisy comparison of what each client
   * can do; the mean shows what a run typically got.
   */
  best?: { ours: number; perf: number };
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function table(rows: Row[]): string {
  const out = [
    '| Scenario | Metric | Ours (TypeScript), mean | pulsar-perf (Java), mean | Ratio of means | Ratio of best runs | Target |',
    '|---|---|---:|---:|---:|---:|---|',
  ];
  const ratioOf = (ours: number, perf: number | undefined): number | undefined =>
    perf === undefined || perf === 0 ? undefined : ours / perf;
  for (const r of rows) {
    const digits = r.metric.endsWith(' ms') ? 2 : 0;
    const ratio = ratioOf(r.ours, r.perf);
    const bestRatio = r.best === undefined ? undefined : ratioOf(r.best.ours, r.best.perf);
    let target = '';
    if (r.target !== undefined && ratio !== undefined) {
      const t = r.target;
      const met = (x: number): string =>
        (r.higherIsBetter ? x >= t.ratio : x <= t.ratio) ? 'met' : 'NOT met';
      target = `${t.text}: means **${met(ratio)}**`;
      if (bestRatio !== undefined) target += `, best runs **${met(bestRatio)}**`;
    }
    const show = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(2));
    out.push(
      `| ${r.scenario} | ${r.metric} | ${fmt(r.ours, digits)} | ${
        r.perf === undefined ? '–' : fmt(r.perf, digits)
      } | ${show(ratio)} | ${show(bestRatio)} | ${target} |`,
    );
  }
  return out.join('\n');
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

function bestOf(ours: number[], perf: number[], higherIsBetter: boolean): Row['best'] {
  const pick = (xs: number[]): number => (higherIsBetter ? Math.max(...xs) : Math.min(...xs));
  return { ours: pick(ours), perf: pick(perf) };
}

// ---------------------------------------------------------------------------------------------
// Smoke mode: our client only, a few hundred messages, so the script is kept working by a test.

async function smoke(serviceUrl: string): Promise<void> {
  const batchTopic = newTopic('smoke-batch');
  const on = await ourProduce({ serviceUrl, topic: batchTopic, batching: true, messages: 300 });
  const off = await ourProduce({
    serviceUrl,
    topic: newTopic('smoke-nobatch'),
    batching: false,
    messages: 300,
  });
  const rated = await ourProduce({
    serviceUrl,
    topic: newTopic('smoke-rate'),
    batching: false,
    messages: 200,
    rate: 2000,
  });
  const consumed = await ourConsume(serviceUrl, batchTopic, 'smoke', 300);
  const failures = on.failed + off.failed + rated.failed + consumed.ackFailed;
  const rows: Row[] = [
    {
      scenario: 'produce, batching on',
      metric: 'msg/s',
      ours: on.msgPerSec,
      perf: undefined,
      higherIsBetter: true,
    },
    {
      scenario: 'produce, batching off',
      metric: 'msg/s',
      ours: off.msgPerSec,
      perf: undefined,
      higherIsBetter: true,
    },
    {
      scenario: 'consume',
      metric: 'msg/s',
      ours: consumed.msgPerSec,
      perf: undefined,
      higherIsBetter: true,
    },
    {
      scenario: 'latency at 2,000 msg/s',
      metric: 'p50 ms',
      ours: rated.latency.p50,
      perf: undefined,
      higherIsBetter: false,
    },
    {
      scenario: 'latency at 2,000 msg/s',
      metric: 'p99 ms',
      ours: rated.latency.p99,
      perf: undefined,
      higherIsBetter: false,
    },
  ];
  process.stdout.write(`${table(rows)}\n`);
  // Machine-readable for bench-smoke.test.ts.
  process.stdout.write(
    `SMOKE ${JSON.stringify({
      produceBatchMsgPerSec: on.msgPerSec,
      produceNoBatchMsgPerSec: off.msgPerSec,
      consumeMsgPerSec: consumed.msgPerSec,
      latencyP50Ms: rated.latency.p50,
      latencyP99Ms: rated.latency.p99,
      acked: on.acked + off.acked + rated.acked,
      received: consumed.received,
      failures,
    })}\n`,
  );
  if (failures > 0) throw new Error(`smoke run had ${failures} failed sends or acks`);
}

// ---------------------------------------------------------------------------------------------
// Full run

interface ProduceScenario {
  name: string;
  batching: boolean;
  rate?: number;
  /** Seconds excluded from latency on both sides; the run lasts this much longer. */
  warmupS: number;
}

interface Pair<T> {
  ours: T[];
  perf: T[];
}

async function full(): Promise<void> {
  const durationS = Number(values.duration);
  const rounds = Number(values.rounds);
  const rate = Number(values.rate);
  const consumeMessages = Number(values['consume-messages']);
  const t0 = performance.now();
  const cacheDir = await runScript(path.join(REPO_ROOT, 'scripts/fetch-pulsar.sh'), [
    '--with-perf',
  ]);
  const broker = await PulsarStandalone.start({ name: 'bench-pulsar' });
  try {
    const { serviceUrl, adminUrl } = broker.endpoints;
    const ctx: PerfContext = { cacheDir, workDir, serviceUrl, adminUrl };
    const scenarios: ProduceScenario[] = [
      { name: 'produce, batching on', batching: true, warmupS: 1 },
      { name: 'produce, batching off', batching: false, warmupS: 1 },
      // A longer warm-up here: in the first seconds the JVM is still compiling (pulsar-perf could
      // not even hold 2,000 msg/s in its first 10 s interval, p99 ~200 ms), and the p99 target is
      // about steady state, which is what a long-running gateway sees.
      {
        name: `latency at ${fmt(rate)} msg/s, batching off`,
        batching: false,
        rate,
        warmupS: LATENCY_WARMUP_S,
      },
    ];
    const produced = new Map<string, Pair<ProducerRunResult>>();
    let flip = 0;
    for (let round = 0; round < rounds; round++) {
      for (const s of scenarios) {
        const pair = produced.get(s.name) ?? { ours: [], perf: [] };
        produced.set(s.name, pair);
        const runOurs = async (): Promise<void> => {
          progress('bench', `round ${round + 1}: ${s.name}: ours`);
          const r = await ourProduce({
            serviceUrl,
            topic: newTopic('ours'),
            batching: s.batching,
            durationS: durationS + (s.warmupS > 1 ? s.warmupS : 0),
            warmupS: s.warmupS,
            ...(s.rate === undefined ? {} : { rate: s.rate }),
          });
          if (r.failed > 0)
            throw new Error(`our producer: ${r.failed} failed (${r.firstError ?? ''})`);
          progress(
            'bench',
            `  ${fmt(r.msgPerSec)} msg/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms`,
          );
          pair.ours.push(r);
        };
        const runPerf = async (): Promise<void> => {
          progress('bench', `round ${round + 1}: ${s.name}: pulsar-perf`);
          const r = await perfProduce(ctx, {
            topic: newTopic('perf'),
            durationS: durationS + (s.warmupS > 1 ? s.warmupS : 0),
            batching: s.batching,
            size: SIZE,
            maxPending: MAX_PENDING,
            warmupS: s.warmupS,
            logFile,
            ...(s.rate === undefined ? {} : { rate: s.rate }),
          });
          progress(
            'bench',
            `  ${fmt(r.msgPerSec)} msg/s, p50 ${r.latency.p50.toFixed(2)} ms, p99 ${r.latency.p99.toFixed(2)} ms`,
          );
          pair.perf.push({ ...r, failed: 0 });
        };
        if (flip++ % 2 === 0) {
          await runOurs();
          await runPerf();
        } else {
          await runPerf();
          await runOurs();
        }
      }
    }

    // Consume: one pre-filled topic (batches of 1 KiB messages, written by pulsar-perf's own
    // settings through our producer), drained from the earliest message by a new Exclusive
    // subscription per run, so every run reads the same entries.
    const consumeTopic = newTopic('consume');
    progress('bench', `pre-filling ${consumeTopic} with ${fmt(consumeMessages)} messages`);
    const fill = await ourProduce({
      serviceUrl,
      topic: consumeTopic,
      batching: true,
      messages: consumeMessages,
    });
    if (fill.acked !== consumeMessages) throw new Error(`pre-fill acked ${fill.acked}`);
    const consumed: Pair<{ msgPerSec: number }> = { ours: [], perf: [] };
    for (let round = 0; round < rounds; round++) {
      const runOurs = async (): Promise<void> => {
        progress('bench', `round ${round + 1}: consume: ours`);
        const r = await ourConsume(serviceUrl, consumeTopic, `ours-${round}`, consumeMessages);
        if (r.ackFailed > 0) throw new Error(`our consumer: ${r.ackFailed} acks failed`);
        progress('bench', `  ${fmt(r.msgPerSec)} msg/s`);
        consumed.ours.push(r);
      };
      const runPerf = async (): Promise<void> => {
        progress('bench', `round ${round + 1}: consume: pulsar-perf`);
        const r = await perfConsume(ctx, {
          topic: consumeTopic,
          subscription: `perf-${round}`,
          messages: consumeMessages,
          logFile,
          timeoutMs: 300_000,
        });
        progress('bench', `  ${fmt(r.msgPerSec)} msg/s`);
        consumed.perf.push(r);
      };
      if (round % 2 === 0) {
        await runOurs();
        await runPerf();
      } else {
        await runPerf();
        await runOurs();
      }
    }
    const totalS = (performance.now() - t0) / 1000;

    const rows: Row[] = [];
    const details: string[] = [];
    for (const s of scenarios) {
      const pair = produced.get(s.name)!;
      const row = (
        metric: string,
        f: (r: ProducerRunResult) => number,
        higherIsBetter: boolean,
        target?: Row['target'],
      ): Row => {
        const ours = pair.ours.map(f);
        const perf = pair.perf.map(f);
        return {
          scenario: s.name,
          metric,
          ours: mean(ours),
          perf: mean(perf),
          higherIsBetter,
          best: bestOf(ours, perf, higherIsBetter),
          ...(target === undefined ? {} : { target }),
        };
      };
      if (s.rate === undefined) {
        const target = s.batching ? { ratio: 0.8, text: '≥ 0.8' } : undefined;
        rows.push(row('msg/s', (r) => r.msgPerSec, true, target));
      }
      rows.push(
        row('p50 ms', (r) => r.latency.p50, false),
        row(
          'p99 ms',
          (r) => r.latency.p99,
          false,
          s.rate === undefined ? undefined : { ratio: 1.5, text: '≤ 1.5' },
        ),
      );
      const each = (side: ProducerRunResult[]): string =>
        side
          .map(
            (r) =>
              `${fmt(r.msgPerSec)} msg/s (p50 ${r.latency.p50.toFixed(2)}, p99 ${r.latency.p99.toFixed(2)} ms)`,
          )
          .join('; ');
      details.push(`- ${s.name}: ours ${each(pair.ours)}; pulsar-perf ${each(pair.perf)}`);
    }
    rows.push({
      scenario: 'consume (Exclusive, ack each)',
      metric: 'msg/s',
      ours: mean(consumed.ours.map((r) => r.msgPerSec)),
      perf: mean(consumed.perf.map((r) => r.msgPerSec)),
      higherIsBetter: true,
      best: bestOf(
        consumed.ours.map((r) => r.msgPerSec),
        consumed.perf.map((r) => r.msgPerSec),
        true,
      ),
    });
    details.push(
      `- consume: ours ${consumed.ours.map((r) => `${fmt(r.msgPerSec)} msg/s`).join('; ')}; pulsar-perf ${consumed.perf.map((r) => `${fmt(r.msgPerSec)} msg/s`).join('; ')}`,
    );

    const argv = process.argv.slice(2).filter((a) => a !== '--no-write');
    const section = report({
      table: table(rows),
      details,
      cacheDir,
      durationS,
      rounds,
      rate,
      consumeMessages,
      totalS,
      command: `npm run bench:pulsar-client${argv.length > 0 ? ` -- ${argv.join(' ')}` : ''}`,
    });
    process.stdout.write(`\n${section}\n`);
    if (!values['no-write']) writeBenchmarkSection(SECTION, section);
    if (values.profile) process.stdout.write(`\n${summarizeProfiles(profileDir)}\n`);
  } finally {
    await broker.destroy();
  }
}

interface ReportInput {
  table: string;
  details: string[];
  cacheDir: string;
  durationS: number;
  rounds: number;
  rate: number;
  consumeMessages: number;
  totalS: number;
  command: string;
}

function versionOf(cacheDir: string, artifact: string, classpathFile: string): string {
  const cp = readFileSync(path.join(cacheDir, classpathFile), 'utf8');
  const m = new RegExp(`${artifact}-(\\d+\\.\\d+\\.\\d+)\\.jar`).exec(cp);
  return m?.[1] ?? 'unknown';
}

const SECTION = '## Pulsar client vs pulsar-perf';

function report(r: ReportInput): string {
  const cpus = os.cpus();
  const broker = versionOf(r.cacheDir, 'pulsar-broker', 'classpath.txt');
  const perf = versionOf(r.cacheDir, 'pulsar-testclient', 'perf-classpath.txt');
  return [
    SECTION,
    '',
    `Our TypeScript client (\`src/pulsar\`) against Apache Pulsar's Java \`pulsar-perf\` on the same private`,
    `standalone broker in the same run. Generated by \`bench/pulsar-client/run.ts\`; numbers are means over`,
    `${r.rounds} round(s), the two clients alternating within each scenario, plus the ratio of each side's best`,
    `run (other work on the machine only ever slows a run down).`,
    '',
    r.table,
    '',
    `- Date: ${new Date().toISOString()}`,
    `- Command: \`${r.command}\` (whole run ${fmt(r.totalS)} s)`,
    `- Machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown'}), ${fmt(os.totalmem() / 2 ** 30, 1)} GiB memory,`,
    `  ${os.platform()} ${os.release()}. **The cores are shared with other work running on the machine, and the`,
    `  broker (a JVM), the client under test and that work all compete for them**: absolute numbers are`,
    `  low and noisy; the ratios, from runs interleaved on the same broker, are what to read.`,
    `- Pulsar: broker (standalone) ${broker}, pulsar-perf (org.apache.pulsar:pulsar-testclient) ${perf}; ${javaVersionLine()};`,
    `  Node ${process.versions.node}.`,
    `- Workload: ${SIZE}-byte random payloads, one producer on a non-partitioned persistent topic, at most`,
    `  ${MAX_PENDING} messages outstanding (pulsar-perf \`-o ${MAX_PENDING}\`; ours keeps the same window).`,
    `  Batching on: max delay 1 ms, 1000 messages, 4 MiB (pulsar-perf defaults). Throughput runs last`,
    `  ${r.durationS} s each; throughput = acknowledged messages / producing window (pulsar-perf: from "Created`,
    `  producers" to "DONE" in its log, not its own aggregate, which also counts JVM start-up and a`,
    `  shutdown wait). Latency = send call to receipt, after a 1 s warm-up on both sides; fixed-rate`,
    `  runs send ${fmt(r.rate)} msg/s without batching for ${r.durationS + LATENCY_WARMUP_S} s and exclude the first ${LATENCY_WARMUP_S} s`,
    `  (JIT warm-up of both runtimes) from the histogram. Consume: ${fmt(r.consumeMessages)} pre-filled messages`,
    `  (batched), drained from the earliest by a new Exclusive subscription per run, every message`,
    `  acknowledged, receiver queue 1000.`,
    '- Per run:',
    ...r.details.map((d) => `  ${d}`),
    '',
  ].join('\n');
}

/** Replaces our section of BENCHMARKS.md (other sections are kept), or creates the file. */

if (values.smoke) {
  if (values['service-url'] !== undefined) {
    await smoke(values['service-url']);
    if (!values.profile) rmSync(workDir, { recursive: true, force: true });
  } else {
    const broker = await PulsarStandalone.start({ name: 'bench-pulsar' });
    try {
      await smoke(broker.endpoints.serviceUrl);
    } finally {
      await broker.destroy();
    }
  }
} else {
  await full();
}
if (values.profile && values.smoke) process.stdout.write(`\n${summarizeProfiles(profileDir)}\n`);

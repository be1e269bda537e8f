/**
 * Runs Apache Pulsar's own benchmark client (pulsar-perf from org.apache.pulsar:pulsar-testclient)
 * and parses its log into the same result shapes our clients report.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ADD_OPENS, readClasspath } from '../../scripts/dev/pulsar-standalone.ts';
import { runChild } from './child-run.ts';
import type { LatencySummary } from './latency-recorder.ts';

export interface PerfContext {
  /** fetch-pulsar.sh cache dir (holds perf-classpath.txt). */
  cacheDir: string;
  /** Where client logs and the empty client.conf go. */
  workDir: string;
  serviceUrl: string;
  adminUrl: string;
}

export interface PerfProduceResult {
  acked: number;
  elapsedMs: number;
  msgPerSec: number;
  latency: LatencySummary;
}

export interface PerfConsumeResult {
  received: number;
  elapsedMs: number;
  msgPerSec: number;
}

/** PulsarPerfTestTool takes the client config file as its first argument; defaults suit us. */
function baseArgs(ctx: PerfContext): string[] {
  const conf = path.join(ctx.workDir, 'client.conf');
  writeFileSync(conf, '');
  return [
    '-Xms128m',
    '-Xmx512m',
    '-XX:MaxDirectMemorySize=512m',
    '-XX:+UseG1GC',
    ...ADD_OPENS,
    '-Dio.netty.tryReflectionSetAccessible=true',
    '-cp',
    readClasspath(ctx.cacheDir, 'perf-classpath.txt'),
    'org.apache.pulsar.testclient.PulsarPerfTestTool',
    conf,
  ];
}

/** `2026-11-23T21:01:26,117 - INFO ...` → epoch ms (the offset cancels out in differences). */
function logTime(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d),(\d{3})/.exec(line);
  if (m === null) return undefined;
  return Date.parse(`${m[1]!}.${m[2]!}Z`);
}

function timeOf(lines: string[], marker: string): number {
  const line = lines.find((l) => l.includes(marker));
  const t = line === undefined ? undefined : logTime(line);
  if (t === undefined) throw new Error(`pulsar-perf output lacks "${marker}"`);
  return t;
}

function numberAfter(lines: string[], re: RegExp, what: string): number {
  for (const l of lines) {
    const m = re.exec(l);
    if (m !== null) return Number(m[1]);
  }
  throw new Error(`pulsar-perf output lacks ${what}`);
}

export interface PerfProduceOptions {
  topic: string;
  durationS: number;
  batching: boolean;
  /** msg/s; undefined = as fast as possible. */
  rate?: number;
  size: number;
  maxPending: number;
  /** Seconds at the start excluded from the latency histogram (its --warmup-time). */
  warmupS: number;
  logFile: string;
}

/**
 * `pulsar-perf produce`. Throughput is records acknowledged over the producing window (from
 * "Created 1 producers" to "DONE"): its own "Aggregated throughput" divides by a span that also
 * covers JVM start, topic lookup and a wait of up to 10 s in its stats loop, which would
 * understate Java by a third on a 15 s run. Latency is its aggregated HdrHistogram (send call to
 * receipt, after the warm-up), the same span our producer measures.
 */
export async function perfProduce(
  ctx: PerfContext,
  o: PerfProduceOptions,
): Promise<PerfProduceResult> {
  const args = [
    ...baseArgs(ctx),
    'produce',
    '-u',
    ctx.serviceUrl,
    '-au',
    ctx.adminUrl,
    '-s',
    String(o.size),
    '-time',
    String(o.durationS),
    '-o',
    String(o.maxPending),
    '-b',
    '1',
    '-bm',
    '1000',
    '--warmup-time',
    String(o.warmupS),
    // pulsar-perf's RateLimiter refuses 0; a rate no client reaches here means "unlimited".
    '-r',
    String(o.rate ?? 10_000_000),
    ...(o.batching ? [] : ['--disable-batching']),
    `persistent://public/default/${o.topic}`,
  ];
  let sawDone = false;
  const lines = await runChild('java', args, {
    logFile: o.logFile,
    timeoutMs: (o.durationS + 90) * 1000,
    // After DONE its main thread sleeps up to 10 s before exiting; SIGTERM runs the shutdown hook
    // that prints the aggregated stats at once. The hook closes the client first, so the last
    // receipts are still counted.
    onLine: (line) => {
      if (line.includes('------------- DONE')) sawDone = true;
      // The JVM then lingers for seconds on non-daemon threads; nothing is left to measure.
      if (line.includes('Aggregated latency stats')) return 'kill';
      return sawDone && line.includes('Client closing') ? 'terminate' : undefined;
    },
  });
  const start = timeOf(lines, 'Created 1 producers');
  const end = timeOf(lines, '------------- DONE');
  const acked = numberAfter(lines, /Aggregated throughput stats --- (\d+) records sent/, 'totals');
  const lat = (name: string): number =>
    numberAfter(
      lines,
      new RegExp(`Aggregated latency stats --- .*?${name}:\\s*([\\d.]+)`),
      `latency ${name}`,
    );
  const elapsedMs = end - start;
  return {
    acked,
    elapsedMs,
    msgPerSec: (acked * 1000) / elapsedMs,
    latency: {
      count: acked,
      mean: lat('mean'),
      p50: lat('med'),
      p95: lat('95pct'),
      p99: lat('99pct'),
      p999: lat('99\\.9pct'),
      max: lat('Max'),
    },
  };
}

export interface PerfConsumeOptions {
  topic: string;
  subscription: string;
  messages: number;
  logFile: string;
  timeoutMs: number;
}

/**
 * `pulsar-perf consume`: an Exclusive subscription from the earliest message that acks every
 * message and stops after `messages`. Throughput spans "Start receiving" to "DONE".
 */
export async function perfConsume(
  ctx: PerfContext,
  o: PerfConsumeOptions,
): Promise<PerfConsumeResult> {
  const args = [
    ...baseArgs(ctx),
    'consume',
    '-u',
    ctx.serviceUrl,
    '-ss',
    o.subscription,
    '-sp',
    'Earliest',
    '-st',
    'Exclusive',
    '-m',
    String(o.messages),
    `persistent://public/default/${o.topic}`,
  ];
  const lines = await runChild('java', args, { logFile: o.logFile, timeoutMs: o.timeoutMs });
  const start = timeOf(lines, 'Start receiving from');
  const end = timeOf(lines, '------------------- DONE');
  const received = numberAfter(
    lines,
    /Aggregated throughput stats --- (\d+) records received/,
    'totals',
  );
  const elapsedMs = end - start;
  return { received, elapsedMs, msgPerSec: (received * 1000) / elapsedMs };
}

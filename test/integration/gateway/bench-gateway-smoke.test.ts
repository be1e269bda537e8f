/**
 * Keeps bench/gateway working: runs its quick mode (tiny sizes) against the suite's broker and
 * Java WebSocket proxy, with our gateway started by the script as a process of its own. A
 * benchmark, not a timed test: it asserts only that every workload ran against every target,
 * that every publish was answered, and that the figures are above zero.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../scripts/dev/paths.ts';
import { pulsarEnv } from '../../helpers/test-env.ts';

const run = promisify(execFile);

interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
}

interface SmokeSample {
  scenario: string;
  kind: 'produce' | 'latency' | 'consume' | 'e2e' | 'idle';
  target: string;
  result: {
    sent?: number;
    acked?: number;
    failed?: number;
    unanswered?: number;
    received?: number;
    msgPerSec?: number;
    latency?: LatencySummary;
    connections?: number;
    kibPerConnection?: number;
  };
}

interface SmokeReport {
  svgValid: boolean;
  svgBytes: number;
  samples: SmokeSample[];
}

/** The sanity checks of one sample (a workload against one target). */
function checkSample(s: SmokeSample): void {
  const r = s.result;
  const what = `${s.scenario} / ${s.target}`;
  if (s.kind === 'produce' || s.kind === 'latency') {
    assert.equal(r.unanswered, 0, `${what}: every publish answered`);
    assert.equal(r.failed, 0, what);
    assert.ok((r.sent ?? 0) > 0 && r.acked === r.sent, `${what}: ${r.acked} of ${r.sent}`);
    assert.ok((r.msgPerSec ?? 0) > 0, what);
    assert.ok((r.latency?.count ?? 0) > 0 && (r.latency?.p99 ?? 0) > 0, what);
  } else if (s.kind === 'consume') {
    assert.equal(r.received, 500, what);
    assert.ok((r.msgPerSec ?? 0) > 0, what);
  } else if (s.kind === 'e2e') {
    assert.equal(r.failed, 0, what);
    assert.ok((r.sent ?? 0) > 0 && r.acked === r.sent, what);
    assert.ok((r.received ?? 0) >= (r.acked ?? 0), what);
    assert.ok((r.latency?.count ?? 0) > 0 && (r.latency?.p50 ?? 0) > 0, what);
  } else {
    assert.equal(r.connections, 40, what);
    assert.equal(r.failed, 0, what);
  }
}

it('bench/gateway --quick runs every workload against every target', async () => {
  const env = pulsarEnv();
  const { stdout } = await run(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bench/gateway/run.ts'),
      '--quick',
      '--service-url',
      env.serviceUrl,
      '--admin-url',
      env.adminUrl,
      '--java-ws-url',
      env.javaProxyWsUrl,
    ],
    { cwd: REPO_ROOT, timeout: 600_000, maxBuffer: 16 * 1024 * 1024 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('SMOKE '));
  assert.ok(line !== undefined, `no SMOKE line in:\n${stdout}`);
  const report = JSON.parse(line.slice('SMOKE '.length)) as SmokeReport;
  assert.ok(report.svgValid, 'the chart is an SVG document');

  const targetsOf = (kind: SmokeSample['kind']): string[] =>
    [...new Set(report.samples.filter((s) => s.kind === kind).map((s) => s.target))].sort();
  for (const kind of ['produce', 'latency', 'consume', 'e2e'] as const) {
    assert.deepEqual(targetsOf(kind), ['direct', 'java', 'ours'], kind);
  }
  assert.deepEqual(targetsOf('idle'), ['java', 'ours']);

  for (const s of report.samples) checkSample(s);
  // Our gateway runs as a child of the script, so its memory is measured (the suite's Java
  // proxy is not the script's process, so its figure is absent).
  const ours = report.samples.find((s) => s.kind === 'idle' && s.target === 'ours');
  assert.ok(Number.isFinite(ours?.result.kibPerConnection), 'memory per connection measured');
});

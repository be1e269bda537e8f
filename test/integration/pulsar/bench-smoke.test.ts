/**
 * Keeps bench/pulsar-client working: runs its smoke mode (our client only, a few hundred
 * messages, no pulsar-perf) against the suite's broker. A benchmark, not a timed test: it asserts
 * only that the run completes and reports numbers above zero.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../../scripts/dev/paths.ts';
import { pulsarEnv } from '../../helpers/test-env.ts';

const run = promisify(execFile);

interface SmokeReport {
  produceBatchMsgPerSec: number;
  produceNoBatchMsgPerSec: number;
  consumeMsgPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  acked: number;
  received: number;
  failures: number;
}

it('bench/pulsar-client --smoke completes and reports numbers', async () => {
  const { stdout } = await run(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bench/pulsar-client/run.ts'),
      '--smoke',
      '--service-url',
      pulsarEnv().serviceUrl,
    ],
    { cwd: REPO_ROOT, timeout: 120_000 },
  );
  const line = stdout.split('\n').find((l) => l.startsWith('SMOKE '));
  assert.ok(line !== undefined, `no SMOKE line in:\n${stdout}`);
  const report = JSON.parse(line.slice('SMOKE '.length)) as SmokeReport;
  assert.equal(report.failures, 0);
  assert.equal(report.acked, 800);
  assert.equal(report.received, 300);
  for (const key of [
    'produceBatchMsgPerSec',
    'produceNoBatchMsgPerSec',
    'consumeMsgPerSec',
    'latencyP50Ms',
    'latencyP99Ms',
  ] as const) {
    assert.ok(report[key] > 0, `${key} = ${report[key]}`);
  }
});

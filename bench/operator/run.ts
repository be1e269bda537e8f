/**
 * `npm run bench:operator [-- --count 1000 --namespaces 10 --resync-seconds 30 --json out.json]`:
 * runs {@link runOperatorBench} on a private control plane and prints the figures, with the
 * machine, as JSON and as Markdown lines for BENCHMARKS.md.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runOperatorBench } from './operator-bench.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    namespaces: { type: 'string', default: '10' },
    'resync-seconds': { type: 'string', default: '30' },
    'timeout-seconds': { type: 'string', default: '900' },
    json: { type: 'string' },
    entry: { type: 'string', default: 'bundle' },
    // Repeatable: extra flags of the operator's Node.js process and of the operator itself.
    // With the bundle, Node.js flags go through NODE_OPTIONS (as in the chart), so only flags
    // NODE_OPTIONS accepts work; --optimize-for-size already comes from the bundle's #! line.
    'node-arg': { type: 'string', multiple: true, default: [] },
    'operator-arg': { type: 'string', multiple: true, default: [] },
  },
});
const started = performance.now();
// Ctrl-C: abort the run so the private control plane and the operator are torn down.
const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    abort.abort(new Error(`interrupted by ${sig}`));
  });
}
const result = await runOperatorBench(
  {
    count: Number(values.count),
    namespaces: Number(values.namespaces),
    resyncSeconds: Number(values['resync-seconds']),
    timeoutSeconds: Number(values['timeout-seconds']),
    entry: values.entry === 'src' ? 'src' : 'bundle',
    nodeArgs: values['node-arg'],
    operatorArgs: values['operator-arg'],
  },
  abort.signal,
);
const cpus = os.cpus();
const machine = {
  cores: cpus.length,
  cpu: cpus[0]?.model ?? 'unknown',
  memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  loadavg1: Number(os.loadavg()[0]?.toFixed(2)),
};
const report = {
  date: new Date().toISOString(),
  wholeRunSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  machine,
  args: { node: values['node-arg'], operator: values['operator-arg'] },
  result,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
const f = (n: number): string => n.toFixed(1);
process.stdout.write(
  [
    '',
    `| Cold start: ${String(result.count)} gateways reconciled | ${f(result.coldStartSeconds)} s | < 60 s |`,
    `| API writes during an idle resync (${String(result.resyncReconciles)} reconciles) | ${String(result.idleWritesTotal)} | 0 |`,
    `| Operator RSS with ${String(result.count)} gateways (after the resync / peak) | ${f(result.rssMiB)} / ${f(result.peakRssMiB)} MiB | < 200 MiB |`,
    '',
  ].join('\n'),
);

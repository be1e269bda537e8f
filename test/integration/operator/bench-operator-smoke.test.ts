/**
 * Keeps `npm run bench:operator` working: the same code, with 10 gateways and a 5 s resync,
 * on its own private control plane, running the operator from src/ as a separate process.
 * Asserts what the benchmark measures, not how fast: every gateway reconciled, a full idle
 * resync that the API server's own counters show wrote nothing to what the operator manages,
 * and a graceful exit on SIGTERM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runOperatorBench } from '../../../bench/operator/operator-bench.ts';

/** Resources the operator writes (plural names as in apiserver_request_total). */
const OPERATOR_RESOURCES =
  /^\S+ (pulsarwebsocketgateways|deployments|services|configmaps|secrets|events|poddisruptionbudgets|horizontalpodautoscalers)(\/|$)/;

describe('bench/operator smoke run (10 gateways, private control plane)', () => {
  it('reconciles every gateway, writes nothing during an idle resync, exits cleanly', async () => {
    const r = await runOperatorBench({
      count: 10,
      namespaces: 2,
      resyncSeconds: 5,
      timeoutSeconds: 240,
      entry: 'src',
    });
    assert.equal(r.count, 10);
    assert.ok(
      r.resyncReconciles >= 10,
      `a full resync was observed (${String(r.resyncReconciles)})`,
    );
    const operatorWrites = Object.entries(r.idleWrites).filter(([k]) => OPERATOR_RESOURCES.test(k));
    assert.deepEqual(
      operatorWrites,
      [],
      `no writes during the idle resync: ${JSON.stringify(r.idleWrites)}`,
    );
    assert.ok(r.rssMiB > 0 && r.peakRssMiB >= r.rssMiB);
    assert.equal(r.exitCode, 0, 'SIGTERM → graceful exit 0');
  });
});

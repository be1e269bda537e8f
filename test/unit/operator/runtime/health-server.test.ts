import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Registry } from 'prom-client';
import { silentLogger } from '../../../../src/shared/index.ts';
import { HealthServer } from '../../../../src/operator/runtime/health-server.ts';

describe('HealthServer', () => {
  const registry = new Registry();
  new Counter({ name: 'demo_total', help: 'demo', registers: [registry] }).inc(2);
  const server = new HealthServer({ registry, logger: silentLogger });
  let synced = false;
  server.addReadyzCheck('informers-synced', () => synced);
  server.addReadyzCheck('throws', () => {
    if (!synced) throw new Error('not yet');
    return true;
  });
  let base = '';
  after(() => server.close());

  it('serves /healthz, /readyz (pluggable checks) and /metrics', async () => {
    base = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`;
    const healthz = await fetch(`${base}/healthz`);
    assert.equal(healthz.status, 200);
    assert.equal(await healthz.text(), 'ok');

    const notReady = await fetch(`${base}/readyz`);
    assert.equal(notReady.status, 500);
    assert.match(await notReady.text(), /\[-\]informers-synced failed\n\[-\]throws failed/);

    synced = true;
    const ready = await fetch(`${base}/readyz?verbose`);
    assert.equal(ready.status, 200);
    assert.match(await ready.text(), /\[\+\]informers-synced ok/);

    const metrics = await fetch(`${base}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(await metrics.text(), /^demo_total 2$/m);

    assert.equal((await fetch(`${base}/nope`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
  });
});

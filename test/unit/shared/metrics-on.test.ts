import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { metricsOn } from '../../../src/shared/index.ts';

/** The text exposition of `registry`, one line per sample. */
async function scrape(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n');
}

describe('metricsOn', () => {
  it('registers a counter on the given registry only, not the global one', async () => {
    const registry = new Registry();
    const c = metricsOn.counter(registry, { name: 'mo_counter_total', help: 'h' });
    assert.ok(c instanceof Counter);
    c.inc(2);
    assert.ok((await scrape(registry)).includes('mo_counter_total 2'));
    const { register } = await import('prom-client');
    assert.equal(register.getSingleMetric('mo_counter_total'), undefined);
  });

  it('returns the same family on a second call, so two users share one series', async () => {
    const registry = new Registry();
    const config = { name: 'mo_shared_total', help: 'h', labelNames: ['kind'] as const };
    const a = metricsOn.counter(registry, config);
    const b = metricsOn.counter(registry, config);
    assert.equal(a, b);
    a.inc({ kind: 'x' });
    b.inc({ kind: 'x' });
    assert.ok((await scrape(registry)).includes('mo_shared_total{kind="x"} 2'));
  });

  it('gets or creates gauges and histograms the same way', () => {
    const registry = new Registry();
    const g1 = metricsOn.gauge(registry, { name: 'mo_gauge', help: 'h' });
    const g2 = metricsOn.gauge(registry, { name: 'mo_gauge', help: 'h' });
    assert.ok(g1 instanceof Gauge);
    assert.equal(g1, g2);
    const h1 = metricsOn.histogram(registry, { name: 'mo_seconds', help: 'h', buckets: [1] });
    const h2 = metricsOn.histogram(registry, { name: 'mo_seconds', help: 'h', buckets: [1] });
    assert.ok(h1 instanceof Histogram);
    assert.equal(h1, h2);
  });

  it('keeps registries apart: the same name on two registries is two families', () => {
    const r1 = new Registry();
    const r2 = new Registry();
    const a = metricsOn.gauge(r1, { name: 'mo_apart', help: 'h' });
    const b = metricsOn.gauge(r2, { name: 'mo_apart', help: 'h' });
    assert.notEqual(a, b);
    assert.equal(r1.getSingleMetric('mo_apart'), a);
    assert.equal(r2.getSingleMetric('mo_apart'), b);
  });

  it('ignores a `registers` in the config and registers on the given registry', () => {
    const registry = new Registry();
    const other = new Registry();
    metricsOn.counter(registry, { name: 'mo_registers_total', help: 'h', registers: [other] });
    assert.ok(registry.getSingleMetric('mo_registers_total') instanceof Counter);
    assert.equal(other.getSingleMetric('mo_registers_total'), undefined);
  });

  it('refuses a family of another kind under a taken name (programming error)', () => {
    const registry = new Registry();
    metricsOn.gauge(registry, { name: 'mo_clash', help: 'h' });
    assert.throws(() => metricsOn.counter(registry, { name: 'mo_clash', help: 'h' }), /mo_clash/);
  });
});

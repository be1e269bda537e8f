import {
  Counter,
  Gauge,
  Histogram,
  type CounterConfiguration,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';

/**
 * Get-or-create for metric families on an injected registry (never the global one).
 *
 * Several producers, consumers, clients, queues or controllers share one registry and therefore
 * one family per name, and prom-client throws when a name is registered twice. Each call looks the
 * name up first and returns the family already there when it is of the same kind; otherwise it
 * creates and registers it. A family of another kind under the same name is a programming error,
 * and prom-client's "already registered" error is left to surface.
 *
 * The `registers` of `config` is ignored: the family is registered on `registry` only.
 */
export const metricsOn = {
  /** The counter `config.name` on `registry`, created on first use. */
  counter<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof Counter) return existing;
    return new Counter({ ...config, registers: [registry] });
  },
  /** The gauge `config.name` on `registry`, created on first use. */
  gauge<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof Gauge) return existing;
    return new Gauge({ ...config, registers: [registry] });
  },
  /** The histogram `config.name` on `registry`, created on first use. */
  histogram<L extends string>(registry: Registry, config: HistogramConfiguration<L>): Histogram<L> {
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof Histogram) return existing;
    return new Histogram({ ...config, registers: [registry] });
  },
};

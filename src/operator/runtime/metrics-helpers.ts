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
 * Registers metrics on an injected registry at most once. Several queues or
 * controllers share one registry and therefore one metric family per name
 * (told apart by the `name`/`controller` label), and prom-client throws when
 * a name is registered twice, so every family is looked up before creation.
 */
export const metricsOn = {
  counter<L extends string>(registry: Registry, config: CounterConfiguration<L>): Counter<L> {
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof Counter) return existing;
    return new Counter({ ...config, registers: [registry] });
  },
  gauge<L extends string>(registry: Registry, config: GaugeConfiguration<L>): Gauge<L> {
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof Gauge) return existing;
    return new Gauge({ ...config, registers: [registry] });
  },
  histogram<L extends string>(registry: Registry, config: HistogramConfiguration<L>): Histogram<L> {
    const existing = registry.getSingleMetric(config.name);
    if (existing instanceof Histogram) return existing;
    return new Histogram({ ...config, registers: [registry] });
  },
};

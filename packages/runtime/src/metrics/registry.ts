import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The one set of latency buckets (seconds) every skein histogram shares, so stages can be compared
 * and summed: 100 µs to 60 s, finer where queues and bulk requests usually sit.
 */
export const LATENCY_BUCKETS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

/** A registry for one component: process and Node.js metrics plus everything the component registers. */
export function createRegistry(component: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ component });
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}

/** `skein_<component>_<what>_<unit>`: the naming rule every metric follows. */
export function metricName(component: string, what: string): string {
  return `skein_${component}_${what}`;
}

// The client's metric names: skein_client_*, shared by tracers on one registry, and all documented.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ClientMetrics, ENV_VARS } from '../src/index.js';

const DOC = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');

describe('ClientMetrics', () => {
  it('registers these metrics, once per registry', async () => {
    const registry = new Registry();
    const a = new ClientMetrics(registry);
    const b = new ClientMetrics(registry);
    assert.equal(a.spansDropped, b.spansDropped);
    assert.equal(a.queueSpans, b.queueSpans);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name).sort();
    assert.deepEqual(names, [
      'skein_client_packets_sent_total',
      'skein_client_reporter_queue_spans',
      'skein_client_sampler_queries_total',
      'skein_client_sampler_updates_total',
      'skein_client_sent_bytes_total',
      'skein_client_spans_dropped_total',
      'skein_client_spans_finished_total',
      'skein_client_spans_reported_total',
      'skein_client_spans_started_total',
    ]);
    for (const name of names) assert.ok(DOC.includes(`\`${name}\``), `${name} is in docs/client.md`);
  });

  it('docs/client.md documents every environment variable', () => {
    for (const name of ENV_VARS) assert.ok(DOC.includes(`\`${name}\``), `${name} is in docs/client.md`);
  });
});

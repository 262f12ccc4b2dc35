import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Counter } from 'prom-client';
import { startAdminServer, type HealthReport } from '../src/admin/server.js';
import { createRegistry, LATENCY_BUCKETS } from '../src/metrics/registry.js';

describe('admin server', () => {
  it('serves /metrics, /health that follows the lifecycle, and /live', async () => {
    const registry = createRegistry('agent');
    const received = new Counter({
      name: 'skein_agent_spans_received_total',
      help: 'Spans received',
      labelNames: ['transport'],
      registers: [registry],
    });
    received.inc({ transport: 'udp-compact' }, 3);
    let report: HealthReport = { state: 'starting' };
    const admin = await startAdminServer({ port: 0, host: '127.0.0.1', registry, health: () => report });
    const base = `http://127.0.0.1:${admin.port}`;
    try {
      const metrics = await fetch(`${base}/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.match(text, /skein_agent_spans_received_total\{transport="udp-compact",component="agent"\} 3/);
      assert.match(text, /process_resident_memory_bytes/);

      let health = await fetch(`${base}/health`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'starting', checks: {} });

      report = { state: 'ok', checks: { kafka: true } };
      health = await fetch(`${base}/health`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok', checks: { kafka: true } });

      report = { state: 'ok', checks: { kafka: false } };
      assert.equal((await fetch(`${base}/health`)).status, 503);

      report = { state: 'draining' };
      assert.equal((await fetch(`${base}/health`)).status, 503);
      assert.equal((await fetch(`${base}/live`)).status, 200);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      assert.equal((await fetch(`${base}/metrics`, { method: 'POST' })).status, 405);
    } finally {
      await admin.close();
    }
  });

  it('shares one increasing set of latency buckets', () => {
    assert.ok(LATENCY_BUCKETS.every((b, i) => i === 0 || b > (LATENCY_BUCKETS[i - 1] as number)));
    assert.equal(LATENCY_BUCKETS[0], 0.0001);
    assert.equal(LATENCY_BUCKETS.at(-1), 60);
  });
});

// Every metric and label the alerting rules and the Grafana dashboard name is one the components export:
// the names come from the components' own registries, built as `skein <component>` builds them.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import {
  ROOT,
  TARGET_LABELS,
  componentMetrics,
  isObject,
  promqlNames,
  readYamlObjects,
  type JsonObject,
  type MetricInfo,
} from './support.js';

let metrics: Map<string, MetricInfo>;
before(async () => {
  metrics = await componentMetrics();
});

/** Problems with one expression: metric names not exported, labels no metric of the expression has. */
function problems(expr: string): string[] {
  const { selectors, grouping } = promqlNames(expr);
  const out: string[] = [];
  if (selectors.length === 0) out.push(`no metric in ${expr}`);
  const labels = new Set(TARGET_LABELS);
  for (const { metric, labels: matchers } of selectors) {
    const info = metrics.get(metric);
    if (!info) {
      out.push(`${metric} is not exported by any component`);
      continue;
    }
    for (const l of info.labels) labels.add(l);
    for (const l of matchers) {
      if (!info.labels.has(l) && !TARGET_LABELS.has(l)) out.push(`${metric} has no label ${l}`);
    }
  }
  for (const l of grouping) if (!labels.has(l)) out.push(`no metric of the expression has the label ${l}`);
  return out;
}

const rules = readYamlObjects(join(ROOT, 'deploy/prometheus/rules.yaml'))[0] as JsonObject;
const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/skein.json'), 'utf8')) as JsonObject;

function ruleExpressions(): Array<{ name: string; expr: string }> {
  const groups = (rules.spec as JsonObject).groups as JsonObject[];
  return groups.flatMap((g) =>
    (g.rules as JsonObject[]).map((r) => ({ name: String(r.alert ?? r.record), expr: String(r.expr) })),
  );
}

function dashboardExpressions(): Array<{ name: string; expr: string }> {
  const out: Array<{ name: string; expr: string }> = [];
  const walk = (panels: unknown): void => {
    for (const p of Array.isArray(panels) ? panels.filter(isObject) : []) {
      for (const t of Array.isArray(p.targets) ? p.targets.filter(isObject) : []) {
        out.push({ name: `panel "${String(p.title)}"`, expr: String(t.expr) });
      }
      walk(p.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

function variableQueries(): Array<{ name: string; selector: string; label: string }> {
  const list = ((dashboard.templating as JsonObject).list as JsonObject[]).filter((v) => v.type === 'query');
  return list.map((v) => {
    const query = isObject(v.query) ? String(v.query.query) : String(v.query);
    const m = /^label_values\((.+),\s*([a-zA-Z_]\w*)\)$/.exec(query.trim());
    assert.ok(m, `variable ${String(v.name)}: expected label_values(<selector>, <label>), got ${query}`);
    return { name: `variable ${String(v.name)}`, selector: m[1] as string, label: m[2] as string };
  });
}

describe('metric names in rules and dashboard', () => {
  test('the registries hold every component’s metrics', () => {
    for (const name of [
      'skein_agent_spans_received_total',
      'skein_ingester_stage_latency_seconds_bucket',
      'skein_query_request_latency_seconds_bucket',
      'process_resident_memory_bytes',
    ]) {
      assert.ok(metrics.has(name), name);
    }
    assert.deepEqual([...(metrics.get('skein_ingester_consumer_lag')?.labels ?? [])].sort(), [
      'component',
      'partition',
      'topic',
    ]);
  });

  test('the PromQL reader finds metric, matcher and grouping names', () => {
    assert.deepEqual(
      promqlNames(
        'histogram_quantile(0.95, sum by (stage, le) (rate(skein_ingester_stage_latency_seconds_bucket{stage!="sample", namespace="$ns"}[$__rate_interval]))) > 10 and on (namespace) up',
      ),
      {
        selectors: [
          { metric: 'skein_ingester_stage_latency_seconds_bucket', labels: ['stage', 'namespace'] },
          { metric: 'up', labels: [] },
        ],
        grouping: ['stage', 'le', 'namespace'],
      },
    );
    assert.deepEqual(problems('sum(rate(skein_agent_spans_dropped_total{reasn="x"}[5m]))'), [
      'skein_agent_spans_dropped_total has no label reasn',
    ]);
    assert.deepEqual(problems('sum by (stage) (skein_agent_queue_spans)'), [
      'no metric of the expression has the label stage',
    ]);
    assert.deepEqual(problems('rate(skein_agent_spans_dropped[5m])'), [
      'skein_agent_spans_dropped is not exported by any component',
    ]);
  });

  test('every alerting rule uses exported metrics and their labels', () => {
    const exprs = ruleExpressions();
    assert.ok(exprs.length >= 10, `${exprs.length} rules`);
    for (const { name, expr } of exprs) assert.deepEqual(problems(expr), [], name);
  });

  test('the rules watch drops, lag, per-stage latency, bulk failures and the agent queue', () => {
    const all = ruleExpressions()
      .map((r) => r.expr)
      .join('\n');
    for (const metric of [
      'skein_agent_spans_dropped_total',
      'skein_ingester_consumer_lag',
      'skein_ingester_stage_latency_seconds_bucket',
      'skein_agent_queue_latency_seconds_bucket',
      'skein_ingester_bulk_failures_total',
      'skein_agent_queue_capacity_spans',
    ]) {
      assert.ok(all.includes(metric), metric);
    }
  });

  test('every dashboard query and variable uses exported metrics and their labels', () => {
    const exprs = dashboardExpressions();
    assert.ok(exprs.length >= 25, `${exprs.length} queries`);
    for (const { name, expr } of exprs) assert.deepEqual(problems(expr), [], name);
    for (const { name, selector, label } of variableQueries()) {
      assert.deepEqual(problems(selector), [], name);
      const { selectors } = promqlNames(selector);
      const info = metrics.get(selectors[0]?.metric ?? '');
      assert.ok(info?.labels.has(label) || TARGET_LABELS.has(label), `${name}: no label ${label}`);
    }
  });

  test('the dashboard shows rates, per-stage latency heatmaps, lag, drops and memory', () => {
    const all = dashboardExpressions()
      .map((e) => e.expr)
      .join('\n');
    for (const metric of [
      'skein_agent_spans_received_total',
      'skein_ingester_spans_written_total',
      'skein_agent_spans_dropped_total',
      'skein_ingester_spans_dropped_total',
      'skein_ingester_consumer_lag',
      'process_resident_memory_bytes',
    ]) {
      assert.ok(all.includes(metric), metric);
    }
    const stageHeatmap = (dashboard.panels as JsonObject[]).find(
      (p) => p.type === 'heatmap' && p.repeat === 'stage',
    );
    assert.ok(stageHeatmap, 'a heatmap repeated per stage');
    assert.match(JSON.stringify(stageHeatmap.targets), /skein_ingester_stage_latency_seconds_bucket/);
  });
});

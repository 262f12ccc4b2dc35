import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Span } from '@skein/model';
import { ConfigError } from '@skein/runtime';
import { PolicyEngine, type TailPolicy } from '../src/sampling/policies.js';
import { TailSampler, type TailDecision } from '../src/sampling/tail.js';

/** Keeps traces with an error tag or a span of 1 s or more; drops the rest. */
const POLICIES: TailPolicy[] = [{ type: 'error' }, { type: 'latency', thresholdMs: 1000 }];

/** Trace IDs: `id(1)` = '000…001'. */
function id(n: number): string {
  return n.toString(16).padStart(32, '0');
}

function span(trace: number, n: number, options: { error?: boolean; durationUs?: number } = {}): Span {
  return {
    traceId: id(trace),
    spanId: n.toString(16).padStart(16, '0'),
    operationName: 'op',
    references: [],
    flags: 1,
    startTime: 1_700_000_000_000_000,
    duration: options.durationUs ?? 1000,
    tags: options.error === true ? [{ key: 'error', type: 'bool', value: true }] : [],
    logs: [],
    process: { serviceName: 'svc', tags: [] },
  };
}

function sampler(
  options: {
    decisionWaitMs?: number;
    maxTraces?: number;
    maxSpans?: number;
    rememberDecisions?: number;
  } = {},
): TailSampler<string> {
  return new TailSampler<string>(new PolicyEngine(POLICIES), {
    decisionWaitMs: options.decisionWaitMs ?? 5000,
    maxTraces: options.maxTraces ?? 1000,
    maxSpans: options.maxSpans ?? 10_000,
    ...(options.rememberDecisions === undefined ? {} : { rememberDecisions: options.rememberDecisions }),
  });
}

/** The decisions without span objects: trace, verdict, span IDs, payloads, early. */
function summary(decisions: TailDecision<string>[]): unknown[] {
  return decisions.map((d) => ({
    traceId: d.traceId,
    keep: d.keep,
    reason: d.reason,
    spans: d.spans.map((s) => s.spanId),
    payloads: d.payloads,
    early: d.early,
  }));
}

function sid(n: number): string {
  return n.toString(16).padStart(16, '0');
}

describe('TailSampler', () => {
  it('decides a whole trace once no span arrived for decisionWaitMs, with every payload', () => {
    const s = sampler();
    assert.deepEqual(s.add(id(1), [span(1, 1)], 'm1', 0), []);
    assert.deepEqual(s.add(id(1), [span(1, 2), span(1, 3)], 'm2', 3000), []);
    assert.deepEqual(s.add(id(1), [span(1, 4, { error: true })], 'm3', 4000), []);
    assert.equal(s.traces, 1);
    assert.equal(s.spans, 4);
    assert.deepEqual(s.due(8999), []); // 4999 ms after the last span
    assert.deepEqual(summary(s.due(9000)), [
      {
        traceId: id(1),
        keep: true,
        reason: 'error',
        spans: [sid(1), sid(2), sid(3), sid(4)],
        payloads: ['m1', 'm2', 'm3'],
        early: false,
      },
    ]);
    assert.equal(s.traces, 0);
    assert.equal(s.spans, 0);
    assert.deepEqual(s.due(100_000), []);
  });

  it('drops a whole trace no policy keeps, with reason sampled_out', () => {
    const s = sampler({ decisionWaitMs: 100 });
    s.add(id(1), [span(1, 1)], 'm1', 0);
    s.add(id(1), [span(1, 2)], 'm2', 50);
    assert.deepEqual(summary(s.due(150)), [
      {
        traceId: id(1),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(1), sid(2)],
        payloads: ['m1', 'm2'],
        early: false,
      },
    ]);
  });

  it('returns due traces least recently seen first, not by first arrival', () => {
    const s = sampler({ decisionWaitMs: 1000 });
    s.add(id(1), [span(1, 1)], 'a1', 0);
    s.add(id(2), [span(2, 1, { durationUs: 1_000_000 })], 'b1', 100);
    s.add(id(3), [span(3, 1)], 'c1', 200);
    s.add(id(1), [span(1, 2)], 'a2', 500); // trace 1 is now the most recently seen
    assert.deepEqual(
      s.due(1200).map((d) => [d.traceId, d.reason]),
      [
        [id(2), 'latency'],
        [id(3), 'sampled_out'],
      ],
    );
    assert.deepEqual(s.due(1499), []);
    assert.deepEqual(
      s.due(1500).map((d) => [d.traceId, d.payloads]),
      [[id(1), ['a1', 'a2']]],
    );
  });

  it('treats a clock stepping back as the latest time seen', () => {
    const s = sampler({ decisionWaitMs: 1000 });
    s.add(id(1), [span(1, 1)], 'a', 5000);
    s.add(id(2), [span(2, 1)], 'b', 4000); // counted as seen at 5000
    assert.deepEqual(
      s.due(6000).map((d) => d.traceId),
      [id(1), id(2)],
    );
  });

  it('decides the oldest traces early when maxTraces would be exceeded', () => {
    const s = sampler({ maxTraces: 2 });
    assert.deepEqual(s.add(id(1), [span(1, 1, { error: true })], 'a', 0), []);
    assert.deepEqual(s.add(id(2), [span(2, 1)], 'b', 10), []);
    assert.deepEqual(s.add(id(2), [span(2, 2)], 'b2', 20), []); // same trace: no new trace held
    assert.deepEqual(summary(s.add(id(3), [span(3, 1)], 'c', 30)), [
      { traceId: id(1), keep: true, reason: 'error', spans: [sid(1)], payloads: ['a'], early: true },
    ]);
    assert.equal(s.traces, 2);
    assert.equal(s.spans, 3);
    // Oldest by first arrival: trace 2 goes next even though it was seen after trace 1 was added.
    assert.deepEqual(summary(s.add(id(4), [span(4, 1)], 'd', 40)), [
      {
        traceId: id(2),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(1), sid(2)],
        payloads: ['b', 'b2'],
        early: true,
      },
    ]);
    assert.deepEqual(
      s.drain(50).map((d) => d.traceId),
      [id(3), id(4)],
    );
  });

  it('decides as many oldest traces early as maxSpans needs', () => {
    const s = sampler({ maxSpans: 5 });
    s.add(id(1), [span(1, 1), span(1, 2)], 'a', 0);
    s.add(id(2), [span(2, 1), span(2, 2)], 'b', 1);
    s.add(id(3), [span(3, 1)], 'c', 2);
    assert.equal(s.spans, 5);
    const forced = s.add(id(4), [span(4, 1), span(4, 2), span(4, 3)], 'd', 3);
    assert.deepEqual(summary(forced), [
      {
        traceId: id(1),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(1), sid(2)],
        payloads: ['a'],
        early: true,
      },
      {
        traceId: id(2),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(1), sid(2)],
        payloads: ['b'],
        early: true,
      },
    ]);
    assert.equal(s.traces, 2);
    assert.equal(s.spans, 4);
  });

  it('decides a trace that alone exceeds maxSpans with all of its spans and payloads', () => {
    const s = sampler({ maxSpans: 3 });
    assert.deepEqual(s.add(id(1), [span(1, 1), span(1, 2)], 'a', 0), []);
    assert.deepEqual(summary(s.add(id(1), [span(1, 3, { error: true }), span(1, 4)], 'b', 1)), [
      {
        traceId: id(1),
        keep: true,
        reason: 'error',
        spans: [sid(1), sid(2), sid(3), sid(4)],
        payloads: ['a', 'b'],
        early: true,
      },
    ]);
    assert.equal(s.traces, 0);
    assert.equal(s.spans, 0);
  });

  it('gives late spans of a decided trace the remembered decision at once', () => {
    const s = sampler({ decisionWaitMs: 100 });
    s.add(id(1), [span(1, 1, { error: true })], 'a1', 0);
    s.add(id(2), [span(2, 1)], 'b1', 0);
    assert.equal(s.due(100).length, 2);
    // The late span has no error, but the trace was kept: it is kept too.
    assert.deepEqual(summary(s.add(id(1), [span(1, 2)], 'a2', 200)), [
      { traceId: id(1), keep: true, reason: 'error', spans: [sid(2)], payloads: ['a2'], early: false },
    ]);
    // The late span has an error, but the trace was dropped: it is dropped too (never part of a trace).
    assert.deepEqual(summary(s.add(id(2), [span(2, 2, { error: true })], 'b2', 200)), [
      { traceId: id(2), keep: false, reason: 'sampled_out', spans: [sid(2)], payloads: ['b2'], early: false },
    ]);
    assert.equal(s.traces, 0);
  });

  it('remembers decisions of early-decided traces too', () => {
    const s = sampler({ maxTraces: 1 });
    s.add(id(1), [span(1, 1, { error: true })], 'a1', 0);
    assert.equal(s.add(id(2), [span(2, 1)], 'b1', 1)[0]?.early, true);
    assert.deepEqual(
      s.add(id(1), [span(1, 2)], 'a2', 2).map((d) => [d.traceId, d.keep, d.payloads]),
      [[id(1), true, ['a2']]],
    );
  });

  it('forgets the least recently used decisions beyond rememberDecisions; a forgotten trace is held anew', () => {
    const s = sampler({ decisionWaitMs: 0, rememberDecisions: 2 });
    for (const t of [1, 2, 3]) s.add(id(t), [span(t, 1, { error: true })], `t${t}`, 0);
    assert.equal(s.due(0).length, 3); // remembered: 2, 3 (1 was forgotten)
    assert.equal(s.add(id(2), [span(2, 2)], 'late2', 1).length, 1); // 2 becomes most recently used
    s.add(id(4), [span(4, 1)], 't4', 1);
    assert.equal(s.due(1).length, 1); // remembered: 2, 4 (3 was forgotten)
    assert.deepEqual(s.add(id(3), [span(3, 2)], 'late3', 2), []);
    assert.deepEqual(s.add(id(1), [span(1, 2)], 'late1', 2), []);
    assert.equal(s.traces, 2);
    assert.deepEqual(
      s.add(id(2), [span(2, 3)], 'late2b', 2).map((d) => d.keep),
      [true],
    );
    // The new holds are decided on their own spans only.
    assert.deepEqual(summary(s.drain(3)), [
      {
        traceId: id(3),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(2)],
        payloads: ['late3'],
        early: false,
      },
      {
        traceId: id(1),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(2)],
        payloads: ['late1'],
        early: false,
      },
    ]);
  });

  it('remembers nothing with rememberDecisions 0', () => {
    const s = sampler({ decisionWaitMs: 0, rememberDecisions: 0 });
    s.add(id(1), [span(1, 1, { error: true })], 'a', 0);
    assert.equal(s.due(0).length, 1);
    assert.deepEqual(s.add(id(1), [span(1, 2)], 'b', 1), []);
    assert.equal(s.traces, 1);
  });

  it('discards, undecided, every held trace with a matching payload', () => {
    const s = sampler();
    s.add(id(1), [span(1, 1)], 'p0:1', 0);
    s.add(id(1), [span(1, 2)], 'p1:1', 1);
    s.add(id(2), [span(2, 1)], 'p1:2', 2);
    s.add(id(3), [span(3, 1), span(3, 2)], 'p2:1', 3);
    assert.equal(
      s.discard((p) => p.startsWith('p1:')),
      2,
    );
    assert.equal(s.traces, 1);
    assert.equal(s.spans, 2);
    assert.equal(
      s.discard((p) => p.startsWith('p9:')),
      0,
    );
    // Nothing was remembered for discarded traces: their spans are held anew.
    assert.deepEqual(s.add(id(1), [span(1, 1)], 'p1:3', 4), []);
    assert.deepEqual(
      s.drain(5).map((d) => [d.traceId, d.payloads]),
      [
        [id(3), ['p2:1']],
        [id(1), ['p1:3']],
      ],
    );
  });

  it('drains every held trace, first arrived first, not early', () => {
    const s = sampler();
    s.add(id(1), [span(1, 1)], 'a', 0);
    s.add(id(2), [span(2, 1, { durationUs: 2_000_000 })], 'b', 1);
    s.add(id(1), [span(1, 2)], 'a2', 2);
    assert.deepEqual(summary(s.drain(3)), [
      {
        traceId: id(1),
        keep: false,
        reason: 'sampled_out',
        spans: [sid(1), sid(2)],
        payloads: ['a', 'a2'],
        early: false,
      },
      { traceId: id(2), keep: true, reason: 'latency', spans: [sid(1)], payloads: ['b'], early: false },
    ]);
    assert.equal(s.traces, 0);
    assert.equal(s.spans, 0);
    assert.deepEqual(s.drain(4), []);
  });

  it('reports how long each trace was held, from its first span to the decision', () => {
    const s = sampler({ decisionWaitMs: 1000, maxTraces: 2 });
    s.add(id(1), [span(1, 1)], 'a1', 100);
    s.add(id(1), [span(1, 2)], 'a2', 700);
    s.add(id(2), [span(2, 1)], 'b', 800);
    assert.deepEqual(
      s.add(id(3), [span(3, 1)], 'c', 900).map((d) => [d.traceId, d.early, d.heldMs]),
      [[id(1), true, 800]],
    );
    assert.deepEqual(
      s.due(1800).map((d) => [d.traceId, d.early, d.heldMs]),
      [[id(2), false, 1000]],
    );
    assert.deepEqual(
      s.add(id(2), [span(2, 2)], 'late', 1900).map((d) => [d.traceId, d.heldMs]),
      [[id(2), 0]],
    );
    assert.deepEqual(
      s.drain(2000).map((d) => [d.traceId, d.heldMs]),
      [[id(3), 1100]],
    );
  });

  it('holds the payload of an add without spans', () => {
    const s = sampler({ decisionWaitMs: 10 });
    s.add(id(1), [], 'empty', 0);
    assert.equal(s.traces, 1);
    assert.equal(s.spans, 0);
    assert.deepEqual(summary(s.due(10)), [
      { traceId: id(1), keep: false, reason: 'sampled_out', spans: [], payloads: ['empty'], early: false },
    ]);
  });

  it('keeps memory bounded under a stream of many traces', () => {
    const s = sampler({ decisionWaitMs: 1000, maxTraces: 100, maxSpans: 250 });
    let decided = 0;
    let spans = 0;
    for (let t = 0; t < 10_000; t++) {
      for (const d of s.add(id(t), [span(t, 1), span(t, 2), span(t, 3)], `m${t}`, t)) {
        decided++;
        spans += d.spans.length;
      }
      assert.ok(s.traces <= 100 && s.spans <= 250);
    }
    for (const d of s.drain(20_000)) {
      decided++;
      spans += d.spans.length;
    }
    assert.equal(decided, 10_000);
    assert.equal(spans, 30_000);
  });

  it('rejects unusable options', () => {
    const engine = new PolicyEngine(POLICIES);
    assert.throws(
      () => new TailSampler(engine, { decisionWaitMs: -1, maxTraces: 1, maxSpans: 1 }),
      new ConfigError('decisionWaitMs', 'expected a number of milliseconds ≥ 0, got -1'),
    );
    assert.throws(
      () => new TailSampler(engine, { decisionWaitMs: 0, maxTraces: 0, maxSpans: 1 }),
      new ConfigError('maxTraces', 'expected an integer ≥ 1, got 0'),
    );
    assert.throws(
      () => new TailSampler(engine, { decisionWaitMs: 0, maxTraces: 1, maxSpans: 1.5 }),
      new ConfigError('maxSpans', 'expected an integer ≥ 1, got 1.5'),
    );
    assert.throws(
      () => new TailSampler(engine, { decisionWaitMs: 0, maxTraces: 1, maxSpans: 1, rememberDecisions: -1 }),
      new ConfigError('rememberDecisions', 'expected an integer ≥ 0, got -1'),
    );
  });
});

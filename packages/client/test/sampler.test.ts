// The const sampler, and the sampler tags a tracer puts on sampled root spans only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConstSampler,
  InMemoryReporter,
  JaegerTracer,
  ProbabilisticSampler,
  RateLimitingSampler,
  createProcess,
  type Sampler,
} from '../src/index.js';

describe('ConstSampler and sampler tags', () => {
  it('samples everything or nothing, tagged const/true or const/false', () => {
    assert.deepEqual(new ConstSampler(true).isSampled(), {
      sampled: true,
      tags: { 'sampler.type': 'const', 'sampler.param': true },
    });
    assert.deepEqual(new ConstSampler(false).isSampled(), {
      sampled: false,
      tags: { 'sampler.type': 'const', 'sampler.param': false },
    });
  });

  it('sampler tags go on sampled root spans, not on children or unsampled traces', () => {
    const reporter = new InMemoryReporter();
    const on = new JaegerTracer({ process: createProcess('a'), reporter, sampler: new ConstSampler(true) });
    const root = on.startSpan('root');
    const child = on.startSpan('child', { childOf: root });
    child.finish();
    root.finish();
    assert.deepEqual(
      reporter.spans.map((s) => [s.operationName, s.tags]),
      [
        ['child', []],
        [
          'root',
          [
            { key: 'sampler.type', type: 'string', value: 'const' },
            { key: 'sampler.param', type: 'bool', value: true },
          ],
        ],
      ],
    );

    const probabilistic = new JaegerTracer({
      process: createProcess('b'),
      reporter,
      sampler: new ProbabilisticSampler(0.25),
    });
    reporter.clear();
    for (let i = 0; i < 200; i++) probabilistic.startSpan('r').finish();
    assert.ok(reporter.spans.length > 0);
    for (const span of reporter.spans) {
      assert.deepEqual(span.tags, [
        { key: 'sampler.type', type: 'string', value: 'probabilistic' },
        { key: 'sampler.param', type: 'float64', value: 0.25 },
      ]);
    }
  });

  it('sampler.param is a float64 for every numeric sampler, whole numbers included', () => {
    const cases: Array<[Sampler, string, number]> = [
      [new ProbabilisticSampler(1), 'probabilistic', 1],
      [new RateLimitingSampler(5), 'ratelimiting', 5],
    ];
    for (const [sampler, type, param] of cases) {
      const reporter = new InMemoryReporter();
      new JaegerTracer({ process: createProcess('c'), reporter, sampler }).startSpan('root').finish();
      assert.deepEqual(reporter.spans[0]?.tags, [
        { key: 'sampler.type', type: 'string', value: type },
        { key: 'sampler.param', type: 'float64', value: param },
      ]);
    }
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValue, Span } from '@skein/model';
import { ConfigError } from '@skein/runtime';
import { PolicyEngine, parseTailPolicies, traceIdHash, type TailPolicy } from '../src/sampling/policies.js';

const TRACE = '0123456789abcdef0123456789abcdef';

interface SpanOptions {
  traceId?: string;
  spanId?: string;
  parent?: string;
  service?: string;
  operation?: string;
  durationUs?: number;
  tags?: KeyValue[];
}

function span(options: SpanOptions = {}): Span {
  const s: Span = {
    traceId: options.traceId ?? TRACE,
    spanId: options.spanId ?? '0000000000000001',
    operationName: options.operation ?? 'GET /',
    references: [],
    flags: 1,
    startTime: 1_700_000_000_000_000,
    duration: options.durationUs ?? 1000,
    tags: options.tags ?? [],
    logs: [],
    process: { serviceName: options.service ?? 'frontend', tags: [] },
  };
  if (options.parent !== undefined) s.parentSpanId = options.parent;
  return s;
}

/** A deterministic stream of 32-hex trace IDs (mulberry32). */
function traceIds(seed: number, count: number): string[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    ids.push([next(), next(), next(), next()].map((n) => n.toString(16).padStart(8, '0')).join(''));
  }
  return ids;
}

function decide(policies: TailPolicy[], spans: Span[], nowMs = 0): { keep: boolean; reason: string } {
  return new PolicyEngine(policies).decide(spans, nowMs);
}

const KEPT_BY_ERROR = { keep: true, reason: 'error' };
const DROPPED = { keep: false, reason: 'sampled_out' };

describe('error policy', () => {
  const policies: TailPolicy[] = [{ type: 'error' }];
  const cases: [string, KeyValue, boolean][] = [
    ['error=true (bool)', { key: 'error', type: 'bool', value: true }, true],
    ['error=false (bool)', { key: 'error', type: 'bool', value: false }, false],
    ['error="true"', { key: 'error', type: 'string', value: 'true' }, true],
    ['error="TRUE"', { key: 'error', type: 'string', value: 'TRUE' }, false],
    ['error="false"', { key: 'error', type: 'string', value: 'false' }, false],
    ['otel.status_code="ERROR"', { key: 'otel.status_code', type: 'string', value: 'ERROR' }, true],
    ['otel.status_code="OK"', { key: 'otel.status_code', type: 'string', value: 'OK' }, false],
    ['http.status_code=500 (int64)', { key: 'http.status_code', type: 'int64', value: 500n }, true],
    ['http.status_code=503 (int64)', { key: 'http.status_code', type: 'int64', value: 503n }, true],
    ['http.status_code=499 (int64)', { key: 'http.status_code', type: 'int64', value: 499n }, false],
    ['http.status_code="502"', { key: 'http.status_code', type: 'string', value: '502' }, true],
    ['http.status_code="404"', { key: 'http.status_code', type: 'string', value: '404' }, false],
    ['http.status_code="5xx"', { key: 'http.status_code', type: 'string', value: '5xx' }, false],
    ['http.status_code=500 (float64)', { key: 'http.status_code', type: 'float64', value: 500 }, false],
  ];
  for (const [name, tag, kept] of cases) {
    it(`${kept ? 'keeps' : 'drops'} a trace with ${name}`, () => {
      const spans = [span(), span({ spanId: '0000000000000002', parent: '0000000000000001', tags: [tag] })];
      assert.deepEqual(decide(policies, spans), kept ? KEPT_BY_ERROR : DROPPED);
    });
  }

  it('ignores process tags', () => {
    const s = span();
    s.process = { serviceName: 'frontend', tags: [{ key: 'error', type: 'bool', value: true }] };
    assert.deepEqual(decide(policies, [s]), DROPPED);
  });
});

describe('latency policy', () => {
  const policies: TailPolicy[] = [{ type: 'latency', thresholdMs: 250 }];

  it('keeps a trace whose longest span reaches the threshold exactly', () => {
    const spans = [span({ durationUs: 10 }), span({ parent: '0000000000000001', durationUs: 250_000 })];
    assert.deepEqual(decide(policies, spans), { keep: true, reason: 'latency' });
  });

  it('drops a trace whose spans are all shorter', () => {
    const spans = [span({ durationUs: 249_999 }), span({ parent: '0000000000000001', durationUs: 5 })];
    assert.deepEqual(decide(policies, spans), DROPPED);
  });
});

describe('probabilistic policy', () => {
  it('hashes the trace ID with MurmurHash3 x86_32 over its 16 bytes', () => {
    // Reference values from an independent implementation of MurmurHash3 (seed 0).
    assert.equal(traceIdHash('00000000000000000000000000000000'), 2167721464);
    assert.equal(traceIdHash('0123456789abcdef0123456789abcdef'), 1491991139);
    assert.equal(traceIdHash('ffffffffffffffffffffffffffffffff'), 3843634286);
    assert.equal(traceIdHash('00000000000000001234567890abcdef'), 3677062856);
  });

  it('keeps iff the hash is below probability × 2^32', () => {
    // hash(TRACE) / 2^32 = 0.34738...
    const spans = [span()];
    assert.deepEqual(decide([{ type: 'probabilistic', probability: 0.35 }], spans), {
      keep: true,
      reason: 'probabilistic',
    });
    assert.deepEqual(decide([{ type: 'probabilistic', probability: 0.34 }], spans), DROPPED);
    assert.deepEqual(decide([{ type: 'probabilistic', probability: 0 }], spans), DROPPED);
    assert.deepEqual(decide([{ type: 'probabilistic', probability: 1 }], spans), {
      keep: true,
      reason: 'probabilistic',
    });
  });

  it('decides the same trace the same way in every engine instance', () => {
    const policies: TailPolicy[] = [{ type: 'probabilistic', probability: 0.5 }];
    const ids = traceIds(7, 200);
    const first = ids.map((id) => new PolicyEngine(policies).decide([span({ traceId: id })], 0).keep);
    const engine = new PolicyEngine(policies);
    const second = ids.map((id) => engine.decide([span({ traceId: id })], 99_999).keep);
    assert.deepEqual(second, first);
    assert.equal(first.filter(Boolean).length, 87);
  });

  it('keeps 10% ± 1% of 10,000 traces at probability 0.1 (exactly 1020 for seed 42)', () => {
    const engine = new PolicyEngine([{ type: 'probabilistic', probability: 0.1 }]);
    const kept = traceIds(42, 10_000).filter((id) => engine.decide([span({ traceId: id })], 0).keep).length;
    assert.equal(kept, 1020);
    assert.ok(kept >= 900 && kept <= 1100);
  });

  it('keeps 10% ± 1% of traces already head-sampled by trace ID bits (low 64 bits below 0.1 × 2^64; 974 for seed 43)', () => {
    const engine = new PolicyEngine([{ type: 'probabilistic', probability: 0.1 }]);
    // Jaeger clients' head sampler keeps low IDs; rewrite the low half so its top byte is below 0x19.
    const ids = traceIds(43, 10_000).map(
      (id) =>
        id.slice(0, 16) +
        (parseInt(id.slice(16, 18), 16) % 0x19).toString(16).padStart(2, '0') +
        id.slice(18),
    );
    const kept = ids.filter((id) => engine.decide([span({ traceId: id })], 0).keep).length;
    assert.equal(kept, 974);
    assert.ok(kept >= 900 && kept <= 1100);
  });

  it('applies only to traces whose root span matches service and operation', () => {
    const policies: TailPolicy[] = [
      { type: 'probabilistic', probability: 1, service: 'checkout', operation: 'POST /pay' },
    ];
    const root = span({ service: 'checkout', operation: 'POST /pay' });
    const child = span({
      spanId: '0000000000000002',
      parent: '0000000000000001',
      service: 'db',
      operation: 'query',
    });
    assert.deepEqual(decide(policies, [child, root]), { keep: true, reason: 'probabilistic' });
    // A matching child does not make the trace apply when the root does not match.
    const otherRoot = span({ service: 'frontend', operation: 'GET /' });
    const matchingChild = span({
      spanId: '0000000000000002',
      parent: '0000000000000001',
      service: 'checkout',
      operation: 'POST /pay',
    });
    assert.deepEqual(decide(policies, [otherRoot, matchingChild]), DROPPED);
    // Same service, other operation.
    assert.deepEqual(decide(policies, [span({ service: 'checkout', operation: 'GET /cart' })]), DROPPED);
  });

  it('looks at every span when the root has not arrived', () => {
    const policies: TailPolicy[] = [{ type: 'probabilistic', probability: 1, service: 'checkout' }];
    const orphans = [
      span({ spanId: '0000000000000002', parent: '00000000000000ff', service: 'frontend' }),
      span({ spanId: '0000000000000003', parent: '00000000000000ff', service: 'checkout' }),
    ];
    assert.deepEqual(decide(policies, orphans), { keep: true, reason: 'probabilistic' });
  });

  it('treats a CHILD_OF reference as a parent', () => {
    const policies: TailPolicy[] = [{ type: 'probabilistic', probability: 1, service: 'checkout' }];
    const root = span({ service: 'frontend' });
    const child = span({ spanId: '0000000000000002', service: 'checkout' });
    child.references = [{ refType: 'CHILD_OF', traceId: TRACE, spanId: '0000000000000001' }];
    assert.deepEqual(decide(policies, [root, child]), DROPPED);
  });
});

describe('rate-limit policy', () => {
  it('keeps up to tracesPerSecond traces of the service, refilled by the clock', () => {
    const engine = new PolicyEngine([{ type: 'rate-limit', service: 'checkout', tracesPerSecond: 2 }]);
    const trace = [span({ service: 'checkout' })];
    const kept = (nowMs: number): boolean => engine.decide(trace, nowMs).keep;
    assert.deepEqual(engine.decide(trace, 1000), { keep: true, reason: 'rate-limit' });
    assert.equal(kept(1000), true);
    assert.equal(kept(1000), false);
    assert.equal(kept(1499), false); // 0.998 tokens
    assert.equal(kept(1500), true); // 1 token after 500 ms at 2/s
    assert.equal(kept(1500), false);
    assert.equal(kept(10_000), true); // refilled to the capacity of 2, not more
    assert.equal(kept(10_000), true);
    assert.equal(kept(10_000), false);
    assert.equal(kept(5_000), false); // a clock stepping back does not refill
  });

  it('does not apply to other services', () => {
    const engine = new PolicyEngine([{ type: 'rate-limit', service: 'checkout', tracesPerSecond: 10 }]);
    assert.deepEqual(engine.decide([span({ service: 'frontend' })], 0), DROPPED);
  });

  it('holds at least one token when the rate is below 1/s', () => {
    const engine = new PolicyEngine([{ type: 'rate-limit', service: 'checkout', tracesPerSecond: 0.5 }]);
    const trace = [span({ service: 'checkout' })];
    assert.equal(engine.decide(trace, 0).keep, true);
    assert.equal(engine.decide(trace, 1999).keep, false);
    assert.equal(engine.decide(trace, 2000).keep, true);
  });

  it('spends no token on traces another policy keeps, whatever the list order', () => {
    const engine = new PolicyEngine([
      { type: 'rate-limit', service: 'checkout', tracesPerSecond: 1 },
      { type: 'error' },
    ]);
    const failed = [span({ service: 'checkout', tags: [{ key: 'error', type: 'bool', value: true }] })];
    const ok = [span({ service: 'checkout' })];
    assert.deepEqual(engine.decide(failed, 0), KEPT_BY_ERROR);
    assert.deepEqual(engine.decide(failed, 0), KEPT_BY_ERROR);
    assert.deepEqual(engine.decide(ok, 0), { keep: true, reason: 'rate-limit' });
    assert.deepEqual(engine.decide(ok, 0), DROPPED);
  });
});

describe('policy engine', () => {
  const policies: TailPolicy[] = [
    { type: 'latency', thresholdMs: 1000 },
    { type: 'error' },
    { type: 'probabilistic', probability: 0 },
  ];

  it('names the first policy in list order that keeps the trace', () => {
    const slowFailed = [span({ durationUs: 2_000_000, tags: [{ key: 'error', type: 'bool', value: true }] })];
    assert.deepEqual(decide(policies, slowFailed), { keep: true, reason: 'latency' });
    assert.deepEqual(decide([...policies].reverse(), slowFailed), KEPT_BY_ERROR);
  });

  it('always keeps error and slow traces next to a 10% probability', () => {
    const engine = new PolicyEngine([
      { type: 'probabilistic', probability: 0.1 },
      { type: 'error' },
      { type: 'latency', thresholdMs: 500 },
    ]);
    const ids = traceIds(5, 1000);
    for (const id of ids) {
      const failed = [
        span({ traceId: id, tags: [{ key: 'otel.status_code', type: 'string', value: 'ERROR' }] }),
      ];
      const slow = [span({ traceId: id, durationUs: 500_000 })];
      assert.equal(engine.decide(failed, 0).keep, true);
      assert.equal(engine.decide(slow, 0).keep, true);
    }
  });

  it('drops an empty trace', () => {
    assert.deepEqual(decide([{ type: 'probabilistic', probability: 1 }], []), DROPPED);
  });
});

describe('parseTailPolicies', () => {
  it('parses every policy type', () => {
    const value = {
      policies: [
        { type: 'error' },
        { type: 'latency', thresholdMs: 500 },
        { type: 'probabilistic', probability: 0.1 },
        { type: 'probabilistic', probability: 0.5, service: 'checkout', operation: 'POST /pay' },
        { type: 'rate-limit', service: 'frontend', tracesPerSecond: 20 },
      ],
    };
    assert.deepEqual(parseTailPolicies(value, 'sampling.yaml'), value.policies);
  });

  const errors: [string, unknown, string, string][] = [
    [
      'not an object',
      [],
      'sampling.yaml',
      'sampling.yaml: expected an object with policies, got an empty array',
    ],
    [
      'an unknown top-level key',
      { policies: [{ type: 'error' }], policy: [] },
      'policy',
      'policy: unknown key; expected policies (in sampling.yaml)',
    ],
    [
      'no policies',
      {},
      'policies',
      'policies: expected a non-empty array of policies, got nothing (in sampling.yaml)',
    ],
    [
      'an empty list',
      { policies: [] },
      'policies',
      'policies: expected a non-empty array of policies, got an empty array (in sampling.yaml)',
    ],
    [
      'a policy that is not an object',
      { policies: ['error'] },
      'policies[0]',
      'policies[0]: expected an object with a type, got the string "error" (in sampling.yaml)',
    ],
    [
      'an unknown type',
      { policies: [{ type: 'errors' }] },
      'policies[0].type',
      'policies[0].type: expected one of error, latency, probabilistic, rate-limit, got the string "errors" (in sampling.yaml)',
    ],
    [
      'a key of another type',
      { policies: [{ type: 'error', thresholdMs: 5 }] },
      'policies[0].thresholdMs',
      'policies[0].thresholdMs: unknown key for type error; expected one of type (in sampling.yaml)',
    ],
    [
      'a negative threshold',
      { policies: [{ type: 'latency', thresholdMs: -1 }] },
      'policies[0].thresholdMs',
      'policies[0].thresholdMs: expected a number of milliseconds ≥ 0, got number -1 (in sampling.yaml)',
    ],
    [
      'a threshold given as a string',
      { policies: [{ type: 'latency', thresholdMs: '500ms' }] },
      'policies[0].thresholdMs',
      'policies[0].thresholdMs: expected a number of milliseconds ≥ 0, got the string "500ms" (in sampling.yaml)',
    ],
    [
      'a probability above 1',
      { policies: [{ type: 'error' }, { type: 'error' }, { type: 'probabilistic', probability: 1.5 }] },
      'policies[2].probability',
      'policies[2].probability: expected a number from 0 to 1, got number 1.5 (in sampling.yaml)',
    ],
    [
      'a missing probability',
      { policies: [{ type: 'probabilistic' }] },
      'policies[0].probability',
      'policies[0].probability: expected a number from 0 to 1, got nothing (in sampling.yaml)',
    ],
    [
      'an empty service',
      { policies: [{ type: 'probabilistic', probability: 0.1, service: '' }] },
      'policies[0].service',
      'policies[0].service: expected a non-empty string, got the string "" (in sampling.yaml)',
    ],
    [
      'a rate limit without a service',
      { policies: [{ type: 'rate-limit', tracesPerSecond: 5 }] },
      'policies[0].service',
      'policies[0].service: required: the service whose traces are rate limited (in sampling.yaml)',
    ],
    [
      'a zero rate',
      { policies: [{ type: 'rate-limit', service: 'a', tracesPerSecond: 0 }] },
      'policies[0].tracesPerSecond',
      'policies[0].tracesPerSecond: expected a number greater than 0, got number 0 (in sampling.yaml)',
    ],
  ];
  for (const [name, value, key, message] of errors) {
    it(`rejects ${name}`, () => {
      assert.throws(
        () => parseTailPolicies(value, 'sampling.yaml'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.code, 'CONFIG_INVALID');
          assert.equal(err.key, key);
          assert.equal(err.message, message);
          return true;
        },
      );
    });
  }
});

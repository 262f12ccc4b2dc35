import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ConfigError } from '@skein/runtime';
import {
  DEFAULT_SAMPLING_PROBABILITY,
  SamplingStrategies,
  encodeStrategyResponse,
} from '../src/sampling/strategies.js';

const FIXTURE = new URL('./fixtures/strategies.json', import.meta.url);

/** The `/sampling` body for `service`. */
function body(strategies: SamplingStrategies, service: string): string {
  return strategies.bodyFor(service, 'proto');
}

function parse(value: unknown): SamplingStrategies {
  return SamplingStrategies.parse(JSON.stringify(value));
}

const DEFAULT_OPS =
  '{"operation":"GET /health","probabilisticSampling":{"samplingRate":0}},' +
  '{"operation":"GET /metrics","probabilisticSampling":{"samplingRate":0}}';

describe('sampling strategies', () => {
  it("serves Jaeger's built-in default without a file: probabilistic 0.001", () => {
    const strategies = SamplingStrategies.defaults();
    assert.equal(DEFAULT_SAMPLING_PROBABILITY, 0.001);
    assert.deepEqual(strategies.strategyFor('anything'), {
      strategyType: 'PROBABILISTIC',
      probabilisticSampling: { samplingRate: 0.001 },
    });
    assert.equal(
      body(strategies, 'anything'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}',
    );
    assert.equal(
      strategies.bodyFor('anything', 'legacy'),
      '{"strategyType":0,"probabilisticSampling":{"samplingRate":0.001}}',
    );
    assert.deepEqual(strategies.services, []);
    assert.deepEqual(strategies.warnings, []);
  });

  it('serves a default-only file to every service', () => {
    const strategies = parse({ default_strategy: { type: 'probabilistic', param: 0.25 } });
    assert.equal(
      body(strategies, 'a'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}',
    );
    assert.equal(
      body(strategies, 'b'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}',
    );
  });

  it("falls back to 0.001 when the file has services but no default (Jaeger's strategies.json)", () => {
    const strategies = parse({
      service_strategies: [
        { service: 'foo', type: 'probabilistic', param: 0.8 },
        { service: 'bar', type: 'ratelimiting', param: 5 },
      ],
    });
    assert.equal(
      body(strategies, 'foo'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8}}',
    );
    assert.equal(
      body(strategies, 'bar'),
      '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5}}',
    );
    assert.equal(
      strategies.bodyFor('bar', 'legacy'),
      '{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":5}}',
    );
    assert.equal(
      body(strategies, 'baz'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}',
    );
    assert.deepEqual(strategies.services, ['foo', 'bar']);
  });

  describe('the example file', () => {
    const strategies = SamplingStrategies.parse(readFileSync(FIXTURE, 'utf8'), 'strategies.json');

    it('loads without warnings', () => {
      assert.deepEqual(strategies.services, ['checkout', 'payments', 'frontend', 'inventory']);
      assert.deepEqual(strategies.warnings, []);
    });

    it('serves the default strategy, with its operation strategies, to a service not in the file', () => {
      assert.equal(
        body(strategies, 'unknown-service'),
        '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.1},' +
          '"operationSampling":{"defaultSamplingProbability":0.1,"defaultLowerBoundTracesPerSecond":0,' +
          `"perOperationStrategies":[${DEFAULT_OPS}],"defaultUpperBoundTracesPerSecond":0}}`,
      );
    });

    it("puts a service's own operation strategies first and adds the default ones it does not override", () => {
      assert.equal(
        body(strategies, 'checkout'),
        '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},' +
          '"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,' +
          '"perOperationStrategies":[{"operation":"POST /checkout","probabilisticSampling":{"samplingRate":1}},' +
          '{"operation":"GET /health","probabilisticSampling":{"samplingRate":0.01}},' +
          '{"operation":"GET /metrics","probabilisticSampling":{"samplingRate":0}}],' +
          '"defaultUpperBoundTracesPerSecond":0}}',
      );
    });

    it("gives a probabilistic service without operation strategies the default ones at the service's rate", () => {
      assert.equal(
        body(strategies, 'payments'),
        '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1},' +
          '"operationSampling":{"defaultSamplingProbability":1,"defaultLowerBoundTracesPerSecond":0,' +
          `"perOperationStrategies":[${DEFAULT_OPS}],"defaultUpperBoundTracesPerSecond":0}}`,
      );
    });

    it("gives a rate-limited service without operation strategies the default ones at the default's rate", () => {
      assert.equal(
        body(strategies, 'frontend'),
        '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":20},' +
          '"operationSampling":{"defaultSamplingProbability":0.1,"defaultLowerBoundTracesPerSecond":0,' +
          `"perOperationStrategies":[${DEFAULT_OPS}],"defaultUpperBoundTracesPerSecond":0}}`,
      );
      assert.equal(
        strategies.bodyFor('frontend', 'legacy'),
        '{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":20},' +
          '"operationSampling":{"defaultSamplingProbability":0.1,"defaultLowerBoundTracesPerSecond":0,' +
          `"perOperationStrategies":[${DEFAULT_OPS}],"defaultUpperBoundTracesPerSecond":0}}`,
      );
    });

    it('uses 0.001 as the operation default of a rate-limited service with its own operation strategies', () => {
      assert.equal(
        body(strategies, 'inventory'),
        '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5},' +
          '"operationSampling":{"defaultSamplingProbability":0.001,"defaultLowerBoundTracesPerSecond":0,' +
          '"perOperationStrategies":[{"operation":"ReserveStock","probabilisticSampling":{"samplingRate":0.25}},' +
          `${DEFAULT_OPS}],"defaultUpperBoundTracesPerSecond":0}}`,
      );
    });
  });

  it("matches Jaeger's own per-operation test file, dropping rate-limiting operation strategies", () => {
    const op = (operation: string, samplingRate: number): string =>
      `{"operation":"${operation}","probabilisticSampling":{"samplingRate":${samplingRate}}}`;
    const strategies = parse({
      default_strategy: {
        type: 'probabilistic',
        param: 0.5,
        operation_strategies: [
          { operation: 'op0', type: 'probabilistic', param: 0.2 },
          { operation: 'op6', type: 'probabilistic', param: 0 },
          { operation: 'spam', type: 'ratelimiting', param: 1 },
          { operation: 'op7', type: 'probabilistic', param: 1 },
        ],
      },
      service_strategies: [
        {
          service: 'foo',
          type: 'probabilistic',
          param: 0.8,
          operation_strategies: [
            { operation: 'op6', type: 'probabilistic', param: 0.5 },
            { operation: 'op1', type: 'probabilistic', param: 0.2 },
            { operation: 'op2', type: 'ratelimiting', param: 10 },
          ],
        },
        {
          service: 'bar',
          type: 'ratelimiting',
          param: 5,
          operation_strategies: [
            { operation: 'op3', type: 'probabilistic', param: 0.3 },
            { operation: 'op4', type: 'ratelimiting', param: 100 },
            { operation: 'op5', type: 'probabilistic', param: 0.4 },
          ],
        },
      ],
    });
    assert.equal(
      body(strategies, 'foo'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.8},' +
        '"operationSampling":{"defaultSamplingProbability":0.8,"defaultLowerBoundTracesPerSecond":0,' +
        `"perOperationStrategies":[${op('op6', 0.5)},${op('op1', 0.2)},${op('op0', 0.2)},${op('op7', 1)}],` +
        '"defaultUpperBoundTracesPerSecond":0}}',
    );
    assert.equal(
      body(strategies, 'bar'),
      '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":5},' +
        '"operationSampling":{"defaultSamplingProbability":0.001,"defaultLowerBoundTracesPerSecond":0,' +
        `"perOperationStrategies":[${op('op3', 0.3)},${op('op5', 0.4)},${op('op0', 0.2)},${op('op6', 0)},${op('op7', 1)}],` +
        '"defaultUpperBoundTracesPerSecond":0}}',
    );
    assert.equal(
      body(strategies, 'default'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},' +
        '"operationSampling":{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,' +
        `"perOperationStrategies":[${op('op0', 0.2)},${op('op6', 0)},${op('op7', 1)}],` +
        '"defaultUpperBoundTracesPerSecond":0}}',
    );
    assert.deepEqual(strategies.warnings, [
      '$.default_strategy.operation_strategies[2]: per-operation strategies can only be probabilistic, so operation "spam" is sampled at the default probability 0.5',
      '$.service_strategies[0].operation_strategies[2]: per-operation strategies can only be probabilistic, so operation "op2" is sampled at the default probability 0.8',
      '$.service_strategies[1].operation_strategies[1]: per-operation strategies can only be probabilistic, so operation "op4" is sampled at the default probability 0.001',
    ]);
  });

  it('serves an empty operation list when every operation strategy is rate limiting', () => {
    const strategies = parse({
      service_strategies: [
        {
          service: 'foo',
          type: 'probabilistic',
          param: 0.3,
          operation_strategies: [{ operation: 'x', type: 'ratelimiting', param: 2 }],
        },
      ],
    });
    assert.equal(
      body(strategies, 'foo'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.3},' +
        '"operationSampling":{"defaultSamplingProbability":0.3,"defaultLowerBoundTracesPerSecond":0,' +
        '"perOperationStrategies":[],"defaultUpperBoundTracesPerSecond":0}}',
    );
  });

  it('serves 0.001 to a service with operation strategies but no type or param, as Jaeger does', () => {
    const strategies = parse({
      default_strategy: { type: 'probabilistic', param: 0.5 },
      service_strategies: [
        { service: 'foo', operation_strategies: [{ operation: 'op1', type: 'probabilistic', param: 0.2 }] },
      ],
    });
    assert.equal(
      body(strategies, 'foo'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001},' +
        '"operationSampling":{"defaultSamplingProbability":0.001,"defaultLowerBoundTracesPerSecond":0,' +
        '"perOperationStrategies":[{"operation":"op1","probabilisticSampling":{"samplingRate":0.2}}],' +
        '"defaultUpperBoundTracesPerSecond":0}}',
    );
    assert.equal(
      body(strategies, 'other'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}',
    );
    assert.deepEqual(strategies.warnings, [
      "$.service_strategies[0]: no type and param, so Jaeger's default (probabilistic 0.001) applies",
    ]);
  });

  it('truncates fractional rates to whole traces per second, as Jaeger does, and says so', () => {
    const strategies = parse({ default_strategy: { type: 'ratelimiting', param: 3.5 } });
    assert.equal(
      body(strategies, 'x'),
      '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":3}}',
    );
    assert.deepEqual(strategies.warnings, [
      '$.default_strategy.param: the protocol carries whole traces per second, so 3.5 is served as 3',
    ]);
  });

  it("escapes <, > and & in operation names the way Go's encoder does", () => {
    const strategies = parse({
      default_strategy: {
        type: 'probabilistic',
        param: 1,
        operation_strategies: [{ operation: 'a<b>&"c"', type: 'probabilistic', param: 0.000001 }],
      },
    });
    assert.equal(
      body(strategies, 'x'),
      '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1},' +
        '"operationSampling":{"defaultSamplingProbability":1,"defaultLowerBoundTracesPerSecond":0,' +
        '"perOperationStrategies":[{"operation":"a\\u003cb\\u003e\\u0026\\"c\\"","probabilisticSampling":{"samplingRate":0.000001}}],' +
        '"defaultUpperBoundTracesPerSecond":0}}',
    );
  });

  it('encodes a response with the protocol field order, whatever order it was built in', () => {
    assert.equal(
      encodeStrategyResponse(
        {
          operationSampling: {
            perOperationStrategies: [],
            defaultUpperBoundTracesPerSecond: 0,
            defaultLowerBoundTracesPerSecond: 2,
            defaultSamplingProbability: 0.5,
          },
          rateLimitingSampling: { maxTracesPerSecond: 7 },
          strategyType: 'RATE_LIMITING',
        },
        'legacy',
      ),
      '{"strategyType":1,"rateLimitingSampling":{"maxTracesPerSecond":7},"operationSampling":' +
        '{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":2,"perOperationStrategies":[],' +
        '"defaultUpperBoundTracesPerSecond":0}}',
    );
  });

  describe('invalid files', () => {
    const cases: { name: string; text: string; message: string }[] = [
      {
        name: 'a JSON string instead of an object',
        text: '"nonsense"',
        message: '$: expected an object with default_strategy, service_strategies, got the string "nonsense"',
      },
      {
        name: 'a probability above 1',
        text: JSON.stringify({
          service_strategies: [
            { service: 'a', type: 'probabilistic', param: 0.5 },
            { service: 'b', type: 'probabilistic', param: 1.5 },
          ],
        }),
        message: '$.service_strategies[1].param: expected a sampling probability from 0 to 1, got 1.5',
      },
      {
        name: 'a negative probability in an operation strategy',
        text: JSON.stringify({
          default_strategy: {
            type: 'probabilistic',
            param: 0.5,
            operation_strategies: [{ operation: 'x', type: 'probabilistic', param: -0.1 }],
          },
        }),
        message:
          '$.default_strategy.operation_strategies[0].param: expected a sampling probability from 0 to 1, got -0.1',
      },
      {
        name: 'a negative rate',
        text: JSON.stringify({ default_strategy: { type: 'ratelimiting', param: -1 } }),
        message: '$.default_strategy.param: expected a number of traces per second from 0 to 32767, got -1',
      },
      {
        name: 'a rate the protocol cannot carry',
        text: '{"default_strategy": {"type": "ratelimiting", "param": 1e999}}',
        message:
          '$.default_strategy.param: expected a number of traces per second from 0 to 32767, got Infinity',
      },
      {
        name: 'an unknown type',
        text: JSON.stringify({ service_strategies: [{ service: 'a', type: 'adaptive', param: 0.5 }] }),
        message:
          '$.service_strategies[0].type: expected "probabilistic" or "ratelimiting", got the string "adaptive"',
      },
      {
        name: 'a param without a type',
        text: JSON.stringify({ default_strategy: { param: 0.5 } }),
        message: '$.default_strategy.type: expected "probabilistic" or "ratelimiting", got nothing',
      },
      {
        name: 'a type without a param',
        text: JSON.stringify({ default_strategy: { type: 'ratelimiting' } }),
        message: '$.default_strategy.param: expected a number of traces per second, got nothing',
      },
      {
        name: 'a param written as a string',
        text: JSON.stringify({
          service_strategies: [
            {
              service: 'a',
              type: 'probabilistic',
              param: 0.5,
              operation_strategies: [
                { operation: 'x', type: 'probabilistic', param: 0.1 },
                { operation: 'y', type: 'probabilistic', param: '0.5' },
              ],
            },
          ],
        }),
        message:
          '$.service_strategies[0].operation_strategies[1].param: expected a sampling probability from 0 to 1, got the string "0.5"',
      },
      {
        name: 'a service without a name',
        text: JSON.stringify({ service_strategies: [{ type: 'probabilistic', param: 0.5 }] }),
        message: '$.service_strategies[0].service: expected a non-empty string, got nothing',
      },
      {
        name: 'an operation strategy without an operation',
        text: JSON.stringify({
          default_strategy: {
            type: 'probabilistic',
            param: 0.5,
            operation_strategies: [{ type: 'probabilistic', param: 0 }],
          },
        }),
        message:
          '$.default_strategy.operation_strategies[0].operation: expected a non-empty string, got nothing',
      },
      {
        name: 'a misspelt key',
        text: JSON.stringify({
          service_strategies: [{ service: 'a', type: 'probabilistic', param: 0.5, operation_strategy: [] }],
        }),
        message:
          '$.service_strategies[0].operation_strategy: unknown key; expected one of service, type, param, operation_strategies',
      },
      {
        name: 'the same service twice',
        text: JSON.stringify({
          service_strategies: [
            { service: 'foo', type: 'probabilistic', param: 0.5 },
            { service: 'foo', type: 'ratelimiting', param: 5 },
          ],
        }),
        message:
          '$.service_strategies[1].service: duplicate service "foo", already at $.service_strategies[0]',
      },
      {
        name: 'the same operation twice in one service',
        text: JSON.stringify({
          default_strategy: {
            type: 'probabilistic',
            param: 0.5,
            operation_strategies: [
              { operation: 'x', type: 'probabilistic', param: 0.1 },
              { operation: 'x', type: 'probabilistic', param: 0.2 },
            ],
          },
        }),
        message:
          '$.default_strategy.operation_strategies[1].operation: duplicate operation "x", already at $.default_strategy.operation_strategies[0]',
      },
      {
        name: 'service_strategies that is not an array',
        text: JSON.stringify({ service_strategies: { service: 'a' } }),
        message: '$.service_strategies: expected an array, got an object',
      },
      {
        name: 'operation_strategies that is not an array',
        text: JSON.stringify({
          default_strategy: { type: 'probabilistic', param: 0.5, operation_strategies: 'x' },
        }),
        message: '$.default_strategy.operation_strategies: expected an array, got the string "x"',
      },
    ];
    for (const c of cases) {
      it(`rejects ${c.name}`, () => {
        assert.throws(
          () => SamplingStrategies.parse(c.text),
          (err: unknown) => {
            assert.ok(err instanceof ConfigError);
            assert.equal(err.message, c.message);
            assert.equal(err.code, 'CONFIG_INVALID');
            return true;
          },
        );
      });
    }

    it('rejects text that is not JSON, naming the file', () => {
      let syntax = '';
      try {
        JSON.parse('{"default_strategy": ');
      } catch (err) {
        syntax = (err as Error).message;
      }
      assert.notEqual(syntax, '');
      assert.throws(
        () => SamplingStrategies.parse('{"default_strategy": ', '/etc/skein/strategies.json'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.key, '$');
          assert.equal(err.message, `$: is not valid JSON (${syntax}) (in /etc/skein/strategies.json)`);
          return true;
        },
      );
    });

    it('names the file and the JSON path in the error', () => {
      assert.throws(
        () =>
          SamplingStrategies.parse('{"default_strategy": {"type": "const", "param": 1}}', 'strategies.json'),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.equal(err.key, '$.default_strategy.type');
          assert.equal(
            err.message,
            '$.default_strategy.type: expected "probabilistic" or "ratelimiting", got the string "const" (in strategies.json)',
          );
          return true;
        },
      );
    });
  });
});

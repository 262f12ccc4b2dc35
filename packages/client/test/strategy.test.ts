// Parsing Jaeger's sampling strategy responses: enum names and legacy codes, proto3's omitted zeros, errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StrategyError, parseStrategyResponse } from '../src/index.js';

describe('parseStrategyResponse', () => {
  it('reads probabilistic and rate-limiting strategies, by name or legacy code', () => {
    assert.deepEqual(
      parseStrategyResponse({ strategyType: 'PROBABILISTIC', probabilisticSampling: { samplingRate: 0.25 } }),
      { type: 'probabilistic', samplingRate: 0.25 },
    );
    assert.deepEqual(parseStrategyResponse({ strategyType: 0, probabilisticSampling: { samplingRate: 1 } }), {
      type: 'probabilistic',
      samplingRate: 1,
    });
    assert.deepEqual(
      parseStrategyResponse({
        strategyType: 'RATE_LIMITING',
        rateLimitingSampling: { maxTracesPerSecond: 20 },
      }),
      { type: 'ratelimiting', maxTracesPerSecond: 20 },
    );
    assert.deepEqual(
      parseStrategyResponse({ strategyType: 1, rateLimitingSampling: { maxTracesPerSecond: 5 } }),
      {
        type: 'ratelimiting',
        maxTracesPerSecond: 5,
      },
    );
  });

  it('reads fields proto3 JSON leaves out as zero, and lets the sub-object decide the type', () => {
    assert.deepEqual(parseStrategyResponse({ probabilisticSampling: {} }), {
      type: 'probabilistic',
      samplingRate: 0,
    });
    assert.deepEqual(parseStrategyResponse({ strategyType: 'RATE_LIMITING', rateLimitingSampling: {} }), {
      type: 'ratelimiting',
      maxTracesPerSecond: 0,
    });
    assert.deepEqual(
      parseStrategyResponse({
        strategyType: 'PROBABILISTIC',
        rateLimitingSampling: { maxTracesPerSecond: 3 },
      }),
      { type: 'ratelimiting', maxTracesPerSecond: 3 },
    );
    assert.deepEqual(
      parseStrategyResponse({
        strategyType: 'RATE_LIMITING',
        probabilisticSampling: { samplingRate: 0.5 },
        rateLimitingSampling: { maxTracesPerSecond: 3 },
      }),
      { type: 'ratelimiting', maxTracesPerSecond: 3 },
    );
  });

  it('reads per-operation strategies, which win over the service-wide one', () => {
    assert.deepEqual(
      parseStrategyResponse({
        strategyType: 'RATE_LIMITING',
        rateLimitingSampling: { maxTracesPerSecond: 20 },
        operationSampling: {
          defaultSamplingProbability: 0.1,
          defaultLowerBoundTracesPerSecond: 0.5,
          perOperationStrategies: [
            { operation: 'GET /health', probabilisticSampling: { samplingRate: 0 } },
            { operation: 'POST /checkout', probabilisticSampling: { samplingRate: 1 } },
            { operation: 'no rate' },
          ],
          defaultUpperBoundTracesPerSecond: 0,
        },
      }),
      {
        type: 'per-operation',
        operations: {
          defaultSamplingProbability: 0.1,
          defaultLowerBoundTracesPerSecond: 0.5,
          perOperationStrategies: [
            { operation: 'GET /health', samplingRate: 0 },
            { operation: 'POST /checkout', samplingRate: 1 },
            { operation: 'no rate', samplingRate: 0 },
          ],
        },
      },
    );
    assert.deepEqual(parseStrategyResponse({ operationSampling: {} }), {
      type: 'per-operation',
      operations: {
        defaultSamplingProbability: 0,
        defaultLowerBoundTracesPerSecond: 0,
        perOperationStrategies: [],
      },
    });
  });

  it('says what is wrong and where', () => {
    const cases: Array<[unknown, string]> = [
      [null, '$: expected an object, got null'],
      [[], '$: expected an object, got an array'],
      [{}, '$: has neither probabilisticSampling nor rateLimitingSampling nor operationSampling'],
      [
        { strategyType: 'ADAPTIVE', probabilisticSampling: { samplingRate: 1 } },
        '$.strategyType: expected PROBABILISTIC or RATE_LIMITING, got "ADAPTIVE"',
      ],
      [
        { strategyType: true, probabilisticSampling: { samplingRate: 1 } },
        '$.strategyType: expected PROBABILISTIC or RATE_LIMITING, got true',
      ],
      [
        { probabilisticSampling: { samplingRate: 1.5 } },
        '$.probabilisticSampling.samplingRate: expected a probability from 0 to 1, got 1.5',
      ],
      [
        { probabilisticSampling: { samplingRate: '0.5' } },
        '$.probabilisticSampling.samplingRate: expected a probability from 0 to 1, got "0.5"',
      ],
      [{ probabilisticSampling: 0.5 }, '$.probabilisticSampling: expected an object, got 0.5'],
      [
        { rateLimitingSampling: { maxTracesPerSecond: -1 } },
        '$.rateLimitingSampling.maxTracesPerSecond: expected a number of traces per second from 0, got -1',
      ],
      [
        { operationSampling: { perOperationStrategies: {} } },
        '$.operationSampling.perOperationStrategies: expected an array, got an object',
      ],
      [
        { operationSampling: { perOperationStrategies: [{ probabilisticSampling: { samplingRate: 1 } }] } },
        '$.operationSampling.perOperationStrategies[0].operation: expected a string, got nothing',
      ],
      [
        {
          operationSampling: {
            perOperationStrategies: [{ operation: 'x', probabilisticSampling: { samplingRate: 7 } }],
          },
        },
        '$.operationSampling.perOperationStrategies[0].probabilisticSampling.samplingRate: expected a probability from 0 to 1, got 7',
      ],
      [
        { operationSampling: { defaultLowerBoundTracesPerSecond: 'many' } },
        '$.operationSampling.defaultLowerBoundTracesPerSecond: expected a number of traces per second from 0, got "many"',
      ],
    ];
    for (const [body, message] of cases) {
      assert.throws(
        () => parseStrategyResponse(body),
        (err: unknown) => err instanceof StrategyError && err.message === message,
        message,
      );
    }
  });
});

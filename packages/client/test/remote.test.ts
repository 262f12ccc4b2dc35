// The remote sampler against a real HTTP server: what it asks, what it applies, and what it keeps when the
// answer is unusable.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  ClientMetrics,
  PerOperationSampler,
  ProbabilisticSampler,
  RateLimitingSampler,
  RemoteSampler,
} from '../src/index.js';
import { HttpStub, memoryLogger, metric } from './helpers.js';

// Bodies as skein's agent (and Jaeger's) serve them on /sampling.
const PROBABILISTIC = '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}';
const RATE_LIMITING = '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":20}}';
const PER_OPERATION =
  '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5},"operationSampling":' +
  '{"defaultSamplingProbability":0.5,"defaultLowerBoundTracesPerSecond":0,"perOperationStrategies":' +
  '[{"operation":"POST /checkout","probabilisticSampling":{"samplingRate":1}},' +
  '{"operation":"GET /health","probabilisticSampling":{"samplingRate":0}}],"defaultUpperBoundTracesPerSecond":0}}';

const TRACE = '0000000000000000' + '7000000000000000'; // sampled at rate 1 only (of 0, 0.5, 1)

describe('RemoteSampler', () => {
  let stub: HttpStub;
  let body = PROBABILISTIC;
  let status = 200;
  before(async () => {
    stub = await HttpStub.start(() => ({ status, body }));
  });
  after(() => stub.close());

  function sampler(registry: Registry, logger = memoryLogger()) {
    return new RemoteSampler({
      serviceName: 'checkout',
      endpoint: `http://127.0.0.1:${stub.port}/sampling`,
      refreshIntervalMs: 0,
      metrics: new ClientMetrics(registry),
      logger,
    });
  }

  it('decides with probabilistic 0.001 until the first strategy arrives', () => {
    const s = sampler(new Registry());
    assert.ok(s.current instanceof ProbabilisticSampler);
    assert.equal((s.current as ProbabilisticSampler).samplingRate, 0.001);
    assert.equal(s.strategy, undefined);
    assert.deepEqual(s.isSampled(TRACE, 'op').tags, {
      'sampler.type': 'probabilistic',
      'sampler.param': 0.001,
    });
  });

  it('applies probabilistic, rate-limiting and per-operation strategies; counts queries and changes', async () => {
    const registry = new Registry();
    const s = sampler(registry);
    const before = stub.requests.length;
    body = PROBABILISTIC;
    assert.equal(await s.refresh(), true);
    assert.equal(stub.requests[before]?.url, '/sampling?service=checkout');
    assert.deepEqual(s.strategy, { type: 'probabilistic', samplingRate: 0.5 });
    assert.deepEqual(s.isSampled(TRACE, 'op'), {
      sampled: false,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 0.5 },
    });

    assert.equal(await s.refresh(), true);
    assert.equal(await metric(registry, 'skein_client_sampler_queries_total', { result: 'ok' }), 2);
    assert.equal(await metric(registry, 'skein_client_sampler_updates_total'), 1);

    body = RATE_LIMITING;
    await s.refresh();
    const limiting = s.current;
    assert.ok(limiting instanceof RateLimitingSampler);
    assert.equal(limiting.maxTracesPerSecond, 20);
    body = RATE_LIMITING.replace('20', '5');
    await s.refresh();
    // Same sampler, new rate: its token bucket carries over.
    assert.equal(s.current, limiting);
    assert.equal(limiting.maxTracesPerSecond, 5);

    body = PER_OPERATION;
    await s.refresh();
    const perOperation = s.current;
    assert.ok(perOperation instanceof PerOperationSampler);
    assert.deepEqual(s.isSampled(TRACE, 'POST /checkout'), {
      sampled: true,
      tags: { 'sampler.type': 'probabilistic', 'sampler.param': 1 },
    });
    assert.equal(s.isSampled(TRACE, 'GET /health').sampled, false);
    assert.equal(s.isSampled(TRACE, 'GET /cart').sampled, false);
    body = PER_OPERATION.replace('"defaultSamplingProbability":0.5', '"defaultSamplingProbability":1');
    await s.refresh();
    assert.equal(s.current, perOperation);
    assert.equal(s.isSampled(TRACE, 'GET /cart').sampled, true);

    assert.equal(await metric(registry, 'skein_client_sampler_queries_total', { result: 'ok' }), 6);
    assert.equal(await metric(registry, 'skein_client_sampler_updates_total'), 5);
    assert.equal(await metric(registry, 'skein_client_sampler_queries_total', { result: 'error' }), 0);
  });

  it('keeps the current sampler when the answer is unusable, logging each distinct failure once', async () => {
    const registry = new Registry();
    const logger = memoryLogger();
    const s = sampler(registry, logger);
    body = PROBABILISTIC;
    await s.refresh();
    const current = s.current;
    const url = `http://127.0.0.1:${stub.port}/sampling?service=checkout`;

    status = 500;
    body = 'boom';
    assert.equal(await s.refresh(), false);
    assert.equal(await s.refresh(), false);
    status = 200;
    body = '{"strategyType":';
    assert.equal(await s.refresh(), false);
    body = '{"probabilisticSampling":{"samplingRate":2}}';
    assert.equal(await s.refresh(), false);
    assert.equal(s.current, current);
    assert.deepEqual(s.strategy, { type: 'probabilistic', samplingRate: 0.5 });
    assert.equal(await metric(registry, 'skein_client_sampler_queries_total', { result: 'error' }), 4);
    assert.deepEqual(logger.lines, [
      `error cannot fetch the sampling strategy from ${url} (HTTP 500: boom); keeping the current sampler`,
      `error cannot fetch the sampling strategy from ${url} (the response is not JSON: {"strategyType":); keeping the current sampler`,
      `error cannot fetch the sampling strategy from ${url} ($.probabilisticSampling.samplingRate: expected a probability from 0 to 1, got 2); keeping the current sampler`,
    ]);
    body = PROBABILISTIC;
  });

  it('survives an agent that is not listening', async () => {
    const registry = new Registry();
    const logger = memoryLogger();
    const s = new RemoteSampler({
      serviceName: 'checkout',
      endpoint: 'http://127.0.0.1:1/sampling',
      refreshIntervalMs: 0,
      metrics: new ClientMetrics(registry),
      logger,
    });
    assert.equal(await s.refresh(), false);
    assert.equal(await metric(registry, 'skein_client_sampler_queries_total', { result: 'error' }), 1);
    assert.match(
      logger.lines[0] ?? '',
      /^error cannot fetch the sampling strategy from http:\/\/127\.0\.0\.1:1\//,
    );
    assert.ok(s.current instanceof ProbabilisticSampler);
  });

  it('polls on its own every refreshIntervalMs until closed', async () => {
    body = RATE_LIMITING;
    const start = stub.requests.length;
    const s = new RemoteSampler({
      serviceName: 'poller',
      endpoint: `http://127.0.0.1:${stub.port}/sampling`,
      refreshIntervalMs: 10,
    });
    const requests = (await stub.waitFor(start + 3)).slice(start);
    s.close();
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/sampling?service=poller', '/sampling?service=poller', '/sampling?service=poller'],
    );
    assert.ok(s.current instanceof RateLimitingSampler);
  });
});

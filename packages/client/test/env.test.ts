// parseTracerConfig: every JAEGER_* variable, its default, and the error naming it when its value is unusable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENV_VARS, TracerConfigError, parseTracerConfig, type Env, type TracerConfig } from '../src/index.js';

const BASE = { JAEGER_SERVICE_NAME: 'checkout' };

function parse(env: Env): TracerConfig {
  return parseTracerConfig({ ...BASE, ...env });
}

function rejects(env: Env, key: string, message: string): void {
  assert.throws(
    () => parseTracerConfig({ ...BASE, ...env }),
    (err: unknown) => {
      assert.ok(err instanceof TracerConfigError);
      assert.equal(err.code, 'CONFIG_INVALID');
      assert.equal(err.key, key);
      assert.equal(err.message, `${key}: ${message}`);
      return true;
    },
  );
}

describe('parseTracerConfig', () => {
  it('gives the defaults for a service name alone', () => {
    assert.deepEqual(parse({}), {
      disabled: false,
      serviceName: 'checkout',
      tags: [],
      traceId128bit: true,
      propagation: ['jaeger', 'w3c'],
      reporter: {
        transport: { type: 'udp', host: 'localhost', port: 6831 },
        maxQueueSize: 100,
        flushIntervalMs: 1000,
        logSpans: false,
      },
      sampler: {
        type: 'remote',
        endpoint: 'http://localhost:5778/sampling',
        initialSamplingRate: 0.001,
        refreshIntervalMs: 60000,
        maxOperations: 2000,
      },
    });
  });

  it('lists every variable it reads', () => {
    assert.deepEqual(ENV_VARS, [
      'JAEGER_SERVICE_NAME',
      'JAEGER_DISABLED',
      'JAEGER_AGENT_HOST',
      'JAEGER_AGENT_PORT',
      'JAEGER_ENDPOINT',
      'JAEGER_USER',
      'JAEGER_PASSWORD',
      'JAEGER_AUTH_TOKEN',
      'JAEGER_REPORTER_MAX_QUEUE_SIZE',
      'JAEGER_REPORTER_FLUSH_INTERVAL',
      'JAEGER_REPORTER_LOG_SPANS',
      'JAEGER_SAMPLER_TYPE',
      'JAEGER_SAMPLER_PARAM',
      'JAEGER_SAMPLER_MANAGER_HOST_PORT',
      'JAEGER_SAMPLING_ENDPOINT',
      'JAEGER_SAMPLER_REFRESH_INTERVAL',
      'JAEGER_SAMPLER_MAX_OPERATIONS',
      'JAEGER_TAGS',
      'JAEGER_TRACEID_128BIT',
      'JAEGER_PROPAGATION',
    ]);
  });

  it('JAEGER_SERVICE_NAME: required unless disabled; the option is the fallback', () => {
    assert.throws(
      () => parseTracerConfig({}),
      new TracerConfigError(
        'JAEGER_SERVICE_NAME',
        'required: set it to the name this service should have in traces (or JAEGER_DISABLED=true)',
      ),
    );
    assert.throws(() => parseTracerConfig({ JAEGER_SERVICE_NAME: '  ' }), TracerConfigError);
    assert.equal(parseTracerConfig({}, { serviceName: 'fallback' }).serviceName, 'fallback');
    assert.equal(
      parseTracerConfig({ JAEGER_SERVICE_NAME: ' env ' }, { serviceName: 'fallback' }).serviceName,
      'env',
    );
    assert.equal(parseTracerConfig({ JAEGER_DISABLED: 'true' }).serviceName, '');
  });

  it('JAEGER_DISABLED, JAEGER_REPORTER_LOG_SPANS, JAEGER_TRACEID_128BIT: booleans', () => {
    for (const [text, value] of [
      ['true', true],
      ['TRUE', true],
      ['1', true],
      ['t', true],
      ['yes', true],
      ['false', false],
      ['False', false],
      ['0', false],
      ['f', false],
      ['no', false],
    ] as const) {
      const config = parse({
        JAEGER_DISABLED: text,
        JAEGER_REPORTER_LOG_SPANS: text,
        JAEGER_TRACEID_128BIT: text,
      });
      assert.equal(config.disabled, value, text);
      assert.equal(config.reporter.logSpans, value, text);
      assert.equal(config.traceId128bit, value, text);
    }
    rejects({ JAEGER_DISABLED: 'maybe' }, 'JAEGER_DISABLED', 'expected true or false, got "maybe"');
    rejects(
      { JAEGER_REPORTER_LOG_SPANS: 'on' },
      'JAEGER_REPORTER_LOG_SPANS',
      'expected true or false, got "on"',
    );
    rejects({ JAEGER_TRACEID_128BIT: '2' }, 'JAEGER_TRACEID_128BIT', 'expected true or false, got "2"');
  });

  it('JAEGER_AGENT_HOST and JAEGER_AGENT_PORT: the UDP agent', () => {
    assert.deepEqual(
      parse({ JAEGER_AGENT_HOST: 'jaeger-agent.tracing', JAEGER_AGENT_PORT: '16831' }).reporter.transport,
      {
        type: 'udp',
        host: 'jaeger-agent.tracing',
        port: 16831,
      },
    );
    rejects({ JAEGER_AGENT_PORT: 'http' }, 'JAEGER_AGENT_PORT', 'expected a whole number from 1, got "http"');
    rejects({ JAEGER_AGENT_PORT: '0' }, 'JAEGER_AGENT_PORT', 'expected a whole number from 1, got "0"');
    rejects(
      { JAEGER_AGENT_PORT: '65536' },
      'JAEGER_AGENT_PORT',
      'expected a port from 1 to 65535, got 65536',
    );
    rejects(
      { JAEGER_AGENT_PORT: '6831.5' },
      'JAEGER_AGENT_PORT',
      'expected a whole number from 1, got "6831.5"',
    );
  });

  it('JAEGER_ENDPOINT wins over the agent, with JAEGER_USER, JAEGER_PASSWORD and JAEGER_AUTH_TOKEN', () => {
    assert.deepEqual(
      parse({ JAEGER_ENDPOINT: 'http://collector:14268/api/traces', JAEGER_AGENT_HOST: 'ignored' }).reporter
        .transport,
      { type: 'http', endpoint: 'http://collector:14268/api/traces' },
    );
    assert.deepEqual(
      parse({
        JAEGER_ENDPOINT: 'https://collector.example/api/traces',
        JAEGER_USER: 'skein',
        JAEGER_PASSWORD: 's3cret',
        JAEGER_AUTH_TOKEN: 'tok',
      }).reporter.transport,
      {
        type: 'http',
        endpoint: 'https://collector.example/api/traces',
        user: 'skein',
        password: 's3cret',
        authToken: 'tok',
      },
    );
    rejects(
      { JAEGER_ENDPOINT: 'collector:14268' },
      'JAEGER_ENDPOINT',
      'expected an http:// or https:// URL, got "collector:14268"',
    );
    rejects(
      { JAEGER_ENDPOINT: 'not a url' },
      'JAEGER_ENDPOINT',
      'expected an http:// or https:// URL, got "not a url"',
    );
  });

  it('JAEGER_REPORTER_MAX_QUEUE_SIZE and JAEGER_REPORTER_FLUSH_INTERVAL', () => {
    const config = parse({ JAEGER_REPORTER_MAX_QUEUE_SIZE: '5000', JAEGER_REPORTER_FLUSH_INTERVAL: '250' });
    assert.equal(config.reporter.maxQueueSize, 5000);
    assert.equal(config.reporter.flushIntervalMs, 250);
    for (const [text, ms] of [
      ['1500ms', 1500],
      ['2s', 2000],
      ['0.5s', 500],
      ['1m', 60000],
      ['1h', 3600000],
    ] as const) {
      assert.equal(parse({ JAEGER_REPORTER_FLUSH_INTERVAL: text }).reporter.flushIntervalMs, ms, text);
    }
    rejects(
      { JAEGER_REPORTER_MAX_QUEUE_SIZE: '0' },
      'JAEGER_REPORTER_MAX_QUEUE_SIZE',
      'expected a whole number from 1, got "0"',
    );
    rejects(
      { JAEGER_REPORTER_MAX_QUEUE_SIZE: '-1' },
      'JAEGER_REPORTER_MAX_QUEUE_SIZE',
      'expected a whole number from 1, got "-1"',
    );
    rejects(
      { JAEGER_REPORTER_FLUSH_INTERVAL: '0' },
      'JAEGER_REPORTER_FLUSH_INTERVAL',
      'expected milliseconds from 1 (e.g. 1000), or a number with ms, s, m or h (e.g. 1s), got "0"',
    );
    rejects(
      { JAEGER_REPORTER_FLUSH_INTERVAL: '1 second' },
      'JAEGER_REPORTER_FLUSH_INTERVAL',
      'expected milliseconds from 1 (e.g. 1000), or a number with ms, s, m or h (e.g. 1s), got "1 second"',
    );
  });

  it('JAEGER_SAMPLER_TYPE and JAEGER_SAMPLER_PARAM: const, probabilistic, ratelimiting', () => {
    assert.deepEqual(parse({ JAEGER_SAMPLER_TYPE: 'const' }).sampler, { type: 'const', decision: true });
    assert.deepEqual(parse({ JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '1' }).sampler, {
      type: 'const',
      decision: true,
    });
    assert.deepEqual(parse({ JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '0' }).sampler, {
      type: 'const',
      decision: false,
    });
    assert.deepEqual(parse({ JAEGER_SAMPLER_TYPE: 'probabilistic', JAEGER_SAMPLER_PARAM: '0.25' }).sampler, {
      type: 'probabilistic',
      samplingRate: 0.25,
    });
    assert.deepEqual(parse({ JAEGER_SAMPLER_TYPE: 'RateLimiting', JAEGER_SAMPLER_PARAM: '2.5' }).sampler, {
      type: 'ratelimiting',
      maxTracesPerSecond: 2.5,
    });
    rejects(
      { JAEGER_SAMPLER_TYPE: 'adaptive' },
      'JAEGER_SAMPLER_TYPE',
      'expected one of const, probabilistic, ratelimiting, remote, got "adaptive"',
    );
    rejects(
      { JAEGER_SAMPLER_TYPE: 'const', JAEGER_SAMPLER_PARAM: '0.5' },
      'JAEGER_SAMPLER_PARAM',
      'with JAEGER_SAMPLER_TYPE=const expected 1 (sample every trace) or 0 (none), got "0.5"',
    );
    rejects(
      { JAEGER_SAMPLER_TYPE: 'probabilistic' },
      'JAEGER_SAMPLER_PARAM',
      'required with JAEGER_SAMPLER_TYPE=probabilistic: the probability of sampling a trace, from 0 to 1',
    );
    rejects(
      { JAEGER_SAMPLER_TYPE: 'probabilistic', JAEGER_SAMPLER_PARAM: '1.5' },
      'JAEGER_SAMPLER_PARAM',
      'with JAEGER_SAMPLER_TYPE=probabilistic expected a probability from 0 to 1, got "1.5"',
    );
    rejects(
      { JAEGER_SAMPLER_TYPE: 'ratelimiting' },
      'JAEGER_SAMPLER_PARAM',
      'required with JAEGER_SAMPLER_TYPE=ratelimiting: the number of traces sampled per second',
    );
    rejects(
      { JAEGER_SAMPLER_TYPE: 'ratelimiting', JAEGER_SAMPLER_PARAM: '-1' },
      'JAEGER_SAMPLER_PARAM',
      'with JAEGER_SAMPLER_TYPE=ratelimiting expected a number of traces per second from 0, got "-1"',
    );
    rejects(
      { JAEGER_SAMPLER_TYPE: 'probabilistic', JAEGER_SAMPLER_PARAM: 'half' },
      'JAEGER_SAMPLER_PARAM',
      'expected a number, got "half"',
    );
  });

  it('remote: JAEGER_SAMPLER_PARAM (initial rate), JAEGER_SAMPLER_MANAGER_HOST_PORT, JAEGER_SAMPLING_ENDPOINT, refresh and operations', () => {
    assert.deepEqual(
      parse({
        JAEGER_SAMPLER_TYPE: 'remote',
        JAEGER_SAMPLER_PARAM: '0.2',
        JAEGER_SAMPLER_MANAGER_HOST_PORT: 'jaeger-agent:15778',
        JAEGER_SAMPLER_REFRESH_INTERVAL: '30s',
        JAEGER_SAMPLER_MAX_OPERATIONS: '50',
      }).sampler,
      {
        type: 'remote',
        endpoint: 'http://jaeger-agent:15778/sampling',
        initialSamplingRate: 0.2,
        refreshIntervalMs: 30000,
        maxOperations: 50,
      },
    );
    assert.deepEqual(parse({ JAEGER_SAMPLER_MANAGER_HOST_PORT: '[::1]:5778' }).sampler, {
      type: 'remote',
      endpoint: 'http://[::1]:5778/sampling',
      initialSamplingRate: 0.001,
      refreshIntervalMs: 60000,
      maxOperations: 2000,
    });
    assert.deepEqual(
      parse({
        JAEGER_SAMPLING_ENDPOINT: 'http://sampling.internal:8080/api/sampling',
        JAEGER_SAMPLER_MANAGER_HOST_PORT: 'ignored:1',
      }).sampler,
      {
        type: 'remote',
        endpoint: 'http://sampling.internal:8080/api/sampling',
        initialSamplingRate: 0.001,
        refreshIntervalMs: 60000,
        maxOperations: 2000,
      },
    );
    for (const bad of ['localhost', 'localhost:', 'http://localhost:5778', 'localhost:99999', 'a:b:c']) {
      rejects(
        { JAEGER_SAMPLER_MANAGER_HOST_PORT: bad },
        'JAEGER_SAMPLER_MANAGER_HOST_PORT',
        `expected host:port of the agent's sampling endpoint (e.g. localhost:5778), got ${JSON.stringify(bad)}`,
      );
    }
    rejects(
      { JAEGER_SAMPLER_PARAM: '5' },
      'JAEGER_SAMPLER_PARAM',
      'with JAEGER_SAMPLER_TYPE=remote expected the probability sampled until the agent answers, from 0 to 1, got "5"',
    );
    rejects(
      { JAEGER_SAMPLER_REFRESH_INTERVAL: 'soon' },
      'JAEGER_SAMPLER_REFRESH_INTERVAL',
      'expected milliseconds from 1 (e.g. 1000), or a number with ms, s, m or h (e.g. 1s), got "soon"',
    );
    rejects(
      { JAEGER_SAMPLER_MAX_OPERATIONS: '1e3' },
      'JAEGER_SAMPLER_MAX_OPERATIONS',
      'expected a whole number from 1, got "1e3"',
    );
    rejects(
      { JAEGER_SAMPLING_ENDPOINT: 'ftp://x/sampling' },
      'JAEGER_SAMPLING_ENDPOINT',
      'expected an http:// or https:// URL, got "ftp://x/sampling"',
    );
  });

  it('JAEGER_TAGS: key=value pairs with ${VAR} and ${VAR:default}', () => {
    const env = {
      JAEGER_TAGS: 'region=eu-west-1, pod = ${POD_NAME:unknown} ,zone=${ZONE:z1},empty=${UNSET},url=a=b,',
      POD_NAME: 'checkout-7d9f',
      ZONE: '',
    };
    assert.deepEqual(parse(env).tags, [
      ['region', 'eu-west-1'],
      ['pod', 'checkout-7d9f'],
      ['zone', 'z1'],
      ['empty', ''],
      ['url', 'a=b'],
    ]);
    rejects(
      { JAEGER_TAGS: 'region=eu,novalue' },
      'JAEGER_TAGS',
      'expected comma-separated key=value pairs (a value may be ${ENV_VAR:default}), got "novalue"',
    );
    rejects(
      { JAEGER_TAGS: '=x' },
      'JAEGER_TAGS',
      'expected comma-separated key=value pairs (a value may be ${ENV_VAR:default}), got "=x"',
    );
    rejects({ JAEGER_TAGS: 'a=${:x}' }, 'JAEGER_TAGS', 'tag "a": ${} names no environment variable');
  });

  it('JAEGER_PROPAGATION: formats in extraction order', () => {
    assert.deepEqual(parse({ JAEGER_PROPAGATION: 'w3c' }).propagation, ['w3c']);
    assert.deepEqual(parse({ JAEGER_PROPAGATION: 'W3C, jaeger, w3c' }).propagation, ['w3c', 'jaeger']);
    rejects(
      { JAEGER_PROPAGATION: 'jaeger,b3' },
      'JAEGER_PROPAGATION',
      'expected a comma-separated list of jaeger, w3c, got "b3"',
    );
    rejects({ JAEGER_PROPAGATION: ' , ' }, 'JAEGER_PROPAGATION', 'names no format: use jaeger, w3c');
  });

  it('treats empty variables as unset', () => {
    const empty = Object.fromEntries(ENV_VARS.filter((v) => v !== 'JAEGER_SERVICE_NAME').map((v) => [v, '']));
    assert.deepEqual(parse(empty), parse({}));
  });
});

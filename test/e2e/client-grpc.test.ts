// @skein/client end to end: the example's client calls service A (greeter), which calls service B (directory),
// all traced with gRPC interceptors and remote sampling from the agent; the spans travel over UDP through the
// real agent → Kafka → ingester → Elasticsearch, and the query API returns one trace of four spans across
// three services with the right parent-child references.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import {
  CLIENT_VERSION,
  JaegerTracer,
  RemoteSampler,
  initTracerFromEnv,
  type ClientTracer,
} from '@skein/client';
import { greet, startDirectory, startGreeter, type RunningService } from '@skein/example-grpc-app';
import type { UiKeyValue, UiTrace } from '@skein/model';
import { metricValue, startTestAgent, type TestAgent } from '../support/agent.js';
import { startTestIngester } from '../support/ingester.js';
import { createTopic } from '../support/kafka.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const GREET = '/skein.example.Greeter/Greet';
const LOOKUP = '/skein.example.Directory/Lookup';

describe('@skein/client over gRPC → agent → Kafka → ingester → Elasticsearch → query', () => {
  const { kafkaBrokers, elasticsearchUrl } = testStack();
  const topic = uniqueName('skein-client-grpc');
  const prefix = `${uniqueName('cg')}-`;
  const names = {
    client: uniqueName('grpc-client'),
    greeter: uniqueName('greeter'),
    directory: uniqueName('directory'),
  };
  const stops: Array<() => Promise<void>> = [];
  let agent: TestAgent;
  let query: TestQuery;

  before(async () => {
    await createTopic(kafkaBrokers, topic, 2);
    // Our three services are sampled at 1; everything else at 0, so only the agent's strategy can sample them.
    const strategies = join(mkdtempSync(join(tmpdir(), 'skein-client-grpc-')), 'strategies.json');
    writeFileSync(
      strategies,
      JSON.stringify({
        default_strategy: { type: 'probabilistic', param: 0 },
        service_strategies: Object.values(names).map((service) => ({
          service,
          type: 'probabilistic',
          param: 1,
        })),
      }),
    );
    agent = await startTestAgent({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.linger': '1ms',
      'sampling.strategies-file': strategies,
    });
    stops.push(() => agent.stop());
    const ingester = await startTestIngester({
      'kafka.brokers': kafkaBrokers.join(','),
      'kafka.topic': topic,
      'kafka.group-id': uniqueName('skein-client-grpc-group'),
      'es.url': elasticsearchUrl,
      'es.index-prefix': prefix,
    });
    stops.push(() => ingester.stop());
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': prefix });
    stops.push(() => query.stop());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  function tracerFor(service: string): ClientTracer {
    return initTracerFromEnv({
      env: {
        JAEGER_SERVICE_NAME: service,
        JAEGER_AGENT_HOST: '127.0.0.1',
        JAEGER_AGENT_PORT: String(agent.ports.compact),
        JAEGER_SAMPLER_TYPE: 'remote',
        // Nothing is sampled until the agent's strategy arrives.
        JAEGER_SAMPLER_PARAM: '0',
        JAEGER_SAMPLER_MANAGER_HOST_PORT: `127.0.0.1:${agent.ports.sampling}`,
        JAEGER_REPORTER_FLUSH_INTERVAL: '100',
      },
      registry: new Registry(),
    });
  }

  it('returns one trace: client → greeter → directory, four spans, three services', async () => {
    const tracers = {
      client: tracerFor(names.client),
      greeter: tracerFor(names.greeter),
      directory: tracerFor(names.directory),
    };
    // Each tracer's remote sampler has fetched its strategy from the agent's sampling endpoint.
    for (const tracer of Object.values(tracers)) {
      assert.ok(tracer instanceof JaegerTracer);
      const sampler = tracer.sampler;
      assert.ok(sampler instanceof RemoteSampler);
      const strategy = await eventually(`the sampling strategy for ${tracer.serviceName}`, async () =>
        (await sampler.refresh()) ? sampler.strategy : undefined,
      );
      assert.deepEqual(strategy, { type: 'probabilistic', samplingRate: 1 });
    }

    let directory: RunningService | undefined;
    let greeter: RunningService | undefined;
    let result: Awaited<ReturnType<typeof greet>>;
    try {
      directory = await startDirectory({ tracer: tracers.directory, port: 0 });
      greeter = await startGreeter({ tracer: tracers.greeter, port: 0, directory: directory.address });
      result = await greet({ tracer: tracers.client, greeter: greeter.address, userId: '42' });
    } finally {
      // Stopping a service closes its tracer, which sends its last spans.
      await greeter?.stop();
      await directory?.stop();
      await tracers.client.close();
    }
    assert.equal(result.message, 'Hello, Ada Lovelace!');
    assert.match(result.traceId, /^[0-9a-f]{32}$/);

    const search = `/api/traces?service=${names.client}&lookback=1h`;
    const found = await eventually('the trace with its 4 spans from the query API', async () => {
      const { status, body } = await query.get(search);
      const traces = (body as { data: UiTrace[] }).data;
      return status === 200 && traces.length === 1 && traces[0]?.spans.length === 4 ? traces : undefined;
    });
    const [trace] = found as [UiTrace];
    assert.equal(trace.traceID, result.traceId);
    assert.equal(trace.warnings, null);
    assert.deepEqual(((await query.get(`/api/traces/${result.traceId}`)).body as { data: UiTrace[] }).data, [
      trace,
    ]);

    const serviceOf = (processID: string) => trace.processes[processID]?.serviceName;
    assert.deepEqual(
      new Set(Object.values(trace.processes).map((p) => p.serviceName)),
      new Set(Object.values(names)),
    );
    for (const process of Object.values(trace.processes)) {
      assert.deepEqual(
        process.tags.map((t) => t.key),
        ['jaeger.version', 'hostname', 'ip', 'client-uuid'],
      );
      assert.deepEqual(process.tags[0], {
        key: 'jaeger.version',
        type: 'string',
        value: `Node-skein-${CLIENT_VERSION}`,
      });
    }

    const kind = (tags: UiKeyValue[]) => tags.find((t) => t.key === 'span.kind')?.value;
    const find = (service: string, k: string) => {
      const span = trace.spans.find((s) => serviceOf(s.processID) === service && kind(s.tags) === k);
      assert.ok(span, `${k} span of ${service}`);
      return span;
    };
    const clientSpan = find(names.client, 'client');
    const greeterServer = find(names.greeter, 'server');
    const greeterClient = find(names.greeter, 'client');
    const directoryServer = find(names.directory, 'server');
    const childOf = (parent: { spanID: string }) => [
      { refType: 'CHILD_OF', traceID: result.traceId, spanID: parent.spanID },
    ];
    const rpcTags = (k: string): UiKeyValue[] => [
      { key: 'span.kind', type: 'string', value: k },
      { key: 'component', type: 'string', value: 'gRPC' },
      { key: 'rpc.grpc.status_code', type: 'int64', value: 0 },
    ];
    const expected = [
      {
        span: clientSpan,
        operationName: GREET,
        references: [],
        tags: [
          { key: 'sampler.type', type: 'string', value: 'probabilistic' },
          { key: 'sampler.param', type: 'float64', value: 1 },
          ...rpcTags('client'),
        ],
      },
      { span: greeterServer, operationName: GREET, references: childOf(clientSpan), tags: rpcTags('server') },
      {
        span: greeterClient,
        operationName: LOOKUP,
        references: childOf(greeterServer),
        tags: rpcTags('client'),
      },
      {
        span: directoryServer,
        operationName: LOOKUP,
        references: childOf(greeterClient),
        tags: rpcTags('server'),
      },
    ];
    for (const { span, operationName, references, tags } of expected) {
      assert.equal(span.traceID, result.traceId);
      assert.equal(span.flags, 1);
      assert.equal(span.operationName, operationName);
      assert.deepEqual(span.references, references, operationName);
      assert.deepEqual(span.tags, tags, `${serviceOf(span.processID)} ${operationName}`);
      assert.deepEqual(span.logs, []);
    }
    // The root span is the client's: its ID is the trace ID's low half, as Jaeger's clients make it.
    assert.equal(clientSpan.spanID, result.traceId.slice(16));
    // Children start within their parents.
    assert.ok(greeterServer.startTime >= clientSpan.startTime);
    assert.ok(directoryServer.startTime >= greeterClient.startTime);
    assert.ok(directoryServer.duration <= clientSpan.duration);

    const metrics = await agent.metrics();
    assert.equal(metricValue(metrics, 'skein_agent_spans_received_total', 'transport="udp-compact"'), 4);
    assert.equal(
      metricValue(metrics, 'skein_agent_sampling_requests_total', 'endpoint="sampling",status="200"') >= 3,
      true,
    );
  });
});

// TLS listeners with the clients people use: jaeger-client's HTTP sender and OpenTelemetry's OTLP exporters to
// the agent's receivers over TLS (spans reach Kafka), grpc-js and HTTPS clients to the query service with bearer
// tokens read from a file that is rewritten while it runs. Plaintext against a TLS port gets nowhere.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { SpanKind } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { generateCertificates, type Certificates } from '@skein/devstack';
import { decodeBatch } from '@skein/model';
import { metricValue, startTestAgent, type TestAgent } from '../support/agent.js';
import { createTopic, readSpans } from '../support/kafka.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { eventually, testStack, uniqueName } from '../support/stack.js';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;

/** One SDK span of service `service`, to export. */
async function sdkSpan(service: string): Promise<ReadableSpan[]> {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: memory })],
  });
  provider.getTracer('tls-test').startSpan('checkout', { kind: SpanKind.SERVER }).end();
  await provider.forceFlush();
  const spans = [...memory.getFinishedSpans()];
  await provider.shutdown();
  return spans;
}

function exportWith(exporter: SpanExporter, spans: ReadableSpan[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(spans, resolve));
}

/** Service names of the batches on a topic once it holds `spans` spans. */
async function servicesOn(brokers: string[], topic: string, spans: number): Promise<string[]> {
  const messages = await readSpans(brokers, topic, spans);
  return messages.map((m) => decodeBatch(m.value, 'compact').process.serviceName).sort();
}

/** GET over HTTPS trusting `ca`, with an optional bearer token: the status. */
function httpsGet(port: number, path: string, ca: Buffer, token?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: 'localhost',
        port,
        path,
        ca,
        agent: false,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** GetServices on the query service's gRPC port: OK, or the status name it failed with. */
function getServices(port: number, credentials: grpc.ChannelCredentials, token?: string): Promise<string> {
  const client = new grpc.Client(`localhost:${port}`, credentials);
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  const identity = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      '/jaeger.api_v2.QueryService/GetServices',
      identity,
      identity,
      Buffer.alloc(0),
      metadata,
      { deadline: Date.now() + 10_000 },
      (err) => {
        client.close();
        resolve(err ? grpc.status[err.code] : 'OK');
      },
    );
  });
}

describe('TLS listeners with real clients', () => {
  const { kafkaBrokers } = testStack();
  const work = mkdtempSync(join(tmpdir(), 'skein-tls-servers-'));
  let certs: Certificates;
  let ca: Buffer;
  before(async () => {
    certs = await generateCertificates(join(work, 'certs'));
    ca = readFileSync(certs.caFile);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  describe('agent receivers', () => {
    const topic = uniqueName('skein-tls-agent');
    let agent: TestAgent;
    before(async () => {
      await createTopic(kafkaBrokers, topic, 3);
      agent = await startTestAgent({
        'kafka.brokers': kafkaBrokers.join(','),
        'kafka.topic': topic,
        'kafka.linger': '1ms',
        'receivers.tls.cert-file': certs.serverCertFile,
        'receivers.tls.key-file': certs.serverKeyFile,
      });
    });
    after(() => agent.stop());

    it('takes spans from jaeger-client over HTTPS, trusting the CA through NODE_EXTRA_CA_CERTS', async () => {
      // The sender takes no CA option: a separate process, configured as an application would be.
      const script = `
        import jaeger from 'jaeger-client';
        const errors = [];
        const logger = { info: () => {}, error: (m) => errors.push(m) };
        const tracer = jaeger.initTracerFromEnv({}, { logger });
        tracer.startSpan('GET /tls').finish();
        tracer.close(() => {
          if (errors.length > 0) { console.error(errors.join('\\n')); process.exit(1); }
        });
      `;
      await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_EXTRA_CA_CERTS: certs.caFile,
          JAEGER_ENDPOINT: `https://localhost:${agent.ports.http}/api/traces`,
          JAEGER_SERVICE_NAME: 'tls-jaeger-client',
          JAEGER_SAMPLER_TYPE: 'const',
          JAEGER_SAMPLER_PARAM: '1',
        },
        timeout: 30_000,
      });
      assert.deepEqual(await servicesOn(kafkaBrokers, topic, 1), ['tls-jaeger-client']);
      const metrics = await agent.metrics();
      assert.equal(metricValue(metrics, 'skein_agent_spans_received_total', 'transport="http"'), 1);
    });

    it('takes spans from the OTLP exporters over TLS (gRPC with channel credentials, HTTP with a CA)', async () => {
      const grpcResult = await exportWith(
        new GrpcExporter({
          url: `https://localhost:${agent.ports.otlpGrpc}`,
          credentials: grpc.credentials.createSsl(ca),
        }),
        await sdkSpan('tls-otlp-grpc'),
      );
      assert.equal(grpcResult.code, 0, grpcResult.error?.message);
      const httpResult = await exportWith(
        new HttpProtoExporter({
          url: `https://localhost:${agent.ports.otlpHttp}/v1/traces`,
          httpAgentOptions: { ca },
        }),
        await sdkSpan('tls-otlp-http'),
      );
      assert.equal(httpResult.code, 0, httpResult.error?.message);
      assert.deepEqual(await servicesOn(kafkaBrokers, topic, 3), [
        'tls-jaeger-client',
        'tls-otlp-grpc',
        'tls-otlp-http',
      ]);
    });

    it('gives plaintext clients nothing', async () => {
      const plaintext = await exportWith(
        new GrpcExporter({ url: `http://localhost:${agent.ports.otlpGrpc}` }),
        await sdkSpan('tls-plaintext'),
      );
      assert.notEqual(plaintext.code, 0);
      await assert.rejects(
        fetch(`http://127.0.0.1:${agent.ports.http}/api/traces`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-thrift' },
          body: Buffer.alloc(0),
        }),
      );
      const metrics = await agent.metrics();
      assert.equal(metricValue(metrics, 'skein_agent_spans_received_total', 'transport="otlp-grpc"'), 1);
    });
  });

  describe('query service', () => {
    let query: TestQuery;
    const tokensFile = join(work, 'tokens');
    before(async () => {
      writeFileSync(tokensFile, 'first-token\n');
      query = await startTestQuery({
        'es.url': testStack().elasticsearchUrl,
        'es.index-prefix': `${uniqueName('tls')}-`,
        'http.tls.cert-file': certs.serverCertFile,
        'http.tls.key-file': certs.serverKeyFile,
        'grpc.tls.cert-file': certs.serverCertFile,
        'grpc.tls.key-file': certs.serverKeyFile,
        'grpc.tls.min-version': 'TLSv1.3',
        'auth.bearer-tokens-file': tokensFile,
        'auth.reload-interval': '50ms',
      });
    });
    after(() => query.stop());

    it('serves HTTPS and gRPC over TLS to token holders, as of the latest tokens file', async () => {
      const secure = grpc.credentials.createSsl(ca);
      assert.equal(await httpsGet(query.httpPort, '/api/services', ca, 'first-token'), 200);
      assert.equal(await httpsGet(query.httpPort, '/api/services', ca), 401);
      assert.equal(await getServices(query.grpcPort, secure, 'first-token'), 'OK');
      assert.equal(await getServices(query.grpcPort, secure), 'UNAUTHENTICATED');

      writeFileSync(`${tokensFile}.new`, 'second-token\n');
      renameSync(`${tokensFile}.new`, tokensFile);
      await eventually('the rewritten tokens file to be read', async () =>
        (await httpsGet(query.httpPort, '/api/services', ca, 'second-token')) === 200 ? true : undefined,
      );
      assert.equal(await httpsGet(query.httpPort, '/api/services', ca, 'first-token'), 401);
      assert.equal(await getServices(query.grpcPort, secure, 'second-token'), 'OK');
      const metrics = await (await fetch(`http://127.0.0.1:${query.adminPort}/metrics`)).text();
      assert.equal(metricValue(metrics, 'skein_query_auth_token_reloads_total', 'result="loaded"'), 1);
    });

    it('gives plaintext clients nothing', async () => {
      await assert.rejects(fetch(`http://127.0.0.1:${query.httpPort}/api/services`));
      assert.equal(
        await getServices(query.grpcPort, grpc.credentials.createInsecure(), 'second-token'),
        'UNAVAILABLE',
      );
    });
  });
});

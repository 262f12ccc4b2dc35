// The gRPC api_v2 QueryService against real Elasticsearch, called by a generic @grpc/grpc-js client built from
// the api_v2 proto: every method round-trips documents in Jaeger's layout.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { installTemplates } from '@skein/ingester';
import { stringifyUiJson, toEsSpan, type Process, type Span } from '@skein/model';
import { bulkLines, esClient } from '../support/ingester.js';
import { startTestQuery, type TestQuery } from '../support/query.js';
import { testStack, uniqueName } from '../support/stack.js';

const fixtures = fileURLToPath(new URL('../../packages/query/test/fixtures/', import.meta.url));
const definition = protoLoader.loadSync(`${fixtures}jaeger-query.proto`, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  includeDirs: [fileURLToPath(new URL('../../packages/model/test/fixtures/', import.meta.url))],
});
const { QueryService } = (
  grpc.loadPackageDefinition(definition) as unknown as {
    jaeger: { api_v2: { QueryService: grpc.ServiceClientConstructor } };
  }
).jaeger.api_v2;

type Client = Record<string, (...args: unknown[]) => unknown>;

function unary(client: grpc.Client, method: string, request: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    (client as unknown as Client)[method]?.call(client, request, (err: Error | null, response: unknown) =>
      err ? reject(err) : resolve(response),
    );
  });
}

function stream(client: grpc.Client, method: string, request: object): Promise<Array<{ spans: unknown[] }>> {
  return new Promise((resolve, reject) => {
    const call = (client as unknown as Client)[method]?.call(client, request) as grpc.ClientReadableStream<{
      spans: unknown[];
    }>;
    const chunks: Array<{ spans: unknown[] }> = [];
    call.on('data', (chunk) => chunks.push(chunk));
    call.on('error', reject);
    call.on('end', () => resolve(chunks));
  });
}

const timestamp = (micros: number) => ({
  seconds: String(Math.floor(micros / 1e6)),
  nanos: (micros % 1e6) * 1000,
});
const NOW = Date.now() * 1000;
const DAY = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('gRPC QueryService over Elasticsearch', () => {
  const { elasticsearchUrl } = testStack();
  const prefix = `${uniqueName('qg')}-`;
  const traceHex = randomBytes(16).toString('hex');
  const rootId = randomBytes(8).toString('hex');
  const api: Process = { serviceName: 'api', tags: [{ key: 'version', type: 'string', value: '1.2' }] };
  const db: Process = { serviceName: 'db', tags: [] };
  const spans: Span[] = Array.from({ length: 25 }, (_, i) => ({
    traceId: traceHex,
    spanId: i === 0 ? rootId : randomBytes(8).toString('hex'),
    ...(i === 0 ? {} : { parentSpanId: rootId }),
    operationName: i === 0 ? 'GET /users' : 'query',
    references: [],
    flags: 1,
    startTime: NOW - 60_000_000 + i,
    duration: 1000 - i,
    tags: [
      { key: 'span.kind', type: 'string', value: i === 0 ? 'server' : 'client' },
      { key: 'rows', type: 'int64', value: BigInt(i) },
    ],
    logs: [],
    process: i === 0 ? api : db,
  }));
  let query: TestQuery;
  let client: grpc.Client;

  before(async () => {
    const es = esClient(elasticsearchUrl);
    await installTemplates(es, { prefix, shards: 1, replicas: 0 });
    const day = DAY(Math.floor(NOW / 1000) - 60_000);
    const lines: string[] = [];
    for (const span of spans) {
      lines.push(
        JSON.stringify({ index: { _index: `${prefix}jaeger-span-${day}` } }),
        stringifyUiJson(toEsSpan(span)),
      );
    }
    for (const [service, operation, spanKind] of [
      ['api', 'GET /users', 'server'],
      ['db', 'query', 'client'],
    ]) {
      lines.push(
        JSON.stringify({ index: { _index: `${prefix}jaeger-service-${day}` } }),
        JSON.stringify({ serviceName: service, operationName: operation, spanKind }),
      );
    }
    lines.push(
      JSON.stringify({ index: { _index: `${prefix}jaeger-dependencies-${day}` } }),
      JSON.stringify({
        timestamp: new Date(Math.floor(NOW / 1000) - 60_000).toISOString(),
        dependencies: [{ parent: 'api', child: 'db', callCount: 24, source: 'skein' }],
      }),
    );
    await bulkLines(es, lines, true);
    await es.close();
    query = await startTestQuery({ 'es.url': elasticsearchUrl, 'es.index-prefix': prefix });
    client = new QueryService(`127.0.0.1:${query.grpcPort}`, grpc.credentials.createInsecure());
  });

  after(async () => {
    client.close();
    await query.stop();
  });

  it('GetServices and GetOperations', async () => {
    assert.deepEqual(await unary(client, 'GetServices', {}), { services: ['api', 'db'] });
    assert.deepEqual(await unary(client, 'GetOperations', { service: 'db', span_kind: '' }), {
      operationNames: ['query'],
      operations: [{ name: 'query', span_kind: 'client' }],
    });
  });

  it('GetTrace streams every span in chunks, with its process and exact int64 tags', async () => {
    const chunks = await stream(client, 'GetTrace', { trace_id: Buffer.from(traceHex, 'hex') });
    assert.deepEqual(
      chunks.map((c) => c.spans.length),
      [10, 10, 5],
    );
    const all = chunks.flatMap((c) => c.spans) as Array<{
      span_id: Buffer;
      operation_name: string;
      process: { service_name: string };
      tags: Array<{ key: string; v_int64: string }>;
      start_time: { seconds: string; nanos: number };
    }>;
    assert.deepEqual(
      all.map((s) => s.span_id.toString('hex')),
      spans.map((s) => s.spanId),
    );
    assert.equal(all[0]?.process.service_name, 'api');
    assert.deepEqual(all[0]?.start_time, timestamp(spans[0]?.startTime ?? 0));
    assert.equal(all[24]?.tags.find((t) => t.key === 'rows')?.v_int64, '24');
    await assert.rejects(stream(client, 'GetTrace', { trace_id: randomBytes(16) }), {
      code: grpc.status.NOT_FOUND,
      details: 'trace not found',
    });
  });

  it('FindTraces streams the matching traces', async () => {
    const chunks = await stream(client, 'FindTraces', {
      query: {
        service_name: 'db',
        operation_name: 'query',
        tags: { rows: '2.' },
        start_time_min: timestamp(NOW - 3_600_000_000),
        start_time_max: timestamp(NOW),
        duration_min: { seconds: '0', nanos: 900_000 },
        search_depth: 20,
      },
    });
    assert.equal(chunks.flatMap((c) => c.spans).length, 25);
    const none = await stream(client, 'FindTraces', {
      query: {
        service_name: 'db',
        tags: { rows: '99' },
        start_time_min: timestamp(NOW - 3_600_000_000),
        start_time_max: timestamp(NOW),
      },
    });
    assert.deepEqual(none, []);
    await assert.rejects(
      stream(client, 'FindTraces', {
        query: {
          service_name: 'db',
          tags: { rows: '[' },
          start_time_min: timestamp(NOW - 3_600_000_000),
          start_time_max: timestamp(NOW),
        },
      }),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        assert.match(err.details, /^a tag value is not a valid regular expression/);
        return true;
      },
    );
  });

  it('GetDependencies', async () => {
    assert.deepEqual(
      await unary(client, 'GetDependencies', {
        start_time: timestamp(NOW - 3_600_000_000),
        end_time: timestamp(NOW),
      }),
      { dependencies: [{ parent: 'api', child: 'db', call_count: '24', source: '' }] },
    );
  });
});

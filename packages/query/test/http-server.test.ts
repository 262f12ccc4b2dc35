// HttpApi over an in-memory SpanReader: bearer tokens (reloaded from their file), HTTPS, and the limits on what
// a request may ask and a response may hold.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { Trace, TraceId } from '@skein/model';
import { generateCertificates } from '@skein/devstack';
import { createLogger, ServerTls } from '@skein/runtime';
import { BearerTokens } from '../src/auth.js';
import { HttpApi, type HttpApiOptions } from '../src/http/server.js';
import type { DependencyLink, Operation, SpanReader, TraceQuery } from '../src/store/types.js';

const NOW = Date.UTC(2024, 4, 1, 12);
const TRACE = 'a0000000000000000000000000000001';

function trace(traceId: TraceId, spans: number): Trace {
  return {
    traceId,
    spans: Array.from({ length: spans }, (_, i) => ({
      traceId,
      spanId: (i + 1).toString(16).padStart(16, '0'),
      operationName: `op ${i}`,
      references: [],
      flags: 1,
      startTime: NOW * 1000 + i,
      duration: 10,
      tags: [],
      logs: [],
      process: { serviceName: 'checkout', tags: [] },
    })),
  };
}

class FakeReader implements SpanReader {
  readonly calls: string[] = [];
  spans = 3;
  async services(): Promise<string[]> {
    this.calls.push('services');
    return ['checkout'];
  }
  async operations(): Promise<Operation[]> {
    return [];
  }
  async findTraceIds(): Promise<TraceId[]> {
    return [];
  }
  async findTraces(query: TraceQuery): Promise<Trace[]> {
    this.calls.push(`findTraces ${query.limit}`);
    return [trace(TRACE, this.spans)];
  }
  async getTraces(ids: readonly TraceId[]): Promise<Trace[]> {
    this.calls.push(`getTraces ${ids.length}`);
    return ids.map((id) => trace(id, this.spans));
  }
  async dependencies(): Promise<DependencyLink[]> {
    return [];
  }
}

interface Harness {
  api: HttpApi;
  reader: FakeReader;
  /** onRequest calls: route and status. */
  requests: string[];
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown }>;
}

async function start(t: TestContext, options: Partial<HttpApiOptions> = {}): Promise<Harness> {
  const reader = new FakeReader();
  const requests: string[] = [];
  const api = new HttpApi({
    host: '127.0.0.1',
    port: 0,
    reader,
    limits: {
      defaultLimit: 20,
      maxLimit: 5,
      defaultLookbackMs: 3_600_000,
      maxTimeRangeMs: 86_400_000,
      now: () => NOW,
    },
    logger: createLogger({ level: 'silent' }),
    corsOrigins: [],
    maxHeaderBytes: 4096,
    onRequest: (route, status) => requests.push(`${route} ${status}`),
    ...options,
  });
  await api.start();
  t.after(() => api.stop());
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const response = await fetch(`http://127.0.0.1:${api.port}${path}`, { headers });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  return { api, reader, requests, get };
}

const errorOf = (body: unknown): unknown => (body as { errors: { msg: string }[] }).errors[0]?.msg;

describe('HttpApi access control', () => {
  it('asks every /api request for a token from the tokens file, as of its latest version', async (t) => {
    const file = join(mkdtempSync(join(tmpdir(), 'skein-http-auth-')), 'tokens');
    writeFileSync(file, 'alpha\n');
    const tokens = new BearerTokens({ file, reloadIntervalMs: 0, logger: createLogger({ level: 'silent' }) });
    const { get, requests, reader } = await start(t, { authorize: (h) => tokens.authorize(h) });

    const refused = await get('/api/services');
    assert.equal(refused.status, 401);
    assert.equal(
      errorOf(refused.body),
      'missing or invalid bearer token: send "Authorization: Bearer <token>"',
    );
    assert.equal((await get('/api/services', { authorization: 'Bearer alpha' })).status, 200);

    writeFileSync(`${file}.new`, 'beta\n');
    renameSync(`${file}.new`, file);
    assert.equal(tokens.check(), true);
    assert.equal((await get('/api/services', { authorization: 'Bearer alpha' })).status, 401);
    assert.equal((await get('/api/services', { authorization: 'Bearer beta' })).status, 200);
    // Refusals are counted like any answer, before the reader is asked.
    assert.deepEqual(requests, [
      'unauthorized 401',
      '/api/services 200',
      'unauthorized 401',
      '/api/services 200',
    ]);
    assert.deepEqual(reader.calls, ['services', 'services']);
  });

  it('serves HTTPS with the configured certificate; plaintext gets no answer', async (t) => {
    const certs = await generateCertificates(mkdtempSync(join(tmpdir(), 'skein-http-tls-')));
    const tls = ServerTls.load(
      { prefix: 'http', certFile: certs.serverCertFile, keyFile: certs.serverKeyFile, minVersion: 'TLSv1.2' },
      { logger: createLogger({ level: 'silent' }), listener: 'http' },
    );
    const { api } = await start(t, { tls });
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: 'localhost',
          port: api.port,
          path: '/api/services',
          ca: readFileSync(certs.caFile),
          agent: false,
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        },
      );
      req.on('error', reject);
      req.end();
    });
    assert.equal(body, '200 {"data":["checkout"],"total":1,"limit":0,"offset":0,"errors":null}');
    await assert.rejects(fetch(`http://127.0.0.1:${api.port}/api/services`));
  });
});

describe('HttpApi limits', () => {
  it('answers 431 to a request head over maxHeaderBytes', async (t) => {
    const { get, reader } = await start(t, { maxHeaderBytes: 1024 });
    assert.equal((await get('/api/services', { 'x-padding': 'x'.repeat(2000) })).status, 431);
    assert.deepEqual(reader.calls, []);
  });

  it('refuses more trace IDs than max-limit, before reading', async (t) => {
    const { get, reader } = await start(t);
    const ids = (n: number) =>
      Array.from({ length: n }, (_, i) => `traceID=${(i + 1).toString(16)}`).join('&');
    assert.equal((await get(`/api/traces?${ids(5)}`)).status, 200);
    const over = await get(`/api/traces?${ids(6)}`);
    assert.equal(over.status, 400);
    assert.equal(
      errorOf(over.body),
      "parameter 'traceID' is given 6 times, more than the 5 allowed (query.max-limit)",
    );
    assert.deepEqual(reader.calls, ['getTraces 5']);
  });

  it('refuses a time range over max-time-range', async (t) => {
    const { get, reader } = await start(t);
    const end = NOW * 1000;
    const over = await get(`/api/traces?service=checkout&end=${end}&start=${end - 86_400_000_001}`);
    assert.equal(over.status, 400);
    assert.equal(
      errorOf(over.body),
      "parameters 'start' and 'end': the time range is 86400001ms, longer than the 24h allowed (query.max-time-range); narrow it",
    );
    assert.deepEqual(reader.calls, []);
  });

  it('answers 400 instead of a result over maxResponseBytes, and serves smaller ones', async (t) => {
    const { get, reader, requests } = await start(t, { maxResponseBytes: 4096 });
    reader.spans = 2;
    const small = await get('/api/traces?service=checkout');
    assert.equal(small.status, 200);
    reader.spans = 100;
    const big = await get('/api/traces?service=checkout');
    assert.equal(big.status, 400);
    assert.match(
      errorOf(big.body) as string,
      /^the result is \d+ bytes, over the 4096 bytes allowed \(http\.max-response-bytes\); ask for fewer traces/,
    );
    assert.deepEqual(requests, ['/api/traces 200', '/api/traces 400']);
  });
});

// The query service when Elasticsearch refuses it or is away, against a stand-in Elasticsearch on loopback:
// refused at start stops it, away at start does not, and refused later answers 502, logged once, no secret.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Lifecycle, SkeinError, createLogger, createRegistry, listen, loadConfig } from '@skein/runtime';
import { querySchema } from '../src/config.js';
import { QueryService } from '../src/query.js';

const PASSWORD = 'query-secret-31';

type Mode = 'ok' | 'refuse';
let mode: Mode = 'ok';
let server: Server;
let esPort: number;
let authorizations: Array<string | undefined> = [];

before(async () => {
  server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    req.resume();
    if (mode === 'refuse') {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            type: 'security_exception',
            reason: 'unable to authenticate user [reader] for REST request',
          },
          status: 401,
        }),
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
    res.end(
      JSON.stringify({
        hits: { hits: [] },
        aggregations: { services: { buckets: [{ key: 'checkout', doc_count: 3 }] } },
      }),
    );
  });
  esPort = await listen(server, 0, '127.0.0.1');
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface Running {
  service: QueryService;
  lifecycle: Lifecycle;
  lines: Array<Record<string, unknown>>;
  get(path: string): Promise<{ status: number; body: { errors?: Array<{ code: number; msg: string }> } }>;
}

async function startQuery(url: string): Promise<Running> {
  const { config } = loadConfig(querySchema, {
    argv: [
      `--es.url=${url}`,
      '--es.username=reader',
      `--es.password=${PASSWORD}`,
      '--http.host=127.0.0.1',
      '--http.port=0',
      '--grpc.host=127.0.0.1',
      '--grpc.port=0',
      '--es.request-timeout=2s',
    ],
    env: {},
  });
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: 'debug',
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const service = new QueryService(config, logger, createRegistry('query', { defaultMetrics: false }));
  const lifecycle = new Lifecycle(service.services, { logger, drainTimeoutMs: 2000 });
  await lifecycle.start();
  return {
    service,
    lifecycle,
    lines,
    get: async (path) => {
      const response = await fetch(`http://127.0.0.1:${service.http.port}${path}`);
      return { status: response.status, body: (await response.json()) as never };
    },
  };
}

/** Polls `check` until it is true; fails saying what was awaited after `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('query service and Elasticsearch access', () => {
  it('sends basic auth; credentials refused later answer 502 without details, logged once with what to check', async () => {
    mode = 'ok';
    authorizations = [];
    const q = await startQuery(`http://127.0.0.1:${esPort}`);
    try {
      assert.deepEqual(await q.get('/api/services'), {
        status: 200,
        body: { data: ['checkout'], total: 1, limit: 0, offset: 0, errors: null },
      });
      const basic = `Basic ${Buffer.from(`reader:${PASSWORD}`).toString('base64')}`;
      assert.deepEqual(new Set(authorizations), new Set([basic]));
      assert.equal(await q.service.esAccess.healthy(), true);

      mode = 'refuse';
      const message =
        "Elasticsearch rejected the query service's credentials; the query service's log says which settings to check";
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(await q.get('/api/services'), {
          status: 502,
          body: { data: null, total: 0, limit: 0, offset: 0, errors: [{ code: 502, msg: message }] },
        });
      }
      const refusals = q.lines.filter((l) => l.code === 'ES_AUTH_FAILED');
      assert.deepEqual(
        refusals.map((l) => [l.level, l.msg]),
        [
          [
            'error',
            `Elasticsearch at http://127.0.0.1:${esPort} rejected the credentials (HTTP 401 while answering a query) ` +
              '(unable to authenticate user [reader] for REST request): used basic auth as user "reader" ' +
              '(es.username, es.password). Check es.username and es.password',
          ],
        ],
      );
      await until('the health check to see the refusal', async () => !(await q.service.esAccess.healthy()));
      mode = 'ok';
      await until('the health check to see Elasticsearch accept again', () => q.service.esAccess.healthy());
      const logged = JSON.stringify(q.lines);
      assert.ok(
        !logged.includes(PASSWORD) && !logged.includes(basic.slice(6)),
        'a log line holds the secret',
      );
    } finally {
      mode = 'ok';
      await q.lifecycle.stop('test over');
    }
  });

  it('credentials refused at start: ES_AUTH_FAILED, nothing served', async () => {
    mode = 'refuse';
    try {
      await assert.rejects(startQuery(`http://127.0.0.1:${esPort}`), (err: unknown) => {
        assert.ok(err instanceof SkeinError);
        assert.equal(err.code, 'ES_AUTH_FAILED');
        assert.equal(
          err.message,
          `Elasticsearch at http://127.0.0.1:${esPort} rejected the credentials (HTTP 401 while checking it at ` +
            'start (a search of the service indices)) (unable to authenticate user [reader] for REST request): ' +
            'used basic auth as user "reader" (es.username, es.password). Check es.username and es.password',
        );
        return true;
      });
    } finally {
      mode = 'ok';
    }
  });

  it('Elasticsearch away at start: serves anyway, unhealthy, queries answer 503', async () => {
    const closed = createServer();
    const port = await listen(closed, 0, '127.0.0.1');
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const q = await startQuery(`http://127.0.0.1:${port}`);
    try {
      assert.deepEqual(
        q.lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.url]),
        [
          [
            'Elasticsearch credentials (basic auth as user "reader" (es.username, es.password)) are sent in clear ' +
              'text over http; use an https:// es.url',
            `http://127.0.0.1:${port}`,
          ],
          [
            'Elasticsearch does not answer at start; serving anyway: queries answer 503 and /health reports ' +
              'elasticsearch: false until it is back',
            `http://127.0.0.1:${port}`,
          ],
        ],
      );
      assert.equal(await q.service.esAccess.healthy(), false);
      const { status, body } = await q.get('/api/services');
      assert.equal(status, 503);
      assert.match(body.errors?.[0]?.msg ?? '', /^Elasticsearch is unavailable: .*ECONNREFUSED/);
    } finally {
      await q.lifecycle.stop('test over');
    }
  });
});

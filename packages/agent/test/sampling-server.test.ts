import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Registry } from 'prom-client';
import { ConfigError, createLogger, createRegistry, type Logger } from '@skein/runtime';
import { SamplingServer } from '../src/sampling/server.js';

const FIXTURE = new URL('./fixtures/strategies.json', import.meta.url);

/** Polls `check` until it stops throwing; on timeout fails with `what` and the last error. */
async function eventually(what: string, check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}: ${(err as Error).message}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = registry.getSingleMetric(name);
  assert.ok(m, `metric ${name} is registered`);
  const { values } = await m.get();
  const found = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return found?.value ?? 0;
}

interface Harness {
  server: SamplingServer;
  registry: Registry;
  logs: string[];
  base: string;
}

function collectingLogger(logs: string[]): Logger {
  return createLogger({ level: 'debug', write: (line) => logs.push(line) });
}

async function startServer(
  options: { strategiesFile?: string; reloadIntervalMs?: number } = {},
): Promise<Harness> {
  const registry = createRegistry('agent', { defaultMetrics: false });
  const logs: string[] = [];
  const server = new SamplingServer({
    port: 0,
    host: '127.0.0.1',
    reloadIntervalMs: options.reloadIntervalMs ?? 0,
    logger: collectingLogger(logs),
    registry,
    ...(options.strategiesFile !== undefined ? { strategiesFile: options.strategiesFile } : {}),
  });
  await server.start();
  return { server, registry, logs, base: `http://127.0.0.1:${server.port}` };
}

async function get(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; type: string | null; body: string }> {
  const res = await fetch(url, init);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** Replaces `file` in one step, as a ConfigMap update or an editor's save-by-rename does. */
async function replaceFile(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}

const DEFAULT_BODY = '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.001}}';

describe('sampling server', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skein-sampling-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("serves Jaeger's default on every endpoint without a file, and rejects bad requests", async () => {
    const h = await startServer();
    try {
      assert.notEqual(h.server.port, 0);
      assert.deepEqual(await get(`${h.base}/sampling?service=frontend`), {
        status: 200,
        type: 'application/json',
        body: DEFAULT_BODY,
      });
      assert.deepEqual(await get(`${h.base}/?service=frontend`), {
        status: 200,
        type: 'application/json',
        body: '{"strategyType":0,"probabilisticSampling":{"samplingRate":0.001}}',
      });
      assert.deepEqual(await get(`${h.base}/baggageRestrictions?service=frontend`), {
        status: 200,
        type: 'application/json',
        body: '[]',
      });

      const missing = {
        status: 400,
        type: 'text/plain; charset=utf-8',
        body: "'service' parameter must be provided once\n",
      };
      assert.deepEqual(await get(`${h.base}/sampling`), missing);
      assert.deepEqual(await get(`${h.base}/sampling?service=a&service=b`), missing);
      assert.deepEqual(await get(`${h.base}/?other=x`), missing);
      assert.deepEqual(await get(`${h.base}/baggageRestrictions`), missing);
      assert.deepEqual(await get(`${h.base}/sampling?service=`), {
        status: 400,
        type: 'text/plain; charset=utf-8',
        body: "'service' parameter must not be empty\n",
      });

      assert.deepEqual(await get(`${h.base}/sampling/extra?service=a`), {
        status: 404,
        type: 'text/plain; charset=utf-8',
        body: '404 page not found\n',
      });
      const post = await fetch(`${h.base}/sampling?service=a`, { method: 'POST', body: '{}' });
      assert.equal(post.status, 405);
      assert.equal(post.headers.get('allow'), 'GET');
      assert.equal(await post.text(), 'POST not allowed: use GET\n');

      const requests = (endpoint: string, status: string): Promise<number> =>
        metric(h.registry, 'skein_agent_sampling_requests_total', { endpoint, status });
      assert.equal(await requests('sampling', '200'), 1);
      assert.equal(await requests('legacy', '200'), 1);
      assert.equal(await requests('baggage', '200'), 1);
      assert.equal(await requests('sampling', '400'), 3);
      assert.equal(await requests('legacy', '400'), 1);
      assert.equal(await requests('baggage', '400'), 1);
      assert.equal(await requests('unknown', '404'), 1);
      assert.equal(await requests('sampling', '405'), 1);
    } finally {
      await h.server.stop(Date.now() + 2000);
    }
  });

  it('serves per-service strategies from the file on both sampling endpoints', async () => {
    const h = await startServer({ strategiesFile: fileURLToPath(FIXTURE) });
    try {
      assert.deepEqual(await get(`${h.base}/sampling?service=frontend`), {
        status: 200,
        type: 'application/json',
        body:
          '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":20},' +
          '"operationSampling":{"defaultSamplingProbability":0.1,"defaultLowerBoundTracesPerSecond":0,' +
          '"perOperationStrategies":[{"operation":"GET /health","probabilisticSampling":{"samplingRate":0}},' +
          '{"operation":"GET /metrics","probabilisticSampling":{"samplingRate":0}}],' +
          '"defaultUpperBoundTracesPerSecond":0}}',
      });
      assert.equal(
        (await get(`${h.base}/?service=payments`)).body,
        '{"strategyType":0,"probabilisticSampling":{"samplingRate":1},' +
          '"operationSampling":{"defaultSamplingProbability":1,"defaultLowerBoundTracesPerSecond":0,' +
          '"perOperationStrategies":[{"operation":"GET /health","probabilisticSampling":{"samplingRate":0}},' +
          '{"operation":"GET /metrics","probabilisticSampling":{"samplingRate":0}}],' +
          '"defaultUpperBoundTracesPerSecond":0}}',
      );
      // A service name is matched exactly, after URL decoding.
      assert.equal(
        (await get(`${h.base}/sampling?service=${encodeURIComponent('checkout ')}`)).body,
        (await get(`${h.base}/sampling?service=not-in-file`)).body,
      );
      assert.match(h.logs.join('\n'), /"msg":"sampling strategies loaded".*"services":4/);
    } finally {
      await h.server.stop(Date.now() + 2000);
    }
  });

  it('reloads a changed file, keeps the previous strategies when the new file is broken, and counts both', async () => {
    const file = join(dir, 'reload.json');
    await replaceFile(file, JSON.stringify({ default_strategy: { type: 'probabilistic', param: 0.5 } }));
    const h = await startServer({ strategiesFile: file, reloadIntervalMs: 20 });
    const sampling = async (): Promise<string> => (await get(`${h.base}/sampling?service=foo`)).body;
    const reloads = (): Promise<number> => metric(h.registry, 'skein_agent_sampling_reloads_total');
    const failures = (): Promise<number> => metric(h.registry, 'skein_agent_sampling_reload_failures_total');
    try {
      assert.equal(
        await sampling(),
        '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.5}}',
      );

      await replaceFile(
        file,
        JSON.stringify({ service_strategies: [{ service: 'foo', type: 'ratelimiting', param: 7 }] }),
      );
      const reloaded = '{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":7}}';
      await eventually('the rewritten file to be served', async () =>
        assert.equal(await sampling(), reloaded),
      );
      assert.equal(await reloads(), 1);
      assert.equal(await failures(), 0);

      await replaceFile(
        file,
        '{"service_strategies": [{"service": "foo", "type": "ratelimiting", "param": -3}]}',
      );
      await eventually('the broken file to be counted', async () => assert.equal(await failures(), 1));
      assert.equal(await sampling(), reloaded);
      assert.equal(await reloads(), 1);
      const error = h.logs
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l['level'] === 'error');
      assert.ok(error, 'an error line was logged');
      assert.equal(error['msg'], 'sampling strategies not reloaded; still serving the previous ones');
      assert.equal(
        (error['error'] as { message: string }).message,
        `$.service_strategies[0].param: expected a number of traces per second from 0 to 32767, got -3 (in ${file})`,
      );

      await rm(file);
      await eventually('the missing file to be counted', async () => assert.equal(await failures(), 2));
      assert.equal(await sampling(), reloaded);

      await replaceFile(file, JSON.stringify({ default_strategy: { type: 'probabilistic', param: 0.25 } }));
      await eventually('the repaired file to be served', async () =>
        assert.equal(
          await sampling(),
          '{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25}}',
        ),
      );
      assert.equal(await reloads(), 2);
      assert.equal(await failures(), 2);
    } finally {
      await h.server.stop(Date.now() + 2000);
    }
  });

  it('refuses to start with an invalid or unreadable file', async () => {
    const file = join(dir, 'invalid.json');
    await writeFile(file, JSON.stringify({ default_strategy: { type: 'probabilistic', param: 2 } }));
    const registry = createRegistry('agent', { defaultMetrics: false });
    const options = {
      port: 0,
      host: '127.0.0.1',
      reloadIntervalMs: 20,
      logger: collectingLogger([]),
      registry,
    };

    await assert.rejects(new SamplingServer({ ...options, strategiesFile: file }).start(), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        `$.default_strategy.param: expected a sampling probability from 0 to 1, got 2 (in ${file})`,
      );
      return true;
    });

    const absent = join(dir, 'absent.json');
    await assert.rejects(
      new SamplingServer({ ...options, strategiesFile: absent }).start(),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(
          err.message,
          `${absent}: cannot read the sampling strategies file (ENOENT: no such file or directory, stat '${absent}')`,
        );
        return true;
      },
    );
  });

  it('starts from a copy of the example file and stops listening on stop()', async () => {
    const file = join(dir, 'copy.json');
    await copyFile(FIXTURE, file);
    const h = await startServer({ strategiesFile: file, reloadIntervalMs: 20 });
    // A keep-alive connection stays open between requests; stop() must not wait for it.
    assert.equal((await get(`${h.base}/sampling?service=inventory`)).status, 200);
    await h.server.stop(Date.now() + 2000);
    await assert.rejects(fetch(`${h.base}/sampling?service=inventory`));
    // A second stop is harmless.
    await h.server.stop(Date.now() + 2000);
  });
});

// `skein up` as a new user runs it: the devstack, the agent, the ingester and the query service; spans sent to the
// agent's UDP port come back from the query API, and so does every one of 10,000 traces from `skein tracegen`;
// Ctrl-C stops everything and leaves no process behind.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { encodeEmitBatch } from '@skein/model';
import { sendUdp } from '../support/agent.js';
import { esClient } from '../support/ingester.js';
import { makeBatch, randomTraceId } from '../support/spans.js';
import { eventually } from '../support/stack.js';

const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

function processesIn(dir: string): number {
  return readdirSync('/proc').filter((p) => {
    try {
      return /^\d+$/.test(p) && readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
    } catch {
      return false;
    }
  }).length;
}

describe('skein up', () => {
  it('runs the pipeline end to end and stops cleanly on Ctrl-C', async () => {
    const base = mkdtempSync(join(tmpdir(), 'skein-up-'));
    chmodSync(base, 0o755);
    const dataDir = join(base, 'stack');
    const child = spawn(
      process.execPath,
      [
        bin,
        'up',
        '--kafka.port=0',
        '--elasticsearch.port=0',
        `--data.dir=${dataDir}`,
        // +10000 keeps every port below the kernel's ephemeral range (32768 and up), where a port other tests
        // pick with 0, or an outgoing connection, could already hold it.
        '--port-offset=10000',
        '--demo',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, SKEIN_DEVSTACK: 'local' },
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await eventually(
        'skein up ready',
        () => (stdout.includes('Press Ctrl-C to stop.') ? true : undefined),
        180_000,
      );
      assert.match(stdout, /JAEGER_AGENT_HOST=127\.0\.0\.1 JAEGER_AGENT_PORT=16831/);
      assert.match(stdout, /Demo: sending 2 generated traces per second/);
      assert.match(stdout, /JAEGER_ENDPOINT=http:\/\/127\.0\.0\.1:24268\/api\/traces/);
      const esUrl = /Elasticsearch +(http:\/\/\S+)/.exec(stdout)?.[1] ?? '';
      assert.ok(esUrl, stdout);

      const batch = makeBatch('svc-up', [randomTraceId(), randomTraceId()], 3);
      // Recent spans, so the service is within the query service's lookback.
      const now = Date.now() * 1000;
      batch.spans.forEach((span, i) => (span.startTime = now + i));
      await sendUdp(16831, [encodeEmitBatch(batch, 'compact', 1)]);
      const es = esClient(esUrl);
      await eventually(
        'the 6 spans searchable',
        async () => {
          await es.indices.refresh({ index: 'jaeger-span-*' });
          const { count } = await es.count({
            index: 'jaeger-span-*',
            query: { term: { 'process.serviceName': 'svc-up' } },
          });
          return count === 6 ? true : undefined;
        },
        60_000,
      );
      const result = await es.search<{ traceID: string }>({
        index: 'jaeger-span-*',
        size: 10,
        query: { term: { 'process.serviceName': 'svc-up' } },
      });
      assert.deepEqual(
        new Set(result.hits.hits.map((h) => h._source?.traceID)),
        new Set(batch.spans.map((s) => s.traceId)),
      );
      await es.close();
      assert.match(stdout, /query +http:\/\/127\.0\.0\.1:26686\/api\/services/);
      // The service documents are searchable after Elasticsearch's next refresh (1 s); --demo adds its own
      // generated services (frontend, api-gateway, …) beside ours.
      const services = await eventually('svc-up and the demo services listed by the query API', async () => {
        const body = (await (await fetch('http://127.0.0.1:26686/api/services')).json()) as {
          data: string[];
        };
        return body.data.includes('svc-up') && body.data.includes('frontend') ? body.data : undefined;
      });
      assert.ok(services.length >= 3, services.join(','));
      for (const span of batch.spans.slice(0, 1)) {
        const trace = (await (await fetch(`http://127.0.0.1:26686/api/traces/${span.traceId}`)).json()) as {
          data: Array<{ spans: unknown[] }>;
        };
        assert.equal(trace.data[0]?.spans.length, 3);
      }

      // skein tracegen --count 10000 (small traces, at a rate that one `skein up` process, agent, ingester and query
      // on one event loop, takes without UDP loss on a busy CI machine), then every trace from the query API.
      const idsFile = join(base, 'trace-ids');
      const summary = await new Promise<string>((resolve, reject) =>
        execFile(
          process.execPath,
          [
            bin,
            'tracegen',
            '--count=10000',
            '--rate=400',
            '--port=16831',
            '--max-spans=5',
            `--trace-ids-file=${idsFile}`,
          ],
          (err, out) => (err ? reject(err) : resolve(out)),
        ),
      );
      const sent = JSON.parse(summary) as { traces: number; spans: number; failedTraces: number };
      assert.equal(sent.traces, 10_000);
      assert.equal(sent.failedTraces, 0);
      const ids = readFileSync(idsFile, 'utf8').trim().split('\n');
      assert.equal(new Set(ids).size, 10_000);
      const arrived = await eventually(
        'every generated trace from the query API',
        async () => {
          let found = 0;
          let spans = 0;
          for (let i = 0; i < ids.length; i += 100) {
            const query = ids
              .slice(i, i + 100)
              .map((id) => `traceID=${id}`)
              .join('&');
            const body = (await (await fetch(`http://127.0.0.1:26686/api/traces?${query}`)).json()) as {
              data: Array<{ spans: unknown[] }>;
            };
            found += body.data.length;
            spans += body.data.reduce((n, t) => n + t.spans.length, 0);
          }
          if (found === ids.length && spans === sent.spans) return { found, spans };
          throw new Error(`${found} of ${ids.length} traces and ${spans} of ${sent.spans} spans so far`);
        },
        180_000,
      );
      assert.deepEqual(arrived, { found: 10_000, spans: sent.spans });
    } finally {
      child.kill('SIGINT');
      assert.equal(await exited, 0, stderr);
    }
    assert.match(stdout, /stopped\n$/);
    assert.equal(processesIn(dataDir), 0);
  });
});

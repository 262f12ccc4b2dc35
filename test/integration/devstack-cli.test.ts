// `skein devstack up|status|down` as a user runs it: a detached stack of its own (free ports, its own data
// directory) that answers while up and leaves no process behind when down.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { createKafka } from '@skein/runtime';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));

async function skein(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      env: { ...process.env, SKEIN_DEVSTACK: 'local' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Processes whose working directory is inside `dir`: every service the devstack starts runs there. */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readlinkSync(`/proc/${p}/cwd`).startsWith(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('skein devstack up | status | down', () => {
  it('starts a detached stack that serves real clients and stops it without leftovers', async () => {
    const base = mkdtempSync(join(tmpdir(), 'skein-cli-devstack-'));
    chmodSync(base, 0o755); // Elasticsearch may run as nobody, which must reach its data directory.
    const dataDir = join(base, 'stack');
    const common = ['--kafka.port', '0', '--elasticsearch.port', '0', '--data.dir', dataDir];

    const up = await skein('devstack', 'up', ...common, '--json');
    assert.equal(up.code, 0, up.stderr);
    const endpoints = JSON.parse(up.stdout) as {
      kafkaBrokers: string[];
      elasticsearchUrl: string;
      dataDir: string;
    };
    assert.equal(endpoints.dataDir, dataDir);
    try {
      const root = await fetch(`${endpoints.elasticsearchUrl}/_cluster/health`);
      assert.equal(root.headers.get('x-elastic-product'), 'Elasticsearch');
      const body = (await root.json()) as { cluster_name: string; number_of_nodes: number };
      assert.equal(body.cluster_name, 'skein-devstack');
      assert.equal(body.number_of_nodes, 1);

      const admin = createKafka({ brokers: endpoints.kafkaBrokers, clientId: 'skein-cli-test' }).admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'skein-spans' }], waitForLeaders: true });
      assert.ok((await admin.listTopics()).includes('skein-spans'));
      await admin.disconnect();

      const status = await skein('devstack', 'status', ...common);
      assert.equal(status.code, 0);
      assert.match(status.stdout, /^kafka +healthy +127\.0\.0\.1:\d+$/m);
      assert.match(status.stdout, /^elasticsearch +healthy +http:\/\/127\.0\.0\.1:\d+$/m);

      const again = await skein('devstack', 'up', ...common);
      assert.equal(again.code, 0);
      assert.match(again.stdout, /^devstack already running:/);
      assert.ok(processesIn(dataDir).length >= 2);
    } finally {
      const down = await skein('devstack', 'down', ...common);
      assert.equal(down.code, 0);
      assert.equal(down.stdout.trim(), 'stopped 2 service(s)');
    }
    assert.deepEqual(processesIn(dataDir), []);
    const after = await skein('devstack', 'status', ...common);
    assert.equal(after.code, 1);
    assert.match(after.stdout, /^kafka +stopped/m);
  });
});

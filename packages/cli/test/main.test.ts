import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { main } from '../src/main.js';
import type { CommandIO } from '../src/commands/io.js';

function io(env: NodeJS.ProcessEnv = {}): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, env, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

describe('skein command', () => {
  it('prints help for itself and for every command', async () => {
    const top = io();
    assert.equal(await main(['--help'], top), 0);
    assert.match(top.stdout.join('\n'), /^skein: a distributed-tracing pipeline/);
    assert.match(top.stdout.join('\n'), /devstack {3}install and run Kafka and Elasticsearch/);

    for (const command of ['up', 'devstack']) {
      const out = io();
      assert.equal(await main([command, '--help'], out), 0);
      const text = out.stdout.join('\n');
      assert.match(text, new RegExp(`^skein ${command}`));
      assert.match(text, /--kafka\.port <port>/);
      assert.match(text, /default "9092"; env SKEIN_KAFKA_PORT/);
    }
    const viaHelp = io();
    assert.equal(await main(['help', 'devstack'], viaHelp), 0);
    assert.match(viaHelp.stdout.join('\n'), /^skein devstack <up\|down\|status>/);
  });

  it('rejects an unknown command with exit 2 and the help text', async () => {
    const out = io();
    assert.equal(await main(['frobnicate'], out), 2);
    assert.equal(out.stderr[0], 'skein: unknown command "frobnicate"\n');
  });

  it('rejects a bad option with exit 2, naming the key and where it came from', async () => {
    const out = io({ SKEIN_ELASTICSEARCH_HEAP: '4g' });
    assert.equal(await main(['devstack', 'status'], out), 2);
    assert.equal(
      out.stderr[0],
      'skein devstack: invalid configuration: elasticsearch.heap: expected one of 512m, 768m, 1g, got "4g" (from env SKEIN_ELASTICSEARCH_HEAP)',
    );
    const unknown = io();
    assert.equal(await main(['devstack', 'up', '--kafka.prot', '1'], unknown), 2);
    assert.match(unknown.stderr[0] ?? '', /--kafka\.prot: unknown option/);
  });

  it('asks for a devstack action', async () => {
    const out = io();
    assert.equal(await main(['devstack', 'sideways'], out), 2);
    assert.equal(out.stderr[0], 'unknown devstack action "sideways"\n');
  });
});

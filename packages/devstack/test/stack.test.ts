import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DevstackError } from '../src/errors.js';
import { clusterId } from '../src/kafka.js';
import { resolveInto } from '../src/maven.js';
import { cacheDir } from '../src/paths.js';
import { chooseProvider, startDevstack } from '../src/stack.js';
import { dockerAvailable } from '../src/providers/testcontainers.js';

const noDocker = { DOCKER_HOST: 'tcp://127.0.0.1:1' };

describe('provider choice', () => {
  it('uses the user cluster when both endpoints are set', async () => {
    assert.equal(
      await chooseProvider({
        env: { ...noDocker, SKEIN_KAFKA_BROKERS: 'k:9092', SKEIN_ES_URL: 'http://e:9200' },
      }),
      'external',
    );
  });
  it('falls back to local without a Docker engine', async () => {
    assert.equal(await dockerAvailable(noDocker), false);
    assert.equal(await chooseProvider({ env: noDocker }), 'local');
  });
  it('honours SKEIN_DEVSTACK and rejects unknown providers', async () => {
    assert.equal(await chooseProvider({ env: { SKEIN_DEVSTACK: 'testcontainers' } }), 'testcontainers');
    await assert.rejects(
      chooseProvider({ env: { SKEIN_DEVSTACK: 'kubernetes' } }),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_CONFIG_INVALID' &&
        /SKEIN_DEVSTACK=kubernetes/.test(err.message),
    );
  });
});

describe('secure mode', () => {
  it('needs the local provider and says so before starting anything', async () => {
    for (const provider of ['external', 'testcontainers'] as const) {
      await assert.rejects(
        startDevstack({
          provider,
          secure: true,
          env: { ...noDocker, SKEIN_KAFKA_BROKERS: 'k:9092', SKEIN_ES_URL: 'http://e:9200' },
        }),
        (err: unknown) =>
          err instanceof DevstackError &&
          err.code === 'DEVSTACK_CONFIG_INVALID' &&
          err.message.includes(`needs the local provider, not ${provider}`),
      );
    }
  });
});

describe('cache location', () => {
  it('follows SKEIN_CACHE_DIR, then XDG_CACHE_HOME', () => {
    assert.equal(cacheDir({ SKEIN_CACHE_DIR: '/x/skein' }), '/x/skein');
    if (process.getuid?.() !== 0) assert.equal(cacheDir({ XDG_CACHE_HOME: '/xdg' }), '/xdg/skein');
    else assert.equal(cacheDir({ XDG_CACHE_HOME: '/xdg' }), '/var/cache/skein');
  });
});

describe('Kafka cluster IDs', () => {
  it('are 22 URL-safe characters that never start with a dash', () => {
    for (let i = 0; i < 5000; i++) {
      const id = clusterId();
      assert.match(id, /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    }
  });
});

describe('Maven resolution', () => {
  // A stand-in for mvn: the real one is exercised by every integration run; this checks our handling of it.
  function fakeMaven(dir: string, script: string): string {
    const path = join(dir, 'mvn');
    writeFileSync(path, `#!/usr/bin/env bash\n${script}\n`);
    chmodSync(path, 0o755);
    return path;
  }

  it('installs into place atomically and reuses the result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-maven-'));
    const counter = join(dir, 'calls');
    const mvn = fakeMaven(
      dir,
      `echo x >> ${counter}; out=""; for a in "$@"; do case $a in -DoutputDirectory=*) out=\${a#-DoutputDirectory=};; esac; done
grep -q "<artifactId>kafka_2.13</artifactId>" pom.xml || exit 9
mkdir -p "$out" && touch "$out/kafka_2.13-4.4.0.jar" "$out/kafka-clients-4.4.0.jar"`,
    );
    const target = join(dir, 'dist', 'kafka');
    const deps = [{ groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version: '4.4.0' }];
    const first = await resolveInto(target, deps, { ...process.env, SKEIN_MVN: mvn });
    assert.deepEqual(first.map((f) => f.slice(target.length + 1)).sort(), [
      'kafka-clients-4.4.0.jar',
      'kafka_2.13-4.4.0.jar',
    ]);
    await resolveInto(target, deps, { ...process.env, SKEIN_MVN: mvn });
    assert.equal(readdirSync(join(dir, 'dist')).join(','), 'kafka');
    const { readFileSync } = await import('node:fs');
    assert.equal(readFileSync(counter, 'utf8').trim().split('\n').length, 1);
  });

  it('reports a Maven failure with its output and leaves nothing half-installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-maven-'));
    const mvn = fakeMaven(dir, 'echo "Could not transfer artifact: connection refused"; exit 1');
    const target = join(dir, 'dist', 'es');
    await assert.rejects(
      resolveInto(target, [{ groupId: 'g', artifactId: 'a', version: '1' }], {
        ...process.env,
        SKEIN_MVN: mvn,
      }),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_MAVEN_FAILED' &&
        err.message.includes('connection refused'),
    );
    assert.equal(existsSync(target), false);
    assert.deepEqual(readdirSync(join(dir, 'dist')), []);
  });

  it('says how to install Maven when there is none', async () => {
    await assert.rejects(
      resolveInto(join(tmpdir(), 'never'), [], { ...process.env, SKEIN_MVN: '/nonexistent/mvn' }),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_MAVEN_FAILED' &&
        /Install Maven/.test(err.message),
    );
  });
});

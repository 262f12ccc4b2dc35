import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Lifecycle, type Service } from '../src/lifecycle/lifecycle.js';
import { createLogger } from '../src/log/logger.js';
import { SkeinError } from '../src/errors.js';

const quiet = createLogger({ level: 'silent' });

function service(
  name: string,
  log: string[],
  behaviour: { failStart?: boolean; stopMs?: number } = {},
): Service {
  return {
    name,
    start: async () => {
      if (behaviour.failStart) throw new Error(`${name} cannot bind`);
      log.push(`start ${name}`);
    },
    stop: async () => {
      if (behaviour.stopMs) await new Promise((r) => setTimeout(r, behaviour.stopMs));
      log.push(`stop ${name}`);
    },
  };
}

describe('Lifecycle', () => {
  it('starts in order, stops in reverse, once', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([service('a', log), service('b', log)], { logger: quiet, drainTimeoutMs: 1000 });
    assert.equal(lc.state, 'starting');
    await lc.start();
    assert.equal(lc.state, 'ok');
    await Promise.all([lc.stop('test'), lc.stop('again')]);
    assert.equal(lc.state, 'draining');
    assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
  });

  it('stops what started when a later service fails to start, and says which failed', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([service('a', log), service('b', log, { failStart: true }), service('c', log)], {
      logger: quiet,
      drainTimeoutMs: 1000,
    });
    await assert.rejects(
      lc.start(),
      (err: unknown) =>
        err instanceof SkeinError &&
        err.code === 'START_FAILED' &&
        /b failed to start: b cannot bind/.test(err.message),
    );
    assert.deepEqual(log, ['start a', 'stop a']);
    assert.equal(lc.state, 'failed');
  });

  it('stops everything when a started service fails, and keeps the error', async () => {
    const log: string[] = [];
    const lc = new Lifecycle([service('a', log), service('b', log)], { logger: quiet, drainTimeoutMs: 1000 });
    await lc.start();
    const refused = new SkeinError('KAFKA_AUTH_FAILED', 'Kafka refused the credentials');
    await lc.fail('a', refused);
    await lc.done;
    assert.equal(lc.failure, refused);
    assert.equal(lc.state, 'failed');
    assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a']);
  });

  it('throws a failure reported while starting, after stopping what started, and starts nothing more', async () => {
    const log: string[] = [];
    const refused = new SkeinError('KAFKA_TLS_FAILED', 'the certificate is not trusted');
    const reporter: Service = {
      name: 'publisher',
      start: async () => {
        log.push('start publisher');
        // Its background connect fails before start() returned.
        void lc.fail('publisher', refused);
      },
      stop: async () => void log.push('stop publisher'),
    };
    const lc = new Lifecycle([service('a', log), reporter, service('c', log)], {
      logger: quiet,
      drainTimeoutMs: 1000,
    });
    await assert.rejects(lc.start(), (err: unknown) => err === refused);
    assert.deepEqual(log, ['start a', 'start publisher', 'stop publisher', 'stop a']);
    assert.equal(lc.failure, refused);
    assert.equal(lc.state, 'failed');
  });

  it('gives up on a service that overruns the drain deadline and still stops the rest', async () => {
    const log: string[] = [];
    const lines: string[] = [];
    const lc = new Lifecycle([service('a', log), service('slow', log, { stopMs: 5000 })], {
      logger: createLogger({ write: (l) => lines.push(l) }),
      drainTimeoutMs: 100,
    });
    await lc.start();
    const t = Date.now();
    await lc.stop('test');
    assert.ok(Date.now() - t < 2000);
    assert.deepEqual(log, ['start a', 'start slow', 'stop a']);
    assert.ok(lines.some((l) => l.includes('drain deadline passed') && l.includes('"service":"slow"')));
  });

  it('drains a real process on SIGTERM and exits 0', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/component.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, '--admin.host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = JSON.parse(String((await lines.next()).value)) as { ready: boolean; adminPort: number };
    assert.equal(first.ready, true);
    const health = await fetch(`http://127.0.0.1:${first.adminPort}/health`);
    assert.equal(health.status, 200);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    const last = JSON.parse(String((await lines.next()).value)) as { events: string[] };
    assert.deepEqual(last.events, ['queue started', 'receiver started', 'receiver closed', 'queue drained']);
    assert.equal(await exited, 0);
  });

  it('stops a real process at start with the offending key named', async () => {
    const fixture = fileURLToPath(new URL('./fixtures/component.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', fixture, '--admin.port', 'eighty'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.notEqual(code, 0);
    assert.match(
      stderr,
      /admin\.port: expected an integer from 0 to 65535, got "eighty" \(from flag --admin\.port\)/,
    );
  });
});

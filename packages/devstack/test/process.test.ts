import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DevstackError } from '../src/errors.js';
import { groupAlive, launch, reapOrphans, stopGroup, waitUntil, writeRecord } from '../src/process.js';

const scratch = (): string => mkdtempSync(join(tmpdir(), 'skein-process-test-'));

describe('managed processes', () => {
  it('runs a process group and stops all of it, children included', async () => {
    const dir = scratch();
    // A parent that starts a child, like the Elasticsearch launcher does.
    const proc = launch({
      command: 'bash',
      args: ['-c', 'sleep 60 & echo started; wait'],
      env: process.env,
      cwd: dir,
      logFile: join(dir, 'out.log'),
    });
    await waitUntil(async () => groupAlive(proc.pgid), { what: 'group', timeoutMs: 5000, logFile: 'x' });
    await stopGroup(proc.pgid, 2000);
    assert.equal(groupAlive(proc.pgid), false);
    assert.equal(await proc.exited, null);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const dir = scratch();
    const proc = launch({
      command: 'bash',
      args: ['-c', 'trap "" TERM; echo ready; while true; do sleep 0.1; done'],
      env: process.env,
      cwd: dir,
      logFile: join(dir, 'out.log'),
    });
    // Signal only once the trap is set, or the shell dies of SIGTERM before it can ignore it.
    await waitUntil(async () => readFileSync(join(dir, 'out.log'), 'utf8').includes('ready'), {
      what: 'trap set',
      timeoutMs: 5000,
      logFile: join(dir, 'out.log'),
    });
    const t = Date.now();
    await stopGroup(proc.pgid, 300);
    assert.equal(groupAlive(proc.pgid), false);
    assert.ok(Date.now() - t >= 300);
  });

  it('fails fast with the log file when the process exits during start', async () => {
    const dir = scratch();
    const logFile = join(dir, 'service.log');
    const proc = launch({
      command: 'bash',
      args: ['-c', 'echo "port in use" >&2; exit 3'],
      env: process.env,
      cwd: dir,
      logFile,
    });
    await assert.rejects(
      waitUntil(async () => false, { what: 'Service X', timeoutMs: 10_000, logFile, exited: proc.exited }),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_PROCESS_EXITED' &&
        err.logFile === logFile &&
        err.message.startsWith('Service X exited with code 3'),
    );
  });

  it('times out with the log file when a service never becomes healthy', async () => {
    await assert.rejects(
      waitUntil(async () => false, { what: 'Service Y', timeoutMs: 200, logFile: '/tmp/y.log' }),
      (err: unknown) =>
        err instanceof DevstackError &&
        err.code === 'DEVSTACK_START_TIMEOUT' &&
        err.message.includes('(log: /tmp/y.log)'),
    );
  });

  it('reaps instances whose owner died, and leaves live owners alone', async () => {
    const root = scratch();
    const orphanDir = join(root, 'orphan');
    const ownedDir = join(root, 'owned');
    const start = (dir: string) =>
      launch({
        // Named like a JVM so the reaper recognises it as ours.
        command: 'bash',
        args: ['-c', 'exec -a java-fake sleep 60'],
        env: process.env,
        cwd: root,
        logFile: join(dir, 'service.log'),
      });
    mkdirSync(orphanDir);
    mkdirSync(ownedDir);
    const orphan = start(orphanDir);
    const owned = start(ownedDir);
    // A pid that is certainly dead: a process that already exited.
    const dead = spawnSync('true').pid;
    await writeRecord(orphanDir, {
      service: 'kafka',
      pgid: orphan.pgid,
      ownerPid: dead,
      port: 1,
      logFile: 'x',
    });
    await writeRecord(ownedDir, {
      service: 'kafka',
      pgid: owned.pgid,
      ownerPid: process.pid,
      port: 2,
      logFile: 'y',
    });
    writeFileSync(join(root, 'not-an-instance'), '');

    assert.equal(await reapOrphans(root), 1);
    assert.equal(groupAlive(orphan.pgid), false);
    assert.equal(existsSync(orphanDir), false);
    assert.equal(groupAlive(owned.pgid), true);
    await stopGroup(owned.pgid, 1000);
  });
  it('reaps a whole stack whose owner died: every service recorded inside its directory', async () => {
    const root = scratch();
    const stack = join(root, '12345-stack');
    const services = { kafka: 'java-fake', nginx: 'nginx-fake' } as const;
    const dead = spawnSync('true').pid;
    const groups: number[] = [];
    for (const [service, name] of Object.entries(services)) {
      const dir = join(stack, service);
      mkdirSync(dir, { recursive: true });
      const proc = launch({
        command: 'bash',
        args: ['-c', `exec -a ${name} sleep 60`],
        env: process.env,
        cwd: dir,
        logFile: join(dir, 'service.log'),
      });
      groups.push(proc.pgid);
      await writeRecord(dir, {
        service: service as 'kafka' | 'nginx',
        pgid: proc.pgid,
        ownerPid: dead,
        port: 1,
        logFile: 'x',
      });
    }
    // Named like the services only once exec has replaced bash.
    await waitUntil(
      async () => groups.every((g) => /fake/.test(readFileSync(`/proc/${g}/cmdline`, 'utf8'))),
      { what: 'services renamed', timeoutMs: 5000, logFile: 'x' },
    );
    assert.equal(await reapOrphans(root), 1);
    assert.deepEqual(
      groups.map((g) => groupAlive(g)),
      [false, false],
    );
    assert.equal(existsSync(stack), false);
  });
});

import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DevstackError } from './errors.js';

export interface LaunchOptions {
  command: string;
  args: readonly string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  logFile: string;
  /** Run as this user and group (used to start Elasticsearch as `nobody` when we are root). */
  uid?: number;
  gid?: number;
}

/** A service process in a process group of its own, so it and any children stop together. */
export interface ManagedProcess {
  readonly pgid: number;
  readonly logFile: string;
  /** Resolves with the exit code (null when killed by a signal) once the launcher process exits. */
  readonly exited: Promise<number | null>;
}

export function launch(options: LaunchOptions): ManagedProcess {
  const out = openSync(options.logFile, 'a');
  try {
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env,
      // Own process group: Ctrl-C on the terminal reaches us, not Java, and we stop it in order.
      detached: true,
      stdio: ['ignore', out, out],
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    });
    if (child.pid === undefined) {
      throw new DevstackError('DEVSTACK_PROCESS_EXITED', `Could not start ${options.command}`, {
        logFile: options.logFile,
      });
    }
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.once('error', () => resolve(-1));
    });
    child.unref();
    return { pgid: child.pid, logFile: options.logFile, exited };
  } finally {
    closeSync(out);
  }
}

/** Whether any process of the group is still alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the whole group, SIGKILL if it has not finished within `deadlineMs`. */
export async function stopGroup(pgid: number, deadlineMs = 20_000): Promise<void> {
  if (!groupAlive(pgid)) return;
  signalGroup(pgid, 'SIGTERM');
  const until = Date.now() + deadlineMs;
  while (groupAlive(pgid) && Date.now() < until) await sleep(100);
  if (groupAlive(pgid)) {
    signalGroup(pgid, 'SIGKILL');
    while (groupAlive(pgid)) await sleep(50);
  }
}

export interface WaitOptions {
  what: string;
  timeoutMs: number;
  logFile: string;
  exited?: Promise<number | null>;
  intervalMs?: number;
}

/** Polls `check` until it returns true; fails early if the process exits, or at the deadline. */
export async function waitUntil(check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  let exitCode: number | null | undefined;
  void options.exited?.then((code) => (exitCode = code));
  const until = Date.now() + options.timeoutMs;
  for (;;) {
    if (exitCode !== undefined) {
      throw new DevstackError(
        'DEVSTACK_PROCESS_EXITED',
        `${options.what} exited with code ${exitCode} while starting; the end of its log says why`,
        { logFile: options.logFile },
      );
    }
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (Date.now() >= until) {
      throw new DevstackError(
        'DEVSTACK_START_TIMEOUT',
        `${options.what} was not healthy after ${Math.round(options.timeoutMs / 1000)} s`,
        { logFile: options.logFile },
      );
    }
    await sleep(options.intervalMs ?? 250);
  }
}

/** What we record beside a running instance so a later run can find and stop it. */
export interface InstanceRecord {
  service: 'kafka' | 'elasticsearch' | 'nginx';
  pgid: number;
  /** The process that owns a throw-away instance; null for the long-lived local stack. */
  ownerPid: number | null;
  port: number;
  logFile: string;
}

const RECORD = 'instance.json';

export async function writeRecord(dir: string, record: InstanceRecord): Promise<void> {
  await writeFile(join(dir, RECORD), JSON.stringify(record, null, 2));
}

export async function readRecord(dir: string): Promise<InstanceRecord | undefined> {
  try {
    return JSON.parse(await readFile(join(dir, RECORD), 'utf8')) as InstanceRecord;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the group still runs one of our services, not an unrelated process that reused the id. */
function isServiceGroup(pgid: number): boolean {
  const cmdline = `/proc/${pgid}/cmdline`;
  if (!existsSync(cmdline)) return groupAlive(pgid);
  try {
    return /java|elasticsearch|nginx/.test(readFileSync(cmdline, 'utf8'));
  } catch {
    return false;
  }
}

/** The records of an instance directory: its own, or those of the services of a stack inside it. */
async function recordsIn(dir: string): Promise<InstanceRecord[]> {
  const own = await readRecord(dir);
  if (own) return [own];
  let children: string[];
  try {
    children = (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const records = await Promise.all(children.map((name) => readRecord(join(dir, name))));
  return records.filter((r): r is InstanceRecord => r !== undefined);
}

/**
 * Stops and deletes throw-away instances whose owner died without stopping them (a test run killed
 * with SIGKILL, a crashed runner), so no Java or nginx process outlives the run that started it for long.
 * An instance is a single service's directory or a whole stack's (kafka/, elasticsearch/, nginx/ inside).
 */
export async function reapOrphans(scratch: string): Promise<number> {
  let reaped = 0;
  let entries: string[];
  try {
    entries = await readdir(scratch);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const dir = join(scratch, entry);
    const records = await recordsIn(dir);
    const orphaned = records.length > 0 && records.every((r) => r.ownerPid !== null && !isAlive(r.ownerPid));
    if (!orphaned) continue;
    for (const record of records) if (isServiceGroup(record.pgid)) await stopGroup(record.pgid, 5_000);
    await rm(dir, { recursive: true, force: true });
    reaped++;
  }
  return reaped;
}

import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { DevstackError } from './errors.js';

const run = promisify(execFile);

export interface JavaRuntime {
  /** JAVA_HOME of the runtime that starts both services. */
  home: string;
  /** Path of the `java` launcher. */
  bin: string;
  /** Feature version, e.g. 17. */
  major: number;
}

const MIN_JAVA = 17;

function whichJava(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'java');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Finds Java 17+ from SKEIN_JAVA_HOME, JAVA_HOME or PATH, in that order. */
export async function findJava(env: NodeJS.ProcessEnv = process.env): Promise<JavaRuntime> {
  const home = env.SKEIN_JAVA_HOME ?? env.JAVA_HOME;
  let bin = home ? join(home, 'bin', 'java') : whichJava(env);
  if (!bin || !existsSync(bin)) {
    throw new DevstackError(
      'DEVSTACK_JAVA_MISSING',
      `No Java runtime found${home ? ` at ${home}` : ' on PATH'}. Install Java ${MIN_JAVA}+ (e.g. apt-get install openjdk-17-jdk-headless) or set SKEIN_JAVA_HOME.`,
    );
  }
  bin = realpathSync(bin);
  const { stderr } = await run(bin, ['-version']);
  const match = /version "(\d+)(?:\.(\d+))?/.exec(stderr);
  const first = Number(match?.[1] ?? 0);
  const major = first === 1 ? Number(match?.[2] ?? 0) : first;
  if (major < MIN_JAVA) {
    throw new DevstackError(
      'DEVSTACK_JAVA_MISSING',
      `Java ${major} at ${bin} is too old: Kafka 4 and Elasticsearch 8 need Java ${MIN_JAVA}+. Set SKEIN_JAVA_HOME to a newer JDK.`,
    );
  }
  return { home: dirname(dirname(bin)), bin, major };
}

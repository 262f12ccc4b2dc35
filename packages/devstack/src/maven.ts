import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DevstackError } from './errors.js';

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

export interface MavenDependency {
  groupId: string;
  artifactId: string;
  version: string;
  type?: string;
}

function pom(dependencies: readonly MavenDependency[]): string {
  const deps = dependencies
    .map(
      (d) =>
        `    <dependency><groupId>${d.groupId}</groupId><artifactId>${d.artifactId}</artifactId>` +
        `<version>${d.version}</version>${d.type ? `<type>${d.type}</type>` : ''}</dependency>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.skein.devstack</groupId>
  <artifactId>resolve</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

function runMaven(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const repo = env.SKEIN_MAVEN_REPO_LOCAL;
  const fullArgs = ['-B', '-q', ...(repo ? [`-Dmaven.repo.local=${repo}`] : []), ...args];
  return new Promise((resolve, reject) => {
    let output = '';
    const child = spawn(env.SKEIN_MVN ?? 'mvn', fullArgs, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', (err) =>
      reject(
        new DevstackError(
          'DEVSTACK_MAVEN_FAILED',
          `Could not run Maven (${err.message}). Install Maven 3.8+ (apt-get install maven) or set SKEIN_MVN.`,
          { cause: err },
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) return resolve();
      reject(
        new DevstackError(
          'DEVSTACK_MAVEN_FAILED',
          `mvn ${fullArgs.join(' ')} exited with ${code}; check network access to Maven Central.\n${output.slice(-2000)}`,
        ),
      );
    });
  });
}

/**
 * Resolves `dependencies` and their runtime dependencies from Maven Central into `target`, once.
 * The copy lands in a temporary sibling first and is renamed into place, so a crash or a concurrent
 * install never leaves a half-filled directory behind that later runs would trust.
 */
export async function resolveInto(
  target: string,
  dependencies: readonly MavenDependency[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  if (!existsSync(target)) {
    await mkdir(dirname(target), { recursive: true });
    const work = await mkdtemp(`${target}.partial-`);
    try {
      await writeFile(join(work, 'pom.xml'), pom(dependencies));
      await runMaven(
        work,
        [
          `${DEPENDENCY_PLUGIN}:copy-dependencies`,
          '-DincludeScope=runtime',
          `-DoutputDirectory=${join(work, 'lib')}`,
        ],
        env,
      );
      try {
        await rename(join(work, 'lib'), target);
      } catch (err) {
        // Another process finished the same install first; its copy is as good as ours.
        if (!existsSync(target)) throw err;
      }
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
  return (await readdir(target)).map((name) => join(target, name));
}

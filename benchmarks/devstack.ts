// Start-up time and memory of the devstack: time until Kafka and Elasticsearch are healthy, warm (distributions
// cached) and, with --cold, from empty Maven and skein caches (downloads included); resident memory of each
// service once idle. Usage: npm run bench:devstack [-- --cold] [-- --runs 3]
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ELASTICSEARCH_VERSION, KAFKA_VERSION, startDevstack } from '@skein/devstack';
import { median, report } from './support/measure.js';

const cold = process.argv.includes('--cold');
const runsArg = process.argv.indexOf('--runs');
const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

/** Resident memory (MiB) of every process whose working directory is inside `dir`. */
function rssMiB(dir: string): number {
  let kib = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readlinkSync(`/proc/${pid}/cwd`).startsWith(dir)) continue;
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      kib += Number(match?.[1] ?? 0);
    } catch {
      // The process ended meanwhile.
    }
  }
  return Math.round(kib / 1024);
}

const rows: Array<Record<string, string | number>> = [];
const starts: number[] = [];
for (let run = 0; run < runs; run++) {
  const env: NodeJS.ProcessEnv = { ...process.env, SKEIN_DEVSTACK: 'local' };
  const scratch = mkdtempSync(join(tmpdir(), 'skein-bench-devstack-'));
  if (cold) {
    env.SKEIN_CACHE_DIR = join(scratch, 'cache');
    env.SKEIN_MAVEN_REPO_LOCAL = join(scratch, 'm2');
    env.SKEIN_DEVSTACK_SCRATCH = join(scratch, 'instances');
  }
  const t0 = performance.now();
  const stack = await startDevstack({ kafkaPort: 0, elasticsearchPort: 0, env });
  const startSeconds = (performance.now() - t0) / 1000;
  starts.push(startSeconds);
  // Let both settle (JIT, GC, background tasks) before reading memory.
  await new Promise((r) => setTimeout(r, 5000));
  const instances = env.SKEIN_DEVSTACK_SCRATCH ?? join(tmpdir(), 'skein-devstack');
  const root =
    readdirSync(instances)
      .map((d) => join(instances, d))
      .find((d) => d.includes(`${process.pid}-`)) ?? instances;
  const kafka = rssMiB(join(root, 'kafka'));
  const es = rssMiB(join(root, 'elasticsearch'));
  const t1 = performance.now();
  await stack.stop();
  rows.push({
    run: run + 1,
    cache: cold ? 'cold' : 'warm',
    'start to healthy s': Number(startSeconds.toFixed(1)),
    'Kafka RSS MiB': kafka,
    'Elasticsearch RSS MiB': es,
    'stop s': Number(((performance.now() - t1) / 1000).toFixed(1)),
  });
  if (cold) rmSync(scratch, { recursive: true, force: true });
}

report('devstack', {
  versions: { kafka: KAFKA_VERSION, elasticsearch: ELASTICSEARCH_VERSION },
  medianStartSeconds: Number(median(starts).toFixed(1)),
  rows,
});

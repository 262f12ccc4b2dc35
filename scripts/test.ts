// npm test: starts one devstack (real Kafka + Elasticsearch) for the whole run, runs every test file
// with Node's test runner against it, and stops it again — also when tests fail or the run is interrupted.
// With the local provider the devstack is secure too (Kafka SASL_SSL and SSL listeners, Elasticsearch behind
// an nginx TLS proxy with auth); its endpoints and credentials reach the tests in the JSON file named by
// SKEIN_TEST_SECURITY (test/support/security.ts reads it).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import {
  ELASTICSEARCH_VERSION,
  KAFKA_VERSION,
  chooseProvider,
  startDevstack,
  writeSecurityFile,
  type Devstack,
} from '@skein/devstack';

const root = new URL('..', import.meta.url).pathname;
const unitOnly = process.argv.includes('--unit');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));

function testFiles(dir: string): string[] {
  let out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out = out.concat(testFiles(path));
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const unit = readdirSync(join(root, 'packages')).flatMap((pkg) => {
  const dir = join(root, 'packages', pkg, 'test');
  try {
    return testFiles(dir);
  } catch {
    return [];
  }
});
const integration = unitOnly ? [] : testFiles(join(root, 'test'));
const files = [...unit, ...integration]
  .map((f) => relative(root, f))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

const log = (line: string): void => void process.stderr.write(`[test] ${line}\n`);

let stack: Devstack | undefined;
let stopping: Promise<void> | undefined;
const stopStack = (): Promise<void> =>
  (stopping ??= (async () => {
    if (securityDir) rmSync(securityDir, { recursive: true, force: true });
    if (!stack) return;
    const t = Date.now();
    await stack.stop();
    log(`devstack stopped in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  })());

const env: NodeJS.ProcessEnv = { ...process.env };
let securityDir: string | undefined;
if (files.some((f) => f.startsWith('test/'))) {
  const t = Date.now();
  try {
    // Only the local provider can be secure, so `auto` picks it even where Docker runs; the user's own
    // cluster (or SKEIN_DEVSTACK=testcontainers) runs without, and the tests that need SKEIN_TEST_SECURITY say so.
    const provider = await chooseProvider({ secure: true });
    const secure = provider === 'local';
    if (!secure) log(`devstack provider ${provider} has no secure mode: SKEIN_TEST_SECURITY stays unset`);
    stack = await startDevstack({
      provider,
      kafkaPort: 0,
      elasticsearchPort: 0,
      secure,
      log: (l) => log(`devstack: ${l}`),
    });
  } catch (err) {
    log(`could not start the devstack: ${(err as Error).message}`);
    process.exit(1);
  }
  log(
    `devstack (${stack.provider}) up in ${((Date.now() - t) / 1000).toFixed(1)} s: ` +
      `Kafka ${KAFKA_VERSION} at ${stack.kafkaBrokers.join(',')}, Elasticsearch ${ELASTICSEARCH_VERSION} at ${stack.elasticsearchUrl}`,
  );
  env.SKEIN_KAFKA_BROKERS = stack.kafkaBrokers.join(',');
  env.SKEIN_ES_URL = stack.elasticsearchUrl;
  env.SKEIN_TEST_STACK = '1';
  delete env.SKEIN_TEST_SECURITY;
  if (stack.security) {
    securityDir = mkdtempSync(join(tmpdir(), 'skein-test-security-'));
    const file = join(securityDir, 'security.json');
    await writeSecurityFile(file, stack.security);
    env.SKEIN_TEST_SECURITY = file;
    log(
      `secure: Kafka SASL_SSL ${stack.security.kafka.saslSslBrokers.join(',')}, SSL ${stack.security.kafka.sslBrokers.join(',')}, ` +
        `Elasticsearch ${stack.security.elasticsearch.url} (credentials in ${file})`,
    );
  }
}

log(`running ${files.length} test files`);
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, env, stdio: 'inherit' },
);

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupted = true;
    log(`${signal}: stopping tests and the devstack`);
    child.kill('SIGTERM');
  });
}

const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await stopStack();
process.exit(interrupted ? 130 : code);

// npm run bench: runs every benchmark, collects their JSON into benchmarks/results/latest.json and their
// tables into benchmarks/results/latest.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const benchmarks = ['decode.ts', 'agent.ts', 'ingester.ts', 'query.ts', 'e2e.ts', 'devstack.ts'];
const results: unknown[] = [];
const tables: string[] = [];
for (const file of benchmarks) {
  process.stderr.write(`running benchmarks/${file}\n`);
  const out = execFileSync(process.execPath, ['--import', 'tsx', `${dir}${file}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [json, ...table] = out.split('\n\n');
  results.push(JSON.parse(json ?? '{}'));
  tables.push(`## ${file}\n\n${table.join('\n\n').trim()}\n`);
  process.stdout.write(out);
}
mkdirSync(`${dir}results`, { recursive: true });
writeFileSync(`${dir}results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(`${dir}results/latest.md`, `# Benchmark results\n\n${tables.join('\n')}`);

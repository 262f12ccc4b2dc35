// The container image, read rather than built (no Docker engine here): multi-stage, non-root, the skein CLI
// as entrypoint, the components' ports exposed, and a build context without stale build output.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { COMPONENTS, ROOT, fullSchema } from './support.js';

interface Instruction {
  op: string;
  args: string;
}

function instructions(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

const dockerfile = instructions(readFileSync(join(ROOT, 'deploy/docker/Dockerfile'), 'utf8'));
const stages: Instruction[][] = [];
for (const i of dockerfile) {
  if (i.op === 'FROM') stages.push([]);
  stages.at(-1)?.push(i);
}
const final = stages.at(-1) ?? [];
const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  engines: { node: string };
  workspaces: string[];
};

describe('container image', () => {
  test('builds in one stage and runs from a second, on the Node.js major the project supports', () => {
    assert.ok(stages.length >= 2, 'multi-stage');
    const arg = dockerfile.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    const image = arg?.args.split('=')[1] ?? '';
    const major = /^>=(\d+)/.exec(rootPackage.engines.node)?.[1];
    assert.match(image, new RegExp(`^node:${major}-[a-z]+-slim$`));
    const build = dockerfile.filter((i) => i.op === 'RUN').map((i) => i.args);
    assert.ok(
      build.some((r) => /npm ci\b/.test(r)),
      'npm ci from the lockfile',
    );
    assert.ok(
      build.some((r) => /turbo run build --filter=@skein\/cli\.\.\./.test(r)),
      'builds the CLI and its packages',
    );
    assert.ok(
      build.some((r) => /npm ci --omit=dev/.test(r)),
      'production dependencies only',
    );
  });

  test('runs as a non-root user with the skein CLI as entrypoint', () => {
    const user = final.filter((i) => i.op === 'USER').at(-1)?.args ?? 'root';
    assert.ok(!/^(root|0)(:|$)/.test(user), `runs as ${user}`);
    const entrypoint = JSON.parse(final.find((i) => i.op === 'ENTRYPOINT')?.args ?? '[]') as string[];
    const cli = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as {
      bin: { skein: string };
    };
    assert.deepEqual(entrypoint, ['node', `/app/packages/cli/${cli.bin.skein.replace(/^\.\//, '')}`]);
    assert.ok(final.some((i) => i.op === 'COPY' && /--from=build \/out\/ \/app\/$/.test(i.args)));
  });

  test("exposes every component's default ports, and only those", () => {
    const exposed = new Set(
      final
        .filter((i) => i.op === 'EXPOSE')
        .flatMap((i) => i.args.split(/\s+/).map((p) => (p.includes('/') ? p : `${p}/tcp`))),
    );
    const ports = new Set<string>();
    for (const component of Object.values(COMPONENTS)) {
      for (const [key, field] of Object.entries(fullSchema(component))) {
        if (field.type === 'port' && field.default !== 0)
          ports.add(`${String(field.default)}/${key.startsWith('udp.') ? 'udp' : 'tcp'}`);
      }
    }
    for (const p of exposed) assert.ok(ports.has(p), `${p} is no component's port`);
    for (const p of [
      '6831/udp',
      '6832/udp',
      '5775/udp',
      '14268/tcp',
      '14250/tcp',
      '5778/tcp',
      '14271/tcp',
      '14270/tcp',
      '16686/tcp',
      '16685/tcp',
      '16687/tcp',
    ]) {
      assert.ok(exposed.has(p), `${p} not exposed`);
    }
  });

  test('the build context leaves out dependencies and build output, and keeps every workspace', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['**/node_modules', '**/dist', '**/*.tsbuildinfo', '.git'])
      assert.ok(ignore.includes(p), p);
    for (const workspace of rootPackage.workspaces) {
      const top = workspace.split('/')[0] as string;
      assert.ok(
        !ignore.some((p) => p === top || p === `${top}/` || p === workspace),
        `${workspace} is needed by npm ci`,
      );
    }
    for (const needed of [
      'package.json',
      'package-lock.json',
      'packages',
      'tsconfig.base.json',
      'turbo.json',
    ]) {
      assert.ok(!ignore.includes(needed), needed);
    }
  });
});

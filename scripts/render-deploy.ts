// Renders deploy/kubernetes (the base and every overlay) as `kubectl kustomize` would, into
// deploy/kubernetes/rendered/<name>.yaml, formatted by prettier as the rest of the repository.
//   node --import tsx scripts/render-deploy.ts          write the renderings
//   node --import tsx scripts/render-deploy.ts --check  exit 1 if a checked-in rendering is out of date
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import prettier from 'prettier';
import { renderKustomization, toYamlStream } from './deploy/kustomize.js';

export const ROOT = new URL('..', import.meta.url).pathname;
export const KUBERNETES_DIR = join(ROOT, 'deploy/kubernetes');
export const RENDERED_DIR = join(KUBERNETES_DIR, 'rendered');

/** What is rendered: the base alone and each overlay, by the name of its rendering file. */
export const TARGETS: Readonly<Record<string, string>> = {
  base: 'base',
  daemonset: 'overlays/daemonset',
  sidecar: 'overlays/sidecar',
  production: 'overlays/production',
};

/** One target's rendering, formatted as checked in. */
export async function renderTarget(name: string): Promise<string> {
  const dir = TARGETS[name];
  if (dir === undefined) throw new Error(`unknown target ${name}: one of ${Object.keys(TARGETS).join(', ')}`);
  const header =
    `# Rendered from deploy/kubernetes/${dir} by scripts/render-deploy.ts (as kubectl kustomize renders it).\n` +
    '# Do not edit: change the kustomization and run `node --import tsx scripts/render-deploy.ts`.\n';
  const text = header + toYamlStream(renderKustomization(join(KUBERNETES_DIR, dir)));
  const options = (await prettier.resolveConfig(join(RENDERED_DIR, `${name}.yaml`))) ?? {};
  return prettier.format(text, { ...options, parser: 'yaml' });
}

export function renderedFile(name: string): string {
  return join(RENDERED_DIR, `${name}.yaml`);
}

async function main(): Promise<number> {
  const check = process.argv.includes('--check');
  let stale = 0;
  mkdirSync(RENDERED_DIR, { recursive: true });
  for (const name of Object.keys(TARGETS)) {
    const file = renderedFile(name);
    const text = await renderTarget(name);
    const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
    if (current === text) {
      console.log(`${relative(ROOT, file)}: up to date`);
    } else if (check) {
      console.error(`${relative(ROOT, file)}: out of date; run node --import tsx scripts/render-deploy.ts`);
      stale++;
    } else {
      writeFileSync(file, text);
      console.log(`${relative(ROOT, file)}: written`);
    }
  }
  return stale === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}

import { accessSync, constants } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** True when this process runs as root, where Elasticsearch refuses to start unless it drops privileges. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/**
 * Where installed distributions and the local stack's data live.
 * SKEIN_CACHE_DIR wins; otherwise $XDG_CACHE_HOME/skein or ~/.cache/skein. As root the default is
 * /var/cache/skein instead, because Elasticsearch then runs as `nobody` and must be able to read its
 * installation, which it cannot inside root's private home directory.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SKEIN_CACHE_DIR) return env.SKEIN_CACHE_DIR;
  if (isRoot()) return '/var/cache/skein';
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'skein');
  return join(homedir(), '.cache', 'skein');
}

/** Directory for throw-away instances (tests); every one is removed when its stack stops. */
export function scratchDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.SKEIN_DEVSTACK_SCRATCH ?? join(tmpdir(), 'skein-devstack');
}

export function isReadable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

// Makes sure a Chromium the browser tests can drive is installed, and prints its path. On Debian and Ubuntu,
// run as root, it installs the distribution's `chromium` package when none is found (`apt-get update` first
// only when apt knows no such package yet). Elsewhere it says what to install.
//   node --import tsx scripts/ensure-chromium.ts
// SKEIN_CHROMIUM=/path/to/chrome uses that browser instead.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { pathToFileURL } from 'node:url';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function found(): string | undefined {
  return CANDIDATES.find(executable);
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/** Whether apt has an installation candidate for the package (false before the first `apt-get update`). */
function aptKnows(pkg: string): boolean {
  const policy = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' });
  const candidate = /Candidate:\s*(\S+)/.exec(policy.stdout ?? '')?.[1];
  return candidate !== undefined && candidate !== '(none)';
}

function run(log: (line: string) => void, command: string, args: string[]): void {
  log(`running: ${command} ${args.join(' ')}`);
  execFileSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** The path of a Chromium to drive, installing Debian's package first when there is none and we may. */
export function ensureChromium(
  log: (line: string) => void = (l) => console.error(`[chromium] ${l}`),
): string {
  const configured = process.env.SKEIN_CHROMIUM;
  if (configured !== undefined && configured !== '') {
    if (!executable(configured)) throw new Error(`SKEIN_CHROMIUM=${configured} is not an executable file`);
    return configured;
  }
  const existing = found();
  if (existing !== undefined) return existing;
  const root = process.getuid?.() === 0;
  if (process.platform !== 'linux' || !hasCommand('apt-get') || !root) {
    throw new Error(
      'The browser tests need Chromium and none was found at ' +
        `${CANDIDATES.join(', ')}. Install it (Debian/Ubuntu: \`sudo apt-get install -y chromium\`) ` +
        'or set SKEIN_CHROMIUM to a Chromium or Chrome executable.',
    );
  }
  log('no Chromium found; installing Debian\'s "chromium" package');
  // Another apt-get (say, unattended upgrades) may hold the lock for a while: wait for it rather than fail.
  const lock = ['-o', 'DPkg::Lock::Timeout=300'];
  if (!aptKnows('chromium')) run(log, 'apt-get', [...lock, 'update', '-q']);
  run(log, 'apt-get', [...lock, 'install', '-y', '-q', 'chromium']);
  const installed = found();
  if (installed === undefined)
    throw new Error('apt-get installed "chromium", yet no chromium executable appeared');
  log(`installed ${installed}`);
  return installed;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    console.log(ensureChromium());
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
}

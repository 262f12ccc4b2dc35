// Secrets the process holds (passwords, keys, tokens), so that log lines and printed errors can be scrubbed of
// them whatever path a value took to get there: defence in depth behind never logging them in the first place.
import { ConfigError } from '../errors.js';
import { readSettled } from './watched-files.js';

/** Shorter values are not redacted: replacing every "abc" in every line would garble logs and hide nothing. */
export const MIN_SECRET_LENGTH = 4;

export const REDACTED = '[REDACTED]';

const registry = new Set<string>();

/** Remembers `value` as a secret of this process: from now on it is redacted wherever registeredSecrets is used. */
export function registerSecret(value: string | undefined): void {
  if (value !== undefined && value.length >= MIN_SECRET_LENGTH) registry.add(value);
}

/** Every secret registered so far, for `createLogger({ redact: registeredSecrets })`. */
export function registeredSecrets(): string[] {
  return [...registry];
}

/** The forms a secret takes in output: as is, and escaped inside a JSON string. */
function forms(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
}

/** `text` with every occurrence of each secret (of at least MIN_SECRET_LENGTH characters) replaced by [REDACTED]. */
export function redactText(text: string, secrets: Iterable<string>): string {
  let out = text;
  // Longest first, so a secret that contains another is replaced whole.
  const all = [...secrets]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .flatMap(forms)
    .sort((a, b) => b.length - a.length);
  for (const secret of all) if (out.includes(secret)) out = out.replaceAll(secret, REDACTED);
  return out;
}

/** Reads of a file a writer keeps changing before readSecretFile gives up. */
const SETTLE_ATTEMPTS = 3;

/**
 * Reads a file holding one secret (a password, a token), drops the trailing newline editors and `echo` add, and
 * registers the value. Only a read no write overlapped counts (a half-written file is read again, up to three
 * times). A file that cannot be read, keeps changing, or is empty, is a ConfigError naming `key` and the file,
 * never its content.
 */
export function readSecretFile(key: string, file: string): string {
  let content: Buffer | undefined;
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS && content === undefined; attempt++) {
    try {
      content = readSettled([file])?.[0];
    } catch (err) {
      throw new ConfigError(key, `cannot read ${file}: ${fileProblem(err)}`);
    }
  }
  if (content === undefined) {
    throw new ConfigError(
      key,
      `${file} changed while it was read, ${SETTLE_ATTEMPTS} times over; write it whole to another file and rename that over it`,
    );
  }
  const value = content.toString('utf8').replace(/[\r\n]+$/, '');
  if (value === '') throw new ConfigError(key, `${file} is empty`);
  registerSecret(value);
  return value;
}

/** Why a file could not be read, in words, without anything from inside it. */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return code ?? (err as Error).message;
  }
}

// Bearer tokens for the HTTP and gRPC APIs, compared in constant time; the tokens file is re-read when it changes.
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ConfigError,
  contentDigest,
  readSettled,
  registerSecret,
  type Logger,
  type Service,
} from '@skein/runtime';
import type { Counter } from 'prom-client';

/** Reads of a tokens file a writer keeps changing before the start gives up. */
const SETTLE_ATTEMPTS = 3;

/** The tokens file's content, read when no write overlapped the read; ConfigError when it cannot be. */
function readTokensFile(file: string): Buffer {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt++) {
    let content: Buffer | undefined;
    try {
      content = readSettled([file])?.[0];
    } catch (err) {
      throw new ConfigError(
        'auth.bearer-tokens-file',
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    if (content !== undefined) return content;
  }
  throw new ConfigError(
    'auth.bearer-tokens-file',
    `${file} changed while it was read, ${SETTLE_ATTEMPTS} times over; write it whole to another file and rename that over it`,
  );
}

/** Reads the accepted tokens: the single configured one and those of the file (one per line, # comments). */
export function loadBearerTokens(token: string | undefined, file: string | undefined): string[] {
  return readBearerTokens(token, file).tokens;
}

function readBearerTokens(
  token: string | undefined,
  file: string | undefined,
): { tokens: string[]; version: string | undefined } {
  const tokens: string[] = [];
  if (token !== undefined) tokens.push(token);
  if (file === undefined) return { tokens, version: undefined };
  const content = readTokensFile(file);
  tokens.push(...parseTokens(content.toString('utf8')));
  if (tokens.length === 0) throw new ConfigError('auth.bearer-tokens-file', `${file} holds no token`);
  return { tokens, version: contentDigest([content]) };
}

/** The tokens of a tokens file's text: one per line, blank lines and # comments skipped. */
function parseTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (t !== '' && !t.startsWith('#')) tokens.push(t);
  }
  return tokens;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * A check of an Authorization header value ("Bearer <token>") against the tokens; undefined when there are none
 * (auth off). Tokens are compared as SHA-256 digests with timingSafeEqual, so timing reveals neither content nor length.
 */
export function bearerAuthorizer(
  tokens: readonly string[],
): ((header: string | undefined) => boolean) | undefined {
  if (tokens.length === 0) return undefined;
  const accepted = tokens.map(digest);
  return (header) => matches(accepted, header);
}

function matches(accepted: readonly Buffer[], header: string | undefined): boolean {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) return false;
  const given = digest(match[1] as string);
  let found = false;
  for (const token of accepted) found = timingSafeEqual(token, given) || found;
  return found;
}

export interface BearerTokensOptions {
  /** `auth.bearer-token`: always accepted. */
  token?: string;
  /** `auth.bearer-tokens-file`: its tokens are accepted, as of its latest readable, non-empty version. */
  file?: string;
  /** How often the file is checked for changes; 0 never. */
  reloadIntervalMs: number;
  logger: Logger;
  /** Counts re-reads of a changed file by result: `loaded`, or `failed` (the previous tokens stay). */
  reloads?: Counter<'result'>;
}

/**
 * The accepted bearer tokens: the configured one and those of the tokens file, which is re-read when its content
 * changes (SHA-256 of what is read: timestamps miss a same-size rewrite within their granularity), so tokens are
 * added and revoked without a restart. A read a write overlapped is dropped and made again next time. A new
 * version that cannot be read or holds no token is logged and counted, and the previous tokens stay accepted: a
 * botched edit does not lock everyone out. Read at construction: an unusable file then is a ConfigError naming
 * `auth.bearer-tokens-file`.
 */
export class BearerTokens implements Service {
  readonly name = 'auth-tokens';
  readonly #options: BearerTokensOptions;
  #accepted: Buffer[];
  #version: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reloads = 0;

  constructor(options: BearerTokensOptions) {
    this.#options = options;
    const { tokens, version } = readBearerTokens(options.token, options.file);
    this.#version = version;
    for (const token of tokens) registerSecret(token);
    this.#accepted = tokens.map(digest);
  }

  /** Whether any token is configured: without one the APIs are open. */
  get enabled(): boolean {
    return this.#accepted.length > 0;
  }

  /** Tokens accepted now. */
  get size(): number {
    return this.#accepted.length;
  }

  /** Changed tokens files loaded since start. */
  get reloads(): number {
    return this.#reloads;
  }

  /** Whether an Authorization header value ("Bearer <token>") carries an accepted token. */
  authorize(header: string | undefined): boolean {
    return matches(this.#accepted, header);
  }

  async start(): Promise<void> {
    const interval = this.#options.reloadIntervalMs;
    if (this.#options.file === undefined || interval <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => this.check(), interval);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Re-reads the tokens file if it changed; returns whether new tokens are in force. The timer calls this. */
  check(): boolean {
    const { file, token, logger, reloads } = this.#options;
    if (file === undefined) return false;
    let content: Buffer | undefined;
    let version: string;
    let problem: string | undefined;
    try {
      content = readSettled([file])?.[0];
      // Being written right now: read it again next time rather than take half of it.
      if (content === undefined) return false;
      version = contentDigest([content]);
    } catch (err) {
      problem = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      version = `unreadable: ${problem}`;
    }
    if (version === this.#version) return false;
    this.#version = version;
    if (content === undefined) {
      reloads?.inc({ result: 'failed' });
      logger.warn('bearer tokens file changed but cannot be read; the previous tokens stay accepted', {
        file,
        error: problem,
      });
      return false;
    }
    const inFile = parseTokens(content.toString('utf8'));
    if (inFile.length === 0) {
      reloads?.inc({ result: 'failed' });
      logger.warn('bearer tokens file changed but holds no token; the previous tokens stay accepted', {
        file,
      });
      return false;
    }
    for (const t of inFile) registerSecret(t);
    this.#accepted = [...(token === undefined ? [] : [token]), ...inFile].map(digest);
    this.#reloads++;
    reloads?.inc({ result: 'loaded' });
    logger.info('bearer tokens reloaded', { file, tokens: this.#accepted.length });
    return true;
  }
}

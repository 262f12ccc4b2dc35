// Bearer tokens for the HTTP and gRPC APIs, compared in constant time.
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '@skein/runtime';

/** Reads the accepted tokens: the single configured one and those of the file (one per line, # comments). */
export function loadBearerTokens(token: string | undefined, file: string | undefined): string[] {
  const tokens: string[] = [];
  if (token !== undefined) tokens.push(token);
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError(
        'auth.bearer-tokens-file',
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    for (const line of text.split(/\r?\n/)) {
      const t = line.trim();
      if (t !== '' && !t.startsWith('#')) tokens.push(t);
    }
    if (tokens.length === 0) throw new ConfigError('auth.bearer-tokens-file', `${file} holds no token`);
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
  return (header) => {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) return false;
    const given = digest(match[1] as string);
    let found = false;
    for (const token of accepted) found = timingSafeEqual(token, given) || found;
    return found;
  };
}

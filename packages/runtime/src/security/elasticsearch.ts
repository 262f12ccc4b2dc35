// Elasticsearch credentials and TLS: the keys every Elasticsearch-using component shares, checked at start,
// and errors that say which credentials or certificate was the problem without ever showing a secret.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { errors } from '@elastic/elasticsearch';
import { Gauge, type Registry } from 'prom-client';
import { field, type ConfigOf, type Schema } from '../config/schema.js';
import { ConfigError, SkeinError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { metricName } from '../metrics/registry.js';
import { fileProblem, readSecretFile, redactText, registerSecret } from './secrets.js';

/** The keys spread into the schema of every component that talks to Elasticsearch (next to its `es.url`). */
export const esSecuritySchema = {
  'es.username': field.optionalString('User for HTTP basic auth to Elasticsearch (with es.password)'),
  'es.password': field.optionalString('Password of es.username (prefer es.password-file)', {
    secret: true,
  }),
  'es.password-file': field.optionalString(
    'File holding the password of es.username (trailing newline ignored); read at start',
  ),
  'es.api-key': field.optionalString(
    'Elasticsearch API key in its base64 "id:key" form (the `encoded` field Elasticsearch returns), sent as ' +
      '"Authorization: ApiKey <key>"; instead of es.username',
    { secret: true },
  ),
  'es.api-key-file': field.optionalString(
    'File holding es.api-key (trailing newline ignored); read at start',
  ),
  'es.tls.ca-file': field.optionalString(
    "PEM file of the CA(s) that sign Elasticsearch's certificate (https only; default: Node's built-in CAs)",
  ),
  'es.tls.cert-file': field.optionalString(
    'PEM client certificate, for Elasticsearch that asks for one (https only; with es.tls.key-file)',
  ),
  'es.tls.key-file': field.optionalString('PEM private key of es.tls.cert-file (unencrypted)'),
  'es.tls.insecure-skip-verify': field.boolean(
    false,
    'Accept any certificate from Elasticsearch, unverified (https only): for tests only; logged as a warning at every start and exported as skein_<component>_es_tls_verification_disabled',
  ),
} satisfies Schema;

/** The configuration resolveEsSecurity reads: the security keys and the component's `es.url`. */
export type EsSecurityConfig = ConfigOf<typeof esSecuritySchema> & { readonly 'es.url': string };

/** What @elastic/elasticsearch sends as the Authorization header. */
export type EsAuth = { username: string; password: string } | { apiKey: string };

/** TLS options for @elastic/elasticsearch (node:tls connect options). */
export interface EsTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
}

/** Everything needed to connect to Elasticsearch, resolved and checked; safe to log except `auth`. */
export interface EsSecurity {
  /** es.url without credentials: what logs and errors show. */
  readonly url: string;
  readonly auth?: EsAuth;
  readonly tls?: EsTls;
  /** Which credentials are used and where they came from, never the secret: `basic auth as user "skein" (…)`. */
  readonly credentials: string;
  /** The keys a user should check when Elasticsearch refuses the credentials. */
  readonly credentialKeys: readonly string[];
  /** es.tls.insecure-skip-verify on an https URL: the server's certificate is not checked. */
  readonly insecureSkipVerify: boolean;
}

/**
 * Whether a parsed URL has an `@` after its host: `http://u:pa/ss@host` parses as host `u` with the path
 * `/ss@host`, so this is almost surely userinfo whose password holds an unencoded `/`, `?` or `#`.
 */
function misparsedUserinfo(url: URL): boolean {
  return `${url.pathname}${url.search}${url.hash}`.includes('@');
}

/** The URL with any `user:password@` removed, for logs and messages; a string that is no URL loses its userinfo too. */
export function redactUrl(url: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed !== undefined && !misparsedUserinfo(parsed)) {
    if (parsed.username === '' && parsed.password === '') return url;
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  }
  // Not a URL, or one whose password holds a / ? or #: everything after the scheme up to the last @ goes, since
  // a password may hold any of those and an @ too.
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  const at = url.lastIndexOf('@');
  return at < scheme.length ? url : `${scheme}${url.slice(at + 1)}`;
}

function readPemFile(key: string, path: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${fileProblem(err)}`);
  }
  if (!pem.includes('-----BEGIN ')) throw new ConfigError(key, `${path} holds no PEM block (-----BEGIN …)`);
  return pem;
}

function decodeUserinfo(part: string, key: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ConfigError(key, 'holds credentials that are not valid percent-encoding');
  }
}

// Base64 (standard or URL-safe) of "id:key": what Elasticsearch's create-API-key response calls `encoded`.
function checkApiKey(apiKey: string, key: string): void {
  if (apiKey.includes(':')) {
    throw new ConfigError(
      key,
      'looks like the raw "id:key" pair; give its base64 form, the `encoded` field Elasticsearch returns when it creates the key',
    );
  }
  const decoded = /^[A-Za-z0-9+/_-]+={0,2}$/.test(apiKey)
    ? Buffer.from(apiKey, 'base64').toString('utf8')
    : '';
  if (!decoded.includes(':')) {
    throw new ConfigError(
      key,
      'is not an Elasticsearch API key in its base64 "id:key" form (the `encoded` field of the create API key response)',
    );
  }
}

/**
 * Checks the Elasticsearch keys and reads their files: credentials in `es.url` move into `auth` (the URL is
 * returned without them), secrets read are registered for redaction. Throws ConfigError naming the key, never
 * showing a secret.
 */
export function resolveEsSecurity(config: EsSecurityConfig): EsSecurity {
  let url: URL;
  const percentEncode =
    'if it holds credentials, percent-encode any / ? # @ or % in the password (encodeURIComponent), or use ' +
    'es.username with es.password-file instead';
  try {
    url = new URL(config['es.url']);
  } catch {
    // Not even with its userinfo removed: what stays may be the rest of a password with a / in it.
    throw new ConfigError(
      'es.url',
      `is not a URL (not shown: it may hold a password); expected http(s)://host:port, and ${percentEncode}`,
    );
  }
  if (misparsedUserinfo(url)) {
    throw new ConfigError(
      'es.url',
      `has an @ after its host (not shown: it may hold a password), so a password in it probably holds an unencoded / ? or #; ${percentEncode}`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('es.url', `must start with http:// or https://, not ${url.protocol}//`);
  }
  const https = url.protocol === 'https:';

  // Credentials written into the URL are accepted, then carried as auth so the URL can be shown.
  let urlUser: string | undefined;
  let urlPassword: string | undefined;
  if (url.username !== '' || url.password !== '') {
    urlUser = decodeUserinfo(url.username, 'es.url');
    urlPassword = decodeUserinfo(url.password, 'es.url');
    url.username = '';
    url.password = '';
    if (urlUser === '' || urlPassword === '') {
      throw new ConfigError(
        'es.url',
        'holds a user name or password alone; give both (user:password@host) or neither',
      );
    }
    registerSecret(urlPassword);
  }
  const shownUrl = url.toString().replace(/\/$/, config['es.url'].endsWith('/') ? '/' : '');

  const username = config['es.username'];
  const password = config['es.password'];
  const passwordFile = config['es.password-file'];
  const apiKeyValue = config['es.api-key'];
  const apiKeyFile = config['es.api-key-file'];
  if (
    urlUser !== undefined &&
    (username !== undefined || password !== undefined || passwordFile !== undefined)
  ) {
    throw new ConfigError(
      'es.url',
      'holds credentials (user:password@) and es.username/es.password are set too; give them one way',
    );
  }
  if (password !== undefined && passwordFile !== undefined) {
    throw new ConfigError('es.password-file', 'and es.password are both set; set one of them');
  }
  if (apiKeyValue !== undefined && apiKeyFile !== undefined) {
    throw new ConfigError('es.api-key-file', 'and es.api-key are both set; set one of them');
  }
  const apiKeyKey = apiKeyFile !== undefined ? 'es.api-key-file' : 'es.api-key';
  if (apiKeyValue !== undefined || apiKeyFile !== undefined) {
    if (username !== undefined || urlUser !== undefined) {
      throw new ConfigError(
        apiKeyKey,
        `and ${username !== undefined ? 'es.username' : 'credentials in es.url'} are both set: an API key carries its own identity; use one way to authenticate`,
      );
    }
    if (password !== undefined || passwordFile !== undefined) {
      throw new ConfigError(
        apiKeyKey,
        `and ${password !== undefined ? 'es.password' : 'es.password-file'} are both set: an API key needs no password; use one way to authenticate`,
      );
    }
  }
  if (username !== undefined && password === undefined && passwordFile === undefined) {
    throw new ConfigError('es.password', 'or es.password-file is required when es.username is set');
  }
  if (username === undefined && (password !== undefined || passwordFile !== undefined)) {
    throw new ConfigError(
      'es.username',
      `is required with ${password !== undefined ? 'es.password' : 'es.password-file'}`,
    );
  }

  let auth: EsAuth | undefined;
  let credentials = 'no credentials';
  let credentialKeys: string[] = [
    'es.username',
    'es.password',
    'es.password-file',
    'es.api-key',
    'es.api-key-file',
  ];
  if (urlUser !== undefined && urlPassword !== undefined) {
    auth = { username: urlUser, password: urlPassword };
    credentials = `basic auth as user ${JSON.stringify(urlUser)} (from the credentials in es.url)`;
    credentialKeys = ['es.url'];
  } else if (username !== undefined) {
    const secret =
      passwordFile !== undefined ? readSecretFile('es.password-file', passwordFile) : (password as string);
    registerSecret(secret);
    auth = { username, password: secret };
    const from = passwordFile !== undefined ? 'es.password-file' : 'es.password';
    credentials = `basic auth as user ${JSON.stringify(username)} (es.username, ${from})`;
    credentialKeys = ['es.username', from];
  } else if (apiKeyValue !== undefined || apiKeyFile !== undefined) {
    const apiKey =
      apiKeyFile !== undefined ? readSecretFile('es.api-key-file', apiKeyFile) : (apiKeyValue as string);
    registerSecret(apiKey);
    checkApiKey(apiKey, apiKeyKey);
    // The key's id is public (Elasticsearch shows it in its own errors and audit log) and tells keys apart.
    const id = Buffer.from(apiKey, 'base64').toString('utf8').split(':')[0] ?? '';
    auth = { apiKey };
    credentials = `API key id ${JSON.stringify(id)} (${apiKeyKey})`;
    credentialKeys = [apiKeyKey];
  }
  if (auth !== undefined && 'password' in auth) {
    // What the Authorization header carries, should anything ever print it.
    registerSecret(Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
  }

  const caFile = config['es.tls.ca-file'];
  const certFile = config['es.tls.cert-file'];
  const keyFile = config['es.tls.key-file'];
  const insecure = config['es.tls.insecure-skip-verify'];
  if (!https) {
    const httpsOnly = (
      [
        ['es.tls.ca-file', caFile !== undefined],
        ['es.tls.cert-file', certFile !== undefined],
        ['es.tls.key-file', keyFile !== undefined],
        ['es.tls.insecure-skip-verify', insecure],
      ] as const
    ).find(([, set]) => set);
    if (httpsOnly !== undefined) {
      throw new ConfigError(
        httpsOnly[0],
        `applies to https only, and es.url is ${shownUrl}: use an https:// URL, or remove ${httpsOnly[0]}`,
      );
    }
  }
  if (certFile !== undefined && keyFile === undefined) {
    throw new ConfigError('es.tls.key-file', 'is required when es.tls.cert-file is set');
  }
  if (keyFile !== undefined && certFile === undefined) {
    throw new ConfigError('es.tls.cert-file', 'is required when es.tls.key-file is set');
  }
  let tls: EsTls | undefined;
  if (https) {
    tls = { rejectUnauthorized: !insecure };
    if (caFile !== undefined) {
      const ca = readPemFile('es.tls.ca-file', caFile);
      try {
        new X509Certificate(ca);
      } catch (err) {
        throw new ConfigError(
          'es.tls.ca-file',
          `${caFile} holds no readable certificate: ${(err as Error).message}`,
        );
      }
      tls.ca = ca;
    }
    if (certFile !== undefined && keyFile !== undefined) {
      const cert = readPemFile('es.tls.cert-file', certFile);
      const key = readPemFile('es.tls.key-file', keyFile);
      // As the Kafka client key: a secret of the process, redacted wherever it might be printed.
      registerSecret(key.toString('utf8'));
      try {
        createSecureContext({ cert, key });
      } catch (err) {
        const mismatch = (err as NodeJS.ErrnoException).code === 'ERR_OSSL_X509_KEY_VALUES_MISMATCH';
        throw new ConfigError(
          'es.tls.key-file',
          mismatch
            ? `${keyFile} is not the key of the certificate in es.tls.cert-file (${certFile})`
            : `${keyFile} or ${certFile} cannot be used (${(err as Error).message}); both must be PEM and the key unencrypted`,
        );
      }
      tls.cert = cert;
      tls.key = key;
    }
  }

  return {
    url: shownUrl,
    ...(auth !== undefined ? { auth } : {}),
    ...(tls !== undefined ? { tls } : {}),
    credentials,
    credentialKeys,
    insecureSkipVerify: https && insecure,
  };
}

/**
 * Logs how Elasticsearch is reached (URL without credentials, which credentials, TLS) and exports
 * `skein_<component>_es_tls_verification_disabled`; with verification off, a warning at every start.
 */
export function reportEsSecurity(
  security: EsSecurity,
  io: { component: string; logger: Logger; registry?: Registry },
): void {
  const { logger } = io;
  const https = security.url.startsWith('https:');
  const tls = !https
    ? 'none (http)'
    : security.insecureSkipVerify
      ? 'certificate NOT verified'
      : security.tls?.ca !== undefined
        ? 'verified against es.tls.ca-file'
        : "verified against Node's built-in CAs";
  logger.info('Elasticsearch connection', {
    url: security.url,
    credentials: security.credentials,
    tls,
    ...(security.tls?.cert !== undefined ? { clientCertificate: true } : {}),
  });
  if (security.insecureSkipVerify) {
    const host = new URL(security.url).host;
    logger.warn(
      `es.tls.insecure-skip-verify is true: the certificate of Elasticsearch at ${host} is NOT verified, so anyone ` +
        `who can intercept or redirect connections to ${host} can read and change what is stored and queried` +
        (security.auth !== undefined ? ` and capture the credentials (${security.credentials})` : '') +
        '. Set es.tls.ca-file instead',
      { url: security.url },
    );
  } else if (!https && security.auth !== undefined) {
    logger.warn(
      `Elasticsearch credentials (${security.credentials}) are sent in clear text over http; use an https:// es.url`,
      { url: security.url },
    );
  }
  if (io.registry !== undefined) {
    const gauge = new Gauge({
      name: metricName(io.component, 'es_tls_verification_disabled'),
      help: "1 when es.tls.insecure-skip-verify is on: Elasticsearch's certificate is not verified",
      registers: [io.registry],
    });
    gauge.set(security.insecureSkipVerify ? 1 : 0);
  }
}

/** How an Elasticsearch request failed, as far as what the user should do differs. */
export type EsFailureKind = 'auth' | 'forbidden' | 'tls' | 'unavailable' | 'other';

const TLS_PATTERN =
  /certificate|altnames|self[- ]signed|SSL routines|wrong version number|secure TLS connection|ssl_|tlsv|handshake|EPROTO/i;

function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && out.length < 5; e = (e as Error).cause) {
    out.push(e);
  }
  return out;
}

function esClientError(err: unknown): errors.ElasticsearchClientError | undefined {
  return causes(err).find(
    (e): e is errors.ElasticsearchClientError => e instanceof errors.ElasticsearchClientError,
  );
}

// What a TLS-terminating proxy (nginx) answers, with 400 and a page, when TLS is not used as it wants.
function tlsRefusal(err: errors.ResponseError): 'plain-http' | 'client-certificate' | undefined {
  const body: unknown = err.body;
  if (err.statusCode !== 400 || typeof body !== 'string') return undefined;
  if (/plain HTTP request was sent to HTTPS port/i.test(body)) return 'plain-http';
  if (/No required SSL certificate was sent|SSL certificate error/i.test(body)) return 'client-certificate';
  return undefined;
}

/** Sorts an @elastic/elasticsearch error (also as the `cause` of a wrapping error) by what the user should do. */
export function esFailureKind(err: unknown): EsFailureKind {
  const e = esClientError(err);
  if (e === undefined) return 'other';
  if (e instanceof errors.ResponseError) {
    if (e.statusCode === 401) return 'auth';
    if (e.statusCode === 403) return 'forbidden';
    if (tlsRefusal(e) !== undefined) return 'tls';
    return 'other';
  }
  if (e instanceof errors.ConnectionError) return TLS_PATTERN.test(e.message) ? 'tls' : 'unavailable';
  if (e instanceof errors.TimeoutError || e instanceof errors.NoLivingConnectionsError) return 'unavailable';
  return 'other';
}

/** `text` without any secret of `security`, in case an error message ever carries one. */
function scrub(text: string, security: EsSecurity): string {
  const auth = security.auth;
  if (auth === undefined) return text;
  return redactText(
    text,
    'apiKey' in auth
      ? [auth.apiKey]
      : [auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64')],
  );
}

/** Elasticsearch's own reason for a refusal (JSON error body), or nothing for a proxy's HTML page. */
function refusalReason(err: errors.ResponseError): string | undefined {
  const body = err.body as { error?: { reason?: unknown } | string } | undefined;
  const reason = typeof body === 'object' && body !== null ? body.error : undefined;
  if (typeof reason === 'object' && typeof reason.reason === 'string') return reason.reason;
  return undefined;
}

function listKeys(keys: readonly string[]): string {
  return keys.length <= 1 ? (keys[0] ?? '') : `${keys.slice(0, -1).join(', ')} and ${keys.at(-1) as string}`;
}

/**
 * The error to stop with when Elasticsearch refused the credentials (ES_AUTH_FAILED) or TLS failed
 * (ES_TLS_FAILED) while `doing` something at start; undefined for other failures (unreachable, …), which the
 * caller treats as it always did. The message names the credentials used and the keys to check, never a secret.
 */
export function esAccessError(
  err: unknown,
  security: EsSecurity,
  doing: string,
  /** Added to a 403's message: another way out, e.g. another key that avoids the request. */
  forbiddenHint?: string,
): SkeinError | undefined {
  const kind = esFailureKind(err);
  const e = esClientError(err);
  if (e === undefined) return undefined;
  const where = `Elasticsearch at ${security.url}`;
  if ((kind === 'auth' || kind === 'forbidden') && e instanceof errors.ResponseError) {
    const reason = refusalReason(e);
    const detail = reason !== undefined ? ` (${scrub(reason, security)})` : '';
    let message: string;
    if (kind === 'auth' && security.auth === undefined) {
      message =
        `${where} requires credentials (HTTP 401 while ${doing})${detail}, and none are configured: set ` +
        'es.username with es.password or es.password-file, or es.api-key or es.api-key-file';
    } else if (kind === 'auth') {
      message =
        `${where} rejected the credentials (HTTP 401 while ${doing})${detail}: used ${security.credentials}. ` +
        `Check ${listKeys(security.credentialKeys)}`;
    } else {
      message =
        `${where} refused ${doing} (HTTP 403)${detail}: the credentials (${security.credentials}) were accepted ` +
        `but lack a privilege it needs. Grant it to that identity, or check ${listKeys(security.credentialKeys)}` +
        (forbiddenHint !== undefined ? `; ${forbiddenHint}` : '');
    }
    return new SkeinError('ES_AUTH_FAILED', message, { cause: err });
  }
  if (kind === 'tls') {
    const cause = scrub(e.message.trim(), security);
    let hint: string;
    if (e instanceof errors.ResponseError) {
      hint =
        tlsRefusal(e) === 'plain-http'
          ? 'es.url is http:// but the server speaks TLS: use https:// (with es.tls.ca-file if its CA is private)'
          : 'the server asks for a client certificate: set es.tls.cert-file and es.tls.key-file';
    } else if (/wrong version number|packet length too long|record layer/i.test(cause)) {
      hint =
        'the server did not answer TLS: es.url is https:// but it may speak plain http (use http://), or the port is wrong';
    } else if (/altnames|hostname/i.test(cause)) {
      hint = `the certificate is not valid for ${new URL(security.url).hostname} (${cause}): use a host name the certificate holds in es.url, or reissue the certificate`;
    } else if (/expired|not yet valid/i.test(cause)) {
      hint = `the server's certificate is out of its validity period (${cause}): renew it`;
    } else if (/certificate|self[- ]signed|issuer|verify/i.test(cause)) {
      const ca = security.tls?.ca !== undefined ? 'es.tls.ca-file does not hold' : 'set es.tls.ca-file to';
      hint =
        `the server's certificate is not trusted (${cause}): ${ca} the CA that signed it (PEM), ` +
        'or, for a test only, set es.tls.insecure-skip-verify=true';
    } else {
      hint = `${cause}: check es.tls.ca-file, es.tls.cert-file and es.tls.key-file (or es.tls.insecure-skip-verify for a test)`;
    }
    return new SkeinError('ES_TLS_FAILED', `TLS to ${where} failed while ${doing}: ${hint}`, { cause: err });
  }
  return undefined;
}

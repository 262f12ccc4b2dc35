// TLS for skein's listeners: the config keys, certificate files read and checked at start, and read again when
// they change, so a renewed certificate (cert-manager, a rotated Secret) is served without a restart.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import {
  createServer as createPlainServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';
import { field, type ConfigOf, type Field } from '../config/schema.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { registerSecret } from '../security/secrets.js';
import { contentDigest, readSettled } from '../security/watched-files.js';

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3'] as const;
export type TlsVersion = (typeof TLS_VERSIONS)[number];

/** How often certificate files are checked for changes unless a listener asks otherwise. */
export const TLS_RELOAD_INTERVAL_MS = 5_000;

type TlsFileKey<P extends string> = `${P}.tls.cert-file` | `${P}.tls.key-file` | `${P}.tls.client-ca-file`;

/** The keys `serverTlsSchema(prefix)` adds to a component's schema. */
export type ServerTlsSchema<P extends string> = { [K in TlsFileKey<P>]: Field<string | undefined> } & {
  [K in `${P}.tls.min-version`]: Field<TlsVersion>;
};

/** `<prefix>.tls.cert-file`, `.key-file`, `.client-ca-file` and `.min-version` for the listener(s) named `what`. */
export function serverTlsSchema<P extends string>(prefix: P, what: string): ServerTlsSchema<P> {
  return {
    [`${prefix}.tls.cert-file`]: field.optionalString(
      `PEM certificate (chain) for ${what}; with ${prefix}.tls.key-file it switches TLS on. Re-read when it changes`,
    ),
    [`${prefix}.tls.key-file`]: field.optionalString(
      `PEM private key of ${prefix}.tls.cert-file; re-read when it changes`,
    ),
    [`${prefix}.tls.client-ca-file`]: field.optionalString(
      `PEM CA certificate(s); when set, clients of ${what} must present a certificate it signed (mutual TLS)`,
    ),
    [`${prefix}.tls.min-version`]: field.oneOf(
      TLS_VERSIONS,
      'TLSv1.2',
      `Oldest TLS version accepted by ${what}`,
    ),
  } as ServerTlsSchema<P>;
}

/** What `<prefix>.tls.*` asks for, once TLS is on. */
export interface ServerTlsSettings {
  /** The key prefix, e.g. `http`, so errors name the key the user wrote. */
  prefix: string;
  certFile: string;
  keyFile: string;
  clientCaFile?: string;
  minVersion: TlsVersion;
}

/** The `<prefix>.tls.*` settings of a loaded config; undefined when TLS is off; ConfigError when half set. */
export function serverTlsSettings<P extends string>(
  config: ConfigOf<ServerTlsSchema<P>>,
  prefix: P,
): ServerTlsSettings | undefined {
  const c = config as unknown as Record<string, string | undefined>;
  const certFile = c[`${prefix}.tls.cert-file`];
  const keyFile = c[`${prefix}.tls.key-file`];
  const clientCaFile = c[`${prefix}.tls.client-ca-file`];
  const minVersion = c[`${prefix}.tls.min-version`] as TlsVersion;
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) {
      throw new ConfigError(
        `${prefix}.tls.client-ca-file`,
        `client certificates need TLS: set ${prefix}.tls.cert-file and ${prefix}.tls.key-file too`,
      );
    }
    return undefined;
  }
  if (certFile === undefined) {
    throw new ConfigError(`${prefix}.tls.cert-file`, `is needed with ${prefix}.tls.key-file`);
  }
  if (keyFile === undefined) {
    throw new ConfigError(`${prefix}.tls.key-file`, `is needed with ${prefix}.tls.cert-file`);
  }
  return { prefix, certFile, keyFile, minVersion, ...(clientCaFile === undefined ? {} : { clientCaFile }) };
}

/** `skein_<component>_tls_reloads_total{listener, result}`; one per registry, shared by its listeners. */
export function tlsReloadCounter(registry: Registry, component: string): Counter<'listener' | 'result'> {
  const name = `skein_${component}_tls_reloads_total`;
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<'listener' | 'result'>;
  return new Counter({
    name,
    help: 'Changed TLS certificate files read again, by listener and result (loaded, or failed: the previous certificate stays in use)',
    labelNames: ['listener', 'result'],
    registers: [registry],
  });
}

export interface ServerTlsOptions {
  logger: Logger;
  /** Names the listener(s) in log lines and in the counter's `listener` label. */
  listener: string;
  /** How often the files are checked for changes; 0 never. TLS_RELOAD_INTERVAL_MS by default. */
  reloadIntervalMs?: number;
  reloads?: Counter<'listener' | 'result'>;
}

interface Material {
  context: SecureContextOptions;
  fingerprint: string;
  validTo: string;
}

/** The files of a listener, in the order of ServerTls's file list: certificate, key, client CA if any. */
function tlsFiles(s: ServerTlsSettings): string[] {
  return [s.certFile, s.keyFile, ...(s.clientCaFile !== undefined ? [s.clientCaFile] : [])];
}

function fileKeys(s: ServerTlsSettings): string[] {
  return [`${s.prefix}.tls.cert-file`, `${s.prefix}.tls.key-file`, `${s.prefix}.tls.client-ca-file`];
}

/**
 * The files' content, each read when no write overlapped the read; undefined while one is being written. A
 * file that cannot be read is a ConfigError naming its key, never its content.
 */
function readFiles(s: ServerTlsSettings): Buffer[] | undefined {
  const keys = fileKeys(s);
  const contents: Buffer[] = [];
  for (const [i, file] of tlsFiles(s).entries()) {
    let content: Buffer | undefined;
    try {
      content = readSettled([file])?.[0];
    } catch (err) {
      throw new ConfigError(
        keys[i] as string,
        `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      );
    }
    if (content === undefined) return undefined;
    contents.push(content);
  }
  return contents;
}

const reason = (err: unknown): string => (err as Error).message.replace(/^error:[0-9A-F]+:/, '');

/** Checks the files' content: each parses, the key is the certificate's, the whole makes a secure context. */
function loadMaterial(s: ServerTlsSettings, [cert, key, ca]: Buffer[]): Material {
  const [certKey, keyKey, caKey] = fileKeys(s) as [string, string, string];
  if (cert === undefined || key === undefined) throw new Error('loadMaterial needs the certificate and key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new ConfigError(certKey, `${s.certFile} holds no PEM certificate (${reason(err)})`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (err) {
    throw new ConfigError(keyKey, `${s.keyFile} holds no unencrypted PEM private key (${reason(err)})`);
  }
  // A secret of the process from now on: redacted wherever it might be printed.
  registerSecret(key.toString('utf8'));
  if (!x509.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      keyKey,
      `${s.keyFile} is not the private key of the certificate in ${s.certFile} (${certKey}); give the matching pair`,
    );
  }
  if (ca !== undefined) {
    try {
      new X509Certificate(ca);
    } catch (err) {
      throw new ConfigError(caKey, `${s.clientCaFile} holds no PEM CA certificate (${reason(err)})`);
    }
  }
  const context: SecureContextOptions = { cert, key, minVersion: s.minVersion, ...(ca ? { ca } : {}) };
  try {
    createSecureContext(context);
  } catch (err) {
    throw new ConfigError(certKey, `${s.certFile} and ${s.keyFile} cannot be served: ${reason(err)}`);
  }
  return { context, fingerprint: x509.fingerprint256, validTo: x509.validTo };
}

/** Reads of the files at start before a writer that keeps changing them is given up on. */
const SETTLE_ATTEMPTS = 3;

/**
 * A listener's certificate, key and client CA, checked at load and re-read while a server uses them: every
 * `reloadIntervalMs` the files are read (they are small) and, when their content differs (SHA-256; timestamps
 * miss a same-size rewrite within their granularity), checked again. A file a write is still changing is read
 * again next time. A good new set is served to new connections from then on; a bad one (unreadable, mismatched
 * key, half-written) is logged once and counted, and the previous set stays in use.
 */
export class ServerTls {
  readonly settings: ServerTlsSettings;
  readonly #options: ServerTlsOptions;
  readonly #listeners = new Set<() => void>();
  #material: Material;
  /** What was last looked at: the digest of the files' content, or why they could not be read. */
  #version: string;
  #timer: NodeJS.Timeout | undefined;
  #reloads = 0;

  private constructor(settings: ServerTlsSettings, options: ServerTlsOptions) {
    this.settings = settings;
    this.#options = options;
    let contents: Buffer[] | undefined;
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS && contents === undefined; attempt++) {
      contents = readFiles(settings);
    }
    if (contents === undefined) {
      throw new ConfigError(
        `${settings.prefix}.tls.cert-file`,
        `${tlsFiles(settings).join(' or ')} changed while being read, ${SETTLE_ATTEMPTS} times over; start again once they are written`,
      );
    }
    this.#version = contentDigest(contents);
    this.#material = loadMaterial(settings, contents);
    this.#warnIfExpired();
  }

  /** Reads and checks the files now; ConfigError naming the key of the file at fault. */
  static load(settings: ServerTlsSettings, options: ServerTlsOptions): ServerTls {
    return new ServerTls(settings, options);
  }

  /** The `<prefix>.tls.*` of a config, loaded; undefined when TLS is off there. */
  static fromConfig<P extends string>(
    config: ConfigOf<ServerTlsSchema<P>>,
    prefix: P,
    options: ServerTlsOptions,
  ): ServerTls | undefined {
    const settings = serverTlsSettings(config, prefix);
    return settings === undefined ? undefined : ServerTls.load(settings, options);
  }

  /** Options for a secure context serving the current certificate. */
  get contextOptions(): SecureContextOptions {
    return this.#material.context;
  }

  /** SHA-256 fingerprint of the certificate served now, as `AA:BB:…`. */
  get fingerprint(): string {
    return this.#material.fingerprint;
  }

  /** Changed files loaded since start. */
  get reloads(): number {
    return this.#reloads;
  }

  /** Whether a server uses these files now, so they are being watched. */
  get watching(): boolean {
    return this.#listeners.size > 0;
  }

  get requireClientCertificate(): boolean {
    return this.settings.clientCaFile !== undefined;
  }

  /**
   * Looks at the files once: when one changed, reads and checks them and, if good, serves them from now on.
   * Returns whether a new set was loaded. The timer calls this; so can a test or a signal handler.
   */
  check(): boolean {
    let contents: Buffer[] | undefined;
    let version: string;
    let problem: unknown;
    try {
      contents = readFiles(this.settings);
      // Being written right now: look again next time rather than load half a file.
      if (contents === undefined) return false;
      version = contentDigest(contents);
    } catch (err) {
      problem = err;
      version = `unreadable: ${(err as Error).message}`;
    }
    if (version === this.#version) return false;
    this.#version = version;
    let material: Material;
    try {
      if (contents === undefined) throw problem;
      material = loadMaterial(this.settings, contents);
    } catch (err) {
      this.#options.reloads?.inc({ listener: this.#options.listener, result: 'failed' });
      this.#options.logger.warn(
        'TLS files changed but cannot be used; still serving the previous certificate',
        {
          listener: this.#options.listener,
          error: (err as Error).message,
        },
      );
      return false;
    }
    const unchanged =
      material.fingerprint === this.#material.fingerprint &&
      Buffer.compare(material.context.key as Buffer, this.#material.context.key as Buffer) === 0 &&
      Buffer.compare(
        (material.context.ca as Buffer | undefined) ?? Buffer.alloc(0),
        (this.#material.context.ca as Buffer | undefined) ?? Buffer.alloc(0),
      ) === 0;
    if (unchanged) return false;
    this.#material = material;
    this.#reloads++;
    this.#options.reloads?.inc({ listener: this.#options.listener, result: 'loaded' });
    this.#options.logger.info('TLS certificate reloaded', {
      listener: this.#options.listener,
      fingerprint: material.fingerprint,
      validTo: material.validTo,
    });
    this.#warnIfExpired();
    for (const listener of this.#listeners) listener();
    return true;
  }

  /** Calls `onChange` after each reload until the returned function is called; the files are watched meanwhile. */
  subscribe(onChange: () => void): () => void {
    this.#listeners.add(onChange);
    const interval = this.#options.reloadIntervalMs ?? TLS_RELOAD_INTERVAL_MS;
    if (this.#timer === undefined && interval > 0) {
      this.#timer = setInterval(() => this.check(), interval);
      this.#timer.unref();
    }
    return () => {
      this.#listeners.delete(onChange);
      if (this.#listeners.size === 0 && this.#timer !== undefined) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** An HTTPS server with `options` serving this certificate, switched to each reloaded one while it is open. */
  createHttpsServer(
    options: ServerOptions,
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): Server {
    const server = createHttpsServer(
      {
        ...options,
        ...this.contextOptions,
        requestCert: this.requireClientCertificate,
        rejectUnauthorized: this.requireClientCertificate,
      },
      handler,
    );
    const unsubscribe = this.subscribe(() => server.setSecureContext(this.contextOptions));
    server.once('close', unsubscribe);
    return server;
  }

  /** gRPC server credentials serving this certificate, switched to each reloaded one while the server runs. */
  grpcCredentials(): grpc.ServerCredentials {
    return new ReloadingServerCredentials(this);
  }

  #warnIfExpired(): void {
    const { validTo } = this.#material;
    if (Date.parse(validTo) < Date.now()) {
      this.#options.logger.warn('the TLS certificate has expired; clients will refuse it', {
        listener: this.#options.listener,
        file: this.settings.certFile,
        validTo,
      });
    }
  }
}

/**
 * grpc-js server credentials fed by a ServerTls. grpc-js's own FileWatcherCertificateProvider reloads too, but a
 * half-written or mismatched pair makes its server drop every new connection until the files are fixed, and it
 * has no minimum TLS version; these credentials only ever hand grpc-js a checked set.
 */
class ReloadingServerCredentials extends grpc.ServerCredentials {
  readonly #tls: ServerTls;
  #unsubscribe: (() => void) | undefined;

  constructor(tls: ServerTls) {
    const mutual = tls.requireClientCertificate;
    super({ requestCert: mutual, rejectUnauthorized: mutual }, tls.contextOptions);
    this.#tls = tls;
  }

  override _addWatcher(watcher: Parameters<grpc.ServerCredentials['_addWatcher']>[0]): void {
    super._addWatcher(watcher);
    this.#unsubscribe ??= this.#tls.subscribe(() =>
      this.updateSecureContextOptions(this.#tls.contextOptions),
    );
  }

  override _removeWatcher(watcher: Parameters<grpc.ServerCredentials['_removeWatcher']>[0]): void {
    super._removeWatcher(watcher);
    if (this.getWatcherCount() === 0) {
      this.#unsubscribe?.();
      this.#unsubscribe = undefined;
    }
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

/** An HTTP server, or with `tls` an HTTPS one serving its (reloaded) certificate. */
export function createServerWithTls(
  tls: ServerTls | undefined,
  options: ServerOptions,
  handler: RequestListener,
): Server {
  return tls === undefined ? createPlainServer(options, handler) : tls.createHttpsServer(options, handler);
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { Counter, type Registry } from 'prom-client';
import { ConfigError, type Logger, type Service, listen } from '@skein/runtime';
import { SamplingStrategies, type ResponseEncoding } from './strategies.js';

export interface SamplingServerOptions {
  /** 5778 in Jaeger deployments; 0 picks a free port (see `port` once started). */
  port: number;
  host: string;
  /** A strategies file in Jaeger's JSON format; without it every service gets probabilistic 0.001. */
  strategiesFile?: string;
  /** How often the file's mtime, size and inode are checked; 0 turns reloading off. */
  reloadIntervalMs: number;
  logger: Logger;
  registry: Registry;
}

type Endpoint = 'sampling' | 'legacy' | 'baggage' | 'unknown';

const ROUTES: ReadonlyMap<string, Exclude<Endpoint, 'unknown'>> = new Map([
  ['/sampling', 'sampling'],
  ['/', 'legacy'],
  ['/baggageRestrictions', 'baggage'],
]);

interface FileVersion {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
}

/**
 * The agent's HTTP endpoint Jaeger clients poll for sampling strategies (Jaeger agent port 5778):
 * `GET /sampling?service=` (enum names), the legacy `GET /?service=` (thrift enum codes) and
 * `GET /baggageRestrictions?service=` (no restrictions). The strategies file is re-read when it changes;
 * a broken new version is logged and counted, and the previous strategies stay in force.
 */
export class SamplingServer implements Service {
  readonly name = 'sampling';
  readonly #options: SamplingServerOptions;
  readonly #log: Logger;
  readonly #requests: Counter<'endpoint' | 'status'>;
  readonly #reloads: Counter;
  readonly #reloadFailures: Counter;
  #strategies: SamplingStrategies = SamplingStrategies.defaults();
  #server: Server | undefined;
  #port: number;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #stopped = false;
  /** The file version last tried (loaded or rejected), so a broken file is reported once per change. */
  #seen: FileVersion | 'missing' | undefined;
  #loadedText: string | undefined;

  constructor(options: SamplingServerOptions) {
    this.#options = options;
    this.#port = options.port;
    this.#log = options.logger;
    this.#requests = counter(
      options.registry,
      'skein_agent_sampling_requests_total',
      'Sampling endpoint requests by endpoint and HTTP status',
      ['endpoint', 'status'],
    );
    this.#reloads = counter(
      options.registry,
      'skein_agent_sampling_reloads_total',
      'Times a changed sampling strategies file was loaded',
      [],
    );
    this.#reloadFailures = counter(
      options.registry,
      'skein_agent_sampling_reload_failures_total',
      'Times a changed sampling strategies file could not be read or was invalid; the previous strategies stay in force',
      [],
    );
  }

  /** The bound port once started (the configured one before). */
  get port(): number {
    return this.#port;
  }

  /** The strategies being served now. */
  get strategies(): SamplingStrategies {
    return this.#strategies;
  }

  async start(): Promise<void> {
    const file = this.#options.strategiesFile;
    if (file !== undefined) {
      const version = await fileVersion(file).catch((err: unknown) => {
        throw unreadable(file, err);
      });
      const text = await readFile(file, 'utf8').catch((err: unknown) => {
        throw unreadable(file, err);
      });
      this.#use(SamplingStrategies.parse(text, file), text);
      this.#seen = version;
      this.#log.info('sampling strategies loaded', { file, services: this.#strategies.services.length });
    } else {
      this.#log.info('no sampling strategies file: serving probabilistic sampling at 0.001 to every service');
    }

    const server = createServer((req, res) => this.#handle(req, res));
    this.#port = await listen(server, this.#options.port, this.#options.host);
    server.on('error', (err) => this.#log.error('sampling server error', { error: err }));
    this.#server = server;
    this.#log.info('sampling endpoint listening', { host: this.#options.host, port: this.#port });

    if (file !== undefined && this.#options.reloadIntervalMs > 0) this.#schedule(file);
  }

  async stop(deadline: number): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#polling;
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    // Clients poll with short requests; idle keep-alive sockets go now, busy ones get until the deadline.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), Math.max(0, deadline - Date.now()));
    try {
      await closed;
    } finally {
      clearTimeout(force);
    }
  }

  #use(strategies: SamplingStrategies, text: string): void {
    this.#strategies = strategies;
    this.#loadedText = text;
    for (const warning of strategies.warnings) this.#log.warn('sampling strategies', { warning });
  }

  #schedule(file: string): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#polling = this.#poll(file).finally(() => {
        this.#polling = undefined;
        this.#schedule(file);
      });
    }, this.#options.reloadIntervalMs);
    this.#timer.unref();
  }

  async #poll(file: string): Promise<void> {
    let version: FileVersion;
    try {
      version = await fileVersion(file);
    } catch (err) {
      if (this.#seen !== 'missing') {
        this.#seen = 'missing';
        this.#fail(file, err);
      }
      return;
    }
    const seen = this.#seen;
    if (
      seen !== 'missing' &&
      seen !== undefined &&
      seen.mtimeMs === version.mtimeMs &&
      seen.size === version.size &&
      seen.ino === version.ino
    ) {
      return;
    }
    this.#seen = version;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      this.#fail(file, err);
      return;
    }
    if (text === this.#loadedText) return;
    let strategies: SamplingStrategies;
    try {
      strategies = SamplingStrategies.parse(text, file);
    } catch (err) {
      this.#fail(file, err);
      return;
    }
    if (this.#stopped) return;
    this.#use(strategies, text);
    this.#reloads.inc();
    this.#log.info('sampling strategies reloaded', { file, services: strategies.services.length });
  }

  #fail(file: string, err: unknown): void {
    this.#reloadFailures.inc();
    this.#log.error('sampling strategies not reloaded; still serving the previous ones', {
      file,
      error: err,
    });
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://agent');
    const endpoint = ROUTES.get(url.pathname);
    if (endpoint === undefined) {
      this.#reply(res, 'unknown', 404, 'text/plain; charset=utf-8', '404 page not found\n');
      return;
    }
    if (req.method !== 'GET') {
      res.setHeader('Allow', 'GET');
      this.#reply(
        res,
        endpoint,
        405,
        'text/plain; charset=utf-8',
        `${req.method ?? ''} not allowed: use GET\n`,
      );
      return;
    }
    const services = url.searchParams.getAll('service');
    const service = services[0];
    if (services.length !== 1 || service === undefined) {
      this.#reply(
        res,
        endpoint,
        400,
        'text/plain; charset=utf-8',
        "'service' parameter must be provided once\n",
      );
      return;
    }
    if (service === '') {
      this.#reply(res, endpoint, 400, 'text/plain; charset=utf-8', "'service' parameter must not be empty\n");
      return;
    }
    if (endpoint === 'baggage') {
      this.#reply(res, endpoint, 200, 'application/json', '[]');
      return;
    }
    const encoding: ResponseEncoding = endpoint === 'sampling' ? 'proto' : 'legacy';
    this.#reply(res, endpoint, 200, 'application/json', this.#strategies.bodyFor(service, encoding));
  }

  #reply(res: ServerResponse, endpoint: Endpoint, status: number, type: string, body: string): void {
    this.#requests.inc({ endpoint, status: String(status) });
    res.statusCode = status;
    res.setHeader('Content-Type', type);
    if (status >= 400) res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  }
}

async function fileVersion(file: string): Promise<FileVersion> {
  const s = await stat(file);
  return { mtimeMs: s.mtimeMs, size: s.size, ino: s.ino };
}

function unreadable(file: string, err: unknown): ConfigError {
  return new ConfigError(file, `cannot read the sampling strategies file (${(err as Error).message})`);
}

/** One counter per registry: a second server on the same registry shares it instead of failing. */
function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

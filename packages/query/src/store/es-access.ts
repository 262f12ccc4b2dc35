// Whether Elasticsearch answers and accepts the query service's credentials: checked at start (wrong credentials
// or certificates stop it; Elasticsearch merely away does not), asked again by /health, and said once in the log
// when queries start being refused.
import type { Client } from '@elastic/elasticsearch';
import {
  esAccessError,
  esFailureKind,
  type EsFailureKind,
  type EsSecurity,
  type Logger,
  type Service,
} from '@skein/runtime';

export interface EsAccessOptions {
  client: Client;
  security: EsSecurity;
  /** What the probe searches (size 0): indices the service reads, so a missing privilege shows too. */
  indices: string[];
  logger: Logger;
  /** Longest wait for the probe's answer. */
  timeoutMs: number;
  /** How long a /health answer is reused, so a busy prober does not become Elasticsearch load. */
  cacheMs?: number;
}

/** The outcome of one probe: `ok`, or how it failed. */
export type EsAccessState = 'ok' | EsFailureKind;

export class EsAccess {
  readonly #options: EsAccessOptions;
  #last: { at: number; state: Promise<EsAccessState> } | undefined;
  // The refusal is logged once, and again only after Elasticsearch has accepted the credentials in between.
  #refusalLogged = false;

  constructor(options: EsAccessOptions) {
    this.#options = options;
  }

  /** The start-up probe, as the first service: fatal on refused credentials or TLS, a warning when unreachable. */
  get service(): Service {
    return {
      name: 'elasticsearch-access',
      start: async () => {
        const { security, logger } = this.#options;
        const err = await this.#attempt();
        if (err === undefined) return;
        const fatal = esAccessError(err, security, 'checking it at start (a search of the service indices)');
        if (fatal !== undefined) throw fatal;
        logger.warn(
          'Elasticsearch does not answer at start; serving anyway: queries answer 503 and /health reports ' +
            'elasticsearch: false until it is back',
          { url: security.url, error: (err as Error).message },
        );
      },
      stop: async () => undefined,
    };
  }

  /** For /health: true when Elasticsearch answered a probe, at most `cacheMs` old. */
  async healthy(): Promise<boolean> {
    const now = Date.now();
    const cacheMs = this.#options.cacheMs ?? 2000;
    if (this.#last === undefined || now - this.#last.at >= cacheMs) {
      this.#last = {
        at: now,
        state: this.#attempt().then((err) => (err === undefined ? 'ok' : esFailureKind(err))),
      };
    }
    return (await this.#last.state) === 'ok';
  }

  /**
   * Called with an error a query got from Elasticsearch: refused credentials or TLS are logged once, with what
   * to check; the caller answers its client without the details.
   */
  failed(err: unknown): void {
    if (this.#refusalLogged) return;
    const problem = esAccessError(err, this.#options.security, 'answering a query');
    if (problem === undefined) return;
    this.#refusalLogged = true;
    this.#options.logger.error(problem.message, { code: problem.code });
  }

  async #attempt(): Promise<unknown> {
    const { client, indices, timeoutMs } = this.#options;
    try {
      await client.search(
        {
          index: indices.join(','),
          size: 0,
          ignore_unavailable: true,
          allow_no_indices: true,
        },
        { requestTimeout: timeoutMs, maxRetries: 0 },
      );
      this.#refusalLogged = false;
      return undefined;
    } catch (err) {
      return err;
    }
  }
}

/**
 * What a client is told when Elasticsearch refused the query service (credentials, privileges, TLS): no details,
 * which are in the log, only where to look. Undefined for other failures.
 */
export function esRefusalMessage(err: unknown): string | undefined {
  switch (esFailureKind(err)) {
    case 'auth':
      return "Elasticsearch rejected the query service's credentials; the query service's log says which settings to check";
    case 'forbidden':
      return "Elasticsearch denied the query service's credentials access; the query service's log says which settings to check";
    case 'tls':
      return "the TLS connection to Elasticsearch failed; the query service's log says which settings to check";
    default:
      return undefined;
  }
}

import { Client } from '@elastic/elasticsearch';

export interface ElasticsearchClientOptions {
  url: string;
  requestTimeoutMs?: number;
  maxRetries?: number;
}

/** An @elastic/elasticsearch 8 client for skein's components; auth and TLS options arrive with the security work. */
export function createElasticsearch(options: ElasticsearchClientOptions): Client {
  return new Client({
    node: options.url,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 3,
  });
}

import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { EsAuth, EsTls } from '../security/elasticsearch.js';

export interface ElasticsearchClientOptions {
  /** Without credentials: they go in `auth` (resolveEsSecurity moves them there). */
  url: string;
  auth?: EsAuth;
  tls?: EsTls;
  requestTimeoutMs?: number;
  maxRetries?: number;
  /** A serializer class of the client's (the query service's keeps int64 exact). */
  serializer?: ClientOptions['Serializer'];
}

/**
 * An @elastic/elasticsearch 8 client for skein's components, authenticated and with TLS as resolveEsSecurity
 * resolved them. Errors it throws carry no request headers (redaction `remove`), so no credentials.
 */
export function createElasticsearch(options: ElasticsearchClientOptions): Client {
  return new Client({
    node: options.url,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 3,
    ...(options.auth !== undefined ? { auth: options.auth } : {}),
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
    ...(options.serializer !== undefined ? { Serializer: options.serializer } : {}),
    redaction: { type: 'remove' },
  });
}

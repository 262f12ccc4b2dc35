export type ProviderName = 'local' | 'testcontainers' | 'external';

/** Where a running devstack can be reached. */
export interface DevstackEndpoints {
  /** Kafka bootstrap servers, `host:port`. */
  kafkaBrokers: string[];
  /** Elasticsearch HTTP base URL without a trailing slash. */
  elasticsearchUrl: string;
}

/** How to reach a secure devstack's TLS and authenticated endpoints; the secrets are random per start. */
export interface DevstackSecurity {
  /** PEM certificate of the throw-away CA that signed every server and client certificate. */
  caFile: string;
  /** Client certificate and key (PEM) that Kafka's SSL listener requires. */
  clientCertFile: string;
  clientKeyFile: string;
  kafka: {
    /** `host:port` of the SASL_SSL listener: PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
    saslSslBrokers: string[];
    /** `host:port` of the SSL listener, which requires a client certificate signed by the CA. */
    sslBrokers: string[];
    username: string;
    password: string;
  };
  elasticsearch: {
    /** `https://127.0.0.1:port`: a TLS proxy that checks credentials in front of Elasticsearch. */
    url: string;
    username: string;
    password: string;
    /** base64 of `id:secret`, sent as `Authorization: ApiKey <apiKey>`, as Elasticsearch's API keys are. */
    apiKey: string;
  };
}

export interface Devstack extends DevstackEndpoints {
  readonly provider: ProviderName;
  /** Present when started with `secure: true`. */
  readonly security?: DevstackSecurity;
  /** Stops what this devstack started (nothing for `external`) and removes throw-away data. */
  stop(): Promise<void>;
}

export interface DevstackOptions {
  /** `auto` (default, or SKEIN_DEVSTACK): external when both endpoints are set, else testcontainers when a Docker engine answers, else local. */
  provider?: ProviderName | 'auto';
  /** 0 picks a free port (tests); the local stack uses 9092. */
  kafkaPort?: number;
  /** 0 picks a free port (tests); the local stack uses 9200. */
  elasticsearchPort?: number;
  /** Keep data here across restarts; without it data lives in a scratch directory removed on stop. */
  dataDir?: string;
  /** Leave the services running when this process exits (`skein devstack up`); stop them with stopDetached(). */
  detached?: boolean;
  /** Elasticsearch heap, 512m to 1g. */
  elasticsearchHeap?: string;
  /**
   * Also open secure endpoints (local provider only): Kafka SASL_SSL and SSL listeners and Elasticsearch behind
   * an nginx TLS proxy with basic and API key auth, with certificates and credentials made for this start.
   */
  secure?: boolean;
  /** Progress lines for people ("installing Kafka 4.4.0…"). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

export type ProviderName = 'local' | 'testcontainers' | 'external';

/** Where a running devstack can be reached. */
export interface DevstackEndpoints {
  /** Kafka bootstrap servers, `host:port`. */
  kafkaBrokers: string[];
  /** Elasticsearch HTTP base URL without a trailing slash. */
  elasticsearchUrl: string;
}

export interface Devstack extends DevstackEndpoints {
  readonly provider: ProviderName;
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
  /** Progress lines for people ("installing Kafka 4.4.0…"). */
  log?: (line: string) => void;
  env?: NodeJS.ProcessEnv;
}

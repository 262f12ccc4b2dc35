import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import type { Logger } from '../log/logger.js';
import type { KafkaSecurity } from '../security/kafka.js';

export interface KafkaClientOptions {
  brokers: readonly string[];
  clientId: string;
  logger?: Logger;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** TLS and SASL, from kafkaSecurity(config); plaintext without. */
  security?: KafkaSecurity;
}

// kafkajs reports every failed connection attempt as an error although it retries them itself; the
// components log the failures that matter (a produce or commit that finally failed) at their own level.
const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'warn',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

// Advice kafkajs prints at every start that does not apply to how skein configures it: Java's partitioner is
// chosen explicitly, and skein's publisher retries a failed request itself with the same idempotent producer.
const KNOWN_ADVICE = [/switched default partitioner/, /Limiting retries for the idempotent producer/];

// Fields of kafkajs log lines that may hold connection settings: only whether they are set is logged.
const SETTINGS = new Set(['sasl', 'ssl', 'password']);

/** kafkajs logs through our logger (kafkajs INFO chatter goes to debug), never with its TLS or SASL settings. */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ level, log }) => {
      const { message, ...all } = log;
      const fields = Object.fromEntries(
        Object.entries(all).map(([k, v]) => [k, SETTINGS.has(k) ? Boolean(v) : v]),
      );
      const lvl = KNOWN_ADVICE.some((re) => re.test(message)) ? 'debug' : (LEVELS[level] ?? 'debug');
      logger[lvl === 'info' ? 'debug' : lvl](`kafkajs: ${message}`, fields);
    };
}

/** A kafkajs client for skein's components, with TLS and SASL when `security` asks for them. */
export function createKafka(options: KafkaClientOptions): Kafka {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: options.logger ? logLevel.INFO : logLevel.NOTHING,
    ...(options.logger ? { logCreator: kafkaLogCreator(options.logger) } : {}),
    ...(options.security?.ssl ? { ssl: options.security.ssl } : {}),
    ...(options.security?.sasl ? { sasl: options.security.sasl } : {}),
  };
  return new Kafka(config);
}

import type { Registry } from 'prom-client';
import { startAdminServer, type AdminServer } from '../admin/server.js';
import { configHelp, field, loadConfig, type ConfigOf, type Schema } from '../config/schema.js';
import { createLogger, type Logger } from '../log/logger.js';
import { createRegistry } from '../metrics/registry.js';
import { registerSecret, registeredSecrets } from '../security/secrets.js';
import { Lifecycle, type Service } from './lifecycle.js';

/** Keys every component has. */
export const commonSchema = {
  'admin.host': field.string('0.0.0.0', 'Address of the admin HTTP server (/metrics, /health, /live)'),
  'log.level': field.oneOf(['debug', 'info', 'warn', 'error'], 'info', 'Lowest level logged'),
  'log.format': field.oneOf(['json', 'pretty'], 'json', 'json lines for collectors, pretty for people'),
  'shutdown.timeout': field.duration(
    '20s',
    'How long a SIGTERM drain may take before the process exits anyway',
  ),
} satisfies Schema;

export interface ComponentContext<S extends Schema> {
  config: ConfigOf<S & typeof commonSchema>;
  logger: Logger;
  registry: Registry;
  args: string[];
  /** Readiness checks by name, asked at every /health: it answers 503 while one is false (or throws). */
  healthChecks: Map<string, () => boolean | Promise<boolean>>;
  /**
   * Stops the component because of an error no retry cures, found after its service started (e.g. Kafka
   * refusing the credentials at the first connect): the command exits non-zero with the error's message.
   */
  fail(service: string, error: unknown): void;
}

export interface ComponentDefinition<S extends Schema> {
  /** `agent`, `ingester`, …: used in metric labels and log lines. */
  name: string;
  /** The component's own keys; it must include `admin.port`. */
  schema: S;
  /** One paragraph for --help. */
  description: string;
  /** Builds the services to run, in start order. */
  build(context: ComponentContext<S>): Service[] | Promise<Service[]>;
}

export interface RunningComponent {
  lifecycle: Lifecycle;
  admin: AdminServer;
  logger: Logger;
  /** Drains and closes everything, as SIGTERM does. */
  stop(reason?: string): Promise<void>;
}

async function runChecks(
  checks: ReadonlyMap<string, () => boolean | Promise<boolean>>,
): Promise<Record<string, boolean>> {
  const entries = await Promise.all(
    [...checks].map(
      async ([name, check]) => [name, await (async () => check())().catch(() => false)] as const,
    ),
  );
  return Object.fromEntries(entries);
}

/** `--help` text for a component: what it does and every key with its default. */
export function componentHelp<S extends Schema>(definition: ComponentDefinition<S>): string {
  const common = Object.entries(commonSchema).filter(([key]) => !(key in definition.schema));
  const schema = { ...definition.schema, ...Object.fromEntries(common) };
  return `skein ${definition.name}: ${definition.description}\n\nOptions:\n${configHelp(schema)}\n`;
}

/**
 * Loads config, starts the admin server and every service, and drains on SIGTERM/SIGINT.
 * A configuration error is thrown before anything starts, with the offending key named.
 */
export async function runComponent<S extends Schema & { 'admin.port': unknown }>(
  definition: ComponentDefinition<S>,
  options: { argv?: readonly string[]; env?: NodeJS.ProcessEnv; handleSignals?: boolean } = {},
): Promise<RunningComponent> {
  // A component may override a common default (the agent drains within 10 s, not 20).
  const schema = { ...commonSchema, ...definition.schema };
  const { config, args } = loadConfig(schema, {
    ...(options.argv ? { argv: options.argv } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const cfg = config as ConfigOf<S & typeof commonSchema>;
  const common = config as unknown as ConfigOf<typeof commonSchema> & { 'admin.port': number };
  // Secret keys' values, and (through registerSecret) secrets read from files later, are redacted from every
  // log line: defence in depth behind never logging them.
  for (const [key, spec] of Object.entries(schema as Schema)) {
    const value = (config as Record<string, unknown>)[key];
    if (spec.secret && typeof value === 'string') registerSecret(value);
  }
  const logger = createLogger({
    level: common['log.level'],
    format: common['log.format'],
    fields: { component: definition.name },
    redact: registeredSecrets,
  });
  const registry = createRegistry(definition.name);
  const healthChecks = new Map<string, () => boolean | Promise<boolean>>();
  const failures: Array<[string, unknown]> = [];
  let failed = (service: string, error: unknown): void => void failures.push([service, error]);
  const fail = (service: string, error: unknown): void => failed(service, error);
  const services = await definition.build({ config: cfg, logger, registry, args, healthChecks, fail });
  const lifecycle = new Lifecycle(services, { logger, drainTimeoutMs: common['shutdown.timeout'] });
  failed = (service, error) => void lifecycle.fail(service, error);
  for (const [service, error] of failures) failed(service, error);
  const admin = await startAdminServer({
    port: common['admin.port'],
    host: common['admin.host'],
    registry,
    health: async () => ({ state: lifecycle.state, checks: await runChecks(healthChecks) }),
  });
  const removeHandlers = options.handleSignals === false ? () => undefined : lifecycle.handleSignals();
  try {
    await lifecycle.start();
  } catch (err) {
    removeHandlers();
    await admin.close();
    throw err;
  }
  logger.info('started', { adminPort: admin.port });
  const stop = async (reason = 'stop requested'): Promise<void> => {
    await lifecycle.stop(reason);
    removeHandlers();
    await admin.close();
  };
  void lifecycle.done.then(async () => {
    removeHandlers();
    await admin.close();
    logger.info('stopped');
  });
  return { lifecycle, admin, logger, stop };
}

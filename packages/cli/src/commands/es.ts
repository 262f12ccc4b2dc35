import {
  cleanIndices,
  describeAction,
  indexPrefixProblem,
  initIndices,
  LifecycleError,
  rolloverIndices,
  type LifecycleAction,
} from '@skein/ingester';
import {
  ConfigError,
  configHelp,
  createElasticsearch,
  createLogger,
  esAccessError,
  esSecuritySchema,
  field,
  loadConfig,
  reportEsSecurity,
  resolveEsSecurity,
  type Field,
} from '@skein/runtime';
import type { CommandIO } from './io.js';

/** A key with no default: undefined unless given, otherwise parsed as `base` parses it. */
function optional<T>(base: Field<T>): Field<T | undefined> {
  return {
    ...base,
    default: undefined,
    parse: (raw) => (raw === '' ? undefined : base.parse(raw)),
    show: (value) => (value === undefined ? '' : base.show(value)),
  };
}

export const esSchema = {
  'es.url': field.string(
    'http://127.0.0.1:9200',
    'Elasticsearch URL (credentials as user:password@ are accepted and never shown)',
  ),
  ...esSecuritySchema,
  'es.index-prefix': field.string(
    '',
    'Prefix of every index name, used verbatim (e.g. "v2-" gives v2-jaeger-span-*); as the ingester and query use it',
  ),
  'es.use-aliases': field.boolean(
    false,
    'Rollover mode (init, clean): indices behind <prefix>jaeger-<kind>-write and -read aliases instead of daily ones; ' +
      'must match the ingester and query',
  ),
  'es.shards': field.int(3, 'Primary shards of new indices (init)', { min: 1 }),
  'es.replicas': field.int(1, 'Replicas of new indices (init)', { min: 0 }),
  'keep-days': optional(
    field.int(0, 'clean (required): whole UTC days kept before today; 0 keeps only today', { min: 0 }),
  ),
  'max-age': optional(field.duration('0s', 'rollover: roll over once the write index is this old (e.g. 1d)')),
  'max-docs': optional(
    field.int(0, 'rollover: roll over once the write index holds this many documents', { min: 1 }),
  ),
  'max-size': optional(
    field.size(
      '0',
      "rollover: roll over once the write index's largest primary shard is this big (e.g. 50GB)",
    ),
  ),
  'dry-run': field.boolean(false, 'Print what would be done and change nothing'),
};

type EsKey = keyof typeof esSchema;

// Flags that only one action reads; given on the command line to another, they are a mistake worth naming.
const ONLY_FOR: Partial<Record<EsKey, string>> = {
  'es.shards': 'init',
  'es.replicas': 'init',
  'keep-days': 'clean',
  'max-age': 'rollover',
  'max-docs': 'rollover',
  'max-size': 'rollover',
};

export const esHelp = `skein es <init|clean|rollover>: manage the Elasticsearch indices skein writes and reads.

  init       install the index templates (and in rollover mode, with --es.use-aliases, create
             <prefix>jaeger-<kind>-000001 behind the aliases <prefix>jaeger-<kind>-write and -read)
  clean      delete indices older than --keep-days whole UTC days before today: daily indices by the day
             in their name; in rollover mode, rollover indices by creation date, never the write index
  rollover   move each <prefix>jaeger-<kind>-write alias to a new index when --max-age, --max-docs or
             --max-size is reached (always, when none is given)

Each prints one line per action and is safe to repeat; --dry-run only prints.

Options:
${configHelp(esSchema)}
`;

export async function esCommand(argv: readonly string[], io: CommandIO): Promise<number> {
  const { config, args, sources } = loadConfig(esSchema, { argv, env: io.env });
  const action = args[0];
  if (action !== 'init' && action !== 'clean' && action !== 'rollover') {
    io.err(action ? `unknown es action "${action}"\n` : 'es needs an action\n');
    io.err(esHelp);
    return 2;
  }
  if (args.length > 1) throw new ConfigError(args[1] ?? '', `unexpected argument after "${action}"`);
  for (const [key, only] of Object.entries(ONLY_FOR)) {
    if (only !== action && sources[key as EsKey].startsWith('flag')) {
      throw new ConfigError(`--${key}`, `applies to \`skein es ${only}\` only`);
    }
  }
  const prefix = config['es.index-prefix'];
  const problem = indexPrefixProblem(prefix);
  if (problem !== undefined) throw new ConfigError('es.index-prefix', problem);
  const keepDays = config['keep-days'];
  if (action === 'clean' && keepDays === undefined) {
    throw new ConfigError(
      'keep-days',
      'is required for `skein es clean`: how many whole UTC days to keep before today (0 keeps only today)',
    );
  }
  const maxAge = config['max-age'];
  if (maxAge !== undefined && maxAge < 1) throw new ConfigError('max-age', 'must be at least 1ms');
  const maxSize = config['max-size'];
  if (maxSize !== undefined && maxSize < 1) throw new ConfigError('max-size', 'must be at least 1 byte');
  const maxDocs = config['max-docs'];

  const security = resolveEsSecurity(config);
  // Only the warnings (verification off, credentials over http) reach the terminal.
  reportEsSecurity(security, {
    component: 'es',
    logger: createLogger({ level: 'warn', format: 'pretty', write: (line) => io.err(line) }),
  });
  const client = createElasticsearch(security);
  const dryRun = config['dry-run'];
  const useAliases = config['es.use-aliases'];
  let actions: LifecycleAction[];
  try {
    if (action === 'init') {
      actions = await initIndices(client, {
        prefix,
        shards: config['es.shards'],
        replicas: config['es.replicas'],
        useAliases,
        dryRun,
      });
    } else if (action === 'clean') {
      actions = await cleanIndices(client, { prefix, keepDays: keepDays ?? 0, useAliases, dryRun });
    } else {
      actions = await rolloverIndices(client, {
        prefix,
        conditions: {
          ...(maxAge !== undefined ? { maxAge } : {}),
          ...(maxDocs !== undefined ? { maxDocs } : {}),
          ...(maxSize !== undefined ? { maxPrimaryShardSize: maxSize } : {}),
        },
        dryRun,
      });
    }
  } catch (err) {
    // What was done before the failure, so the user knows the state a second run starts from.
    if (err instanceof LifecycleError) for (const a of err.completed) io.out(describeAction(a));
    throw (
      esAccessError(
        err,
        security,
        `running \`skein es ${action}\``,
        'or run it with the credentials of a user who may manage index templates and indices',
      ) ?? err
    );
  } finally {
    await client.close();
  }
  for (const a of actions) io.out(describeAction(a));
  if (actions.length === 0) {
    io.out(
      action === 'init'
        ? 'nothing to do: the templates and aliases are in place'
        : `nothing to do: no index of prefix ${JSON.stringify(prefix)} is older than ${keepDays} day(s)`,
    );
  }
  return 0;
}

// Index lifecycle: templates and the first rollover indices (init), deleting old indices (clean), and moving the
// write aliases to new indices (rollover). Each function reports what it did, or would do in a dry run, and doing
// it again changes nothing that is already in place.
import { isDeepStrictEqual } from 'node:util';
import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { SkeinError } from '@skein/runtime';

import { indexBaseName, readAlias, utcDay, writeAlias, type IndexKind } from './naming.js';
import { indexTemplates, type IndexTemplate } from './templates.js';

/** The index kinds the lifecycle manages, in the order it reports them. */
export const INDEX_KINDS: readonly IndexKind[] = ['span', 'service', 'dependencies'];

/** The first rollover index's suffix, as Jaeger names it; each rollover counts up from it (`…-000002`). */
const FIRST_ROLLOVER_SUFFIX = '000001';

const DAY_MS = 86_400_000;

// Names per delete request: a long list of names would overflow the request line.
const DELETE_BATCH = 20;

/** One step of init, clean or rollover. `dryRun`: reported only, nothing was changed. */
export type LifecycleAction =
  | { type: 'create-template' | 'update-template'; name: string; dryRun: boolean }
  | { type: 'create-index'; index: string; aliases: string[]; dryRun: boolean }
  | { type: 'delete-index'; index: string; dryRun: boolean }
  | {
      type: 'rollover';
      alias: string;
      oldIndex: string;
      newIndex: string;
      /** Whether the alias moved to newIndex (in a dry run: would move). */
      rolledOver: boolean;
      /** Elasticsearch's verdict per condition, e.g. `{ '[max_docs: 1]': true }`; empty when unconditional. */
      conditions: Record<string, boolean>;
      dryRun: boolean;
    };

/** An Elasticsearch request failed, or the indices are not in a state the command can work from. */
export class LifecycleError extends SkeinError {
  /** What was done before the failure (a run stopped half-way is finished by running it again). */
  completed: LifecycleAction[] = [];
}

export interface InitOptions {
  /** Index prefix, used verbatim. */
  prefix: string;
  shards: number;
  replicas: number;
  /** Rollover mode: templates add new indices to `<base>-read`, and each kind gets `<base>-000001` and its aliases. */
  useAliases: boolean;
  dryRun?: boolean;
}

export interface CleanOptions {
  prefix: string;
  /** Whole UTC days kept before today; 0 keeps only today's. */
  keepDays: number;
  /** Rollover mode: delete `<base>-NNNNNN` indices by creation date instead of daily indices by their day. */
  useAliases: boolean;
  /** The current time, ms; default Date.now(). */
  now?: number;
  dryRun?: boolean;
}

/** Roll over when any is reached; none at all rolls over unconditionally. */
export interface RolloverConditions {
  /** Age of the write index, ms. */
  maxAge?: number;
  /** Documents in the write index's primaries (refreshed ones only, as Elasticsearch counts them). */
  maxDocs?: number;
  /** Size of the write index's largest primary shard, bytes. */
  maxPrimaryShardSize?: number;
}

export interface RolloverOptions {
  prefix: string;
  conditions: RolloverConditions;
  dryRun?: boolean;
}

/**
 * Installs the span, service and dependencies templates where missing or different, and in rollover mode creates
 * `<base>-000001` with the aliases `<base>-write` (its write index) and `<base>-read` for every kind whose write alias
 * does not exist yet. Run twice, the second run does nothing and returns no actions.
 */
export async function initIndices(client: Client, options: InitOptions): Promise<LifecycleAction[]> {
  const actions: LifecycleAction[] = [];
  return reporting(actions, () => init(client, options, actions));
}

async function init(
  client: Client,
  options: InitOptions,
  actions: LifecycleAction[],
): Promise<LifecycleAction[]> {
  const dryRun = options.dryRun ?? false;
  for (const { name, body } of indexTemplates(options)) {
    const existing = await request(`reading index template ${name}`, () =>
      client.indices.getIndexTemplate({ name }).catch((err: unknown) => {
        if (err instanceof errors.ResponseError && err.statusCode === 404) return undefined;
        throw err;
      }),
    );
    const current = existing?.index_templates.find((t) => t.name === name)?.index_template;
    if (current !== undefined && sameTemplate(current, body)) continue;
    if (!dryRun) {
      await request(`installing index template ${name}`, () =>
        client.indices.putIndexTemplate({ name, ...body }),
      );
    }
    actions.push({ type: current === undefined ? 'create-template' : 'update-template', name, dryRun });
  }
  if (!options.useAliases) return actions;

  for (const kind of INDEX_KINDS) {
    const write = writeAlias(options.prefix, kind);
    const read = readAlias(options.prefix, kind);
    if (await request(`looking up alias ${write}`, () => client.indices.existsAlias({ name: write })))
      continue;
    if (await request(`looking up index ${write}`, () => client.indices.exists({ index: write }))) {
      throw new LifecycleError(
        'ES_WRITE_ALIAS_IS_INDEX',
        `${write} is an index, not an alias: something wrote to it before \`skein es init --es.use-aliases\` ` +
          'created the alias. Reindex its documents into another index if they are needed, delete it, and run ' +
          'init again',
      );
    }
    const index = `${indexBaseName(options.prefix, kind)}-${FIRST_ROLLOVER_SUFFIX}`;
    if (!dryRun) {
      await request(`creating index ${index}`, () =>
        client.indices.create({
          index,
          aliases: { [write]: { is_write_index: true }, [read]: {} },
        }),
      );
    }
    actions.push({ type: 'create-index', index, aliases: [write, read], dryRun });
  }
  return actions;
}

/**
 * Deletes the indices of the prefix older than `keepDays` whole UTC days before today: daily indices
 * (`<base>-YYYY-MM-DD`) by the day in their name, or in rollover mode the `<base>-NNNNNN` indices created before
 * that day, never one that is a write index. Nothing else is touched: other prefixes, other names, other kinds.
 */
export async function cleanIndices(client: Client, options: CleanOptions): Promise<LifecycleAction[]> {
  const actions: LifecycleAction[] = [];
  return reporting(actions, () => clean(client, options, actions));
}

async function clean(
  client: Client,
  options: CleanOptions,
  actions: LifecycleAction[],
): Promise<LifecycleAction[]> {
  const dryRun = options.dryRun ?? false;
  const cutoff = cleanCutoff(options.now ?? Date.now(), options.keepDays);
  const patterns = INDEX_KINDS.map((kind) => `${indexBaseName(options.prefix, kind)}-*`);
  const found = await request(`listing indices ${patterns.join(',')}`, () =>
    client.indices.get({
      index: patterns,
      expand_wildcards: ['open', 'closed'],
      allow_no_indices: true,
      ignore_unavailable: true,
      features: ['settings', 'aliases'],
      flat_settings: true,
    }),
  );
  let expired: string[];
  if (options.useAliases) {
    const writeAliases = new Set(INDEX_KINDS.map((kind) => writeAlias(options.prefix, kind)));
    const indices = Object.entries(found).map(([name, state]) => ({
      name,
      createdMs: Number(state.settings?.['index.creation_date'] ?? NaN),
      writeIndex: Object.entries(state.aliases ?? {}).some(
        ([alias, spec]) => writeAliases.has(alias) && spec.is_write_index !== false,
      ),
    }));
    expired = expiredRolloverIndices(indices, options.prefix, cutoff);
  } else {
    expired = expiredDailyIndices(Object.keys(found), options.prefix, cutoff);
  }
  for (let i = 0; i < expired.length; i += DELETE_BATCH) {
    const batch = expired.slice(i, i + DELETE_BATCH);
    if (!dryRun) {
      await request(`deleting ${batch.join(', ')}`, () =>
        client.indices.delete({ index: batch, ignore_unavailable: true }),
      );
    }
    for (const index of batch) actions.push({ type: 'delete-index', index, dryRun });
  }
  return actions;
}

/**
 * Rolls each kind's `<base>-write` alias over to a new index when a condition is met (always, without conditions),
 * or in a dry run asks Elasticsearch whether it would. Fails before changing anything when a write alias is missing.
 */
export async function rolloverIndices(client: Client, options: RolloverOptions): Promise<LifecycleAction[]> {
  const actions: LifecycleAction[] = [];
  return reporting(actions, () => rollover(client, options, actions));
}

async function rollover(
  client: Client,
  options: RolloverOptions,
  actions: LifecycleAction[],
): Promise<LifecycleAction[]> {
  const dryRun = options.dryRun ?? false;
  const conditions = rolloverConditions(options.conditions);
  const aliases = INDEX_KINDS.map((kind) => writeAlias(options.prefix, kind));
  const missing: string[] = [];
  for (const alias of aliases) {
    if (!(await request(`looking up alias ${alias}`, () => client.indices.existsAlias({ name: alias })))) {
      missing.push(alias);
    }
  }
  if (missing.length > 0) {
    throw new LifecycleError(
      'ES_WRITE_ALIAS_MISSING',
      `no write alias ${missing.join(', ')}: create the rollover indices first with ` +
        '`skein es init --es.use-aliases` (and the same --es.index-prefix)',
    );
  }
  for (const alias of aliases) {
    const response = await request(`rolling over ${alias}`, () =>
      client.indices.rollover({ alias, dry_run: dryRun, ...(conditions ? { conditions } : {}) }),
    );
    const verdicts = response.conditions ?? {};
    const met = Object.keys(verdicts).length === 0 || Object.values(verdicts).some((v) => v);
    actions.push({
      type: 'rollover',
      alias,
      oldIndex: response.old_index,
      newIndex: response.new_index,
      rolledOver: dryRun ? met : response.rolled_over,
      conditions: verdicts,
      dryRun,
    });
  }
  return actions;
}

/** One line for people: `created template v2-jaeger-span`, `would delete jaeger-span-2026-11-01`, … */
export function describeAction(action: LifecycleAction): string {
  const verb = (done: string, todo: string): string => (action.dryRun ? `would ${todo}` : done);
  switch (action.type) {
    case 'create-template':
      return `${verb('created', 'create')} template ${action.name}`;
    case 'update-template':
      return `${verb('updated', 'update')} template ${action.name}`;
    case 'create-index':
      return `${verb('created', 'create')} index ${action.index} with aliases ${action.aliases.join(', ')}`;
    case 'delete-index':
      return `${verb('deleted', 'delete')} ${action.index}`;
    case 'rollover': {
      if (action.rolledOver) {
        return `${verb('rolled over', 'roll over')} ${action.alias} from ${action.oldIndex} to ${action.newIndex}`;
      }
      const verdicts = Object.entries(action.conditions)
        .map(([condition, met]) => `${condition}: ${met ? 'met' : 'not met'}`)
        .join(', ');
      return `${verb('did not roll over', 'not roll over')} ${action.alias} (still ${action.oldIndex}): ${verdicts}`;
    }
  }
}

/** The UTC midnight before which clean deletes: the start of the day `keepDays` whole days before `now`'s. */
export function cleanCutoff(now: number, keepDays: number): number {
  if (!Number.isSafeInteger(keepDays) || keepDays < 0) {
    throw new RangeError(`keepDays must be a whole number of days, 0 or more, got ${keepDays}`);
  }
  return (Math.floor(now / DAY_MS) - keepDays) * DAY_MS;
}

/**
 * Among index names, the daily indices of the prefix (`<prefix>jaeger-<kind>-YYYY-MM-DD`, a real calendar day)
 * whose day starts before `cutoffMs`, sorted. Every other name is left out, whatever it starts with.
 */
export function expiredDailyIndices(names: Iterable<string>, prefix: string, cutoffMs: number): string[] {
  const expired: string[] = [];
  for (const name of names) {
    const suffix = suffixOf(name, prefix);
    const dayMs = suffix === undefined ? undefined : parseDay(suffix);
    if (dayMs !== undefined && dayMs < cutoffMs) expired.push(name);
  }
  return expired.sort();
}

/**
 * Among indices, the rollover indices of the prefix (`<prefix>jaeger-<kind>-NNNNNN`, six or more digits) created
 * before `cutoffMs`, sorted; never a write index, nor one whose creation time is unknown.
 */
export function expiredRolloverIndices(
  indices: Iterable<{ name: string; createdMs: number; writeIndex: boolean }>,
  prefix: string,
  cutoffMs: number,
): string[] {
  const expired: string[] = [];
  for (const { name, createdMs, writeIndex } of indices) {
    const suffix = suffixOf(name, prefix);
    if (suffix === undefined || !/^\d{6,}$/.test(suffix) || writeIndex) continue;
    if (Number.isFinite(createdMs) && createdMs < cutoffMs) expired.push(name);
  }
  return expired.sort();
}

/** What follows `<prefix>jaeger-<kind>-` in `name`, for the kind it belongs to; undefined when none. */
function suffixOf(name: string, prefix: string): string | undefined {
  for (const kind of INDEX_KINDS) {
    const start = `${indexBaseName(prefix, kind)}-`;
    if (name.startsWith(start)) return name.slice(start.length);
  }
  return undefined;
}

/** UTC midnight of a `YYYY-MM-DD` that names a real day (not 2024-02-30), else undefined. */
function parseDay(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (match === null) return undefined;
  // setUTCFullYear, unlike Date.UTC, takes years 0-99 as written; a day that rolls over (02-30 becomes March)
  // fails the round trip.
  const ms = new Date(0).setUTCFullYear(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return utcDay(ms) === text ? ms : undefined;
}

function rolloverConditions(
  conditions: RolloverConditions,
): estypes.IndicesRolloverRolloverConditions | undefined {
  const out: estypes.IndicesRolloverRolloverConditions = {};
  if (conditions.maxAge !== undefined) out.max_age = `${positive(conditions.maxAge, 'maxAge')}ms`;
  if (conditions.maxDocs !== undefined) out.max_docs = positive(conditions.maxDocs, 'maxDocs');
  if (conditions.maxPrimaryShardSize !== undefined) {
    out.max_primary_shard_size = `${positive(conditions.maxPrimaryShardSize, 'maxPrimaryShardSize')}b`;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`rollover condition ${name} must be a whole number of at least 1, got ${value}`);
  }
  return value;
}

/**
 * Whether an existing template (as Elasticsearch returns it: nested settings with string values) says what `body`
 * says; a template that differs in anything is replaced.
 */
function sameTemplate(current: estypes.IndicesIndexTemplate, body: IndexTemplate): boolean {
  return (
    isDeepStrictEqual(current.index_patterns, body.index_patterns) &&
    current.priority === body.priority &&
    (current.composed_of ?? []).length === 0 &&
    isDeepStrictEqual(current._meta, body._meta) &&
    isDeepStrictEqual(flatSettings(current.template?.settings), flatSettings(body.template.settings)) &&
    isDeepStrictEqual(current.template?.mappings ?? {}, body.template.mappings) &&
    isDeepStrictEqual(current.template?.aliases ?? {}, body.template.aliases ?? {})
  );
}

/** Settings as `index.x.y` → string, whichever of the nested or dotted forms they came in. */
function flatSettings(
  settings: unknown,
  path = '',
  out: Record<string, string> = {},
): Record<string, string> {
  if (settings === null || settings === undefined) return out;
  if (typeof settings === 'object' && !Array.isArray(settings)) {
    for (const [key, value] of Object.entries(settings))
      flatSettings(value, path ? `${path}.${key}` : key, out);
  } else {
    out[path] = String(settings);
  }
  return out;
}

/** Runs a lifecycle step; a LifecycleError it throws carries the actions completed before it. */
async function reporting(
  actions: LifecycleAction[],
  run: () => Promise<LifecycleAction[]>,
): Promise<LifecycleAction[]> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof LifecycleError) err.completed = [...actions];
    throw err;
  }
}

/** Runs one Elasticsearch request; a failure becomes a LifecycleError that names what was being done. */
async function request<T>(what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (err instanceof SkeinError || !(err instanceof errors.ElasticsearchClientError)) throw err;
    throw new LifecycleError('ES_REQUEST_FAILED', `${what} failed: ${esMessage(err)}`, { cause: err });
  }
}

/** `type: reason` from an Elasticsearch error response, else the client's own message (connection refused, …). */
function esMessage(err: errors.ElasticsearchClientError): string {
  if (err instanceof errors.ResponseError) {
    const body = err.body as { error?: { type?: string; reason?: string } | string } | undefined;
    const error = body?.error;
    if (typeof error === 'object' && error.type !== undefined) {
      return `${error.type}: ${error.reason ?? ''} (HTTP ${err.statusCode ?? '?'})`;
    }
    return `HTTP ${err.statusCode ?? '?'}: ${err.message}`;
  }
  return err.message;
}

// Elasticsearch 8 composable index templates with Jaeger's mappings, so Jaeger's query and tools read what skein writes.
import type { Client } from '@elastic/elasticsearch';

import { indexBaseName, readAlias, type IndexKind } from './naming.js';

export interface TemplateOptions {
  /** Index prefix, used verbatim: `v2-` gives `v2-jaeger-span-*`. */
  prefix: string;
  shards: number;
  replicas: number;
  /** Rollover mode: every new index of a kind joins its read alias `<prefix>jaeger-<kind>-read`. Default false. */
  useAliases?: boolean;
}

/** A composable index template body, as PUT to `_index_template/<name>`. */
export interface IndexTemplate {
  index_patterns: string[];
  priority: number;
  template: {
    settings: Record<string, number | boolean>;
    mappings: Record<string, unknown>;
    aliases?: Record<string, Record<string, never>>;
  };
  _meta: { managed_by: 'skein' };
}

// Jaeger's priorities for its ES 8 templates; equal priorities on overlapping patterns are an error in ES.
const PRIORITY: Record<IndexKind, number> = { span: 500, service: 501, dependencies: 502 };

// Jaeger caps keywords at 256 characters: longer values are stored but not indexed.
const KEYWORD = { type: 'keyword', ignore_above: 256 } as const;

const NESTED_KEY_VALUES = {
  type: 'nested',
  dynamic: false,
  properties: { key: KEYWORD, value: KEYWORD, type: KEYWORD },
} as const;

// Tags-as-fields objects get one keyword field per tag key, whatever the JSON type of the value.
const TAG_FIELD_TEMPLATES = [
  { span_tags_map: { path_match: 'tag.*', mapping: KEYWORD } },
  { process_tags_map: { path_match: 'process.tag.*', mapping: KEYWORD } },
];

const SPAN_FIELD_TEMPLATES = [
  ...TAG_FIELD_TEMPLATES,
  { scope_tags_map: { path_match: 'scopeTag.*', mapping: KEYWORD } },
];

/** The template for `<prefix>jaeger-span-*`: Jaeger's span document mapping. */
export function spanTemplate(options: TemplateOptions): IndexTemplate {
  return template('span', options, {
    dynamic_templates: SPAN_FIELD_TEMPLATES,
    properties: {
      traceID: KEYWORD,
      spanID: KEYWORD,
      parentSpanID: KEYWORD,
      operationName: KEYWORD,
      flags: { type: 'integer' },
      startTime: { type: 'long' },
      startTimeMillis: { type: 'date', format: 'epoch_millis' },
      duration: { type: 'long' },
      references: {
        type: 'nested',
        dynamic: false,
        // traceState, flags and tags are written by Jaeger 2's OTLP path only; mapped alike so both can share indices.
        properties: {
          refType: KEYWORD,
          traceID: KEYWORD,
          spanID: KEYWORD,
          traceState: KEYWORD,
          flags: { type: 'integer' },
          tags: NESTED_KEY_VALUES,
        },
      },
      tag: { type: 'object' },
      tags: NESTED_KEY_VALUES,
      scopeTag: { type: 'object' },
      scopeTags: NESTED_KEY_VALUES,
      logs: {
        type: 'nested',
        dynamic: false,
        properties: { timestamp: { type: 'long' }, fields: NESTED_KEY_VALUES },
      },
      process: {
        properties: {
          serviceName: KEYWORD,
          tag: { type: 'object' },
          tags: NESTED_KEY_VALUES,
        },
      },
    },
  });
}

/** The template for `<prefix>jaeger-service-*`: one `{serviceName, operationName}` document per pair and day. */
export function serviceTemplate(options: TemplateOptions): IndexTemplate {
  return template('service', options, {
    dynamic_templates: TAG_FIELD_TEMPLATES,
    // spanKind is skein's addition, for /api/operations?spanKind=; Jaeger's reader ignores it.
    properties: { serviceName: KEYWORD, operationName: KEYWORD, spanKind: KEYWORD },
  });
}

/**
 * The template for `<prefix>jaeger-dependencies-*`. Jaeger leaves this mapping to dynamic mapping; the explicit
 * fields here are the types dynamic mapping would choose for its reader's needs (a date `timestamp` for the range
 * query) but with keywords instead of text for the names, and dynamic mapping stays on for fields others add.
 */
export function dependenciesTemplate(options: TemplateOptions): IndexTemplate {
  return template('dependencies', options, {
    properties: {
      timestamp: { type: 'date' },
      dependencies: {
        properties: {
          parent: KEYWORD,
          child: KEYWORD,
          callCount: { type: 'long' },
          source: KEYWORD,
        },
      },
    },
  });
}

/**
 * PUTs the span, service and dependencies templates; safe to repeat (a PUT replaces a template with the same body).
 * Resolves to the template names, e.g. `v2-jaeger-span`. Templates apply to indices created afterwards only.
 */
export async function installTemplates(client: Client, options: TemplateOptions): Promise<string[]> {
  const names: string[] = [];
  for (const { name, body } of indexTemplates(options)) {
    await client.indices.putIndexTemplate({ name, ...body });
    names.push(name);
  }
  return names;
}

/** The span, service and dependencies templates with their names (`<prefix>jaeger-<kind>`), in that order. */
export function indexTemplates(
  options: TemplateOptions,
): Array<{ kind: IndexKind; name: string; body: IndexTemplate }> {
  validate(options);
  const bodies: Array<[IndexKind, IndexTemplate]> = [
    ['span', spanTemplate(options)],
    ['service', serviceTemplate(options)],
    ['dependencies', dependenciesTemplate(options)],
  ];
  return bodies.map(([kind, body]) => ({ kind, name: indexBaseName(options.prefix, kind), body }));
}

/** Why `prefix` cannot begin an Elasticsearch index name, or undefined when it can. */
export function indexPrefixProblem(prefix: string): string | undefined {
  if (prefix !== prefix.toLowerCase() || /[\\/*?"<>| ,#:]/.test(prefix) || /^[-_+]/.test(prefix)) {
    return (
      `index prefix ${JSON.stringify(prefix)} is not valid in an Elasticsearch index name: ` +
      'use lowercase letters, digits, "-", "_" or "." only, not starting with "-", "_" or "+"'
    );
  }
  return undefined;
}

function template(
  kind: IndexKind,
  options: TemplateOptions,
  mappings: Record<string, unknown>,
): IndexTemplate {
  validate(options);
  const body: IndexTemplate = {
    index_patterns: [`${indexBaseName(options.prefix, kind)}-*`],
    priority: PRIORITY[kind],
    template: {
      settings: {
        'index.number_of_shards': options.shards,
        'index.number_of_replicas': options.replicas,
        'index.mapping.nested_fields.limit': 50,
        'index.requests.cache.enable': true,
      },
      mappings,
    },
    _meta: { managed_by: 'skein' },
  };
  // Rollover creates indices of any name under the pattern; joining the read alias at creation makes their
  // documents readable at once, with no second step after each rollover.
  if (options.useAliases === true) body.template.aliases = { [readAlias(options.prefix, kind)]: {} };
  return body;
}

function validate(options: TemplateOptions): void {
  if (!Number.isInteger(options.shards) || options.shards < 1) {
    throw new RangeError(`index template shards must be an integer of at least 1, got ${options.shards}`);
  }
  if (!Number.isInteger(options.replicas) || options.replicas < 0) {
    throw new RangeError(`index template replicas must be a non-negative integer, got ${options.replicas}`);
  }
  const problem = indexPrefixProblem(options.prefix);
  if (problem !== undefined) throw new RangeError(problem);
}

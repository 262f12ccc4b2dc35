// Every request EsSpanReader sends to Elasticsearch, built from hostile input (directly, and through the HTTP
// API's parameter parsing), walked key by key: no query_string, no script, no runtime field, and each user string
// only where a term-level query takes it as a value. Whatever the input, it can change what matches, never what
// kind of query runs.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { createLogger } from '@skein/runtime';
import { HttpApi } from '../src/http/server.js';
import { EsSpanReader } from '../src/store/elasticsearch.js';

const NOW = Date.UTC(2024, 4, 1, 12);
const HOUR_US = 3_600_000_000;

/** Strings an attacker or a confused user might send: Lucene and JSON syntax, scripts, wildcards, escapes, size. */
const HOSTILE: readonly string[] = [
  '*',
  '\\',
  '"',
  "'",
  '?',
  '.*',
  '(?:a|b)+',
  'a OR b',
  'NOT x AND _exists_:secret',
  'service:* OR process.serviceName:[* TO *]',
  '{"query_string":{"query":"*"}}',
  '"}},{"script":{"source":"System.exit(0)"}},{"x":{"y":"',
  "doc['duration'].value > 0",
  'ctx._source.remove("tags")',
  'params._source',
  '@&~<>#',
  '__proto__',
  'constructor',
  '\u0000\n\r\t',
  'x'.repeat(20_000),
  '🚀 ünïcödé',
];

/** Keys the reader's requests may hold besides field names: the query DSL it uses, nothing else. */
const DSL_KEYS = new Set([
  // request, _msearch body and header
  'searches',
  'index',
  'ignore_unavailable',
  'allow_no_indices',
  'size',
  'track_total_hits',
  'query',
  'aggs',
  'sort',
  'search_after',
  // queries
  'bool',
  'filter',
  'should',
  'minimum_should_match',
  'nested',
  'path',
  'term',
  'terms',
  'regexp',
  'value',
  'flags',
  'range',
  'gte',
  'lte',
  'format',
  // aggregations and their names
  'field',
  'order',
  'missing',
  'max',
  '_key',
  'traceIDs',
  'latestStart',
  'services',
  'operations',
  'kinds',
]);

/** Stored field names the reader filters, sorts and aggregates on. */
const FIELDS = new Set([
  'traceID',
  'spanID',
  'startTime',
  'duration',
  'operationName',
  'process.serviceName',
  'serviceName',
  'spanKind',
  'timestamp',
  'tags.key',
  'tags.value',
  'process.tags.key',
  'process.tags.value',
  'logs.fields.key',
  'logs.fields.value',
]);

/** Keys that must appear nowhere, at any depth. */
const FORBIDDEN = [
  'query_string',
  'simple_query_string',
  'script',
  'script_score',
  'scripted_metric',
  'script_fields',
  'runtime_mappings',
  'wildcard',
  'prefix',
  'fuzzy',
  'match',
  'match_phrase',
  'multi_match',
];

/** The reader's own string values (not from the user): paths, orders, flags, formats, field names. */
const CONSTANTS = new Set([
  'tags',
  'process.tags',
  'logs.fields',
  'asc',
  'desc',
  'NONE',
  'epoch_millis',
  '',
  ...FIELDS,
]);

const INDEX =
  /^(jaeger-(span|service|dependencies)-(\d{4}-\d{2}-\d{2}|\*|read))(,jaeger-(span|service|dependencies)-(\d{4}-\d{2}-\d{2}|\*|read))*$/;

type Path = readonly (string | number)[];

interface Walked {
  /** Strings placed where a term-level query takes a value, with the query kind. */
  userValues: { kind: 'term' | 'terms' | 'regexp'; field: string; value: string }[];
  /** Field names under term/terms/regexp/range that are not stored fields: tag keys made fields. */
  tagFields: string[];
}

/**
 * Walks one request body: fails on a forbidden or unknown key, on a string outside a user-value position that is
 * not one of the reader's constants or an index name, and on a number that is not a safe integer.
 */
function walk(value: unknown, path: Path, out: Walked): void {
  const where = path.join(' › ') || '(top)';
  if (typeof value === 'number') {
    assert.ok(Number.isSafeInteger(value), `${where}: ${value} is not a safe integer`);
    return;
  }
  if (typeof value === 'boolean') return;
  if (typeof value === 'string') {
    const parent = path.at(-2);
    const grand = path.at(-3);
    const last = path.at(-1);
    if (parent === 'term') {
      out.userValues.push({ kind: 'term', field: String(last), value });
    } else if (grand === 'terms' && typeof last === 'number') {
      out.userValues.push({ kind: 'terms', field: String(parent), value });
    } else if (grand === 'regexp' && last === 'value') {
      out.userValues.push({ kind: 'regexp', field: String(parent), value });
    } else if (last === 'index') {
      assert.match(value, INDEX, `${where}: not an index name`);
    } else if (path.includes('search_after')) {
      assert.ok(!HOSTILE.includes(value), `${where}: user input in search_after`);
    } else {
      assert.ok(
        CONSTANTS.has(value),
        `${where}: ${JSON.stringify(value.slice(0, 60))} is not the reader's own`,
      );
    }
    return;
  }
  assert.ok(typeof value === 'object' && value !== null, `${where}: ${String(value)}`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, [...path, i], out));
    return;
  }
  // Own keys, __proto__ included: what JSON.stringify will send.
  for (const key of Object.keys(value)) {
    assert.ok(!FORBIDDEN.includes(key), `${where}: forbidden key ${key}`);
    const parent = path.at(-1);
    // Where a key names a field: in a query (term, terms, regexp, range) or a sort.
    const fieldPosition =
      ['term', 'terms', 'regexp', 'range'].includes(String(parent)) || path.at(-2) === 'sort';
    if (DSL_KEYS.has(key) && !(fieldPosition && FIELDS.has(key))) {
      // The query DSL's own words (an aggregation's `terms` holds field, size, order, missing).
    } else if (fieldPosition && FIELDS.has(key)) {
      // A stored field.
    } else {
      assert.ok(parent === 'regexp', `${where}: unexpected key ${JSON.stringify(key.slice(0, 60))}`);
      out.tagFields.push(key);
    }
    walk((value as Record<string, unknown>)[key], [...path, key], out);
  }
}

/** A stand-in for the Elasticsearch client that records each request and answers with fixed trace IDs. */
class RecordingClient {
  readonly requests: { api: 'search' | 'msearch'; body: unknown }[] = [];
  async search(params: Record<string, unknown>): Promise<unknown> {
    this.requests.push({ api: 'search', body: structuredClone(params) });
    return {
      hits: { hits: [] },
      aggregations: {
        traceIDs: {
          buckets: [
            { key: '0000000000000abc', doc_count: 1 },
            { key: 'a0000000000000000000000000000001', doc_count: 1 },
          ],
        },
        services: { buckets: [] },
        operations: { buckets: [] },
      },
    };
  }
  async msearch(params: { searches: unknown[] }): Promise<unknown> {
    this.requests.push({ api: 'msearch', body: structuredClone(params) });
    return { responses: params.searches.filter((_, i) => i % 2 === 1).map(() => ({ hits: { hits: [] } })) };
  }
}

function reader(client: RecordingClient): EsSpanReader {
  return new EsSpanReader({
    client: client as unknown as Client,
    logger: createLogger({ level: 'silent' }),
    prefix: '',
    useAliases: false,
    dotReplacement: '@',
    serviceLookbackMs: 72 * 3_600_000,
    maxSpansPerTrace: 100_000,
    now: () => NOW,
  });
}

/** Walks every recorded request and returns what it found, after checking the index names and headers. */
function walkAll(client: RecordingClient): Walked {
  const out: Walked = { userValues: [], tagFields: [] };
  assert.ok(client.requests.length > 0, 'no request was sent');
  for (const { api, body } of client.requests) walk(body, [api], out);
  return out;
}

/** Where each hostile string ended up, as `kind field` positions. */
function placesOf(found: Walked, input: string): string[] {
  return [
    ...new Set(found.userValues.filter((u) => u.value === input).map((u) => `${u.kind} ${u.field}`)),
  ].sort();
}

/** Where a tag's value goes: a regexp on the nested value fields, and on the tags-as-fields fields of its keys. */
const tagValuePlaces = (...keys: string[]): string[] => [
  'regexp logs.fields.value',
  'regexp process.tags.value',
  'regexp tags.value',
  ...keys.flatMap((k) => [
    `regexp tag.${k.replaceAll('.', '@')}`,
    `regexp process.tag.${k.replaceAll('.', '@')}`,
  ]),
];

/** Where a tag's key goes as a value: a term on the nested key fields. */
const TAG_KEY_PLACES = ['term logs.fields.key', 'term process.tags.key', 'term tags.key'];

describe('Elasticsearch requests from hostile input', () => {
  it('every reader call: user strings only as term and regexp values, tag keys only as regexp field names', async () => {
    const client = new RecordingClient();
    const r = reader(client);
    await r.services();
    for (const input of HOSTILE) {
      await r.operations(input);
      await r.operations(input, input);
      const key = `k${HOSTILE.indexOf(input)}.${input}`;
      await r.findTraces({
        service: input,
        operation: input,
        tags: [[key, input]],
        startMin: NOW * 1000 - HOUR_US,
        startMax: NOW * 1000,
        durationMin: 0,
        durationMax: Number.MAX_SAFE_INTEGER,
        limit: Number.MAX_SAFE_INTEGER,
      });
    }
    await r.getTraces(['ffffffffffffffffffffffffffffffff'], { startMs: NOW - 3_600_000, endMs: NOW });
    await r.getTraces(['00000000000000000000000000000001']);
    await r.dependencies(NOW, 86_400_000);

    const found = walkAll(client);
    const apis = client.requests.map((q) => q.api);
    assert.equal(apis.filter((a) => a === 'search').length, 1 + HOSTILE.length * 3 + 1);
    assert.equal(apis.filter((a) => a === 'msearch').length, HOSTILE.length + 2);
    for (const input of HOSTILE) {
      assert.deepEqual(
        placesOf(found, input),
        [
          'term operationName',
          'term process.serviceName',
          'term serviceName',
          'term spanKind',
          ...tagValuePlaces(`k${HOSTILE.indexOf(input)}.${input}`),
        ].sort(),
        JSON.stringify(input.slice(0, 40)),
      );
      // The tag key: a term value in the nested layout, and a field name (dots replaced) in tags-as-fields.
      const key = `k${HOSTILE.indexOf(input)}.${input}`;
      assert.deepEqual(placesOf(found, key), TAG_KEY_PLACES);
      const asField = key.replaceAll('.', '@');
      assert.ok(found.tagFields.includes(`tag.${asField}`), asField.slice(0, 40));
      assert.ok(found.tagFields.includes(`process.tag.${asField}`), asField.slice(0, 40));
    }
    // Regexp values go with flags NONE: Lucene's optional operators stay literal characters.
    const regexps = client.requests.flatMap((q) => JSON.stringify(q.body).match(/"flags":"[^"]*"/g) ?? []);
    assert.ok(regexps.length >= HOSTILE.length * 5);
    assert.ok(regexps.every((f) => f === '"flags":"NONE"'));
    // Trace IDs reach Elasticsearch only as parsed hex, in a terms query.
    const ids = found.userValues.filter((u) => u.kind === 'terms').map((u) => u.value);
    assert.ok(ids.length > 0 && ids.every((id) => /^[0-9a-f]{1,32}$/.test(id)), ids.join(','));
  });

  it('every HTTP API route: the same, from hostile query parameters and path segments', async (t: TestContext) => {
    const client = new RecordingClient();
    const api = new HttpApi({
      host: '127.0.0.1',
      port: 0,
      reader: reader(client),
      limits: {
        defaultLimit: 20,
        maxLimit: 1500,
        defaultLookbackMs: 3_600_000,
        maxTimeRangeMs: 86_400_000,
        now: () => NOW,
      },
      logger: createLogger({ level: 'silent' }),
      corsOrigins: [],
      maxHeaderBytes: 256 * 1024,
    });
    await api.start();
    t.after(() => api.stop());
    const get = async (path: string): Promise<number> =>
      (await fetch(`http://127.0.0.1:${api.port}${path}`)).status;
    const q = encodeURIComponent;

    assert.equal(await get('/api/services'), 200);
    for (const input of HOSTILE) {
      assert.equal(await get(`/api/services/${q(input)}/operations`), 200);
      assert.equal(await get(`/api/operations?service=${q(input)}&spanKind=server`), 200);
      const search =
        `/api/traces?service=${q(input)}&operation=${q(input)}&tag=${q(`k:${input}`)}` +
        `&tags=${q(JSON.stringify({ [`j.${input}`]: input }))}&minDuration=1us&maxDuration=100000h&limit=1500`;
      assert.equal(await get(search), 200, search.slice(0, 120));
      assert.equal(await get(`/api/dependencies?service=${q(input)}&endTs=${NOW}`), 200);
    }
    assert.equal(
      await get(`/api/traces/${'f'.repeat(32)}?start=${NOW * 1000 - HOUR_US}&end=${NOW * 1000}`),
      404,
    );

    const found = walkAll(client);
    for (const input of HOSTILE) {
      assert.deepEqual(
        placesOf(found, input),
        [
          'term operationName',
          'term process.serviceName',
          'term serviceName',
          ...tagValuePlaces('k', `j.${input}`),
        ].sort(),
        JSON.stringify(input.slice(0, 40)),
      );
      const key = `j.${input}`;
      assert.deepEqual(placesOf(found, key), TAG_KEY_PLACES);
      const asField = key.replaceAll('.', '@');
      assert.ok(found.tagFields.includes(`tag.${asField}`), asField.slice(0, 40));
      assert.ok(found.tagFields.includes(`process.tag.${asField}`), asField.slice(0, 40));
    }
    // The service filter of /api/dependencies is applied to the links read, never sent.
    const depBodies = client.requests.filter((r) => JSON.stringify(r.body).includes('epoch_millis'));
    assert.equal(depBodies.length, HOSTILE.length);
  });
});

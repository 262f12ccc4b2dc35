// `skein es init | clean | rollover` on a real Elasticsearch: templates installed once, daily indices deleted by
// their day and nothing else, rollover indices behind the write and read aliases, dry runs that change nothing,
// and the command line around it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import { main, type CommandIO } from '@skein/cli';
import { cleanIndices, initIndices, LifecycleError, rolloverIndices } from '@skein/ingester';
import { readAlias, utcDay, writeAlias, type IndexKind } from '@skein/model';
import { createElasticsearch } from '@skein/runtime';
import { testStack, uniqueName } from '../support/stack.js';

const DAY = 86_400_000;
const KINDS: IndexKind[] = ['span', 'service', 'dependencies'];

function io(): CommandIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, env: {}, out: (l) => void stdout.push(l), err: (l) => void stderr.push(l) };
}

describe('skein es: index lifecycle on Elasticsearch', () => {
  let es: Client;
  let url: string;
  const prefixes: string[] = [];
  const now = Date.now();
  const day = (daysAgo: number): string => utcDay(now - daysAgo * DAY);

  /** A fresh prefix, cleaned up after the run. */
  function newPrefix(): string {
    const prefix = `${uniqueName('eslc')}-`;
    prefixes.push(prefix);
    return prefix;
  }

  async function indicesOf(prefix: string): Promise<string[]> {
    const found = await es.indices.get({
      index: `${prefix}jaeger-*`,
      allow_no_indices: true,
      expand_wildcards: ['open', 'closed'],
    });
    return Object.keys(found).sort();
  }

  /** The indices behind an alias, each with whether it is the write index. */
  async function aliasOf(alias: string): Promise<Record<string, boolean | undefined>> {
    const found = await es.indices.getAlias({ name: alias });
    return Object.fromEntries(
      Object.entries(found).map(([index, state]) => [index, state.aliases[alias]?.is_write_index]),
    );
  }

  before(() => {
    url = testStack().elasticsearchUrl;
    es = createElasticsearch({ url });
  });
  after(async () => {
    for (const prefix of prefixes) {
      const indices = await indicesOf(prefix);
      // Wildcard deletes are refused by default (action.destructive_requires_name), so by name.
      if (indices.length > 0) await es.indices.delete({ index: indices, ignore_unavailable: true });
      for (const kind of KINDS) {
        await es.indices.deleteIndexTemplate({ name: `${prefix}jaeger-${kind}` }, { ignore: [404] });
      }
    }
    await es.close();
  });

  it('init installs the templates once; a second run does nothing; changed settings update them', async () => {
    const prefix = newPrefix();
    const options = { prefix, shards: 1, replicas: 0, useAliases: false };
    const names = KINDS.map((kind) => `${prefix}jaeger-${kind}`);

    const dry = await initIndices(es, { ...options, dryRun: true });
    assert.deepEqual(
      dry,
      names.map((name) => ({ type: 'create-template', name, dryRun: true })),
    );
    const none = await es.indices.existsIndexTemplate({ name: `${prefix}jaeger-*` });
    assert.equal(none, false, 'a dry run installed a template');

    assert.deepEqual(
      await initIndices(es, options),
      names.map((name) => ({ type: 'create-template', name, dryRun: false })),
    );
    assert.deepEqual(await initIndices(es, options), []);
    assert.deepEqual(await indicesOf(prefix), [], 'daily mode creates no index');

    assert.deepEqual(
      await initIndices(es, { ...options, shards: 2 }),
      names.map((name) => ({ type: 'update-template', name, dryRun: false })),
    );
    const { index_templates: found } = await es.indices.getIndexTemplate({ name: `${prefix}jaeger-span` });
    assert.equal(found[0]?.index_template.template?.settings?.index?.number_of_shards, '2');
    assert.equal(found[0]?.index_template.template?.aliases, undefined);
  });

  it('clean deletes the daily indices older than keepDays, of this prefix only; its dry run deletes nothing', async () => {
    const prefix = newPrefix();
    await initIndices(es, { prefix, shards: 1, replicas: 0, useAliases: false });
    const daily = [0, 1, 3, 10].flatMap((ago) => KINDS.map((kind) => `${prefix}jaeger-${kind}-${day(ago)}`));
    // Names a wildcard on this prefix matches but clean must leave: a prefix that extends this one's span base,
    // a restored copy, a rollover-style name, and an index of another prefix.
    const other = newPrefix();
    const survivors = [
      `${prefix}jaeger-span-jaeger-span-${day(10)}`,
      `${prefix}jaeger-span-${day(10)}-restored`,
      `${prefix}jaeger-span-000001`,
      `${other}jaeger-span-${day(10)}`,
    ];
    for (const index of [...daily, ...survivors]) await es.indices.create({ index });
    const expired = [3, 10]
      .flatMap((ago) => KINDS.map((kind) => `${prefix}jaeger-${kind}-${day(ago)}`))
      .sort();

    const dry = await cleanIndices(es, { prefix, keepDays: 2, useAliases: false, now, dryRun: true });
    assert.deepEqual(
      dry,
      expired.map((index) => ({ type: 'delete-index', index, dryRun: true })),
    );
    assert.deepEqual(
      await indicesOf(prefix),
      [...daily, ...survivors.slice(0, 3)].sort(),
      'the dry run deleted something',
    );

    const done = await cleanIndices(es, { prefix, keepDays: 2, useAliases: false, now });
    assert.deepEqual(
      done,
      expired.map((index) => ({ type: 'delete-index', index, dryRun: false })),
    );
    const kept = [0, 1].flatMap((ago) => KINDS.map((kind) => `${prefix}jaeger-${kind}-${day(ago)}`));
    assert.deepEqual(await indicesOf(prefix), [...kept, ...survivors.slice(0, 3)].sort());
    assert.deepEqual(await indicesOf(other), [`${other}jaeger-span-${day(10)}`]);
    assert.deepEqual(await cleanIndices(es, { prefix, keepDays: 2, useAliases: false, now }), []);

    // keepDays 0 keeps only today.
    assert.deepEqual(
      (await cleanIndices(es, { prefix, keepDays: 0, useAliases: false, now })).map((a) => a.type),
      ['delete-index', 'delete-index', 'delete-index'],
    );
    assert.deepEqual(
      await indicesOf(prefix),
      [...KINDS.map((kind) => `${prefix}jaeger-${kind}-${day(0)}`), ...survivors.slice(0, 3)].sort(),
    );
  });

  it('in rollover mode: init creates -000001 behind the aliases, rollover moves the write alias, clean spares the write index', async () => {
    const prefix = newPrefix();
    const options = { prefix, shards: 1, replicas: 0, useAliases: true };
    const base = (kind: IndexKind): string => `${prefix}jaeger-${kind}`;

    const dry = await initIndices(es, { ...options, dryRun: true });
    assert.deepEqual(
      dry.map((a) => a.type),
      [...KINDS.map(() => 'create-template'), ...KINDS.map(() => 'create-index')],
    );
    assert.deepEqual(await indicesOf(prefix), []);

    const first = await initIndices(es, options);
    assert.deepEqual(
      first.filter((a) => a.type === 'create-index'),
      KINDS.map((kind) => ({
        type: 'create-index',
        index: `${base(kind)}-000001`,
        aliases: [writeAlias(prefix, kind), readAlias(prefix, kind)],
        dryRun: false,
      })),
    );
    assert.deepEqual(await initIndices(es, options), []);
    for (const kind of KINDS) {
      assert.deepEqual(await aliasOf(writeAlias(prefix, kind)), { [`${base(kind)}-000001`]: true });
      assert.deepEqual(Object.keys(await aliasOf(readAlias(prefix, kind))), [`${base(kind)}-000001`]);
    }

    await es.index({
      index: writeAlias(prefix, 'span'),
      id: 'one',
      document: { traceID: 'abc', spanID: 'one', startTime: now * 1000 },
      refresh: true,
    });

    const wouldRoll = await rolloverIndices(es, { prefix, conditions: { maxDocs: 1 }, dryRun: true });
    assert.deepEqual(
      wouldRoll.map((a) => a.type === 'rollover' && [a.alias, a.rolledOver, a.newIndex, a.dryRun]),
      [
        [writeAlias(prefix, 'span'), true, `${base('span')}-000002`, true],
        [writeAlias(prefix, 'service'), false, `${base('service')}-000002`, true],
        [writeAlias(prefix, 'dependencies'), false, `${base('dependencies')}-000002`, true],
      ],
    );
    assert.deepEqual(await aliasOf(writeAlias(prefix, 'span')), { [`${base('span')}-000001`]: true });
    assert.ok(!(await indicesOf(prefix)).includes(`${base('span')}-000002`), 'the dry run rolled over');

    const rolled = await rolloverIndices(es, { prefix, conditions: { maxDocs: 1 } });
    assert.deepEqual(rolled[0], {
      type: 'rollover',
      alias: writeAlias(prefix, 'span'),
      oldIndex: `${base('span')}-000001`,
      newIndex: `${base('span')}-000002`,
      rolledOver: true,
      conditions: { '[max_docs: 1]': true },
      dryRun: false,
    });
    assert.deepEqual(
      rolled.slice(1).map((a) => a.type === 'rollover' && a.rolledOver),
      [false, false],
    );
    assert.deepEqual(await aliasOf(writeAlias(prefix, 'span')), {
      [`${base('span')}-000001`]: false,
      [`${base('span')}-000002`]: true,
    });
    // The template put the new index in the read alias, with the span mapping, as it was created.
    assert.deepEqual(Object.keys(await aliasOf(readAlias(prefix, 'span'))).sort(), [
      `${base('span')}-000001`,
      `${base('span')}-000002`,
    ]);
    const mapping = await es.indices.getMapping({ index: `${base('span')}-000002` });
    assert.deepEqual(mapping[`${base('span')}-000002`]?.mappings.properties?.traceID, {
      type: 'keyword',
      ignore_above: 256,
    });
    await es.index({
      index: writeAlias(prefix, 'span'),
      id: 'two',
      document: { traceID: 'abc', spanID: 'two', startTime: now * 1000 },
      refresh: true,
    });
    const read = await es.search<{ spanID: string }>({
      index: readAlias(prefix, 'span'),
      query: { term: { traceID: 'abc' } },
      sort: [{ spanID: 'asc' }],
    });
    assert.deepEqual(
      read.hits.hits.map((h) => [h._index, h._source?.spanID]),
      [
        [`${base('span')}-000001`, 'one'],
        [`${base('span')}-000002`, 'two'],
      ],
    );

    // Created today: nothing is old enough. Two days on, every index is, but the write indices stay.
    assert.deepEqual(await cleanIndices(es, { prefix, keepDays: 0, useAliases: true, now }), []);
    const later = now + 2 * DAY;
    assert.deepEqual(
      await cleanIndices(es, { prefix, keepDays: 0, useAliases: true, now: later, dryRun: true }),
      [{ type: 'delete-index', index: `${base('span')}-000001`, dryRun: true }],
    );
    assert.equal((await indicesOf(prefix)).length, 4);
    assert.deepEqual(await cleanIndices(es, { prefix, keepDays: 0, useAliases: true, now: later }), [
      { type: 'delete-index', index: `${base('span')}-000001`, dryRun: false },
    ]);
    assert.deepEqual(await indicesOf(prefix), [
      `${base('dependencies')}-000001`,
      `${base('service')}-000001`,
      `${base('span')}-000002`,
    ]);
    assert.deepEqual(await aliasOf(writeAlias(prefix, 'span')), { [`${base('span')}-000002`]: true });
  });

  it('rollover without the write aliases fails before changing anything, saying to run init', async () => {
    const prefix = newPrefix();
    await assert.rejects(
      rolloverIndices(es, { prefix, conditions: {} }),
      (err: unknown) =>
        err instanceof LifecycleError &&
        err.code === 'ES_WRITE_ALIAS_MISSING' &&
        err.message.includes('skein es init --es.use-aliases'),
    );
  });

  it('skein es init, clean --dry-run and rollover from the command line', async () => {
    const prefix = newPrefix();
    const common = ['--es.url', url, '--es.index-prefix', prefix];

    const init = io();
    assert.equal(await main(['es', 'init', ...common, '--es.shards', '1', '--es.replicas', '0'], init), 0);
    assert.deepEqual(
      init.stdout,
      KINDS.map((kind) => `created template ${prefix}jaeger-${kind}`),
    );
    const again = io();
    assert.equal(await main(['es', 'init', ...common, '--es.shards', '1', '--es.replicas', '0'], again), 0);
    assert.deepEqual(again.stdout, ['nothing to do: the templates and aliases are in place']);

    const old = `${prefix}jaeger-span-${day(5)}`;
    await es.indices.create({ index: old });
    await es.indices.create({ index: `${prefix}jaeger-span-${day(0)}` });
    const clean = io();
    assert.equal(await main(['es', 'clean', ...common, '--keep-days', '1', '--dry-run'], clean), 0);
    assert.deepEqual(clean.stdout, [`would delete ${old}`]);
    assert.ok((await indicesOf(prefix)).includes(old), 'the dry run deleted the index');

    const missing = io();
    assert.equal(await main(['es', 'clean', ...common], missing), 2);
    assert.match(missing.stderr[0] ?? '', /^skein es: invalid configuration: keep-days: is required/);

    const aliases = io();
    assert.equal(await main(['es', 'init', ...common, '--es.use-aliases', '--es.replicas', '0'], aliases), 0);
    // The templates change (shards back to 3, the read alias), and each kind gets its first index.
    assert.deepEqual(aliases.stdout, [
      ...KINDS.map((kind) => `updated template ${prefix}jaeger-${kind}`),
      ...KINDS.map(
        (kind) =>
          `created index ${prefix}jaeger-${kind}-000001 with aliases ${prefix}jaeger-${kind}-write, ${prefix}jaeger-${kind}-read`,
      ),
    ]);
    const rollover = io();
    assert.equal(await main(['es', 'rollover', ...common, '--max-docs', '1000', '--dry-run'], rollover), 0);
    assert.deepEqual(
      rollover.stdout,
      KINDS.map(
        (kind) =>
          `would not roll over ${prefix}jaeger-${kind}-write (still ${prefix}jaeger-${kind}-000001): [max_docs: 1000]: not met`,
      ),
    );
    const unconditional = io();
    assert.equal(await main(['es', 'rollover', ...common], unconditional), 0);
    assert.deepEqual(
      unconditional.stdout,
      KINDS.map(
        (kind) =>
          `rolled over ${prefix}jaeger-${kind}-write from ${prefix}jaeger-${kind}-000001 to ${prefix}jaeger-${kind}-000002`,
      ),
    );
  });

  it('skein es exits 1 with the reason when Elasticsearch refuses, or the indices are in the way', async () => {
    const prefix = newPrefix();
    const common = ['--es.url', url, '--es.index-prefix', prefix, '--es.use-aliases', '--es.replicas', '0'];
    // Written to before init made the alias: an index where the write alias should be.
    await es.indices.create({ index: `${prefix}jaeger-span-write` });
    const inTheWay = io();
    assert.equal(await main(['es', 'init', ...common], inTheWay), 1);
    assert.match(
      inTheWay.stderr[0] ?? '',
      new RegExp(`^skein es: ES_WRITE_ALIAS_IS_INDEX: ${prefix}jaeger-span-write is an index, not an alias`),
    );
    assert.deepEqual(
      inTheWay.stdout,
      KINDS.map((kind) => `created template ${prefix}jaeger-${kind}`),
    );
    await es.indices.delete({ index: `${prefix}jaeger-span-write` });

    await es.indices.create({ index: `${prefix}jaeger-service-000001` });
    const refused = io();
    assert.equal(await main(['es', 'init', ...common], refused), 1);
    // What was done before the failure is printed too: a second run goes on from there.
    assert.deepEqual(refused.stdout, [
      `created index ${prefix}jaeger-span-000001 with aliases ${prefix}jaeger-span-write, ${prefix}jaeger-span-read`,
    ]);
    assert.match(
      refused.stderr[0] ?? '',
      new RegExp(
        `^skein es: ES_REQUEST_FAILED: creating index ${prefix}jaeger-service-000001 failed: ` +
          `resource_already_exists_exception: index \\[${prefix}jaeger-service-000001/[\\w-]+\\] already exists \\(HTTP 400\\)$`,
      ),
    );
  });
});

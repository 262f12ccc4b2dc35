import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cleanCutoff,
  describeAction,
  expiredDailyIndices,
  expiredRolloverIndices,
} from '../src/index/lifecycle.js';
import { spanTemplate } from '../src/index/templates.js';

const NOW = Date.UTC(2026, 10, 15, 13, 45); // 2026-11-15 13:45 UTC

describe('cleanCutoff', () => {
  it('is the UTC midnight keepDays before today', () => {
    assert.equal(cleanCutoff(NOW, 0), Date.UTC(2026, 10, 15));
    assert.equal(cleanCutoff(NOW, 1), Date.UTC(2026, 10, 14));
    assert.equal(cleanCutoff(NOW, 30), Date.UTC(2026, 9, 16));
    assert.equal(cleanCutoff(Date.UTC(2026, 10, 15), 0), Date.UTC(2026, 10, 15));
    assert.equal(cleanCutoff(Date.UTC(2026, 10, 15) - 1, 0), Date.UTC(2026, 10, 14));
  });

  it('refuses a negative or fractional keepDays', () => {
    assert.throws(() => cleanCutoff(NOW, -1), RangeError);
    assert.throws(() => cleanCutoff(NOW, 1.5), RangeError);
  });
});

describe('expiredDailyIndices', () => {
  const cutoff = cleanCutoff(NOW, 2); // keeps 11-13, 11-14, 11-15

  it('selects the three kinds older than the cutoff, sorted, and keeps the rest', () => {
    const names = [
      'jaeger-span-2026-11-15',
      'jaeger-span-2026-11-13',
      'jaeger-span-2026-11-12',
      'jaeger-service-2026-11-12',
      'jaeger-dependencies-2026-11-01',
      'jaeger-dependencies-2026-11-16', // a future day is kept
      'jaeger-span-2025-12-31',
    ];
    assert.deepEqual(expiredDailyIndices(names, '', cutoff), [
      'jaeger-dependencies-2026-11-01',
      'jaeger-service-2026-11-12',
      'jaeger-span-2025-12-31',
      'jaeger-span-2026-11-12',
    ]);
  });

  it('keepDays 0 keeps only today', () => {
    const names = ['jaeger-span-2026-11-14', 'jaeger-span-2026-11-15'];
    assert.deepEqual(expiredDailyIndices(names, '', cleanCutoff(NOW, 0)), ['jaeger-span-2026-11-14']);
  });

  it('with the empty prefix, never selects another prefix that ends in jaeger-', () => {
    const names = [
      'v2-jaeger-span-2020-01-01',
      'prod-jaeger-service-2020-01-01',
      'xjaeger-span-2020-01-01',
      'jaeger-span-2020-01-01',
    ];
    assert.deepEqual(expiredDailyIndices(names, '', cutoff), ['jaeger-span-2020-01-01']);
  });

  it('with a prefix, selects only that prefix, not one it is a prefix or a suffix of', () => {
    const names = [
      'v2-jaeger-span-2020-01-01',
      'v2-v2-jaeger-span-2020-01-01',
      'v2-jaeger-span-v2-jaeger-span-2020-01-01',
      'jaeger-span-2020-01-01',
      'v2jaeger-span-2020-01-01',
    ];
    assert.deepEqual(expiredDailyIndices(names, 'v2-', cutoff), ['v2-jaeger-span-2020-01-01']);
    assert.deepEqual(expiredDailyIndices(names, 'v2', cutoff), ['v2jaeger-span-2020-01-01']);
  });

  it('takes the prefix literally: a dot is a dot', () => {
    const names = ['a.b-jaeger-span-2020-01-01', 'axb-jaeger-span-2020-01-01'];
    assert.deepEqual(expiredDailyIndices(names, 'a.b-', cutoff), ['a.b-jaeger-span-2020-01-01']);
  });

  it('with a prefix that is itself an index base name, selects only its own indices', () => {
    const names = ['jaeger-span-jaeger-span-2020-01-01', 'jaeger-span-2020-01-01'];
    assert.deepEqual(expiredDailyIndices(names, 'jaeger-span-', cutoff), [
      'jaeger-span-jaeger-span-2020-01-01',
    ]);
    assert.deepEqual(expiredDailyIndices(names, '', cutoff), ['jaeger-span-2020-01-01']);
  });

  it('requires exactly a real calendar day after the kind', () => {
    const names = [
      'jaeger-span-2020-02-30', // no such day
      'jaeger-span-2020-13-01',
      'jaeger-span-2020-00-10',
      'jaeger-span-2020-1-01',
      'jaeger-span-20200101',
      'jaeger-span-2020-01-01-restored',
      'jaeger-span-2020-01-01x',
      'jaeger-span-x2020-01-01',
      'jaeger-span-000001',
      'jaeger-span-read',
      'jaeger-span-write',
      'jaeger-spans-2020-01-01',
      'jaeger-span--2020-01-01',
      'jaeger-span-2020-02-29', // a real leap day
      'jaeger-span-0099-12-31', // a two-digit year is not 1999
    ];
    assert.deepEqual(expiredDailyIndices(names, '', cutoff), [
      'jaeger-span-0099-12-31',
      'jaeger-span-2020-02-29',
    ]);
  });
});

describe('expiredRolloverIndices', () => {
  const cutoff = cleanCutoff(NOW, 1); // 2026-11-14 00:00
  const old = Date.UTC(2026, 10, 13, 23, 59);
  const recent = Date.UTC(2026, 10, 14, 0, 0);

  it('selects rollover indices created before the cutoff, never a write index', () => {
    const indices = [
      { name: 'p-jaeger-span-000001', createdMs: old - 1000, writeIndex: false },
      { name: 'p-jaeger-span-000002', createdMs: old, writeIndex: false },
      { name: 'p-jaeger-span-000003', createdMs: recent, writeIndex: false },
      { name: 'p-jaeger-service-000001', createdMs: old, writeIndex: true },
      { name: 'p-jaeger-dependencies-1000000', createdMs: old, writeIndex: false },
    ];
    assert.deepEqual(expiredRolloverIndices(indices, 'p-', cutoff), [
      'p-jaeger-dependencies-1000000',
      'p-jaeger-span-000001',
      'p-jaeger-span-000002',
    ]);
  });

  it('leaves daily indices, other names, other prefixes and unknown creation times alone', () => {
    const indices = [
      { name: 'p-jaeger-span-2020-01-01', createdMs: old, writeIndex: false },
      { name: 'p-jaeger-span-00001', createdMs: old, writeIndex: false },
      { name: 'p-jaeger-span-000001-old', createdMs: old, writeIndex: false },
      { name: 'p-jaeger-span-write', createdMs: old, writeIndex: false },
      { name: 'q-p-jaeger-span-000001', createdMs: old, writeIndex: false },
      { name: 'jaeger-span-000001', createdMs: old, writeIndex: false },
      { name: 'p-jaeger-span-000009', createdMs: Number.NaN, writeIndex: false },
    ];
    assert.deepEqual(expiredRolloverIndices(indices, 'p-', cutoff), []);
    assert.deepEqual(expiredRolloverIndices(indices, '', cutoff), ['jaeger-span-000001']);
  });
});

describe('describeAction', () => {
  it('says what was done, or what would be done in a dry run', () => {
    assert.equal(
      describeAction({ type: 'create-template', name: 'v2-jaeger-span', dryRun: false }),
      'created template v2-jaeger-span',
    );
    assert.equal(
      describeAction({ type: 'update-template', name: 'jaeger-span', dryRun: true }),
      'would update template jaeger-span',
    );
    assert.equal(
      describeAction({ type: 'delete-index', index: 'jaeger-span-2026-11-01', dryRun: true }),
      'would delete jaeger-span-2026-11-01',
    );
    assert.equal(
      describeAction({
        type: 'create-index',
        index: 'jaeger-span-000001',
        aliases: ['jaeger-span-write', 'jaeger-span-read'],
        dryRun: false,
      }),
      'created index jaeger-span-000001 with aliases jaeger-span-write, jaeger-span-read',
    );
    const rollover = {
      type: 'rollover',
      alias: 'jaeger-span-write',
      oldIndex: 'jaeger-span-000001',
      newIndex: 'jaeger-span-000002',
      conditions: { '[max_docs: 5]': false },
    } as const;
    assert.equal(
      describeAction({ ...rollover, rolledOver: true, conditions: {}, dryRun: false }),
      'rolled over jaeger-span-write from jaeger-span-000001 to jaeger-span-000002',
    );
    assert.equal(
      describeAction({ ...rollover, rolledOver: false, dryRun: true }),
      'would not roll over jaeger-span-write (still jaeger-span-000001): [max_docs: 5]: not met',
    );
  });
});

describe('index templates in rollover mode', () => {
  it('make every new index of the kind join its read alias', () => {
    const options = { prefix: 'v2-', shards: 1, replicas: 0 };
    assert.equal(spanTemplate(options).template.aliases, undefined);
    assert.deepEqual(spanTemplate({ ...options, useAliases: true }).template.aliases, {
      'v2-jaeger-span-read': {},
    });
  });
});

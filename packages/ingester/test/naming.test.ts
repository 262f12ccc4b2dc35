import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  dependenciesIndex,
  indexBaseName,
  indicesForRange,
  jaegerIndexPrefix,
  serviceIndex,
  spanIndex,
  utcDay,
} from '../src/index/naming.js';

// 2024-03-10T23:59:59.999999Z and the microsecond after it.
const LAST_MICRO_OF_MAR_10 = Date.UTC(2024, 2, 10, 23, 59, 59, 999) * 1000 + 999;
const MIDNIGHT_MAR_11_MS = Date.UTC(2024, 2, 11);

describe('daily index names', () => {
  it('names the span and service index of the UTC day a span starts in', () => {
    assert.equal(spanIndex('', LAST_MICRO_OF_MAR_10), 'jaeger-span-2024-03-10');
    assert.equal(spanIndex('', LAST_MICRO_OF_MAR_10 + 1), 'jaeger-span-2024-03-11');
    assert.equal(serviceIndex('', LAST_MICRO_OF_MAR_10), 'jaeger-service-2024-03-10');
    assert.equal(serviceIndex('', LAST_MICRO_OF_MAR_10 + 1), 'jaeger-service-2024-03-11');
  });

  it('uses the prefix verbatim', () => {
    assert.equal(spanIndex('v2-', 1_700_000_000_000_000), 'v2-jaeger-span-2023-11-14');
    assert.equal(serviceIndex('prod.', 1_700_000_000_000_000), 'prod.jaeger-service-2023-11-14');
    assert.equal(
      dependenciesIndex('tenant_a-', 1_700_000_000_000),
      'tenant_a-jaeger-dependencies-2023-11-14',
    );
    assert.equal(indexBaseName('v2-', 'span'), 'v2-jaeger-span');
  });

  it('takes milliseconds for the dependencies index', () => {
    assert.equal(dependenciesIndex('', MIDNIGHT_MAR_11_MS - 1), 'jaeger-dependencies-2024-03-10');
    assert.equal(dependenciesIndex('', MIDNIGHT_MAR_11_MS), 'jaeger-dependencies-2024-03-11');
  });

  it('handles the epoch, times before it, and a leap day', () => {
    assert.equal(spanIndex('', 0), 'jaeger-span-1970-01-01');
    assert.equal(spanIndex('', -1), 'jaeger-span-1969-12-31');
    assert.equal(utcDay(Date.UTC(2024, 1, 29, 12)), '2024-02-29');
  });

  it('rejects timestamps that have no four-digit UTC year', () => {
    assert.throws(() => utcDay(Number.NaN), RangeError);
    assert.throws(() => utcDay(Date.UTC(10000, 0, 1)), RangeError);
    assert.throws(() => spanIndex('', Number.POSITIVE_INFINITY), RangeError);
  });

  it('turns a Jaeger --es.index-prefix into the verbatim form', () => {
    assert.equal(jaegerIndexPrefix(''), '');
    assert.equal(jaegerIndexPrefix('prod'), 'prod-');
    assert.equal(jaegerIndexPrefix('prod-'), 'prod-');
  });
});

describe('indicesForRange', () => {
  it('lists every UTC day the range touches, oldest first, both ends included', () => {
    assert.deepEqual(indicesForRange('v2-', 'span', Date.UTC(2024, 1, 27, 22), Date.UTC(2024, 2, 1, 1)), [
      'v2-jaeger-span-2024-02-27',
      'v2-jaeger-span-2024-02-28',
      'v2-jaeger-span-2024-02-29',
      'v2-jaeger-span-2024-03-01',
    ]);
  });

  it('gives one index for a range within a day, and for a single instant', () => {
    assert.deepEqual(indicesForRange('', 'service', Date.UTC(2024, 2, 10, 1), Date.UTC(2024, 2, 10, 23)), [
      'jaeger-service-2024-03-10',
    ]);
    assert.deepEqual(indicesForRange('', 'dependencies', MIDNIGHT_MAR_11_MS, MIDNIGHT_MAR_11_MS), [
      'jaeger-dependencies-2024-03-11',
    ]);
  });

  it('includes the day of an end exactly at midnight', () => {
    assert.deepEqual(indicesForRange('', 'span', MIDNIGHT_MAR_11_MS - 1, MIDNIGHT_MAR_11_MS), [
      'jaeger-span-2024-03-10',
      'jaeger-span-2024-03-11',
    ]);
  });

  it('gives nothing for an inverted range', () => {
    assert.deepEqual(indicesForRange('', 'span', MIDNIGHT_MAR_11_MS, MIDNIGHT_MAR_11_MS - 1), []);
  });

  it('rejects a range that ends outside four-digit years', () => {
    assert.throws(() => indicesForRange('', 'span', 0, Date.UTC(10000, 0, 1)), RangeError);
  });
});

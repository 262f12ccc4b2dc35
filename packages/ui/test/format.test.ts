import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatClock, formatDateTime, formatDuration, shortId, timeAgo } from '../src/lib/format.js';

describe('formatDuration', () => {
  it('picks the unit by size and trims trailing zeros', () => {
    assert.equal(formatDuration(0), '0');
    assert.equal(formatDuration(1), '1µs');
    assert.equal(formatDuration(450.25), '450.25µs');
    assert.equal(formatDuration(1_000), '1ms');
    assert.equal(formatDuration(1_234), '1.23ms');
    assert.equal(formatDuration(999_990), '999.99ms');
    assert.equal(formatDuration(2_500_000), '2.5s');
    assert.equal(formatDuration(63_250_000), '1m 3.3s');
    assert.equal(formatDuration(7_500_000_000), '2h 5m');
    assert.equal(formatDuration(-1_500), '-1.5ms');
    assert.equal(formatDuration(Number.NaN), '–');
  });
});

describe('dates and times', () => {
  const us = new Date(2025, 2, 4, 13, 5, 9, 123).getTime() * 1_000;

  it('formats local date and time to the millisecond', () => {
    assert.equal(formatDateTime(us), '2025-03-04 13:05:09.123');
    assert.equal(formatClock(us), '13:05:09');
  });

  it('says how long ago', () => {
    const now = us / 1_000;
    assert.equal(timeAgo(us, now + 10_000), 'just now');
    assert.equal(timeAgo(us, now + 60_000), '1 minute ago');
    assert.equal(timeAgo(us, now + 5 * 60_000 + 10_000), '5 minutes ago');
    assert.equal(timeAgo(us, now + 3 * 3_600_000 + 5), '3 hours ago');
    assert.equal(timeAgo(us, now + 2 * 86_400_000 + 5), '2 days ago');
    assert.equal(timeAgo(us, now - 60_000), 'in the future');
  });

  it('shortens IDs', () => {
    assert.equal(shortId('0af7651916cd43dd8448eb211c80319c'), '0af76519');
    assert.equal(shortId('abc'), 'abc');
  });
});

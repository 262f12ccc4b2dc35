import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCheckpoint, remaining, writeCheckpoint, type Checkpoint } from '../src/replay/checkpoint.js';
import { parsePosition, planRanges } from '../src/replay/position.js';
import { progressJson, progressLines, type ReplayProgress } from '../src/replay/progress.js';

describe('replay positions', () => {
  it('reads times, offsets, earliest and now', () => {
    assert.deepEqual(parsePosition('2026-11-24T00:00:00Z', 'from'), {
      kind: 'time',
      ms: Date.UTC(2026, 10, 24),
    });
    assert.deepEqual(parsePosition('2026-11-24', 'from'), { kind: 'time', ms: Date.UTC(2026, 10, 24) });
    assert.deepEqual(parsePosition(' 1234 ', 'to'), { kind: 'offset', offset: 1234n });
    assert.deepEqual(parsePosition('earliest', 'from'), { kind: 'earliest' });
    assert.deepEqual(parsePosition('now', 'to'), { kind: 'now' });
    for (const bad of ['yesterday', '-1', '2026-13-45T00:00:00Z', '']) {
      assert.throws(() => parsePosition(bad, 'from'), { code: 'REPLAY_BAD_POSITION' }, bad);
    }
  });

  it('plans each partition within its offsets; an inverted or empty range replays nothing', () => {
    const partitions = [
      { partition: 0, low: 0n, high: 100n, atFrom: 40n, atTo: 90n },
      { partition: 1, low: 10n, high: 50n, atFrom: 50n, atTo: 50n },
      { partition: 2, low: 0n, high: 0n, atFrom: 0n, atTo: 0n },
    ];
    assert.deepEqual(planRanges({ kind: 'time', ms: 1 }, { kind: 'time', ms: 2 }, partitions), [
      { partition: 0, start: 40n, end: 90n },
      { partition: 1, start: 50n, end: 50n },
      { partition: 2, start: 0n, end: 0n },
    ]);
    assert.deepEqual(planRanges({ kind: 'offset', offset: 5n }, { kind: 'now' }, partitions), [
      { partition: 0, start: 5n, end: 100n },
      { partition: 1, start: 10n, end: 50n },
      { partition: 2, start: 0n, end: 0n },
    ]);
    assert.deepEqual(
      planRanges({ kind: 'earliest' }, { kind: 'offset', offset: 3n }, partitions.slice(0, 2)),
      [
        { partition: 0, start: 0n, end: 3n },
        { partition: 1, start: 10n, end: 10n },
      ],
    );
  });
});

describe('replay checkpoint', () => {
  it('round-trips and says what is left', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'skein-ckpt-')), 'sub', 'c.json');
    const checkpoint: Checkpoint = {
      version: 1,
      topic: 't',
      indexPrefix: 'v2-',
      from: 'earliest',
      to: 'now',
      partitions: [{ partition: 3, start: '10', end: '20', next: '15' }],
      complete: false,
      updatedAt: '2026-11-25T00:00:00.000Z',
    };
    assert.equal(readCheckpoint(file), undefined);
    writeCheckpoint(file, checkpoint);
    assert.deepEqual(readCheckpoint(file), checkpoint);
    assert.deepEqual(remaining(checkpoint), [{ partition: 3, start: 10n, end: 20n, next: 15n }]);
  });

  it('refuses a file that is not a checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skein-ckpt-'));
    writeFileSync(join(dir, 'a'), '{not json');
    writeFileSync(join(dir, 'b'), '{"hello":1}');
    assert.throws(() => readCheckpoint(join(dir, 'a')), /is not JSON .*delete it to start over/);
    assert.throws(() => readCheckpoint(join(dir, 'b')), /is not a skein replay checkpoint/);
  });
});

describe('replay progress', () => {
  const progress: ReplayProgress = {
    partitions: [
      { partition: 0, done: 50, total: 100 },
      { partition: 1, done: 100, total: 100 },
    ],
    messagesDone: 150,
    messagesTotal: 200,
    spans: 1500,
    spansPerSecond: 750.4,
    elapsedSeconds: 2,
    etaSeconds: 65,
    complete: false,
  };

  it('draws a bar per partition for a terminal', () => {
    assert.deepEqual(progressLines(progress, 10), [
      'replay ████████░░  75.0%  150/200 messages  1500 spans  750 spans/s  ETA 01:05',
      '  p0   █████░░░░░ 50/100',
      '  p1   ██████████ 100/100',
    ]);
  });

  it('prints one JSON line otherwise', () => {
    assert.deepEqual(JSON.parse(progressJson(progress)), {
      event: 'replay_progress',
      messagesDone: 150,
      messagesTotal: 200,
      spans: 1500,
      spansPerSecond: 750,
      elapsedSeconds: 2,
      etaSeconds: 65,
      partitions: progress.partitions,
    });
  });
});

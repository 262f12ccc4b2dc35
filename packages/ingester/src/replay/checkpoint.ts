// A replay's progress on disk: written atomically (temporary file, then rename), so a crash leaves the last one whole.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SkeinError } from '@skein/runtime';
import type { PartitionRange } from './position.js';

export interface Checkpoint {
  version: 1;
  /** What identifies the replay: a checkpoint is only resumed by the same one. */
  topic: string;
  indexPrefix: string;
  from: string;
  to: string;
  /** Per partition: the planned range and the offset after the last message written with all before it. */
  partitions: Array<{ partition: number; start: string; end: string; next: string }>;
  complete: boolean;
  updatedAt: string;
}

/** Reads a checkpoint; undefined when the file does not exist. */
export function readCheckpoint(file: string): Checkpoint | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SkeinError('REPLAY_CHECKPOINT', `cannot read checkpoint ${file}: ${(err as Error).message}`);
  }
  let value: Checkpoint;
  try {
    value = JSON.parse(text) as Checkpoint;
  } catch (err) {
    throw new SkeinError(
      'REPLAY_CHECKPOINT',
      `checkpoint ${file} is not JSON (${(err as Error).message}); delete it to start over`,
    );
  }
  if (value.version !== 1 || !Array.isArray(value.partitions)) {
    throw new SkeinError(
      'REPLAY_CHECKPOINT',
      `checkpoint ${file} is not a skein replay checkpoint; delete it to start over`,
    );
  }
  return value;
}

export function writeCheckpoint(file: string, checkpoint: Checkpoint): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checkpoint, null, 2)}\n`);
  renameSync(tmp, file);
}

/** The ranges a checkpoint says are left: each partition from its `next` to its `end`. */
export function remaining(checkpoint: Checkpoint): Array<PartitionRange & { next: bigint }> {
  return checkpoint.partitions.map((p) => ({
    partition: p.partition,
    start: BigInt(p.start),
    end: BigInt(p.end),
    next: BigInt(p.next),
  }));
}

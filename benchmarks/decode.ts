// Decode throughput of skein's thrift codec against the Apache `thrift` package on the same batches, in one run.
// Usage: npm run bench:decode   (prints a JSON line, then a markdown table)
import { decodeBatch, encodeBatch, splitBatchByTrace, type Batch } from '@skein/model';
import { Gen, realisticBatch, rng } from '../packages/model/test/support/random.js';
import { referenceDecodeRaw } from '../packages/model/test/support/thrift-reference.js';
import { measure, median, report } from './support/measure.js';

const quick = process.argv.includes('--quick');
const g = new Gen(rng(42));
const rows: Array<Record<string, string | number>> = [];

/**
 * Rates of `a` and `b` (each doing `ops` units per call) in alternating rounds, so that a burst of load from
 * something else on the machine hits both sides of the ratio alike; medians of the rounds.
 */
function compare(
  a: () => void,
  b: () => void,
  ops: number,
  options: { rounds: number; minMs: number; warmupMs: number },
): { a: number; b: number } {
  measure(a, ops, { rounds: 1, minMs: options.warmupMs, warmupMs: 0 });
  measure(b, ops, { rounds: 1, minMs: options.warmupMs, warmupMs: 0 });
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < options.rounds; r++) {
    ra.push(measure(a, ops, { rounds: 1, minMs: options.minMs, warmupMs: 0 }).median);
    rb.push(measure(b, ops, { rounds: 1, minMs: options.minMs, warmupMs: 0 }).median);
  }
  return { a: median(ra), b: median(rb) };
}

for (const protocol of ['compact', 'binary'] as const) {
  for (const spansPerBatch of [10, 50, 100]) {
    const batches: Batch[] = Array.from({ length: 20 }, () => realisticBatch(g, spansPerBatch));
    const encoded = batches.map((b) => encodeBatch(b, protocol));
    const spans = batches.length * spansPerBatch;
    const bytes = encoded.reduce((n, b) => n + b.length, 0);
    const opts = quick ? { rounds: 3, minMs: 150, warmupMs: 100 } : { rounds: 7, minMs: 400, warmupMs: 300 };

    const decode = compare(
      () => {
        for (const buf of encoded) decodeBatch(buf, protocol);
      },
      () => {
        for (const buf of encoded) referenceDecodeRaw(buf, protocol);
      },
      spans,
      opts,
    );
    const split = measure(
      () => {
        for (const buf of encoded) splitBatchByTrace(buf, protocol);
      },
      spans,
      opts,
    );
    const encode = measure(
      () => {
        for (const b of batches) encodeBatch(b, protocol);
      },
      spans,
      opts,
    );

    rows.push({
      protocol,
      'spans/batch': spansPerBatch,
      'bytes/span': Math.round(bytes / spans),
      'skein decode spans/s': Math.round(decode.a),
      'thrift pkg decode spans/s': Math.round(decode.b),
      'decode ratio': decode.a / decode.b,
      'skein split spans/s': Math.round(split.median),
      'skein encode spans/s': Math.round(encode.median),
    });
  }
}

report('decode', {
  unit: 'spans per second, one core, median of rounds (skein and thrift package decode rounds alternate)',
  rows,
});

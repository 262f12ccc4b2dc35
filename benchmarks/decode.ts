// Decode throughput of skein's thrift codec against the Apache `thrift` package on the same batches, in one run.
// Usage: npm run bench:decode   (prints a JSON line, then a markdown table)
import { decodeBatch, encodeBatch, splitBatchByTrace, type Batch } from '@skein/model';
import { Gen, realisticBatch, rng } from '../packages/model/test/support/random.js';
import { referenceDecodeRaw } from '../packages/model/test/support/thrift-reference.js';
import { measure, report } from './support/measure.js';

const quick = process.argv.includes('--quick');
const g = new Gen(rng(42));
const rows: Array<Record<string, string | number>> = [];

for (const protocol of ['compact', 'binary'] as const) {
  for (const spansPerBatch of [10, 50, 100]) {
    const batches: Batch[] = Array.from({ length: 20 }, () => realisticBatch(g, spansPerBatch));
    const encoded = batches.map((b) => encodeBatch(b, protocol));
    const spans = batches.length * spansPerBatch;
    const bytes = encoded.reduce((n, b) => n + b.length, 0);
    const opts = quick ? { rounds: 3, minMs: 150, warmupMs: 100 } : {};

    const ours = measure(
      () => {
        for (const buf of encoded) decodeBatch(buf, protocol);
      },
      spans,
      opts,
    );
    const reference = measure(
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
      'skein decode spans/s': Math.round(ours.median),
      'thrift pkg decode spans/s': Math.round(reference.median),
      'decode ratio': ours.median / reference.median,
      'skein split spans/s': Math.round(split.median),
      'skein encode spans/s': Math.round(encode.median),
    });
  }
}

report('decode', { unit: 'spans per second, one core, median of rounds', rows });

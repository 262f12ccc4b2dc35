import { decodeBatch, encodeBatch } from './src/index.js';
import { Gen, realisticBatch, rng } from './test/support/random.js';
const g = new Gen(rng(42));
const enc = Array.from({ length: 20 }, () => encodeBatch(realisticBatch(g, 50), 'binary'));
const t = performance.now();
let n = 0;
while (performance.now() - t < 4000) {
  for (const b of enc) decodeBatch(b, 'binary');
  n += 1000;
}
console.log((n / (performance.now() - t)) * 1000);

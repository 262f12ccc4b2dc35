// Shared benchmark helpers: repeated timed rounds, medians, and output as JSON (machines) plus a table (people).
import { cpus } from 'node:os';

export interface Round {
  opsPerSecond: number;
}

/** Runs `body` (which does `ops` units of work) for `rounds` rounds of at least `minMs` each; returns the median rate. */
export function measure(
  body: () => void,
  ops: number,
  options: { rounds?: number; minMs?: number; warmupMs?: number } = {},
): {
  median: number;
  rounds: number[];
} {
  const rounds = options.rounds ?? 7;
  const minMs = options.minMs ?? 400;
  const warmUntil = performance.now() + (options.warmupMs ?? 300);
  while (performance.now() < warmUntil) body();
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    let done = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < minMs) {
      body();
      done += ops;
      elapsed = performance.now() - start;
    }
    rates.push((done / elapsed) * 1000);
  }
  return { median: median(rates), rounds: rates };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function machine(): { cpu: string; cores: number; node: string; date: string } {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    date: new Date().toISOString(),
  };
}

/** Prints the result as one JSON line on stdout, then a markdown table on stderr-free stdout. */
export function report(
  name: string,
  result: { rows: Array<Record<string, string | number>>; [k: string]: unknown },
): void {
  process.stdout.write(`${JSON.stringify({ benchmark: name, machine: machine(), ...result })}\n\n`);
  const rows = result.rows;
  if (rows.length === 0) return;
  const headers = Object.keys(rows[0] as object);
  const fmt = (v: string | number | undefined): string =>
    typeof v === 'number'
      ? Number.isInteger(v)
        ? v.toLocaleString('en-US')
        : v.toFixed(2)
      : String(v ?? '');
  const lines = [
    `| ${headers.join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${headers.map((h) => fmt(row[h])).join(' | ')} |`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

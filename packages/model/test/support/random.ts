// Seeded random spans and batches for property, differential and fuzz tests (and the decode benchmark).
import type { Batch, KeyValue, Log, Process, Span, SpanRef } from '../../src/types.js';

/** mulberry32: small, fast, reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Gen {
  constructor(readonly next: () => number) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)] as T;
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  hex(chars: number): string {
    let s = '';
    for (let i = 0; i < chars; i++) s += '0123456789abcdef'[this.int(0, 15)];
    return s;
  }
  id64(): string {
    // Mostly random, sometimes with leading zeros or all bits set, to exercise sign and padding.
    return this.pick([
      () => this.hex(16),
      () => `00000000${this.hex(8)}`,
      () => 'ffffffffffffffff',
      () => `8${this.hex(15)}`,
    ])();
  }
  traceId(): string {
    return this.bool(0.3) ? `0000000000000000${this.id64()}` : this.id64() + this.id64();
  }
  string(max = 24): string {
    const alphabets = [
      'abcdefghijklmnopqrstuvwxyz._-/ ',
      'ABCxyz019',
      'äöü€',
      '日本語',
      '😀🚀',
      '\u0000\n"\\',
    ];
    const n = this.int(0, max);
    let s = '';
    for (let i = 0; i < n; i++) {
      const alphabet = [...this.pick(alphabets)];
      s += alphabet[this.int(0, alphabet.length - 1)];
    }
    return s;
  }
  int64(): bigint {
    return this.pick([
      () => BigInt(this.int(-1000, 1000)),
      () => BigInt(this.int(0, 2 ** 31)) * BigInt(this.int(0, 2 ** 31)),
      () => 9007199254740993n,
      () => -9223372036854775808n,
      () => 9223372036854775807n,
      () => BigInt.asIntN(64, BigInt(`0x${this.hex(16)}`)),
    ])();
  }
  double(): number {
    return this.pick([
      () => this.next() * 1e6,
      () => -this.next(),
      () => 0,
      () => NaN,
      () => Infinity,
      () => 1.7976931348623157e308,
      () => 5e-324,
    ])();
  }
  keyValue(): KeyValue {
    const key = this.pick([
      'http.method',
      'http.status_code',
      'error',
      'component',
      'db.statement',
      'peer.service',
      this.string(12),
    ]);
    switch (this.int(0, 4)) {
      case 0:
        return { key, type: 'string', value: this.string(40) };
      case 1:
        return { key, type: 'bool', value: this.bool() };
      case 2:
        return { key, type: 'int64', value: this.int64() };
      case 3:
        return { key, type: 'float64', value: this.double() };
      default:
        return {
          key,
          type: 'binary',
          value: Uint8Array.from({ length: this.int(0, 12) }, () => this.int(0, 255)),
        };
    }
  }
  tags(max: number): KeyValue[] {
    return Array.from({ length: this.int(0, max) }, () => this.keyValue());
  }
  time(): number {
    return this.pick([
      () => 1_700_000_000_000_000 + this.int(0, 1e9),
      () => 0,
      () => Number.MAX_SAFE_INTEGER,
      () => -this.int(1, 1e6),
    ])();
  }
  process(): Process {
    return { serviceName: this.pick(['frontend', 'checkout', 'db', this.string(16)]), tags: this.tags(4) };
  }
  span(process: Process, traceId = this.traceId()): Span {
    const refs: SpanRef[] = Array.from({ length: this.int(0, 2) }, () => ({
      refType: this.pick(['CHILD_OF', 'FOLLOWS_FROM'] as const),
      traceId: this.bool(0.8) ? traceId : this.traceId(),
      spanId: this.id64(),
    }));
    const logs: Log[] = Array.from({ length: this.int(0, 3) }, () => ({
      timestamp: this.time(),
      fields: this.tags(4),
    }));
    const span: Span = {
      traceId,
      spanId: this.id64(),
      operationName: this.string(30),
      references: refs,
      flags: this.pick([0, 1, 2, 3, -1, 2147483647, -2147483648]),
      startTime: this.time(),
      duration: this.pick([0, 1, this.int(0, 1e7), Number.MAX_SAFE_INTEGER]),
      tags: this.tags(8),
      logs,
      process,
    };
    if (this.bool(0.6)) span.parentSpanId = this.pick([this.id64(), 'ffffffffffffffff']);
    if (span.parentSpanId === '0000000000000000') delete span.parentSpanId;
    if (this.bool(0.1)) span.incomplete = true;
    return span;
  }
  batch(maxSpans = 12): Batch {
    const process = this.process();
    const traces = Array.from({ length: this.int(1, 3) }, () => this.traceId());
    const spans = Array.from({ length: this.int(0, maxSpans) }, () => this.span(process, this.pick(traces)));
    const batch: Batch = { process, spans };
    if (this.bool(0.3)) batch.seqNo = this.int64();
    if (this.bool(0.2)) {
      batch.stats = {
        fullQueueDroppedSpans: this.int64(),
        tooLargeDroppedSpans: 0n,
        failedToEmitSpans: this.int64(),
      };
    }
    return batch;
  }
}

/**
 * A realistic batch for benchmarks: `spans` spans of a few traces, 5–20 tags each, some logs and references,
 * as an instrumented HTTP service produces them.
 */
export function realisticBatch(g: Gen, spans: number): Batch {
  const process: Process = {
    serviceName: 'checkout',
    tags: [
      { key: 'hostname', type: 'string', value: 'checkout-7d9f8c6b5-x2k4p' },
      { key: 'ip', type: 'string', value: '10.42.3.17' },
      { key: 'jaeger.version', type: 'string', value: 'Node-3.19.0' },
      { key: 'client-uuid', type: 'string', value: '5f0c3c1a8d2e4b71' },
    ],
  };
  const traceIds = Array.from({ length: Math.max(1, Math.floor(spans / 10)) }, () => g.hex(32));
  const out: Span[] = [];
  for (let i = 0; i < spans; i++) {
    const traceId = g.pick(traceIds);
    const nTags = g.int(5, 20);
    const tags: KeyValue[] = [
      { key: 'span.kind', type: 'string', value: g.pick(['server', 'client', 'internal']) },
      { key: 'component', type: 'string', value: 'http' },
      { key: 'http.method', type: 'string', value: g.pick(['GET', 'POST']) },
      {
        key: 'http.url',
        type: 'string',
        value: `https://api.example.com/v1/orders/${g.int(1, 1e6)}?expand=items`,
      },
      { key: 'http.status_code', type: 'int64', value: BigInt(g.pick([200, 200, 200, 404, 500])) },
    ];
    while (tags.length < nTags) {
      tags.push(
        g.pick([
          { key: `app.attr.${tags.length}`, type: 'string', value: `value-${g.int(0, 1e6)}` },
          { key: `app.count.${tags.length}`, type: 'int64', value: BigInt(g.int(0, 1e9)) },
          { key: `app.ratio.${tags.length}`, type: 'float64', value: g.next() },
          { key: `app.flag.${tags.length}`, type: 'bool', value: g.bool() },
        ] as KeyValue[]),
      );
    }
    const start = 1_732_000_000_000_000 + g.int(0, 1e9);
    const logs: Log[] = g.bool(0.3)
      ? [
          {
            timestamp: start + 100,
            fields: [
              { key: 'event', type: 'string', value: 'cache miss' },
              { key: 'message', type: 'string', value: 'order not in cache, loading from db' },
            ],
          },
        ]
      : [];
    const span: Span = {
      traceId,
      spanId: g.hex(16),
      operationName: g.pick(['GET /v1/orders/{id}', 'POST /v1/checkout', 'SELECT orders', 'redis GET']),
      references: g.bool(0.8) ? [{ refType: 'CHILD_OF', traceId, spanId: g.hex(16) }] : [],
      flags: 1,
      startTime: start,
      duration: g.int(50, 2_000_000),
      tags,
      logs,
      process,
    };
    if (span.references[0]) span.parentSpanId = span.references[0].spanId;
    out.push(span);
  }
  return { process, spans: out };
}

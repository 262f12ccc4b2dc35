import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KeyValue, Span, SpanRef } from '@skein/model';
import { DependencyAggregator, dependencyLinks } from '../src/index/dependencies.js';

const TRACE = '000000000000000000000000000000aa';

function span(
  spanId: string,
  service: string,
  parent?: string,
  extra: { references?: SpanRef[]; kind?: string } = {},
): Span {
  const tags: KeyValue[] =
    extra.kind === undefined ? [] : [{ key: 'span.kind', type: 'string', value: extra.kind }];
  return {
    traceId: TRACE,
    spanId: spanId.padStart(16, '0'),
    ...(parent === undefined ? {} : { parentSpanId: parent.padStart(16, '0') }),
    operationName: 'op',
    references: extra.references ?? [],
    flags: 1,
    startTime: 1_700_000_000_000_000,
    duration: 1,
    tags,
    logs: [],
    process: { serviceName: service, tags: [] },
  };
}

describe('dependencyLinks', () => {
  it('links each span to its parent service, summed and sorted', () => {
    const trace = [
      span('1', 'frontend'),
      span('2', 'frontend', '1'), // a call within frontend
      span('3', 'orders', '2'),
      span('4', 'payments', '3'),
      span('5', 'orders', '2'),
      span('6', 'auth', '1'),
    ];
    assert.deepEqual(dependencyLinks(trace), [
      { parent: 'frontend', child: 'auth', callCount: 1 },
      { parent: 'frontend', child: 'frontend', callCount: 1 },
      { parent: 'frontend', child: 'orders', callCount: 2 },
      { parent: 'orders', child: 'payments', callCount: 1 },
    ]);
  });

  it('finds the parent through a CHILD_OF reference but not a FOLLOWS_FROM one', () => {
    const trace = [
      span('1', 'api'),
      span('2', 'worker', undefined, {
        references: [{ refType: 'CHILD_OF', traceId: TRACE, spanId: '0000000000000001' }],
      }),
      span('3', 'mailer', undefined, {
        references: [{ refType: 'FOLLOWS_FROM', traceId: TRACE, spanId: '0000000000000001' }],
      }),
    ];
    assert.deepEqual(dependencyLinks(trace), [{ parent: 'api', child: 'worker', callCount: 1 }]);
  });

  it('skips spans whose parent is not in the trace', () => {
    assert.deepEqual(dependencyLinks([span('2', 'a', '1'), span('3', 'b', '9')]), []);
    assert.deepEqual(dependencyLinks([]), []);
  });

  it('counts a span received twice once', () => {
    assert.deepEqual(dependencyLinks([span('1', 'a'), span('2', 'b', '1'), span('2', 'b', '1')]), [
      { parent: 'a', child: 'b', callCount: 1 },
    ]);
  });

  it('takes the server side of a shared client/server span as the parent', () => {
    // Zipkin-style: the client in "web" and the server in "db" share span ID 2.
    const trace = [
      span('1', 'web'),
      span('2', 'web', '1', { kind: 'client' }),
      span('2', 'db', '1', { kind: 'server' }),
      span('3', 'cache', '2'),
    ];
    assert.deepEqual(dependencyLinks(trace), [
      { parent: 'db', child: 'cache', callCount: 1 },
      { parent: 'web', child: 'db', callCount: 1 },
      { parent: 'web', child: 'web', callCount: 1 },
    ]);
  });
});

describe('DependencyAggregator', () => {
  const mar10 = Date.UTC(2024, 2, 10, 8, 30);
  const mar10Later = Date.UTC(2024, 2, 10, 17, 45, 12, 345);
  const mar11 = Date.UTC(2024, 2, 11, 0, 5);

  it('sums links per UTC day into Jaeger dependencies documents', () => {
    const agg = new DependencyAggregator({ prefix: 'v2-', instanceId: 'ingester-a' });
    agg.add([{ parent: 'a', child: 'b', callCount: 2 }], mar10Later);
    agg.add(
      [
        { parent: 'a', child: 'b', callCount: 1 },
        { parent: 'a', child: 'a', callCount: 1 },
      ],
      mar10,
    );
    agg.add([{ parent: 'b', child: 'c', callCount: 5 }], mar11);
    assert.equal(agg.pendingPairs, 3);
    assert.deepEqual(agg.takeDocuments(), [
      {
        index: 'v2-jaeger-dependencies-2024-03-10',
        id: 'ingester-a-2024-03-10-1',
        doc: {
          timestamp: '2024-03-10T17:45:12.345Z',
          dependencies: [
            { parent: 'a', child: 'a', callCount: 1, source: 'skein' },
            { parent: 'a', child: 'b', callCount: 3, source: 'skein' },
          ],
        },
      },
      {
        index: 'v2-jaeger-dependencies-2024-03-11',
        id: 'ingester-a-2024-03-11-1',
        doc: {
          timestamp: '2024-03-11T00:05:00.000Z',
          dependencies: [{ parent: 'b', child: 'c', callCount: 5, source: 'skein' }],
        },
      },
    ]);
    assert.equal(agg.pendingPairs, 0);
  });

  it('numbers takes so each flush has its own ids, and skips empty takes', () => {
    const agg = new DependencyAggregator({ prefix: '', instanceId: 'i', source: 'mesh' });
    assert.deepEqual(agg.takeDocuments(), []);
    agg.add([], mar10);
    assert.deepEqual(agg.takeDocuments(), []);
    agg.add([{ parent: 'a', child: 'b', callCount: 1 }], mar10);
    const first = agg.takeDocuments();
    agg.add([{ parent: 'a', child: 'b', callCount: 4 }], mar10);
    const second = agg.takeDocuments();
    assert.deepEqual(
      [...first, ...second].map((d) => [d.index, d.id, d.doc.dependencies]),
      [
        [
          'jaeger-dependencies-2024-03-10',
          'i-2024-03-10-1',
          [{ parent: 'a', child: 'b', callCount: 1, source: 'mesh' }],
        ],
        [
          'jaeger-dependencies-2024-03-10',
          'i-2024-03-10-2',
          [{ parent: 'a', child: 'b', callCount: 4, source: 'mesh' }],
        ],
      ],
    );
  });

  it('drops and counts links of new pairs beyond maxPairs, still summing known ones', () => {
    const agg = new DependencyAggregator({ prefix: '', instanceId: 'i', maxPairs: 1 });
    agg.add(
      [
        { parent: 'a', child: 'b', callCount: 1 },
        { parent: 'x', child: 'y', callCount: 3 },
      ],
      mar10,
    );
    agg.add([{ parent: 'a', child: 'b', callCount: 2 }], mar10);
    agg.add([{ parent: 'a', child: 'b', callCount: 7 }], mar11);
    assert.equal(agg.droppedLinks, 10);
    const docs = agg.takeDocuments();
    assert.deepEqual(
      docs.map((d) => d.doc.dependencies),
      [[{ parent: 'a', child: 'b', callCount: 3, source: 'skein' }]],
    );
  });

  it('rejects an empty instance id and a maxPairs below 1', () => {
    assert.throws(() => new DependencyAggregator({ prefix: '', instanceId: '' }), RangeError);
    assert.throws(() => new DependencyAggregator({ prefix: '', instanceId: 'i', maxPairs: 0 }), RangeError);
  });
});

// The traces the browser tests read: a hand-made checkout trace with every kind of detail the UI shows
// (tags, process tags, logs, an error, a FOLLOWS_FROM reference), small traces for the scatter plot, and a
// 10,000-span trace for the timeline's virtualisation.
import { randomBytes } from 'node:crypto';
import type { Process, Span } from '@skein/model';
import type { GeneratedTrace } from '../support/ingester.js';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

const proc = (serviceName: string, host: string): Process => ({
  serviceName,
  tags: [
    { key: 'hostname', type: 'string', value: host },
    { key: 'client-uuid', type: 'string', value: `uuid-${host}` },
  ],
});

export const web = proc('web', 'web-1');
export const orders = proc('orders', 'orders-7');
export const payments = proc('payments', 'pay-2');
export const db = proc('postgres', 'db-1');

export const DB_STATEMENT = 'SELECT * FROM orders WHERE id = $1';

export interface Checkout extends GeneratedTrace {
  /** Span IDs by a name the tests use. */
  ids: Record<'root' | 'createOrder' | 'select' | 'insert' | 'charge' | 'notify', string>;
}

/** POST /checkout: web → orders (→ postgres ×2) → payments (an error); a notify span that FOLLOWS_FROM. */
export function checkoutTrace(startUs: number): Checkout {
  const traceId = hex(16);
  const ids = {
    root: hex(8),
    createOrder: hex(8),
    select: hex(8),
    insert: hex(8),
    charge: hex(8),
    notify: hex(8),
  };
  const base = { traceId, flags: 1, logs: [] as Span['logs'] };
  const child = (parent: string) => ({
    references: [{ refType: 'CHILD_OF' as const, traceId, spanId: parent }],
    parentSpanId: parent,
  });
  const spans: Span[] = [
    {
      ...base,
      spanId: ids.root,
      operationName: 'POST /checkout',
      references: [],
      startTime: startUs,
      duration: 48_000,
      process: web,
      tags: [
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'http.method', type: 'string', value: 'POST' },
        { key: 'http.status_code', type: 'int64', value: 502n },
        { key: 'error', type: 'bool', value: true },
      ],
    },
    {
      ...base,
      ...child(ids.root),
      spanId: ids.createOrder,
      operationName: 'CreateOrder',
      startTime: startUs + 2_000,
      duration: 20_000,
      process: orders,
      tags: [{ key: 'span.kind', type: 'string', value: 'server' }],
      logs: [
        {
          timestamp: startUs + 2_500,
          fields: [
            { key: 'event', type: 'string', value: 'cache miss' },
            { key: 'cart.items', type: 'int64', value: 3n },
          ],
        },
      ],
    },
    {
      ...base,
      ...child(ids.createOrder),
      spanId: ids.select,
      operationName: 'SELECT orders',
      startTime: startUs + 3_000,
      duration: 6_000,
      process: db,
      tags: [
        { key: 'span.kind', type: 'string', value: 'client' },
        { key: 'db.system', type: 'string', value: 'postgresql' },
        { key: 'db.statement', type: 'string', value: DB_STATEMENT },
      ],
    },
    {
      ...base,
      ...child(ids.createOrder),
      spanId: ids.insert,
      operationName: 'INSERT orders',
      startTime: startUs + 10_000,
      duration: 9_000,
      process: db,
      tags: [{ key: 'db.system', type: 'string', value: 'postgresql' }],
    },
    {
      ...base,
      ...child(ids.root),
      spanId: ids.charge,
      operationName: 'Charge',
      startTime: startUs + 24_000,
      duration: 22_000,
      process: payments,
      tags: [
        { key: 'span.kind', type: 'string', value: 'server' },
        { key: 'error', type: 'bool', value: true },
        { key: 'payment.provider', type: 'string', value: 'acme-pay' },
      ],
      logs: [
        {
          timestamp: startUs + 45_000,
          fields: [
            { key: 'event', type: 'string', value: 'error' },
            { key: 'message', type: 'string', value: 'card declined: insufficient funds' },
          ],
        },
      ],
    },
    {
      ...base,
      references: [{ refType: 'FOLLOWS_FROM', traceId, spanId: ids.charge }],
      spanId: ids.notify,
      operationName: 'notify customer',
      startTime: startUs + 46_500,
      duration: 1_000,
      process: orders,
      tags: [{ key: 'span.kind', type: 'string', value: 'producer' }],
    },
  ];
  return { traceId, spans, ids };
}

/** A trace of `count` spans: a tree three children wide (about 9 levels deep) over five services. */
export function bigTrace(count: number, startUs: number): GeneratedTrace {
  const traceId = hex(16);
  const services = ['gateway', 'catalog', 'pricing', 'inventory', 'search'].map((s, i) =>
    proc(s, `big-${i}`),
  );
  const spans: Span[] = [];
  const depth: number[] = [];
  for (let i = 0; i < count; i++) {
    const parent = i === 0 ? undefined : spans[Math.floor((i - 1) / 3)];
    depth.push(parent === undefined ? 0 : (depth[Math.floor((i - 1) / 3)] as number) + 1);
    const d = depth[i] as number;
    const start = parent === undefined ? startUs : parent.startTime + ((i - 1) % 3) * 50 + 10;
    spans.push({
      traceId,
      spanId: hex(8),
      flags: 1,
      operationName: `step-${i}`,
      references: parent === undefined ? [] : [{ refType: 'CHILD_OF', traceId, spanId: parent.spanId }],
      ...(parent === undefined ? {} : { parentSpanId: parent.spanId }),
      startTime: start,
      duration: Math.max(5, 200_000 >> (2 * d)),
      process: services[i % services.length] as Process,
      tags: [{ key: 'index', type: 'int64', value: BigInt(i) }],
      logs: [],
    });
  }
  return { traceId, spans };
}

import type { KeyValue } from '@skein/model';

/**
 * An OpenTracing tag or log value as a Jaeger KeyValue: strings, booleans, safe integers (int64), other
 * numbers (float64), bigints (int64 when in range), bytes (binary); anything else as its JSON text.
 */
export function toKeyValue(key: string, value: unknown): KeyValue {
  switch (typeof value) {
    case 'string':
      return { key, type: 'string', value };
    case 'boolean':
      return { key, type: 'bool', value };
    case 'number':
      return Number.isSafeInteger(value)
        ? { key, type: 'int64', value: BigInt(value) }
        : { key, type: 'float64', value };
    case 'bigint':
      return value >= -(2n ** 63n) && value < 2n ** 63n
        ? { key, type: 'int64', value }
        : { key, type: 'string', value: value.toString() };
    default:
      if (value instanceof Uint8Array) return { key, type: 'binary', value };
      return { key, type: 'string', value: describe(value) };
  }
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return String(value);
  try {
    return (
      JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)
    );
  } catch {
    return String(value);
  }
}

// Elasticsearch returns documents as JSON, and int64 tag values beyond 2^53 do not survive JSON.parse as numbers.
import { Serializer } from '@elastic/elasticsearch';

// A JSON string (skipped as a whole, so digits inside strings are left alone) or an integer of 16+ digits.
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|-?\d{16,}(?![.eE\d])/g;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// Stands in for a long integer while JSON.parse runs; no real tag value starts with these control characters.
const MARK = '\u0000\u0001int:';

function revive(_key: string, value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value;
}

/**
 * JSON.parse, except that an integer beyond ±(2^53 - 1) becomes an exact bigint instead of a rounded number, so
 * int64 tags (nested or as fields) round-trip through Elasticsearch without loss. Costs a regular-expression pass
 * over text with 16-digit runs (every span document has one: startTime), and a reviver only when a long integer
 * is actually present.
 */
export function parseJsonExact(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  let replaced = false;
  const safe = text.replace(STRING_OR_LONG_INTEGER, (token) => {
    if (token.startsWith('"')) return token;
    const value = BigInt(token);
    if (value <= MAX_SAFE && value >= -MAX_SAFE) return token;
    replaced = true;
    return `"${JSON.stringify(MARK).slice(1, -1)}${token}"`;
  });
  return replaced ? JSON.parse(safe, revive) : JSON.parse(safe);
}

/** The client's serializer with parseJsonExact for responses. */
export class ExactSerializer extends Serializer {
  override deserialize<T = unknown>(json: string): T {
    if (typeof json !== 'string') return super.deserialize(json);
    try {
      return parseJsonExact(json) as T;
    } catch {
      // The base class turns a parse failure into the client's own DeserializationError.
      return super.deserialize(json);
    }
  }
}

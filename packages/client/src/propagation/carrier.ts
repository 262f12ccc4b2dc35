/**
 * Carriers as OpenTracing passes them (`any`), read into one shape: lowercase field name → values.
 * Anything that is not a usable carrier reads as empty, so extraction never throws.
 */

export type Fields = ReadonlyMap<string, readonly string[]>;

/** The part of @grpc/grpc-js's `Metadata` the propagators use (structural, so any grpc-js copy fits). */
export interface MetadataCarrier {
  toJSON(): Record<string, Array<string | Buffer>>;
  set(key: string, value: string): void;
}

/** Reads a text map or HTTP headers: a plain object (Node's IncomingHttpHeaders), a Map, or fetch's Headers. */
export function readTextMap(carrier: unknown): Fields {
  const fields = new Map<string, string[]>();
  if (typeof carrier !== 'object' || carrier === null) return fields;
  try {
    const entries = iterableEntries(carrier) ?? Object.entries(carrier);
    for (const entry of entries) {
      if (!Array.isArray(entry) || typeof entry[0] !== 'string') continue;
      const value: unknown = entry[1];
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) {
        if (typeof v === 'string') add(fields, entry[0], v);
      }
    }
  } catch {
    // A carrier whose getters or iterator throw carries nothing usable.
    return new Map();
  }
  return fields;
}

/** Reads gRPC metadata; binary (`-bin`) values are skipped. */
export function readMetadata(carrier: unknown): Fields {
  const fields = new Map<string, string[]>();
  if (!isMetadata(carrier)) return fields;
  let json: Record<string, unknown>;
  try {
    json = carrier.toJSON();
  } catch {
    return fields;
  }
  for (const [key, values] of Object.entries(json)) {
    if (!Array.isArray(values)) continue;
    for (const v of values) if (typeof v === 'string') add(fields, key, v);
  }
  return fields;
}

export function isMetadata(carrier: unknown): carrier is MetadataCarrier {
  return (
    typeof carrier === 'object' &&
    carrier !== null &&
    typeof (carrier as Partial<MetadataCarrier>).toJSON === 'function' &&
    typeof (carrier as Partial<MetadataCarrier>).set === 'function'
  );
}

/** A setter for a text map carrier: `set(name, value)` where it has one (Map, Headers), else a property. */
export function textMapWriter(carrier: unknown): ((name: string, value: string) => void) | undefined {
  if (typeof carrier !== 'object' || carrier === null) return undefined;
  const set = (carrier as { set?: unknown }).set;
  if (typeof set === 'function') return (name, value) => void set.call(carrier, name, value);
  return (name, value) => {
    (carrier as Record<string, unknown>)[name] = value;
  };
}

/** A setter for gRPC metadata; a key gRPC refuses (characters outside [0-9a-z_.-]) is skipped. */
export function metadataWriter(carrier: unknown): ((name: string, value: string) => void) | undefined {
  if (!isMetadata(carrier)) return undefined;
  return (name, value) => {
    try {
      carrier.set(name, value);
    } catch {
      // grpc-js throws for keys it cannot send; dropping one baggage item beats failing the call.
    }
  };
}

function add(fields: Map<string, string[]>, name: string, value: string): void {
  const key = name.toLowerCase();
  const list = fields.get(key);
  if (list === undefined) fields.set(key, [value]);
  else list.push(value);
}

function iterableEntries(carrier: object): Iterable<unknown> | undefined {
  const entries = (carrier as { entries?: unknown }).entries;
  if (typeof entries !== 'function' || Array.isArray(carrier)) return undefined;
  try {
    const it: unknown = entries.call(carrier);
    return typeof it === 'object' && it !== null && Symbol.iterator in it
      ? (it as Iterable<unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

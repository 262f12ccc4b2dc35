// Service:operation documents for Jaeger's service index: one per (service, operation, UTC day), deduplicated in memory.
import type { EsService, Span } from '@skein/model';
import { toEsService } from '@skein/model';

import { serviceIndex, utcDay } from './naming.js';

/** A document ready for a bulk `index` action. */
export interface IndexedDocument<T> {
  index: string;
  id: string;
  doc: T;
}

/**
 * Jaeger's `_id` for a service document: FNV-1a 64 of the service name then the operation name (UTF-8, no
 * separator), in hex without leading zeros. Jaeger and skein writing the same index therefore overwrite, not add.
 * A document with a span kind (skein's addition) hashes the kind after them, so each kind of an operation is kept.
 */
export function serviceDocumentId(doc: EsService): string {
  let hash = FNV_OFFSET;
  hash = fnv1a(hash, doc.serviceName);
  hash = fnv1a(hash, doc.operationName);
  if (doc.spanKind !== undefined) hash = fnv1a(hash, `\u0000${doc.spanKind}`);
  return hash.toString(16);
}

/**
 * Remembers which (service, operation, span kind, UTC day of the span's start) were already written, for at most `maxEntries`
 * of them, forgetting the least recently seen first. A forgotten pair is written again: harmless, the `_id` is
 * deterministic.
 */
export class ServiceOperationCache {
  readonly #maxEntries: number;
  // Map iteration order is insertion order; re-inserting on a hit makes the first key the least recently seen.
  readonly #seen = new Map<string, true>();

  constructor(maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`service cache size must be an integer of at least 1, got ${maxEntries}`);
    }
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#seen.size;
  }

  /**
   * The service document to write for this span, or undefined when its (service, operation, day) was already
   * admitted. Its target index is the span's day: `serviceIndex(prefix, span.startTime)` (see admitDocument).
   */
  admit(span: Span): EsService | undefined {
    const doc = toEsService(span);
    const key = cacheKey(doc, utcDay(Math.floor(span.startTime / 1000)));
    if (this.#seen.has(key)) {
      this.#seen.delete(key);
      this.#seen.set(key, true);
      return undefined;
    }
    this.#seen.set(key, true);
    if (this.#seen.size > this.#maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done !== true) this.#seen.delete(oldest.value);
    }
    return doc;
  }

  /** admit(), with the document's daily index and `_id` filled in for a bulk request. */
  admitDocument(span: Span, prefix: string): IndexedDocument<EsService> | undefined {
    const doc = this.admit(span);
    if (doc === undefined) return undefined;
    return { index: serviceIndex(prefix, span.startTime), id: serviceDocumentId(doc), doc };
  }

  /**
   * Un-admits the span's (service, operation, day), so the next span with them is admitted again. Call it when the
   * bulk write of an admitted document failed for good, so the pair is not missing from the index until evicted.
   */
  forget(span: Span): void {
    this.#seen.delete(cacheKey(toEsService(span), utcDay(Math.floor(span.startTime / 1000))));
  }
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK_64 = 0xffffffffffffffffn;

function fnv1a(hash: bigint, text: string): bigint {
  let h = hash;
  for (const byte of Buffer.from(text, 'utf8')) {
    h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK_64;
  }
  return h;
}

function cacheKey(doc: EsService, day: string): string {
  // JSON keeps the parts apart whatever characters the names contain.
  return JSON.stringify([day, doc.serviceName, doc.operationName, doc.spanKind ?? '']);
}

// Service dependency links from complete traces, written as Jaeger's `jaeger-dependencies-*` documents.
import type { Span } from '@skein/model';
import { parentSpanIdOf } from '@skein/model';

import type { IndexedDocument } from './services.js';
import { dependenciesIndex, utcDay } from './naming.js';

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

/** A link as stored: Jaeger's reader reads parent, child and callCount and ignores `source`. */
export interface StoredDependencyLink extends DependencyLink {
  source: string;
}

/** Jaeger's dependencies document: `timestamp` is RFC 3339, what its reader's range query filters on. */
export interface DependenciesDocument {
  timestamp: string;
  dependencies: StoredDependencyLink[];
}

export interface DependencyAggregatorOptions {
  /** Index prefix, used verbatim. */
  prefix: string;
  /**
   * Names this aggregator in document IDs; must be unique per process run (e.g. host, pid and start time), so that
   * a restarted ingester never overwrites what an earlier run wrote.
   */
  instanceId: string;
  /** `source` of every stored link; default `skein`. */
  source?: string;
  /** Distinct (day, parent, child) held between takes; links beyond it are dropped and counted. Default 10 000. */
  maxPairs?: number;
}

/**
 * The service links of one complete trace, summed per (parent, child) and sorted by parent then child: one call for
 * every span whose parent (parentSpanIdOf) is in the trace. As in Jaeger's spark-dependencies job, a call within
 * one service counts too (a `parent === child` link). Where several spans share the parent's ID (Zipkin-style
 * shared client/server spans) the one tagged `span.kind=server` is the parent, as spark-dependencies chooses; a
 * span received twice (same ID and service) counts once. Leaf calls to uninstrumented `peer.service`s and
 * FOLLOWS_FROM references are not links here.
 */
export function dependencyLinks(spans: readonly Span[]): DependencyLink[] {
  const byId = new Map<string, Span[]>();
  for (const span of spans) {
    const group = byId.get(span.spanId);
    if (group === undefined) byId.set(span.spanId, [span]);
    else group.push(span);
  }
  const counts = new Map<string, DependencyLink>();
  const counted = new Set<string>();
  for (const span of spans) {
    const parentId = parentSpanIdOf(span);
    if (parentId === undefined || parentId === span.spanId) continue;
    const parents = byId.get(parentId);
    if (parents === undefined) continue;
    const child = span.process.serviceName;
    const once = JSON.stringify([span.spanId, child]);
    if (counted.has(once)) continue;
    counted.add(once);
    const parent = callee(parents).process.serviceName;
    const key = JSON.stringify([parent, child]);
    const link = counts.get(key);
    if (link === undefined) counts.set(key, { parent, child, callCount: 1 });
    else link.callCount += 1;
  }
  return [...counts.values()].sort(byParentThenChild);
}

/**
 * Sums links per UTC day between flushes and hands them out as Jaeger dependencies documents, one per day per take.
 *
 * Idempotency: a document's `_id` is `<instanceId>-<YYYY-MM-DD>-<take sequence>`, so retrying the bulk write of
 * the documents one take returned overwrites rather than duplicates them (retry those same documents; do not take
 * again). Links of traces re-consumed after a crash, before their offsets were committed, are counted again: call
 * counts are an approximation either way, and Jaeger's reader sums every document of the days it reads.
 */
export class DependencyAggregator {
  readonly #prefix: string;
  readonly #instanceId: string;
  readonly #source: string;
  readonly #maxPairs: number;
  // day → (parent, child) key → link; plus the latest timestamp seen for that day.
  #days = new Map<string, { latestMs: number; links: Map<string, DependencyLink> }>();
  #pairs = 0;
  #sequence = 0;
  #dropped = 0;

  constructor(options: DependencyAggregatorOptions) {
    if (options.instanceId === '') throw new RangeError('dependency aggregator instanceId must not be empty');
    const maxPairs = options.maxPairs ?? 10_000;
    if (!Number.isInteger(maxPairs) || maxPairs < 1) {
      throw new RangeError(
        `dependency aggregator maxPairs must be an integer of at least 1, got ${maxPairs}`,
      );
    }
    this.#prefix = options.prefix;
    this.#instanceId = options.instanceId;
    this.#source = options.source ?? 'skein';
    this.#maxPairs = maxPairs;
  }

  /** Links dropped so far because maxPairs distinct pairs were already pending. */
  get droppedLinks(): number {
    return this.#dropped;
  }

  /** Distinct (day, parent, child) pending. */
  get pendingPairs(): number {
    return this.#pairs;
  }

  /** Adds a trace's links, observed at `timestampMs` (e.g. the trace's start), to that UTC day. */
  add(links: readonly DependencyLink[], timestampMs: number): void {
    if (links.length === 0) return;
    const day = utcDay(timestampMs);
    let entry = this.#days.get(day);
    if (entry === undefined) {
      entry = { latestMs: timestampMs, links: new Map() };
      this.#days.set(day, entry);
    } else if (timestampMs > entry.latestMs) {
      entry.latestMs = timestampMs;
    }
    for (const link of links) {
      const key = JSON.stringify([link.parent, link.child]);
      const pending = entry.links.get(key);
      if (pending !== undefined) {
        pending.callCount += link.callCount;
      } else if (this.#pairs < this.#maxPairs) {
        entry.links.set(key, { parent: link.parent, child: link.child, callCount: link.callCount });
        this.#pairs += 1;
      } else {
        this.#dropped += link.callCount;
      }
    }
  }

  /**
   * The pending links as one document per UTC day, oldest day first, and empties the aggregator. The `timestamp` is
   * the latest time added for that day, so readers looking back from now find recent links.
   */
  takeDocuments(): Array<IndexedDocument<DependenciesDocument>> {
    // A day whose every link was dropped has an entry but nothing to write.
    const days = [...this.#days.entries()]
      .filter(([, entry]) => entry.links.size > 0)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.#days = new Map();
    this.#pairs = 0;
    if (days.length === 0) return [];
    this.#sequence += 1;
    return days.map(([day, entry]) => ({
      index: dependenciesIndex(this.#prefix, entry.latestMs),
      id: `${this.#instanceId}-${day}-${this.#sequence}`,
      doc: {
        timestamp: new Date(entry.latestMs).toISOString(),
        dependencies: [...entry.links.values()]
          .sort(byParentThenChild)
          .map((link) => ({ ...link, source: this.#source })),
      },
    }));
  }
}

function callee(candidates: Span[]): Span {
  const first = candidates[0] as Span;
  if (candidates.length === 1) return first;
  return candidates.find((span) => kindOf(span) === 'server') ?? first;
}

function kindOf(span: Span): string | undefined {
  for (const tag of span.tags) {
    if (tag.key === 'span.kind' && tag.type === 'string') return tag.value;
  }
  return undefined;
}

function byParentThenChild(a: DependencyLink, b: DependencyLink): number {
  if (a.parent !== b.parent) return a.parent < b.parent ? -1 : 1;
  if (a.child !== b.child) return a.child < b.child ? -1 : 1;
  return 0;
}

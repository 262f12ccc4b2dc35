import type { Span, TraceId } from '@skein/model';
import { ConfigError } from '@skein/runtime';
import type { PolicyEngine } from './policies.js';

/** What became of one trace (or of late spans of an already decided trace). */
export interface TailDecision<T> {
  traceId: TraceId;
  keep: boolean;
  /** The policy that kept the trace (`error`, `latency`, `probabilistic`, `rate-limit`) or `sampled_out`. */
  reason: string;
  /** Every span held for the trace, in arrival order. */
  spans: Span[];
  /** The payload of every `add` call that contributed, in arrival order. */
  payloads: T[];
  /** Decided before `decisionWaitMs` of quiet because memory bounds were reached. */
  early: boolean;
  /** How long the trace was held: from its first span to the decision (0 for late spans decided at once). */
  heldMs: number;
}

export interface TailSamplerOptions {
  /** A trace is decided once no span arrived for this long (skein's default is 5000). */
  decisionWaitMs: number;
  /** At most this many traces held; adding more decides the oldest early. */
  maxTraces: number;
  /** At most this many spans held; adding more decides the oldest traces early. */
  maxSpans: number;
  /** How many recent decisions are remembered for late spans (default 100,000). */
  rememberDecisions?: number;
}

export const DEFAULT_REMEMBER_DECISIONS = 100_000;

interface Held<T> {
  readonly traceId: TraceId;
  readonly spans: Span[];
  readonly payloads: T[];
  readonly firstSeenMs: number;
  lastSeenMs: number;
}

interface Remembered {
  keep: boolean;
  reason: string;
}

/**
 * Holds each trace's spans until the trace has been quiet for `decisionWaitMs`, then has the policy engine
 * keep or drop the whole trace; late spans follow the remembered decision. `T` is an opaque token per
 * `add` call (e.g. the Kafka message) handed back with the decision, so the caller can commit it.
 *
 * Costs: `add` is O(spans added) plus O(1) per trace it forces out; `due` is O(traces it returns + 1),
 * because traces are also kept in a second Map ordered by last arrival (re-inserted on every add);
 * `discard` scans every held payload. Times are made monotonic internally: a `nowMs` earlier than one
 * already seen counts as the latest seen.
 */
export class TailSampler<T> {
  readonly #engine: PolicyEngine;
  readonly #waitMs: number;
  readonly #maxTraces: number;
  readonly #maxSpans: number;
  readonly #remember: number;
  /** Held traces by first arrival: overflow decides from the front. */
  readonly #byArrival = new Map<TraceId, Held<T>>();
  /** The same traces by last arrival (least recently seen first): `due` reads from the front. */
  readonly #byLastSeen = new Map<TraceId, Held<T>>();
  /** Recent decisions, least recently used first. */
  readonly #decided = new Map<TraceId, Remembered>();
  #spans = 0;
  #clockMs = -Infinity;

  constructor(engine: PolicyEngine, options: TailSamplerOptions) {
    const { decisionWaitMs, maxTraces, maxSpans } = options;
    const remember = options.rememberDecisions ?? DEFAULT_REMEMBER_DECISIONS;
    if (!Number.isFinite(decisionWaitMs) || decisionWaitMs < 0) {
      throw new ConfigError('decisionWaitMs', `expected a number of milliseconds ≥ 0, got ${decisionWaitMs}`);
    }
    checkCount('maxTraces', maxTraces, 1);
    checkCount('maxSpans', maxSpans, 1);
    checkCount('rememberDecisions', remember, 0);
    this.#engine = engine;
    this.#waitMs = decisionWaitMs;
    this.#maxTraces = maxTraces;
    this.#maxSpans = maxSpans;
    this.#remember = remember;
  }

  /** Traces held now. */
  get traces(): number {
    return this.#byArrival.size;
  }

  /** Spans held now. */
  get spans(): number {
    return this.#spans;
  }

  /**
   * Holds `spans` (all of trace `traceId`) with `payload`. Returns the decisions this forces: traces decided
   * early because a bound was exceeded (oldest first, possibly this trace itself), or, when the trace was
   * already decided and still remembered, the same decision for these spans at once (`early: false`).
   */
  add(traceId: TraceId, spans: readonly Span[], payload: T, nowMs: number): TailDecision<T>[] {
    const now = this.#tick(nowMs);
    let held = this.#byArrival.get(traceId);
    if (held === undefined) {
      const remembered = this.#decided.get(traceId);
      if (remembered !== undefined) {
        this.#decided.delete(traceId);
        this.#decided.set(traceId, remembered);
        return [
          {
            traceId,
            keep: remembered.keep,
            reason: remembered.reason,
            spans: [...spans],
            payloads: [payload],
            early: false,
            heldMs: 0,
          },
        ];
      }
      held = { traceId, spans: [], payloads: [], firstSeenMs: now, lastSeenMs: now };
      this.#byArrival.set(traceId, held);
    } else {
      this.#byLastSeen.delete(traceId);
      held.lastSeenMs = now;
    }
    this.#byLastSeen.set(traceId, held);
    for (const span of spans) held.spans.push(span);
    held.payloads.push(payload);
    this.#spans += spans.length;

    // Added first, then bounded: a trace that alone exceeds maxSpans is decided with all of its spans.
    const decisions: TailDecision<T>[] = [];
    while (this.#byArrival.size > this.#maxTraces || this.#spans > this.#maxSpans) {
      const oldest = this.#byArrival.values().next().value;
      if (oldest === undefined) break;
      decisions.push(this.#decide(oldest, now, true));
    }
    return decisions;
  }

  /** Decides the traces quiet for at least `decisionWaitMs`, least recently seen first. */
  due(nowMs: number): TailDecision<T>[] {
    const now = this.#tick(nowMs);
    const decisions: TailDecision<T>[] = [];
    for (const held of this.#byLastSeen.values()) {
      if (now - held.lastSeenMs < this.#waitMs) break;
      decisions.push(this.#decide(held, now, false));
    }
    return decisions;
  }

  /** Decides every held trace, first arrived first (for shutdown). */
  drain(nowMs: number): TailDecision<T>[] {
    const now = this.#tick(nowMs);
    return [...this.#byArrival.values()].map((held) => this.#decide(held, now, false));
  }

  /**
   * Forgets, undecided, every held trace with any payload matching `predicate` (e.g. from a revoked Kafka
   * partition, which its new owner reads again); returns how many traces.
   */
  discard(predicate: (payload: T) => boolean): number {
    let count = 0;
    for (const held of [...this.#byArrival.values()]) {
      if (held.payloads.some(predicate)) {
        this.#forget(held);
        count++;
      }
    }
    return count;
  }

  #decide(held: Held<T>, nowMs: number, early: boolean): TailDecision<T> {
    this.#forget(held);
    const { keep, reason } = this.#engine.decide(held.spans, nowMs);
    if (this.#remember > 0) {
      this.#decided.delete(held.traceId);
      this.#decided.set(held.traceId, { keep, reason });
      if (this.#decided.size > this.#remember) {
        const lru = this.#decided.keys().next().value;
        if (lru !== undefined) this.#decided.delete(lru);
      }
    }
    return {
      traceId: held.traceId,
      keep,
      reason,
      spans: held.spans,
      payloads: held.payloads,
      early,
      heldMs: nowMs - held.firstSeenMs,
    };
  }

  #forget(held: Held<T>): void {
    this.#byArrival.delete(held.traceId);
    this.#byLastSeen.delete(held.traceId);
    this.#spans -= held.spans.length;
  }

  #tick(nowMs: number): number {
    if (nowMs > this.#clockMs) this.#clockMs = nowMs;
    return this.#clockMs;
  }
}

function checkCount(key: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(key, `expected an integer ≥ ${min}, got ${value}`);
  }
}

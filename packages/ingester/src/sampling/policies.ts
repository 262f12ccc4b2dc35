import { parentSpanIdOf, type KeyValue, type Span, type TraceId } from '@skein/model';
import { ConfigError } from '@skein/runtime';

/**
 * Tail-sampling policies: what decides, once a trace is complete, whether the ingester keeps it.
 *
 * - `error`: keeps a trace when any of its spans has one of these span tags (process tags and log fields
 *   are not looked at):
 *   - `error` of type bool with value `true`, or of type string with value exactly `"true"`;
 *   - `otel.status_code` of type string with value exactly `"ERROR"`;
 *   - `http.status_code` of type int64 with value ≥ 500, or of type string made only of the digits 0–9
 *     whose number is ≥ 500 (float64 and other types are ignored).
 * - `latency`: keeps a trace when its longest span lasts at least `thresholdMs` (duration ≥ thresholdMs × 1000 µs).
 * - `probabilistic`: keeps `probability` of the traces it applies to, chosen by a hash of the trace ID
 *   (see `traceIdHash`), so every ingester, restart and replay decides the same trace the same way. With
 *   `service` and/or `operation` it applies only to traces whose root span matches them (see "root" below).
 * - `rate-limit`: keeps at most `tracesPerSecond` traces of `service` per second (token bucket holding up to
 *   max(1, tracesPerSecond) tokens, starting full, refilled continuously by the clock given to `decide`).
 *
 * "Root": the spans without a parent (`parentSpanIdOf` is undefined); when a trace has none (its root has
 * not arrived), all of its spans. A policy with `service`/`operation` applies when any of these spans
 * matches every criterion given (service is the span's `process.serviceName`).
 */
export type TailPolicy =
  | { type: 'error' }
  | { type: 'latency'; thresholdMs: number }
  | { type: 'probabilistic'; probability: number; service?: string; operation?: string }
  | { type: 'rate-limit'; service: string; tracesPerSecond: number };

export type TailPolicyType = TailPolicy['type'];

/** What a policy engine decided for one trace; `reason` is the type of the policy that kept it, or `sampled_out`. */
export interface PolicyDecision {
  keep: boolean;
  reason: TailPolicyType | 'sampled_out';
}

const KEYS: Record<TailPolicyType, readonly string[]> = {
  error: ['type'],
  latency: ['type', 'thresholdMs'],
  probabilistic: ['type', 'probability', 'service', 'operation'],
  'rate-limit': ['type', 'service', 'tracesPerSecond'],
};
const TYPES = Object.keys(KEYS) as TailPolicyType[];

/**
 * Validates tail-sampling configuration `{ policies: [...] }` (as parsed from YAML or JSON); throws a
 * `ConfigError` naming the path of the first problem, e.g. `policies[2].probability`. `source` (the file
 * name) is added to messages.
 */
export function parseTailPolicies(value: unknown, source: string): TailPolicy[] {
  if (!isObject(value)) {
    throw new ConfigError(source, `expected an object with policies, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (key !== 'policies') throw invalid(key, 'unknown key; expected policies', source);
  }
  const list = value['policies'];
  if (!Array.isArray(list) || list.length === 0) {
    // An empty list would drop every trace, which is never what a user means.
    throw invalid('policies', `expected a non-empty array of policies, got ${describe(list)}`, source);
  }
  return list.map((item: unknown, i) => parsePolicy(item, `policies[${i}]`, source));
}

function parsePolicy(value: unknown, path: string, source: string): TailPolicy {
  if (!isObject(value)) throw invalid(path, `expected an object with a type, got ${describe(value)}`, source);
  const type = value['type'];
  if (typeof type !== 'string' || !(TYPES as string[]).includes(type)) {
    throw invalid(`${path}.type`, `expected one of ${TYPES.join(', ')}, got ${describe(type)}`, source);
  }
  const policyType = type as TailPolicyType;
  const allowed = KEYS[policyType];
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw invalid(
        `${path}.${key}`,
        `unknown key for type ${policyType}; expected one of ${allowed.join(', ')}`,
        source,
      );
    }
  }
  switch (policyType) {
    case 'error':
      return { type: 'error' };
    case 'latency': {
      const thresholdMs = value['thresholdMs'];
      if (typeof thresholdMs !== 'number' || !Number.isFinite(thresholdMs) || thresholdMs < 0) {
        throw invalid(
          `${path}.thresholdMs`,
          `expected a number of milliseconds ≥ 0, got ${describe(thresholdMs)}`,
          source,
        );
      }
      return { type: 'latency', thresholdMs };
    }
    case 'probabilistic': {
      const probability = value['probability'];
      if (typeof probability !== 'number' || !(probability >= 0 && probability <= 1)) {
        throw invalid(
          `${path}.probability`,
          `expected a number from 0 to 1, got ${describe(probability)}`,
          source,
        );
      }
      const policy: TailPolicy = { type: 'probabilistic', probability };
      const service = optionalName(value, 'service', path, source);
      const operation = optionalName(value, 'operation', path, source);
      if (service !== undefined) policy.service = service;
      if (operation !== undefined) policy.operation = operation;
      return policy;
    }
    case 'rate-limit': {
      const service = optionalName(value, 'service', path, source);
      if (service === undefined) {
        throw invalid(`${path}.service`, 'required: the service whose traces are rate limited', source);
      }
      const tracesPerSecond = value['tracesPerSecond'];
      if (typeof tracesPerSecond !== 'number' || !Number.isFinite(tracesPerSecond) || tracesPerSecond <= 0) {
        throw invalid(
          `${path}.tracesPerSecond`,
          `expected a number greater than 0, got ${describe(tracesPerSecond)}`,
          source,
        );
      }
      return { type: 'rate-limit', service, tracesPerSecond };
    }
  }
}

function optionalName(
  value: Record<string, unknown>,
  key: string,
  path: string,
  source: string,
): string | undefined {
  const name = value[key];
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || name.length === 0) {
    throw invalid(`${path}.${key}`, `expected a non-empty string, got ${describe(name)}`, source);
  }
  return name;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty array' : 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

function invalid(path: string, message: string, source: string): ConfigError {
  return new ConfigError(path, `${message} (in ${source})`);
}

/**
 * The number a trace ID is sampled by: MurmurHash3 x86_32 (seed 0) of the trace ID's 16 bytes (big-endian,
 * as the 32 hex characters spell them), an unsigned 32-bit integer. A probabilistic policy keeps a trace iff
 * `traceIdHash(traceId) < probability × 2^32`.
 *
 * Hashed rather than read from the ID's bits because Jaeger clients' head sampling keeps traces whose low
 * 63 bits are below a boundary; comparing those same bits again would keep far more than `probability` of
 * head-sampled traffic.
 */
export function traceIdHash(traceId: TraceId): number {
  const id = traceId.padStart(32, '0');
  let h = 0;
  for (let block = 0; block < 4; block++) {
    // Murmur3 reads its 4-byte blocks little-endian.
    const o = block * 8;
    const b0 = hexByte(id, o);
    const b1 = hexByte(id, o + 2);
    const b2 = hexByte(id, o + 4);
    const b3 = hexByte(id, o + 6);
    let k = (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= 16;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function hexByte(text: string, offset: number): number {
  // Not hex (never for a model TraceId) reads as 0: still deterministic.
  return parseInt(text.slice(offset, offset + 2), 16) || 0;
}

const TWO_POW_32 = 0x1_0000_0000;

interface Bucket {
  tokens: number;
  updatedMs: number | undefined;
}

/**
 * Decides whole traces by a list of policies: kept when any policy keeps it.
 *
 * Rate-limit policies only spend a token on traces no other policy keeps, so error and slow traces do not
 * use up a service's budget; `reason` is the first policy in list order that kept the trace among the
 * error/latency/probabilistic ones, else the rate-limit policy that gave a token.
 */
export class PolicyEngine {
  readonly #policies: readonly TailPolicy[];
  readonly #buckets: Bucket[];

  constructor(policies: TailPolicy[]) {
    this.#policies = policies.map((p) => ({ ...p }));
    this.#buckets = policies.map(() => ({ tokens: 0, updatedMs: undefined }));
  }

  /** Keep or drop the trace made of `spans` (all of one trace); `nowMs` drives the rate limits. */
  decide(spans: readonly Span[], nowMs: number): PolicyDecision {
    const roots = rootsOf(spans);
    const traceId = spans[0]?.traceId;
    for (const policy of this.#policies) {
      if (policy.type !== 'rate-limit' && keeps(policy, spans, roots, traceId)) {
        return { keep: true, reason: policy.type };
      }
    }
    for (let i = 0; i < this.#policies.length; i++) {
      const policy = this.#policies[i];
      const bucket = this.#buckets[i];
      if (policy?.type !== 'rate-limit' || bucket === undefined) continue;
      if (!roots.some((span) => span.process.serviceName === policy.service)) continue;
      if (take(bucket, policy.tracesPerSecond, nowMs)) return { keep: true, reason: 'rate-limit' };
    }
    return { keep: false, reason: 'sampled_out' };
  }
}

function keeps(
  policy: Exclude<TailPolicy, { type: 'rate-limit' }>,
  spans: readonly Span[],
  roots: readonly Span[],
  traceId: TraceId | undefined,
): boolean {
  switch (policy.type) {
    case 'error':
      return spans.some(hasError);
    case 'latency': {
      const thresholdUs = policy.thresholdMs * 1000;
      return spans.some((span) => span.duration >= thresholdUs);
    }
    case 'probabilistic': {
      if (traceId === undefined) return false;
      const applies = roots.some(
        (span) =>
          (policy.service === undefined || span.process.serviceName === policy.service) &&
          (policy.operation === undefined || span.operationName === policy.operation),
      );
      return applies && traceIdHash(traceId) < policy.probability * TWO_POW_32;
    }
  }
}

function rootsOf(spans: readonly Span[]): readonly Span[] {
  const roots = spans.filter((span) => parentSpanIdOf(span) === undefined);
  return roots.length > 0 ? roots : spans;
}

function hasError(span: Span): boolean {
  return span.tags.some(isErrorTag);
}

const DIGITS = /^[0-9]+$/;

function isErrorTag(tag: KeyValue): boolean {
  switch (tag.key) {
    case 'error':
      return (tag.type === 'bool' && tag.value) || (tag.type === 'string' && tag.value === 'true');
    case 'otel.status_code':
      return tag.type === 'string' && tag.value === 'ERROR';
    case 'http.status_code':
      if (tag.type === 'int64') return tag.value >= 500n;
      return tag.type === 'string' && DIGITS.test(tag.value) && Number(tag.value) >= 500;
    default:
      return false;
  }
}

function take(bucket: Bucket, perSecond: number, nowMs: number): boolean {
  const capacity = Math.max(1, perSecond);
  if (bucket.updatedMs === undefined) {
    bucket.tokens = capacity;
  } else if (nowMs > bucket.updatedMs) {
    bucket.tokens = Math.min(capacity, bucket.tokens + ((nowMs - bucket.updatedMs) * perSecond) / 1000);
  }
  // A clock that steps back neither refills nor moves the bucket's time back.
  if (bucket.updatedMs === undefined || nowMs > bucket.updatedMs) bucket.updatedMs = nowMs;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

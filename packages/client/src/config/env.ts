import { TracerConfigError } from '../errors.js';
import { DEFAULT_PROPAGATION, type PropagationFormat } from '../propagation/propagator.js';
import { DEFAULT_FLUSH_INTERVAL_MS, DEFAULT_MAX_QUEUE_SIZE } from '../reporter/remote-reporter.js';
import { DEFAULT_MAX_OPERATIONS } from '../sampling/per-operation.js';
import { DEFAULT_INITIAL_SAMPLING_RATE, DEFAULT_SAMPLER_REFRESH_INTERVAL_MS } from '../sampling/remote.js';

/** Environment variables as `process.env` holds them; empty strings count as unset. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Every variable the client reads. */
export const ENV_VARS = [
  'JAEGER_SERVICE_NAME',
  'JAEGER_DISABLED',
  'JAEGER_AGENT_HOST',
  'JAEGER_AGENT_PORT',
  'JAEGER_ENDPOINT',
  'JAEGER_USER',
  'JAEGER_PASSWORD',
  'JAEGER_AUTH_TOKEN',
  'JAEGER_REPORTER_MAX_QUEUE_SIZE',
  'JAEGER_REPORTER_FLUSH_INTERVAL',
  'JAEGER_REPORTER_LOG_SPANS',
  'JAEGER_SAMPLER_TYPE',
  'JAEGER_SAMPLER_PARAM',
  'JAEGER_SAMPLER_MANAGER_HOST_PORT',
  'JAEGER_SAMPLING_ENDPOINT',
  'JAEGER_SAMPLER_REFRESH_INTERVAL',
  'JAEGER_SAMPLER_MAX_OPERATIONS',
  'JAEGER_TAGS',
  'JAEGER_TRACEID_128BIT',
  'JAEGER_PROPAGATION',
] as const;

export type EnvVar = (typeof ENV_VARS)[number];

export const DEFAULT_AGENT_HOST = 'localhost';
export const DEFAULT_AGENT_PORT = 6831;
export const DEFAULT_SAMPLER_MANAGER_HOST_PORT = 'localhost:5778';

export type SamplerConfig =
  | { type: 'const'; decision: boolean }
  | { type: 'probabilistic'; samplingRate: number }
  | { type: 'ratelimiting'; maxTracesPerSecond: number }
  | {
      type: 'remote';
      /** The sampling endpoint without the service parameter, e.g. http://localhost:5778/sampling. */
      endpoint: string;
      /** Probability used until the first strategy arrives. */
      initialSamplingRate: number;
      refreshIntervalMs: number;
      maxOperations: number;
    };

export type SamplerType = SamplerConfig['type'];

export type TransportConfig =
  | { type: 'udp'; host: string; port: number }
  | { type: 'http'; endpoint: string; user?: string; password?: string; authToken?: string };

/** Everything the environment says about the tracer, validated. */
export interface TracerConfig {
  disabled: boolean;
  /** '' only when disabled. */
  serviceName: string;
  /** Process tags from JAEGER_TAGS, in order, `${VAR:default}` expanded. */
  tags: Array<[string, string]>;
  traceId128bit: boolean;
  propagation: PropagationFormat[];
  reporter: {
    transport: TransportConfig;
    maxQueueSize: number;
    flushIntervalMs: number;
    logSpans: boolean;
  };
  sampler: SamplerConfig;
}

export interface ParseOptions {
  /** Used when JAEGER_SERVICE_NAME is unset. */
  serviceName?: string;
}

/**
 * Reads the JAEGER_* variables. Throws TracerConfigError naming the first variable whose value cannot be
 * used, with what was expected.
 */
export function parseTracerConfig(env: Env, options: ParseOptions = {}): TracerConfig {
  const read = (name: EnvVar): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const disabled = bool(read, 'JAEGER_DISABLED', false);
  const serviceName = read('JAEGER_SERVICE_NAME') ?? options.serviceName ?? '';
  if (serviceName === '' && !disabled) {
    throw new TracerConfigError(
      'JAEGER_SERVICE_NAME',
      'required: set it to the name this service should have in traces (or JAEGER_DISABLED=true)',
    );
  }

  let transport: TransportConfig;
  const endpoint = read('JAEGER_ENDPOINT');
  if (endpoint !== undefined) {
    transport = { type: 'http', endpoint: httpUrl('JAEGER_ENDPOINT', endpoint) };
    const user = read('JAEGER_USER');
    const password = read('JAEGER_PASSWORD');
    const authToken = read('JAEGER_AUTH_TOKEN');
    if (user !== undefined) transport.user = user;
    if (password !== undefined) transport.password = password;
    if (authToken !== undefined) transport.authToken = authToken;
  } else {
    transport = {
      type: 'udp',
      host: read('JAEGER_AGENT_HOST') ?? DEFAULT_AGENT_HOST,
      port: port(read, 'JAEGER_AGENT_PORT', DEFAULT_AGENT_PORT),
    };
  }

  return {
    disabled,
    serviceName,
    tags: parseTags(read('JAEGER_TAGS'), env),
    traceId128bit: bool(read, 'JAEGER_TRACEID_128BIT', true),
    propagation: propagation(read('JAEGER_PROPAGATION')),
    reporter: {
      transport,
      maxQueueSize: int(read, 'JAEGER_REPORTER_MAX_QUEUE_SIZE', DEFAULT_MAX_QUEUE_SIZE, 1),
      flushIntervalMs: duration(read, 'JAEGER_REPORTER_FLUSH_INTERVAL', DEFAULT_FLUSH_INTERVAL_MS),
      logSpans: bool(read, 'JAEGER_REPORTER_LOG_SPANS', false),
    },
    sampler: sampler(read),
  };
}

type Read = (name: EnvVar) => string | undefined;

const SAMPLER_TYPES: readonly SamplerType[] = ['const', 'probabilistic', 'ratelimiting', 'remote'];

function sampler(read: Read): SamplerConfig {
  const rawType = read('JAEGER_SAMPLER_TYPE');
  const type = rawType === undefined ? 'remote' : (rawType.toLowerCase() as SamplerType);
  if (!SAMPLER_TYPES.includes(type)) {
    throw new TracerConfigError(
      'JAEGER_SAMPLER_TYPE',
      `expected one of ${SAMPLER_TYPES.join(', ')}, got ${JSON.stringify(rawType)}`,
    );
  }
  const rawParam = read('JAEGER_SAMPLER_PARAM');
  const param = rawParam === undefined ? undefined : number('JAEGER_SAMPLER_PARAM', rawParam);
  const need = (what: string): never => {
    throw new TracerConfigError('JAEGER_SAMPLER_PARAM', `required with JAEGER_SAMPLER_TYPE=${type}: ${what}`);
  };
  const bad = (what: string): never => {
    throw new TracerConfigError(
      'JAEGER_SAMPLER_PARAM',
      `with JAEGER_SAMPLER_TYPE=${type} expected ${what}, got ${JSON.stringify(rawParam)}`,
    );
  };
  switch (type) {
    case 'const':
      if (param !== undefined && param !== 0 && param !== 1) bad('1 (sample every trace) or 0 (none)');
      return { type, decision: param !== 0 };
    case 'probabilistic':
      if (param === undefined) need('the probability of sampling a trace, from 0 to 1');
      else if (!(param >= 0 && param <= 1)) bad('a probability from 0 to 1');
      return { type, samplingRate: param as number };
    case 'ratelimiting':
      if (param === undefined) need('the number of traces sampled per second');
      else if (!(param >= 0)) bad('a number of traces per second from 0');
      return { type, maxTracesPerSecond: param as number };
    case 'remote': {
      if (param !== undefined && !(param >= 0 && param <= 1)) {
        bad('the probability sampled until the agent answers, from 0 to 1');
      }
      return {
        type,
        endpoint: samplingEndpoint(read),
        initialSamplingRate: param ?? DEFAULT_INITIAL_SAMPLING_RATE,
        refreshIntervalMs: duration(
          read,
          'JAEGER_SAMPLER_REFRESH_INTERVAL',
          DEFAULT_SAMPLER_REFRESH_INTERVAL_MS,
        ),
        maxOperations: int(read, 'JAEGER_SAMPLER_MAX_OPERATIONS', DEFAULT_MAX_OPERATIONS, 1),
      };
    }
  }
}

function samplingEndpoint(read: Read): string {
  const endpoint = read('JAEGER_SAMPLING_ENDPOINT');
  if (endpoint !== undefined) return httpUrl('JAEGER_SAMPLING_ENDPOINT', endpoint);
  const hostPort = read('JAEGER_SAMPLER_MANAGER_HOST_PORT') ?? DEFAULT_SAMPLER_MANAGER_HOST_PORT;
  const match = /^(\[[0-9a-fA-F:.]+\]|[^:/\s[\]@?#]+):(\d{1,5})$/.exec(hostPort);
  if (match === null || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new TracerConfigError(
      'JAEGER_SAMPLER_MANAGER_HOST_PORT',
      `expected host:port of the agent's sampling endpoint (e.g. localhost:5778), got ${JSON.stringify(hostPort)}`,
    );
  }
  return `http://${match[1]}:${Number(match[2])}/sampling`;
}

/** `key=value` pairs separated by commas; a value `${VAR}` or `${VAR:default}` is read from the environment. */
export function parseTags(text: string | undefined, env: Env): Array<[string, string]> {
  if (text === undefined) return [];
  const tags: Array<[string, string]> = [];
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? '' : pair.slice(0, eq).trim();
    if (key === '') {
      throw new TracerConfigError(
        'JAEGER_TAGS',
        `expected comma-separated key=value pairs (a value may be \${ENV_VAR:default}), got ${JSON.stringify(pair.trim())}`,
      );
    }
    let value = pair.slice(eq + 1).trim();
    if (value.startsWith('${') && value.endsWith('}')) {
      const inner = value.slice(2, -1);
      const colon = inner.indexOf(':');
      const name = (colon < 0 ? inner : inner.slice(0, colon)).trim();
      const fallback = colon < 0 ? '' : inner.slice(colon + 1);
      if (name === '') {
        throw new TracerConfigError(
          'JAEGER_TAGS',
          `tag ${JSON.stringify(key)}: \${} names no environment variable`,
        );
      }
      const fromEnv = env[name];
      value = fromEnv === undefined || fromEnv === '' ? fallback : fromEnv;
    }
    tags.push([key, value]);
  }
  return tags;
}

const FORMATS: readonly PropagationFormat[] = ['jaeger', 'w3c'];

function propagation(text: string | undefined): PropagationFormat[] {
  if (text === undefined) return [...DEFAULT_PROPAGATION];
  const out: PropagationFormat[] = [];
  for (const item of text.split(',')) {
    const format = item.trim().toLowerCase();
    if (format === '') continue;
    if (!FORMATS.includes(format as PropagationFormat)) {
      throw new TracerConfigError(
        'JAEGER_PROPAGATION',
        `expected a comma-separated list of ${FORMATS.join(', ')}, got ${JSON.stringify(item.trim())}`,
      );
    }
    if (!out.includes(format as PropagationFormat)) out.push(format as PropagationFormat);
  }
  if (out.length === 0) {
    throw new TracerConfigError('JAEGER_PROPAGATION', `names no format: use ${FORMATS.join(', ')}`);
  }
  return out;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function number(name: EnvVar, text: string): number {
  if (!NUMBER.test(text)) throw new TracerConfigError(name, `expected a number, got ${JSON.stringify(text)}`);
  return Number(text);
}

function int(read: Read, name: EnvVar, fallback: number, min: number): number {
  const text = read(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new TracerConfigError(name, `expected a whole number from ${min}, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function port(read: Read, name: EnvVar, fallback: number): number {
  const value = int(read, name, fallback, 1);
  if (value > 65535) throw new TracerConfigError(name, `expected a port from 1 to 65535, got ${value}`);
  return value;
}

const TRUE = new Set(['true', '1', 't', 'yes']);
const FALSE = new Set(['false', '0', 'f', 'no']);

function bool(read: Read, name: EnvVar, fallback: boolean): boolean {
  const text = read(name);
  if (text === undefined) return fallback;
  const lower = text.toLowerCase();
  if (TRUE.has(lower)) return true;
  if (FALSE.has(lower)) return false;
  throw new TracerConfigError(name, `expected true or false, got ${JSON.stringify(text)}`);
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds: a plain number, or a number with ms, s, m or h. */
function duration(read: Read, name: EnvVar, fallback: number): number {
  const text = read(name);
  if (text === undefined) return fallback;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text);
  const ms = match ? Number(match[1]) * (UNITS[match[2] ?? 'ms'] ?? 1) : NaN;
  if (!(ms >= 1) || !Number.isFinite(ms)) {
    throw new TracerConfigError(
      name,
      `expected milliseconds from 1 (e.g. 1000), or a number with ms, s, m or h (e.g. 1s), got ${JSON.stringify(text)}`,
    );
  }
  return Math.round(ms);
}

function httpUrl(name: EnvVar, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TracerConfigError(name, `expected an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TracerConfigError(name, `expected an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  return url.toString();
}

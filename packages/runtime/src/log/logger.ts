import { redactText } from '../security/secrets.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
  readonly level: LogLevel;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel;
  /** `json` (one object per line, for collectors) or `pretty` (for people at a terminal). */
  format?: 'json' | 'pretty';
  fields?: LogFields;
  write?: (line: string) => void;
  /**
   * Secrets to replace with [REDACTED] wherever they appear in a line (also JSON-escaped): a list, or a function
   * asked at every line, so secrets read later are covered too (`registeredSecrets`). Children share it.
   */
  redact?: readonly string[] | (() => Iterable<string>);
}

/**
 * The JSON replacer of every line, at every depth: an Error becomes its message, code and stack and nothing
 * else, since its other properties may hold what must not be logged (an Elasticsearch error's `meta` with
 * request and response details, a kafkajs error's `originalError`).
 */
function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { message: value.message, ...(code !== undefined ? { code } : {}), stack: value.stack };
  }
  if (typeof value === 'bigint') return value.toString();
  return value;
}

const replacer = (_key: string, value: unknown): unknown => serialise(value);

/** A structured logger writing to stderr; JSON lines by default, readable lines on request. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? 'info';
  const format = options.format ?? 'json';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const base = options.fields ?? {};
  const redact = options.redact;
  const secrets = typeof redact === 'function' ? redact : () => redact ?? [];
  const out = redact === undefined ? write : (line: string) => write(redactText(line, secrets()));

  const emit = (lvl: Exclude<LogLevel, 'silent'>, message: string, fields?: LogFields): void => {
    if (RANK[lvl] < RANK[level]) return;
    const all: LogFields = { ...base, ...fields };
    if (format === 'json') {
      out(JSON.stringify({ time: new Date().toISOString(), level: lvl, msg: message, ...all }, replacer));
      return;
    }
    const extra = Object.entries(all)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v, replacer)}`)
      .join(' ');
    out(
      `${new Date().toISOString().slice(11, 23)} ${lvl.toUpperCase().padEnd(5)} ${message}${extra ? `  ${extra}` : ''}`,
    );
  };

  return {
    level,
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) =>
      createLogger({
        level,
        format,
        write,
        fields: { ...base, ...fields },
        ...(redact === undefined ? {} : { redact }),
      }),
  };
}
